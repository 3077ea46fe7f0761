import base64

from odoo.tests import tagged

from ..itscope.opentrans import parse_document
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestInvoice(ItscopeOrderCase):
    def test_invoice_becomes_a_draft_bill_with_the_invoice_total(self):
        """The INVOICE of a delivered order: a draft bill whose total is the INVOICE's, its lines linked to the order's,
        freight on the order's shipping line, the XML attached; and nothing recorded, downloaded or processed twice."""
        self._confirm_lifecycle_order()
        order = self.order
        for minutes in (6, 55, 30):  # order response, then both dispatch notifications
            self._follow(minutes)
        self.receipt.button_validate()

        self._follow(30)
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

    def test_invoice_whose_total_differs_from_the_bill_is_flagged(self):
        order = self._order([(self.product, 1)])
        order.button_confirm()
        self._advance(126)  # the deal is invoiced by then
        with self.env["itscope.service"]._client(self.company) as client:
            deal = client.deal(order.itscope_order_id)
            xml = client.document(deal["invoice"][0]["transactionId"], "INVOICE")
        total = parse_document(xml).totals.total
        xml = xml.replace(b">%s</TOTAL_AMOUNT>" % str(total).encode(), b">%s</TOTAL_AMOUNT>" % str(total + 1).encode())
        document = self._document(order, xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        bill = document.bill_id
        self.assertEqual(bill.itscope_invoice_total, float(total + 1))
        self.assertTrue(bill.itscope_total_differs)
        self.assertTrue(bill.activity_ids.filtered(lambda activity: "differs" in activity.summary))
