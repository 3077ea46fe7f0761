from odoo import fields, models


class ItscopeCondition(models.Model):
    """An ITscope offer condition (new, used, refurbished, ...), for a company's choice of the offers it imports."""

    _name = "itscope.condition"
    _description = "ITscope Offer Condition"
    _order = "code"

    code = fields.Integer(required=True, readonly=True)
    name = fields.Char(required=True, translate=True)

    _sql_constraints = [("code_uniq", "UNIQUE(code)", "Each ITscope condition code exists once.")]
