"""Scheduled actions are noupdate data: an update leaves them as they were installed. Four of them now call
``_cron_itscope_<flow>`` on the model that owns the flow (data/ir_cron_data.xml); this rewrites what they run and
leaves everything administrators may have changed (interval, next call, active)."""

from odoo import SUPERUSER_ID, api

MOVED_CRONS = {
    "ir_cron_itscope_master_data": ("itscope.master.data", "model._cron_itscope_sync_master_data()"),
    "ir_cron_itscope_catalogue_import": ("itscope.catalogue.importer", "model._cron_itscope_import_exports()"),
    "ir_cron_itscope_sync_deals": ("itscope.order.exchange", "model._cron_itscope_sync_deals()"),
    "ir_cron_itscope_price_refresh": ("itscope.price.refresh", "model._cron_itscope_refresh_prices()"),
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name, (model, code) in MOVED_CRONS.items():
        cron = env.ref("itscope_connector.%s" % name, raise_if_not_found=False)
        if cron:
            cron.write({"model_id": env["ir.model"]._get_id(model), "code": code})
