"""The purchaser's ITscope quote and cart flows in the browser (Odoo tours in headless Chromium) against the
sandbox: a quote becomes RFQs, and an RFQ goes to a cart and comes back split as ITscope optimised it."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from ..itscope.sandbox.catalogue import catalogue_for
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox
from .test_carts import cheaper_elsewhere, import_picks


@tagged("post_install", "-at_install")
class TestQuoteCartTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls)
        cls.company = cls.env.company
        cls.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        distributors = cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)])
        distributors.action_create_vendor()
        cls.vendor_of = {int(distributor.itscope_id): distributor.partner_id for distributor in distributors}
        cls.partnered = {int(distributor.itscope_id) for distributor in distributors if distributor.partnered}

    def test_quote_to_rfqs(self):
        run = self.env["itscope.quote"]._itscope_sync(self.company)
        self.assertEqual(run.state, "done", run.failure)
        self.start_tour("/odoo/action-itscope_connector.action_itscope_quote", "itscope_quote_tour", login="admin")
        quote = self.env["itscope.quote"].search([("status", "=", "DRAFT")])
        self.assertEqual(len(quote.purchase_ids), 2)
        self.assertEqual(len(quote.purchase_ids.partner_id), 2)
        self.assertTrue(all(quote.line_ids.mapped("purchase_line_id")))

    def test_rfq_to_cart_and_back_optimised(self):
        picks = cheaper_elsewhere(catalogue_for(self.sandbox), self.partnered)
        import_picks(self.env, self.company, picks)
        variants = {
            product["puid"]: self.env["product.template"]
            .search([("itscope_puid", "=", str(product["puid"]))])
            .product_variant_id
            for product, _dear, _cheap in picks
        }
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor_of[picks[0][1]["supplierId"]].id,
                "order_line": [
                    Command.create({"product_id": variants[product["puid"]].id, "product_qty": 2})
                    for product, _d, _c in picks
                ],
            }
        )
        self.start_tour("/odoo/action-purchase.purchase_rfq/%d" % order.id, "itscope_cart_tour", login="admin")
        self.assertTrue(order.itscope_cart_id)
        orders = self.env["purchase.order"].search([("id", "=", order.id)]) | self.env["purchase.order"].search(
            [("origin", "=", order.name)]
        )
        for product, _dear, cheap in picks:
            [line] = orders.order_line.filtered(
                lambda line, product=product: line.product_id == variants[product["puid"]]
            )
            self.assertEqual(line.order_id.partner_id, self.vendor_of[cheap["supplierId"]])
        self.assertEqual(len(orders), len(orders.partner_id))
