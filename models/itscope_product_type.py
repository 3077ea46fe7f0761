from odoo import api, fields, models

ROOT_CATEGORY_NAME = "ITscope"


class ItscopeProductType(models.Model):
    """An ITscope product type and the product category its products go to.

    By default each type gets the category "ITscope / <group> / <type>"; a user may map it to any category instead,
    and changing the mapping moves the type's products along.
    """

    _name = "itscope.product.type"
    _inherit = ["itscope.binding.mixin"]
    _description = "ITscope Product Type"
    _order = "group_name, name"

    name = fields.Char(required=True, readonly=True)
    group_id = fields.Char(string="Group ID", readonly=True)
    group_name = fields.Char(string="Group", readonly=True)
    attribute_type_names = fields.Char(string="Attributes", readonly=True)
    category_id = fields.Many2one("product.category", index=True, required=True)
    order_kind = fields.Selection(
        [
            ("physical", "Goods"),
            ("license", "Licence"),
            ("esd", "ESD (download)"),
            ("warranty", "Warranty extension"),
            ("service", "Service"),
        ],
        string="Ordered As",
        default="physical",
        required=True,
        help="What its products are when ordered: anything but goods is registered by the distributor for an end "
        "customer (licensee), whom the ORDER then names, and each such line says its kind (PRODUCT_TYPE).",
    )
    serial_tracking = fields.Boolean(
        string="Serial Numbers",
        help="Its products carry serial numbers (notebooks, servers …): products of this type imported from now on are "
        "tracked by serial number, so the serials of a dispatch note land on the receipt.",
    )
    product_count = fields.Integer(compute="_compute_product_count")

    _sql_constraints = [
        ("company_itscope_uniq", "UNIQUE(company_id, itscope_id)", "A product type is bound once per company."),
    ]

    def _compute_product_count(self):
        counts = dict(
            self.env["product.template"]._read_group(
                [("itscope_product_type_id", "in", self.ids)], ["itscope_product_type_id"], ["__count"]
            )
        )
        for product_type in self:
            product_type.product_count = counts.get(product_type, 0)

    def _itscope_vals(self, record):
        return {
            "name": record.name,
            "group_id": record.group_id,
            "group_name": record.group_name,
            "attribute_type_names": ", ".join(record.attribute_type_names),
        }

    def _itscope_new_vals(self, record):
        return {"category_id": self._itscope_default_category(record.group_name, record.name).id}

    @api.model
    def _itscope_default_category(self, group_name, type_name):
        """Find or create "ITscope / <group> / <type>"; categories have no company, so companies share the tree."""
        category = self.env["product.category"].sudo().browse()
        for name in (ROOT_CATEGORY_NAME, group_name, type_name):
            category = category.search([("parent_id", "=", category.id), ("name", "=", name)], limit=1) or (
                category.create({"name": name, "parent_id": category.id})
            )
        return category

    def write(self, vals):
        res = super().write(vals)
        if "category_id" in vals:
            self.env["product.template"].sudo().search([("itscope_product_type_id", "in", self.ids)]).write(
                {"categ_id": vals["category_id"]}
            )
        return res

    def action_open_products(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "product.template",
            "view_mode": "list,form",
            "domain": [("itscope_product_type_id", "=", self.id)],
        }
