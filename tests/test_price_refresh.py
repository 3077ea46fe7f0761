from datetime import datetime, timezone
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import float_round

from ..itscope.products import read_product
from ..itscope.sandbox.catalogue import PUID_BASE, catalogue_for
from ..models import itscope_price_refresh
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, ItscopeCase, start_sandbox

PRODUCTS = 40
UPDATE_EXPORTS = {
    "csv": "5a9d1000-c0de-4e57-8a7e-000000000201",
    "xml": "5a9d1000-c0de-4e57-8a7e-000000000202",
    "json": "5a9d1000-c0de-4e57-8a7e-000000000203",
}
AGED = datetime(2001, 1, 1)
# What the refresh writes about an offer, in the order _state() and _expected() give it.
STATE = ("price", "itscope_stock", "itscope_stock_status", "itscope_availability_date", "itscope_available")


def import_catalogue(company, catalogue, count):
    """Sync the master data, map every distributor to a vendor and import the first ``count`` products of the
    sandbox's catalogue through the catalogue importer; returns the company's vendor lines that mirror offers."""
    env = company.env
    assert env["itscope.master.data"]._sync(company).state == "done"
    env["itscope.distributor"].search([]).action_create_vendor()
    env.ref("base.EUR").active = True
    products = [read_product(payload) for payload in catalogue.products(0, count)]
    run = env["itscope.sync.run"]._run(
        company, "catalogue", lambda run: env["itscope.catalogue.importer"]._import_products(company, products, run)
    )
    assert run.state == "done", run.failure or run.error_log
    return env["product.supplierinfo"].search([("company_id", "=", company.id), ("itscope_offer_id", "!=", False)])


def vendor_rfq(offers, count):
    """An RFQ in EUR from the vendor with most of ``offers`` (minimum quantity 1), for ``count`` of its products."""
    single = offers.filtered(lambda line: line.min_qty <= 1)
    by_vendor = {vendor: single.filtered_domain([("partner_id", "=", vendor.id)]) for vendor in single.partner_id}
    offers = max(by_vendor.values(), key=len)[:count]
    order = offers.env["purchase.order"].create(
        {
            "partner_id": offers.partner_id.id,
            "currency_id": offers.env.ref("base.EUR").id,
            "order_line": [
                Command.create({"product_id": offer.product_tmpl_id.product_variant_id.id, "product_qty": 1})
                for offer in offers
            ],
        }
    )
    return order, offers


@tagged("post_install", "-at_install")
class TestPriceRefresh(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        cls.offers = import_catalogue(cls.company, cls.catalogue, PRODUCTS)
        cls.refresh = cls.env["itscope.price.refresh"]
        cls.Line = cls.env["product.supplierinfo"]

    def setUp(self):
        super().setUp()
        self.sandbox.lift_block()

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _refresh(self):
        return self.refresh._refresh(self.company)

    def _tick(self, generations=1):
        for _generation in range(generations):
            self.catalogue.tick(datetime.now(timezone.utc))

    def _export_url(self, form="json", offset=0, products=PRODUCTS):
        """The URL of the sandbox's update export in ``form``, limited to ``products`` products from ``offset``."""
        export = UPDATE_EXPORTS[form]
        return "%s/products/exports/%s?offset=%d&products=%d" % (self.sandbox_url, export, offset, products)

    def _expected(self, price_field="price"):
        """offer id -> the state of each imported offer at the sandbox's current generation."""
        expected = {}
        for payload in self.catalogue.products(0, PRODUCTS):
            for offer in read_product(payload).offers:
                expected[offer.offer_id] = (
                    float(getattr(offer, price_field)),
                    offer.stock,
                    str(offer.stock_status),
                    offer.availability_date or False,
                    True,
                )
        return {offer_id: expected[offer_id] for offer_id in self.offers.mapped("itscope_offer_id")}

    def _state(self, lines=None):
        lines = lines or self.offers
        self.env.invalidate_all()
        return {line.itscope_offer_id: tuple(line[name] for name in STATE) for line in lines}

    def _age(self):
        """Move the vendor lines' write dates into the past, so a write in this same transaction shows."""
        self.env.flush_all()
        self.env.cr.execute("UPDATE product_supplierinfo SET write_date = %s", [AGED])
        self.env.invalidate_all()

    def _written(self):
        """The offer ids of the lines written since :meth:`_age`."""
        self.env.invalidate_all()
        return set(self.offers.filtered(lambda line: line.write_date != AGED).mapped("itscope_offer_id"))

    def _changed_by_tick(self, generations=1):
        """Tick the sandbox; return the imported offers whose state the tick changed."""
        before = self._expected()
        self._tick(generations)
        after = self._expected()
        changed = {offer_id for offer_id in after if after[offer_id] != before[offer_id]}
        self.assertTrue(changed and len(changed) < len(after), "a tick changes some offers, not all")
        return changed

    def _clear_gate_block(self):
        self.env["itscope.api.gate"].sudo().search([]).write({"blocked_until": False})
        self.env.flush_all()

    # ------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------

    def test_refresh_writes_only_the_offers_that_changed(self):
        """Without update exports the imported products are asked for by id, 50 a call."""
        self.assertEqual(self._refresh().state, "done")  # catch up with the generation earlier tests left
        self._age()
        changed = self._changed_by_tick()
        del self.sandbox.log[:]
        run = self._refresh()
        self.assertEqual(run.state, "done", run.failure)
        self.assertEqual(self._written(), changed)
        self.assertEqual(self._state(), self._expected())
        self.assertRecordValues(
            run, [{"kind": "prices", "updated_count": len(changed), "unchanged_count": len(self.offers) - len(changed)}]
        )
        self.assertTrue(run.skipped_count, "offers the company does not take (used, unmapped) are skipped")
        calls = self.sandbox.api_requests("products/ids")
        self.assertEqual(len(calls), 1)
        self.assertIn("/standardUpdate.json", calls[0].path)
        self.assertNotIn("realtime", calls[0].query, "the scheduled refresh reads ITscope's cached data")

    def test_refresh_with_no_changes_writes_nothing(self):
        self._refresh()
        self._age()
        messages = self.env["mail.message"].search_count([])
        run = self.refresh.with_context(tracking_disable=False)._refresh(self.company)
        self.assertEqual(run.state, "done", run.failure)
        self.assertFalse(self._written())
        self.assertEqual((run.updated_count, run.unchanged_count), (0, len(self.offers)))
        self.assertEqual(self.env["mail.message"].search_count([]), messages, "no chatter or tracking traffic")

    def test_prices_are_rounded_as_the_orm_stores_them(self):
        """So a price Odoo stored never looks changed: rounded to the price field's digits in the UPDATE itself."""
        self.env.ref("product.decimal_price").digits = 1
        self.assertEqual(self._refresh().state, "done")
        expected = self._expected()
        for offer_id, price in self._state().items():
            self.assertEqual(price[0], float_round(expected[offer_id][0], precision_digits=1))
        self._age()
        self.assertEqual(self._refresh().updated_count, 0)
        self.assertFalse(self._written())

    def test_update_exports_in_every_format(self):
        self.company.itscope_update_exports = " ".join(
            (self._export_url(offset=0, products=PRODUCTS // 2), self._export_url(offset=PRODUCTS // 2))
        )
        self._refresh()
        for form in UPDATE_EXPORTS:
            with self.subTest(form=form):
                self.company.itscope_update_exports = self._export_url(form)
                self._age()
                changed = self._changed_by_tick()
                del self.sandbox.log[:]
                run = self._refresh()
                self.assertEqual(run.state, "done", run.failure or run.error_log)
                self.assertEqual(self._written(), changed)
                self.assertEqual(self._state(), self._expected())
                self.assertEqual(len(self.sandbox.api_requests("products/exports")), 1)
                self.assertFalse(self.sandbox.api_requests("products/ids"), "no product asked for by id")

    def test_offer_missing_from_an_update_becomes_unavailable(self):
        line = self.offers[0]
        vanished = line.copy({"itscope_offer_id": "49999999999", "itscope_available": True, "itscope_stock": 7})
        unknown = self.env["product.template"].create(
            {
                "name": "Gone from ITscope",
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": line.partner_id.id,
                            "price": 10.0,
                            "company_id": self.company.id,
                            "itscope_offer_id": "49999999998",
                            "itscope_available": True,
                            "itscope_stock": 3,
                        }
                    )
                ],
            }
        )
        self.env["itscope.product"].create(
            {
                "company_id": self.company.id,
                "itscope_id": str(PUID_BASE + 999_999 * 1000),  # past the catalogue: ITscope does not know it
                "product_tmpl_id": unknown.id,
            }
        )
        # An export speaks for the products it lists: the unknown product is left to the daily catalogue import.
        self.company.itscope_update_exports = self._export_url()
        self.assertEqual(self._refresh().state, "done")
        self.assertRecordValues(vanished, [{"itscope_available": False, "itscope_stock": 0}])
        self.assertRecordValues(unknown.seller_ids, [{"itscope_available": True, "itscope_stock": 3}])
        self.assertTrue(all(self.offers.mapped("itscope_available")), "the offers ITscope lists stay available")
        # Asked for by id, a product ITscope does not answer for is gone.
        self.company.itscope_update_exports = False
        run = self._refresh()
        self.assertEqual(run.state, "done")
        self.assertRecordValues(unknown.seller_ids, [{"itscope_available": False, "itscope_stock": 0}])
        self.assertEqual(run.updated_count, 1)
        self.assertTrue(all(self.offers.mapped("itscope_available")))

    def test_calculated_price_and_other_companies(self):
        line = self.offers[0]
        other_company = self.env["res.company"].create({"name": "Other Buyer"})
        foreign = line.copy({"company_id": other_company.id, "price": 1.0, "itscope_offer_id": line.itscope_offer_id})
        self._age()
        self.company.itscope_price_source = "price_calc"
        self.assertEqual(self._refresh().state, "done")
        self.assertEqual(self._state(), self._expected("price_calc"))
        self.assertEqual(self._written(), set(self.offers.mapped("itscope_offer_id")), "every price changed")
        self.assertRecordValues(foreign, [{"price": 1.0, "write_date": AGED}])

    def test_blocked_refresh_keeps_the_data_and_the_next_run_succeeds(self):
        self.company.itscope_update_exports = " ".join(
            (self._export_url(offset=0, products=PRODUCTS // 2), self._export_url(offset=PRODUCTS // 2))
        )
        self._refresh()
        self._age()
        changed = self._changed_by_tick()
        before = self._state()
        # The first export is downloaded and written chunk by chunk, then ITscope blocks the second download.
        self.sandbox.lift_block()
        self.sandbox.config.rate_limit = 1
        del self.sandbox.log[:]
        try:
            with patch.object(itscope_price_refresh, "CHUNK_SIZE", 5):
                run = self._refresh()
        finally:
            self.sandbox.config.rate_limit = 600
        self.assertEqual([call.status for call in self.sandbox.api_requests("products/exports")], [200, 503])
        self.assertEqual(run.state, "failed")
        self.assertIn("blocked requests from this server", run.failure)
        self.assertEqual(self._state(), before)
        self.assertFalse(self._written())
        # After the block (ITscope's, and this database's own breaker) the next run brings the changes.
        self.sandbox.lift_block()
        self._clear_gate_block()
        run = self._refresh()
        self.assertEqual(run.state, "done", run.failure)
        self.assertEqual(self._written(), changed)
        self.assertEqual(self._state(), self._expected())

    def test_refreshed_columns_have_no_stored_dependents(self):
        """Why updating them in SQL is safe: no stored computed field anywhere would need recomputing."""
        for name in (*STATE, "itscope_stock_text", "itscope_last_update"):
            dependents = self.registry.get_dependent_fields(self.Line._fields[name])
            self.assertFalse([field for field in dependents if field.store], name)

    # ------------------------------------------------------------
    # Schedule
    # ------------------------------------------------------------

    def test_refresh_window(self):
        self.company.resource_calendar_id.tz = "Europe/Berlin"  # UTC+1 in January
        monday = datetime(2026, 1, 12)
        for hour, minute, day, expected in (
            (5, 29, monday, False),
            (5, 30, monday, True),
            (16, 59, monday, True),
            (17, 0, monday, False),
            (10, 0, datetime(2026, 1, 10), False),  # a Saturday
        ):
            with self.subTest(hour=hour, minute=minute, day=day):
                at = day.replace(hour=hour, minute=minute)
                self.assertEqual(self.refresh._window_open(self.company, at), expected)
        self.company.write({"itscope_refresh_start": 0, "itscope_refresh_end": 24})
        self.assertTrue(self.refresh._window_open(self.company, monday))

    def test_cron_refreshes_companies_in_their_window(self):
        self.company.resource_calendar_id.tz = "UTC"
        refresh_class = type(self.refresh)
        for now, calls in (("2026-01-12 10:00:00", 1), ("2026-01-12 19:00:00", 0), ("2026-01-10 10:00:00", 0)):
            with self.subTest(now=now), freeze_time(now), patch.object(refresh_class, "_refresh") as refresh:
                self.refresh._cron_itscope_refresh_prices()
                self.assertEqual(refresh.call_count, calls)
        self.company.itscope_refresh_prices = False
        with freeze_time("2026-01-12 10:00:00"), patch.object(refresh_class, "_refresh") as refresh:
            self.refresh._cron_itscope_refresh_prices()
            refresh.assert_not_called()

    # ------------------------------------------------------------
    # Where purchasers look
    # ------------------------------------------------------------

    def _rfq(self, count=3):
        return vendor_rfq(self.offers, count)

    def test_rfq_line_shows_the_vendors_offer(self):
        order, offers = self._rfq(1)
        line = order.order_line.filtered(lambda line: not line.itscope_is_shipping)
        self.assertRecordValues(
            line,
            [
                {
                    "itscope_supplierinfo_id": offers.id,
                    "itscope_stock": offers.itscope_stock,
                    "itscope_stock_status": offers.itscope_stock_status,
                    "itscope_last_update": offers.itscope_last_update,
                }
            ],
        )
        offers.itscope_available = False
        line.invalidate_recordset()
        self.assertEqual(line.itscope_stock_status, "6", "an offer ITscope no longer lists is not available")

    def test_product_lists_every_distributors_offer(self):
        template = self.offers[0].product_tmpl_id
        self.env["product.supplierinfo"].create(
            {"product_tmpl_id": template.id, "partner_id": self.company.partner_id.id, "price": 1.0}
        )
        self.assertEqual(template.itscope_offer_ids, template.seller_ids.filtered("itscope_offer_id"))

    def test_check_now_updates_offers_and_line_prices(self):
        order, offers = self._rfq()
        buyer = self._create_user("buyer", ["purchase.group_purchase_user"])
        self._tick(20)  # every offer's price changes within 20 generations
        del self.sandbox.log[:]
        action = order.with_user(buyer).action_itscope_check_now()
        expected = self._expected()
        for line, offer in zip(
            order.order_line.filtered(lambda line: not line.itscope_is_shipping), offers, strict=False
        ):
            self.assertEqual(line.price_unit, expected[offer.itscope_offer_id][0])
            self.assertEqual(self._state(offer)[offer.itscope_offer_id], expected[offer.itscope_offer_id])
            self.assertIn(line.product_id.display_name, action["params"]["message"])
        calls = self.sandbox.api_requests("products/ids")
        self.assertEqual(len(calls), 1)
        self.assertIn("realtime=true", calls[0].query)
        action = order.action_itscope_check_now()
        self.assertEqual(action["params"]["message"], "Prices and stock are unchanged.")

    def test_check_now_reports_itscope_refusals(self):
        order, _offers = self._rfq(1)
        self.sandbox.config.rate_limit = 0
        try:
            with self.assertRaisesRegex(UserError, "blocked requests from this server"):
                order.action_itscope_check_now()
        finally:
            self.sandbox.config.rate_limit = 600
            self._clear_gate_block()


@tagged("post_install", "-at_install")
class TestPriceRefreshUi(HttpCase):
    """A buyer sees the vendor's stock on the RFQ, checks it with ITscope, and finds every offer on the product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls)
        cls.env.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        cls.offers = import_catalogue(cls.env.company, catalogue_for(cls.sandbox), 20)

    def test_rfq_check_now_and_product_offers(self):
        order, offers = vendor_rfq(self.offers, 2)
        self.browser_js(
            "/odoo/action-purchase.purchase_rfq/%d" % order.id,
            _WAIT_FOR
            + """(async () => {
                await waitFor("td[name=itscope_stock_status] .badge");
                (await waitFor("button[name=action_itscope_check_now]")).click();
                const notification = await waitFor(".o_notification");
                if (!notification.textContent.includes("Checked with ITscope")) {
                    throw new Error("unexpected notification: " + notification.textContent);
                }
                console.log("test successful");
            })().catch((error) => console.error(error.message));""",
            login="admin",
        )
        self.assertIn("realtime=true", self.sandbox.api_requests("products/ids")[-1].query)
        template = max(self.offers.product_tmpl_id, key=lambda template: len(template.itscope_offer_ids))
        self.assertGreater(len(template.itscope_offer_ids), 1)
        self.browser_js(
            "/odoo/product.template/%d" % template.id,
            _WAIT_FOR
            + """(async () => {
                (await waitFor("a[name=itscope_offers]")).click();
                await waitFor(".tab-pane.active td[name=price]");
                const prices = [...document.querySelectorAll(".tab-pane.active td[name=price]")].map(
                    (cell) => parseFloat(cell.textContent.replace(/[^0-9.]/g, ""))
                );
                if (prices.length !== %d || prices.some((price, i) => i && price < prices[i - 1])) {
                    throw new Error("offers not listed by price: " + prices);
                }
                console.log("test successful");
            })().catch((error) => console.error(error.message));"""
            % len(template.itscope_offer_ids),
            login="admin",
        )


_WAIT_FOR = """
    const waitFor = async (selector) => {
        for (let attempt = 0; attempt < 100; attempt++) {
            const element = document.querySelector(selector);
            if (element) {
                return element;
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error("not found: " + selector);
    };
"""
