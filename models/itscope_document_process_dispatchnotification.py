from odoo import api, models
from odoo.tools import format_list

from ..itscope.errors import ItscopeDocumentError


class ItscopeDocumentProcessDispatchnotification(models.AbstractModel):
    """DISPATCHNOTIFICATION: what the distributor shipped, prefilled on the order's open receipts."""

    _name = "itscope.document.process.dispatchnotification"
    _inherit = "itscope.document.process"
    _description = "ITscope Dispatch Notification Processor"

    @api.model
    def _process(self, document, parsed):
        """The shipment (tracking, carrier, packages) onto the receipts, each line's quantity or serial numbers onto
        its open receipt move; a shipped line without an open receipt fails the whole notification."""
        order = document.purchase_id
        pairs = self._paired_lines(order, parsed)
        pickings = self.env["stock.picking"]
        for line, _item in pairs:
            moves = line._itscope_open_receipt_moves()
            if not moves:
                raise ItscopeDocumentError(
                    self.env._(
                        "The dispatch notification ships %(product)s, which has no open receipt on %(order)s.",
                        product=line.product_id.display_name,
                        order=order.name,
                    )
                )
            pickings |= moves.picking_id
        pickings._itscope_add_shipment(parsed.shipment, [package for _line, item in pairs for package in item.packages])
        for line, item in pairs:
            line._itscope_apply_dispatch_line(item)
        shipment = parsed.shipment
        order._itscope_sender().message_post(
            body=self.env._(
                "Dispatch notification: shipment %(shipment)s (%(carrier)s) prefilled on %(pickings)s.",
                shipment=shipment and shipment.shipment_id or "-",
                carrier=shipment and shipment.carrier or "-",
                pickings=format_list(self.env, pickings.mapped("name")),
            )
        )
