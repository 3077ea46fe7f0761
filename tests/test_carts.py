"""An RFQ's round trip through an ITscope cart in real Odoo against the sandbox: sent (and sent again: refilled, not
doubled), optimised by ITscope, and brought back as the proposal that splits the RFQ by distributor."""

import time

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..itscope.sandbox.app import Fault
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestCarts(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        distributors = cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)])
        distributors.filtered(lambda distributor: not distributor.partner_id).action_create_vendor()
        cls.vendor_of = {int(distributor.itscope_id): distributor.partner_id for distributor in distributors}
        cls.partnered = {int(d.itscope_id) for d in distributors if d.partnered}
        cls.picks = cheaper_elsewhere(cls.catalogue, cls.partnered)
        import_picks(cls.env, cls.company, cls.picks)
        cls.Template = cls.env["product.template"]

    def setUp(self):
        super().setUp()
        self.sandbox.state.pop("carts", None)
        self.sandbox.faults.clear()

    def _variant(self, product):
        return self.Template.search([("itscope_puid", "=", str(product["puid"]))]).product_variant_id

    def _rfq_at_the_dearest(self):
        """An RFQ to the distributor of the first pick's dearest offer, with every pick on it (2 each)."""
        first_vendor = self.vendor_of[self.picks[0][1]["supplierId"]]
        return self._order([(self._variant(product), 2) for product, _dear, _cheap in self.picks], partner=first_vendor)

    def _cart(self, order):
        return self.sandbox.state["carts"].carts[order.itscope_cart_id]

    def test_a_cart_round_trip_with_optimisation_splits_the_rfq_by_distributor(self):
        order = self._rfq_at_the_dearest()
        message = order.action_itscope_send_to_cart()["params"]["message"]
        self.assertIn("4 lines are in ITscope cart", message)
        cart = self._cart(order)
        self.assertEqual(cart.name, order.name)
        self.assertTrue(order.itscope_cart_link.endswith(order.itscope_cart_id))
        self.assertEqual(
            [(item.puid, item.quantity, item.customer_order_reference) for item in cart.items],
            [
                (product["puid"], 2, line._itscope_line_item_id())
                for (product, _dear, _cheap), line in zip(self.picks, order.order_line, strict=True)
            ],
        )
        # The vendor's own offer goes in as it is; a product the vendor does not offer, to ITscope's choice.
        first_dear = self.picks[0][1]
        self.assertEqual(
            (cart.items[0].supplier_id, cart.items[0].sku), (first_dear["supplierId"], first_dear["supplierSKU"])
        )
        self.assertTrue(all(item.supplier_id in self.partnered for item in cart.items))

        # Sent again after a change: the same cart, refilled.
        order.order_line[0].product_qty = 3
        order.action_itscope_send_to_cart()
        self.assertEqual(list(self.sandbox.state["carts"].carts), ["pool", order.itscope_cart_id])
        self.assertEqual([item.quantity for item in self._cart(order).items], [3, 2, 2, 2])

        action = order.action_itscope_optimise_cart()
        wizard = self.env["itscope.best.source"].browse(action["res_id"])
        self.assertEqual(wizard.proposed_by, "itscope_cart")
        cheapest = {product["puid"]: cheap for product, _dear, cheap in self.picks}
        for proposal in wizard.line_ids:
            cheap = cheapest[int(proposal.product_id.itscope_puid)]
            self.assertEqual(proposal.partner_id, self.vendor_of[cheap["supplierId"]], proposal.reason)
            self.assertEqual(proposal.supplierinfo_id.product_code, cheap["supplierSKU"])
            self.assertIn("ITscope", proposal.reason)

        result = wizard.action_apply()
        orders = self.env["purchase.order"].search(result["domain"])
        self.assertEqual(set(orders.partner_id), {self.vendor_of[cheap["supplierId"]] for cheap in cheapest.values()})
        self.assertEqual(len(orders), len(set(orders.partner_id)))
        for line in orders.order_line:
            cheap = cheapest[int(line.product_id.itscope_puid)]
            self.assertEqual(line.order_id.partner_id, self.vendor_of[cheap["supplierId"]])
            self.assertEqual(line.itscope_supplier_sku, cheap["supplierSKU"])
        self.assertEqual(sum(orders.order_line.mapped("product_qty")), 9)

    def test_lines_that_cannot_go_to_a_cart_are_named(self):
        plain = self.product  # made with the ORM: no ITscope id
        order = self._order([(self._variant(self.picks[0][0]), 1.5), (plain, 1), (self._variant(self.picks[1][0]), 1)])
        message = order.action_itscope_send_to_cart()["params"]["message"]
        self.assertIn("1 lines are in ITscope cart", message)
        self.assertIn("ITscope takes whole quantities above 0, not 1.5", message)
        self.assertIn("%s is no ITscope product" % plain.display_name, message)
        with self.assertRaisesRegex(UserError, "can go to an ITscope cart"):
            self._order([(plain, 1)]).action_itscope_send_to_cart()

    def test_optimising_needs_a_cart_and_an_rfq(self):
        order = self._rfq_at_the_dearest()
        with self.assertRaisesRegex(UserError, "to an ITscope cart first"):
            order.action_itscope_optimise_cart()
        order.button_cancel()
        with self.assertRaisesRegex(UserError, "Only a request for quotation"):
            order.action_itscope_send_to_cart()

    def test_a_lost_answer_never_makes_a_second_cart(self):
        order = self._rfq_at_the_dearest()
        # The first cart call (the list, looking for a cart named after the RFQ) passes; the creation's answer is lost.
        self.sandbox.faults.extend(
            [
                Fault(path_contains="/business/carts"),
                Fault(path_contains="/business/carts", delay=1.5, after_handling=True),
            ]
        )
        with self._short_timeout(), self.assertRaisesRegex(UserError, "unknown"):
            order.action_itscope_send_to_cart()
        deadline = time.monotonic() + 5  # the sandbox logs the creation once its delayed answer is out
        while len(self.sandbox.api_requests("/business/carts")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([entry.method for entry in self.sandbox.api_requests("/business/carts")], ["GET", "POST"])
        self.assertFalse(order.itscope_cart_id)
        order.action_itscope_send_to_cart()
        named = [cart for cart in self.sandbox.state["carts"].carts.values() if cart.name == order.name]
        self.assertEqual(len(named), 1)
        self.assertEqual(order.itscope_cart_id, named[0].cart_id)
        self.assertEqual(len(named[0].items), 4)

    def test_a_cart_itscope_refuses_changes_nothing(self):
        order = self._rfq_at_the_dearest()
        self.sandbox.faults.append(
            Fault(path_contains="/cartlineitems", status=400, message="Artikel gesperrt", times=5)
        )
        with self.assertRaisesRegex(UserError, "Artikel gesperrt"):
            order.action_itscope_send_to_cart()
        self.assertFalse(order.itscope_cart_id)


def cheaper_elsewhere(catalogue, partnered, count=4):
    """``[(product, dearest offer, cheapest offer)]``: products several partners have in stock (3 at least), whose
    dearest and cheapest of those offers are new goods the company imports. Ordered from the dearest, ITscope's
    optimisation moves them to the cheapest."""
    picks = []
    for product in catalogue.products():
        offers = [
            item
            for item in product["supplierItem"]
            if item["supplierId"] in partnered and item.get("price") and item.get("stock", 0) >= 3
        ]
        if len(offers) < 2:
            continue
        dear, cheap = max(offers, key=_cheapest), min(offers, key=_cheapest)
        if all(item["conditionId"] == 1 and "contractTypeId" not in item for item in (dear, cheap)):
            picks.append((product, dear, cheap))
        if len(picks) == count:
            return picks
    raise AssertionError("the sandbox catalogue has too few products offered by several partners")


def import_picks(env, company, picks):
    """Import the picked products (with the offers of every mapped distributor) by their ITscope ids."""
    run = env["itscope.sync.run"]._run(
        company,
        "catalogue",
        lambda run: env["itscope.catalogue.importer"]._import_by_ids(
            company, [str(product["puid"]) for product, _dear, _cheap in picks], run
        ),
    )
    assert run.state in ("done", "partial"), run.failure


def _cheapest(item):
    return (item["price"], item["supplierId"])
