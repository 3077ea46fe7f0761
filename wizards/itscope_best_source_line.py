from odoo import fields, models


class ItscopeBestSourceLine(models.TransientModel):
    _name = "itscope.best.source.line"
    _description = "ITscope Best Source Proposal"

    wizard_id = fields.Many2one("itscope.best.source", required=True, ondelete="cascade")
    purchase_line_id = fields.Many2one("purchase.order.line", required=True, readonly=True)
    product_id = fields.Many2one(related="purchase_line_id.product_id")
    product_qty = fields.Float(related="purchase_line_id.product_qty")
    current_partner_id = fields.Many2one(related="purchase_line_id.order_id.partner_id", string="Current Vendor")
    supplierinfo_id = fields.Many2one(
        "product.supplierinfo",
        string="Offer",
        domain="[('product_tmpl_id.product_variant_ids', 'in', product_id), ('itscope_offer_id', '!=', False)]",
    )
    partner_id = fields.Many2one(related="supplierinfo_id.partner_id", string="Distributor")
    price = fields.Float(related="supplierinfo_id.price")
    stock = fields.Integer(related="supplierinfo_id.itscope_stock")
    stock_status = fields.Selection(related="supplierinfo_id.itscope_stock_status")
    reason = fields.Char(readonly=True)
