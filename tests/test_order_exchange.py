import base64
import contextlib
import time
from datetime import date
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..itscope.opentrans import parse_document, validate
from ..itscope.sandbox.app import Fault
from ..itscope.sandbox.catalogue import PARTNER_TEST_ID
from .common_purchase import XSD_DIR, ItscopeOrderCase

SEND_PATH = "/business/deals/purchase/send"


class _Rollback(Exception):
    """Raised to roll a savepoint back, as a crash after the send would roll the confirming transaction back."""


@tagged("post_install", "-at_install")
class TestPurchaseOrderSend(ItscopeOrderCase):
    def test_confirm_sends_the_order_once(self):
        """Confirming sends one XSD-valid ORDER with our SKU and account; the PO mirrors the new deal."""
        puid = str(self.catalogue.offer(PARTNER_TEST_ID, self.offers[1][0]["supplierSKU"])[0]["puid"])
        self.product.product_tmpl_id.itscope_puid = puid
        order = self._order([(self.product, 3)])
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertEqual(order.itscope_send_state, "sent")
        [deal] = self._deals_of(order)
        self.assertEqual(order.itscope_order_id, deal.order_id)
        self.assertEqual(order.itscope_status, "SENT")
        self.assertTrue(order.itscope_deeplink.endswith(deal.order_id))
        self.assertEqual(len(self._posts()), 1)

        xml = base64.b64decode(order.itscope_order_xml)
        if XSD_DIR.is_dir():
            self.assertEqual(validate(xml, XSD_DIR), [])
        sent = parse_document(xml)
        self.assertEqual(sent.order_id, order.name)
        self.assertEqual(sent.buyer_id, "TEST-4711")
        [line] = sent.lines
        self.assertEqual(
            (line.supplier_pid, line.ean, line.puid, line.quantity),
            (self.offers[1][0]["supplierSKU"], self.product.barcode, puid, 3),
        )
        self.assertEqual(line.line_id, order.order_line._itscope_line_item_id())
        self.assertEqual(order.itscope_order_document_id.state, "sent")
        sent_message = "Sent to ITscope as order %s" % deal.order_id
        self.assertTrue(order.message_ids.filtered(lambda message: sent_message in message.body))

        order.button_confirm()
        with self.assertRaisesRegex(UserError, "already been sent"):
            order.action_itscope_send()
        self.assertEqual(len(self._posts()), 1, "a confirmed order is never sent again")

    def test_lost_answer_creates_exactly_one_deal(self):
        """ITscope takes the ORDER but the answer never arrives: the send is unknown, the retry finds the deal."""
        order = self._order([(self.product, 1)])
        self.sandbox.faults.append(Fault(path_contains=SEND_PATH, delay=1.5, after_handling=True))
        with self._short_timeout():
            order.button_confirm()
        self.assertEqual((order.state, order.itscope_send_state), ("purchase", "unknown"))
        self.assertIn("unknown", order.itscope_send_error)
        self.assertTrue(order.activity_ids.filtered(lambda activity: "did not answer" in activity.summary))
        self.assertEqual(len(self._deals_of(order)), 1, "ITscope did receive it")

        order.action_itscope_send()
        [deal] = self._deals_of(order)
        self.assertEqual((order.itscope_send_state, order.itscope_order_id), ("sent", deal.order_id))
        self.assertTrue(order.message_ids.filtered(lambda message: "not sent again" in message.body))
        # The sandbox logs the lost request only once its delayed answer went out.
        deadline = time.monotonic() + 5
        while not self._posts() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self._posts()), 1, "the retry searched, it did not send")

    def test_rolled_back_confirmation_is_found_not_sent_again(self):
        """The confirming transaction rolls back after ITscope accepted: confirming again adopts the deal."""
        order = self._order([(self.product, 2)])
        with self.assertRaises(_Rollback), self.env.cr.savepoint():
            order.button_confirm()
            self.assertEqual(order.itscope_send_state, "sent")
            raise _Rollback()
        self.assertEqual((order.state, order.itscope_send_state), ("draft", "not_sent"))
        self.assertEqual(len(self._deals_of(order)), 1)

        order.button_confirm()
        [deal] = self._deals_of(order)
        self.assertEqual((order.itscope_send_state, order.itscope_order_id), ("sent", deal.order_id))
        self.assertEqual(len(self._posts()), 1)

    def test_second_attempt_while_sending_is_refused(self):
        """Two confirmations racing: while one holds the order in "sending", another attempt sends nothing."""
        order = self._order([(self.product, 1)])
        self.sandbox.faults.append(Fault(path_contains=SEND_PATH, status=500, message="distributor system down"))
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "failed")
        order.itscope_order_document_id._set_state("sending")
        self.assertEqual(order.itscope_send_state, "sending")
        with self.assertRaisesRegex(UserError, "is being sent"):
            order.action_itscope_send()
        order.button_confirm()
        self.assertEqual(len(self._posts()), 1)
        self.assertFalse(self._deals_of(order))

    def test_refused_order_stays_confirmed_failed_and_can_be_retried(self):
        """ITscope refuses a SKU the distributor does not offer: failed with ITscope's reason and an activity;
        after the fix, Retry send sends it."""
        product = self._product(self.offers[1][1], sku="PT9999999")
        order = self._order([(product, 1)])
        order.button_confirm()
        self.assertEqual((order.state, order.itscope_send_state), ("purchase", "failed"))
        self.assertIn("PT9999999", order.itscope_send_error)
        self.assertTrue(order.activity_ids.filtered(lambda activity: "Retry send" in activity.summary))
        self.assertFalse(self._deals_of(order))

        product.seller_ids.product_code = self.offers[1][1]["supplierSKU"]
        order.action_itscope_send()
        self.assertEqual(order.itscope_send_state, "sent")
        self.assertEqual(len(self._deals_of(order)), 1)

    def test_order_id_too_long_is_refused_before_confirming(self):
        order = self._order([(self.product, 1)], name="PO-2026-LONG-00001X")
        with self.assertRaisesRegex(UserError, "at most 18"):
            order.button_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self.sandbox.api_requests())

    def test_line_without_distributor_sku_is_refused_with_what_to_fix(self):
        stranger = self.env["product.product"].create({"name": "Cable we buy elsewhere", "type": "consu"})
        order = self._order([(self.product, 1), (stranger, 2)])
        with self.assertRaises(UserError) as refusal:
            order.button_confirm()
        self.assertIn("Cable we buy elsewhere", str(refusal.exception))
        self.assertIn("product code", str(refusal.exception))
        self.assertEqual(order.state, "draft")
        self.assertFalse(self.sandbox.api_requests())

    def test_vendor_without_customer_account_is_refused(self):
        distributor = self.env["itscope.distributor"].search(
            [("company_id", "=", self.company.id), ("partnered", "=", False)], limit=1
        )
        distributor.action_create_vendor()
        product = self._product(self.offers[1][3])
        product.seller_ids = [Command.create({"partner_id": distributor.partner_id.id, "product_code": "X1"})]
        order = self._order([(product, 1)], partner=distributor.partner_id)
        with self.assertRaisesRegex(UserError, "no customer account"):
            order.button_confirm()

    def test_other_vendors_and_disabled_companies_are_not_sent(self):
        plain = self.env["res.partner"].create({"name": "Local shop", "is_company": True})
        order = self._order([(self.product, 1)], partner=plain)
        order.button_confirm()
        self.assertEqual((order.state, order.itscope_send_state), ("purchase", "not_sent"))
        self.company.itscope_send_orders = False
        order = self._order([(self.product, 1)])
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "not_sent")
        self.assertFalse(self._posts())

    def test_orders_can_be_validated_at_itscope_first(self):
        self.company.itscope_validate_orders = True
        order = self._order([(self.product, 1)])
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "sent")
        paths = [entry.path for entry in self.sandbox.api_requests("/business/") if "/search/" not in entry.path]
        self.assertEqual([path.rsplit("/", 1)[-1] for path in paths], ["validateschema", "send"])

    def test_ordered_elsewhere(self):
        order = self._order([(self.product, 1)])
        order.button_confirm()
        order.action_itscope_ordered_elsewhere()
        self.assertEqual(order.itscope_status, "ORDERED_ELSEWHERE")
        with self.assertRaises(UserError):
            order.action_itscope_ordered_elsewhere()

    def test_shipping_cost_line_is_added_and_not_ordered(self):
        shipping = self.env["product.product"].create(
            {"name": "Freight", "type": "service", "supplier_taxes_id": [Command.set(self.tax.ids)]}
        )
        self.distributor.write({"shipping_product_id": shipping.id, "shipping_cost": 9.90})
        order = self._order([(self.product, 1)])
        shipping_line = order.order_line.filtered("itscope_is_shipping")
        self.assertEqual((shipping_line.product_id, shipping_line.price_unit), (shipping, 9.90))
        self.assertFalse(shipping_line.itscope_for_end_customer)
        shipping_line.price_unit = 12.5  # the buyer may change it
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "sent")
        sent = parse_document(base64.b64decode(order.itscope_order_xml))
        self.assertEqual([line.supplier_pid for line in sent.lines], [self.offers[1][0]["supplierSKU"]])
        self.assertEqual(len(order.order_line.filtered("itscope_is_shipping")), 1)


@tagged("post_install", "-at_install")
class TestDealMirror(ItscopeOrderCase):
    def test_status_mirror_posts_one_message_per_change_with_one_list_call_per_page(self):
        order = self._order([(self.product, 1)])
        order.button_confirm()

        def status_messages():
            return order.message_ids.filtered(lambda message: "ITscope status" in (message.body or ""))

        self._mirror()
        self.assertFalse(status_messages(), "nothing changed since the send")
        self._advance(2)
        self._mirror()
        self.assertEqual(order.itscope_status, "ARRIVED")
        self.assertEqual(len(status_messages()), 1)
        self._mirror()
        self.assertEqual(len(status_messages()), 1, "the same status is not posted twice")
        self._advance(5)
        self._mirror()
        self.assertEqual(order.itscope_status, "PROCESSING")
        self.assertEqual(len(status_messages()), 2)

        self.assertEqual(len(self.sandbox.api_requests("/business/deals/purchase/deal.json")), 4, "one call a run")
        self.assertFalse(
            [entry for entry in self.sandbox.api_requests("/deal.json") if "/purchase/" not in entry.path],
            "no call per order",
        )
        self.assertTrue(order.itscope_status_date)

    def test_scheduled_actions_mirror_and_process(self):
        order = self._order([(self.product, 1)])
        order.button_confirm()
        self._advance(6)
        self.env["itscope.order.exchange"]._cron_itscope_sync_deals()
        self.env["itscope.document"]._cron_itscope_fetch_documents()
        self.assertEqual(order.itscope_status, "PROCESSING")
        self.assertEqual(order.itscope_document_ids.filtered(lambda d: d.direction == "in").state, "processed")
        runs = self.env["itscope.sync.run"].search([("company_id", "=", self.company.id)], order="id")
        self.assertEqual(runs.mapped("kind")[-2:], ["deals", "documents"])

    def test_statuses_that_need_the_buyer_raise_an_activity_and_cancelled_lines_show(self):
        available, unavailable = self.product, self._product(self.offers[6][0])
        order = self._order([(available, 1), (unavailable, 2)])
        order.button_confirm()
        self._advance(2)
        self._mirror()
        self.assertEqual(order.itscope_status, "ARRIVED_WARNING")
        self.assertTrue(order.activity_ids.filtered(lambda activity: "Arrived with warning" in activity.summary))
        self._advance(5)
        self._mirror()
        self._fetch()
        self.assertEqual(order.itscope_status, "PARTIALLY_PROCESSING")
        lines = {line.product_id: line for line in order.order_line}
        self.assertEqual(lines[unavailable].itscope_confirmation, "cancelled")
        self.assertEqual(lines[available].itscope_confirmation, "confirmed")
        self.assertTrue(order.activity_ids.filtered(lambda activity: "changed lines" in activity.summary))


@tagged("post_install", "-at_install")
class TestOrderContent(ItscopeOrderCase):
    """What distributors need in an ORDER beyond goods in pieces (real-world doc section 4, issue 13 part 4)."""

    def _sent(self, order):
        xml = base64.b64decode(order.itscope_order_xml)
        if XSD_DIR.is_dir():
            self.assertEqual(validate(xml, XSD_DIR), [])
        return parse_document(xml)

    def test_delivery_dates_and_a_box_unit(self):
        """Each line carries its planned date as DELIVERY_DATE and its unit's UN/ECE code; the ORDER validates."""
        box = self.env["uom.uom"].create(
            {
                "name": "Box of 10",
                "category_id": self.env.ref("uom.product_uom_categ_unit").id,
                "uom_type": "bigger",
                "factor_inv": 10,
                "itscope_unece_code": "BX",
            }
        )
        boxed = self._product(self.offers[1][1])
        order = self._order([(self.product, 3), (boxed, 2)])
        lines = {line.product_id: line for line in order.order_line}
        lines[boxed].write({"product_uom": box.id, "date_planned": "2031-05-06 10:00:00"})
        lines[self.product].date_planned = "2031-05-04 10:00:00"
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "sent", order.itscope_send_error)
        sent = {line.line_id: line for line in self._sent(order).lines}
        piece, boxes = sent[lines[self.product]._itscope_line_item_id()], sent[lines[boxed]._itscope_line_item_id()]
        self.assertEqual((piece.unit, piece.quantity, piece.delivery_start), ("C62", 3, date(2031, 5, 4)))
        self.assertEqual((boxes.unit, boxes.quantity, boxes.delivery_end), ("BX", 2, date(2031, 5, 6)))

    def test_unit_without_code_is_refused_before_sending(self):
        crate = self.env["uom.uom"].create(
            {
                "name": "Crate",
                "category_id": self.env.ref("uom.product_uom_categ_unit").id,
                "uom_type": "bigger",
                "factor_inv": 6,
            }
        )
        order = self._order([(self.product, 1)])
        order.order_line.product_uom = crate
        with self.assertRaisesRegex(UserError, "Crate of .*no UN/ECE code"):
            order.button_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._posts())

    def test_standard_units_carry_their_codes(self):
        codes = {
            xml_id: self.env.ref(xml_id).itscope_unece_code
            for xml_id in (
                "uom.product_uom_unit",
                "uom.product_uom_dozen",
                "uom.product_uom_kgm",
                "uom.product_uom_meter",
                "uom.product_uom_hour",
            )
        }
        self.assertEqual(list(codes.values()), ["C62", "DZN", "KGM", "MTR", "HUR"])

    def test_licence_and_service_lines_for_a_customer_delivered_directly(self):
        """A PO delivering to a customer's address: drop-ship, the delivery party with a handle of its own, the
        invoice recipient, the customer as licensee, and PRODUCT_TYPE on licence and service lines."""
        licence_type = self.env["itscope.product.type"].create(
            {
                "company_id": self.company.id,
                "itscope_id": "9001",
                "name": "Software licences",
                "category_id": self.env.ref("product.product_category_all").id,
                "order_kind": "license",
            }
        )
        licence = self._product(self.offers[1][1], itscope_product_type_id=licence_type.id)
        support = self._product(self.offers[1][2], type="service", is_storable=False)
        customer = self.env["res.partner"].create(
            {"name": "Kunde GmbH", "is_company": True, "street": "Hauptstr. 1", "zip": "A-1090", "city": "Wien"}
        )
        order = self._order([(self.product, 1), (licence, 5), (support, 1)], dest_address_id=customer.id)
        self.assertTrue(order.itscope_dropship)
        lines = {line.product_id: line for line in order.order_line}
        self.assertEqual(
            [lines[product].itscope_product_type for product in (self.product, licence, support)],
            ["physical", "license", "service"],
        )
        order.button_confirm()
        self.assertEqual(order.itscope_send_state, "sent", order.itscope_send_error)
        sent = self._sent(order)
        self.assertTrue(sent.dropship)
        delivery, recipient, licensee = (sent.party(role) for role in ("delivery", "invoice_recipient", "customer"))
        self.assertEqual((delivery.name, delivery.zip), ("Kunde GmbH", "1090"))
        self.assertEqual(delivery.party_id, "ODOO-%s" % customer.id)
        self.assertNotEqual(delivery.party_id, sent.buyer_id)
        self.assertEqual((recipient.name, recipient.party_id), (self.company.name, "TEST-4711"))
        self.assertEqual((licensee.name, licensee.party_id), ("Kunde GmbH", "ODOO-%s" % customer.id))
        by_sku = {line.supplier_pid: line for line in sent.lines}
        kinds = {
            product: by_sku[lines[product]._itscope_supplier_sku()] for product in (self.product, licence, support)
        }
        self.assertEqual(
            [(kinds[product].product_type, kinds[product].customer_id) for product in (self.product, licence, support)],
            [("physical", None), ("license", licensee.party_id), ("service", licensee.party_id)],
        )

    def test_licence_line_without_end_customer_is_refused(self):
        support = self._product(self.offers[1][2], type="service", is_storable=False)
        order = self._order([(support, 1)])
        with self.assertRaisesRegex(UserError, "end customer"):
            order.button_confirm()
        self.assertFalse(self._posts())

    def test_purchaser_picks_another_customer_account(self):
        """Several customer accounts at one distributor: an RFQ uses the main one unless the purchaser picks another."""
        projects = self.env["itscope.customer.account"].create(
            {"distributor_id": self.distributor.id, "number": "TEST-4711-P", "name": "Projects"}
        )
        main = self._order([(self.product, 1)])
        picked = self._order([(self.product, 1)])
        self.assertEqual(picked.itscope_customer_account, "TEST-4711")
        picked.itscope_customer_account_id = projects
        self.assertEqual(picked.itscope_customer_account, "TEST-4711-P")
        (main | picked).button_confirm()
        self.assertEqual(self._sent(main).buyer_id, "TEST-4711")
        self.assertEqual(self._sent(picked).buyer_id, "TEST-4711-P")
        self.assertEqual(self._sent(picked).party("invoice_recipient").party_id, "TEST-4711-P")


@tagged("post_install", "-at_install")
class TestConfirmationIsOneFact(ItscopeOrderCase):
    """Once ITscope took the ORDER, nothing that follows can undo the confirmation or the record of the send
    (issue 16 part 5)."""

    def test_confirming_user_without_email(self):
        """Odoo cannot post as a user without an e-mail address: the chatter line is posted by the system."""
        buyer = self._create_user(
            "buyer-without-mail", ["purchase.group_purchase_user", "itscope_connector.group_itscope_user"]
        )
        self.assertFalse(buyer.email)
        order = self._order([(self.product, 1)], user_id=buyer.id)
        order.with_user(buyer).button_confirm()
        self.assertEqual((order.state, order.itscope_send_state), ("purchase", "sent"))
        [deal] = self._deals_of(order)
        [sent_message] = order.message_ids.filtered(lambda message: "Sent to ITscope" in (message.body or ""))
        self.assertEqual(sent_message.author_id, self.env.ref("base.partner_root"))
        self.assertIn(deal.order_id, sent_message.body)

    def test_failure_after_the_send_keeps_the_confirmation_and_the_send(self):
        """The chatter fails after ITscope accepted: the order stays confirmed and sent, the failure is logged."""
        order = self._order([(self.product, 1)])
        order_class = type(self.env["purchase.order"])

        def broken_post(self, **kwargs):
            raise RuntimeError("mail server on fire")

        with (
            patch.object(order_class, "message_post", broken_post),
            self.assertLogs("odoo.addons.itscope_connector.models.itscope_order_exchange", "WARNING") as logs,
        ):
            order.button_confirm()
        self.assertIn("was sent to ITscope as order", logs.output[0])
        [deal] = self._deals_of(order)
        self.assertEqual((order.state, order.itscope_send_state), ("purchase", "sent"))
        self.assertEqual(
            (order.itscope_order_id, order.itscope_order_document_id.itscope_order_id), (deal.order_id,) * 2
        )
        self.assertTrue(order.picking_ids)
        self._advance(6)
        self._mirror()
        self.assertEqual(order.itscope_status, "PROCESSING", "the deal mirror follows the order")

    def test_concurrent_confirmation_is_refused_without_an_error_line(self):
        """Another worker holds the order: the confirmation is refused at once with a message and no ERROR line."""
        dbname = self.env.cr.dbname
        with contextlib.closing(sql_db.db_connect(dbname).cursor()) as setup_cr:
            setup_cr.execute("SET lock_timeout = '10s'")
            env = api.Environment(setup_cr, SUPERUSER_ID, {})
            order_id = env["purchase.order"].create({"partner_id": env.company.partner_id.id}).id
            setup_cr.commit()

        def drop():
            with contextlib.closing(sql_db.db_connect(dbname).cursor()) as cleanup_cr:
                cleanup_cr.execute("DELETE FROM purchase_order WHERE id = %s", [order_id])
                cleanup_cr.commit()

        self.addCleanup(drop)
        with (
            contextlib.closing(sql_db.db_connect(dbname).cursor()) as holder_cr,
            contextlib.closing(sql_db.db_connect(dbname).cursor()) as other_cr,
        ):
            holder_cr.execute("SELECT id FROM purchase_order WHERE id = %s FOR NO KEY UPDATE", [order_id])
            other = api.Environment(other_cr, SUPERUSER_ID, {})
            with self.assertNoLogs("odoo.sql_db", "ERROR"), self.assertRaisesRegex(UserError, "by someone else"):
                other["itscope.order.exchange"]._lock(other["purchase.order"].browse(order_id))
            other_cr.rollback()
            holder_cr.rollback()
