from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    itscope_manufacturer_id = fields.Many2one(
        "res.partner", string="Manufacturer", index="btree_not_null", domain="[('itscope_is_manufacturer', '=', True)]"
    )
    itscope_manufacturer_sku = fields.Char(string="Manufacturer SKU", index="btree_not_null")
    itscope_product_type_id = fields.Many2one(
        "itscope.product.type", string="ITscope Product Type", index="btree_not_null", copy=False
    )
