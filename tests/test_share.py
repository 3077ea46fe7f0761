import contextlib
import re
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo.sql_db import Cursor
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from ..itscope.sandbox.app import Fault
from ..itscope.sandbox.catalogue import catalogue_for
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox

PASSWORD = "share-test-password"
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_BOOKKEEPING = re.compile(r"\b(?:itscope_api_gate|res_device_log)\b")


@tagged("post_install", "-at_install")
class TestShare(HttpCase):
    """ITscope's Share tile points at /itscope/share?id=<id>&ean=<ean>: a product the company has opens at once,
    another one is shown for confirmation and imported by the confirmation's CSRF-protected POST only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls, products=50)
        cls.company = cls.env.company
        cls.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        assert cls.env["itscope.master.data"]._sync(cls.company).state == "done"
        cls.env["itscope.distributor"].search([]).action_create_vendor()
        catalogue = catalogue_for(cls.sandbox)
        cls.known, cls.unknown, cls.other = catalogue.products(5, 8)
        cls.env["itscope.share"]._import(str(cls.known["puid"]), "")
        cls.buyer = cls._user("share_buyer", cls.company)
        # Company B has its own ITscope account (its own sandbox) and has imported nothing.
        cls.company_b = cls.env["res.company"].create({"name": "Share Company B"})
        cls.sandbox_b, url_b = start_sandbox(cls, account_id="account-b", api_key="key-b", products=50)
        cls.company_b.write({"itscope_account_id": "account-b", "itscope_api_key": "key-b", "itscope_base_url": url_b})
        assert cls.env["itscope.master.data"]._sync(cls.company_b).state == "done"
        cls.env["itscope.distributor"].search([("company_id", "=", cls.company_b.id)]).action_create_vendor()
        cls.buyer_b = cls._user("share_buyer_b", cls.company_b)

    @classmethod
    def _user(cls, login, company):
        return cls.env["res.users"].create(
            {
                "name": login.title(),
                "login": login,
                "password": PASSWORD,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [cls.env.ref("purchase.group_purchase_user").id])],
            }
        )

    def setUp(self):
        super().setUp()
        self.sandbox.log.clear()
        self.sandbox_b.log.clear()
        self.sandbox.faults.clear()

    def _template(self, payload, company=None):
        """The product ``company`` (default A) has imported for the sandbox product ``payload``, if any."""
        binding = self.env["itscope.product"].search(
            [("company_id", "=", (company or self.company).id), ("itscope_id", "=", str(payload["puid"]))]
        )
        return binding.product_tmpl_id

    def _share_url(self, payload, ean=True):
        url = "/itscope/share?id=%s" % payload["puid"]
        return url + "&ean=%s" % payload["ean"] if ean else url

    @contextlib.contextmanager
    def _recorded_writes(self):
        """The INSERT/UPDATE/DELETE statements the server runs in the block, but for two kinds of bookkeeping that
        are no data: the request gate's count of calls against ITscope's rate limit (every ITscope call), and Odoo's
        log of the devices a session is used from (the first request of any session, whatever its route)."""
        writes = []
        execute = Cursor.execute

        def recording(cr, query, params=None, log_exceptions=True):
            code = query.code if isinstance(query, SQL) else str(query)
            if _WRITE.match(code) and not _BOOKKEEPING.search(code):
                writes.append(code)
            return execute(cr, query, params, log_exceptions)

        with patch.object(Cursor, "execute", recording):
            yield writes

    def _confirmation_form(self, response):
        """The hidden fields of the confirmation page's import form."""
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_a_product_the_company_has_opens_at_once(self):
        self.authenticate("share_buyer", PASSWORD)
        template = self._template(self.known)
        self.assertTrue(template)
        for url in (
            self._share_url(self.known),
            self._share_url(self.known, ean=False),
            "/itscope/share?ean=%s" % self.known["ean"],
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 303, url)
            self.assertTrue(response.headers["Location"].endswith("/odoo/product.template/%d" % template.id))
        self.assertEqual(self.sandbox.log, [], "a product the company has needs no request to ITscope")

    def test_get_shows_a_confirmation_and_post_imports(self):
        self.authenticate("share_buyer", PASSWORD)
        runs = self.env["itscope.sync.run"].search_count([])
        with self._recorded_writes() as writes:
            response = self.url_open(self._share_url(self.unknown))
        self.assertEqual(writes, [])
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.unknown["productName"], response.text)
        self.assertIn("Best offer", response.text)
        self.assertIn('action="/itscope/share/import"', response.text)
        self.assertFalse(self._template(self.unknown))
        self.assertEqual(self.env["itscope.sync.run"].search_count([]), runs)
        form = self._confirmation_form(response)
        self.assertEqual(form["id"], str(self.unknown["puid"]))
        with self._recorded_writes() as writes:
            response = self.url_open("/itscope/share/import", data=form, allow_redirects=False)
        self.assertTrue(writes, "the recorder sees the import's writes")
        self.assertEqual(response.status_code, 303)
        template = self._template(self.unknown)
        self.assertTrue(template)
        self.assertTrue(response.headers["Location"].endswith("/odoo/product.template/%d" % template.id))
        self.assertTrue(template.seller_ids.filtered(lambda offer: offer.company_id == self.company))
        # Shared again, it opens at once.
        response = self.url_open(self._share_url(self.unknown), allow_redirects=False)
        self.assertEqual(response.status_code, 303)

    def test_post_without_the_csrf_token_is_refused(self):
        self.authenticate("share_buyer", PASSWORD)
        form = self._confirmation_form(self.url_open(self._share_url(self.other)))
        del form["csrf_token"]
        with self.assertLogs("odoo.http", "WARNING"):
            response = self.url_open("/itscope/share/import", data=form, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._template(self.other))
        form["csrf_token"] = "forged"
        with self.assertLogs("odoo.http", "WARNING"):
            response = self.url_open("/itscope/share/import", data=form, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._template(self.other))

    def test_logged_out_user_logs_in_and_comes_back_to_the_shared_product(self):
        target = self._share_url(self.known)
        response = self.url_open(target, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        login = urlsplit(response.headers["Location"])
        self.assertEqual(login.path, "/web/login")
        self.assertEqual(parse_qs(login.query)["redirect"], [target])
        page = self.url_open("/web/login?" + login.query)
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/login",
            data={"login": "share_buyer", "password": PASSWORD, "redirect": target, "csrf_token": csrf_token},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            urlsplit(response.headers["Location"]).path + "?" + urlsplit(response.headers["Location"]).query, target
        )
        response = self.url_open(target, allow_redirects=False)
        self.assertTrue(
            response.headers["Location"].endswith("/odoo/product.template/%d" % self._template(self.known).id)
        )

    def test_a_user_of_another_company_sees_and_imports_with_its_own_account(self):
        self.authenticate("share_buyer_b", PASSWORD)
        # Company A has this product; company B has not: B gets the confirmation, from B's ITscope account.
        response = self.url_open(self._share_url(self.known))
        self.assertEqual(response.status_code, 200)
        self.assertIn('action="/itscope/share/import"', response.text)
        self.assertEqual(self.sandbox.log, [])
        self.assertTrue(self.sandbox_b.log)
        response = self.url_open("/itscope/share/import", data=self._confirmation_form(response), allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        template = self._template(self.known, self.company_b)
        self.assertTrue(template)
        offers = template.seller_ids
        self.assertTrue(offers.filtered(lambda offer: offer.company_id == self.company_b))
        self.assertEqual(self.sandbox.log, [], "company A's account was used for company B")
        # B's user sees B's offers only.
        visible = (
            self.env["product.supplierinfo"].with_user(self.buyer_b).search([("product_tmpl_id", "=", template.id)])
        )
        self.assertEqual(visible.company_id, self.company_b)

    def test_links_odoo_cannot_use_give_a_clear_page(self):
        self.authenticate("share_buyer", PASSWORD)
        cases = [
            ("/itscope/share?id=abc", 400, "does not name an ITscope product"),
            ("/itscope/share?id=" + "7" * 5000, 400, "characters)"),
            ("/itscope/share?id=12345&ean=12-34", 400, "is not an EAN"),
            ("/itscope/share", 400, "names no product"),
            ("/itscope/share?id=99999999999", 404, "ITscope does not know the shared product"),
        ]
        for url, status, text in cases:
            with self.subTest(url=url[:60]):
                response = self.url_open(url)
                self.assertEqual(response.status_code, status)
                self.assertIn(text, response.text)
                self.assertNotIn("Traceback", response.text)
        # Only the unknown (well-formed) id was asked for.
        self.assertEqual(len(self.sandbox.api_requests("/products/")), 1)

    def test_an_itscope_error_page_is_not_shown_raw(self):
        self.authenticate("share_buyer", PASSWORD)
        page = "<!DOCTYPE html><html><head><title>Internal Server Error</title></head><body><pre>at com.itscope</pre>"
        self.sandbox.faults.append(Fault(path_contains="/products/ids/", status=500, message=page, times=4))
        response = self.url_open(self._share_url(self.other))
        self.assertEqual(response.status_code, 502)
        self.assertIn("ITscope answered 500: Internal Server Error", response.text)
        self.assertNotIn("com.itscope", response.text)
        self.assertNotIn("Traceback", response.text)

    def test_no_get_of_any_addon_route_writes(self):
        """Every GET route of the addon, with the queries it is opened with (a route missing here fails the test), and
        the POST-only routes opened with GET: none writes to the database."""
        samples = {
            "/itscope/share": [
                self._share_url(self.known),
                self._share_url(self.unknown),
                "/itscope/share?ean=%s" % self.other["ean"],
                "/itscope/share?id=abc",
                "/itscope/share?id=99999999999",
            ],
        }
        routes = {}
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if rule.endpoint.__module__.startswith("odoo.addons.itscope_connector."):
                routes[rule.rule] = not rule.methods or "GET" in rule.methods
        self.assertEqual({route for route, get in routes.items() if get}, set(samples))
        self.authenticate("share_buyer", PASSWORD)
        runs = self.env["itscope.sync.run"].search_count([])
        for route, get in routes.items():
            for url in samples.get(route, [route]):
                with self.subTest(url=url), self._recorded_writes() as writes:
                    response = self.url_open(url, allow_redirects=False)
                    self.assertEqual(writes, [])
                    if not get:
                        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.env["itscope.sync.run"].search_count([]), runs)

    def test_settings_show_the_tile_url_for_this_odoo(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "https://odoo.example.com")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.itscope_share_tile_url, "https://odoo.example.com/itscope/share?id=<id>&ean=<ean>")
