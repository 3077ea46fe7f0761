"""Where purchasers look, in a real browser (issue 15 items 7, 9, 10, 11): tours in headless Chromium."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from ..itscope.sandbox.catalogue import PARTNER_TEST_ID
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox

TRACKING = "1Z999AA10123456784"


@tagged("post_install", "-at_install")
class TestPurchaserTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls)
        cls.company = cls.env.company
        cls.company.write(
            {
                "itscope_account_id": SANDBOX_ACCOUNT,
                "itscope_api_key": SANDBOX_KEY,
                "itscope_base_url": url,
                "itscope_send_orders": True,
            }
        )
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.distributor = cls.env["itscope.distributor"].search(
            [("company_id", "=", cls.company.id), ("itscope_id", "=", str(PARTNER_TEST_ID))]
        )
        cls.distributor.action_create_vendor()

    def test_distributor_list_opens_its_form(self):
        self.start_tour(
            "/odoo/action-itscope_connector.action_itscope_distributor", "itscope_distributor_form_tour", login="admin"
        )
        self.assertTrue(self.distributor.partial_shipment_allowed)

    def test_add_from_itscope_dialog(self):
        search = self.env["itscope.product.search"].create({"search_by": "keywords", "query": "Notebook"})
        search.action_search()
        known = search.line_ids[0]
        known.selected = True
        search.action_import()
        self.start_tour("/odoo/action-purchase.purchase_rfq", "itscope_add_from_itscope_tour", login="admin")

    def test_warnings_status_and_tracking_where_purchasers_look(self):
        no_sku = self.env["product.product"].create(
            {
                "name": "Cable without SKU",
                "seller_ids": [Command.create({"partner_id": self.distributor.partner_id.id, "price": 5})],
            }
        )
        rfq = self.env["purchase.order"].create(
            {
                "partner_id": self.distributor.partner_id.id,
                "order_line": [Command.create({"product_id": no_sku.id, "product_qty": 1})],
            }
        )
        self.start_tour("/odoo/action-purchase.purchase_rfq/%s" % rfq.id, "itscope_rfq_warning_tour", login="admin")

        elsewhere = self.env["res.partner"].create({"name": "Local supplier", "is_company": True})
        storable = self.env["product.product"].create({"name": "Desk", "type": "consu", "is_storable": True})
        order = self.env["purchase.order"].create(
            {"partner_id": elsewhere.id, "order_line": [Command.create({"product_id": storable.id, "product_qty": 1})]}
        )
        order.button_confirm()
        order.picking_ids.write(
            {
                "itscope_tracking_ref": TRACKING,
                "itscope_tracking_url": "https://www.ups.com/track?tracknum=%s" % TRACKING,
                "itscope_carrier": "UPS",
            }
        )
        self.start_tour("/odoo/action-purchase.purchase_form_action", "itscope_order_list_tour", login="admin")
        self.start_tour(
            "/odoo/action-stock.action_picking_tree_all/%s" % order.picking_ids.id,
            "itscope_receipt_tracking_tour",
            login="admin",
        )
        self.start_tour(
            "/odoo/action-purchase.purchase_form_action/%s" % order.id, "itscope_order_tracking_tour", login="admin"
        )
