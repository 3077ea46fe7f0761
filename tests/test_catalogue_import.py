import base64
import contextlib
import copy
import io
import itertools
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image
from psycopg2 import sql

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..itscope.catalogue_rows import prepare
from ..itscope.exports import BadRow
from ..itscope.products import read_product
from ..itscope.sandbox.catalogue import PLZ_SUFFIX, PUID_BASE, catalogue_for
from ..itscope.sandbox.products import export_chunks
from ..models import itscope_catalogue_importer
from ..tools import bulk_sql
from .common import ItscopeCase


class _Rollback(Exception):
    """Raised to roll a savepoint back, as a killed worker rolls its transaction back."""


@tagged("post_install", "-at_install")
class TestCatalogueImport(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.Distributor = cls.env["itscope.distributor"]
        # one distributor stays without a vendor: its offers are skipped
        cls.unmapped = cls.Distributor.search([("name", "=", "KOMSA AG")])
        (cls.Distributor.search([]) - cls.unmapped).action_create_vendor()
        cls.importer = cls.env["itscope.catalogue.importer"]
        cls.Template = cls.env["product.template"]
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _payloads(self, start, stop):
        return list(self.catalogue.products(start, stop))

    def _import(self, payloads, company=None):
        """The interactive way in: Product records, one run."""
        company = company or self.company
        products = [read_product(payload) for payload in payloads]
        return self.env["itscope.sync.run"]._run(
            company, "catalogue", lambda run: self.importer._import_products(company, products, run)
        )

    def _import_export(self, payloads, company=None, full=True, batch_size=4, export=None):
        """The export way in, batch after batch as the cron runs it; a full import is one of ``export`` (by default
        one export per company)."""
        run = self._export_run(company, full, export)
        stream = iter(payloads)
        while run.state == "running":
            self.importer._import_export_batch(run, stream, batch_size=batch_size)
        return run

    def _export_run(self, company=None, full=True, export=None):
        company = company or self.company
        if full and not export:
            export = self._export("Full export", company)
        vals = {"company_id": company.id, "kind": "catalogue", "export_full": full, "export_id": export and export.id}
        return self.env["itscope.sync.run"].sudo().create(vals)

    def _export(self, name, company=None):
        """The company's export called ``name`` (created the first time)."""
        company = company or self.company
        Export = self.env["itscope.export"].sudo()
        domain = [("name", "=", name), ("company_id", "=", company.id)]
        return Export.search(domain) or Export.with_company(company).create(
            {
                "name": name,
                "company_id": company.id,
                "export_ref": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "full": True,
            }
        )

    def _template(self, payload):
        return self.Template.search([("itscope_puid", "=", str(payload["puid"]))])

    def _imported_offers(self, payload):
        """The payload's offers the company takes by default: mapped distributor, new."""
        return [
            item
            for item in payload["supplierItem"]
            if str(item["supplierId"]) != self.unmapped.itscope_id and item["conditionId"] == 1
        ]

    def _payload_with_offer(self, start):
        return next(payload for payload in self.catalogue.products(start, start + 50) if self._imported_offers(payload))

    def _write_dates(self, templates):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT 't' || t.id, t.write_date FROM product_template t WHERE t.id = ANY(%(ids)s)
               UNION ALL SELECT 'p' || p.id, p.write_date FROM product_product p
                          WHERE p.product_tmpl_id = ANY(%(ids)s)
               UNION ALL SELECT 's' || s.id, s.write_date FROM product_supplierinfo s
                          WHERE s.product_tmpl_id = ANY(%(ids)s)""",
            {"ids": templates.ids},
        )
        return dict(self.env.cr.fetchall())

    def _age(self, templates):
        """Move the rows' write dates into the past, so a rewrite in this same transaction would show."""
        self.env.flush_all()
        for table, column in (
            ("product_template", "id"),
            ("product_product", "product_tmpl_id"),
            ("product_supplierinfo", "product_tmpl_id"),
        ):
            self.env.cr.execute(
                sql.SQL("UPDATE {} SET write_date = '2001-01-01' WHERE {} = ANY(%s)").format(
                    sql.Identifier(table), sql.Identifier(column)
                ),
                [templates.ids],
            )
        self.env.invalidate_all()

    def _state(self, payloads):
        """Everything an import writes about these products, comparable between two databases states."""
        templates = self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in payloads])])
        return sorted(
            (
                template.itscope_puid,
                template.name,
                template.barcode or "",
                template.categ_id.id,
                tuple(
                    sorted(
                        (s.itscope_offer_id, s.partner_id.id, s.price, s.itscope_stock, s.itscope_available)
                        for s in template.seller_ids
                    )
                ),
            )
            for template in templates
        )

    def _rows(self, records):
        self.env.flush_all()
        self.env.cr.execute(
            sql.SQL("SELECT * FROM {} WHERE id = ANY(%s) ORDER BY id").format(sql.Identifier(records._table)),
            [records.ids],
        )
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=False)) for row in self.env.cr.fetchall()]

    def _columns_set(self, records):
        """The columns the rows of ``records`` have a value in (ITscope's own left out)."""
        return {name for row in self._rows(records) for name, value in row.items() if value is not None} - {
            name for name in records._fields if name.startswith("itscope_")
        }

    # ------------------------------------------------------------
    # Creating products
    # ------------------------------------------------------------

    def test_import_creates_products_odoo_accepts(self):
        """New products get their content, offers as vendor lines and Odoo's defaults, as the ORM would write them."""
        payloads = self._payloads(0, 20)
        run = self._import(payloads)
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        self.assertEqual(run.created_count, 20)
        templates = self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in payloads])])
        self.assertEqual(len(templates), 20)

        payload = next(p for p in payloads if len(self._imported_offers(p)) >= 2 and p.get("imageHighRes1"))
        product = read_product(payload)
        template = self._template(payload)
        product_type = self.env["itscope.product.type"].search([("itscope_id", "=", product.product_type_id)])
        manufacturer = self.env["itscope.manufacturer"].search([("itscope_id", "=", product.manufacturer_id)])
        self.assertRecordValues(
            template,
            [
                {
                    "name": product.name,
                    "description_purchase": product.short_description,
                    "description_sale": product.long_description,
                    "categ_id": product_type.category_id.id,
                    "itscope_product_type_id": product_type.id,
                    "itscope_manufacturer_id": manufacturer.partner_id.id,
                    "itscope_manufacturer_sku": product.manufacturer_sku,
                    "barcode": product.ean,
                    "weight": product.weight,
                    "itscope_hs_code": product.hs_code,
                    "itscope_deeplink": product.deeplink,
                    "itscope_datasheet_url": product.datasheet_url,
                    "itscope_datasheet_pdf_url": product.datasheet_pdf_url,
                    "itscope_image_url": product.image_url,
                    "itscope_image_pending": True,
                    "product_variant_count": 1,
                    "type": "consu",
                    "purchase_ok": True,
                    "sale_ok": True,
                }
            ],
        )
        self.assertEqual(template.itscope_origin_country_id.code, product.country_of_origin)
        self.assertEqual(template.itscope_attributes.splitlines(), ["%s: %s" % a for a in product.attributes])
        self.assertEqual(template.taxes_id, self.company.account_sale_tax_id)
        self.assertEqual(template.supplier_taxes_id, self.company.account_purchase_tax_id)
        self.assertEqual(template.route_ids, self.env.ref("purchase_stock.route_warehouse0_buy"))

        expected = [
            offer
            for offer in product.offers
            if offer.offer_id in {str(i["id"]) for i in self._imported_offers(payload)}
        ]
        sellers = template.seller_ids.sorted("sequence")
        self.assertEqual(sellers.mapped("itscope_offer_id"), [offer.offer_id for offer in expected])
        for seller, offer in zip(sellers, expected, strict=False):
            distributor = self.Distributor.search([("itscope_id", "=", offer.distributor_id)])
            self.assertRecordValues(
                seller,
                [
                    {
                        "partner_id": distributor.partner_id.id,
                        "company_id": self.company.id,
                        "product_code": offer.sku,
                        "price": float(offer.price),
                        "currency_id": self.eur.id,
                        "min_qty": offer.min_qty,
                        "itscope_stock": offer.stock,
                        "itscope_stock_status": str(offer.stock_status),
                        "itscope_stock_text": offer.stock_text,
                        "itscope_availability_date": offer.availability_date or False,
                        "itscope_condition": "1",
                        "itscope_eol": offer.eol,
                        "itscope_special_offer": offer.special_offer,
                        "itscope_last_update": max(offer.price_updated, offer.stock_updated),
                        "itscope_order_multiple": offer.packaging_qty,
                        "itscope_available": True,
                        "itscope_state_hash": str(offer.state_hash()),
                    }
                ],
            )

        # Odoo accepts the rows: constraints, company consistency, and its own computation of stored fields
        for records in (templates, templates.product_variant_ids, templates.seller_ids):
            records._validate_fields(records._fields)
            records._check_company()
        for records in (templates, templates.product_variant_ids):
            before = self._rows(records)
            for model_field in records._fields.values():
                if model_field.store and model_field.compute and model_field.column_type:
                    self.env.add_to_compute(model_field, records)
            self.env.flush_all()
            self.assertEqual(self._rows(records), before, "stored computed values differ from Odoo's")

        # the same columns are set as when the ORM creates a product with a vendor line
        reference = self.Template.create(
            {
                "name": "Reference",
                "description_purchase": "short",
                "description_sale": "long",
                "barcode": "4006381333931",
                "weight": 1.5,
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": sellers[0].partner_id.id,
                            "price": 2,
                            "product_code": "R",
                            "currency_id": self.eur.id,
                        }
                    )
                ],
            }
        )
        self.assertEqual(self._columns_set(template), self._columns_set(reference))
        self.assertEqual(
            self._columns_set(template.product_variant_ids), self._columns_set(reference.product_variant_ids)
        )
        self.assertEqual(self._columns_set(sellers[:1]), self._columns_set(reference.seller_ids))

        # a purchase order line from an offer takes the offer's price and vendor code
        order = self.env["purchase.order"].create(
            {
                "partner_id": sellers[0].partner_id.id,
                "currency_id": self.eur.id,
                "order_line": [
                    Command.create({"product_id": template.product_variant_id.id, "product_qty": sellers[0].min_qty})
                ],
            }
        )
        self.assertEqual(order.order_line.price_unit, sellers[0].price)
        self.assertIn("[%s]" % sellers[0].product_code, order.order_line.name)

    def test_ean_links_an_existing_product(self):
        payload = self._payload_with_offer(20)
        existing = self.Template.create({"name": "Our own listing", "barcode": payload["ean"]})
        run = self._import([payload])
        self.assertEqual((run.created_count, run.updated_count), (0, 1), run.error_log)
        self.assertEqual(self._template(payload), existing)
        self.assertTrue(existing.seller_ids)
        self.assertEqual(self.Template.search_count([("barcode", "=", payload["ean"])]), 1)

    def test_manufacturer_sku_links_an_existing_product(self):
        payload = self._payload_with_offer(25)
        manufacturer = self.env["itscope.manufacturer"].search([("itscope_id", "=", str(payload["manufacturerId"]))])
        existing = self.Template.create(
            {
                "name": "Our own listing",
                "itscope_manufacturer_id": manufacturer.partner_id.id,
                "itscope_manufacturer_sku": payload["manufacturerSKU"],
            }
        )
        run = self._import([payload])
        self.assertEqual((run.created_count, run.updated_count), (0, 1), run.error_log)
        self.assertEqual(self._template(payload), existing)
        self.assertEqual(existing.barcode, payload["ean"], "the EAN is free, so it becomes the barcode")

    def test_products_found_by_id_are_not_looked_for_by_ean_or_sku(self):
        """A re-import finds its products by ITscope id in one query; EAN and SKU are looked up only for the others,
        and a product found by id keeps its EAN and SKU from the others (as the first product listing them)."""
        known, new = self._payloads(35, 37)
        self._import([known])
        importer = self.importer.with_company(self.company)
        settings = importer._prepare_settings(self.company, self.env["itscope.sync.run"])
        self.assertIn(str(new["manufacturerId"]), settings.manufacturers, "the new product has a mapped manufacturer")
        twin = {**new, "ean": known["ean"], "manufacturerSKU": known["manufacturerSKU"]}
        twin["manufacturerId"] = known["manufacturerId"]
        known_item, new_item, twin_item = (
            prepare(settings, read_product(payload), None) for payload in (known, new, twin)
        )
        self.env.flush_all()
        with self.assertQueryCount(1):
            existing = importer._match_products(settings, [known_item], [])
        self.assertEqual(existing[str(known["puid"])]["linked_by"], "puid")
        with self.assertQueryCount(3):  # by id, then by EAN and by manufacturer SKU for the new product
            existing = importer._match_products(settings, [known_item, new_item], [])
        self.assertEqual(list(existing), [str(known["puid"])])
        with self.assertQueryCount(1):  # the twin's EAN and SKU are the known product's
            existing = importer._match_products(settings, [known_item, twin_item], [])
        self.assertEqual(list(existing), [str(known["puid"])])

    def test_buyer_imports_and_links_with_category(self):
        """A purchase user may import: a product linked by manufacturer SKU moves to its type's category."""
        payload = self._payload_with_offer(45)
        manufacturer = self.env["itscope.manufacturer"].search([("itscope_id", "=", str(payload["manufacturerId"]))])
        existing = self.Template.create(
            {
                "name": "Our own listing",
                "itscope_manufacturer_id": manufacturer.partner_id.id,
                "itscope_manufacturer_sku": payload["manufacturerSKU"],
            }
        )
        buyer = self._create_user("catalogue_buyer", ["purchase.group_purchase_user"])
        products = [read_product(payload)]
        importer = self.importer.with_user(buyer)
        run = (
            self.env["itscope.sync.run"]
            .with_user(buyer)
            ._run(self.company, "catalogue", lambda run: importer._import_products(self.company, products, run))
        )
        self.assertEqual((run.state, run.updated_count), ("done", 1), run.failure)
        product_type = self.env["itscope.product.type"].search([("itscope_id", "=", str(payload["productTypeId"]))])
        self.assertEqual(existing.categ_id, product_type.category_id)
        self.assertTrue(existing.seller_ids)

    def test_ean_of_another_product_is_left_out(self):
        """A second ITscope product with an EAN that an imported one carries is created, without the barcode."""
        payload = self._payload_with_offer(30)
        other = copy.deepcopy(payload)
        other["puid"] += 1000 * 100_000
        self._import([payload])
        run = self._import([other])
        self.assertEqual(run.created_count, 1)
        self.assertIn("EAN %s already belongs to another product" % payload["ean"], run.error_log)
        self.assertFalse(self._template(other).barcode)

    # ------------------------------------------------------------
    # Updating products
    # ------------------------------------------------------------

    def test_content_policies(self):
        """always: ITscope's content comes back; empty: only empty fields are filled; never: content stays. The
        price updates under every policy."""
        expectations = {
            "always": ("ITscope", "ITscope", "ITscope"),
            "empty": ("local", "local", "ITscope"),
            "never": ("local", "local", "empty"),
        }
        for number, (policy, (name, short, long)) in enumerate(expectations.items()):
            with self.subTest(policy=policy):
                payload = self._payload_with_offer(200 + 10 * number)
                self.company.itscope_content_policy = "always"
                self._import([payload])
                template = self._template(payload)
                template.write({"name": "Local name", "description_purchase": "Local short", "description_sale": False})
                self.company.itscope_content_policy = policy
                changed = copy.deepcopy(payload)
                item = self._imported_offers(changed)[0]
                item["price"] = round(item["price"] + 10, 2)
                run = self._import([changed])
                self.assertEqual(run.updated_count, 1)
                values = {"ITscope": payload["productName"], "local": "Local name"}
                self.assertEqual(template.name, values[name])
                self.assertEqual(
                    template.description_purchase,
                    {"ITscope": payload["shortDescription"], "local": "Local short"}[short],
                )
                self.assertEqual(
                    template.description_sale, {"ITscope": payload["longDescription"], "empty": False}[long]
                )
                seller = template.seller_ids.filtered(lambda s, item=item: s.itscope_offer_id == str(item["id"]))
                self.assertEqual(seller.price, item["price"])

    def test_importing_twice_changes_nothing(self):
        """A second import of the same products writes nothing (write dates stay); a changed price writes one line."""
        payloads = self._payloads(40, 60)
        run = self._import_export(payloads, batch_size=7)
        self.assertEqual((run.state, run.created_count), ("done", 20), run.error_log)
        templates = self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in payloads])])
        self._age(templates)
        dates = self._write_dates(templates)

        again = self._import_export(payloads, batch_size=7)
        self.assertEqual((again.created_count, again.updated_count, again.unchanged_count), (0, 0, 20))
        self.assertEqual(self._write_dates(templates), dates)
        interactive = self._import(payloads)
        self.assertEqual(
            (interactive.created_count, interactive.updated_count, interactive.unchanged_count), (0, 0, 20)
        )
        self.assertEqual(self._write_dates(templates), dates)

        changed = copy.deepcopy(payloads)
        item = self._imported_offers(changed[3])[0]
        item["price"] = round(item["price"] * 1.1, 2)
        run = self._import_export(changed, batch_size=7)
        self.assertEqual((run.created_count, run.updated_count, run.unchanged_count), (0, 1, 19))
        new_dates = self._write_dates(templates)
        seller = self.env["product.supplierinfo"].search([("itscope_offer_id", "=", str(item["id"]))])
        self.assertEqual(seller.price, item["price"])
        self.assertEqual({key for key in dates if new_dates[key] != dates[key]}, {"s%d" % seller.id})

    def test_statistics_follow_the_batch_growth(self):
        """The lookup tables are analyzed once they outgrow their statistics, seen from inside the transaction that
        grew them, and not again until they grow again."""
        cr, table = self.env.cr, "itscope_product"
        columns = ("company_id", "itscope_id", "payload_hash")

        def manual_analyses():
            cr.execute("SELECT pg_stat_clear_snapshot()")
            cr.execute("SELECT pg_stat_get_analyze_count(%s::regclass)", [table])
            return cr.fetchone()[0]

        cr.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        before = manual_analyses()
        bulk_sql.refresh_statistics(cr, table, columns)
        self.assertEqual(manual_analyses(), before, "unchanged table analyzed again")

        template = self.Template.create({"name": "Statistics"})
        # Well over twice the table's file, and over the floor of 8 pages: a database that has lived longer keeps
        # free space in its pages (rows of rolled-back or deleted imports) that new rows fill first, so the count
        # of live rows alone does not say how many it takes (fewer than 100 of these rows fit on a page).
        cr.execute(
            """SELECT count(*), pg_relation_size('itscope_product') / current_setting('block_size')::int
                 FROM itscope_product"""
        )
        live, pages = cr.fetchone()
        rows = 3 * max(live, 100 * pages) + 3000
        cr.execute(
            """INSERT INTO itscope_product (company_id, itscope_id, product_tmpl_id, payload_hash, active)
               SELECT %s, 'statistics-' || g, %s, md5(g::text), true FROM generate_series(1, %s) g""",
            [self.company.id, template.id, rows],
        )
        bulk_sql.refresh_statistics(cr, table, columns)
        self.assertEqual(manual_analyses(), before + 1)
        cr.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        self.assertGreaterEqual(cr.fetchone()[0], rows)
        bulk_sql.refresh_statistics(cr, table, columns)
        self.assertEqual(manual_analyses(), before + 1, "analyzed again without growing")

    def test_statistics_of_a_table_over_a_gigabyte_are_compared_without_overflow(self):
        """2.4 million vendor lines at fillfactor 50 take well over 1 GB; the check whether their statistics lag
        computed twice their size in bytes as a 32-bit integer, so every import batch of such a company crashed
        ('integer out of range'). The statistics of so large a table are faked here, which needs a superuser role."""
        cr = self.env.cr
        cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cr.fetchone()[0]:
            self.skipTest("faking the statistics of a large table needs a superuser role")
        table, columns = "product_supplierinfo", ("company_id", "itscope_offer_id", "product_tmpl_id")
        cr.execute("UPDATE pg_class SET relpages = 200000 WHERE oid = %s::regclass", [table])  # 1.6 GB known
        bulk_sql.refresh_statistics(cr, table, columns)
        cr.execute("SELECT relpages FROM pg_class WHERE oid = %s::regclass", [table])
        self.assertEqual(cr.fetchone()[0], 200000, "a table smaller than its statistics say is not analyzed")

    def test_vendor_lines_follow_a_remapped_distributor(self):
        """Mapping a distributor to another vendor moves its lines there on the next import (none is duplicated)."""
        payload = self._payload_with_offer(50)
        self._import_export([payload])
        item = self._imported_offers(payload)[0]
        line = self.env["product.supplierinfo"].search([("itscope_offer_id", "=", str(item["id"]))])
        distributor = self.Distributor.search([("itscope_id", "=", str(item["supplierId"]))])
        vendor = self.env["res.partner"].create({"name": "Our account at that distributor", "is_company": True})
        distributor.partner_id = vendor
        run = self._import_export([payload])
        self.assertEqual(run.updated_count, 1, "the vendor mapping is part of what an unchanged product depends on")
        self.assertEqual(self.env["product.supplierinfo"].search([("itscope_offer_id", "=", str(item["id"]))]), line)
        self.assertEqual(line.partner_id, vendor)

    def test_offers_missing_from_a_full_import_become_unavailable(self):
        payloads = self._payloads(60, 70)
        self._import_export(payloads)
        kept = copy.deepcopy(payloads[0])
        dropped_offer = self._imported_offers(kept)[0]
        kept["supplierItem"].remove(dropped_offer)
        gone = payloads[1]
        export = [kept] + payloads[2:]

        run = self._import_export(export, full=False)
        self.assertEqual(run.updated_count, 1, "a partial import leaves products it does not list alone")
        self.assertTrue(all(self._template(gone).seller_ids.mapped("itscope_available")))
        offer = self.env["product.supplierinfo"].search([("itscope_offer_id", "=", str(dropped_offer["id"]))])
        self.assertRecordValues(offer, [{"itscope_available": False, "itscope_stock": 0}])

        run = self._import_export(export, full=True)
        self.assertEqual(run.updated_count, 1)
        gone_offers = self._template(gone).seller_ids
        self.assertTrue(gone_offers, "offers are never deleted")
        self.assertEqual(set(gone_offers.mapped("itscope_available")), {False})
        self.assertEqual(set(gone_offers.mapped("itscope_stock")), {0})
        self.assertTrue(all(self._template(payloads[2]).seller_ids.mapped("itscope_available")))
        self.assertFalse(self.env["itscope.product.seen"].search([("run_id", "=", run.id)]))

    def test_a_full_export_retires_only_the_products_it_listed_before(self):
        """A second full export leaves the products of the first one alone (issue 15 bug 2); each export retires the
        offers of its own products it no longer lists."""
        first, second = self._payloads(200, 205), self._payloads(205, 210)
        export_a, export_b = self._export("Notebooks"), self._export("Servers")
        self._import_export(first, export=export_a)
        run = self._import_export(second, export=export_b)
        self.assertEqual(run.updated_count, 0, run.error_log)
        first_offers = self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in first])]).seller_ids
        self.assertTrue(first_offers)
        self.assertEqual(set(first_offers.mapped("itscope_available")), {True}, "another export's products stay")
        bindings = self.env["itscope.product"].search([("itscope_id", "in", [str(p["puid"]) for p in second])])
        self.assertEqual(bindings.export_id, export_b)

        self._import_export(first[1:], export=export_a)
        self.assertEqual(set(self._template(first[0]).seller_ids.mapped("itscope_available")), {False})
        self.assertEqual(set(first_offers.mapped("itscope_available")) - {False}, {True})
        second_offers = self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in second])]).seller_ids
        self.assertEqual(set(second_offers.mapped("itscope_available")), {True})

    def test_a_reimport_repairs_offers_retired_in_between(self):
        """Offers retired after the last import (here by a full export that left the product out) come back when the
        product is listed again: its digest is forgotten with them, so it is not skipped as unchanged."""
        payloads = self._payloads(210, 216)
        payloads = [p for p in payloads if self._imported_offers(p)]
        self._import_export(payloads)
        self._import_export(payloads[1:])
        offers = self._template(payloads[0]).seller_ids
        self.assertEqual(set(offers.mapped("itscope_available")), {False})
        run = self._import_export(payloads)
        self.assertEqual(set(offers.mapped("itscope_available")), {True})
        self.assertEqual(
            set(offers.mapped("itscope_stock")), {item["stock"] for item in self._imported_offers(payloads[0])}
        )
        self.assertEqual((run.updated_count, run.unchanged_count), (1, len(payloads) - 1))

    def test_exports_are_partial_unless_said_full(self):
        export = self.env["itscope.export"].create({"name": "Default", "export_ref": str(uuid.uuid4())})
        self.assertFalse(export.full)
        wizard = self.env["itscope.export.import"].create(
            {"source": "file", "file": base64.b64encode(b"[]"), "filename": "export.json", "full": True}
        )
        with self.assertRaisesRegex(UserError, "Choose the export this file comes from"):
            wizard.action_import()

    def test_imported_products_are_ready_to_buy_and_stock(self):
        """Goods are storable, serial-tracked when their product type has serial numbers, licences and the like are
        services, and every new product costs what the cheapest offer the company takes asks (issue 15 item 8)."""
        by_type = {}
        for payload in self._payloads(220, 260):
            if self._imported_offers(payload):
                by_type.setdefault(str(payload["productTypeId"]), payload)
        goods, serial, licence = list(by_type.values())[:3]
        self.company.currency_id = self.eur  # the sandbox's offers are in EUR
        types = self.env["itscope.product.type"].search([("company_id", "=", self.company.id)])
        types.filtered(lambda t: t.itscope_id == str(serial["productTypeId"])).serial_tracking = True
        types.filtered(lambda t: t.itscope_id == str(licence["productTypeId"])).order_kind = "esd"
        run = self._import([goods, serial, licence])
        self.assertEqual(run.created_count, 3, run.error_log)
        self.assertRecordValues(
            self._template(goods) | self._template(serial) | self._template(licence),
            [
                {"type": "consu", "is_storable": True, "tracking": "none", "purchase_method": "receive"},
                {"type": "consu", "is_storable": True, "tracking": "serial", "purchase_method": "receive"},
                {"type": "service", "is_storable": False, "tracking": "none", "purchase_method": "purchase"},
            ],
        )
        for payload in (goods, serial, licence):
            template = self._template(payload)
            own_currency = template.seller_ids.filtered(lambda line: line.currency_id == self.company.currency_id)
            self.assertTrue(own_currency)
            self.assertEqual(template.standard_price, min(own_currency.mapped("price")))

    def test_condition_and_partner_filters(self):
        payloads = self._payloads(70, 110)
        Supplierinfo = self.env["product.supplierinfo"]
        domain = [("product_tmpl_id.itscope_puid", "in", [str(p["puid"]) for p in payloads])]
        run = self._import(payloads)
        self.assertFalse(Supplierinfo.search(domain + [("itscope_condition", "!=", "1")]))
        self.assertGreater(run.skipped_count, 0)

        self.company.itscope_condition_ids = self.env["itscope.condition"].search([])
        self._import(payloads)
        self.assertTrue(Supplierinfo.search(domain + [("itscope_condition", "!=", "1")]))

        self.company.itscope_partnered_only = True
        self._import(payloads)
        partnered = self.Distributor.search([("partnered", "=", True)]).partner_id
        available = Supplierinfo.search(domain + [("itscope_available", "=", True)])
        self.assertTrue(available)
        self.assertLessEqual(available.partner_id, partnered)
        self.assertTrue(Supplierinfo.search(domain + [("itscope_available", "=", False)]))

    def test_price_list_line_products_only_when_enabled(self):
        lines = (self.catalogue.product(PUID_BASE + number * 1000 + PLZ_SUFFIX) for number in range(4))
        payload = next(line for line in lines if self._imported_offers(line))
        run = self._import([payload])
        self.assertEqual((run.created_count, run.skipped_count), (0, 1 + len(payload["supplierItem"])))
        self.assertFalse(self._template(payload))
        self.company.itscope_import_price_list_lines = True
        run = self._import([payload])
        self.assertEqual(run.created_count, 1)
        self.assertTrue(self._template(payload).seller_ids)

    def test_malformed_rows_are_logged_and_the_rest_imports(self):
        good = self._payloads(110, 113)
        bad_price = self._payloads(113, 114)[0]
        bad_price["supplierItem"][0]["price"] = "twelve"
        no_puid = self._payloads(114, 115)[0]
        del no_puid["puid"]
        payloads = [
            good[0],
            bad_price,
            "{not json",
            no_puid,
            42,
            json.dumps(good[1]),
            BadRow("123", "cut off"),
            good[2],
        ]
        run = self._import_export(payloads, batch_size=3)
        self.assertEqual((run.state, run.created_count, run.error_count), ("partial", 4, 5), "bad offer: it alone lost")
        self.assertIn(
            "%s: an offer of product %s was not read: price is not a number: 'twelve'"
            % (bad_price["supplierItem"][0]["id"], bad_price["puid"]),
            run.error_log,
        )
        self.assertIn("not a product in JSON", run.error_log)
        self.assertIn("missing or malformed product id", run.error_log)
        self.assertIn("a product is not an object", run.error_log)
        self.assertIn("123: cut off", run.error_log)
        self.assertEqual(run.export_position, len(payloads))

    def test_one_hostile_offer_value_costs_that_offer_only(self):
        """Issue 16: five products, the fifth's offer carrying one value ITscope should never send. The other four
        import whole, the fifth without that offer, and the run names the offer and says why; nothing rolls back."""
        hostile = [
            ("price", "1e30"),
            ("price", "1e5000"),
            ("stock", "Infinity"),
            ("stock", "99999999999"),
            ("priceLastUpdate", "0001-01-01T00:00:00+01:00"),
            ("lastStockUpdate", "9999-12-31T23:59:59-05:00"),
        ]
        for index, (key, value) in enumerate(hostile):
            with self.subTest(key=key, value=value):
                payloads = self._payloads(200 + 5 * index, 205 + 5 * index)
                bad_offer = self._imported_offers(payloads[4])[0]
                bad_offer[key] = value
                run = self._import_export(payloads, full=False, batch_size=5)
                self.assertEqual((run.state, run.created_count, run.error_count), ("partial", 5, 1), run.error_log)
                self.assertIn(
                    "%s: an offer of product %s was not read" % (bad_offer["id"], payloads[4]["puid"]), run.error_log
                )
                for payload in payloads[:4]:
                    self.assertEqual(
                        sorted(self._template(payload).seller_ids.mapped("itscope_offer_id")),
                        sorted(str(offer["id"]) for offer in self._imported_offers(payload)),
                    )
                self.assertNotIn(
                    str(bad_offer["id"]), self._template(payloads[4]).seller_ids.mapped("itscope_offer_id")
                )

    def test_an_interactive_import_logs_the_offers_it_could_not_read(self):
        payload = copy.deepcopy(self._payload_with_offer(160))
        good = self._imported_offers(payload)[0]
        bad = dict(good, id=good["id"] + 7_000_000, stock="1e5000")
        payload["supplierItem"].append(bad)
        run = self._import([payload])
        self.assertEqual((run.state, run.created_count, run.error_count), ("partial", 1, 1))
        reason = "an offer of product %s was not read: stock is out of range" % payload["puid"]
        self.assertIn("%s: %s" % (bad["id"], reason), run.error_log)
        offers = self._template(payload).seller_ids.mapped("itscope_offer_id")
        self.assertIn(str(good["id"]), offers)
        self.assertNotIn(str(bad["id"]), offers)

    def test_unmapped_distributor_is_noted_once(self):
        payloads = self._payloads(115, 160)
        self.assertTrue(
            any(str(i["supplierId"]) == self.unmapped.itscope_id for p in payloads for i in p["supplierItem"])
        )
        run = self._import_export(payloads, batch_size=5)
        lines = [line for line in run.note_log.splitlines() if line.startswith(self.unmapped.itscope_id + ":")]
        self.assertEqual(len(lines), 1)
        self.assertIn("KOMSA AG", lines[0])
        self.assertEqual((run.state, run.error_count, run.error_log), ("done", 0, False), "a note is no error")

    def test_accessories_are_linked_once_they_exist(self):
        payload = next(p for p in self.catalogue.products(1, 200) if len(p.get("accessory") or ()) >= 2)
        references = [str(a["referencedProductId"]) for a in payload["accessory"]]
        self._import([payload])
        template = self._template(payload)
        self.assertEqual(template.itscope_accessory_puids, " ".join(references))
        self.assertFalse(template.itscope_accessory_ids)
        accessories = [self.catalogue.product(int(puid)) for puid in references]
        self._import(accessories)
        self.assertEqual(sorted(template.itscope_accessory_ids.mapped("itscope_puid")), sorted(references))
        own = self.env["product.template"].create({"name": "Own cable"})  # no ITscope product: its link stays
        template.itscope_accessory_ids |= own

        fewer = copy.deepcopy(payload)
        fewer["accessory"] = payload["accessory"][:1]
        self._import_export([fewer])
        self.assertEqual(
            sorted(template.itscope_accessory_ids.mapped(lambda product: product.itscope_puid or "own")),
            sorted([references[0], "own"]),
        )

        without = copy.deepcopy(payload)
        del without["accessory"]
        self._import_export([without])
        self.assertEqual(template.itscope_accessory_ids, own)

    # ------------------------------------------------------------
    # Export files, resuming, companies
    # ------------------------------------------------------------

    def test_resumed_import_ends_like_an_uninterrupted_one(self):
        payloads = [json.dumps(p) for p in self._payloads(160, 190)]
        decoded = [json.loads(p) for p in payloads]
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            run = self._import_export(payloads, batch_size=8)
            self.assertEqual(run.created_count, 30)
            reference = self._state(decoded)
            raise _Rollback
        self.env.invalidate_all()
        self.assertFalse(self._state(decoded))

        run = self._export_run()
        self.importer._import_export_batch(run, iter(payloads), batch_size=8)
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():  # the second batch dies half-way
            self.importer._import_export_batch(run, iter(payloads[8:]), batch_size=8)
            raise _Rollback
        self.env.invalidate_all()
        self.assertEqual(run.export_position, 8)
        while run.state == "running":  # every batch after a restart reads the export again up to the checkpoint
            self.importer._import_export_batch(run, itertools.islice(iter(payloads), run.export_position, None), 8)
        self.assertEqual((run.state, run.created_count), ("done", 30))
        self.assertEqual(self._state(decoded), reference)
        self.assertEqual(self.Template.search_count([("itscope_puid", "in", [str(p["puid"]) for p in decoded])]), 30)

    def test_cron_imports_export_files_in_every_format(self):
        """An attachment in each ITscope format goes through the cron; a restart between batches resumes."""
        ranges = {"json": (0, 12), "xml": (12, 24), "csv": (24, 36)}
        for form, (start, stop) in ranges.items():
            with self.subTest(form=form):
                products = self._payloads(start, stop)
                body = b"".join(export_chunks(form, "standard", products))
                attachment = self.env["ir.attachment"].create({"name": "export." + form, "raw": body})
                run = self.importer._start_export_import(self.company, attachment)
                self.importer._import_export_batch(run, batch_size=5)
                itscope_catalogue_importer._OPEN_EXPORTS.clear()  # as if the worker restarted
                self.importer._cron_itscope_import_exports()
                self.assertEqual((run.state, run.created_count, run.export_position), ("done", 12, 12), run.error_log)
                self.assertEqual(
                    len(self.Template.search([("itscope_puid", "in", [str(p["puid"]) for p in products])])), 12
                )

    def test_companies_keep_their_own_offers(self):
        company_b = self.env["res.company"].create({"name": "ITscope Company B", "currency_id": self.eur.id})
        self._connect(company_b)
        self.env["itscope.master.data"]._sync(company_b)
        self.Distributor.search([("company_id", "=", company_b.id)]).action_create_vendor()
        company_b.itscope_price_source = "price_calc"
        payloads = self._payloads(190, 200)
        self._import(payloads)
        run_b = self._import(payloads, company=company_b)
        self.assertEqual(run_b.created_count, 0, "the products exist: company B adds its offers to them")

        Supplierinfo = self.env["product.supplierinfo"]
        payload = self._payload_with_offer(190)
        template = self._template(payload)
        offers_a = Supplierinfo.search([("product_tmpl_id", "=", template.id), ("company_id", "=", self.company.id)])
        offers_b = Supplierinfo.search([("product_tmpl_id", "=", template.id), ("company_id", "=", company_b.id)])
        self.assertEqual(sorted(offers_a.mapped("itscope_offer_id")), sorted(offers_b.mapped("itscope_offer_id")))
        for item in self._imported_offers(payload):
            [offer_a] = offers_a.filtered(lambda s, item=item: s.itscope_offer_id == str(item["id"]))
            [offer_b] = offers_b.filtered(lambda s, item=item: s.itscope_offer_id == str(item["id"]))
            self.assertEqual((offer_a.price, offer_b.price), (item["price"], item["priceCalc"]))

        self._age(template)
        dates_b = {offer.id: offer.write_date for offer in offers_b}
        changed = copy.deepcopy(payload)
        self._imported_offers(changed)[0]["price"] += 5
        self._import([changed])
        self.assertEqual({offer.id: offer.write_date for offer in offers_b}, dates_b, "company A's import")

        user_b = self._create_user("catalogue_b", ["purchase.group_purchase_user"], company=company_b)
        visible = Supplierinfo.with_user(user_b).search([("product_tmpl_id", "=", template.id)])
        self.assertEqual(visible, offers_b)


@tagged("post_install", "-at_install")
class TestItscopeImages(ItscopeCase):
    """The image download against a tiny local server that also answers oversized, non-image and broken files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        buffer = io.BytesIO()
        Image.new("RGB", (8, 6), "teal").save(buffer, "PNG")
        routes = {
            "/ok.png": ("image/png", buffer.getvalue(), True),
            "/huge.png": ("image/png", b"\0" * (3 * 1024 * 1024), True),
            "/huge-unannounced.png": ("image/png", b"\0" * (3 * 1024 * 1024), False),
            "/page": ("text/html", b"<html></html>", True),
            "/broken.png": ("image/png", b"not an image", True),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                content_type, body, announce = routes.get(self.path, ("text/plain", b"", True))
                self.send_response(200 if self.path in routes else 404)
                self.send_header("Content-Type", content_type)
                if announce:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(thread.join, 5)
        cls.addClassCleanup(server.server_close)
        cls.addClassCleanup(server.shutdown)
        cls.base_url = "http://127.0.0.1:%d" % server.server_port
        cls.routes = routes

    def test_pending_images_are_downloaded_within_bounds(self):
        templates = self.env["product.template"].create(
            [
                {"name": path, "itscope_image_url": self.base_url + path, "itscope_image_pending": True}
                for path in [*self.routes, "/missing.png"]
            ]
        )
        self.env["product.template"]._cron_itscope_fetch_images()
        with_image = templates.filtered("image_1920")
        self.assertEqual(with_image.mapped("name"), ["/ok.png"])
        self.assertEqual(Image.open(io.BytesIO(base64.b64decode(with_image.image_1920))).size, (8, 6))
        self.assertFalse(any(templates.mapped("itscope_image_pending")))
