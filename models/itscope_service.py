import logging
from datetime import datetime, time, timezone
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules.module import get_manifest
from odoo.tools import format_datetime

from ..itscope import codes, errors
from ..itscope.client import ItscopeClient

_logger = logging.getLogger(__name__)


class ItscopeService(models.AbstractModel):
    """What every ITscope flow needs, in one place: a client for a company, ITscope's failures and dates in Odoo's
    terms, and running all syncs of a company at once.

    The settings stay on ``res.company`` (one company, one ITscope account); the flows (master data, catalogue,
    prices, the order exchange, documents) ask this service for a client and for the words to fail with, so none of
    them depends on another for it.
    """

    _name = "itscope.service"
    _description = "ITscope Service"

    # ------------------------------------------------------------
    # Client
    # ------------------------------------------------------------

    @api.model
    def _client(self, company):
        """An :class:`ItscopeClient` for ``company``, sharing this database's request budget and breaker.

        Raises a UserError naming what is missing, so callers need no check of their own.
        """
        company.ensure_one()
        self._check_configured(company)
        credentials = company.sudo()
        gate = (
            self.env["itscope.api.gate"]
            .sudo()
            ._get_request_gate(
                urlsplit(company.itscope_base_url).netloc,
                company.itscope_request_budget,
                company.itscope_request_window,
            )
        )
        return ItscopeClient(
            credentials.itscope_account_id,
            credentials.itscope_api_key,
            base_url=company.itscope_base_url,
            user_agent=self._user_agent(company),
            gate=gate,
        )

    @api.model
    def _check_configured(self, company):
        """Raise a UserError naming what is missing when ``company`` has no ITscope account id or API key."""
        credentials = company.sudo()
        if not credentials.itscope_account_id or not credentials.itscope_api_key:
            raise UserError(
                self.env._(
                    "ITscope is not configured for %(company)s: enter the account id and API key in "
                    "Settings > Purchase > ITscope.",
                    company=company.name,
                )
            )

    @api.model
    def _user_agent(self, company):
        """The company's configured User-Agent, or the documented default without any word ITscope's filter
        punishes."""
        company.ensure_one()
        if company.itscope_user_agent:
            return company.itscope_user_agent
        version = get_manifest("itscope_connector")["version"]
        agent = "%s - Odoo ITscope Connector - %s" % (company.name, version)
        return agent if not self._robot_word(agent) else "Odoo ITscope Connector - %s" % version

    @api.model
    def _robot_word(self, user_agent):
        """The first word of ``user_agent`` that makes ITscope take it for a robot (and delay or block it), or None."""
        lowered = (user_agent or "").lower()
        return next((word for word in codes.USER_AGENT_FORBIDDEN_WORDS if word in lowered), None)

    @api.model
    def _test_connection(self, company):
        """Call ``info/quota``; return ``(ok, message)`` in plain words for the settings page."""
        company.ensure_one()
        try:
            with self._client(company) as client:
                quota = client.quota()
        except errors.ItscopeError as error:
            _logger.info("ITscope connection test for company %s failed: %s", company.id, type(error).__name__)
            return False, self._error_message(error)
        if "API access" not in quota:
            return False, self.env._(
                "The account id and key are right, but this ITscope plan has no API access. Ask ITscope for an "
                "API or export plan."
            )
        return True, self.env._(
            "Connected to ITscope as account %(account)s with API access (%(quota)s).",
            account=company.sudo().itscope_account_id,
            quota=quota["API access"],
        )

    # ------------------------------------------------------------
    # ITscope's words in Odoo's terms
    # ------------------------------------------------------------

    @api.model
    def _error_message(self, error):
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

    @api.model
    def _datetime(self, value):
        """An ITscope date or time (ISO 8601 text, ``date`` or ``datetime``; UTC unless it carries an offset) as
        Odoo's naive UTC datetime, or False. A bare date becomes noon UTC: that day in any time zone within ±11 h."""
        if not value:
            return False
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            return datetime.combine(moment, time(12))
        if moment.tzinfo:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    # ------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------

    @api.model
    def _syncs(self):
        """``[(sync run kind, model, method)]``: every sync of a company, in the order "Sync now" runs them; each
        method takes the company and returns its sync run."""
        return [
            ("master_data", "itscope.master.data", "_sync"),
            ("deals", "itscope.order.exchange", "_sync_deals"),
            ("documents", "itscope.document", "_itscope_fetch_documents"),
            ("prices", "itscope.price.refresh", "_refresh"),
            ("quotes", "itscope.quote", "_itscope_sync"),
        ]

    @api.model
    def _sync_all(self, company):
        """Run every sync of ``company`` once, here and now (the demo's set-up); return the sync runs."""
        company.ensure_one()
        runs = self.env["itscope.sync.run"]
        for _kind, model, method in self._syncs():
            runs |= getattr(self.env[model], method)(company)
        return runs

    @api.model
    def _request_sync(self, company):
        """ "Sync now": every sync of ``company`` runs in the background, not in the web request that asks for it (with
        a large catalogue they take longer than a request may last); the scheduled action is woken at once."""
        company.ensure_one()
        self._check_configured(company)
        company.sudo().itscope_sync_requested_at = fields.Datetime.now()
        self.env.ref("itscope_connector.ir_cron_itscope_sync_requested")._trigger()

    @api.model
    def _cron_itscope_sync_requested(self):
        """Run the next sync of a company that asked for "Sync now", one sync per batch: the cron runner commits after
        each, so each sync run shows in Sync Runs while the next one runs. The syncs a company has run since it asked
        are done; once all are, its request is cleared. Runs in the company's language, as its people read them."""
        companies = self.env["res.company"].sudo().search([("itscope_sync_requested_at", "!=", False)], order="id")
        for company in companies:
            runs = (
                self.env["itscope.sync.run"]
                .sudo()
                .search([("company_id", "=", company.id), ("started_at", ">=", company.itscope_sync_requested_at)])
            )
            pending = [(model, method) for kind, model, method in self._syncs() if kind not in runs.mapped("kind")]
            if pending:
                model, method = pending[0]
                env = self.with_company(company).with_context(lang=company.partner_id.lang).env
                getattr(env[model], method)(company)
                self.env["ir.cron"]._notify_progress(done=1, remaining=len(pending) - 1 + len(companies) - 1)
                return
            company.itscope_sync_requested_at = False
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)
