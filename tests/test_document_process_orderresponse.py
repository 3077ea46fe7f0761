import base64

from odoo.tests import tagged

from ..itscope.opentrans import parse_document
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestOrderResponse(ItscopeOrderCase):
    def test_order_response_confirms_the_lines(self):
        """The distributor's ORDERRESPONSE: its order number on the order, every line confirmed, the promised
        delivery date planned."""
        self._confirm_lifecycle_order()
        order = self.order
        self._advance(6)
        self._mirror()
        self.assertEqual(order.itscope_status, "PROCESSING")
        self._fetch()
        response = order.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE")
        self.assertEqual(response.state, "processed", response.error)
        confirmed = parse_document(base64.b64decode(response.xml_file))
        self.assertTrue(order.itscope_supplier_order_id)
        self.assertEqual(order.itscope_supplier_order_id, confirmed.supplier_order_id)
        self.assertEqual(set(order._itscope_order_lines().mapped("itscope_confirmation")), {"confirmed"})
        self.assertEqual(self.lines[self.serialized].date_planned.date(), confirmed.lines[0].delivery_end)
