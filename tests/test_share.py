from odoo.tests import HttpCase, tagged

from ..itscope.sandbox.catalogue import catalogue_for
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox


@tagged("post_install", "-at_install")
class TestShare(HttpCase):
    """ITscope's Share tile points at /itscope/share?id=<id>&ean=<ean>: the product opens in Odoo, imported if new."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls, products=50)
        cls.env.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        assert cls.env["itscope.master.data"]._sync(cls.env.company).state == "done"
        cls.env["itscope.distributor"].search([]).action_create_vendor()
        cls.shared = next(catalogue_for(cls.sandbox).products(5, 6))

    def test_shared_product_is_imported_then_opened(self):
        self.authenticate("admin", "admin")
        url = "/itscope/share?id=%s&ean=%s" % (self.shared["puid"], self.shared["ean"])
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        template = self.env["product.template"].search([("itscope_puid", "=", str(self.shared["puid"]))])
        self.assertEqual(len(template), 1)
        self.assertTrue(response.headers["Location"].endswith("/odoo/product.template/%d" % template.id))
        # A second share of the same product (here by EAN only) opens it without asking ITscope.
        asked = len(self.sandbox.log)
        response = self.url_open("/itscope/share?ean=%s" % self.shared["ean"], allow_redirects=False)
        self.assertTrue(response.headers["Location"].endswith("/odoo/product.template/%d" % template.id))
        self.assertEqual(len(self.sandbox.log), asked)

    def test_share_needs_a_login_and_a_usable_id(self):
        response = self.url_open("/itscope/share?id=%s" % self.shared["puid"], allow_redirects=False)
        self.assertIn("/web/login", response.headers.get("Location", ""))
        self.authenticate("admin", "admin")
        with self.assertLogs("odoo.http", "WARNING") as logs:
            response = self.url_open("/itscope/share?id=abc")
        self.assertIn("no usable product id", response.text)
        self.assertIn("no usable product id", logs.output[0])
