"""The ways into the catalogue that people use: the "Add from ITscope" wizard and ITscope exports."""

import base64
import io
import zipfile

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..itscope.sandbox.catalogue import catalogue_for
from ..itscope.sandbox.products import EXPORTS
from .common import ItscopeCase

EXPORT_IDS = {(view, form): export_id for export_id, (view, form) in EXPORTS.items()}


@tagged("post_install", "-at_install")
class TestCatalogueWaysIn(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        assert cls.env["itscope.master.data"]._sync(cls.company).state == "done"
        cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)]).action_create_vendor()
        cls.Template = cls.env["product.template"]

    def setUp(self):
        super().setUp()
        self.sandbox.lift_block()

    def _wizard(self, search_by, query):
        return self.env["itscope.product.search"].create({"search_by": search_by, "query": query})

    def _run_export(self, run):
        while run.state == "running":
            self.env["itscope.catalogue.importer"]._import_export_batch(run, batch_size=40)
        return run

    def test_search_by_keywords_lists_offers_and_imports_the_selection(self):
        wizard = self._wizard("keywords", "Notebook")
        wizard.action_search()
        self.assertTrue(wizard.line_ids, wizard.message)
        self.assertLessEqual(len(wizard.line_ids), 50, "one page of ITscope results")
        line = wizard.line_ids[0]
        self.assertTrue(line.offers and line.best_price > 0)
        self.assertIn('class="o_itscope_offer ', line.offers)
        line.selected = True
        action = wizard.action_import()
        template = self.Template.browse(action["domain"][0][2])
        self.assertEqual(template.itscope_puid, line.puid)
        self.assertTrue(template.seller_ids)
        # The product is known now: the next search says so.
        wizard = self._wizard("ids", line.puid)
        wizard.action_search()
        self.assertEqual(wizard.line_ids.product_tmpl_id, template)

    def test_search_by_ean_and_pasted_ids(self):
        products = list(self.catalogue.products(0, 60))
        wizard = self._wizard("ean", products[3]["ean"])
        wizard.action_search()
        self.assertEqual(wizard.line_ids.mapped("puid"), [str(products[3]["puid"])])
        ids = "\n".join(str(p["puid"]) for p in products[:55])
        wizard = self._wizard("ids", ids + ", " + str(products[0]["puid"]))
        wizard.action_search()
        self.assertEqual(len(wizard.line_ids), 55, "duplicates dropped, 55 ids fetched in two calls")
        self.assertEqual(len(self.sandbox.api_requests("/products/ids/")) % 2, 0)

    def test_bad_ids_and_empty_results_are_said_plainly(self):
        with self.assertRaisesRegex(UserError, "not: abc"):
            self._wizard("ids", "123000, abc").action_search()
        wizard = self._wizard("keywords", "zzzz-nothing-like-this")
        wizard.action_search()
        self.assertFalse(wizard.line_ids)
        self.assertIn("found nothing", wizard.message)
        with self.assertRaisesRegex(UserError, "Select at least one"):
            wizard.action_import()

    def test_blocked_itscope_is_a_clear_error(self):
        self.sandbox.config.rate_limit = 0
        try:
            with self.assertRaisesRegex(UserError, "blocked requests from this server"):
                self._wizard("keywords", "Notebook").action_search()
        finally:
            self.sandbox.config.rate_limit = 600

    def test_export_from_itscope_is_downloaded_and_imported(self):
        export = self.env["itscope.export"].create(
            {"name": "Everything", "export_ref": EXPORT_IDS[("standard", "csv")]}
        )
        export.action_import_now()
        self.assertTrue(export.import_requested)
        self.env["itscope.export"]._cron_itscope_download_exports()
        run = self._run_export(export.last_run_id)
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        self.assertFalse(export.import_requested)
        self.assertEqual(self.Template.search_count([("itscope_puid", "!=", False)]), self.catalogue.size)
        self.assertTrue(run.export_attachment_id.store_fname, "streamed into the file store")
        # A full export is due again only after a day.
        self.assertFalse(self.env["itscope.export"].search(self.env["itscope.export"]._due_domain()))

    def test_csv_export_in_itscopes_own_layout_fills_the_vendor_price_lines(self):
        """ITscope's standard CSV export as live accounts deliver it (tab-separated, offers linked by ``productId``,
        attributes flattened into product.csv) imports end to end: each offer becomes a vendor price line with its
        distributor, price, SKU and stock."""
        url = "%s/products/exports/%s?products=20" % (self.sandbox_url, EXPORT_IDS[("standard", "csv")])
        export = self.env["itscope.export"].create({"name": "CSV", "export_ref": url})
        run = self._run_export(export._itscope_download_and_import())
        self.assertEqual((run.state, run.created_count), ("done", 20), run.failure or run.error_log)
        with zipfile.ZipFile(io.BytesIO(run.export_attachment_id.raw)) as archive:
            self.assertTrue(archive.read("supplierItem.csv").startswith(b"productId\tid\t"))
            self.assertNotIn("attribute.csv", archive.namelist())
        vendors = {
            distributor.itscope_id: distributor.partner_id
            for distributor in self.env["itscope.distributor"].search([("company_id", "=", self.company.id)])
        }
        lines = 0
        for product in self.catalogue.products(0, 20):
            template = self.Template.search([("itscope_puid", "=", str(product["puid"]))])
            attributes = "\n".join("%s: %s" % (a["attributeTypeName"], a["displayValue"]) for a in product["attribute"])
            self.assertEqual(template.itscope_attributes, attributes)
            lines_by_offer = {line.itscope_offer_id: line for line in template.seller_ids}
            for item in product["supplierItem"]:
                if item["conditionId"] != 1:  # the company takes new goods only
                    continue
                self.assertRecordValues(
                    lines_by_offer[str(item["id"])],
                    [
                        {
                            "partner_id": vendors[str(item["supplierId"])].id,
                            "price": item["price"],
                            "product_code": item["supplierSKU"],
                            "itscope_stock": item["stock"],
                            "itscope_stock_status": str(item["stockStatus"]),
                            "itscope_available": True,
                        }
                    ],
                )
                lines += 1
        self.assertGreater(lines, 20)

    def test_export_by_share_url_and_a_failed_download(self):
        url = "%s/products/exports/%s?products=30" % (self.sandbox_url, EXPORT_IDS[("standard", "json")])
        export = self.env["itscope.export"].create({"name": "Shared", "export_ref": url})
        run = self._run_export(export._itscope_download_and_import())
        self.assertEqual((run.state, run.created_count), ("done", 30))
        missing = self.env["itscope.export"].create(
            {"name": "Gone", "export_ref": "5a9d1000-c0de-4e57-8a7e-00000000dead"}
        )
        run = missing._itscope_download_and_import()
        self.assertEqual(run.state, "failed")
        self.assertIn("could not be downloaded", run.failure)
        with self.assertRaises(ValidationError):
            self.env["itscope.export"].create({"name": "Typo", "export_ref": "not-an-export"})

    def test_uploaded_file_is_imported(self):
        from ..itscope.sandbox.products import export_chunks

        data = b"".join(export_chunks("xml", "standard", self.catalogue.products(0, 12)))
        wizard = self.env["itscope.export.import"].create(
            {"source": "file", "file": base64.b64encode(data), "filename": "export.xml"}
        )
        action = wizard.action_import()
        run = self._run_export(self.env["itscope.sync.run"].browse(action["res_id"]))
        self.assertEqual((run.state, run.created_count), ("done", 12))
