from odoo.tests import tagged

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
