"""Prices and stock kept fresh where purchasers look: ITscope's update formats several times an hour, and a
real-time check of one RFQ's products.

ITscope's fair-use rule is full formats once a day and update formats (``standardUpdate``: price and stock fields
only) several times an hour; distributors update from early morning to early evening. The refresh reads a company's
update exports (each streamed to a temporary file first), or asks ITscope for its imported products 50 at a time when
it has none, and writes only the vendor lines whose price, stock, availability or availability date changed, with one
set-based UPDATE per chunk (COPY into a temporary table, then ``UPDATE ... FROM ... WHERE ... IS DISTINCT FROM``):
an update that brings nothing new writes no row. Incoming prices are rounded to the price field's digits in the same
statement, so an unchanged price never looks changed.

An update speaks for every product it lists, with all of that product's offers, and a product asked for by id that
ITscope does not answer for is gone: the company's vendor lines of such products whose offer the update does not list
become unavailable. Products an update export does not list are left to the daily catalogue import. The refresh
creates no vendor line (the catalogue import does), writes only ITscope's offer state, and never another company's
lines; none of the columns it writes has a stored dependent, so updating them in SQL skips no recomputation.

Each chunk's changed lines are kept in the offer history (``itscope.offer.history``) by the UPDATE that changes them
(its RETURNING feeds an INSERT in the same statement), and after a refresh the open RFQs of the products it changed
are judged (``itscope.source.watch``).
"""

import logging
import tempfile

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from ..itscope.catalogue_rows import copy_value, last_update
from ..itscope.client import chunked
from ..itscope.errors import ItscopeError
from ..itscope.exports import BadRow, iter_export
from ..itscope.products import read_products
from ..tools import bulk_sql

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 20000  # products written per COPY and UPDATE (read, one takes about 2 KB with its offers)

_TEMP_TABLES = SQL("""
    DROP TABLE IF EXISTS itscope_refresh_offer, itscope_refresh_product;
    CREATE TEMP TABLE itscope_refresh_offer (
        offer_id varchar, price numeric, stock int, stock_status varchar, stock_text varchar, availability_date date,
        last_update timestamp
    ) ON COMMIT DROP;
    CREATE TEMP TABLE itscope_refresh_product (puid varchar) ON COMMIT DROP;
""")
_OFFER_COLUMNS = ("offer_id", *bulk_sql.OFFER_STATE.values())
# What tells a change: texts and timestamps only ride along with one.
_CHANGE_COLUMNS = ("price", "itscope_stock", "itscope_stock_status", "itscope_availability_date", "itscope_available")
# A vendor line whose offer the update lists.
_LISTED_OFFER = SQL("EXISTS (SELECT 1 FROM itscope_refresh_offer o WHERE o.offer_id = si.itscope_offer_id)")


class ItscopePriceRefresh(models.AbstractModel):
    _name = "itscope.price.refresh"
    _description = "ITscope Price and Stock Refresh"

    def init(self):
        # The refresh rewrites a vendor line's offer state several times a day. With room left on each page for a
        # row's next version (fillfactor 50: a row is about 200 bytes), PostgreSQL writes that version beside the old
        # one without touching any of the table's indexes (a HOT update: none of the columns the refresh writes is
        # indexed), even when a refresh changes every offer. Measured on 100,000 changed offers: the UPDATE took
        # 0.67-0.80 s instead of 2.8-3.1 s (the table freshly written at 50 % against 100 %). The table takes twice
        # the pages: about 40 MB per 100,000 vendor lines. Pages written from now on follow it.
        self.env.cr.execute(SQL("ALTER TABLE product_supplierinfo SET (fillfactor = 50)"))

    # ------------------------------------------------------------
    # Ways in
    # ------------------------------------------------------------

    @api.model
    def _cron_itscope_refresh_prices(self):
        """Refresh every company whose refresh window is open now, each in its own sync run; the scheduled action's
        interval is the refresh interval."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].search(
            [("itscope_account_id", "!=", False), ("itscope_refresh_prices", "=", True)]
        )
        self.env["itscope.offer.history"]._prune(self.env["res.company"].search([]))
        due = companies.filtered(lambda company: self._window_open(company, now) and self._has_work(company))
        for company in due:
            self._refresh(company)
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=0)

    @api.model
    def _refresh(self, company):
        """Refresh ``company``'s offers from its update exports, else from its imported products asked by id; returns
        the sync run. A failure (ITscope blocking us, say) rolls the writes back and fails the run. It runs in the
        language of the run's texts (the company's when scheduled): it writes nothing that has a language."""
        refresh = self.with_company(company).with_context(tracking_disable=True)
        refresh = refresh.with_env(refresh.env["itscope.sync.run"]._texts())

        def work(run):
            problems = []
            with refresh.env["itscope.service"]._client(company) as client:
                exports = company._itscope_update_export_refs()
                if exports:
                    listed = refresh._exported(client, exports, problems)
                else:
                    listed = refresh._asked(client, refresh._imported_puids(company), False, problems)
                written = refresh._write_update(company, listed, problems, run)
            refresh.env["itscope.source.watch"]._flag_open_rfqs(company, written)

        return refresh.env["itscope.sync.run"]._run(company, "prices", work, source="refresh")

    @api.model
    def _check_now(self, company, puids):
        """Ask ITscope in real time for the products ``puids`` (50 a call) and write their offers; returns the ids of
        the vendor lines written. ITscope's refusals become a UserError that says what happened."""
        refresh = self.with_company(company).with_context(tracking_disable=True)
        problems = []
        try:
            with refresh.env["itscope.service"]._client(company) as client:
                written = refresh._write_update(company, refresh._asked(client, puids, True, problems), problems)
        except ItscopeError as error:
            raise UserError(refresh.env["itscope.service"]._error_message(error)) from None
        for puid, reason in problems:
            _logger.info("ITscope product %s could not be read during a check: %s", puid, reason)
        return written

    # ------------------------------------------------------------
    # When
    # ------------------------------------------------------------

    @api.model
    def _window_open(self, company, at):
        """Whether ``at`` (naive UTC) lies in the company's refresh window: from its start to its end time on a
        working day of its working schedule, in that schedule's time zone."""
        calendar = company.resource_calendar_id
        local = pytz.utc.localize(at).astimezone(pytz.timezone(calendar.tz or "UTC"))
        hour = local.hour + local.minute / 60 + local.second / 3600
        if not company.itscope_refresh_start <= hour < company.itscope_refresh_end:
            return False
        return not calendar or calendar._works_on_date(local.date())

    @api.model
    def _has_work(self, company):
        """A company without update exports and without imported products has nothing to refresh: no empty runs."""
        return bool(company._itscope_update_export_refs()) or bool(
            self.env["itscope.product"].search_count([("company_id", "=", company.id)], limit=1)
        )

    # ------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------

    @api.model
    def _imported_puids(self, company):
        return self.env["itscope.product"].search([("company_id", "=", company.id)], order="id").mapped("itscope_id")

    @api.model
    def _exported(self, client, exports, problems):
        """``(puid, product)`` for every product the update ``exports`` list, each export streamed to a temporary
        file and read from there (an update of every product never has to fit in memory)."""
        for export in exports:
            with tempfile.NamedTemporaryFile(prefix="itscope-update-") as handle:
                size = client.download_export(export, handle)
                handle.flush()
                if not size:
                    problems.append((export, self.env._("ITscope returned an empty export; nothing read from it")))
                    continue
                try:
                    payloads = iter_export(handle.name)
                except ValueError as error:
                    problems.append((export, str(error)))
                    continue
                for product in _readable(payloads, problems):
                    yield product.puid, product

    @api.model
    def _asked(self, client, puids, realtime, problems):
        """``(puid, product or None)`` for each of ``puids``, asked for 50 a call; None: ITscope no longer knows the
        product. A product ITscope answers with but that cannot be read is left out (and logged)."""
        for batch in chunked(puids):
            answered, unreadable = {}, set()
            for product, problem in read_products(
                client.products_by_ids(batch, view="standardUpdate", realtime=realtime)
            ):
                if problem:
                    problems.append(problem)
                    unreadable.add(problem[0])
                else:
                    answered[product.puid] = product
            for puid in batch:
                if puid not in unreadable:
                    yield puid, answered.get(puid)

    # ------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------

    @api.model
    def _write_update(self, company, listed, problems, run=None):
        """Write the offers of ``listed`` (``(puid, product or None)``, see the module docstring) chunk by chunk and
        count them on ``run``; returns the ids of the vendor lines written."""
        cr = self.env.cr
        params = {
            "company": company.id,
            "uid": self.env.uid,
            "now": cr.now(),
            "price_digits": self.env["product.supplierinfo"]._fields["price"].get_digits(self.env)[1],
        }
        calculated = company.itscope_price_source == "price_calc"
        history = self.env["itscope.offer.history"]
        written = set()
        self.env.flush_all()
        cr.execute(_TEMP_TABLES)
        try:
            for chunk in split_every(CHUNK_SIZE, listed):
                product_rows, offer_rows = [], []
                for puid, product in chunk:
                    product_rows.append(copy_value(puid) + "\n")
                    for offer in product.offers if product else ():
                        offer_rows.append(_offer_row(offer, calculated))
                cr.execute(SQL("TRUNCATE itscope_refresh_offer, itscope_refresh_product"))
                bulk_sql.copy_rows(cr, "itscope_refresh_product", ("puid",), product_rows)
                bulk_sql.copy_rows(cr, "itscope_refresh_offer", _OFFER_COLUMNS, offer_rows)
                cr.execute(SQL("ANALYZE itscope_refresh_offer, itscope_refresh_product"))
                changed = self._write_changed(params, history._recording(company, params["now"]))
                gone = {
                    line_id
                    for line_id, _template_id in bulk_sql.mark_offers_unavailable(
                        cr,
                        company.id,
                        params["uid"],
                        params["now"],
                        SQL(
                            """SELECT b.product_tmpl_id FROM itscope_product b
                                 JOIN itscope_refresh_product p ON p.puid = b.itscope_id
                                WHERE b.company_id = %s""",
                            company.id,
                        ),
                        _LISTED_OFFER,
                    )
                }
                cr.execute(
                    SQL(
                        """SELECT count(*) FROM itscope_refresh_offer o
                             JOIN product_supplierinfo si ON si.company_id = %s AND si.itscope_offer_id = o.offer_id""",
                        company.id,
                    )
                )
                matched = cr.fetchone()[0]
                written |= changed | gone
                history._record(company, gone, params["now"])  # changed ones: kept by their UPDATE
                if run:
                    run._add_errors(problems)
                    run._count(
                        updated=len(changed | gone), unchanged=matched - len(changed), skipped=len(offer_rows) - matched
                    )
                    problems.clear()
        finally:
            self.env.invalidate_all()
        if run:
            run._add_errors(problems)
        return written

    @api.model
    def _write_changed(self, params, recording=None):
        """Write the offer state of the company's vendor lines the chunk's offers change; returns their ids. A price
        ITscope leaves out keeps the line's price (price is NOT NULL); incoming prices are rounded as the field is.
        ``recording``: the offer history's (``itscope.offer.history._recording``), kept by the same statement."""
        incoming = {column: SQL.identifier("o", source) for column, source in bulk_sql.OFFER_STATE.items()}
        incoming["price"] = SQL("COALESCE(round(o.price, %s), si.price)", params["price_digits"])
        incoming["itscope_available"] = SQL("true")
        return bulk_sql.update_changed(
            self.env.cr,
            "product_supplierinfo",
            "si",
            incoming,
            SQL(
                "FROM itscope_refresh_offer o WHERE si.company_id = %s AND si.itscope_offer_id = o.offer_id",
                params["company"],
            ),
            SQL("si.id"),
            params["uid"],
            params["now"],
            compared=_CHANGE_COLUMNS,
            written=recording,
        )


def _readable(payloads, problems):
    """The products of an export's ``payloads``; rows that cannot be read are added to ``problems``."""

    def good():
        for payload in payloads:
            if isinstance(payload, BadRow):
                problems.append((payload.puid, payload.reason))
            else:
                yield payload

    for product, problem in read_products(good()):
        if problem:
            problems.append(problem)
        else:
            yield product


def _offer_row(offer, calculated):
    """The COPY row of an offer's state (``calculated``: the company buys at ITscope's calculated price). Offer ids
    are digits (``read_product`` checks them) and numbers need no escaping: only the texts go through copy_value."""
    return "%s\t%s\t%d\t%d\t%s\t%s\t%s\n" % (
        offer.offer_id,
        copy_value(offer.price_calc if calculated else offer.price),
        offer.stock,
        offer.stock_status,
        copy_value(offer.stock_text),
        copy_value(offer.availability_date),
        copy_value(last_update(offer)),
    )
