from collections import Counter

from odoo import Command
from odoo.tests import tagged

from ..itscope.sandbox.catalogue import catalogue_for
from .common import ItscopeCase
from .test_price_refresh import import_catalogue

PRODUCTS = 80


@tagged("post_install", "-at_install")
class TestSourceWatch(ItscopeCase):
    """After each price refresh, open RFQ lines whose offer ran out of stock or rose in price, or that another
    partnered distributor now offers cheaper with stock, are flagged; the buyer gets one activity per RFQ; one click
    switches the line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offers = import_catalogue(cls.company, catalogue_for(cls.sandbox), PRODUCTS)
        cls.env["itscope.price.refresh"]._refresh(cls.company)  # the sandbox's current state, as the refresh reads it
        cls.partnered = (
            cls.env["itscope.distributor"]
            .search([("company_id", "=", cls.company.id), ("partnered", "=", True)])
            .partner_id
        )
        cls.buyer = cls._create_user("buyer", ["purchase.group_purchase_user"])

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _in_stock(self, offer):
        return offer.itscope_available and offer.itscope_stock >= 1

    def _better(self, offer):
        """The cheapest in-stock offer of another partnered distributor for ``offer``'s product, or an empty set."""
        others = self.offers.filtered(
            lambda other: (
                other.product_tmpl_id == offer.product_tmpl_id
                and other.partner_id != offer.partner_id
                and other.partner_id in self.partnered
                and self._in_stock(other)
            )
        )
        return others.sorted(lambda other: (other.price, other.id))[:1]

    def _own_offers(self, condition):
        """Offers that are their vendor's only offer of the product and meet ``condition``."""
        counts = Counter((offer.partner_id, offer.product_tmpl_id) for offer in self.offers)
        return self.offers.filtered(
            lambda offer: counts[offer.partner_id, offer.product_tmpl_id] == 1 and condition(offer)
        )

    def _rfq(self, lines, state="draft"):
        """An RFQ of the vendor of the offers in ``lines`` ([(offer, price_unit)]), one of each product."""
        order = self.env["purchase.order"].create(
            {
                "partner_id": lines[0][0].partner_id.id,
                "user_id": self.buyer.id,
                "currency_id": self.env.ref("base.EUR").id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": offer.product_tmpl_id.product_variant_id.id,
                            "product_qty": 1,
                            "price_unit": price,
                        }
                    )
                    for offer, price in lines
                ],
            }
        )
        if state != "draft":
            order.state = state
        return order

    def _line(self, order, offer):
        return order.order_line.filtered(lambda line: line.product_id.product_tmpl_id == offer.product_tmpl_id)

    def _touch_and_refresh(self, offers):
        """Make the refresh write ``offers`` again (their stock is put off by 1000 behind its back) and refresh."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_supplierinfo SET itscope_stock = itscope_stock + 1000 WHERE id = ANY(%s)", [offers.ids]
        )
        self.env.invalidate_all()
        run = self.env["itscope.price.refresh"]._refresh(self.company)
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        self.env.invalidate_all()

    def _warnings(self, order):
        return order.activity_ids.filtered(lambda activity: activity.summary.startswith("ITscope: a better source"))

    def _scenario(self):
        """One vendor's RFQ with a line whose price rose and a line cheaper elsewhere, and an RFQ of an offer that
        is out of stock."""
        undercut = self._own_offers(
            lambda offer: self._in_stock(offer) and self._better(offer) and self._better(offer).price < offer.price
        )
        pairs = (
            (cheaper, rising)
            for cheaper in undercut
            for rising in self._own_offers(
                lambda offer, cheaper=cheaper: (
                    offer.partner_id == cheaper.partner_id
                    and offer.product_tmpl_id != cheaper.product_tmpl_id
                    and self._in_stock(offer)
                    and not (self._better(offer) and self._better(offer).price < offer.price)
                )
            )
        )
        cheaper, rising = next(pairs, (None, None))
        self.assertTrue(cheaper, "the sandbox's catalogue has a vendor undercut on one product and not on another")
        empty = self._own_offers(
            lambda offer: offer.itscope_available and offer.itscope_stock <= 0 and self._better(offer)
        )
        self.assertTrue(empty, "the sandbox's catalogue has offers out of stock that another distributor has")
        order = self._rfq([(cheaper, cheaper.price), (rising, rising.price - 1)])
        out_of_stock = self._rfq([(empty[0], empty[0].price)])
        return order, cheaper, rising, out_of_stock, empty[0]

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_refresh_flags_open_rfq_lines_and_warns_the_buyer_once(self):
        order, cheaper, rising, out_of_stock, empty = self._scenario()
        self.assertFalse(order.order_line.filtered("itscope_source_flag"), "nothing flagged before a refresh")
        self._touch_and_refresh(cheaper | rising | empty)
        self.assertRecordValues(
            self._line(order, cheaper) | self._line(order, rising),
            [
                {"itscope_source_flag": "cheaper_elsewhere", "itscope_better_offer_id": self._better(cheaper).id},
                {"itscope_source_flag": "price_rose", "itscope_better_offer_id": False},
            ],
        )
        self.assertRecordValues(
            self._line(out_of_stock, empty),
            [{"itscope_source_flag": "out_of_stock", "itscope_better_offer_id": self._better(empty).id}],
        )
        warning = self._warnings(order)
        self.assertEqual(len(warning), 1, "one activity per RFQ, not one per line")
        self.assertEqual(warning.user_id, self.buyer)
        for offer in (cheaper, rising):
            self.assertIn(offer.product_tmpl_id.name, str(warning.note))
        self.assertIn(self._better(cheaper).partner_id.name, str(warning.note))
        self.assertEqual(len(self._warnings(out_of_stock)), 1)
        # The next refreshes find the same: no second activity, neither while it is open nor after it is done.
        self._touch_and_refresh(cheaper | rising | empty)
        self.assertEqual(len(self._warnings(order)), 1)
        warning.action_done()
        self._touch_and_refresh(cheaper | rising | empty)
        self.assertFalse(self._warnings(order))

    def test_only_lines_of_changed_products_and_open_rfqs_are_judged(self):
        order, cheaper, rising, _out_of_stock, _empty = self._scenario()
        sent = self._rfq([(rising, rising.price - 1)], state="sent")
        confirmed = self._rfq([(rising, rising.price - 1)], state="purchase")
        project = self._rfq([(rising, rising.price - 1)])
        project.order_line.itscope_project_id = "P-1"
        self._touch_and_refresh(rising)
        self.assertEqual(self._line(sent, rising).itscope_source_flag, "price_rose")
        self.assertFalse(self._line(confirmed, rising).itscope_source_flag, "a confirmed order is not an RFQ")
        self.assertFalse(self._line(project, rising).itscope_source_flag, "a project price is not the offer's")
        self.assertFalse(self._line(order, cheaper).itscope_source_flag, "its product's offers did not change")

    def test_a_flag_goes_when_its_reason_does(self):
        order, _cheaper, rising, _out_of_stock, _empty = self._scenario()
        self._touch_and_refresh(rising)
        line = self._line(order, rising)
        self.assertEqual(line.itscope_source_flag, "price_rose")
        line.price_unit = rising.price
        self.assertFalse(line.itscope_source_flag, "edited by the buyer: the flag no longer says anything")
        line.price_unit = rising.price - 1
        self._touch_and_refresh(rising)
        self.assertEqual(line.itscope_source_flag, "price_rose")
        self.env.cr.execute("UPDATE purchase_order_line SET price_unit = %s WHERE id = %s", [rising.price + 1, line.id])
        self._touch_and_refresh(rising)
        self.assertFalse(line.itscope_source_flag, "the refresh clears what no longer holds")

    def test_switch_moves_the_line_to_the_better_offer(self):
        order, cheaper, rising, out_of_stock, empty = self._scenario()
        self._touch_and_refresh(cheaper | empty)
        line = self._line(order, cheaper)
        better = self._better(cheaper)
        action = line.with_user(self.buyer).action_itscope_switch_source()
        target = self.env["purchase.order"].browse(action["res_id"])
        self.assertNotEqual(target, order, "the RFQ's other line stays: the switched one goes to a new RFQ")
        self.assertRecordValues(target, [{"partner_id": better.partner_id.id, "origin": order.name}])
        self.assertRecordValues(
            line,
            [
                {
                    "order_id": target.id,
                    "price_unit": better.price,
                    "itscope_source_flag": False,
                    "itscope_better_offer_id": False,
                }
            ],
        )
        self.assertEqual(order._itscope_order_lines(), self._line(order, rising))
        # The only product line of an RFQ: the RFQ itself changes vendor.
        line = self._line(out_of_stock, empty)
        better = self._better(empty)
        action = line.action_itscope_switch_source()
        self.assertEqual(action["res_id"], out_of_stock.id)
        self.assertRecordValues(out_of_stock, [{"partner_id": better.partner_id.id}])
        self.assertRecordValues(line, [{"order_id": out_of_stock.id, "price_unit": better.price}])

    def test_the_buyer_is_warned_in_the_buyers_language(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"]._load_module_terms(["itscope_connector"], ["de_DE"], overwrite=True)
        self.buyer.lang = "de_DE"
        order, cheaper, rising, _out_of_stock, _empty = self._scenario()
        self._touch_and_refresh(cheaper | rising)
        warning = order.activity_ids
        self.assertEqual(warning.summary, "ITscope: eine bessere Bezugsquelle oder ein geändertes Angebot")
        self.assertIn("verlangt jetzt", str(warning.note))
        self.assertIn("auf Lager für", str(warning.note))

    def test_check_now_flags_lines_as_the_refresh_does(self):
        order, cheaper, rising, out_of_stock, empty = self._scenario()
        order.action_itscope_check_now()
        # Check now reprices the lines from the vendor's price lines, then judges them as a refresh does.
        self.assertRecordValues(
            self._line(order, cheaper),
            [{"itscope_source_flag": "cheaper_elsewhere", "itscope_better_offer_id": self._better(cheaper).id}],
        )
        line = self._line(order, rising)
        self.assertEqual(line.itscope_source_flag == "price_rose", line.itscope_supplierinfo_id.price > line.price_unit)
        self.assertEqual(len(self._warnings(order)), 1, "one activity per RFQ")
        self.assertIn(self._better(cheaper).partner_id.name, str(self._warnings(order).note))
        out_of_stock.action_itscope_check_now()
        self.assertRecordValues(
            self._line(out_of_stock, empty),
            [{"itscope_source_flag": "out_of_stock", "itscope_better_offer_id": self._better(empty).id}],
        )
        self.assertEqual(len(self._warnings(out_of_stock)), 1)
        order.action_itscope_check_now()
        self.assertEqual(len(self._warnings(order)), 1, "checked again: no second activity while one is open")

    def test_a_flag_goes_when_the_vendor_or_the_product_changes(self):
        order, cheaper, rising, _out_of_stock, _empty = self._scenario()
        self._touch_and_refresh(cheaper | rising)
        line, other = self._line(order, cheaper), self._line(order, rising)
        self.assertEqual((line | other).mapped("itscope_source_flag"), ["cheaper_elsewhere", "price_rose"])
        vendor = order.partner_id
        order.partner_id = self._better(cheaper).partner_id
        self.assertFalse((line | other).filtered("itscope_source_flag"), "judged against another vendor's offers")
        self.assertFalse((line | other).itscope_better_offer_id)
        order.partner_id = vendor
        self.assertFalse((line | other).filtered("itscope_source_flag"), "cleared until judged again")
        self._touch_and_refresh(cheaper | rising)
        self.assertEqual((line | other).mapped("itscope_source_flag"), ["cheaper_elsewhere", "price_rose"])
        other.product_id = line.product_id
        self.assertFalse(other.itscope_source_flag, "another product: the flag said nothing about it")
        self.assertEqual(line.itscope_source_flag, "cheaper_elsewhere", "the RFQ's other line keeps its flag")

    def test_offers_in_another_currency_are_compared_at_the_rfqs_date(self):
        """A partnered distributor's offer in another currency is converted into the RFQ's at the RFQ's date (Odoo's
        rates), so it can be the cheaper one; switching takes the converted price."""
        own, other = self._own_and_dearer_other()
        foreign = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "not in", (self.company.currency_id | self.env.ref("base.EUR")).ids)], limit=1)
        )
        foreign.active = True
        rates = self.env["res.currency.rate"]
        for currency, rate in ((foreign, 2.0), (self.env.ref("base.EUR"), 1.0)):
            if currency != self.company.currency_id:
                rates.create({"currency_id": currency.id, "name": "2026-01-05", "rate": rate})
        # Later rates, after the RFQ's date, that would make the offer dearer: they must not be used.
        rates.create({"currency_id": foreign.id, "name": "2026-02-01", "rate": 0.5})
        # Dearer than the own offer as a bare number, cheaper once converted (1 unit of it = 0.5 EUR on the RFQ's date).
        other.write({"currency_id": foreign.id, "price": own.price * 1.5})
        order = self._rfq([(own, own.price)])
        order.date_order = "2026-01-10 09:00:00"
        self.env["itscope.source.watch"]._flag_open_rfqs(self.company, (own | other).ids)
        line = self._line(order, own)
        self.assertRecordValues(
            line, [{"itscope_source_flag": "cheaper_elsewhere", "itscope_better_offer_id": other.id}]
        )
        line.action_itscope_switch_source()
        self.assertEqual(line.order_id.partner_id, other.partner_id)
        self.assertAlmostEqual(line.price_unit, own.price * 0.75, places=2)
        self.assertEqual(line.currency_id, self.env.ref("base.EUR"))

    def _own_and_dearer_other(self):
        """An in-stock offer that is its vendor's only offer of the product, and another partnered distributor's
        in-stock offer of that product that is not cheaper."""
        for own in self._own_offers(self._in_stock):
            others = self.offers.filtered(
                lambda other, own=own: (
                    other.product_tmpl_id == own.product_tmpl_id
                    and other.partner_id != own.partner_id
                    and other.partner_id in self.partnered
                    and self._in_stock(other)
                )
            )
            if others and min(others.mapped("price")) >= own.price:
                return own, others.sorted("price")[:1]
        self.fail("the sandbox's catalogue has a cheapest in-stock offer that another distributor also has in stock")
