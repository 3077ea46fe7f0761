from odoo import Command
from odoo.tests import tagged

from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestBestSource(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        distributors = cls.env["itscope.distributor"].search(
            [("company_id", "=", cls.company.id), ("partnered", "=", True)], limit=3
        )
        distributors.action_create_vendor()
        cls.a, cls.b, cls.c = distributors.partner_id
        unpartnered = cls.env["itscope.distributor"].search(
            [("company_id", "=", cls.company.id), ("partnered", "=", False)], limit=1
        )
        unpartnered.action_create_vendor()
        cls.outsider = unpartnered.partner_id

    @classmethod
    def _offered_product(cls, name, offers):
        """``offers``: [(vendor, price, stock, availability code)] as ITscope offers of the company."""
        return cls.env["product.product"].create(
            {
                "name": name,
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": vendor.id,
                            "price": price,
                            "product_code": "%s-%s" % (name, vendor.id),
                            "company_id": cls.company.id,
                            "itscope_offer_id": "%s%s" % (vendor.id, name),
                            "itscope_available": True,
                            "itscope_stock": stock,
                            "itscope_stock_status": status,
                        }
                    )
                    for vendor, price, stock, status in offers
                ],
            }
        )

    def _proposal(self, order):
        action = order.action_itscope_best_source()
        return self.env["itscope.best.source"].browse(action["res_id"])

    def test_cheapest_in_stock_then_best_availability(self):
        cheap_but_short = self._offered_product(
            "P1", [(self.a, 90, 2, "1"), (self.b, 100, 50, "1"), (self.outsider, 10, 99, "1")]
        )
        nobody_has_it = self._offered_product("P2", [(self.a, 50, 0, "4"), (self.c, 60, 0, "3"), (self.b, 40, 0, "2")])
        wizard = self._proposal(self._order([(cheap_but_short, 5), (nobody_has_it, 1)], partner=self.a))
        first, second = wizard.line_ids
        self.assertEqual(first.partner_id, self.b, "A has too few, the outsider is no partner: B")
        self.assertEqual(second.partner_id, self.c, "at the pre-supplier beats in transit and order-related")
        self.assertIn("availability", second.reason)

    def test_three_distributors_split_into_three_rfqs(self):
        products = [
            self._offered_product("A-best", [(self.a, 10, 9, "1"), (self.b, 20, 9, "1")]),
            self._offered_product("B-best", [(self.a, 30, 9, "1"), (self.b, 20, 9, "1")]),
            self._offered_product("C-best", [(self.c, 5, 9, "1"), (self.b, 20, 9, "1")]),
            self._offered_product("C-too", [(self.c, 7, 9, "1")]),
        ]
        order = self._order([(product, 1) for product in products], partner=self.a)
        action = self._proposal(order).action_apply()
        orders = self.env["purchase.order"].browse(action["domain"][0][2])
        self.assertEqual(len(orders), 3)
        by_vendor = {o.partner_id: o.order_line.product_id.mapped("name") for o in orders}
        self.assertEqual(by_vendor, {self.a: ["A-best"], self.b: ["B-best"], self.c: ["C-best", "C-too"]})
        self.assertIn(order, orders, "the original RFQ keeps its vendor's lines")
        self.assertEqual(orders.order_line.mapped("price_unit"), [10.0, 20.0, 5.0, 7.0])
        new = orders - order
        self.assertEqual(set(new.mapped("origin")), {order.name})
        c_lines = new.filtered(lambda o: o.partner_id == self.c).order_line
        self.assertTrue(all(line.name.startswith("[C-") for line in c_lines))

    def test_split_rfq_gets_the_customer_account_of_its_distributor(self):
        """The RFQ split off for another distributor orders with that distributor's customer account, so it can be
        confirmed like the original."""
        products = [
            self._offered_product("A-only", [(self.a, 10, 9, "1")]),
            self._offered_product("B-only", [(self.b, 10, 9, "1")]),
        ]
        order = self._order([(product, 1) for product in products], partner=self.a)
        orders = self.env["purchase.order"].browse(self._proposal(order).action_apply()["domain"][0][2])
        self.assertEqual(len(orders), 2)
        for rfq in orders:
            distributor = rfq.itscope_distributor_id
            expected = distributor.order_account_number or distributor.customer_account_number
            self.assertTrue(expected, "the sandbox's partnered distributors have an account")
            self.assertEqual(rfq.itscope_customer_account, expected, rfq.partner_id.name)
            problems = self.env["itscope.order.exchange"]._order_problems(rfq)
            self.assertFalse([problem for problem in problems if "customer account" in problem], problems)
