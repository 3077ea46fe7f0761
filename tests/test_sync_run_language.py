from unittest.mock import patch

from odoo.tests import tagged

from ..itscope.products import read_product
from ..itscope.sandbox.catalogue import catalogue_for
from .common import ItscopeCase
from .test_price_refresh import import_catalogue


@tagged("post_install", "-at_install")
class TestSyncRunLanguage(ItscopeCase):
    """Scheduled actions run without a user language: the texts of their sync runs (errors, notes, failures) are
    written in the company's language, as the other scheduled actions write theirs; a user's own run keeps the
    user's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_german()
        cls.offers = import_catalogue(cls.company, catalogue_for(cls.sandbox), 10)
        cls.company.partner_id.lang = "de_DE"

    def setUp(self):
        super().setUp()
        self.assertFalse(self.env.lang, "as a scheduled action, no user language")

    def test_price_refresh_run_in_the_companys_language(self):
        self.company.itscope_refresh_prices = True
        self.sandbox.config.rate_limit = 0  # ITscope blocks the refresh: the run fails and says why
        try:
            with patch.object(type(self.env["itscope.price.refresh"]), "_window_open", return_value=True):
                self.env["itscope.price.refresh"]._cron_itscope_refresh_prices()
        finally:
            self.sandbox.config.rate_limit = 600
            self.sandbox.lift_block()
        run = self.env["itscope.sync.run"].search([("kind", "=", "prices")], limit=1)
        self.assertEqual(run.state, "failed")
        self.assertIn("ITscope hat Anfragen von diesem Server", run.failure)

    def test_catalogue_import_run_in_the_companys_language(self):
        products = [read_product(payload) for payload in catalogue_for(self.sandbox).products(20, 22)]
        Run = self.env["itscope.sync.run"]
        run = Run._open(self.company, "catalogue")
        with run._recording_failure():
            self.env["itscope.catalogue.importer"]._import_products(self.company, [*products, products[0]], run)
        self.assertIn("%s: mehrfach gelistet; der erste Eintrag wurde importiert" % products[0].puid, run.error_log)
        # A crash of the import: its failure too.
        run = Run._open(self.company, "catalogue")
        with (
            self.assertLogs("odoo.addons.itscope_connector.models.itscope_sync_run", "ERROR"),
            run._recording_failure(),
        ):
            raise RuntimeError("boom")
        self.assertIn("Die Synchronisierung brach mit einem unerwarteten Fehler ab (RuntimeError: boom)", run.failure)

    def test_a_users_own_run_keeps_the_users_language(self):
        products = [read_product(payload) for payload in catalogue_for(self.sandbox).products(20, 21)]
        env = self.env(context=dict(self.env.context, lang="en_US"))
        run = env["itscope.sync.run"]._open(self.company, "catalogue")
        env["itscope.catalogue.importer"]._import_products(self.company, [*products, products[0]], run)
        self.assertIn("listed more than once; the first one was imported", run.error_log)
