"""ITscope's Share tile in the browser (Odoo tours in headless Chromium, static/tests/tours/itscope_share_tour.js)
against the sandbox: a purchaser opens the share URL of a product Odoo does not have, sees the confirmation page,
clicks "Import and open" (the real button: the form's CSRF-protected POST) and lands on the imported product; a
product the company has opens at once; a logged-out purchaser logs in first and comes back to the same page."""

import json

from odoo.tests import HttpCase, tagged

from ..itscope.products import read_product
from ..itscope.sandbox.catalogue import catalogue_for
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox

BUYER = "share_tour_buyer"


@tagged("post_install", "-at_install")
class TestShareTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls, products=50)
        # The purchaser works for a company of its own, not the database's first company (whose user runs the
        # set-up): what a share imports must land in the purchaser's company and only there.
        cls.main_company = cls.env.company
        cls.company = cls.env["res.company"].create({"name": "Share Tour Company"})
        cls.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)]).action_create_vendor()
        cls.known, cls.unknown, cls.other = catalogue_for(cls.sandbox).products(5, 8)
        cls.env["itscope.share"].with_company(cls.company)._import(str(cls.known["puid"]), "")
        # Odoo's HttpCase logs a user in with its login as password; the login tour types it the same way.
        cls.env["res.users"].create(
            {
                "name": "Share Tour Buyer",
                "login": BUYER,
                "password": BUYER,
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [(6, 0, [cls.env.ref("purchase.group_purchase_user").id])],
            }
        )

    def _binding(self, payload, company):
        return self.env["itscope.product"].search(
            [("company_id", "=", company.id), ("itscope_id", "=", str(payload["puid"]))]
        )

    def _expected(self, payload):
        """What the tour must see of ``payload``: its name, and the price and distributor of its best offer as the
        purchaser's company names it (the confirmation page and the cheapest vendor price line agree on them)."""
        share = self.env["itscope.share"].with_company(self.company)
        summary = share._offer_summary(read_product(payload))
        self.assertTrue(summary["best_offer"], "the sandbox product has a priced offer to show")
        return {
            "name": payload["productName"],
            "price": str(summary["best_offer"].price),
            "distributor": summary["best_distributor"],
            "login": BUYER,
        }

    def _start_share_tour(self, payload, tour, login):
        """The tour ``tour`` from ``payload``'s share URL, told through sessionStorage what it must see."""
        url = "/itscope/share?id=%s&ean=%s" % (payload["puid"], payload["ean"])
        options = {"stepDelay": 0, "keepWatchBrowser": False, "debug": False, "startUrl": url}
        code = "sessionStorage.setItem(%s, %s); odoo.startTour(%s, %s)" % (
            json.dumps("itscope_share_tour"),
            json.dumps(json.dumps(self._expected(payload))),
            json.dumps(tour),
            json.dumps(options),
        )
        self.start_tour(url, tour, login=login, code=code)

    def _assert_imported_for_the_purchasers_company_only(self, payload):
        binding = self._binding(payload, self.company)
        self.assertEqual(len(binding), 1, "the product is imported for the purchaser's company")
        self.assertFalse(self._binding(payload, self.main_company), "and not for the database's first company")
        template = binding.product_tmpl_id
        self.assertEqual(template.name, payload["productName"])
        offers = self.env["product.supplierinfo"].search([("product_tmpl_id", "=", template.id)])
        self.assertTrue(offers, "its ITscope offers are vendor price lines")
        self.assertEqual(offers.company_id, self.company)
        run = self.env["itscope.sync.run"].search([("company_id", "=", self.company.id)], order="id desc", limit=1)
        self.assertEqual((run.source, run.state), ("share", "done"))

    def test_share_of_a_product_not_in_odoo_imports_it_and_opens_it(self):
        self.assertFalse(self._binding(self.unknown, self.company))
        self._start_share_tour(self.unknown, "itscope_share_import_tour", login=BUYER)
        self._assert_imported_for_the_purchasers_company_only(self.unknown)

    def test_share_of_a_product_odoo_has_opens_its_form_at_once(self):
        runs = self.env["itscope.sync.run"].search_count([])
        self.sandbox.log.clear()
        self._start_share_tour(self.known, "itscope_share_open_tour", login=BUYER)
        self.assertEqual(self.env["itscope.sync.run"].search_count([]), runs, "nothing was imported")
        self.assertEqual(self.sandbox.api_requests("/products/"), [], "nor was ITscope asked about the product")

    def test_logged_out_purchaser_logs_in_and_comes_back_to_the_confirmation(self):
        self._start_share_tour(self.other, "itscope_share_login_tour", login=None)
        self._assert_imported_for_the_purchasers_company_only(self.other)
