"""The catalogue importer: every way products come in from ITscope ends here.

Interactive ways (the search wizard, a list of ids) hand over a few :class:`~..itscope.products.Product` records.
An export is a stream of product payloads (each product's bytes as ``itscope.exports.iter_raw`` cuts them from the
file, or dicts, or each product's JSON text), imported BATCH_SIZE products per call from the sync run's checkpoint; the
cron runner commits after each call, so a killed import resumes where it stopped and a rerun never duplicates. A
product whose payload digest the company's last import stored is skipped without being parsed.

Products and offers are written with set-based SQL in the shape measured in ``odoo-bulk-insert.md`` (COPY into
temporary tables, then INSERT ... SELECT / UPDATE ... FROM), keeping what the ORM would have written: the defaults and
stored computed values of a prototype record, the default taxes and routes, translated names as jsonb, company
dependent values keyed by company, the fields' rounding, barcode uniqueness, and caches invalidated afterwards. The
rare changes that have stored dependents elsewhere (a product's category, an offer moving to another vendor or
product) go through the ORM.

Three layers: reading products and preparing their rows is plain Python that needs no database
(``itscope/catalogue_rows.py``; during an export import it runs in a helper thread, one chunk ahead, while PostgreSQL
writes the chunk before); the set-based statements shared with the price refresh are in ``tools/bulk_sql.py``; this
model orchestrates: settings, batches and checkpoints, matching, and the statements only it needs.
"""

import itertools
import re
from concurrent.futures import ThreadPoolExecutor

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..itscope.catalogue_rows import (
    OFFER_COLUMNS,
    PRODUCT_COLUMNS,
    ImportSettings,
    chunks,
    copy_row,
    copy_value,
    digest_seed,
    interpreter_tuned_for_import,
    prepare,
    read_changed,
    with_digests,
)
from ..itscope.exports import iter_raw
from ..itscope.products import read_product
from ..tools import bulk_sql

BATCH_SIZE = 20000  # products per transaction of an export import
CHUNK_SIZE = 2500  # products looked up, read and written together within a batch

# One export iterator per running import, kept between the cron runner's calls in this process: the next batch
# continues the stream instead of reading the export again up to the checkpoint. Keyed by (database, run id).
_OPEN_EXPORTS = {}

_TEMP_TABLES = SQL("""
    DROP TABLE IF EXISTS itscope_import_product, itscope_import_offer;
    CREATE TEMP TABLE itscope_import_product (
        tmpl_id int, prod_id int, is_new bool, barcode varchar, puid varchar, payload_hash varchar, name varchar,
        short_description text, long_description text, categ_id int, weight numeric, hs_code varchar,
        origin_country_id int, manufacturer_id int, manufacturer_sku varchar, product_type_id int,
        product_type_itscope_id varchar, deeplink varchar, datasheet_url varchar, datasheet_pdf_url varchar,
        image_url varchar, attributes text, accessory_puids varchar, tracking varchar, is_service bool, cost numeric
    ) ON COMMIT DROP;
    CREATE TEMP TABLE itscope_import_offer (
        line_id int, tmpl_id int, offer_id varchar, partner_id int, sequence int, product_code varchar, price numeric,
        currency_id int, min_qty numeric, stock int, stock_status varchar, stock_text varchar, availability_date date,
        condition varchar, eol bool, special_offer bool, last_update timestamp, order_multiple int, state_hash varchar
    ) ON COMMIT DROP;
""")
# product_template columns the importer fills per product; every other stored column comes from the prototype
_TRANSLATED_VALUES = {
    "name": "i.name",
    "description_purchase": "i.short_description",
    "description_sale": "i.long_description",
}
_TEMPLATE_VALUES = {
    "categ_id": "COALESCE(i.categ_id, %s)",
    "weight": "COALESCE(i.weight, round(0, %s))",
    "itscope_puid": "i.puid",
    "itscope_hs_code": "i.hs_code",
    "itscope_origin_country_id": "i.origin_country_id",
    "itscope_manufacturer_id": "i.manufacturer_id",
    "itscope_manufacturer_sku": "i.manufacturer_sku",
    "itscope_product_type_id": "i.product_type_id",
    "itscope_deeplink": "i.deeplink",
    "itscope_datasheet_url": "i.datasheet_url",
    "itscope_datasheet_pdf_url": "i.datasheet_pdf_url",
    "itscope_image_url": "i.image_url",
    "itscope_image_pending": "i.image_url IS NOT NULL",
    "itscope_attributes": "i.attributes",
    "itscope_accessory_puids": "i.accessory_puids",
    "tracking": "i.tracking",
}
# the settings their parameters (``%s``) come from
_TEMPLATE_PARAMETERS = {"categ_id": ("default_categ_id",), "weight": ("weight_digits",)}
_VARIANT_VALUES = {
    "product_tmpl_id": "i.tmpl_id",
    "barcode": "i.barcode",
    "weight": "i.weight",
    # company dependent: keyed by company, as the ORM writes it
    "standard_price": "CASE WHEN i.cost IS NOT NULL THEN jsonb_build_object(%s::text, i.cost::float8) END",
}
_VARIANT_PARAMETERS = {"standard_price": ("company_id",)}
# What a new product is before its product type says otherwise: storable goods (is_storable's default is off).
_TEMPLATE_DEFAULTS = {"is_storable": True}
_MAGIC_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")
# What a re-import writes over an existing product's content, per company policy (``never``: nothing), for a
# translated column (jsonb) and a plain one: ITscope's empty values never clear what is there.
_TRANSLATED_CONTENT = {
    "always": "CASE WHEN %(new)s IS NULL THEN %(old)s ELSE COALESCE(%(old)s, '{}') || %(translated)s END",
    "empty": "CASE WHEN %(new)s IS NOT NULL AND NULLIF(%(old)s->>%(lang)s, '') IS NULL "
    "THEN COALESCE(%(old)s, '{}') || %(translated)s ELSE %(old)s END",
}
_PLAIN_CONTENT = {
    "always": "COALESCE(%(new)s, %(old)s)",
    "empty": "COALESCE(NULLIF(%(old)s, %(empty)s), %(new)s, %(old)s)",
}
# ITscope's own reference data on the product: always ITscope's.
_TEMPLATE_REFERENCES = {
    "itscope_puid": "i.puid",
    "itscope_manufacturer_id": "COALESCE(i.manufacturer_id, t.itscope_manufacturer_id)",
    "itscope_manufacturer_sku": "COALESCE(i.manufacturer_sku, t.itscope_manufacturer_sku)",
    # another company's binding of the same product type stays: only a change of ITscope's type is written
    "itscope_product_type_id": "CASE WHEN i.product_type_id IS NOT NULL AND i.product_type_itscope_id IS DISTINCT FROM "
    "(SELECT itscope_id FROM itscope_product_type WHERE id = t.itscope_product_type_id) "
    "THEN i.product_type_id ELSE t.itscope_product_type_id END",
    "itscope_deeplink": "i.deeplink",
    "itscope_datasheet_url": "i.datasheet_url",
    "itscope_datasheet_pdf_url": "i.datasheet_pdf_url",
    "itscope_image_url": "i.image_url",
    "itscope_image_pending": "t.itscope_image_pending OR (i.image_url IS NOT NULL "
    "AND i.image_url IS DISTINCT FROM t.itscope_image_url)",
    "itscope_attributes": "i.attributes",
    "itscope_accessory_puids": "i.accessory_puids",
}
# Offer columns a re-import keeps current (partner, product and sequence have stored dependents: ORM only): the offer
# state the price refresh writes too, and what only the catalogue import writes.
_OFFER_VALUES = {
    **{column: SQL.identifier("o", incoming) for column, incoming in bulk_sql.OFFER_STATE.items()},
    "product_code": SQL("o.product_code"),
    "currency_id": SQL("o.currency_id"),
    "min_qty": SQL("o.min_qty"),
    "itscope_condition": SQL("o.condition"),
    "itscope_eol": SQL("o.eol"),
    "itscope_special_offer": SQL("o.special_offer"),
    "itscope_order_multiple": SQL("o.order_multiple"),
    "itscope_available": SQL("true"),
    "itscope_state_hash": SQL("o.state_hash"),
}


class ItscopeCatalogueImporter(models.AbstractModel):
    _name = "itscope.catalogue.importer"
    _description = "ITscope Catalogue Importer"

    # ------------------------------------------------------------
    # Ways in
    # ------------------------------------------------------------

    @api.model
    def _import_products(self, company, products, run):
        """Import :class:`Product` records (search wizard, list of ids) for ``company`` into ``run``, in the caller's
        transaction; the accessories among them and already imported are linked, and the offers their reading
        refused (``Product.problems``) are logged."""
        importer = self.with_company(company).with_context(tracking_disable=True)
        run._add_errors([problem for product in products for problem in product.problems])
        settings = importer._prepare_settings(company, run)
        prepared = [prepare(settings, product, None) for product in products]
        written = importer._write_products(settings, prepared, run)
        importer._link_accessories(puids=list(written))
        self.env.invalidate_all()

    @api.model
    def _import_by_ids(self, company, puids, run):
        """Fetch the products ``puids`` from ITscope (50 a call) and import them for ``company`` into ``run``, in the
        caller's transaction; return ``{puid: Product}`` of the products read. An id ITscope does not know is absent
        from it; a product that cannot be read is logged on the run with its reason."""
        with self.env["itscope.service"]._client(company) as client:
            payloads = list(client.products_by_ids(list(dict.fromkeys(puids))))
        products = {}
        for payload in payloads:
            try:
                product = read_product(payload)
            except (ValueError, TypeError, AttributeError) as error:
                run._add_error(payload.get("puid") if isinstance(payload, dict) else None, str(error))
                continue
            products[product.puid] = product
        if products:
            self._import_products(company, list(products.values()), run)
        return products

    @api.model
    def _start_export_import(self, company, attachment, full=False, run=None, export=None):
        """Open a sync run importing the export file in ``attachment`` (CSV-zip, XML or JSON) and wake the cron that
        advances it batch by batch; returns the run.

        ``export``: the ``itscope.export`` the file comes from. ``full``: the file lists every product of that export,
        so at the end the offers of products it listed before and no longer lists become unavailable (see
        ``_finish_export_import``). ``run``: the catalogue run already open for the file (its download's), else a new
        one.
        """
        if full and not export:
            raise UserError(self.env._("A full export import needs the export the file comes from."))
        vals = {"export_attachment_id": attachment.id, "export_full": full, "export_id": export and export.id}
        if run:
            run.write(vals)
        else:
            run = self.env["itscope.sync.run"]._open(company, "catalogue", source="upload", **vals)
        self._wake_import_workers()  # worker 1 splits a large file into chunks and wakes the others
        return run

    @api.model
    def _import_export_batch(self, run, payloads=None, batch_size=BATCH_SIZE):
        """Import the next ``batch_size`` payloads of the run's export and move the checkpoint; at the end of the
        export finish the run. Returns the number of payloads read.

        ``payloads``: the export as an iterator positioned at the checkpoint; by default the run's attachment is read
        (continuing the stream the previous batch in this process left, else reading up to the checkpoint).

        Chunk by chunk, with a helper thread one step ahead: it cuts and digests the next chunk while this thread
        looks up the unchanged products of the one before (their digests are known: they are counted, not read) and
        writes. The new or changed products gather until they are as many as the chunk read, or a fifth of a full
        chunk; then the helper reads and prepares them while the products before are written. A re-import that
        changes a tenth of its products thus writes them in rounds of 500, not in one round of some twenty statements
        per chunk read (measured at 10,000 products: 0.5 s of SQL down to 0.25 s). The interpreter is set for two
        busy threads meanwhile (:func:`interpreter_tuned_for_import`). A first batch past half its size starts
        counting the file for the progress (``_measure_export``); one that reads the file whole has counted it. A crash
        fails the run with its reason (the batch's work is rolled back); bad rows are only logged.
        """
        company = run.company_id
        importer = self.with_company(company).with_context(tracking_disable=True)
        read, seen, waiting, pending, store_total = 0, [], [], None, None
        stream_key = (self.env.cr.dbname, run.id) if payloads is None else None
        uncounted = bool(stream_key) and not run.export_position and not run.export_total
        try:
            with (
                run._recording_failure(),
                interpreter_tuned_for_import(),
                ThreadPoolExecutor(1, thread_name_prefix="itscope-import") as helper,
            ):
                if stream_key:
                    payloads = importer._export_stream(run, stream_key)
                bulk_sql.refresh_statistics(
                    self.env.cr, "itscope_product", ("company_id", "itscope_id", "payload_hash")
                )
                settings = importer._prepare_settings(company, run)
                pieces = chunks(itertools.islice(payloads, batch_size), CHUNK_SIZE)

                def next_piece():
                    return with_digests(settings.digest_seed, next(pieces, ()))

                following = helper.submit(next_piece)
                while chunk := following.result():
                    following = helper.submit(next_piece)
                    read += len(chunk)
                    if uncounted and read > batch_size // 2:  # the file goes on past this batch, likely
                        store_total, uncounted = run._measure_export(), False
                    changed, unchanged = importer._skip_unchanged(settings, chunk)
                    seen += unchanged
                    if unchanged:
                        run._count(unchanged=len(unchanged))
                    waiting += changed
                    if len(waiting) >= min(len(chunk), CHUNK_SIZE // 5):
                        prepared, waiting = helper.submit(read_changed, settings, waiting), []
                        if pending:
                            seen += importer._write_chunk(settings, pending.result(), run).values()
                        pending = prepared
                for prepared in (pending, waiting and helper.submit(read_changed, settings, waiting)):
                    if prepared:
                        seen += importer._write_chunk(settings, prepared.result(), run).values()
                if store_total:
                    store_total()
                if run.export_full:
                    self.env["itscope.product.seen"].sudo().create({"run_id": run.id, "product_ids": _id_list(seen)})
                run.export_position += read
                if read < batch_size:
                    if uncounted:  # read whole by its first batch
                        run.export_total = run.export_position
                    importer._finish_export_import(run)
                elif stream_key:
                    _OPEN_EXPORTS[stream_key] = (run.export_position, payloads)
        finally:
            self.env.invalidate_all()
        return 0 if run.state == "failed" else read

    @api.model
    def _cron_itscope_import_exports(self, worker=1):
        """One step of the running export imports, as cron worker ``worker`` (the cron runner commits and calls again
        while there is work left).

        Every worker up to the number the system parameter ``itscope_connector.import_workers`` asks for takes steps of
        the chunked imports (``itscope.export.chunk._advance``). Worker 1 also advances the oldest unchunked import by
        one batch; before its first batch, an import large enough for several workers is split into chunks instead, and
        the other workers are woken.
        """
        Chunk = self.env["itscope.export.chunk"]
        workers = Chunk._workers()
        step = Chunk._advance() if worker <= workers else None
        if step or worker != 1:
            self.env["ir.cron"]._notify_progress(done=step[0] if step else 0, remaining=step[1] if step else 0)
            return
        runs = self.env["itscope.sync.run"].search(
            [
                ("kind", "=", "catalogue"),
                ("state", "=", "running"),
                ("export_attachment_id", "!=", False),
                ("export_chunk_ids", "=", False),
            ],
            order="id",
        )
        if not runs:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        if not runs[0].export_position and Chunk._split(runs[0], workers):
            self._wake_import_workers(workers)
            self.env["ir.cron"]._notify_progress(done=1, remaining=len(runs))
            return
        read = self._import_export_batch(runs[0], batch_size=BATCH_SIZE)
        self.env["ir.cron"]._notify_progress(done=read or 1, remaining=len(runs) - (runs[0].state != "running"))

    @api.model
    def _wake_import_workers(self, workers=1):
        """Trigger the import crons of workers 1 to ``workers`` (the addon's and any copy with ``worker=N``)."""
        crons = self.env["ir.cron"].sudo().search([("code", "like", "_cron_itscope_import_exports(")])
        for cron in crons:
            number = re.search(r"worker=(\d+)", cron.code or "")
            if (int(number.group(1)) if number else 1) <= workers:
                cron._trigger()

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    @api.model
    def _prepare_settings(self, company, run):
        """The company's choices and mappings and Odoo's defaults for new products, read once per call (a batch)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                """SELECT itscope_id, partner_id, partnered, name FROM itscope_distributor
                    WHERE company_id = %s AND active""",
                company.id,
            )
        )
        distributors, distributor_names = {}, {}
        for itscope_id, partner_id, partnered, name in cr.fetchall():
            distributors[itscope_id] = (partner_id, bool(partnered))
            distributor_names[itscope_id] = name
        cr.execute(
            SQL(
                """SELECT itscope_id, partner_id FROM itscope_manufacturer
                    WHERE company_id = %s AND active AND partner_id IS NOT NULL""",
                company.id,
            )
        )
        manufacturers = dict(cr.fetchall())
        cr.execute(
            SQL(
                """SELECT itscope_id, id, category_id, order_kind != 'physical', serial_tracking
                     FROM itscope_product_type WHERE company_id = %s AND active""",
                company.id,
            )
        )
        product_types = {itscope_id: tuple(kind) for itscope_id, *kind in cr.fetchall()}
        cr.execute(SQL("SELECT name, id FROM res_currency"))
        currencies = dict(cr.fetchall())
        cr.execute(SQL("SELECT code, id FROM res_country"))
        countries = dict(cr.fetchall())

        supplier_defaults = self.env["product.supplierinfo"].default_get(["delay"])
        choices = (
            company.itscope_price_source,
            tuple(sorted(company.itscope_condition_ids.mapped("code"))),
            company.itscope_partnered_only,
            company.itscope_import_price_list_lines,
            company.itscope_content_policy,
            self.env.lang,
            sorted(distributors.items()),
        )
        return ImportSettings(
            company_id=company.id,
            uid=self.env.uid,
            lang=self.env.lang or "en_US",
            now=cr.now(),
            price_field=company.itscope_price_source,
            conditions=frozenset(company.itscope_condition_ids.mapped("code")),
            partnered_only=company.itscope_partnered_only,
            import_price_list_lines=company.itscope_import_price_list_lines,
            policy=company.itscope_content_policy,
            distributors=distributors,
            distributor_names=distributor_names,
            manufacturers=manufacturers,
            product_types=product_types,
            currencies=currencies,
            company_currency_id=company.currency_id.id,
            countries=countries,
            default_categ_id=self.env["product.template"].default_get(["categ_id"]).get("categ_id"),
            supplier_delay=supplier_defaults.get("delay") or 0,
            price_digits=self.env["decimal.precision"].precision_get("Product Price"),
            qty_digits=self.env["decimal.precision"].precision_get("Product Unit of Measure"),
            weight_digits=self.env["product.template"]._fields["weight"].get_digits(self.env)[1],
            digest_seed=digest_seed(choices),
        )

    @api.model
    def _new_product_defaults(self, settings):
        """``(template columns, variant columns, template many2many rows)`` the ORM would store for a new product
        besides the importer's own columns, read at the batch's first new product: a re-import that creates none does
        without (reading them takes 10-30 ms, up to a tenth of an unchanged re-import of 10,000 products)."""
        if settings.new_product_defaults is None:
            template_constants, template_m2m = self._insert_defaults("product.template", _TEMPLATE_DEFAULTS)
            variant_constants, _variant_m2m = self._insert_defaults("product.product", {})
            settings.new_product_defaults = (template_constants, variant_constants, template_m2m)
        return settings.new_product_defaults

    @api.model
    def _insert_defaults(self, model_name, values):
        """What the ORM stores for a new record of ``model_name`` created with ``values``, apart from the importer's
        own columns: its defaults and stored computed values (read from a prototype), and the many2many rows of its
        defaults."""
        model = self.env[model_name]
        defaults = {**model.default_get(list(model._fields)), **values}
        prototype = model.new(defaults)
        own = {**_TRANSLATED_VALUES, **_TEMPLATE_VALUES} if model_name == "product.template" else _VARIANT_VALUES
        constants, m2m = {}, []
        for name, model_field in model._fields.items():
            if not model_field.store or model_field.inherited or name in own or name in _MAGIC_COLUMNS:
                continue
            if name not in defaults and not model_field.compute:
                continue
            if model_field.type == "many2many":
                ids = prototype[name].ids
                if ids:
                    m2m.append((model_field.relation, model_field.column1, model_field.column2, ids))
            elif model_field.column_type:
                value = model_field.convert_to_column_insert(
                    model_field.convert_to_write(prototype[name], prototype), prototype
                )
                if value is not None:
                    constants[name] = value
        return constants, m2m

    # ------------------------------------------------------------
    # Reading an export
    # ------------------------------------------------------------

    @api.model
    def _skip_unchanged(self, settings, digested):
        """Split ``(payload, digest)`` pairs into ``(changed, unchanged)``: the pairs to read, and the binding ids of
        the products whose digest the company's last import stored.

        Like every lookup of a chunk's keys in a table that grows with the catalogue, one index probe per key: a
        LATERAL subquery behind ``OFFSET 0`` (which the planner can neither turn into a join nor push other
        conditions into). ``= ANY(keys)`` had the planner read the whole table for every chunk, so an import slowed
        down as the catalogue grew (at 100,000 products, half of an unchanged re-import's time). The digests (hex,
        none for a product that must be read again) travel as one text that PostgreSQL splits: as an array of 2,500
        quoted strings they cost 13-14 ms a chunk, 3 ms of it in Python; as a text 8 ms, 1.5 ms in Python.
        """
        digests = " ".join(digest for _payload, digest in digested if digest)
        self.env.cr.execute(
            SQL(
                """SELECT b.payload_hash, b.id
                     FROM unnest(string_to_array(%s, ' ')) AS wanted(digest)
                     CROSS JOIN LATERAL (SELECT payload_hash, id, company_id FROM itscope_product
                                          WHERE payload_hash = wanted.digest OFFSET 0) b
                    WHERE b.company_id = %s""",
                digests,
                settings.company_id,
            )
        )
        known = dict(self.env.cr.fetchall())
        changed, unchanged = [], []
        for pair in digested:
            if pair[1] in known:
                unchanged.append(known[pair[1]])
            else:
                changed.append(pair)
        return changed, unchanged

    @api.model
    def _write_chunk(self, settings, read_result, run):
        """Write what the helper thread read (``(prepared, problems, notes)``), on fresh statistics of the tables a
        write round looks rows up in: vendor lines by offer, templates by puid, variants by template and barcode.
        Without them (autovacuum had not yet analyzed the products an import had just created) PostgreSQL read every
        variant to match a round's products and to date their variants (at 100,000 products 37 ms and 50-90 ms a
        round, eight times that at 800,000)."""
        prepared, problems, notes = read_result
        run._add_errors(problems)
        run._add_errors(notes, count=False)
        for table, columns in _LOOKED_UP_COLUMNS.items():
            bulk_sql.refresh_statistics(self.env.cr, table, columns)
        return self._write_products(settings, prepared, run)

    @api.model
    def _export_stream(self, run, key):
        """The run's export positioned at its checkpoint: the stream the previous batch left in this process if it
        stopped there, else the attachment read anew up to the checkpoint (after a restart or a failed batch)."""
        position, payloads = _OPEN_EXPORTS.pop(key, (None, None))
        _OPEN_EXPORTS.clear()  # one import advances at a time: anything else left here is stale
        if position == run.export_position:
            return payloads
        attachment = run.export_attachment_id.sudo()
        if not attachment.store_fname:
            raise UserError(
                run._texts()._(
                    "The export %(name)s is not in the file store, so it cannot be streamed.", name=attachment.name
                )
            )
        return itertools.islice(iter_raw(attachment._full_path(attachment.store_fname)), run.export_position, None)

    @api.model
    def _finish_export_import(self, run):
        """After the last batch: the offers of products a full export listed before and no longer lists become
        unavailable, the products it listed are recorded as its own, accessories created by the import are linked to
        the products listing them, and the run is closed.

        The ids the batches listed go to an indexed, analyzed temporary table first, and the products no longer listed
        (usually few, often none) are found before any vendor line is touched. Read straight from their
        comma-separated texts, PostgreSQL could not tell how many the listed ids were, and within the vendor lines'
        update it could not tell how many lines and bindings the company has: with statistics that lag behind an
        import that just wrote them, it read the listed ids again for each binding, or the bindings again for each
        vendor line (seen: 7 s instead of 0.02 s at 10,000 products, 0.15 s for 100).

        A full export speaks only for its own products: those its earlier full imports listed. Products of another
        export, or imported by a search, keep their offers; a product another export listed last becomes this
        export's when this one lists it.

        The part run of one chunk of a parallel import only ends its chunk; the run itself ends here once, after its
        last chunk, with what all its parts listed (``itscope.export.chunk._close``).
        """
        chunk = self.env["itscope.export.chunk"].sudo().search([("part_run_id", "=", run.id)], limit=1)
        if chunk:
            chunk._part_done()
            return
        listing_runs = [run.id, *run.export_chunk_ids.part_run_id.ids]
        if run.export_full and run.export_id:
            self.env.flush_all()
            cr = self.env.cr
            cr.execute(
                SQL(
                    """DROP TABLE IF EXISTS itscope_import_seen;
                       CREATE TEMP TABLE itscope_import_seen (id int PRIMARY KEY);
                       INSERT INTO itscope_import_seen
                       SELECT DISTINCT unnest(string_to_array(product_ids, ','))::int
                         FROM itscope_product_seen WHERE run_id = ANY(%s);
                       ANALYZE itscope_import_seen""",
                    listing_runs,
                )
            )
            cr.execute(
                SQL(
                    """SELECT b.product_tmpl_id FROM itscope_product b
                        WHERE b.company_id = %s AND b.export_id = %s
                          AND NOT EXISTS (SELECT 1 FROM itscope_import_seen seen WHERE seen.id = b.id)""",
                    run.company_id.id,
                    run.export_id.id,
                )
            )
            unlisted = [row[0] for row in cr.fetchall()]
            if unlisted:
                marked = bulk_sql.mark_offers_unavailable(
                    cr, run.company_id.id, self.env.uid, cr.now(), SQL("SELECT unnest(%s::int[])", unlisted)
                )
                run._count(updated=len({template_id for _line_id, template_id in marked}))
            cr.execute(
                SQL(
                    """UPDATE itscope_product b SET export_id = %s
                         FROM itscope_import_seen seen WHERE b.id = seen.id AND b.export_id IS DISTINCT FROM %s""",
                    run.export_id.id,
                    run.export_id.id,
                )
            )
        if run.export_full:
            self.env.cr.execute(SQL("DELETE FROM itscope_product_seen WHERE run_id = ANY(%s)", listing_runs))
        if run.created_count:  # products listing one created in a later batch as accessory
            self._link_accessories()
        run._finish()

    # ------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------

    @api.model
    def _write_products(self, settings, prepared, run):
        """Write prepared products set-based and count them on ``run``; returns ``{puid: binding id}`` of the products
        written."""
        problems = []
        products, skipped = self._select_products(settings, prepared, problems)
        existing = self._match_products(settings, products, problems)
        products = [item for item in products if existing.get(item.product.puid) != {}]
        new = [item for item in products if item.product.puid not in existing]
        template_ids = bulk_sql.next_ids(self.env.cr, "product_template_id_seq", len(new))
        variant_ids = bulk_sql.next_ids(self.env.cr, "product_product_id_seq", len(new))
        for item, template_id, variant_id in zip(new, template_ids, variant_ids, strict=False):
            existing[item.product.puid] = {"tmpl_id": template_id, "prod_id": variant_id, "is_new": True}
        barcodes = self._free_barcodes(settings, products, existing, problems)
        lines = self._offer_lines(settings, products)

        product_rows, offer_rows, listed, moves = [], [], {}, {}
        for item in products:
            match = existing[item.product.puid]
            head = (match["tmpl_id"], match["prod_id"], match["is_new"], barcodes.get(item.product.puid))
            product_rows.append("%s\t%s\n" % (copy_row(head), item.body))
            for offer_id, partner_id, body in item.offers:
                if offer_id in listed:  # listed under two products: the first one keeps it
                    skipped += 1
                    continue
                line_id, line_partner_id, line_template_id = lines.get(offer_id, (None, None, None))
                listed[offer_id] = line_id
                if line_id and (line_partner_id, line_template_id) != (partner_id, match["tmpl_id"]):
                    moves.setdefault((partner_id, match["tmpl_id"]), []).append(line_id)
                offer_rows.append("%s\t%s\t%s\n" % (copy_value(line_id), match["tmpl_id"], body))
            skipped += item.skipped_offers

        cr = self.env.cr
        cr.execute(_TEMP_TABLES)
        bulk_sql.copy_rows(cr, "itscope_import_product", PRODUCT_COLUMNS, product_rows)
        bulk_sql.copy_rows(cr, "itscope_import_offer", OFFER_COLUMNS, offer_rows)
        updated = set()
        if new:
            self._insert_templates(settings)
        if len(new) < len(products):
            updated |= self._update_templates(settings)
        updated |= self._move_offers(moves)
        updated |= self._write_offers(
            settings,
            [line_id for line_id in listed.values() if line_id],
            [match["tmpl_id"] for match in existing.values() if not match["is_new"]],
        )
        written = self._upsert_bindings(settings, products, run.export_full and run.export_id.id or None)
        updated |= self._sync_accessories()
        self.env.invalidate_all()
        if new:
            self.env.registry.clear_cache()  # as product.product.create does; signalled to other workers on commit
        updated |= self._move_categories(settings, products, existing)
        if new:
            self._make_services()

        created_ids = set(template_ids)
        updated -= created_ids
        run._add_errors(problems)
        self._log_skipped_distributors(settings, run, [d for item in prepared for d in item.unmapped_distributors])
        run._count(
            created=len(created_ids),
            updated=len(updated),
            unchanged=len(products) - len(created_ids) - len(updated),
            skipped=skipped,
        )
        return written

    @api.model
    def _upsert_bindings(self, settings, products, export_id=None):
        """The company's bindings of the written products, created or brought up to date; returns ``{puid: id}``.

        ``export_id``: the full export being imported. A binding created here is that export's from the start (an
        existing one becomes it when the import ends, see ``_finish_export_import``), so the end of an import of new
        products rewrites none of their bindings (0.2 s of 4.2 s for 10,000 new products)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """INSERT INTO itscope_product AS b
                          (company_id, itscope_id, product_tmpl_id, payload_hash, export_id, active)
                   SELECT %s, i.puid, i.tmpl_id, i.payload_hash, %s, true FROM itscope_import_product i
                   ON CONFLICT (company_id, itscope_id) DO UPDATE
                      SET product_tmpl_id = EXCLUDED.product_tmpl_id, payload_hash = EXCLUDED.payload_hash
                    WHERE (b.product_tmpl_id, b.payload_hash)
                          IS DISTINCT FROM (EXCLUDED.product_tmpl_id, EXCLUDED.payload_hash)
                RETURNING b.itscope_id, b.id""",
                settings.company_id,
                export_id,
            )
        )
        bindings = dict(cr.fetchall())
        untouched = [item.product.puid for item in products if item.product.puid not in bindings]
        if untouched:  # bindings that were right already
            cr.execute(
                SQL(
                    "SELECT itscope_id, id FROM itscope_product WHERE company_id = %s AND itscope_id = ANY(%s)",
                    settings.company_id,
                    untouched,
                )
            )
            bindings.update(cr.fetchall())
        return bindings

    @api.model
    def _select_products(self, settings, prepared, problems):
        """The products to write: once per puid, with a name, price-list lines only when the company takes them;
        returns them and how many products and offers were skipped."""
        products, seen, skipped = [], set(), 0
        texts = self.env["itscope.sync.run"]._texts()  # what the run says, in its language
        for item in prepared:
            product = item.product
            if product.puid in seen:
                problems.append((product.puid, texts._("listed more than once; the first one was imported")))
            elif not product.name:
                problems.append((product.puid, texts._("product without a name")))
            elif product.is_price_list_line and not settings.import_price_list_lines:
                skipped += 1 + len(item.offers) + item.skipped_offers
            else:
                products.append(item)
            seen.add(product.puid)
        return products, skipped

    @api.model
    def _match_products(self, settings, products, problems):
        """puid -> the existing product it is, found by ITscope id, else EAN, else manufacturer and manufacturer SKU.

        Only single-variant products of this company (or shared) that carry no other ITscope id are linked; each
        product is linked to one incoming product at most. A puid already on another company's product maps to
        ``{}``: it cannot be imported (and is logged).

        A product found by its ITscope id is not looked for by EAN or SKU: a re-import, whose products are all found
        so, runs one query, not three (the SKU query cost a 10%-changed re-import 60 µs of PostgreSQL per changed
        product, a fifth of its database time, to find templates it then ruled out).
        """
        cr = self.env.cr
        by_ean, by_sku = {}, {}
        for product in (item.product for item in products):
            if product.ean:
                by_ean.setdefault(product.ean, product.puid)
            manufacturer = settings.manufacturers.get(product.manufacturer_id)
            if manufacturer and product.manufacturer_sku:
                by_sku.setdefault((manufacturer, product.manufacturer_sku), product.puid)

        # one row per template, with its first variant
        def query(key, condition):
            return SQL(
                """SELECT DISTINCT ON (t.id) %s, t.id, p.id, p.barcode, t.categ_id, t.company_id,
                          (SELECT itscope_id FROM itscope_product_type WHERE id = t.itscope_product_type_id)
                     FROM product_template t JOIN product_product p ON p.product_tmpl_id = t.id
                    WHERE %s ORDER BY t.id, p.id""",
                SQL(key),
                condition,
            )

        linkable = SQL(
            """t.itscope_puid IS NULL AND (t.company_id IS NULL OR t.company_id = %s)
               AND NOT EXISTS (SELECT 1 FROM product_product o WHERE o.product_tmpl_id = t.id AND o.id != p.id)""",
            settings.company_id,
        )
        cr.execute(query("t.itscope_puid", SQL("t.itscope_puid = ANY(%s)", [item.product.puid for item in products])))
        rows = {puid: (row, "puid") for puid, *row in cr.fetchall()}
        # the first product listing an EAN or SKU keeps it, as before: found by its id, it leaves it to none
        by_ean = {ean: puid for ean, puid in by_ean.items() if puid not in rows}
        by_sku = {key: puid for key, puid in by_sku.items() if puid not in rows}
        if by_ean:
            cr.execute(query("p.barcode", SQL("p.barcode = ANY(%s) AND %s", list(by_ean), linkable)))
            for ean, *row in cr.fetchall():
                rows.setdefault(by_ean[ean], (row, "ean"))
        if by_sku:
            manufacturers, skus = zip(*by_sku, strict=False)
            cr.execute(
                query(
                    "t.itscope_manufacturer_id, t.itscope_manufacturer_sku",
                    SQL(
                        """(t.itscope_manufacturer_id, t.itscope_manufacturer_sku)
                           IN (SELECT * FROM unnest(%s::int[], %s::varchar[])) AND %s""",
                        list(manufacturers),
                        list(skus),
                        linkable,
                    ),
                )
            )
            for manufacturer, sku, *row in cr.fetchall():
                rows.setdefault(by_sku[(manufacturer, sku)], (row, "sku"))
        existing, claimed = {}, set()
        for puid, ((tmpl_id, prod_id, barcode, categ_id, company_id, type_itscope_id), how) in rows.items():
            if how == "puid" and company_id not in (None, settings.company_id):
                texts = self.env["itscope.sync.run"]._texts()  # what the run says, in its language
                problems.append((puid, texts._("the product with this ITscope id belongs to another company")))
                existing[puid] = {}
                continue
            if tmpl_id in claimed:
                continue  # linked to an earlier product of this batch: this one is created
            claimed.add(tmpl_id)
            existing[puid] = {
                "tmpl_id": tmpl_id,
                "prod_id": prod_id,
                "is_new": False,
                "barcode": barcode,
                "categ_id": categ_id,
                "type_itscope_id": type_itscope_id,
                "linked_by": how,
            }
        return existing

    @api.model
    def _free_barcodes(self, settings, products, existing, problems):
        """puid -> the EAN to write as the variant's barcode: new products, and existing ones as the content policy
        allows; an EAN another product or packaging already carries is left out (and logged)."""
        wanted = {}
        for product in (item.product for item in products):
            match = existing[product.puid]
            if not product.ean or product.ean == match.get("barcode"):
                continue
            if match["is_new"] or settings.policy == "always" or (settings.policy == "empty" and not match["barcode"]):
                wanted[product.puid] = product.ean
        if not wanted:
            return {}
        self.env.cr.execute(
            SQL(
                """SELECT barcode FROM product_product WHERE barcode = ANY(%(eans)s) AND active
                    UNION SELECT barcode FROM product_packaging WHERE barcode = ANY(%(eans)s)""",
                eans=list(set(wanted.values())),
            )
        )
        taken = {row[0] for row in self.env.cr.fetchall()}
        free = {}
        for puid, ean in wanted.items():
            if ean in taken:
                texts = self.env["itscope.sync.run"]._texts()  # what the run says, in its language
                problems.append(
                    (puid, texts._("EAN %(ean)s already belongs to another product; imported without it", ean=ean))
                )
            else:
                free[puid] = ean
                taken.add(ean)
        return free

    @api.model
    def _insert_templates(self, settings):
        """New products: template, variant and the default many2many rows, as the ORM would write them."""
        cr = self.env.cr
        template_constants, variant_constants, template_m2m = self._new_product_defaults(settings)
        magic = _magic_values(settings)
        new_products = SQL("FROM itscope_import_product i WHERE i.is_new")
        values = {column: _translated(settings, SQL(new)) for column, new in _TRANSLATED_VALUES.items()}
        values.update(_template_values(settings))
        bulk_sql.insert_select(
            cr,
            "product_template",
            {"id": SQL("i.tmpl_id"), **values, **magic},
            template_constants,
            new_products,
        )
        bulk_sql.insert_select(
            cr,
            "product_product",
            {"id": SQL("i.prod_id"), **_variant_values(settings), **magic},
            variant_constants,
            new_products,
        )
        for relation, column1, column2, ids in template_m2m:
            cr.execute(
                SQL(
                    "INSERT INTO %s (%s, %s) SELECT i.tmpl_id, v FROM itscope_import_product i, unnest(%s) v "
                    "WHERE i.is_new",
                    SQL.identifier(relation),
                    SQL.identifier(column1),
                    SQL.identifier(column2),
                    ids,
                )
            )

    @api.model
    def _update_templates(self, settings):
        """Existing products: ITscope's references always, content as the company's policy says; only rows whose
        values change are written. Returns the ids of the templates changed."""
        cr = self.env.cr
        assignments = {column: SQL(expression) for column, expression in _TEMPLATE_REFERENCES.items()}
        variant_assignments = {"barcode": SQL("COALESCE(i.barcode, p.barcode)")}
        if settings.policy != "never":
            for column, new in _TRANSLATED_VALUES.items():
                assignments[column] = SQL(
                    _TRANSLATED_CONTENT[settings.policy],
                    new=SQL(new),
                    old=SQL.identifier("t", column),
                    translated=_translated(settings, SQL(new)),
                    lang=settings.lang,
                )
            for column, new, empty in (
                ("itscope_hs_code", "i.hs_code", ""),
                ("itscope_origin_country_id", "i.origin_country_id", 0),
                ("weight", "i.weight", 0),
            ):
                assignments[column] = _plain_content(settings, SQL(new), SQL.identifier("t", column), empty)
            variant_assignments["weight"] = _plain_content(settings, SQL("i.weight"), SQL("p.weight"), 0)
        changed = bulk_sql.update_changed(
            cr,
            "product_template",
            "t",
            assignments,
            SQL(
                "FROM itscope_import_product i WHERE t.id = i.tmpl_id AND NOT i.is_new AND t.id = ANY(%s)",
                _UPDATED_TEMPLATES,
            ),
            SQL("t.id"),
            settings.uid,
            settings.now,
        )
        changed |= bulk_sql.update_changed(
            cr,
            "product_product",
            "p",
            variant_assignments,
            SQL(
                "FROM itscope_import_product i WHERE p.id = i.prod_id AND NOT i.is_new AND p.id = ANY(%s)",
                _UPDATED_VARIANTS,
            ),
            SQL("p.product_tmpl_id"),
            settings.uid,
            settings.now,
        )
        if changed:  # a variant's write_date is computed from its template's
            cr.execute(
                SQL(
                    """UPDATE product_product SET write_date = %(now)s
                        WHERE product_tmpl_id = ANY(%(ids)s) AND write_date IS DISTINCT FROM %(now)s""",
                    now=settings.now,
                    ids=list(changed),
                )
            )
        return changed

    @api.model
    def _offer_lines(self, settings, products):
        """offer id -> (id, vendor, product) of the company's vendor lines that mirror the products' offers, probed
        one by one through the unique (company, offer) index (see ``_skip_unchanged``)."""
        self.env.cr.execute(
            SQL(
                """SELECT si.itscope_offer_id, si.id, si.partner_id, si.product_tmpl_id
                     FROM unnest(%s::varchar[]) AS wanted(offer_id)
                     CROSS JOIN LATERAL (SELECT itscope_offer_id, id, partner_id, product_tmpl_id
                                           FROM product_supplierinfo
                                          WHERE company_id = %s AND itscope_offer_id = wanted.offer_id OFFSET 0) si""",
                [offer[0] for item in products for offer in item.offers],
                settings.company_id,
            )
        )
        return {offer_id: line for offer_id, *line in self.env.cr.fetchall()}

    @api.model
    def _move_offers(self, moves):
        """Vendor lines whose offer moved to another vendor or product, through the ORM: stored fields elsewhere
        (reordering rules) depend on both. Returns the templates they moved to."""
        for (partner_id, template_id), line_ids in moves.items():
            self.env["product.supplierinfo"].sudo().browse(line_ids).write(
                {"partner_id": partner_id, "product_tmpl_id": template_id}
            )
        if moves:
            self.env.flush_all()
        return {template_id for _partner_id, template_id in moves}

    @api.model
    def _write_offers(self, settings, listed, template_ids):
        """Vendor lines: changed ones updated, new ones inserted, and those of ``template_ids`` whose offer the
        products no longer list (``listed``: the ids of the lines they list) marked unavailable. Returns the ids of
        the templates whose lines changed."""
        cr = self.env.cr
        changed = set()
        if listed:
            changed = bulk_sql.update_changed(
                cr,
                "product_supplierinfo",
                "si",
                _OFFER_VALUES,
                SQL("FROM itscope_import_offer o WHERE si.id = o.line_id"),
                SQL("si.product_tmpl_id"),
                settings.uid,
                settings.now,
            )
        cr.execute(
            SQL(
                """INSERT INTO product_supplierinfo (partner_id, sequence, company_id, product_tmpl_id, delay,
                                                     itscope_offer_id, %s, create_uid, write_uid, create_date,
                                                     write_date)
                   SELECT o.partner_id, o.sequence, %s, o.tmpl_id, %s, o.offer_id, %s, %s, %s, %s, %s
                     FROM itscope_import_offer o WHERE o.line_id IS NULL
                RETURNING product_tmpl_id""",
                SQL(", ").join(map(SQL.identifier, _OFFER_VALUES)),
                settings.company_id,
                settings.supplier_delay,
                SQL(", ").join(_OFFER_VALUES.values()),
                settings.uid,
                settings.uid,
                settings.now,
                settings.now,
            )
        )
        changed |= {row[0] for row in cr.fetchall()}
        if template_ids:
            marked = bulk_sql.mark_offers_unavailable(
                cr,
                settings.company_id,
                settings.uid,
                settings.now,
                SQL("SELECT unnest(%s::int[])", template_ids),
                SQL("si.id = ANY(%s)", listed),
            )
            changed |= {template_id for _line_id, template_id in marked}
        return changed

    @api.model
    def _sync_accessories(self):
        """Make the written products' ITscope accessories what ITscope lists; returns the templates changed.

        The accessories linked to the round's products are looked up by primary key from their ids (an array the
        planner cannot take for many rows): PostgreSQL, which cannot tell how many links the round's products have,
        took them for a hundred thousand and hashed every template for each round (at 100,000 templates 74 ms a
        round; a 10%-changed re-import of 798,000 products ran at 4,400/s for it)."""
        self.env.cr.execute(
            SQL(
                """DELETE FROM itscope_product_accessory_rel r
                     USING itscope_import_product i, product_template a
                    WHERE r.product_tmpl_id = i.tmpl_id AND a.id = r.accessory_tmpl_id AND a.itscope_puid IS NOT NULL
                      AND NOT a.itscope_puid = ANY(COALESCE(string_to_array(i.accessory_puids, ' '), '{}'))
                      AND a.id = ANY(ARRAY(SELECT linked.accessory_tmpl_id FROM itscope_product_accessory_rel linked
                                            WHERE linked.product_tmpl_id = ANY(%s)))
                RETURNING r.product_tmpl_id""",
                _WRITTEN_TEMPLATES,
            )
        )
        changed = {row[0] for row in self.env.cr.fetchall()}
        return changed | self._link_accessories(written=True)

    @api.model
    def _link_accessories(self, puids=None, written=False):
        """Link the listed accessories that exist by now: of the products just written (``written``), of those listing
        one of ``puids``, or (neither given) of every product. Returns the templates that got a link."""
        if written:
            source = SQL("SELECT tmpl_id AS id, accessory_puids AS puids FROM itscope_import_product")
        elif puids is not None:
            source = SQL(
                """SELECT id, itscope_accessory_puids AS puids FROM product_template
                    WHERE string_to_array(itscope_accessory_puids, ' ') && %s::text[]""",
                puids,
            )
        else:
            source = SQL(
                """SELECT id, itscope_accessory_puids AS puids FROM product_template
                    WHERE itscope_accessory_puids IS NOT NULL"""
            )
        self.env.cr.execute(
            SQL(
                """INSERT INTO itscope_product_accessory_rel (product_tmpl_id, accessory_tmpl_id)
                   SELECT t.id, a.id
                     FROM (%s) t
                     CROSS JOIN LATERAL unnest(string_to_array(t.puids, ' ')) AS listed(puid)
                     JOIN product_template a ON a.itscope_puid = listed.puid
                   ON CONFLICT DO NOTHING
                RETURNING product_tmpl_id""",
                source,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _move_categories(self, settings, products, existing):
        """Existing products take the category their ITscope product type is mapped to when they are first linked or
        ITscope changes their type (later mapping changes move them through the product type); ``empty`` moves only
        products still in the default category. Through the ORM: the category has stored dependents."""
        if settings.policy == "never":
            return set()
        moves = {}
        for product in (item.product for item in products):
            match = existing[product.puid]
            product_type = settings.product_types.get(product.product_type_id)
            if match["is_new"] or not product_type or product_type[1] == match["categ_id"]:
                continue
            if match["linked_by"] == "puid" and match["type_itscope_id"] == product.product_type_id:
                continue
            if settings.policy == "empty" and match["categ_id"] != settings.default_categ_id:
                continue
            moves.setdefault(product_type[1], []).append(match["tmpl_id"])
        for category_id, template_ids in moves.items():
            self.env["product.template"].sudo().browse(template_ids).write({"categ_id": category_id})
        return {template_id for template_ids in moves.values() for template_id in template_ids}

    @api.model
    def _make_services(self):
        """New products of a licence, ESD, warranty or service type become services, through the ORM: what a product
        type implies (not storable, untracked, billed on ordered quantities) are stored computations of it."""
        self.env.cr.execute(SQL("SELECT tmpl_id FROM itscope_import_product WHERE is_new AND is_service"))
        services = [row[0] for row in self.env.cr.fetchall()]
        if services:
            self.env["product.template"].sudo().browse(services).write({"type": "service"})

    @api.model
    def _log_skipped_distributors(self, settings, run, distributor_ids):
        """One note per distributor whose offers were skipped for want of a vendor, once per run."""
        logged = set((run.note_log or "").splitlines())
        notes = []
        texts = run._texts()  # what the run says, in its language
        for distributor_id in dict.fromkeys(distributor_ids):
            name = settings.distributor_names.get(distributor_id)
            if name:
                reason = texts._(
                    "offers of %(distributor)s skipped: map the distributor to a vendor to import them",
                    distributor=name,
                )
            else:
                reason = texts._("offers skipped: unknown distributor, sync the ITscope master data")
            if "%s: %s" % (distributor_id, reason) not in logged:
                notes.append((distributor_id, reason))
        run._add_errors(notes, count=False)


# ------------------------------------------------------------
# Helpers
# ------------------------------------------------------------


# The columns a write round looks rows up by, per table (see _write_chunk).
_LOOKED_UP_COLUMNS = {
    "product_supplierinfo": ("company_id", "itscope_offer_id", "product_tmpl_id"),
    "product_template": ("itscope_puid",),
    "product_product": ("product_tmpl_id", "barcode"),
}

# The existing products of a write round, for the UPDATEs of their templates and variants to look them up by primary
# key: joined to the round's table alone, PostgreSQL read every template of the company into a hash (at 10,000
# templates, 25 ms a round for a few hundred products, growing with the catalogue).
_UPDATED_TEMPLATES = SQL("ARRAY(SELECT tmpl_id FROM itscope_import_product WHERE NOT is_new)")
_UPDATED_VARIANTS = SQL("ARRAY(SELECT prod_id FROM itscope_import_product WHERE NOT is_new)")
# All the round's products, for the accessories they link (see _sync_accessories).
_WRITTEN_TEMPLATES = SQL("ARRAY(SELECT tmpl_id FROM itscope_import_product)")


def _template_values(settings):
    """product_template column -> SQL expression over the incoming product ``i``, for a new product."""
    return _expressions(_TEMPLATE_VALUES, _TEMPLATE_PARAMETERS, settings)


def _expressions(expressions, parameters, settings):
    """column -> SQL of ``expressions``, each with the values of the settings ``parameters`` names for it."""
    return {
        column: SQL(expression, *(getattr(settings, name) for name in parameters.get(column, ())))
        for column, expression in expressions.items()
    }


def _variant_values(settings):
    """product_product column -> SQL expression over the incoming product ``i``, for a new product."""
    return _expressions(_VARIANT_VALUES, _VARIANT_PARAMETERS, settings)


def _translated(settings, new):
    """jsonb of a translated column for ``new`` (NULL stays NULL): the source (en_US) and the user's language, as
    the ORM writes it."""
    if settings.lang == "en_US":
        return SQL("CASE WHEN %s IS NOT NULL THEN jsonb_build_object('en_US', %s) END", new, new)
    return SQL(
        "CASE WHEN %s IS NOT NULL THEN jsonb_build_object('en_US', %s, %s, %s) END", new, new, settings.lang, new
    )


def _plain_content(settings, new, old, empty):
    """What a re-import writes over a plain column ``old`` from ``new``, as the company's content policy says
    (``empty``: the value that counts as empty)."""
    return SQL(_PLAIN_CONTENT[settings.policy], new=new, old=old, empty=empty)


def _magic_values(settings):
    return {
        "create_uid": SQL("%s", settings.uid),
        "write_uid": SQL("%s", settings.uid),
        "create_date": SQL("%s", settings.now),
        "write_date": SQL("%s", settings.now),
    }


def _id_list(ids):
    return ",".join(map(str, ids))
