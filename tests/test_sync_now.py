from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ItscopeCase


@tagged("post_install", "-at_install")
class TestSyncNow(ItscopeCase):
    """ "Sync now" in Settings only asks: every sync runs in the background, one per cron batch, each sync run
    committed as it ends; the request itself sends nothing to ITscope."""

    def _press_sync_now(self):
        settings = self.env["res.config.settings"].create({})
        return settings.action_itscope_sync_now()

    def test_sync_now_queues_the_syncs_and_says_it_started(self):
        runs_before = self.env["itscope.sync.run"].search_count([])
        del self.sandbox.log[:]
        action = self._press_sync_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(action["params"]["next"]["res_model"], "itscope.sync.run")
        self.assertEqual(self.env["itscope.sync.run"].search_count([]), runs_before, "nothing ran in the request")
        self.assertEqual(self.sandbox.api_requests(""), [], "nothing was asked of ITscope in the request")
        self.assertTrue(self.company.itscope_sync_requested_at)
        cron = self.env.ref("itscope_connector.ir_cron_itscope_sync_requested")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the cron is woken")

    def test_the_cron_runs_one_sync_per_batch_until_all_ran(self):
        self._press_sync_now()
        service = self.env["itscope.service"]
        expected = [kind for kind, _model, _method in service._syncs()]
        kinds = []
        for _batch in expected:
            before = self.env["itscope.sync.run"].search([("company_id", "=", self.company.id)])
            service._cron_itscope_sync_requested()
            new = self.env["itscope.sync.run"].search([("company_id", "=", self.company.id)]) - before
            self.assertEqual(len(new), 1, "one sync per batch")
            kinds.append(new.kind)
            self.assertTrue(self.company.itscope_sync_requested_at, "still requested until every sync ran")
        self.assertEqual(kinds, expected)
        service._cron_itscope_sync_requested()
        self.assertFalse(self.company.itscope_sync_requested_at)
        distributors = self.env["itscope.distributor"].search_count([("company_id", "=", self.company.id)])
        self.assertTrue(distributors, "the master data sync did its work")

    def test_sync_now_without_credentials_says_what_is_missing(self):
        self.company.itscope_api_key = False
        with self.assertRaisesRegex(UserError, "account id and API key"):
            self._press_sync_now()
        self.assertFalse(self.company.itscope_sync_requested_at)
