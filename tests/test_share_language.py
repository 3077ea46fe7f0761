"""ITscope's Share pages and the Settings tile speak the purchaser's language: German from i18n/de.po."""

from odoo.tests import HttpCase, tagged

from ..itscope.sandbox.catalogue import catalogue_for
from .common import SANDBOX_ACCOUNT, SANDBOX_KEY, start_sandbox

BUYER = "share_einkauf"


@tagged("post_install", "-at_install")
class TestShareLanguage(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox, url = start_sandbox(cls, products=20)
        cls.company = cls.env.company
        cls.company.write(
            {"itscope_account_id": SANDBOX_ACCOUNT, "itscope_api_key": SANDBOX_KEY, "itscope_base_url": url}
        )
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.env["itscope.distributor"].search([("company_id", "=", cls.company.id)]).action_create_vendor()
        [cls.product] = catalogue_for(cls.sandbox).products(3, 4)
        # German installed as installing the language does it: its terms from the addon's i18n/de.po.
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(["itscope_connector"], ["de_DE"], overwrite=True)
        cls.env["res.users"].create(
            {
                "name": "Einkauf",
                "login": BUYER,
                "password": BUYER,
                "lang": "de_DE",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [(6, 0, [cls.env.ref("purchase.group_purchase_user").id])],
            }
        )

    def _assert_german(self, text, german, english):
        for term in german:
            self.assertIn(term, text)
        for term in english:
            self.assertNotIn(term, text)

    def test_confirmation_page_in_german(self):
        self.authenticate(BUYER, BUYER)
        response = self.url_open("/itscope/share?id=%s" % self.product["puid"])
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.product["productName"], response.text)
        self._assert_german(
            response.text,
            [
                "Importieren und öffnen",
                "Abbrechen",
                "Bestes Angebot:",
                "auf Lager)",
                "Angebote auf ITscope",
                "Dieses Produkt ist für Ihr Unternehmen noch nicht in Odoo.",
            ],
            ["Import and open", "Best offer", "in stock)", "offers on ITscope", "not in Odoo yet"],
        )

    def test_problem_page_in_german(self):
        self.authenticate(BUYER, BUYER)
        response = self.url_open("/itscope/share?id=abc")
        self.assertEqual(response.status_code, 400)
        self._assert_german(
            response.text,
            ["ITscope-Produkt", "Zurück zu Odoo", "Dieser Link nennt kein ITscope-Produkt", "nicht abc."],
            ["Back to Odoo", "does not name an ITscope product"],
        )

    def test_settings_tile_in_german(self):
        settings = self.env["res.config.settings"].with_context(lang="de_DE")
        field = settings.fields_get(["itscope_share_tile_url"])["itscope_share_tile_url"]
        self.assertEqual(field["string"], "URL der ITscope-Teilen-Kachel")
        self.assertIn("Teilen-Konfiguration von itscope.com", field["help"])
        arch = settings.get_views([(False, "form")])["views"]["form"]["arch"]
        self._assert_german(
            arch,
            ["ITscope-Teilen-Kachel", "Öffnen Sie auf itscope.com bei einem beliebigen Produkt „Teilen“"],
            ["ITscope Share tile", "On itscope.com, open Share on any product"],
        )
