"""ITscope quotes in real Odoo against the sandbox: the quote list mirrored, and a quote turned into one RFQ per
distributor at the quoted prices and project numbers, once, with every line that cannot be ordered named."""

from decimal import Decimal

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..itscope.opentrans import parse_document
from ..itscope.sandbox.app import Fault
from ..itscope.sandbox.business import _business, _ensure_quotes
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestQuotes(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributors = cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)])
        cls.distributors.filtered(lambda distributor: not distributor.partner_id).action_create_vendor()
        cls.vendor_of = {distributor.itscope_id: distributor.partner_id for distributor in cls.distributors}
        cls.Quote = cls.env["itscope.quote"]

    def setUp(self):
        super().setUp()
        self.sandbox.faults.clear()

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _sandbox_quotes(self):
        business = _business(self.sandbox)
        with business.lock:
            _ensure_quotes(self.sandbox, business)
            return {quote.status: quote for quote in business.quotes}

    def _synced(self, status):
        run = self.Quote._itscope_sync(self.company)
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        return self.Quote.search([("company_id", "=", self.company.id), ("status", "=", status)])

    def _quoted_offers(self, quote):
        """``[(Line, supplierItem)]`` of a sandbox quote, as its QUOTATION says and the catalogue has them."""
        lines = parse_document(quote.document.xml).lines
        return [
            (
                line,
                next(
                    item
                    for item in self.catalogue.product(int(line.puid))["supplierItem"]
                    if str(item["id"]) == line.buyer_pid
                ),
            )
            for line in lines
        ]

    # ------------------------------------------------------------
    # The list
    # ------------------------------------------------------------

    def test_sync_mirrors_the_quotes_and_archives_what_itscope_no_longer_lists(self):
        sandbox_quotes = self._sandbox_quotes()
        run = self.Quote._itscope_sync(self.company)
        self.assertEqual((run.state, run.kind, run.created_count), ("done", "quotes", 3), run.failure)
        quotes = self.Quote.search([("company_id", "=", self.company.id)])
        self.assertEqual(sorted(quotes.mapped("status")), ["DRAFT", "PROGRESS", "WON"])
        won = quotes.filtered(lambda quote: quote.status == "WON")
        source = sandbox_quotes["WON"]
        net = sum(line.quantity * line.price for line in source.lines)
        self.assertRecordValues(
            won,
            [
                {
                    "itscope_id": source.quote_id,
                    "quote_no": source.quote_no,
                    "name": source.name,
                    "organisation": source.organisation,
                    "person": source.person,
                    "customer_number": source.customer_number,
                    "item_count": 3,
                    "total": float((net * Decimal("1.19")).quantize(Decimal("0.01"))),
                    "valid_until": source.valid_until.replace(tzinfo=None),
                    "last_update": source.last_modified.replace(tzinfo=None),
                }
            ],
        )
        self.Quote._cron_itscope_sync_quotes()
        again = self.env["itscope.sync.run"].search([("kind", "=", "quotes")], limit=1)
        self.assertEqual((again.created_count, again.updated_count, again.unchanged_count), (0, 0, 3))
        notification = self.Quote.action_itscope_sync()["params"]
        self.assertEqual((notification["type"], notification["message"]), ("success", again.summary))

        business = _business(self.sandbox)
        business.quotes = [quote for quote in business.quotes if quote.status != "WON"]
        self.Quote._itscope_sync(self.company)
        self.assertFalse(won.active, "a quote ITscope no longer lists is archived, not deleted")
        self.assertEqual(len(self.Quote.search([("company_id", "=", self.company.id)])), 2)

    def test_a_bad_quote_entry_is_logged_and_the_others_are_mirrored(self):
        self._sandbox_quotes()["DRAFT"].status = "STORNIERT"
        run = self.Quote._itscope_sync(self.company)
        self.assertEqual((run.state, run.created_count), ("partial", 3))
        self.assertIn("unknown quote status 'STORNIERT', kept as written", run.error_log)
        odd = self.Quote.search([("company_id", "=", self.company.id), ("status", "=", False)])
        self.assertEqual(odd.status_text, "STORNIERT")

    def test_quotes_of_another_company_stay_invisible(self):
        self._synced("WON")
        other = self.env["res.company"].create({"name": "Other GmbH"})
        user = self._create_user("other-buyer", ["purchase.group_purchase_user"], company=other)
        self.assertFalse(self.Quote.with_user(user).search([]))
        with self.assertRaises(AccessError):
            self.Quote.search([("company_id", "=", self.company.id)], limit=1).with_user(user).read(["name"])

    # ------------------------------------------------------------
    # RFQs
    # ------------------------------------------------------------

    def test_a_quote_at_two_distributors_becomes_two_rfqs_and_a_rerun_none(self):
        offers = self._quoted_offers(self._sandbox_quotes()["DRAFT"])
        quote = self._synced("DRAFT")
        self.assertFalse(
            self.env["product.template"].search([("itscope_puid", "in", [line.puid for line, _ in offers])])
        )

        result = quote.action_itscope_create_rfqs()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertTrue(self.sandbox.api_requests("/products/ids/"), "products not in Odoo are imported by id")
        orders = quote.purchase_ids
        expected_vendors = {self.vendor_of[str(item["supplierId"])] for _line, item in offers}
        self.assertEqual(len(expected_vendors), 2)
        self.assertEqual(set(orders.partner_id), expected_vendors)
        self.assertEqual(len(orders), 2)
        for line, item in offers:
            [purchase_line] = orders.order_line.filtered(lambda pl, line=line: pl.product_id.itscope_puid == line.puid)
            self.assertEqual(purchase_line.order_id.partner_id, self.vendor_of[str(item["supplierId"])])
            self.assertEqual(purchase_line.product_qty, float(line.quantity))
            self.assertAlmostEqual(purchase_line.price_unit, float(line.price))
            self.assertEqual(purchase_line.itscope_supplier_sku, item["supplierSKU"])
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        self.assertEqual(set(orders.mapped("origin")), {quote.quote_no})
        self.assertEqual(orders.itscope_quote_id, quote)
        self.assertEqual(quote.purchase_count, 2)
        self.assertTrue(all(line.purchase_line_id for line in quote.line_ids))

        lines_before = orders.order_line
        again = quote.action_itscope_create_rfqs()
        self.assertIn("nothing new was created", again["params"]["message"])
        self.assertEqual(quote.purchase_ids, orders)
        self.assertEqual(quote.purchase_ids.order_line, lines_before)

    def test_quoted_project_numbers_and_price_reach_the_rfq_line(self):
        quote = self._synced("PROGRESS")
        line, item = self._quoted_offers(self._sandbox_quotes()["PROGRESS"])[0]
        project = item["project"][0]
        quote.action_itscope_create_rfqs()
        purchase_line = quote.line_ids.filtered(lambda quote_line: quote_line.puid == line.puid).purchase_line_id
        self.assertRecordValues(
            purchase_line,
            [
                {
                    "price_unit": project["price"],
                    "itscope_project_id": project["supplierProjectId"],
                    "itscope_special_bid_id": project["manufacturerProjectId"],
                    "itscope_special_bid_end": line.agreements[1].end_date,
                }
            ],
        )
        # The special bid goes into the ORDER's SOURCING_INFO as the distributor needs it.
        order = purchase_line._itscope_prepare_order_line()
        self.assertEqual(
            (order.project.quotation_id, order.project.agreement_id),
            (project["supplierProjectId"], project["manufacturerProjectId"]),
        )

    def test_an_unresolvable_line_is_reported_and_ordered_once_fixed(self):
        offers = self._quoted_offers(self._sandbox_quotes()["WON"])
        quote = self._synced("WON")
        unmapped_line, unmapped_item = offers[0]
        distributor = self.distributors.filtered(lambda d: d.itscope_id == str(unmapped_item["supplierId"]))
        vendor = distributor.partner_id
        distributor.partner_id = False

        result = quote.action_itscope_create_rfqs()
        self.assertEqual(result["params"]["type"], "warning")
        stuck = quote.line_ids.filtered(lambda quote_line: quote_line.offer_id == unmapped_line.buyer_pid)
        self.assertFalse(stuck.purchase_line_id)
        self.assertIn("is not mapped to a vendor", stuck.problem)
        self.assertIn(distributor.name, result["params"]["message"])
        self.assertIn(stuck.display_name, result["params"]["message"])
        others = quote.line_ids - stuck
        self.assertTrue(all(others.mapped("purchase_line_id")))
        self.assertEqual(quote.unresolved_count, 1)
        run = self.env["itscope.sync.run"].search([("kind", "=", "quotes")], limit=1)
        self.assertEqual(run.state, "partial")
        self.assertIn(stuck.line_item_id, run.error_log)

        distributor.partner_id = vendor
        quote.action_itscope_create_rfqs()
        self.assertTrue(stuck.purchase_line_id)
        self.assertEqual(stuck.purchase_line_id.order_id.partner_id, vendor)
        self.assertFalse(stuck.problem)
        self.assertEqual(quote.unresolved_count, 0)
        self.assertEqual(len(quote.purchase_ids.order_line), 3)

    def test_a_quote_line_naming_no_itscope_offer_is_reported(self):
        quote = self._synced("DRAFT")
        source = self._sandbox_quotes()["DRAFT"]
        xml = source.document.xml.replace(
            b'<bme:BUYER_PID type="itscope">', b'<bme:BUYER_PID type="buyer_specific">', 1
        )
        source.document.xml = xml
        quote.action_itscope_create_rfqs()
        [stuck] = quote.line_ids.filtered(lambda line: not line.purchase_line_id)
        self.assertEqual(stuck.line_item_id, "00001")
        self.assertIn("names no ITscope offer", stuck.problem)

    def test_an_unreadable_or_missing_quotation_changes_nothing(self):
        quote = self._synced("DRAFT")
        self.sandbox.faults.append(Fault(path_contains="/QUOTATION", status=500, message="document store down"))
        with self.assertRaisesRegex(UserError, "document store down"):
            quote.action_itscope_create_rfqs()
        self._sandbox_quotes()["DRAFT"].document.xml = b"<QUOTATION><not-closed></QUOTATION>"
        with self.assertRaisesRegex(UserError, "cannot be read"):
            quote.action_itscope_create_rfqs()
        self.assertFalse(quote.purchase_ids)
        self.assertFalse(quote.line_ids)
