"""Follow-up where purchasers look (issue 15 items 7, 9, 10, 11): the distributor's form, what the distributor
answered on the order, warnings before Confirm, and Add from ITscope without surprises."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..itscope.products import read_product
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestPurchaserViews(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()

    # ------------------------------------------------------------
    # Item 7: the distributor is a form of its own
    # ------------------------------------------------------------

    def test_vendor_smart_button_opens_the_distributors_form(self):
        action = self.vendor.action_itscope_open_distributors()
        self.assertEqual((action["res_model"], action["res_id"]), ("itscope.distributor", self.distributor.id))
        self.assertEqual(action["views"], [(False, "form")])
        arch = self.env["itscope.distributor"].get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertNotIn("editable=", arch, "the list opens the form instead of editing in place")
        form = self.env["itscope.distributor"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("partial_shipment_allowed", "shipping_cost", "deeplink", "customer_account_number"):
            self.assertIn('name="%s"' % name, form)

    # ------------------------------------------------------------
    # Item 9: what the distributor answered, where Odoo users look
    # ------------------------------------------------------------

    def test_order_response_fills_vendor_reference_and_confirmed_date(self):
        self._confirm_lifecycle_order()
        self._follow(6)
        order = self.order
        self.assertTrue(order.itscope_supplier_order_id)
        self.assertEqual(order.partner_ref, order.itscope_supplier_order_id)
        line = self.lines[self.serialized]
        self.assertTrue(line.itscope_confirmed_date)
        self.assertEqual(line.itscope_confirmed_date, line.date_planned)
        self.assertEqual(line.itscope_confirmed_qty, line.product_qty)

    def test_order_response_keeps_the_buyers_own_vendor_reference(self):
        self._confirm_lifecycle_order()
        self.order.partner_ref = "ANGEBOT-77"
        self._follow(6)
        self.assertTrue(self.order.itscope_supplier_order_id)
        self.assertEqual(self.order.partner_ref, "ANGEBOT-77")

    def test_tracking_on_the_order_and_document_summaries(self):
        self._confirm_lifecycle_order()
        self._follow(125)
        receipts = self.order.picking_ids.filtered("itscope_tracking_ref")
        self.assertTrue(receipts)
        self.assertEqual(
            self.order.itscope_tracking_ref, ", ".join(receipts.sorted("id").mapped("itscope_tracking_ref"))
        )
        self.assertTrue(self.order.itscope_tracking_url.startswith("https://"))
        self.assertIn(self.order.itscope_tracking_url, receipts.mapped("itscope_tracking_url"))

        documents = self.order.itscope_document_ids.with_context(lang="de_DE")
        invoice = documents.filtered(lambda document: document.doc_type == "INVOICE")
        summary = str(invoice.summary)
        self.assertIn("Rechnung", summary, "the type in the reader's language")
        self.assertIn(self.serialized.seller_ids[0].product_code, summary, "each line's SKU")
        self.assertIn(self.order.currency_id.symbol, summary, "amounts with their currency")
        self.assertRegex(summary, r"\d,\d\d", "and a decimal comma, as German writes them")
        dispatch = documents.filtered(lambda document: document.doc_type == "DISPATCHNOTIFICATION")[:1]
        shipments = self.order.itscope_tracking_ref.split(", ")
        self.assertTrue([shipment for shipment in shipments if shipment in str(dispatch.summary)])

    def test_status_column_is_shown_in_the_order_list(self):
        purchase_orders = self.env.ref("purchase.purchase_order_view_tree")
        arch = self.env["purchase.order"].get_views([(purchase_orders.id, "list")])["views"]["list"]["arch"]
        self.assertRegex(arch, r'<field name="itscope_status"[^>]*optional="show"')

    # ------------------------------------------------------------
    # Item 10: warnings before Confirm
    # ------------------------------------------------------------

    def test_rfq_warns_as_soon_as_a_problem_appears(self):
        no_sku = self.env["product.product"].create(
            {"name": "Cable without SKU", "seller_ids": [Command.create({"partner_id": self.vendor.id, "price": 5})]}
        )
        offered = self._product(self.offers[1][1])
        offered.seller_ids.write({"itscope_offer_id": "offer-%s" % self.offers[1][1]["id"], "itscope_available": True})
        with Form(self.env["purchase.order"]) as rfq:
            rfq.partner_id = self.vendor
            with rfq.order_line.new() as line:
                line.product_id = offered
            self.assertFalse(rfq.itscope_warning, "an RFQ ITscope can take has no warning")
            with rfq.order_line.new() as line:
                line.product_id = no_sku
            self.assertIn("has no SKU for Cable without SKU", rfq.itscope_warning)
            self.assertIn("has no ITscope offer for Cable without SKU", rfq.itscope_warning)
            rfq.itscope_customer_account = False
            self.assertIn("You have no customer account at", rfq.itscope_warning)
        order = rfq.save()
        self.assertTrue(order.itscope_warning)
        order.order_line.filtered(lambda line: line.product_id == no_sku).unlink()
        order.itscope_customer_account = "TEST-4711"
        self.assertFalse(order.itscope_warning)

    # ------------------------------------------------------------
    # Item 11: Add from ITscope
    # ------------------------------------------------------------

    def test_add_from_itscope_selects_nothing_and_never_reimports(self):
        product = next(iter(self.catalogue.products(0, 1)))
        wizard = self.env["itscope.product.search"].create({"search_by": "ids", "query": str(product["puid"])})
        wizard.action_search()
        self.assertFalse(wizard.line_ids.filtered("selected"), "nothing is ticked")
        wizard.line_ids.selected = True
        templates = self.env["product.template"].browse(wizard.action_import()["domain"][0][2])
        self.assertEqual(templates.itscope_puid, str(product["puid"]))

        again = self.env["itscope.product.search"].create({"search_by": "ids", "query": str(product["puid"])})
        action = again.action_search()
        self.assertEqual(action["context"]["dialog_size"], "extra-large")
        self.assertEqual(again.line_ids.product_tmpl_id, templates, "marked as already in Odoo")
        again.line_ids.selected = True
        with self.assertRaisesRegex(UserError, "already in Odoo are not imported"):
            again.action_import()

    def test_offers_grid_in_the_users_language(self):
        product = next(
            product
            for product in self.catalogue.products(0, 50)
            if any(item.get("stockStatus") == 1 and item.get("price") for item in product["supplierItem"])
        )
        wizard = (
            self.env["itscope.product.search"]
            .with_context(lang="de_DE")
            .create({"search_by": "ids", "query": str(product["puid"])})
        )
        wizard.action_search()
        offers = str(wizard.line_ids.offers)
        self.assertEqual(offers.count('class="o_itscope_offer '), len(read_product(product).offers))
        self.assertIn("Auf Lager", offers)
        self.assertNotIn("In stock", offers)
        self.assertIn("text-bg-success", offers)
        self.assertRegex(offers, r"\d,\d\d\xa0€", "prices as German writes them")
