from odoo import api, fields, models
from odoo.exceptions import UserError


class ItscopeBestSource(models.TransientModel):
    """Propose, for each line of an RFQ, the cheapest partnered distributor that has the quantity in stock (else the
    one with the best availability), and split the RFQ into one RFQ per distributor on acceptance, since ITscope
    takes one distributor per order. The proposal of ITscope's cart optimisation (``itscope.cart``) is shown and
    accepted here too."""

    _name = "itscope.best.source"
    _description = "ITscope Best Source"

    purchase_id = fields.Many2one("purchase.order", required=True, readonly=True)
    proposed_by = fields.Selection(
        [("odoo", "Best source"), ("itscope_cart", "ITscope cart optimisation")],
        default="odoo",
        required=True,
        readonly=True,
        help="Who chose the offers: Odoo from the imported offers, or ITscope optimising the RFQ's cart.",
    )
    line_ids = fields.One2many("itscope.best.source.line", "wizard_id", string="Proposal")

    @api.model
    def _itscope_prepare_lines(self, order):
        """One proposal per product line of ``order``: the chosen offer, or none with the reason."""
        return [
            {"purchase_line_id": line.id, "supplierinfo_id": offer.id, "reason": reason}
            for line, offer, reason in order.order_line._itscope_best_sources()
        ]

    def action_apply(self):
        """Split the RFQ: the lines of each proposed distributor go to one RFQ (the original keeps its first group)."""
        self.ensure_one()
        order = self.purchase_id
        if order.state not in ("draft", "sent"):
            raise UserError(self.env._("Only a request for quotation can be split by distributor."))
        groups = {}
        for proposal in self.line_ids.filtered("supplierinfo_id"):
            groups.setdefault(proposal.supplierinfo_id.partner_id, []).append(proposal)
        if not groups:
            raise UserError(self.env._("No line has a partnered ITscope distributor to order from."))
        # The original RFQ keeps the group of its own vendor, or else the largest group.
        keep = order.partner_id if order.partner_id in groups else max(groups, key=lambda p: len(groups[p]))
        orders = order
        if order.partner_id != keep:
            order.partner_id = keep
        for partner, proposals in groups.items():
            target = order
            if partner != keep:
                target = order.copy({"partner_id": partner.id, "order_line": [], "origin": order.name})
                orders |= target
            for proposal in proposals:
                proposal.purchase_line_id._itscope_move_to(target, proposal.supplierinfo_id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Requests for Quotation by Distributor"),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("id", "in", orders.ids)],
        }
