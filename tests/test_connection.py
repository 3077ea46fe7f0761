import logging

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..itscope.errors import ItscopeBlocked
from .common import SANDBOX_KEY, ItscopeCase


@tagged("post_install", "-at_install")
class TestConnection(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_user = cls._create_user("itscope_buyer", ["purchase.group_purchase_user"])

    def setUp(self):
        super().setUp()
        self.sandbox.config.has_api_access = True
        self.sandbox.config.rate_limit = 600
        self.sandbox.lift_block()
        self.sandbox.log.clear()

    def test_purchase_user_cannot_read_the_api_key(self):
        company = self.company.with_user(self.purchase_user)
        with self.assertRaises(AccessError):
            company.read(["itscope_api_key"])
        self.assertNotIn("itscope_api_key", company.fields_get())
        self.assertNotIn("itscope_api_key", self.env["res.config.settings"].with_user(self.purchase_user).fields_get())
        self.assertTrue(self.purchase_user.has_group("itscope_connector.group_itscope_user"))
        self.assertFalse(self.purchase_user.has_group("itscope_connector.group_itscope_manager"))

    def test_purchase_user_still_uses_the_connection(self):
        service = self.env["itscope.service"].with_user(self.purchase_user)
        with service._client(self.company.with_user(self.purchase_user)) as client:
            self.assertEqual(client.quota()["API access"], "Unlimited")

    def test_connection_ok(self):
        ok, message = self.env["itscope.service"]._test_connection(self.company)
        self.assertTrue(ok, message)
        self.assertIn("API access", message)
        self.assertEqual(self.sandbox.log[-1].path, "/2.1/info/quota")
        self.assertIn("Odoo ITscope Connector - 18.0.", self.sandbox.log[-1].user_agent)

    def test_connection_wrong_key_is_said_without_the_key(self):
        self.company.itscope_api_key = "wrong-key"
        with self.assertLogs("odoo.addons.itscope_connector", level=logging.INFO) as logs:
            ok, message = self.env["itscope.service"]._test_connection(self.company)
        self.assertFalse(ok)
        self.assertIn("refused the account id or API key", message)
        self.assertNotIn("wrong-key", message + "".join(logs.output))

    def test_connection_plan_without_api(self):
        self.sandbox.config.has_api_access = False
        ok, message = self.env["itscope.service"]._test_connection(self.company)
        self.assertFalse(ok)
        self.assertIn("no API access", message)

    def test_connection_blocked_says_until_when(self):
        self.sandbox.config.rate_limit = 0
        ok, message = self.env["itscope.service"]._test_connection(self.company)
        self.assertFalse(ok)
        self.assertIn("blocked requests from this server until", message)
        sent = len(self.sandbox.log)
        # Every client of this database now respects the block without asking ITscope again.
        with self.env["itscope.service"]._client(self.company) as client, self.assertRaises(ItscopeBlocked):
            client.quota()
        self.assertEqual(len(self.sandbox.log), sent)
        gate = self.env["itscope.api.gate"].search([("host", "=", self.sandbox_url.split("/")[2])])
        self.assertTrue(gate.blocked_until)

    def test_connection_unreachable(self):
        self.company.itscope_base_url = "http://127.0.0.1:9/2.1"
        ok, message = self.env["itscope.service"]._test_connection(self.company)
        self.assertFalse(ok)
        self.assertIn("could not be reached", message)
        self.assertNotIn(SANDBOX_KEY, message)

    def test_missing_credentials_say_where_to_enter_them(self):
        self.company.itscope_api_key = False
        with self.assertRaisesRegex(UserError, "Settings > Purchase > ITscope"):
            self.env["itscope.service"]._client(self.company)

    def test_settings_button_reports_in_a_notification(self):
        settings = self.env["res.config.settings"].create({"itscope_account_id": "test-account"})
        action = settings.action_itscope_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        settings = self.env["res.config.settings"].create({"itscope_account_id": "someone-else"})
        action = settings.action_itscope_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.company.itscope_account_id, "someone-else")

    def test_user_agent_refuses_robot_words(self):
        for agent in ("MyBot 1.0", "ACME search tool", "Odoo agent"):
            with self.assertRaises(ValidationError):
                self.company.itscope_user_agent = agent
        self.company.itscope_user_agent = "ACME - Odoo ITscope Connector - 1.0"
        user_agent = self.env["itscope.service"]._user_agent(self.company)
        self.assertEqual(user_agent, "ACME - Odoo ITscope Connector - 1.0")

    def test_default_user_agent_drops_a_company_name_that_looks_like_a_robot(self):
        self.company.itscope_user_agent = False
        self.company.name = "Research Labs"
        service = self.env["itscope.service"]
        self.assertTrue(service._user_agent(self.company).startswith("Odoo ITscope Connector - 18.0."))
        self.company.name = "ACME IT"
        self.assertTrue(service._user_agent(self.company).startswith("ACME IT - Odoo ITscope Connector - 18.0."))
