"""What the scheduled actions write for people is in their language, numbers in its format (issue 15 bug 6)."""

from odoo import Command
from odoo.tests import tagged

from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestPurchaserLanguage(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()
        cls.buyer = cls._create_user("einkauf", ["purchase.group_purchase_user"])
        cls.buyer.write({"lang": "de_DE", "email": "einkauf@example.com"})
        # A scheduled action runs without a language of its own.
        cls.cron_env = cls.env(context={"tracking_disable": True})

    def _messages(self, order):
        return " | ".join(order.message_ids.mapped("body"))

    def test_cron_chatter_in_the_buyers_language(self):
        order = self._order([(self.product, 1)], user_id=self.buyer.id)
        order.button_confirm()
        self._advance(5)
        self.cron_env["itscope.order.exchange"]._cron_itscope_sync_deals()
        self.cron_env["itscope.document"]._cron_itscope_fetch_documents()
        messages = self._messages(order)
        self.assertIn("ITscope-Status:", messages)
        self.assertNotIn("ITscope status:", messages)
        self.assertIn("Auftragsbestätigung des Distributors", messages)
        self.assertNotIn("Order response from the distributor", messages)

    def test_cron_chatter_in_the_companys_language_without_buyer(self):
        self.company.partner_id.lang = "de_DE"
        order = self._order([(self.product, 1)], user_id=False)
        order.button_confirm()
        self._advance(125)
        self.cron_env["itscope.order.exchange"]._cron_itscope_sync_deals()
        self.cron_env["itscope.document"]._cron_itscope_fetch_documents()
        self.assertTrue(order.invoice_ids, "the invoice became a draft bill")
        messages = self._messages(order)
        self.assertIn("Entwurf einer Lieferantenrechnung", messages)
        self.assertNotIn("Draft vendor bill created", messages)

    def test_best_source_reason_with_a_german_number(self):
        offered = self.env["product.product"].create(
            {
                "name": "Offered",
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": self.vendor.id,
                            "price": 10,
                            "product_code": "OFFERED-1",
                            "company_id": self.company.id,
                            "itscope_offer_id": "offered-1",
                            "itscope_available": True,
                            "itscope_stock": 9,
                            "itscope_stock_status": "1",
                        }
                    )
                ],
            }
        )
        order = self._order([(offered, 4)])
        [(_line, _offer, reason)] = order.with_context(lang="de_DE").order_line._itscope_best_sources()
        self.assertEqual(reason, "günstigster mit 4,00 auf Lager")

    def test_sync_run_activity_in_the_administrators_language(self):
        admin = self.env.ref("base.user_admin")
        admin.lang = "de_DE"
        self.company.itscope_api_key = "wrong-key"
        run = self.cron_env["itscope.master.data"]._sync(self.company)
        self.assertEqual(run.state, "failed")
        [activity] = run.activity_ids.filtered(lambda activity: activity.user_id == admin)
        self.assertTrue(activity.summary.startswith("ITscope-Synchronisierung muss geprüft werden"), activity.summary)
