from odoo import api, fields, models
from odoo.exceptions import UserError

from ..itscope.codes import AVAILABILITY_RANK



class ItscopeBestSource(models.TransientModel):
    """Propose, for each line of an RFQ, the cheapest partnered distributor that has the quantity in stock (else the
    one with the best availability), and split the RFQ into one RFQ per distributor on acceptance, since ITscope
    takes one distributor per order."""

    _name = "itscope.best.source"
    _description = "ITscope Best Source"

    purchase_id = fields.Many2one("purchase.order", required=True, readonly=True)
    line_ids = fields.One2many("itscope.best.source.line", "wizard_id", string="Proposal")

    @api.model
    def _itscope_prepare_lines(self, order):
        """One proposal per product line: the chosen offer, or none with the reason."""
        distributors = self.env["itscope.distributor"].search(
            [("company_id", "=", order.company_id.id), ("partnered", "=", True), ("partner_id", "!=", False)]
        )
        partners = distributors.partner_id
        vals_list = []
        for line in order.order_line.filtered(lambda line: line.product_id and not line.display_type):
            offers = line.product_id.seller_ids.filtered(
                lambda offer: offer.partner_id in partners
                and offer.itscope_offer_id
                and offer.itscope_available
                and offer.company_id in (order.company_id, self.env["res.company"])
            )
            in_stock = offers.filtered(lambda offer: offer.itscope_stock >= line.product_qty)
            if in_stock:
                best = min(in_stock, key=lambda offer: offer.price)
                reason = self.env._("cheapest with %(qty)s in stock", qty=line.product_qty)
            elif offers:
                best = min(
                    offers,
                    key=lambda offer: (AVAILABILITY_RANK[int(offer.itscope_stock_status or 8)], offer.price),
                )
                reason = self.env._("nobody has the quantity in stock: best availability, then price")
            else:
                best, reason = self.env["product.supplierinfo"], self.env._("no partnered distributor offers it")
            vals_list.append(
                {
                    "purchase_line_id": line.id,
                    "supplierinfo_id": best.id,
                    "reason": reason,
                }
            )
        return vals_list

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
                line = proposal.purchase_line_id
                if line.order_id != target:
                    line.order_id = target
                    line._compute_price_unit_and_date_planned_and_name()  # vendor code and lead time of the new vendor
                line.price_unit = proposal.supplierinfo_id.price
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Requests for Quotation by Distributor"),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("id", "in", orders.ids)],
        }
