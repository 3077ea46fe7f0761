import dataclasses
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_manifest
from odoo.tools import format_datetime

from ..itscope import codes, errors, records
from ..itscope.client import DEFAULT_BASE_URL, ItscopeClient, export_url

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    itscope_account_id = fields.Char(string="ITscope Account ID", copy=False)
    itscope_api_key = fields.Char(string="ITscope API Key", copy=False, groups="base.group_system")
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
            word = _robot_word(company.itscope_user_agent)
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

    @api.constrains("itscope_update_exports", "itscope_base_url", "itscope_refresh_start", "itscope_refresh_end")
    def _check_itscope_refresh(self):
        for company in self:
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
    # Client
    # ------------------------------------------------------------

    def _itscope_user_agent(self):
        """The configured User-Agent, or the documented default without any word ITscope's filter punishes."""
        self.ensure_one()
        if self.itscope_user_agent:
            return self.itscope_user_agent
        version = get_manifest("itscope_connector")["version"]
        agent = "%s - Odoo ITscope Connector - %s" % (self.name, version)
        return agent if not _robot_word(agent) else "Odoo ITscope Connector - %s" % version

    def _itscope_client(self):
        """An :class:`ItscopeClient` for this company, sharing this database's request budget and breaker.

        Raises a UserError naming what is missing, so callers need no check of their own.
        """
        self.ensure_one()
        credentials = self.sudo()
        if not credentials.itscope_account_id or not credentials.itscope_api_key:
            raise UserError(
                self.env._(
                    "ITscope is not configured for %(company)s: enter the account id and API key in "
                    "Settings > Purchase > ITscope.",
                    company=self.name,
                )
            )
        gate = self.env["itscope.api.gate"].sudo()._get_request_gate(
            urlsplit(self.itscope_base_url).netloc, self.itscope_request_budget, self.itscope_request_window
        )
        return ItscopeClient(
            credentials.itscope_account_id,
            credentials.itscope_api_key,
            base_url=self.itscope_base_url,
            user_agent=self._itscope_user_agent(),
            gate=gate,
        )

    def _itscope_error_message(self, error):
        """Plain words for people about an ITscope failure (the error texts never hold the key)."""
        if isinstance(error, errors.ItscopeBlocked):
            return self.env._(
                "ITscope blocked requests from this server until %(time)s because too many were sent. "
                "Nothing is sent before then; try again afterwards.",
                time=format_datetime(self.env, error.until.replace(tzinfo=None), dt_format="HH:mm"),
            )
        if isinstance(error, errors.ItscopeAuthError):
            return self.env._(
                "ITscope refused the account id or API key. Copy both again from your ITscope profile "
                "(generating a new key invalidates the old one)."
            )
        if isinstance(error, errors.ItscopeForbidden):
            return self.env._(
                "Your ITscope plan does not allow this (no API access or quota used up): %(detail)s",
                detail=error.message,
            )
        if isinstance(error, errors.ItscopeUnreachable):
            return self.env._(
                "ITscope could not be reached (%(detail)s). Check the API URL and this server's internet access.",
                detail=error.message,
            )
        return self.env._("ITscope reported an error: %(detail)s", detail=error.message)

    def _itscope_test_connection(self):
        """Call ``info/quota``; return ``(ok, message)`` in plain words for the settings page."""
        self.ensure_one()
        try:
            with self._itscope_client() as client:
                quota = client.quota()
        except errors.ItscopeError as error:
            _logger.info("ITscope connection test for company %s failed: %s", self.id, type(error).__name__)
            return False, self._itscope_error_message(error)
        if "API access" not in quota:
            return False, self.env._(
                "The account id and key are right, but this ITscope plan has no API access. Ask ITscope for an "
                "API or export plan."
            )
        return True, self.env._(
            "Connected to ITscope as account %(account)s with API access (%(quota)s).",
            account=self.sudo().itscope_account_id,
            quota=quota["API access"],
        )

    # ------------------------------------------------------------
    # Syncs
    # ------------------------------------------------------------

    def _itscope_sync_all(self):
        """Run every sync of this company once (the demo and "Sync now" buttons); return the sync runs."""
        self.ensure_one()
        runs = self._itscope_sync_master_data()
        runs |= self.env["purchase.order"]._itscope_sync_deals(self)
        runs |= self.env["itscope.document"]._itscope_fetch_documents(self)
        runs |= self.env["itscope.price.refresh"]._refresh(self)
        return runs

    def _itscope_sync_master_data(self):
        """Distributors, manufacturers and product types: fetch all three first, then write what changed."""
        self.ensure_one()

        def work(run):
            with self._itscope_client() as client:
                distributors, problems = records.read_distributors(client.distributors("company"))
                services, service_problems = records.read_distributors(client.distributors("eservices"))
                manufacturers, manufacturer_problems = records.read_manufacturers(client.manufacturers())
                product_types, type_problems = records.read_product_types(client.product_types())
            services_by_id = {service.itscope_id: service.eservices for service in services}
            distributors = [
                dataclasses.replace(distributor, eservices=services_by_id.get(distributor.itscope_id, ()))
                for distributor in distributors
            ]
            # Both distributor views list the same companies: report a bad entry once.
            run._add_errors(list(dict.fromkeys(problems + service_problems + manufacturer_problems + type_problems)))
            company_domain = [("company_id", "=", self.id)]
            self.env["itscope.distributor"]._itscope_upsert(self, distributors, run)
            self.env["itscope.distributor"].search(company_domain)._itscope_suggest_partners()
            self.env["itscope.manufacturer"]._itscope_upsert(self, manufacturers, run)
            self.env["itscope.manufacturer"].search(company_domain)._itscope_map_partners()
            self.env["itscope.product.type"]._itscope_upsert(self, product_types, run)

        self.itscope_master_data_last_run = fields.Datetime.now()
        return self.env["itscope.sync.run"]._run(self, "master_data", work)

    def _itscope_master_data_due(self):
        self.ensure_one()
        if not self.itscope_account_id or not self.itscope_master_data_interval:
            return False
        last = self.itscope_master_data_last_run
        return not last or last + timedelta(hours=self.itscope_master_data_interval) <= fields.Datetime.now()

    def _itscope_update_export_refs(self):
        """The update exports the price refresh reads (ids or URLs)."""
        self.ensure_one()
        return (self.itscope_update_exports or "").replace(",", " ").split()

    @api.model
    def _cron_itscope_sync_master_data(self):
        """Sync one due company per batch; the cron runner commits between batches and calls again while some remain."""
        due = self.search([("itscope_account_id", "!=", False)]).filtered(lambda company: company._itscope_master_data_due())
        if due:
            due[0].with_company(due[0])._itscope_sync_master_data()
        self.env["ir.cron"]._notify_progress(done=min(len(due), 1), remaining=max(len(due) - 1, 0))


def _robot_word(user_agent):
    lowered = (user_agent or "").lower()
    return next((word for word in codes.USER_AGENT_FORBIDDEN_WORDS if word in lowered), None)
