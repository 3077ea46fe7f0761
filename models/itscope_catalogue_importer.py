"""The catalogue importer: every way products come in from ITscope ends here.

Interactive ways (the search wizard, a list of ids) hand over a few :class:`~..itscope.products.Product` records.
An export is a stream of product payloads (dicts as ``itscope.exports`` reads them, or each product's JSON text),
imported BATCH_SIZE products per call from the sync run's checkpoint; the cron runner commits after each call, so a
killed import resumes where it stopped and a rerun never duplicates. A product whose payload digest the company's last
import stored is skipped without being decoded.

Products and offers are written with set-based SQL in the shape measured in ``odoo-bulk-insert.md`` (COPY into
temporary tables, then INSERT ... SELECT / UPDATE ... FROM), keeping what the ORM would have written: the defaults and
stored computed values of a prototype record, the default taxes and routes, translated names as jsonb, company
dependent values keyed by company, the fields' rounding, barcode uniqueness, and caches invalidated afterwards. The
rare changes that have stored dependents elsewhere (a product's category, an offer moving to another vendor or
product) go through the ORM. Reading products and preparing their rows is plain Python that needs no database: during
an export import it runs in a helper thread, one chunk ahead, while PostgreSQL writes the chunk before.
"""

import hashlib
import io
import itertools
import json
import marshal
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from psycopg2 import sql

from odoo import api, models
from odoo.exceptions import UserError

from ..itscope.exports import BadRow, Notice, iter_export
from ..itscope.products import read_products

BATCH_SIZE = 20000  # products per transaction of an export import
CHUNK_SIZE = 2500  # products looked up, read and written together within a batch

# One export iterator per running import, kept between the cron runner's calls in this process: the next batch
# continues the stream instead of reading the export again up to the checkpoint. Keyed by (database, run id).
_OPEN_EXPORTS = {}

_TEMP_TABLES = """
    DROP TABLE IF EXISTS itscope_import_product, itscope_import_offer;
    CREATE TEMP TABLE itscope_import_product (
        tmpl_id int, prod_id int, is_new bool, barcode varchar, puid varchar, payload_hash varchar, name varchar,
        short_description text, long_description text, categ_id int, weight numeric, hs_code varchar,
        origin_country_id int, manufacturer_id int, manufacturer_sku varchar, product_type_id int,
        product_type_itscope_id varchar, deeplink varchar, datasheet_url varchar, datasheet_pdf_url varchar,
        image_url varchar, attributes text, accessory_puids varchar
    ) ON COMMIT DROP;
    CREATE TEMP TABLE itscope_import_offer (
        line_id int, tmpl_id int, offer_id varchar, partner_id int, sequence int, product_code varchar, price numeric,
        currency_id int, min_qty numeric, stock int, stock_status varchar, stock_text varchar, availability_date date,
        condition varchar, eol bool, special_offer bool, last_update timestamp, order_multiple int, state_hash varchar
    ) ON COMMIT DROP;
"""
_PRODUCT_COLUMNS = (
    "tmpl_id", "prod_id", "is_new", "barcode", "puid", "payload_hash", "name", "short_description", "long_description",
    "categ_id", "weight", "hs_code", "origin_country_id", "manufacturer_id", "manufacturer_sku", "product_type_id",
    "product_type_itscope_id", "deeplink", "datasheet_url", "datasheet_pdf_url", "image_url", "attributes",
    "accessory_puids",
)  # fmt: skip
_OFFER_COLUMNS = (
    "line_id", "tmpl_id", "offer_id", "partner_id", "sequence", "product_code", "price", "currency_id", "min_qty",
    "stock", "stock_status", "stock_text", "availability_date", "condition", "eol", "special_offer", "last_update",
    "order_multiple", "state_hash",
)  # fmt: skip
# product_template columns the importer fills per product; every other stored column comes from the prototype
_TRANSLATED_VALUES = {
    "name": "i.name",
    "description_purchase": "i.short_description",
    "description_sale": "i.long_description",
}
_TEMPLATE_VALUES = {
    "categ_id": "COALESCE(i.categ_id, %(default_categ_id)s)",
    "weight": "COALESCE(i.weight, round(0, %(weight_digits)s))",
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
}
_VARIANT_VALUES = {"product_tmpl_id": "i.tmpl_id", "barcode": "i.barcode", "weight": "i.weight"}
_MAGIC_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")
# What a re-import writes over an existing product's content, per company policy (``never``: nothing).
# Translated columns hold jsonb; ITscope's empty values never clear what is there.
_TRANSLATED_CONTENT = {
    "always": "CASE WHEN {new} IS NULL THEN t.{col} ELSE COALESCE(t.{col}, '{{}}') || {translated} END",
    "empty": "CASE WHEN {new} IS NOT NULL AND NULLIF(t.{col}->>%(lang)s, '') IS NULL "
    "THEN COALESCE(t.{col}, '{{}}') || {translated} ELSE t.{col} END",
}
_PLAIN_CONTENT = {
    "always": "COALESCE({new}, {old})",
    "empty": "COALESCE(NULLIF({old}, {empty}), {new}, {old})",
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
# Offer columns a re-import keeps current (partner, product and sequence have stored dependents: ORM only).
_OFFER_STATE = {
    "product_code": "o.product_code",
    "price": "o.price",
    "currency_id": "o.currency_id",
    "min_qty": "o.min_qty",
    "itscope_stock": "o.stock",
    "itscope_stock_status": "o.stock_status",
    "itscope_stock_text": "o.stock_text",
    "itscope_availability_date": "o.availability_date",
    "itscope_condition": "o.condition",
    "itscope_eol": "o.eol",
    "itscope_special_offer": "o.special_offer",
    "itscope_last_update": "o.last_update",
    "itscope_order_multiple": "o.order_multiple",
    "itscope_available": "true",
    "itscope_state_hash": "o.state_hash",
}


# A product read and its rows prepared (``body``: the COPY row after the columns that depend on matching; ``offers``:
# ``(offer id, vendor id, row after tmpl_id)`` of the offers the company takes), with what was left out.
_Prepared = namedtuple("_Prepared", "product digest body offers skipped_offers unmapped_distributors")


@dataclass
class _Settings:
    """What importing for one company needs at hand, read once per call: its choices, mappings and Odoo's defaults."""

    company_id: int
    uid: int
    lang: str
    now: object  # the transaction's timestamp, as the ORM writes it
    price_field: str
    conditions: frozenset
    partnered_only: bool
    import_price_list_lines: bool
    policy: str
    distributors: dict  # ITscope id -> (vendor id or None, partnered)
    distributor_names: dict
    manufacturers: dict  # ITscope id -> partner id
    product_types: dict  # ITscope id -> (binding id, category id)
    currencies: dict  # ISO code -> id
    countries: dict  # ISO code -> id
    default_categ_id: int
    template_constants: dict  # column -> value the ORM would store for a new product
    variant_constants: dict
    template_m2m: list  # (relation, column1, column2, ids) rows every new product gets
    supplier_delay: int
    price_digits: int
    qty_digits: int
    weight_digits: int
    digest_seed: object = field(repr=False)  # a hash of the choices and vendor mapping that shape the import


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
        prepared = [_prepare(settings, product, None) for product in products]
        written = importer._write_products(settings, prepared, run)
        importer._link_accessories(puids=list(written))
        self.env.invalidate_all()

    @api.model
    def _start_export_import(self, company, attachment, full=True, run=None):
        """Open a sync run importing the export file in ``attachment`` (CSV-zip, XML or JSON) and wake the cron that
        advances it batch by batch; returns the run.

        ``full``: the export lists every product the company wants, so at the end the offers of products it no longer
        lists become unavailable. ``run``: the catalogue run already open for the file (its download's), else a new one.
        """
        vals = {"export_attachment_id": attachment.id, "export_full": full}
        if run:
            run.write(vals)
        else:
            run = self.env["itscope.sync.run"]._open(company, "catalogue", **vals)
        self.env.ref("itscope_connector.ir_cron_itscope_catalogue_import")._trigger()
        return run

    @api.model
    def _import_export_batch(self, run, payloads=None, batch_size=BATCH_SIZE):
        """Import the next ``batch_size`` payloads of the run's export and move the checkpoint; at the end of the
        export finish the run. Returns the number of payloads read.

        ``payloads``: the export as an iterator positioned at the checkpoint; by default the run's attachment is read
        (continuing the stream the previous batch in this process left, else reading up to the checkpoint).

        Chunk by chunk: the unchanged products are looked up and skipped, the changed ones are read and prepared in a
        helper thread while the chunk before is written. A crash fails the run with its reason (the batch's work is
        rolled back); bad rows are only logged.
        """
        company = run.company_id
        importer = self.with_company(company).with_context(tracking_disable=True)
        read, seen, pending = 0, [], None
        stream_key = (self.env.cr.dbname, run.id) if payloads is None else None
        try:
            with run._recording_failure(), ThreadPoolExecutor(1, thread_name_prefix="itscope-import") as reader:
                if stream_key:
                    payloads = importer._export_stream(run, stream_key)
                importer._refresh_statistics("itscope_product", ("company_id", "itscope_id", "payload_hash"))
                settings = importer._prepare_settings(company, run)
                for chunk in _chunks(itertools.islice(payloads, batch_size), CHUNK_SIZE):
                    read += len(chunk)
                    changed, unchanged = importer._skip_unchanged(settings, chunk)
                    seen += unchanged
                    if unchanged:
                        run._count(unchanged=len(unchanged))
                    following = reader.submit(_read_changed, settings, changed) if changed else None
                    if pending:
                        seen += importer._write_chunk(settings, pending.result(), run).values()
                    pending = following
                if pending:
                    seen += importer._write_chunk(settings, pending.result(), run).values()
                if run.export_full:
                    self.env["itscope.product.seen"].sudo().create({"run_id": run.id, "product_ids": _id_list(seen)})
                run.export_position += read
                if read < batch_size:
                    importer._finish_export_import(run)
                elif stream_key:
                    _OPEN_EXPORTS[stream_key] = (run.export_position, payloads)
        finally:
            self.env.invalidate_all()
        return 0 if run.state == "failed" else read

    @api.model
    def _cron_itscope_import_exports(self):
        """Advance the oldest running export import by one batch (the cron runner commits and calls again)."""
        runs = self.env["itscope.sync.run"].search(
            [("kind", "=", "catalogue"), ("state", "=", "running"), ("export_attachment_id", "!=", False)],
            order="id",
        )
        if not runs:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        read = self._import_export_batch(runs[0])
        self.env["ir.cron"]._notify_progress(done=read or 1, remaining=len(runs) - (runs[0].state != "running"))

    @api.model
    def _refresh_statistics(self, table, columns):
        """ANALYZE the ``columns`` the import looks rows up by once ``table`` has grown to twice the size its
        statistics know. An import grows the tables it looks rows up in (bindings by digest, vendor lines by offer)
        faster than autovacuum analyzes them, and with stale statistics the planner takes 300,000 rows for a few
        dozen and scans them all for every lookup, through the wrong index.

        The size comes from the table's file: the statistics views show a transaction the figures of its start, so
        they cannot tell what the batch itself added (asked before each chunk, they had a 100,000-product import
        analyze the vendor lines 22 times instead of 7). Only the lookup columns are sampled: a fifth of the time.
        """
        self.env.cr.execute(
            """SELECT pg_relation_size(oid) > 2 * GREATEST(relpages, 8) * current_setting('block_size')::int
                 FROM pg_class WHERE oid = %s::regclass""",
            [table],
        )
        if self.env.cr.fetchone()[0]:
            self.env.cr.execute(
                sql.SQL("ANALYZE {} ({})").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
            )

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    @api.model
    def _prepare_settings(self, company, run):
        """The company's choices and mappings and Odoo's defaults for new products, read once per call (a batch)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """SELECT itscope_id, partner_id, partnered, name FROM itscope_distributor
                WHERE company_id = %s AND active""",
            [company.id],
        )
        distributors, distributor_names = {}, {}
        for itscope_id, partner_id, partnered, name in cr.fetchall():
            distributors[itscope_id] = (partner_id, bool(partnered))
            distributor_names[itscope_id] = name
        cr.execute(
            """SELECT itscope_id, partner_id FROM itscope_manufacturer
                WHERE company_id = %s AND active AND partner_id IS NOT NULL""",
            [company.id],
        )
        manufacturers = dict(cr.fetchall())
        cr.execute(
            "SELECT itscope_id, id, category_id FROM itscope_product_type WHERE company_id = %s AND active",
            [company.id],
        )
        product_types = {itscope_id: (type_id, category_id) for itscope_id, type_id, category_id in cr.fetchall()}
        cr.execute("SELECT name, id FROM res_currency")
        currencies = dict(cr.fetchall())
        cr.execute("SELECT code, id FROM res_country")
        countries = dict(cr.fetchall())

        template_constants, template_m2m = self._insert_defaults("product.template")
        variant_constants, _variant_m2m = self._insert_defaults("product.product")
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
        return _Settings(
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
            countries=countries,
            default_categ_id=self.env["product.template"].default_get(["categ_id"]).get("categ_id"),
            template_constants=template_constants,
            variant_constants=variant_constants,
            template_m2m=template_m2m,
            supplier_delay=supplier_defaults.get("delay") or 0,
            price_digits=self.env["decimal.precision"].precision_get("Product Price"),
            qty_digits=self.env["decimal.precision"].precision_get("Product Unit of Measure"),
            weight_digits=self.env["product.template"]._fields["weight"].get_digits(self.env)[1],
            digest_seed=hashlib.sha1(repr(choices).encode(), usedforsecurity=False),
        )

    @api.model
    def _insert_defaults(self, model_name):
        """What the ORM stores for a new record of ``model_name`` apart from the importer's own columns: its defaults
        and stored computed values (read from a prototype), and the many2many rows of its defaults."""
        model = self.env[model_name]
        defaults = model.default_get(list(model._fields))
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
    def _skip_unchanged(self, settings, payloads):
        """Split payloads into ``(changed, unchanged)``: the ``(payload, digest)`` to read, and the binding ids of the
        products whose digest the company's last import stored.

        Like every lookup of a chunk's keys in a table that grows with the catalogue, one index probe per key: a
        LATERAL subquery behind ``OFFSET 0`` (which the planner can neither turn into a join nor push other
        conditions into). ``= ANY(keys)`` had the planner read the whole table for every chunk, so an import slowed
        down as the catalogue grew (at 100,000 products, half of an unchanged re-import's time).
        """
        digests = [_payload_digest(settings.digest_seed, payload) for payload in payloads]
        self.env.cr.execute(
            """SELECT b.payload_hash, b.id
                 FROM unnest(%s::varchar[]) AS wanted(digest)
                 CROSS JOIN LATERAL (SELECT payload_hash, id, company_id FROM itscope_product
                                      WHERE payload_hash = wanted.digest OFFSET 0) b
                WHERE b.company_id = %s""",
            [digests, settings.company_id],
        )
        known = dict(self.env.cr.fetchall())
        changed, unchanged = [], []
        for payload, digest in zip(payloads, digests):
            if digest in known:
                unchanged.append(known[digest])
            else:
                changed.append((payload, digest))
        return changed, unchanged

    @api.model
    def _write_chunk(self, settings, read_result, run):
        """Write what the helper thread read (``(prepared, problems, notes)``), on fresh statistics."""
        prepared, problems, notes = read_result
        run._add_errors(problems)
        run._add_errors(notes, count=False)
        self._refresh_statistics("product_supplierinfo", ("company_id", "itscope_offer_id", "product_tmpl_id"))
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
                self.env._(
                    "The export %(name)s is not in the file store, so it cannot be streamed.", name=attachment.name
                )
            )
        return itertools.islice(iter_export(attachment._full_path(attachment.store_fname)), run.export_position, None)

    @api.model
    def _finish_export_import(self, run):
        """After the last batch: offers of products a full export no longer lists become unavailable, accessories
        created by the import are linked to the products listing them, and the run is closed."""
        if run.export_full:
            self.env.flush_all()
            self.env.cr.execute(
                """WITH unlisted AS (
                        SELECT id FROM itscope_product WHERE company_id = %(company)s
                        EXCEPT SELECT unnest(string_to_array(product_ids, ','))::int
                                 FROM itscope_product_seen WHERE run_id = %(run)s)
                   UPDATE product_supplierinfo si
                      SET itscope_available = false, itscope_stock = 0, write_uid = %(uid)s, write_date = %(now)s
                     FROM itscope_product b JOIN unlisted ON unlisted.id = b.id
                    WHERE si.product_tmpl_id = b.product_tmpl_id AND si.company_id = %(company)s
                      AND si.itscope_offer_id IS NOT NULL AND (si.itscope_available OR si.itscope_stock != 0)
                RETURNING si.product_tmpl_id""",
                {"run": run.id, "uid": self.env.uid, "now": self.env.cr.now(), "company": run.company_id.id},
            )
            run._count(updated=len({row[0] for row in self.env.cr.fetchall()}))
            self.env.cr.execute("DELETE FROM itscope_product_seen WHERE run_id = %s", [run.id])
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
        template_ids = self._next_ids("product_template_id_seq", len(new))
        variant_ids = self._next_ids("product_product_id_seq", len(new))
        for item, template_id, variant_id in zip(new, template_ids, variant_ids):
            existing[item.product.puid] = {"tmpl_id": template_id, "prod_id": variant_id, "is_new": True}
        barcodes = self._free_barcodes(settings, products, existing, problems)
        lines = self._offer_lines(settings, products)

        product_rows, offer_rows, listed, moves = [], [], {}, {}
        for item in products:
            match = existing[item.product.puid]
            head = (match["tmpl_id"], match["prod_id"], match["is_new"], barcodes.get(item.product.puid))
            product_rows.append("%s\t%s\n" % (_copy_row(head), item.body))
            for offer_id, partner_id, body in item.offers:
                if offer_id in listed:  # listed under two products: the first one keeps it
                    skipped += 1
                    continue
                line_id, line_partner_id, line_template_id = lines.get(offer_id, (None, None, None))
                listed[offer_id] = line_id
                if line_id and (line_partner_id, line_template_id) != (partner_id, match["tmpl_id"]):
                    moves.setdefault((partner_id, match["tmpl_id"]), []).append(line_id)
                offer_rows.append("%s\t%s\t%s\n" % (_copy_value(line_id), match["tmpl_id"], body))
            skipped += item.skipped_offers

        cr = self.env.cr
        cr.execute(_TEMP_TABLES)
        self._copy("itscope_import_product", _PRODUCT_COLUMNS, product_rows)
        self._copy("itscope_import_offer", _OFFER_COLUMNS, offer_rows)
        params = {
            "uid": settings.uid,
            "now": settings.now,
            "company": settings.company_id,
            "lang": settings.lang,
            "default_categ_id": settings.default_categ_id,
            "weight_digits": settings.weight_digits,
        }
        updated = set()
        if new:
            self._insert_templates(settings, params)
        if len(new) < len(products):
            updated |= self._update_templates(settings, params)
        updated |= self._move_offers(moves)
        updated |= self._write_offers(
            settings,
            {**params, "listed": [line_id for line_id in listed.values() if line_id]},
            [match["tmpl_id"] for match in existing.values() if not match["is_new"]],
        )
        written = self._upsert_bindings(settings, products)
        updated |= self._sync_accessories()
        self.env.invalidate_all()
        if new:
            self.env.registry.clear_cache()  # as product.product.create does; signalled to other workers on commit
        updated |= self._move_categories(settings, products, existing)

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
    def _upsert_bindings(self, settings, products):
        """The company's bindings of the written products, created or brought up to date; returns ``{puid: id}``."""
        cr = self.env.cr
        cr.execute(
            """INSERT INTO itscope_product AS b (company_id, itscope_id, product_tmpl_id, payload_hash, active)
               SELECT %s, i.puid, i.tmpl_id, i.payload_hash, true FROM itscope_import_product i
               ON CONFLICT (company_id, itscope_id) DO UPDATE
                  SET product_tmpl_id = EXCLUDED.product_tmpl_id, payload_hash = EXCLUDED.payload_hash
                WHERE (b.product_tmpl_id, b.payload_hash)
                      IS DISTINCT FROM (EXCLUDED.product_tmpl_id, EXCLUDED.payload_hash)
            RETURNING b.itscope_id, b.id""",
            [settings.company_id],
        )
        bindings = dict(cr.fetchall())
        untouched = [item.product.puid for item in products if item.product.puid not in bindings]
        if untouched:  # bindings that were right already
            cr.execute(
                "SELECT itscope_id, id FROM itscope_product WHERE company_id = %s AND itscope_id = ANY(%s)",
                [settings.company_id, untouched],
            )
            bindings.update(cr.fetchall())
        return bindings

    @api.model
    def _select_products(self, settings, prepared, problems):
        """The products to write: once per puid, with a name, price-list lines only when the company takes them;
        returns them and how many products and offers were skipped."""
        products, seen, skipped = [], set(), 0
        for item in prepared:
            product = item.product
            if product.puid in seen:
                problems.append((product.puid, self.env._("listed more than once; the first one was imported")))
            elif not product.name:
                problems.append((product.puid, self.env._("product without a name")))
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
        query = """SELECT DISTINCT ON (t.id) {key}, t.id, p.id, p.barcode, t.categ_id, t.company_id,
                          (SELECT itscope_id FROM itscope_product_type WHERE id = t.itscope_product_type_id)
                     FROM product_template t JOIN product_product p ON p.product_tmpl_id = t.id
                    WHERE {condition} ORDER BY t.id, p.id"""
        linkable = """t.itscope_puid IS NULL AND (t.company_id IS NULL OR t.company_id = %s)
                      AND NOT EXISTS (SELECT 1 FROM product_product o
                                       WHERE o.product_tmpl_id = t.id AND o.id != p.id)"""
        cr.execute(
            sql.SQL(query).format(key=sql.SQL("t.itscope_puid"), condition=sql.SQL("t.itscope_puid = ANY(%s)")),
            [[item.product.puid for item in products]],
        )
        rows = {puid: (row, "puid") for puid, *row in cr.fetchall()}
        if by_ean:
            cr.execute(
                sql.SQL(query).format(
                    key=sql.SQL("p.barcode"), condition=sql.SQL("p.barcode = ANY(%s) AND " + linkable)
                ),
                [list(by_ean), settings.company_id],
            )
            for ean, *row in cr.fetchall():
                rows.setdefault(by_ean[ean], (row, "ean"))
        if by_sku:
            manufacturers, skus = zip(*by_sku)
            cr.execute(
                sql.SQL(query).format(
                    key=sql.SQL("t.itscope_manufacturer_id, t.itscope_manufacturer_sku"),
                    condition=sql.SQL(
                        "(t.itscope_manufacturer_id, t.itscope_manufacturer_sku) "
                        "IN (SELECT * FROM unnest(%s::int[], %s::varchar[])) AND " + linkable
                    ),
                ),
                [list(manufacturers), list(skus), settings.company_id],
            )
            for manufacturer, sku, *row in cr.fetchall():
                rows.setdefault(by_sku[(manufacturer, sku)], (row, "sku"))
        existing, claimed = {}, set()
        for puid, ((tmpl_id, prod_id, barcode, categ_id, company_id, type_itscope_id), how) in rows.items():
            if how == "puid" and company_id not in (None, settings.company_id):
                problems.append((puid, self.env._("the product with this ITscope id belongs to another company")))
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
    def _next_ids(self, sequence, count):
        if not count:
            return []
        self.env.cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in self.env.cr.fetchall()]

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
            """SELECT barcode FROM product_product WHERE barcode = ANY(%(eans)s) AND active
                UNION SELECT barcode FROM product_packaging WHERE barcode = ANY(%(eans)s)""",
            {"eans": list(set(wanted.values()))},
        )
        taken = {row[0] for row in self.env.cr.fetchall()}
        free = {}
        for puid, ean in wanted.items():
            if ean in taken:
                problems.append(
                    (puid, self.env._("EAN %(ean)s already belongs to another product; imported without it", ean=ean))
                )
            else:
                free[puid] = ean
                taken.add(ean)
        return free

    @api.model
    def _copy(self, table, columns, rows):
        """COPY ``rows`` (text format lines) into ``table`` in one piece: psycopg2 sends a file in pieces of ``size``
        bytes and takes the GIL back for each, which the import's reader thread holds for up to 5 ms at a time."""
        if rows:
            data = "".join(rows).encode()
            self.env.cr.copy_expert(
                sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                ),
                io.BytesIO(data),
                size=len(data),
            )

    @api.model
    def _insert_templates(self, settings, params):
        """New products: template, variant and the default many2many rows, as the ORM would write them."""
        cr = self.env.cr
        translated = _translated_sql(settings.lang)
        values = {column: sql.SQL(translated.format(new=new)) for column, new in _TRANSLATED_VALUES.items()}
        values.update((column, sql.SQL(expression)) for column, expression in _TEMPLATE_VALUES.items())
        _insert_select(
            cr,
            "product_template",
            {"id": sql.SQL("i.tmpl_id"), **values, **_magic_values()},
            settings.template_constants,
            "FROM itscope_import_product i WHERE i.is_new",
            params,
        )
        _insert_select(
            cr,
            "product_product",
            {
                "id": sql.SQL("i.prod_id"),
                **{column: sql.SQL(expression) for column, expression in _VARIANT_VALUES.items()},
                **_magic_values(),
            },
            settings.variant_constants,
            "FROM itscope_import_product i WHERE i.is_new",
            params,
        )
        for relation, column1, column2, ids in settings.template_m2m:
            cr.execute(
                sql.SQL(
                    "INSERT INTO {} ({}, {}) SELECT i.tmpl_id, v FROM itscope_import_product i, unnest(%s) v "
                    "WHERE i.is_new"
                ).format(sql.Identifier(relation), sql.Identifier(column1), sql.Identifier(column2)),
                [ids],
            )

    @api.model
    def _update_templates(self, settings, params):
        """Existing products: ITscope's references always, content as the company's policy says; only rows whose
        values change are written. Returns the ids of the templates changed."""
        cr = self.env.cr
        assignments = {column: sql.SQL(expression) for column, expression in _TEMPLATE_REFERENCES.items()}
        variant_assignments = {"barcode": sql.SQL("COALESCE(i.barcode, p.barcode)")}
        if settings.policy != "never":
            translated = _translated_sql(settings.lang)
            for column, new in _TRANSLATED_VALUES.items():
                assignments[column] = sql.SQL(
                    _TRANSLATED_CONTENT[settings.policy].format(
                        new=new, col=column, translated=translated.format(new=new)
                    )
                )
            for column, new, empty in (
                ("itscope_hs_code", "i.hs_code", "''"),
                ("itscope_origin_country_id", "i.origin_country_id", "0"),
                ("weight", "i.weight", "0"),
            ):
                assignments[column] = sql.SQL(
                    _PLAIN_CONTENT[settings.policy].format(new=new, old="t.%s" % column, empty=empty)
                )
            variant_assignments["weight"] = sql.SQL(
                _PLAIN_CONTENT[settings.policy].format(new="i.weight", old="p.weight", empty="0")
            )
        changed = _update_changed(
            cr,
            "product_template t",
            assignments,
            "FROM itscope_import_product i WHERE t.id = i.tmpl_id AND NOT i.is_new",
            "t.id",
            params,
        )
        changed |= _update_changed(
            cr,
            "product_product p",
            variant_assignments,
            "FROM itscope_import_product i WHERE p.id = i.prod_id AND NOT i.is_new",
            "p.product_tmpl_id",
            params,
        )
        if changed:  # a variant's write_date is computed from its template's
            cr.execute(
                """UPDATE product_product SET write_date = %(now)s
                    WHERE product_tmpl_id = ANY(%(ids)s) AND write_date IS DISTINCT FROM %(now)s""",
                {**params, "ids": list(changed)},
            )
        return changed

    @api.model
    def _offer_lines(self, settings, products):
        """offer id -> (id, vendor, product) of the company's vendor lines that mirror the products' offers, probed
        one by one through the unique (company, offer) index (see ``_skip_unchanged``)."""
        self.env.cr.execute(
            """SELECT si.itscope_offer_id, si.id, si.partner_id, si.product_tmpl_id
                 FROM unnest(%s::varchar[]) AS wanted(offer_id)
                 CROSS JOIN LATERAL (SELECT itscope_offer_id, id, partner_id, product_tmpl_id FROM product_supplierinfo
                                      WHERE company_id = %s AND itscope_offer_id = wanted.offer_id OFFSET 0) si""",
            [[offer[0] for item in products for offer in item.offers], settings.company_id],
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
    def _write_offers(self, settings, params, template_ids):
        """Vendor lines: changed ones updated, new ones inserted, and those of ``template_ids`` whose offer the
        products no longer list (``params['listed']``: the lines they list) marked unavailable. Returns the ids of
        the templates whose lines changed."""
        cr = self.env.cr
        changed = set()
        if params["listed"]:
            changed = _update_changed(
                cr,
                "product_supplierinfo si",
                {column: sql.SQL(expression) for column, expression in _OFFER_STATE.items()},
                "FROM itscope_import_offer o WHERE si.id = o.line_id",
                "si.product_tmpl_id",
                params,
            )
        cr.execute(
            sql.SQL(
                """INSERT INTO product_supplierinfo (partner_id, sequence, company_id, product_tmpl_id, delay,
                                                     itscope_offer_id, {state}, create_uid, write_uid, create_date,
                                                     write_date)
                   SELECT o.partner_id, o.sequence, %(company)s, o.tmpl_id, %(delay)s, o.offer_id, {values},
                          %(uid)s, %(uid)s, %(now)s, %(now)s
                     FROM itscope_import_offer o WHERE o.line_id IS NULL
                RETURNING product_tmpl_id"""
            ).format(
                state=sql.SQL(", ").join(map(sql.Identifier, _OFFER_STATE)),
                values=sql.SQL(", ").join(map(sql.SQL, _OFFER_STATE.values())),
            ),
            {**params, "delay": settings.supplier_delay},
        )
        changed |= {row[0] for row in cr.fetchall()}
        if template_ids:
            cr.execute(
                """UPDATE product_supplierinfo si
                      SET itscope_available = false, itscope_stock = 0, write_uid = %(uid)s, write_date = %(now)s
                    WHERE si.product_tmpl_id = ANY(%(ids)s) AND si.company_id = %(company)s
                      AND si.itscope_offer_id IS NOT NULL AND (si.itscope_available OR si.itscope_stock != 0)
                      AND NOT si.id = ANY(%(listed)s)
                RETURNING si.product_tmpl_id""",
                {**params, "ids": template_ids},
            )
            changed |= {row[0] for row in cr.fetchall()}
        return changed

    @api.model
    def _sync_accessories(self):
        """Make the written products' ITscope accessories what ITscope lists; returns the templates changed."""
        self.env.cr.execute(
            """DELETE FROM itscope_product_accessory_rel r
                 USING itscope_import_product i, product_template a
                WHERE r.product_tmpl_id = i.tmpl_id AND a.id = r.accessory_tmpl_id AND a.itscope_puid IS NOT NULL
                  AND NOT a.itscope_puid = ANY(COALESCE(string_to_array(i.accessory_puids, ' '), '{}'))
            RETURNING r.product_tmpl_id"""
        )
        changed = {row[0] for row in self.env.cr.fetchall()}
        return changed | self._link_accessories(written=True)

    @api.model
    def _link_accessories(self, puids=None, written=False):
        """Link the listed accessories that exist by now: of the products just written (``written``), of those listing
        one of ``puids``, or (neither given) of every product. Returns the templates that got a link."""
        if written:
            source, params = "SELECT tmpl_id AS id, accessory_puids AS puids FROM itscope_import_product", []
        elif puids is not None:
            source = """SELECT id, itscope_accessory_puids AS puids FROM product_template
                         WHERE string_to_array(itscope_accessory_puids, ' ') && %s::text[]"""
            params = [puids]
        else:
            source = """SELECT id, itscope_accessory_puids AS puids FROM product_template
                         WHERE itscope_accessory_puids IS NOT NULL"""
            params = []
        self.env.cr.execute(
            sql.SQL(
                """INSERT INTO itscope_product_accessory_rel (product_tmpl_id, accessory_tmpl_id)
                   SELECT t.id, a.id
                     FROM ({}) t
                     CROSS JOIN LATERAL unnest(string_to_array(t.puids, ' ')) AS listed(puid)
                     JOIN product_template a ON a.itscope_puid = listed.puid
                   ON CONFLICT DO NOTHING
                RETURNING product_tmpl_id"""
            ).format(sql.SQL(source)),
            params,
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
    def _log_skipped_distributors(self, settings, run, distributor_ids):
        """One note per distributor whose offers were skipped for want of a vendor, once per run."""
        logged = set((run.error_log or "").splitlines())
        notes = []
        for distributor_id in dict.fromkeys(distributor_ids):
            name = settings.distributor_names.get(distributor_id)
            if name:
                reason = self.env._(
                    "offers of %(distributor)s skipped: map the distributor to a vendor to import them",
                    distributor=name,
                )
            else:
                reason = self.env._("offers skipped: unknown distributor, sync the ITscope master data")
            if "%s: %s" % (distributor_id, reason) not in logged:
                notes.append((distributor_id, reason))
        run._add_errors(notes, count=False)


# ------------------------------------------------------------
# Helpers
# ------------------------------------------------------------


def _read_changed(settings, changed):
    """Decode and read changed ``(payload, digest)`` and prepare their rows; returns ``(prepared, problems, notes)``,
    notes being what the export reader left aside (unknown files or columns): logged, but no error.

    Plain Python on plain data (no environment, no cursor): it runs in the import's helper thread, and gives the GIL
    away after each product (``sleep(0)``). Otherwise the writing thread, back from each SQL statement, waits for
    Python's 5 ms switch interval: measured, that added a second to every 10,000 products.
    """
    prepared, problems, notes = [], [], []
    for payload, digest in changed:
        time.sleep(0)
        if isinstance(payload, Notice):
            notes.append((None, payload.reason))
            continue
        if isinstance(payload, BadRow):
            problems.append((payload.puid, payload.reason))
            continue
        try:
            data = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
        except ValueError as error:
            problems.append((None, "not a product in JSON: %s" % error))
            continue
        for product, problem in read_products((data,)):
            if problem:
                problems.append(problem)
            else:
                prepared.append(_prepare(settings, product, digest))
    return prepared, problems, notes


def _prepare(settings, product, digest):
    """The product's COPY rows (see ``_Prepared``) with the offers the company takes."""
    product_type = settings.product_types.get(product.product_type_id)
    if (product.manufacturer_id and product.manufacturer_id not in settings.manufacturers) or (
        product.product_type_id and not product_type
    ):
        digest = None  # read again by the next import, until the master data knows them
    body = _copy_row(
        (
            product.puid,
            digest,
            product.name,
            product.short_description,
            product.long_description,
            product_type and product_type[1],
            "%.*f" % (settings.weight_digits, product.weight) if product.weight else None,
            product.hs_code,
            settings.countries.get(product.country_of_origin),
            settings.manufacturers.get(product.manufacturer_id),
            product.manufacturer_sku,
            product_type and product_type[0],
            product.product_type_id,
            product.deeplink,
            product.datasheet_url,
            product.datasheet_pdf_url,
            product.image_url,
            "\n".join("%s: %s" % attribute for attribute in product.attributes),
            " ".join(product.accessory_puids),
        )
    )
    offers, skipped, unmapped = [], 0, []
    for sequence, offer in enumerate(product.offers, start=1):
        partner_id, partnered = settings.distributors.get(offer.distributor_id, (None, False))
        price = offer.price_calc if settings.price_field == "price_calc" else offer.price
        currency_id = settings.currencies.get(offer.currency)
        if not partner_id:
            unmapped.append(offer.distributor_id)
        if (
            not partner_id
            or (settings.partnered_only and not partnered)
            or offer.condition_id not in settings.conditions
            or price is None
            or not currency_id
        ):
            skipped += 1
            continue
        last_update = max(filter(None, (offer.price_updated, offer.stock_updated)), default=None)
        row = "%s\t%d\t%d\t%s\t%s\t%d\t%.*f\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d" % (
            offer.offer_id,
            partner_id,
            sequence,
            _copy_value(offer.sku),
            round(price, settings.price_digits),
            currency_id,
            settings.qty_digits,
            offer.min_qty,
            offer.stock,
            offer.stock_status,
            _copy_value(offer.stock_text),
            _copy_value(offer.availability_date),
            offer.condition_id,
            "t" if offer.eol else "f",
            "t" if offer.special_offer else "f",
            _copy_value(last_update),
            offer.packaging_qty,
            offer.state_hash(),
        )
        offers.append((offer.offer_id, partner_id, row))
    return _Prepared(product, digest, body, offers, skipped, unmapped)


def _chunks(iterable, size):
    """Lists of ``size`` items, the first ones smaller (a fifth, growing by half): the first chunk is read while
    nothing is written yet, and each next one is read while the one before is written, which takes longer."""
    iterator, step = iter(iterable), max(size // 5, 1)
    while chunk := list(itertools.islice(iterator, step)):
        yield chunk
        step = min(size, step * 3 // 2)


def _payload_digest(seed, payload):
    """A digest of one product payload and the import settings (``seed``): of its JSON text as it is, or of a dict.

    It only tells a change from none, so the fastest hash here serves (SHA-1: a fifth of the cost of reading the
    line). marshal (format 2, which has no object references) serialises a dict of plain values deterministically
    and several times faster than JSON; other values fall back to ``repr``.
    """
    if isinstance(payload, BadRow):
        return None
    if isinstance(payload, str):
        raw = payload.encode()
    elif isinstance(payload, bytes):
        raw = payload
    else:
        try:
            raw = marshal.dumps(payload, 2)
        except ValueError:
            raw = repr(payload).encode()
    digest = seed.copy()
    digest.update(raw)
    return digest.hexdigest()


def _id_list(ids):
    return ",".join(map(str, ids))


def _copy_value(value):
    if value is None or value == "":
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):  # COPY's text format: backslash, tab and line ends escaped (most texts have none)
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    return str(value)


def _copy_row(values):
    return "\t".join(map(_copy_value, values))


def _translated_sql(lang):
    """jsonb of a translated column for ``{new}`` (NULL stays NULL): the source (en_US) and the user's language, as
    the ORM writes it."""
    if lang == "en_US":
        return "CASE WHEN {new} IS NOT NULL THEN jsonb_build_object('en_US', {new}) END"
    return "CASE WHEN {new} IS NOT NULL THEN jsonb_build_object('en_US', {new}, %(lang)s, {new}) END"


def _magic_values():
    return {
        "create_uid": sql.SQL("%(uid)s"),
        "write_uid": sql.SQL("%(uid)s"),
        "create_date": sql.SQL("%(now)s"),
        "write_date": sql.SQL("%(now)s"),
    }


def _insert_select(cr, table, values, constants, source, params):
    """INSERT INTO ``table`` the ``values`` expressions and the ``constants`` (passed as parameters) per source row."""
    params = {**params, **{"const_%s" % column: value for column, value in constants.items()}}
    columns = [*values, *constants]
    expressions = [*values.values(), *(sql.Placeholder("const_%s" % column) for column in constants)]
    cr.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} {}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(expressions),
            sql.SQL(source),
        ),
        params,
    )


def _update_changed(cr, target, assignments, source, returning, params):
    """UPDATE ``target`` (table and alias) with ``assignments`` where one of them changes a value; bumps write_uid and
    write_date on those rows only. Returns the set of ``returning`` values of the rows written."""
    alias = target.split()[1]
    columns = list(assignments)
    cr.execute(
        sql.SQL(
            "UPDATE {target} SET {sets}, write_uid = %(uid)s, write_date = %(now)s {source} "
            "AND ({old}) IS DISTINCT FROM ({new}) RETURNING {returning}"
        ).format(
            target=sql.SQL(target),
            sets=sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(column), assignments[column]) for column in columns
            ),
            source=sql.SQL(source),
            old=sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in columns),
            new=sql.SQL(", ").join(assignments[column] for column in columns),
            returning=sql.SQL(returning),
        ),
        params,
    )
    return {row[0] for row in cr.fetchall()}
