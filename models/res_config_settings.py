from odoo import fields, models

from .itscope_share import SHARE_TILE_PATH


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    itscope_account_id = fields.Char(related="company_id.itscope_account_id", readonly=False)
    itscope_api_key = fields.Char(related="company_id.itscope_api_key", readonly=False, groups="base.group_system")
    itscope_base_url = fields.Char(related="company_id.itscope_base_url", readonly=False)
    itscope_user_agent = fields.Char(related="company_id.itscope_user_agent", readonly=False)
    itscope_request_budget = fields.Integer(related="company_id.itscope_request_budget", readonly=False)
    itscope_request_window = fields.Integer(related="company_id.itscope_request_window", readonly=False)
    itscope_master_data_interval = fields.Integer(related="company_id.itscope_master_data_interval", readonly=False)
    itscope_sync_requested_at = fields.Datetime(related="company_id.itscope_sync_requested_at")
    itscope_price_source = fields.Selection(related="company_id.itscope_price_source", readonly=False)
    itscope_condition_ids = fields.Many2many(related="company_id.itscope_condition_ids", readonly=False)
    itscope_partnered_only = fields.Boolean(related="company_id.itscope_partnered_only", readonly=False)
    itscope_import_price_list_lines = fields.Boolean(
        related="company_id.itscope_import_price_list_lines", readonly=False
    )
    itscope_content_policy = fields.Selection(related="company_id.itscope_content_policy", readonly=False)
    itscope_update_exports = fields.Char(related="company_id.itscope_update_exports", readonly=False)
    itscope_refresh_prices = fields.Boolean(related="company_id.itscope_refresh_prices", readonly=False)
    itscope_refresh_start = fields.Float(related="company_id.itscope_refresh_start", readonly=False)
    itscope_refresh_end = fields.Float(related="company_id.itscope_refresh_end", readonly=False)
    itscope_offer_history_days = fields.Integer(related="company_id.itscope_offer_history_days", readonly=False)
    itscope_send_orders = fields.Boolean(related="company_id.itscope_send_orders", readonly=False)
    itscope_validate_orders = fields.Boolean(related="company_id.itscope_validate_orders", readonly=False)
    itscope_share_tile_url = fields.Char(
        string="ITscope Share Tile URL",
        compute="_compute_itscope_share_tile_url",
        help="Paste it as the target URL of a tile in itscope.com's Share configuration: a product shared with the "
        "tile opens in Odoo, or is offered for import.",
    )

    def _compute_itscope_share_tile_url(self):
        """This Odoo's address (web.base.url) with the route and ITscope's own placeholders, as the tile needs it."""
        for settings in self:
            settings.itscope_share_tile_url = settings.get_base_url() + SHARE_TILE_PATH

    def action_itscope_test_connection(self):
        """Save the settings, then ask ITscope for the account's quota and say the outcome in plain words."""
        self.ensure_one()
        self.execute()
        ok, message = self.env["itscope.service"]._test_connection(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("ITscope connection"),
                "message": message,
                "type": "success" if ok else "danger",
                "sticky": not ok,
            },
        }

    def action_itscope_sync_now(self):
        """Save the settings and have every sync of the company run in the background; say so, and open the sync
        runs, where each one appears as it finishes."""
        self.ensure_one()
        self.execute()
        self.env["itscope.service"]._request_sync(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("ITscope sync started"),
                "message": self.env._(
                    "Every ITscope sync of %(company)s runs in the background, one after the other. Each sync run "
                    "appears here when it is done.",
                    company=self.company_id.name,
                ),
                "type": "info",
                "next": {
                    "type": "ir.actions.act_window",
                    "name": self.env._("ITscope Sync Runs"),
                    "res_model": "itscope.sync.run",
                    "views": [[False, "list"], [False, "form"]],
                    "domain": [("company_id", "=", self.company_id.id)],
                },
            },
        }
