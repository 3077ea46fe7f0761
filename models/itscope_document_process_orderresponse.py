from markupsafe import Markup

from odoo import api, models


class ItscopeDocumentProcessOrderresponse(models.AbstractModel):
    """ORDERRESPONSE: the distributor confirms, changes or cancels the ordered lines and gives its order number."""

    _name = "itscope.document.process.orderresponse"
    _inherit = "itscope.document.process"
    _description = "ITscope Order Response Processor"

    @api.model
    def _process(self, document, parsed):
        """Confirmed quantities, prices and dates onto the lines; one chatter line, and an activity for the buyer
        when the distributor cancelled, cut or repriced a line."""
        order = document.purchase_id
        pairs = self._paired_lines(order, parsed)
        if parsed.supplier_order_id:
            if order.partner_ref in (False, order.itscope_supplier_order_id):  # never the buyer's own reference
                order.partner_ref = parsed.supplier_order_id
            order.itscope_supplier_order_id = parsed.supplier_order_id
        lines = self.env["purchase.order.line"]
        for line, item in pairs:
            line._itscope_apply_order_response(item, parsed)
            lines |= line
        cancelled = lines.filtered(lambda line: line.itscope_confirmation == "cancelled")
        partial = lines.filtered(lambda line: line.itscope_confirmation == "partial")
        repriced = lines.filtered("itscope_price_differs")
        notes = [
            self.env._(
                "Order response from the distributor (order number %(number)s): %(count)s lines answered.",
                number=parsed.supplier_order_id or "-",
                count=len(lines),
            )
        ]
        if cancelled:
            notes.append(self.env._("Cancelled: %(products)s", products=cancelled._itscope_product_names()))
        if partial:
            notes.append(self.env._("Partially confirmed: %(products)s", products=partial._itscope_product_names()))
        if repriced:
            notes.append(
                self.env._("Confirmed at another price: %(products)s", products=repriced._itscope_product_names())
            )
        order._itscope_sender().message_post(body=Markup("<br/>").join(notes))
        if cancelled or partial or repriced:
            order._itscope_warn_buyer(
                self.env._("The distributor changed lines of %(order)s", order=order.name), "\n".join(notes[1:])
            )
