from odoo.tests import HttpCase, tagged

from .common import start_sandbox

TOUR_ACCOUNT, TOUR_KEY = "tour-account", "tour-key"


@tagged("post_install", "-at_install")
class TestSettingsTour(HttpCase):
    """An administrator enters the sandbox's credentials in Settings, tests the connection and is told it works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls, account_id=TOUR_ACCOUNT, api_key=TOUR_KEY, products=50)
        cls.env.company.write({"itscope_base_url": url, "itscope_account_id": False, "itscope_api_key": False})

    def test_settings_test_connection(self):
        self.start_tour("/odoo/action-purchase.action_purchase_configuration", "itscope_settings_tour", login="admin")
        self.assertEqual(self.env.company.itscope_account_id, TOUR_ACCOUNT)
        self.assertEqual(self.sandbox.log[-1].path, "/2.1/info/quota")
        self.assertEqual(self.sandbox.log[-1].status, 200)
