import base64

from lxml import etree

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

    def _invoiced_order(self, quantity=1):
        """A confirmed order the sandbox has invoiced, and the INVOICE it wrote (not recorded in Odoo)."""
        order = self._order([(self.product, quantity)])
        order.button_confirm()
        self._advance(126)  # the deal is invoiced by then
        with self.env["itscope.service"]._client(self.company) as client:
            deal = client.deal(order.itscope_order_id)
            xml = client.document(deal["invoice"][0]["transactionId"], "INVOICE")
        return order, xml

    def test_invoice_whose_total_differs_from_the_bill_is_flagged(self):
        order, xml = self._invoiced_order()
        total = parse_document(xml).totals.total
        xml = xml.replace(b">%s</TOTAL_AMOUNT>" % str(total).encode(), b">%s</TOTAL_AMOUNT>" % str(total + 1).encode())
        document = self._document(order, xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        bill = document.bill_id
        self.assertEqual(bill.itscope_invoice_total, float(total + 1))
        self.assertTrue(bill.itscope_total_differs)
        self.assertTrue(bill.activity_ids.filtered(lambda activity: "differs" in activity.summary))

    def test_invoice_naming_no_order_is_matched_through_its_deal(self):
        """A distributor's INVOICE without any ORDER_ID (header or lines) is billed on the order of the ITscope deal it
        came with; the same document listed under another deal is refused, and nothing is billed."""
        order, xml = self._invoiced_order()
        xml = _without(xml, "ORDER_ID", "ALT_CUSTOMER_ORDER_ID")
        parsed = parse_document(xml)
        self.assertEqual((parsed.order_id, parsed.order_ids, parsed.alt_customer_order_ids), (None, [], []))
        document = self._document(order, xml, doc_type="INVOICE")
        document.itscope_order_id = order.itscope_order_id
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        self.assertEqual(document.bill_id.invoice_line_ids.purchase_line_id, order.order_line)
        self.assertIn("names no ORDER_ID", document.warnings or "")

        other, other_xml = self._invoiced_order()
        stray = self._document(other, _without(other_xml, "ORDER_ID", "ALT_CUSTOMER_ORDER_ID"), doc_type="INVOICE")
        stray.itscope_order_id = order.itscope_order_id
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(stray.state, "failed")
        self.assertIn("names no order", stray.error)
        self.assertFalse(other.invoice_ids)

    def test_collective_invoice_bills_every_order_it_names(self):
        """One INVOICE for two orders at the distributor: one draft bill whose lines link to each order's line."""
        first, first_xml = self._invoiced_order(quantity=1)
        second, second_xml = self._invoiced_order(quantity=2)
        root = etree.fromstring(first_xml)
        item_list = _find(root, "INVOICE_ITEM_LIST")[0]
        for item in _find(etree.fromstring(second_xml), "INVOICE_ITEM"):
            item_list.append(item)
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        self.assertEqual(set(parse_document(xml).order_ids), {first.itscope_order_id, second.itscope_order_id})
        document = self._document(first, xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        self.assertEqual(document.bill_id.invoice_line_ids.purchase_line_id, first.order_line | second.order_line)
        self.assertEqual((first.invoice_ids, second.invoice_ids), (document.bill_id, document.bill_id))

    def test_credit_note_becomes_a_draft_vendor_credit_note(self):
        """A credit note (INVOICE_TYPE credit_memo, amounts written negative) naming the invoice it corrects: a draft
        vendor credit note with positive amounts, reversing the bill of that invoice; its facts stay readable."""
        order, xml = self._invoiced_order(quantity=2)
        invoice = self._document(order, xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        bill = invoice.bill_id
        self.assertEqual(bill.state, "draft", invoice.error)
        invoice_id = parse_document(xml).document_id

        root = etree.fromstring(xml)
        [date_element] = _find(root, "INVOICE_DATE")
        invoice_type = etree.Element(_sibling_tag(date_element, "INVOICE_TYPE"))
        invoice_type.text = "credit_memo"
        date_element.addnext(invoice_type)
        _find(root, "INVOICE_ID")[0].text = "CN-" + invoice_id
        for tag in ("QUANTITY", "PRICE_LINE_AMOUNT", "TOTAL_AMOUNT", "NET_VALUE_GOODS", "TAX_AMOUNT"):
            for element in _find(root, tag):
                element.text = "-" + element.text
        for item in _find(root, "INVOICE_ITEM"):
            correction = etree.SubElement(item, _sibling_tag(item, "INVOICE_CORRECTION"))
            reference = etree.SubElement(correction, _sibling_tag(item, "INVOICE_REFERENCE"))
            etree.SubElement(reference, _sibling_tag(item, "INVOICE_ID")).text = invoice_id
        credit_xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        parsed = parse_document(credit_xml)
        self.assertTrue(parsed.is_credit_note)

        document = self._document(order, credit_xml, doc_type="INVOICE")
        self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertEqual(document.state, "processed", document.error)
        credit = document.bill_id
        self.assertEqual((credit.move_type, credit.state, credit.ref), ("in_refund", "draft", "CN-" + invoice_id))
        self.assertEqual(credit.reversed_entry_id, bill)
        self.assertEqual(credit.invoice_line_ids.purchase_line_id, order.order_line)
        self.assertEqual(credit.invoice_line_ids.filtered("purchase_line_id").mapped("quantity"), [2.0])
        self.assertEqual(credit.currency_id.compare_amounts(credit.amount_total, bill.amount_total), 0)
        self.assertFalse(credit.itscope_total_differs)
        self.assertEqual(order.order_line.qty_invoiced, 0.0, "the credit note takes back what the bill invoiced")
        self.assertIn('"corrected_invoice_id": "%s"' % invoice_id, document.content)


def _find(root, tag):
    """Every element named ``tag`` in any namespace."""
    return root.xpath("//*[local-name() = $tag]", tag=tag)


def _sibling_tag(element, name):
    """The tag ``name`` in ``element``'s namespace."""
    namespace = etree.QName(element).namespace
    return "{%s}%s" % (namespace, name) if namespace else name


def _without(xml, *tags):
    """``xml`` with every element of ``tags`` removed."""
    root = etree.fromstring(xml)
    for element in (element for tag in tags for element in _find(root, tag)):
        element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
