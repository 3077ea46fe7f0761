from urllib.parse import urlsplit

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ..itscope.client import DEFAULT_BASE_URL, export_url


class ResCompany(models.Model):
    _inherit = "res.company"

    itscope_account_id = fields.Char(string="ITscope Account ID", copy=False)
    itscope_base_url = fields.Char(string="ITscope API URL", default=DEFAULT_BASE_URL, required=True)
    itscope_user_agent = fields.Char(
        string="ITscope User-Agent",
        help="Sent with every request. Leave empty for '<company> - Odoo ITscope Connector - <version>'. ITscope "
        "delays or blocks User-Agents that look like robots (bot, spider, crawler, search, agent, ...).",
    )
    itscope_request_budget = fields.Integer(
        string="ITscope Requests per Window",
        default=300,
        help="Requests this database sends at most per window; ITscope allows 600 per 60 seconds per IP address and "
        "blocks the address for 30 minutes when that is exceeded.",
    )
    itscope_request_window = fields.Integer(string="ITscope Window (seconds)", default=60)
    itscope_master_data_interval = fields.Integer(
        string="ITscope Master Data Interval (hours)",
        default=24,
        help="How often distributors, manufacturers and product types are synced; 0 turns the scheduled sync off.",
    )
    itscope_master_data_last_run = fields.Datetime(string="ITscope Master Data Last Run", readonly=True, copy=False)
    itscope_sync_requested_at = fields.Datetime(
        string="ITscope Sync Requested",
        readonly=True,
        copy=False,
        help="When 'Sync now' was pressed; the scheduled action 'ITscope: sync now' runs every sync of the company in "
        "the background, one after the other, and clears it.",
    )
    itscope_send_orders = fields.Boolean(
        string="Send Orders through ITscope",
        help="Confirming a purchase order whose vendor is mapped to an ITscope distributor sends it to that "
        "distributor through ITscope.",
    )
    itscope_validate_orders = fields.Boolean(
        string="Validate Orders at ITscope",
        help="Have ITscope check each order against the openTRANS schema before it is sent (one more request).",
    )
    itscope_price_source = fields.Selection(
        [("price", "Distributor price"), ("price_calc", "Calculated price")],
        string="ITscope Purchase Price",
        default="price",
        required=True,
        help="Which ITscope price becomes the vendor price: the distributor's price, or the price after your own "
        "price calculation rules on ITscope.",
    )
    itscope_condition_ids = fields.Many2many(
        "itscope.condition",
        string="ITscope Offer Conditions",
        default=lambda self: self.env.ref("itscope_connector.itscope_condition_new", raise_if_not_found=False),
        help="Offers in these conditions are imported as vendor prices; the others are skipped.",
    )
    itscope_partnered_only = fields.Boolean(
        string="ITscope Partner Distributors Only",
        help="Import only the offers of distributors you have a customer account with.",
    )
    itscope_import_price_list_lines = fields.Boolean(
        string="ITscope Price-List-Line Products",
        help="Also import products that exist only as a distributor's price-list line (ITscope ids ending in 999).",
    )
    itscope_content_policy = fields.Selection(
        [("always", "Always"), ("empty", "Only empty fields"), ("never", "Never")],
        string="ITscope Content Updates",
        default="always",
        required=True,
        help="Whether a re-import overwrites product content (name, descriptions, category, weight, barcode, origin) "
        "that exists in Odoo. Prices and stock are always updated.",
    )
    itscope_update_exports = fields.Char(
        string="ITscope Update Exports",
        help="Your ITscope exports in the standardUpdate view (prices and stock only): their ids or the URLs their "
        "Share button shows, separated by spaces. The price refresh reads them; without any, it asks ITscope for your "
        "imported products, 50 at a time.",
    )
    itscope_refresh_prices = fields.Boolean(
        string="Refresh ITscope Prices and Stock",
        default=True,
        help="Update the prices and stock of ITscope offers on the schedule of the scheduled action 'ITscope: refresh "
        "prices and stock' (every 30 minutes), within the refresh window on working days.",
    )
    itscope_refresh_start = fields.Float(
        string="ITscope Refresh From",
        default=6.5,
        help="Local time (of the company's working schedule) from which prices and stock are refreshed.",
    )
    itscope_refresh_end = fields.Float(string="ITscope Refresh Until", default=18.0)
    itscope_offer_history_days = fields.Integer(
        string="ITscope Offer History (days)",
        default=90,
        help="How long each price and stock change of an ITscope offer is kept for the product's history graph; "
        "0 keeps none.",
    )

    @api.model
    def _itscope_default_conditions(self):
        """Give companies without a condition choice the default one (called by the data file on install and update)."""
        new = self.env.ref("itscope_connector.itscope_condition_new")
        self.search([("itscope_condition_ids", "=", False)]).write({"itscope_condition_ids": [Command.link(new.id)]})

    # ------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------

    @api.constrains("itscope_user_agent")
    def _check_itscope_user_agent(self):
        for company in self.filtered("itscope_user_agent"):
            word = self.env["itscope.service"]._robot_word(company.itscope_user_agent)
            if word:
                raise ValidationError(
                    self.env._(
                        "The ITscope User-Agent must not contain '%(word)s': ITscope delays or blocks requests "
                        "whose User-Agent looks like a robot.",
                        word=word,
                    )
                )

    @api.constrains(
        "itscope_request_budget", "itscope_request_window", "itscope_base_url", "itscope_master_data_interval"
    )
    def _check_itscope_limits(self):
        for company in self:
            if company.itscope_master_data_interval < 0:
                raise ValidationError(self.env._("The master data interval cannot be negative."))
            if company.itscope_request_budget < 1 or company.itscope_request_window < 1:
                raise ValidationError(self.env._("The ITscope request budget and window must be positive."))
            if urlsplit(company.itscope_base_url or "").scheme not in ("http", "https"):
                raise ValidationError(self.env._("The ITscope API URL must start with https://."))

    @api.constrains(
        "itscope_update_exports",
        "itscope_base_url",
        "itscope_refresh_start",
        "itscope_refresh_end",
        "itscope_offer_history_days",
    )
    def _check_itscope_refresh(self):
        for company in self:
            if company.itscope_offer_history_days < 0:
                raise ValidationError(self.env._("The ITscope offer history cannot be kept for a negative time."))
            if not 0 <= company.itscope_refresh_start < company.itscope_refresh_end <= 24:
                raise ValidationError(
                    self.env._("The ITscope refresh window must start before it ends, within one day.")
                )
            for export in company._itscope_update_export_refs():
                try:
                    export_url(company.itscope_base_url, export)
                except ValueError:
                    raise ValidationError(
                        self.env._("%(ref)s is neither an ITscope export id (a UUID) nor an export URL.", ref=export)
                    ) from None

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    def _itscope_update_export_refs(self):
        """The update exports the price refresh reads (ids or URLs)."""
        self.ensure_one()
        return (self.itscope_update_exports or "").replace(",", " ").split()
