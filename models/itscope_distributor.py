import re

from odoo import api, fields, models
from odoo.exceptions import UserError

# Legal forms and filler words that say nothing about which company is meant.
_NAME_NOISE = re.compile(
    r"\b(gmbh|mbh|ag|kg|co|se|ltd|limited|inc|llc|sa|sas|bv|nv|srl|spa|ug|holding|deutschland|germany|"
    r"austria|schweiz|switzerland|europe|distribution|computer|computers|it|the|und|and)\b"
)


def name_key(name):
    """A comparable form of a company name: lower case, no legal form, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", _NAME_NOISE.sub(" ", (name or "").lower().replace("&", " ")))


def domain_label(address):
    """The distinctive label of a website or e-mail domain: ``www.also.com`` / ``x@also.de`` -> ``also``."""
    host = (address or "").lower().split("@")[-1]
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0]
    labels = [label for label in host.split(".") if label and label != "www"]
    return labels[-2] if len(labels) >= 2 else ""


class ItscopeDistributor(models.Model):
    """An ITscope distributor as one company sees it: its account numbers there, and the vendor it is mapped to."""

    _name = "itscope.distributor"
    _inherit = ["itscope.binding.mixin"]
    _description = "ITscope Distributor"
    _order = "partnered desc, name"

    name = fields.Char(required=True, readonly=True)
    deeplink = fields.Char(string="ITscope Link", readonly=True)
    customer_account_number = fields.Char(
        readonly=True, help="Your customer number at this distributor; ITscope reports it only for partners."
    )
    order_account_number = fields.Char(
        readonly=True, help="The customer number orders are sent with (ITscope falls back to the customer number)."
    )
    account_ids = fields.One2many(
        "itscope.customer.account",
        "distributor_id",
        string="Further Customer Accounts",
        help="Other customer numbers you hold at this distributor; a purchase order may be placed on any of them.",
    )
    partnered = fields.Boolean(compute="_compute_partnered", store=True, index=True)
    street = fields.Char(readonly=True)
    zip = fields.Char(readonly=True)
    city = fields.Char(readonly=True)
    country = fields.Char(readonly=True, help="ISO 3166 alpha-3 code as ITscope sends it.")
    eservices = fields.Char(string="eServices", readonly=True)
    eservice_price_list = fields.Boolean(compute="_compute_eservice_flags", store=True)
    eservice_realtime = fields.Boolean(compute="_compute_eservice_flags", store=True)
    eservice_order = fields.Boolean(compute="_compute_eservice_flags", store=True)
    partial_shipment_allowed = fields.Boolean(
        help="Default of new orders: the distributor may ship what is in stock and the rest later."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    shipping_cost = fields.Monetary(
        string="Default Shipping Cost",
        help="Added to new RFQs for this distributor as an editable line, since distributors rarely send freight "
        "costs over EDI.",
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain="[('type', '=', 'service'), ('purchase_ok', '=', True)]",
        help="The service product of the shipping line; without one, no shipping line is added.",
    )

    partner_id = fields.Many2one(
        "res.partner", string="Vendor", index=True, check_company=True, domain="[('is_company', '=', True)]"
    )
    suggested_partner_id = fields.Many2one("res.partner", string="Suggested Vendor", readonly=True)
    suggestion_reason = fields.Char(readonly=True)
    rejected_partner_ids = fields.Many2many("res.partner", string="Rejected Suggestions", readonly=True)
    mapping_state = fields.Selection(
        [("mapped", "Mapped"), ("suggested", "Suggestion to review"), ("unmapped", "Not mapped")],
        compute="_compute_mapping_state",
        store=True,
        index=True,
    )

    _sql_constraints = [
        ("company_itscope_uniq", "UNIQUE(company_id, itscope_id)", "A distributor is bound once per company."),
    ]

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("customer_account_number")
    def _compute_partnered(self):
        for distributor in self:
            distributor.partnered = bool(distributor.customer_account_number)

    @api.depends("eservices")
    def _compute_eservice_flags(self):
        for distributor in self:
            services = (distributor.eservices or "").lower()
            distributor.eservice_price_list = "price" in services
            distributor.eservice_realtime = "realtime" in services
            distributor.eservice_order = "order" in services

    @api.depends("partner_id", "suggested_partner_id")
    def _compute_mapping_state(self):
        for distributor in self:
            if distributor.partner_id:
                distributor.mapping_state = "mapped"
            elif distributor.suggested_partner_id:
                distributor.mapping_state = "suggested"
            else:
                distributor.mapping_state = "unmapped"

    # ------------------------------------------------------------
    # Sync
    # ------------------------------------------------------------

    def _itscope_vals(self, record):
        return {
            "name": record.name,
            "deeplink": record.deeplink,
            "customer_account_number": record.customer_account_number,
            "order_account_number": record.order_account_number,
            "street": record.street,
            "zip": record.zip,
            "city": record.city,
            "country": record.country,
            "eservices": ", ".join(record.eservices),
        }

    def write(self, vals):
        res = super().write(vals)
        if vals.get("partner_id"):
            for distributor in self.filtered(lambda distributor: not distributor.partner_id.itscope_supplier_id):
                distributor.partner_id.sudo().itscope_supplier_id = distributor.itscope_id
        return res

    # ------------------------------------------------------------
    # Vendor suggestions
    # ------------------------------------------------------------

    def _itscope_suggest_partners(self):
        """Propose an existing vendor for each unmapped distributor: same ITscope id, then name, then domain."""
        unmapped = self.filtered(lambda distributor: not distributor.partner_id)
        if not unmapped:
            return
        partners = self.env["res.partner"].search(
            [("is_company", "=", True), ("company_id", "in", [False, *unmapped.company_id.ids])]
        )
        by_itscope_id = {partner.itscope_supplier_id: partner for partner in partners if partner.itscope_supplier_id}
        by_name, by_domain = {}, {}
        for partner in partners:
            by_name.setdefault(name_key(partner.name), partner)
            for address in (partner.website, partner.email):
                if domain_label(address):
                    by_domain.setdefault(domain_label(address), partner)
        for distributor in unmapped:
            key = name_key(distributor.name)
            first_word = re.sub(r"[^a-z0-9]", "", (distributor.name or "").lower().split(" ")[0])
            candidates = [
                (by_itscope_id.get(distributor.itscope_id), self.env._("same ITscope id")),
                (by_name.get(key) if key else None, self.env._("same name")),
                (by_domain.get(key) or by_domain.get(first_word), self.env._("website or e-mail domain")),
            ]
            partner, reason = next(
                (
                    (partner, reason)
                    for partner, reason in candidates
                    if partner and partner not in distributor.rejected_partner_ids
                ),
                (self.env["res.partner"], False),
            )
            if partner != distributor.suggested_partner_id:
                distributor.write({"suggested_partner_id": partner.id, "suggestion_reason": reason})

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_accept_suggestion(self):
        for distributor in self.filtered("suggested_partner_id"):
            distributor.write({"partner_id": distributor.suggested_partner_id.id, "suggested_partner_id": False})

    def action_reject_suggestion(self):
        for distributor in self.filtered("suggested_partner_id"):
            distributor.write(
                {
                    "rejected_partner_ids": [fields.Command.link(distributor.suggested_partner_id.id)],
                    "suggested_partner_id": False,
                    "suggestion_reason": False,
                }
            )
        self._itscope_suggest_partners()

    def action_create_vendor(self):
        """Create a vendor for each selected unmapped distributor, reusing one already carrying its ITscope id."""
        distributors = self.filtered(lambda distributor: not distributor.partner_id)
        if not distributors:
            raise UserError(self.env._("The selected distributors are all mapped to a vendor already."))
        partner_model = self.env["res.partner"]
        existing = {
            partner.itscope_supplier_id: partner
            for partner in partner_model.search([("itscope_supplier_id", "in", distributors.mapped("itscope_id"))])
        }
        for distributor in distributors:
            partner = existing.get(distributor.itscope_id) or partner_model.create(
                distributor._itscope_prepare_partner_vals()
            )
            existing[distributor.itscope_id] = partner
            distributor.write({"partner_id": partner.id, "suggested_partner_id": False})
        return True

    def _itscope_prepare_partner_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "is_company": True,
            "street": self.street,
            "zip": self.zip,
            "city": self.city,
            "supplier_rank": 1,
            "itscope_supplier_id": self.itscope_id,
        }
