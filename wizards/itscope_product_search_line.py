from odoo import fields, models


class ItscopeProductSearchLine(models.TransientModel):
    _name = "itscope.product.search.line"
    _description = "ITscope Search Result"

    search_id = fields.Many2one("itscope.product.search", required=True, ondelete="cascade")
    selected = fields.Boolean(help="Import this product (a product already in Odoo cannot be selected).")
    puid = fields.Char(string="ITscope ID", readonly=True)
    name = fields.Char(readonly=True)
    ean = fields.Char(string="EAN", readonly=True)
    manufacturer_sku = fields.Char(string="Manufacturer SKU", readonly=True)
    best_price = fields.Float(readonly=True, digits="Product Price")
    total_stock = fields.Integer(readonly=True)
    offers = fields.Html(
        readonly=True, sanitize=False, help="Each distributor's price, stock and availability, cheapest first."
    )
    product_tmpl_id = fields.Many2one("product.template", string="In Odoo", readonly=True)
    payload = fields.Text(readonly=True)
