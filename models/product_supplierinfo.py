from odoo import fields, models

from ..itscope import codes


class ProductSupplierinfo(models.Model):
    """A vendor price line that mirrors one ITscope offer (``supplierItem``) of a distributor, per company.

    The catalogue importer writes these columns set-based; ``itscope_offer_id`` keys the line, so a re-import updates
    it in place. An offer ITscope no longer lists stays, marked unavailable, so purchase history keeps its source.
    """

    _inherit = "product.supplierinfo"

    itscope_offer_id = fields.Char(string="ITscope Offer ID", readonly=True, copy=False)
    itscope_available = fields.Boolean(
        string="Offered on ITscope", readonly=True, copy=False, help="False once ITscope no longer lists this offer."
    )
    itscope_stock = fields.Integer(string="Distributor Stock", readonly=True)
    itscope_stock_status = fields.Selection(
        [(str(code), label) for code, label in codes.AVAILABILITY.items()], string="Availability", readonly=True
    )
    itscope_stock_text = fields.Char(string="Availability Text", readonly=True)
    itscope_availability_date = fields.Date(string="Available From", readonly=True)
    itscope_condition = fields.Selection(
        [(str(code), label) for code, label in codes.CONDITION.items()], string="Condition", readonly=True
    )
    itscope_eol = fields.Boolean(string="End of Life", readonly=True)
    itscope_special_offer = fields.Boolean(string="Special Offer", readonly=True)
    itscope_last_update = fields.Datetime(string="ITscope Update", readonly=True, help="Last price or stock change.")
    itscope_order_multiple = fields.Integer(string="Order Multiple", readonly=True)
    itscope_state_hash = fields.Char(readonly=True, copy=False, help="Digest of the offer's price and stock state.")

    _sql_constraints = [
        (
            "itscope_offer_company_uniq",
            "UNIQUE(company_id, itscope_offer_id)",
            "An ITscope offer is mirrored once per company.",
        ),
    ]
