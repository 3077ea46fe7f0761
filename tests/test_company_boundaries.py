"""Each ITscope wizard works for one of the user's allowed companies: a user of company B who sends company A's id
(or A's records) gets refused, and A's ITscope account is never asked anything on B's behalf."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ItscopeCase, start_sandbox

B_ACCOUNT, B_KEY = "account-of-b", "key-of-b"


@tagged("post_install", "-at_install")
class TestCompanyBoundaries(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.sandbox_b, url_b = start_sandbox(cls, account_id=B_ACCOUNT, api_key=B_KEY, products=50)
        cls._connect(cls.company_b, account=B_ACCOUNT, key=B_KEY, url=url_b)
        groups = ["purchase.group_purchase_user", "itscope_connector.group_itscope_manager"]
        cls.user_b = cls._create_user("boundary_user_b", groups, company=cls.company_b)
        cls.export_a = cls.env["itscope.export"].create(
            {"name": "A's export", "export_ref": "5a9d1000-c0de-4e57-8a7e-000000000103", "company_id": cls.company.id}
        )
        vendor = cls.env["res.partner"].create({"name": "A's vendor", "company_id": cls.company.id})
        product = cls.env["product.product"].create({"name": "A's product", "company_id": cls.company.id})
        cls.order_a = cls.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "company_id": cls.company.id,
                "order_line": [Command.create({"product_id": product.id, "product_qty": 1})],
            }
        )

    def setUp(self):
        super().setUp()
        self.sandbox.log.clear()
        self.sandbox_b.log.clear()

    def _as_b(self, model):
        return self.env[model].with_user(self.user_b)

    def test_search_with_another_companys_id_is_refused(self):
        with self.assertRaises(AccessError):
            search = self._as_b("itscope.product.search").create(
                {"company_id": self.company.id, "search_by": "keywords", "query": "notebook"}
            )
            search.action_search()
        self.assertEqual(self.sandbox.log, [], "company A's account was used for company B's user")

    def test_search_runs_with_the_users_own_company(self):
        search = self._as_b("itscope.product.search").create({"search_by": "keywords", "query": "notebook"})
        self.assertEqual(search.company_id, self.company_b)
        search.action_search()
        self.assertTrue(search.line_ids)
        self.assertEqual(self.sandbox.log, [])
        self.assertTrue(self.sandbox_b.log)
        # The results stay B's: A's user cannot open them.
        user_a = self._create_user("boundary_user_a", ["purchase.group_purchase_user"])
        with self.assertRaises(AccessError):
            search.with_user(user_a).line_ids.read(["name"])

    def test_export_import_for_another_company_is_refused(self):
        with self.assertRaises(AccessError):
            self._as_b("itscope.export.import").create(
                {"company_id": self.company.id, "source": "file", "file": "e30=", "filename": "x.json"}
            )
        # B's own wizard cannot be pointed at A's export either.
        with self.assertRaises(UserError):
            wizard = self._as_b("itscope.export.import").create({"source": "itscope", "export_id": self.export_a.id})
            wizard.action_import()
        self.assertFalse(self.export_a.import_requested)
        self.assertEqual(self.sandbox.log, [])

    def test_best_source_for_another_companys_order_is_refused(self):
        with self.assertRaises(AccessError):
            self._as_b("itscope.best.source").create({"purchase_id": self.order_a.id})
        with self.assertRaises(AccessError):
            self.order_a.with_user(self.user_b).action_itscope_best_source()
