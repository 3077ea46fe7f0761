import base64

import psycopg2

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..itscope.opentrans import parse_document
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestOrderLifecycle(ItscopeOrderCase):
    def test_full_lifecycle(self):
        """confirm → SENT → confirmed → two dispatch notifications (tracking, serials, partial) → draft bill whose
        total is the INVOICE's, with freight on the order's shipping line."""
        shipping = self.env["product.product"].create(
            {"name": "Freight", "type": "service", "supplier_taxes_id": [Command.set(self.tax.ids)]}
        )
        self.distributor.write({"shipping_product_id": shipping.id, "shipping_cost": 9.90})
        serial_item = self.offers[1][0]
        backorder_item = min(self.offers[3], key=lambda item: item["stock"])
        serialized = self._product(serial_item, tracking="serial")
        plain = self._product(backorder_item)
        order = self._order([(serialized, 2), (plain, backorder_item["stock"] + 2)])
        lines = {line.product_id: line for line in order.order_line}
        order.button_confirm()
        self.assertEqual((order.itscope_send_state, order.itscope_status), ("sent", "SENT"))
        receipt = order.picking_ids
        self.assertEqual(len(receipt), 1)

        self._advance(6)
        self._mirror()
        self.assertEqual(order.itscope_status, "PROCESSING")
        self._fetch()
        response = order.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE")
        self.assertEqual(response.state, "processed", response.error)
        [deal] = self._deals_of(order)
        confirmed = parse_document(base64.b64decode(response.xml_file))
        self.assertTrue(order.itscope_supplier_order_id)
        self.assertEqual(order.itscope_supplier_order_id, confirmed.supplier_order_id)
        self.assertEqual(set(order._itscope_order_lines().mapped("itscope_confirmation")), {"confirmed"})
        self.assertEqual(lines[serialized].date_planned.date(), confirmed.lines[0].delivery_end)

        self._advance(55)
        self._mirror()
        self._fetch()
        self.assertEqual(order.itscope_status, "PARTIALLY_ADVISED")
        serial_move = lines[serialized].move_ids
        line_item_id = lines[serialized]._itscope_line_item_id()
        self.assertEqual(
            sorted(serial_move.move_line_ids.lot_id.mapped("name")),
            ["%s-%s-%03d" % (deal.order_id, line_item_id, unit) for unit in (1, 2)],
        )
        self.assertEqual(serial_move.quantity, 2)
        self.assertEqual(lines[plain].move_ids.quantity, backorder_item["stock"])
        self.assertTrue(receipt.itscope_tracking_ref.startswith("1Z"))
        self.assertIn(receipt.itscope_tracking_ref, receipt.itscope_tracking_url)
        self.assertEqual(receipt.itscope_carrier, "UPS")
        self.assertTrue(receipt.itscope_package_ids)

        self._advance(30)
        self._mirror()
        self._fetch()
        self.assertEqual(order.itscope_status, "ADVISED")
        self.assertEqual(lines[plain].move_ids.quantity, backorder_item["stock"] + 2)
        self.assertEqual(len(receipt.itscope_tracking_ref.split(", ")), 2, "both shipments are on the receipt")
        self.assertEqual(len(receipt.itscope_package_ids.split(", ")), 2)
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(self.env["stock.quant"]._get_available_quantity(serialized, receipt.location_dest_id), 2)

        self._advance(30)
        self._mirror()
        self._fetch()
        self.assertEqual(order.itscope_status, "INVOICED")
        invoice = order.itscope_document_ids.filtered(lambda document: document.doc_type == "INVOICE")
        self.assertEqual(invoice.state, "processed", invoice.error)
        parsed = parse_document(base64.b64decode(invoice.xml_file))
        bill = invoice.bill_id
        self.assertEqual((bill.state, bill.move_type), ("draft", "in_invoice"))
        self.assertEqual(bill.ref, parsed.document_id)
        self.assertEqual(bill.currency_id.compare_amounts(bill.amount_total, float(parsed.totals.total)), 0)
        self.assertFalse(bill.itscope_total_differs)
        self.assertEqual(set(bill.invoice_line_ids.purchase_line_id.ids), set(order.order_line.ids))
        freight = bill.invoice_line_ids.filtered(lambda line: line.purchase_line_id.itscope_is_shipping)
        self.assertEqual((freight.price_unit, freight.tax_ids), (9.90, self.tax))
        attachments = self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id)])
        self.assertIn(invoice.xml_filename, attachments.mapped("name"))
        self.assertEqual(order.invoice_ids, bill)

        # Nothing is recorded, downloaded or processed twice.
        documents = order.itscope_document_ids
        self.assertEqual(
            sorted(documents.mapped("doc_type")),
            ["DISPATCHNOTIFICATION", "DISPATCHNOTIFICATION", "INVOICE", "ORDER", "ORDERRESPONSE"],
        )
        requests_before = len(self.sandbox.api_requests("/business/documents/"))
        self._mirror()
        self._fetch()
        self.assertEqual(order.itscope_document_ids, documents)
        self.assertEqual(len(self.sandbox.api_requests("/business/documents/")), requests_before)
        self.assertEqual(len(order.invoice_ids), 1)


@tagged("post_install", "-at_install")
class TestBadDocuments(ItscopeOrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._product(cls.offers[1][0])

    def setUp(self):
        super().setUp()
        self.order = self._order([(self.product, 1)])
        self.order.button_confirm()
        self._advance(6)

    def _document(self, xml, doc_type="ORDERRESPONSE"):
        return self.env["itscope.document"].create(
            {
                "company_id": self.company.id,
                "purchase_id": self.order.id,
                "direction": "in",
                "doc_type": doc_type,
                "transaction_id": "test-%s" % len(xml),
                "xml_file": base64.b64encode(xml),
            }
        )

    def _order_response(self):
        """The real ORDERRESPONSE ITscope has for the order by now."""
        with self.env["itscope.service"]._client(self.company) as client:
            deal = client.deal(self.order.itscope_order_id)
            return client.document(deal["orderresponse"][0]["transactionId"], "ORDERRESPONSE")

    def _snapshot(self):
        line = self.order.order_line
        return (
            self.order.itscope_supplier_order_id,
            line.itscope_confirmation,
            line.itscope_confirmed_qty,
            line.date_planned,
            self.order.picking_ids.move_ids.quantity,
        )

    def _assert_fails_and_changes_nothing(self, document, reason):
        before = self._snapshot()
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "failed")
        self.assertIn(reason, document.error or "")
        self.assertEqual(self._snapshot(), before)
        self.assertTrue(
            self.order.activity_ids.filtered(lambda activity: "could not be processed" in activity.summary)
        )

    def test_malformed_xml_fails_with_the_reason(self):
        self._assert_fails_and_changes_nothing(self._document(b"<ORDERRESPONSE><unclosed>"), "not well-formed")

    def test_unknown_document_type_fails(self):
        self._assert_fails_and_changes_nothing(self._document(b"<PRICELIST/>"), "Unknown document type")

    def test_document_of_another_type_fails(self):
        document = self._document(self._order_response(), doc_type="INVOICE")
        self._assert_fails_and_changes_nothing(document, "listed this document as INVOICE")

    def test_document_for_another_order_fails(self):
        xml = self._order_response().replace(self.order.itscope_order_id.encode(), b"OTHER-000000-0000")
        xml = xml.replace(self.order.name.encode(), b"P99999")
        self._assert_fails_and_changes_nothing(self._document(xml), "is for order OTHER-000000-0000")

    def test_document_with_lines_we_did_not_order_fails(self):
        line_id = self.order.order_line._itscope_line_item_id().encode()
        xml = self._order_response().replace(b">%s<" % line_id, b">99999<")
        xml = xml.replace(self.offers[1][0]["supplierSKU"].encode(), b"PT-UNKNOWN")
        self._assert_fails_and_changes_nothing(self._document(xml), "not on %s" % self.order.name)

    def test_reprocess_applies_a_failed_document_once_it_can_be(self):
        document = self._document(self._order_response())
        self.order.itscope_order_id, real_id = "SOMETHING-ELSE", self.order.itscope_order_id
        self.order.name, real_name = "P-RENAMED", self.order.name
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "failed")
        self.order.write({"itscope_order_id": real_id, "name": real_name})
        document.action_reprocess()
        self.assertEqual(document.state, "processed")
        self.assertEqual(self.order.order_line.itscope_confirmation, "confirmed")
        with self.assertRaises(UserError):
            document.action_reprocess()

    def test_invoice_whose_total_differs_from_the_bill_is_flagged(self):
        self._advance(120)
        with self.env["itscope.service"]._client(self.company) as client:
            deal = client.deal(self.order.itscope_order_id)
            xml = client.document(deal["invoice"][0]["transactionId"], "INVOICE")
        total = parse_document(xml).totals.total
        xml = xml.replace(b">%s</TOTAL_AMOUNT>" % str(total).encode(), b">%s</TOTAL_AMOUNT>" % str(total + 1).encode())
        document = self._document(xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        bill = document.bill_id
        self.assertEqual(bill.itscope_invoice_total, float(total + 1))
        self.assertTrue(bill.itscope_total_differs)
        self.assertTrue(bill.activity_ids.filtered(lambda activity: "differs" in activity.summary))

    def test_a_transaction_is_recorded_once_per_company(self):
        self._mirror()
        self._mirror()
        responses = self.order.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE")
        self.assertEqual(len(responses), 1)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            responses.copy({"transaction_id": responses.transaction_id})
