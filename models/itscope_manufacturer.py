from odoo import fields, models


class ItscopeManufacturer(models.Model):
    """An ITscope manufacturer, mapped to a partner flagged as manufacturer so products can point at it."""

    _name = "itscope.manufacturer"
    _inherit = ["itscope.binding.mixin"]
    _description = "ITscope Manufacturer"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    short_name = fields.Char(readonly=True)
    deeplink = fields.Char(string="ITscope Link", readonly=True)
    partner_id = fields.Many2one("res.partner", index=True, domain="[('is_company', '=', True)]")

    _sql_constraints = [
        ("company_itscope_uniq", "UNIQUE(company_id, itscope_id)", "A manufacturer is bound once per company."),
    ]

    def _itscope_vals(self, record):
        return {"name": record.name, "short_name": record.short_name, "deeplink": record.deeplink}

    def _itscope_map_partners(self):
        """Give every unmapped manufacturer a partner: an existing manufacturer partner of that name, else a new one.

        Partners are shared between companies (no company set), so two companies' bindings of one manufacturer
        point at one partner.
        """
        unmapped = self.filtered(lambda manufacturer: not manufacturer.partner_id)
        if not unmapped:
            return
        partner_model = self.env["res.partner"].sudo()
        known = {
            partner.name.lower(): partner
            for partner in partner_model.search(
                [("itscope_is_manufacturer", "=", True), ("name", "in", unmapped.mapped("name"))]
            )
        }
        missing = {}
        for manufacturer in unmapped:
            if manufacturer.name.lower() not in known:
                missing.setdefault(
                    manufacturer.name.lower(),
                    {"name": manufacturer.name, "is_company": True, "itscope_is_manufacturer": True},
                )
        for partner in partner_model.create(list(missing.values())):
            known[partner.name.lower()] = partner
        for manufacturer in unmapped:
            manufacturer.partner_id = known[manufacturer.name.lower()]
