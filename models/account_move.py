from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    itscope_document_id = fields.Many2one(
        "itscope.document", string="ITscope Invoice", readonly=True, copy=False, index="btree_not_null"
    )
    itscope_invoice_total = fields.Monetary(
        string="Distributor's Total", readonly=True, copy=False, help="TOTAL_AMOUNT of the distributor's invoice."
    )
    itscope_total_differs = fields.Boolean(compute="_compute_itscope_total_differs")

    @api.depends("amount_total", "itscope_invoice_total", "itscope_document_id")
    def _compute_itscope_total_differs(self):
        for move in self:
            move.itscope_total_differs = bool(move.itscope_document_id) and bool(
                move.currency_id.compare_amounts(move.amount_total, move.itscope_invoice_total)
            )
