from odoo import api, fields, models


class ItscopeCustomerAccount(models.Model):
    """A further customer account of the company at one distributor.

    ITscope reports one customer number per distributor (the distributor's *order account*, else its customer
    account: the main account every order uses by default). Resellers with several accounts at a distributor (one per
    branch, one for projects…) list the others here, so a purchaser can pick which one an order is placed on.
    """

    _name = "itscope.customer.account"
    _description = "ITscope Customer Account"
    _order = "distributor_id, number"
    _check_company_auto = True

    distributor_id = fields.Many2one(
        "itscope.distributor", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="distributor_id.company_id", store=True, index=True)
    number = fields.Char(string="Customer Number", required=True, help="The customer number at the distributor.")
    name = fields.Char(string="Used For", help="What the account is for, e.g. a branch or projects.")

    _sql_constraints = [
        ("distributor_number_uniq", "UNIQUE(distributor_id, number)", "A customer account is listed once."),
    ]

    @api.depends("number", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = "%s (%s)" % (account.number, account.name) if account.name else account.number
