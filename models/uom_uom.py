from odoo import fields, models


class UomUom(models.Model):
    _inherit = "uom.uom"

    itscope_unece_code = fields.Char(
        string="UN/ECE Code",
        size=3,
        help="The unit's UN/ECE Recommendation 20 code (C62 piece, BX box, DZN dozen, KGM kilogram…), which "
        "ITscope ORDERs carry as ORDER_UNIT. An order line in a unit without one cannot be sent to ITscope.",
    )
