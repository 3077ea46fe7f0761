"""Set-based writes for the flows that write many rows at once (the catalogue import, the price refresh): COPY into a
temporary table, INSERT ... SELECT and UPDATE ... FROM that write only the rows whose values change, and the one
statement that marks offers ITscope no longer lists unavailable. All statements are :class:`odoo.tools.SQL`.

None of this goes through the ORM: callers write only columns without stored dependents elsewhere (or recompute
them), bump ``write_uid``/``write_date`` as the ORM would, and invalidate the caches afterwards.
"""

import io

from odoo.tools import SQL

# The offer state ITscope changes several times a day, as vendor-line column -> column of the incoming offer: what
# the price refresh writes, and part of what the catalogue import writes. The order is that of the refresh's COPY rows.
OFFER_STATE = {
    "price": "price",
    "itscope_stock": "stock",
    "itscope_stock_status": "stock_status",
    "itscope_stock_text": "stock_text",
    "itscope_availability_date": "availability_date",
    "itscope_last_update": "last_update",
}


def copy_rows(cr, table, columns, rows):
    """COPY ``rows`` (text format lines) into ``table`` in one piece: psycopg2 sends a file in pieces of ``size``
    bytes and takes the GIL back for each, which the importer's reader thread holds for up to 5 ms at a time."""
    if rows:
        data = "".join(rows).encode()
        statement = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table), SQL(", ").join(map(SQL.identifier, columns)))
        cr.copy_expert(statement.code, io.BytesIO(data), size=len(data))


def insert_select(cr, table, values, constants, source):
    """INSERT INTO ``table`` the ``values`` (column -> SQL expression) and the ``constants`` (column -> value, passed
    as parameters) for each row of ``source`` (an SQL ``FROM ... WHERE ...``)."""
    columns = [*values, *constants]
    expressions = [*values.values(), *(SQL("%s", value) for value in constants.values())]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s %s",
            SQL.identifier(table),
            SQL(", ").join(map(SQL.identifier, columns)),
            SQL(", ").join(expressions),
            source,
        )
    )


def update_changed(cr, table, alias, assignments, source, returning, uid, now, compared=None, written=None):
    """UPDATE ``table`` (as ``alias``) with ``assignments`` (column -> SQL expression) for the rows ``source`` (an SQL
    ``FROM ... WHERE ...``) selects, where one of the ``compared`` columns (by default all) changes its value; bumps
    write_uid and write_date on those rows only. Returns the set of ``returning`` (an SQL expression) of the rows
    written.

    ``written``: ``(columns, statement)`` to do more with the rows written, in the same statement: the UPDATE also
    returns those ``columns`` of ``alias`` (their new values), and ``statement`` (an SQL ``INSERT ... SELECT ... FROM
    written``, say) reads them from the ``written`` CTE. No second pass over the table, no list of ids sent back.
    """
    compared = compared or list(assignments)
    update = SQL(
        "UPDATE %s %s SET %s, write_uid = %s, write_date = %s %s AND (%s) IS DISTINCT FROM (%s)",
        SQL.identifier(table),
        SQL.identifier(alias),
        SQL(", ").join(SQL("%s = %s", SQL.identifier(column), value) for column, value in assignments.items()),
        uid,
        now,
        source,
        SQL(", ").join(SQL.identifier(alias, column) for column in compared),
        SQL(", ").join(assignments[column] for column in compared),
    )
    if written:
        columns, statement = written
        cr.execute(
            SQL(
                "WITH written AS (%s RETURNING %s AS returned, %s), extra AS (%s) SELECT returned FROM written",
                update,
                returning,
                SQL(", ").join(SQL.identifier(alias, column) for column in columns),
                statement,
            )
        )
    else:
        cr.execute(SQL("%s RETURNING %s", update, returning))
    return {row[0] for row in cr.fetchall()}


def mark_offers_unavailable(cr, company_id, uid, now, templates, listed=None):
    """The company's ITscope vendor lines of the products ``templates`` (an SQL query of template ids) that are not
    ``listed`` (an SQL condition on ``si``, the vendor line) become unavailable with no stock; returns ``(line id,
    template id)`` of the lines that changed.

    Their products' digests are forgotten: the payload an import last read no longer says what their offers are, so
    the next import that lists these products reads them again instead of skipping them as unchanged.
    """
    cr.execute(
        SQL(
            """WITH marked AS (
                   UPDATE product_supplierinfo si
                      SET itscope_available = false, itscope_stock = 0, write_uid = %(uid)s, write_date = %(now)s
                    WHERE si.company_id = %(company)s AND si.product_tmpl_id IN (%(templates)s)
                      AND si.itscope_offer_id IS NOT NULL AND (si.itscope_available OR si.itscope_stock != 0)
                      AND NOT (%(listed)s)
                RETURNING si.id, si.product_tmpl_id),
               forgotten AS (
                   UPDATE itscope_product b SET payload_hash = NULL
                     FROM (SELECT DISTINCT product_tmpl_id FROM marked) m
                    WHERE b.company_id = %(company)s AND b.product_tmpl_id = m.product_tmpl_id
                      AND b.payload_hash IS NOT NULL)
               SELECT id, product_tmpl_id FROM marked""",
            uid=uid,
            now=now,
            company=company_id,
            templates=templates,
            listed=listed or SQL("false"),
        )
    )
    return cr.fetchall()


def next_ids(cr, sequence, count):
    """``count`` ids from ``sequence``, for rows written with their ids."""
    if not count:
        return []
    cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", sequence, count))
    return [row[0] for row in cr.fetchall()]


def refresh_statistics(cr, table, columns):
    """ANALYZE the ``columns`` an import looks rows up by once ``table`` has grown to twice the size its statistics
    know. An import grows the tables it looks rows up in (bindings by digest, vendor lines by offer) faster than
    autovacuum analyzes them, and with stale statistics the planner takes 300,000 rows for a few dozen and scans them
    all for every lookup, through the wrong index.

    The size comes from the table's file: the statistics views show a transaction the figures of its start, so they
    cannot tell what the batch itself added (asked before each chunk, they had a 100,000-product import analyze the
    vendor lines 22 times instead of 7). Only the lookup columns are sampled: a fifth of the time. Sizes are compared
    in pages: in bytes, twice the pages of a table over 1 GB overflowed a 32-bit integer.
    """
    cr.execute(
        SQL(
            """SELECT pg_relation_size(oid) / current_setting('block_size')::int > 2 * GREATEST(relpages, 8)
                 FROM pg_class WHERE oid = %s::regclass""",
            table,
        )
    )
    if cr.fetchone()[0] and try_lock(cr, "ANALYZE " + table):
        cr.execute(SQL("ANALYZE %s (%s)", SQL.identifier(table), SQL(", ").join(map(SQL.identifier, columns))))


def try_lock(cr, name):
    """Whether this transaction holds (now, or already) the advisory lock ``name``, taken without waiting and kept
    to its end. Two workers of a parallel import (``itscope.export.chunk``) must not ANALYZE one table at once:
    ANALYZE's table lock, kept to the end of the transaction, would hold the second worker for the rest of the first
    one's batch; the second goes on with the statistics it has."""
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", name))
    return cr.fetchone()[0]
