"""A purchaser's whole day on the sandbox in headless Chromium, in German for a German user (issue 15, "What it must
show"): search and import from ITscope, an RFQ checked with ITscope and split to the best source of each line, both
orders confirmed and sent, the sandbox's clock moved on with the scheduled actions run in between, the ITscope status
and the order response on the orders, the receipt with tracking and serial numbers, the draft bills that match the
distributors' invoices, and a product shared from ITscope opened.

With ``ITSCOPE_SCREENSHOTS=<folder>`` (``make screenshots``) the tour's main steps are saved there as PNGs for the
README; without it the tour runs the same and writes nothing."""

import base64
import json
import os
from unittest.mock import patch

import requests

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from ..itscope.opentrans import parse_document
from ..itscope.sandbox.catalogue import PARTNER_TEST_ID
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox

SHOT_SIGNAL = "itscope-screenshot:"
SHOTS = (
    "1-aus-itscope-hinzufuegen",
    "2-angebotsanfrage-jetzt-pruefen",
    "3-beste-bezugsquelle",
    "4-bestellungen-itscope-status",
    "5-bestaetigte-menge-und-termin",
    "6-wareneingang-sendung-seriennummern",
    "7-rechnungsentwurf",
    "8-geteiltes-produkt",
)
ACER_PUID = "10000099000"  # a notebook the Partner-Test sells dearer than Siewert & Kau, both with stock
BAG_PUID = "10000047000"  # a notebook bag the Partner-Test sells cheapest with stock
SIEWERT_ID = 10000498
NOTEBOOK_TYPE = "1001"
MINUTE = 60


@tagged("post_install", "-at_install")
class TestPurchaserDayTour(HttpCase):
    browser_size = "1280x800"
    viewport = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls)
        cls.company = cls.env.company
        # A German reseller as in the demo (scripts/demo_setup.py), without its chart of accounts: a 19 % purchase
        # tax as the company's default, so imported products take it and the bills add up to the invoices.
        group = cls.env["account.tax.group"].create({"name": "MwSt. 19 %", "company_id": cls.company.id})
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "19 % Vorsteuer",
                "amount": 19.0,
                "type_tax_use": "purchase",
                "company_id": cls.company.id,
                "tax_group_id": group.id,
            }
        )
        sale_tax = cls.env["account.tax"].create(
            {
                "name": "19 % Umsatzsteuer",
                "amount": 19.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "tax_group_id": group.id,
            }
        )
        euro = cls.env.ref("base.EUR")
        euro.active = True
        cls.company.write(
            {
                "name": "IT-Systemhaus Demo GmbH",
                "country_id": cls.env.ref("base.de").id,
                "currency_id": euro.id,
                "itscope_account_id": SANDBOX_ACCOUNT,
                "itscope_api_key": SANDBOX_KEY,
                "itscope_base_url": url,
                "itscope_send_orders": True,
                "account_purchase_tax_id": cls.tax.id,
                "account_sale_tax_id": sale_tax.id,
                "tax_calculation_rounding_method": "round_globally",
            }
        )
        cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)]).name = "Karlsruhe"
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        distributors = cls.env["itscope.distributor"].search(
            [("company_id", "=", cls.company.id), ("partnered", "=", True)]
        )
        distributors.action_create_vendor()
        cls.vendor_of = {int(distributor.itscope_id): distributor.partner_id for distributor in distributors}
        # The administrator's settings of the demo: notebooks carry serial numbers, and serials are shown.
        cls.env["itscope.product.type"].search(
            [("company_id", "=", cls.company.id), ("itscope_id", "=", NOTEBOOK_TYPE)]
        ).serial_tracking = True
        cls.env.ref("base.group_user").implied_ids = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        # A German user: the language with the terms of every installed module, this addon's from i18n/de.po.
        cls.env["res.lang"]._activate_lang("de_DE")
        installed = cls.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name")
        cls.env["ir.module.module"]._load_module_terms(installed, ["de_DE"])
        cls.env["ir.module.module"]._load_module_terms(["itscope_connector"], ["de_DE"], overwrite=True)
        cls.env.ref("base.user_admin").write({"lang": "de_DE", "tz": "Europe/Berlin"})

    def setUp(self):
        super().setUp()
        self.shots_dir = os.environ.get("ITSCOPE_SCREENSHOTS")
        self.shots_taken = []
        original = ChromeBrowser._handle_console
        test = self

        def handle_console(browser, type, args=None, **kw):  # noqa: A002 - the DevTools event's own name
            text = args[0].get("value") if args else None
            if type == "log" and isinstance(text, str) and text.startswith(SHOT_SIGNAL):
                test._screenshot(browser, text[len(SHOT_SIGNAL) :])
                return None
            return original(browser, type, args=args, **kw)

        original_init = ChromeBrowser.__init__

        def init(browser, *args, **kwargs):
            original_init(browser, *args, **kwargs)
            # The page itself 1280 x 800, whatever the headless window keeps for itself.
            browser._websocket_request("Emulation.setDeviceMetricsOverride", params=test.viewport)

        for name, replacement in (("_handle_console", handle_console), ("__init__", init)):
            patcher = patch.object(ChromeBrowser, name, replacement)
            patcher.start()
            self.addCleanup(patcher.stop)

    def _screenshot(self, browser, name):
        """Runs on the browser's event thread: ask for the picture (when wanted), and tell the tour when it is done
        by marking the page's body, the step after the screenshot's waiting for that mark."""

        def done(_future=None):
            browser._websocket_send(
                "Runtime.evaluate", params={"expression": "document.body.dataset.itscopeShot = %s" % json.dumps(name)}
            )

        if not self.shots_dir:
            done()
            return

        def save(future):
            path = os.path.join(self.shots_dir, "%s.png" % name)
            with open(path, "wb") as file:
                file.write(base64.b64decode(future.result()["data"]))
            self.shots_taken.append(name)
            done()

        browser._websocket_send(
            "Page.captureScreenshot", params={"format": "png", "captureBeyondViewport": False}, with_future=True
        ).add_done_callback(save)

    def _tour(self, url, name):
        self.start_tour(url, name, login="admin", timeout=240)

    def _advance(self, minutes):
        """Move the sandbox's clock on through its control endpoint, then run the scheduled actions as the cron
        would (no language of their own): deals mirrored, new documents downloaded and processed."""
        response = requests.post(
            self.sandbox.config.public_url + "/_sandbox/clock", params={"advance": minutes * MINUTE}, timeout=10
        )
        response.raise_for_status()
        cron_env = self.env(context={"tracking_disable": True})
        cron_env["itscope.order.exchange"]._cron_itscope_sync_deals()
        cron_env["itscope.document"]._cron_itscope_fetch_documents()

    def _template(self, puid):
        return self.env["product.template"].search([("itscope_puid", "=", puid)])

    def test_a_purchasers_day(self):
        if self.shots_dir:
            os.makedirs(self.shots_dir, exist_ok=True)
        siewert, partner_test = self.vendor_of[SIEWERT_ID], self.vendor_of[PARTNER_TEST_ID]

        # Morning: two products found and imported through Add from ITscope.
        self._tour("/odoo/action-purchase.purchase_rfq", "itscope_day_1_add_from_itscope")
        acer, bag = self._template(ACER_PUID), self._template(BAG_PUID)
        self.assertTrue(acer and bag)
        self.assertEqual((acer.tracking, bag.tracking), ("serial", "none"), "notebooks carry serial numbers")
        self.assertTrue({siewert, partner_test} <= set(acer.seller_ids.partner_id), "both offers came along")

        # An RFQ to the Partner-Test, checked with ITscope, split to the best source, both orders confirmed.
        self._tour("/odoo/action-purchase.purchase_rfq", "itscope_day_2_rfq_best_source")
        orders = self.env["purchase.order"].search([("partner_id", "in", (siewert | partner_test).ids)])
        self.assertEqual(len(orders), 2)
        by_vendor = {order.partner_id: order for order in orders}
        self.assertEqual(by_vendor[siewert].order_line.product_id.product_tmpl_id, acer)
        self.assertEqual(by_vendor[partner_test].order_line.product_id.product_tmpl_id, bag)
        for order in orders:
            self.assertEqual(order.state, "purchase")
            self.assertEqual((order.itscope_send_state, order.itscope_status), ("sent", "SENT"))
        self.assertTrue(by_vendor[siewert].itscope_customer_account, "the split RFQ has its customer account")

        # Minutes later: confirmed by the distributors.
        self._advance(6)
        self.assertEqual(set(orders.mapped("itscope_status")), {"PROCESSING"})
        self._tour("/odoo/action-purchase.purchase_form_action", "itscope_day_3_status_and_response")

        # An hour later: shipped, with tracking and serial numbers.
        self._advance(55)
        receipt = by_vendor[siewert].picking_ids
        self.assertTrue(receipt.itscope_tracking_ref)
        self.assertEqual(len(receipt.move_ids.lot_ids), 2)
        self._tour("/odoo/action-purchase.purchase_form_action/%d" % by_vendor[siewert].id, "itscope_day_4_receipt")
        self.assertEqual(receipt.state, "done")
        self.assertEqual(len(receipt.move_line_ids.lot_id), 2)
        by_vendor[partner_test].picking_ids.button_validate()
        self.assertEqual(by_vendor[partner_test].picking_ids.state, "done")

        # Two hours after sending: invoiced, each invoice a draft bill with its total.
        self._advance(60)
        for order in orders:
            self.assertEqual(order.itscope_status, "INVOICED")
            invoice = order.itscope_document_ids.filtered(lambda document: document.doc_type == "INVOICE")
            self.assertEqual(invoice.state, "processed", invoice.error)
            bill = invoice.bill_id
            self.assertEqual((bill.state, bill.move_type), ("draft", "in_invoice"))
            total = float(parse_document(base64.b64decode(invoice.xml_file)).totals.total)
            self.assertEqual(bill.currency_id.compare_amounts(bill.amount_total, total), 0)
            self.assertFalse(bill.itscope_total_differs)
            self.assertIn("Entwurf einer Lieferantenrechnung", " ".join(order.message_ids.mapped("body")))
        self._tour("/odoo/action-purchase.purchase_form_action/%d" % by_vendor[siewert].id, "itscope_day_5_bill")

        # A colleague shares the notebook from ITscope: Odoo has it, so its form opens.
        self._tour("/itscope/share?id=%s" % ACER_PUID, "itscope_day_6_share")

        if self.shots_dir:
            self.assertEqual(sorted(self.shots_taken), sorted(SHOTS))
