from lxml import etree

from odoo.tests import tagged

from ..itscope.opentrans import parse_document
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestDispatchNotification(ItscopeOrderCase):
    def test_two_dispatch_notifications_prefill_the_receipt(self):
        """A partial shipment, then the rest: tracking, carrier and packages on the receipt, serial numbers as lots,
        the quantities advised so far on the receipt's moves."""
        self._confirm_lifecycle_order()
        order, lines, receipt = self.order, self.lines, self.receipt
        self._follow(6)  # the order response

        self._follow(55)
        self.assertEqual(order.itscope_status, "PARTIALLY_ADVISED")
        [deal] = self._deals_of(order)
        serial_move = lines[self.serialized].move_ids
        line_item_id = lines[self.serialized]._itscope_line_item_id()
        self.assertEqual(
            sorted(serial_move.move_line_ids.lot_id.mapped("name")),
            ["%s-%s-%03d" % (deal.order_id, line_item_id, unit) for unit in (1, 2)],
        )
        self.assertEqual(serial_move.quantity, 2)
        self.assertEqual(lines[self.plain].move_ids.quantity, self.backorder_item["stock"])
        self.assertTrue(receipt.itscope_tracking_ref.startswith("1Z"))
        self.assertIn(receipt.itscope_tracking_ref, receipt.itscope_tracking_url)
        self.assertEqual(receipt.itscope_carrier, "UPS")
        self.assertTrue(receipt.itscope_package_ids)

        self._follow(30)
        self.assertEqual(order.itscope_status, "ADVISED")
        self.assertEqual(lines[self.plain].move_ids.quantity, self.backorder_item["stock"] + 2)
        self.assertEqual(len(receipt.itscope_tracking_ref.split(", ")), 2, "both shipments are on the receipt")
        self.assertEqual(len(receipt.itscope_package_ids.split(", ")), 2)
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(self.env["stock.quant"]._get_available_quantity(self.serialized, receipt.location_dest_id), 2)

    def test_lot_numbers_go_onto_the_receipt_of_a_lot_tracked_product(self):
        """A DISPATCHNOTIFICATION naming lot numbers: the lots on the receipt's move lines with the shipped quantity
        (shared in whole units when it names several), the line's packages on the receipt, every fact readable on the
        document; the receipt validates into stock per lot."""
        product = self._product(next(item for item in self.offers[1][1:] if item["stock"] >= 5), tracking="lot")
        order = self._order([(product, 5)])
        order.button_confirm()
        self._advance(126)  # the deal is shipped and invoiced by then
        with self.env["itscope.service"]._client(self.company) as client:
            deal = client.deal(order.itscope_order_id)
            xml = client.document(deal["dispatchnotification"][0]["transactionId"], "DISPATCHNOTIFICATION")
        root = etree.fromstring(xml)
        for pid in root.xpath("//*[local-name() = 'PRODUCT_ID']/*[local-name() = 'SUPPLIER_PID']"):
            for name in ("CH-0815", "CH-0816"):
                lot = etree.Element(etree.QName(pid.getparent()).text.replace("PRODUCT_ID", "LOT_NUMBER"))
                lot.text = name
                pid.addnext(lot)
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        parsed = parse_document(xml)
        self.assertEqual([sorted(line.lot_numbers) for line in parsed.lines], [["CH-0815", "CH-0816"]])
        self.assertEqual(parsed.lines[0].quantity, 5)

        document = self._document(order, xml, doc_type="DISPATCHNOTIFICATION")
        self._fetch()
        self.assertEqual(document.state, "processed", document.error)
        receipt = order.picking_ids
        quantities = {move_line.lot_id.name: move_line.quantity for move_line in receipt.move_line_ids}
        self.assertEqual(quantities, {"CH-0816": 3.0, "CH-0815": 2.0})
        self.assertIn('"CH-0815"', document.content)
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        lots = self.env["stock.lot"].search([("product_id", "=", product.id)])
        self.assertEqual(sorted(lots.mapped("product_qty")), [2.0, 3.0])
