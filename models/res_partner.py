from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    itscope_supplier_id = fields.Char(
        string="ITscope Distributor ID", index=True, copy=False, help="The distributor's id on ITscope."
    )
    itscope_is_manufacturer = fields.Boolean(string="ITscope Manufacturer", copy=False)
    itscope_distributor_ids = fields.One2many("itscope.distributor", "partner_id", string="ITscope Distributors")
    itscope_distributor_count = fields.Integer(compute="_compute_itscope_distributor_count")
    itscope_offer_count = fields.Integer(compute="_compute_itscope_offer_count")

    def unlink(self):
        # The offer history has no foreign key to cascade (itscope.offer.history says why).
        self.env["itscope.offer.history"]._forget(partners=self)
        return super().unlink()

    def _compute_itscope_distributor_count(self):
        counts = dict(
            self.env["itscope.distributor"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.itscope_distributor_count = counts.get(partner, 0)

    def _compute_itscope_offer_count(self):
        counts = dict(
            self.env["product.supplierinfo"]._read_group(
                [("partner_id", "in", self.ids), ("itscope_offer_id", "!=", False)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.itscope_offer_count = counts.get(partner, 0)

    def action_itscope_open_offers(self):
        """The vendor's ITscope offers (its vendor price lines that mirror an ITscope offer)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("ITscope Offers"),
            "res_model": "product.supplierinfo",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.id), ("itscope_offer_id", "!=", False)],
        }

    def action_itscope_open_distributors(self):
        """The vendor's ITscope distributor: its form when there is one (one per company the vendor is mapped in),
        else the list."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("itscope_connector.action_itscope_distributor")
        distributors = self.env["itscope.distributor"].search([("partner_id", "=", self.id)])
        action.update(domain=[("partner_id", "=", self.id)], context={})
        if len(distributors) == 1:
            action.update(res_id=distributors.id, views=[(False, "form")], view_mode="form")
        return action
