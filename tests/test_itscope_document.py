import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestBadDocuments(ItscopeOrderCase):
    def setUp(self):
        super().setUp()
        self.order = self._order([(self.product, 1)])
        self.order.button_confirm()
        self._advance(6)

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
        self.assertTrue(self.order.activity_ids.filtered(lambda activity: "could not be processed" in activity.summary))

    def test_malformed_xml_fails_with_the_reason(self):
        document = self._document(self.order, b"<ORDERRESPONSE><unclosed>")
        self._assert_fails_and_changes_nothing(document, "not well-formed")

    def test_unknown_document_type_fails(self):
        self._assert_fails_and_changes_nothing(self._document(self.order, b"<PRICELIST/>"), "Unknown document type")

    def test_document_of_another_type_fails(self):
        document = self._document(self.order, self._order_response(), doc_type="INVOICE")
        self._assert_fails_and_changes_nothing(document, "listed this document as INVOICE")

    def test_document_for_another_order_fails(self):
        xml = self._order_response().replace(self.order.itscope_order_id.encode(), b"OTHER-000000-0000")
        xml = xml.replace(self.order.name.encode(), b"P99999")
        self._assert_fails_and_changes_nothing(self._document(self.order, xml), "is for order OTHER-000000-0000")

    def test_document_with_lines_we_did_not_order_fails(self):
        line_id = self.order.order_line._itscope_line_item_id().encode()
        xml = self._order_response().replace(b">%s<" % line_id, b">99999<")
        xml = xml.replace(self.offers[1][0]["supplierSKU"].encode(), b"PT-UNKNOWN")
        self._assert_fails_and_changes_nothing(self._document(self.order, xml), "not on %s" % self.order.name)

    def test_reprocess_applies_a_failed_document_once_it_can_be(self):
        document = self._document(self.order, self._order_response())
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

    def test_a_transaction_is_recorded_once_per_company(self):
        self._mirror()
        self._mirror()
        responses = self.order.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE")
        self.assertEqual(len(responses), 1)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            responses.copy({"transaction_id": responses.transaction_id})
