from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    itscope_product_type_ids = fields.One2many("itscope.product.type", "category_id", string="ITscope Product Types")
    itscope_product_type_count = fields.Integer(compute="_compute_itscope_product_type_count")

    def _compute_itscope_product_type_count(self):
        counts = dict(
            self.env["itscope.product.type"]._read_group(
                [("category_id", "in", self.ids)], ["category_id"], ["__count"]
            )
        )
        for category in self:
            category.itscope_product_type_count = counts.get(category, 0)

    def action_itscope_open_product_types(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("ITscope Product Types"),
            "res_model": "itscope.product.type",
            "view_mode": "list,form",
            "domain": [("category_id", "=", self.id)],
        }
