"""The ITscope API key reaches nobody but Settings administrators (and ITscope): not through a read, a search, an
export along any relation to the company, an import, nor a rendered template; a value already in the cache included,
since that is where Odoo's export and rendering read from without checking field groups."""

from operator import attrgetter, methodcaller

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..itscope.sandbox.products import SHARE_TOKENS
from .common import SANDBOX_KEY, ItscopeCase, start_sandbox

JSON_EXPORT = "5a9d1000-c0de-4e57-8a7e-000000000103"

# Every model (and dotted path) through which issue 16 read the key, plus the company itself.
EXPORT_PATHS = [
    ("product.supplierinfo", "company_id/itscope_api_key"),
    ("product.template", "company_id/itscope_api_key"),
    ("product.template", "seller_ids/company_id/itscope_api_key"),
    ("product.product", "company_id/itscope_api_key"),
    ("product.product", "seller_ids/company_id/itscope_api_key"),
    ("product.product", "product_tmpl_id/seller_ids/company_id/itscope_api_key"),
    ("res.partner", "company_id/itscope_api_key"),
    ("account.journal", "company_id/itscope_api_key"),
    ("purchase.order", "company_id/itscope_api_key"),
    ("res.users", "company_ids/itscope_api_key"),
    ("res.company", "itscope_api_key"),
]


@tagged("post_install", "-at_install")
class TestApiKeySecrecy(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        export = "base.group_allow_export"
        # Internal users edit mail templates unless the database restricts it: the buyer has Odoo's defaults.
        cls.buyer = cls._create_user(
            "secrecy_buyer", ["purchase.group_purchase_user", export, "mail.group_mail_template_editor"]
        )
        cls.itscope_admin = cls._create_user(
            "secrecy_itscope_admin", ["purchase.group_purchase_user", "itscope_connector.group_itscope_manager", export]
        )
        cls.settings_admin = cls._create_user("secrecy_settings_admin", ["base.group_system", export])
        vendor = cls.env["res.partner"].create({"name": "Secrecy Vendor", "company_id": cls.company.id})
        template = cls.env["product.template"].create(
            {
                "name": "Secrecy Product",
                "company_id": cls.company.id,
                "seller_ids": [Command.create({"partner_id": vendor.id, "company_id": cls.company.id, "price": 1})],
            }
        )
        cls.env["purchase.order"].create(
            {"partner_id": vendor.id, "order_line": [Command.create({"product_id": template.product_variant_id.id})]}
        )
        cls.env["account.journal"].create(
            {"name": "Secrecy Journal", "type": "general", "code": "SECR", "company_id": cls.company.id}
        )
        # Another server than the company's ITscope API address: it must never be sent a request.
        cls.elsewhere, cls.elsewhere_url = start_sandbox(cls, products=5)

    def _outsiders(self):
        """The two kinds of user issue 16 read the key as: a buyer with export rights, an ITscope administrator."""
        return (self.buyer, self.itscope_admin)

    def _prime_cache(self):
        """Put the key in the transaction's cache, as any code reading the company with sudo does in a request."""
        self.assertEqual(self.company.sudo().itscope_api_key, SANDBOX_KEY)

    def test_export_along_every_relation_is_refused(self):
        for user in self._outsiders():
            for model, path in EXPORT_PATHS:
                for primed in (False, True):
                    with self.subTest(user=user.login, model=model, path=path, cached=primed):
                        self.env.invalidate_all()
                        if primed:
                            self._prime_cache()
                        records = self.env[model].with_user(user).search([], limit=50)
                        self.assertTrue(records, "nothing of %s to export" % model)
                        # "Export all data" follows every relation to the company, and is refused.
                        with self.assertRaises(UserError):  # an AccessError, or the connector's refusal
                            records.with_context(import_compat=False).export_data(["id", path])
                        # "Import-compatible" exports stop at many2many names; where they reach the key, refused.
                        try:
                            rows = records.export_data(["id", path])["datas"]
                        except UserError:
                            continue
                        self.assertNotIn(SANDBOX_KEY, repr(rows))

    def test_export_dialog_does_not_offer_the_key_and_settings_admins_cannot_export_it_either(self):
        company = self.company.with_user(self.settings_admin)
        self.assertFalse(company.fields_get(["itscope_api_key"], ["exportable"])["itscope_api_key"]["exportable"])
        with self.assertRaisesRegex(UserError, "never exported"):
            company.export_data(["name", "itscope_api_key"])
        # Everything else of the company still exports.
        self.assertEqual(company.export_data(["name"])["datas"], [[self.company.name]])

    def test_import_of_the_key_is_refused(self):
        xml_id = self.company.get_external_id()[self.company.id]
        for user in (*self._outsiders(), self.settings_admin):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "never exported or imported"):
                    self.env["res.company"].with_user(user).load(["id", "itscope_api_key"], [[xml_id, "stolen"]])
                with self.assertRaisesRegex(UserError, "never exported or imported"):
                    self.env["res.company"].with_user(user).load(
                        ["id", "child_ids/name", "child_ids/itscope_api_key"], [[xml_id, "Child", "stolen"]]
                    )
                self.assertEqual(self.company.sudo().itscope_api_key, SANDBOX_KEY)
        # A sub-field path from another model imports nothing into the company either.
        result = (
            self.env["product.supplierinfo"]
            .with_user(self.buyer)
            .load(["partner_id", "company_id/itscope_api_key"], [["Secrecy Vendor", "stolen"]])
        )
        self.assertFalse(result["ids"])
        self.assertEqual(self.company.sudo().itscope_api_key, SANDBOX_KEY)

    def test_read_search_and_group_are_refused(self):
        for user in self._outsiders():
            with self.subTest(user=user.login):
                self._prime_cache()
                company = self.company.with_user(user)
                with self.assertRaises(AccessError):
                    company.read(["itscope_api_key"])
                with self.assertRaises(AccessError):
                    company.search_read([], ["itscope_api_key"])
                with self.assertRaises(AccessError):
                    company.web_read({"itscope_api_key": {}})
                with self.assertRaises(AccessError):
                    self.env["product.supplierinfo"].with_user(user).search([]).web_read(
                        {"company_id": {"fields": {"itscope_api_key": {}}}}
                    )
                with self.assertRaises(AccessError):
                    company.search([("itscope_api_key", "=", SANDBOX_KEY)])
                with self.assertRaises(AccessError):
                    self.env["product.supplierinfo"].with_user(user).search(
                        [("company_id.itscope_api_key", "=like", SANDBOX_KEY[:3] + "%")]
                    )
                with self.assertRaises(AccessError):
                    company.read_group([], ["id:count"], ["itscope_api_key"])
                # Public methods that read through the cache (callable over RPC too) and code running as the user,
                # e.g. an expression in a mail template, cannot read it either.
                supplierinfo = self.env["product.supplierinfo"].with_user(user).search([])
                reads = [
                    (company, methodcaller("mapped", "itscope_api_key")),
                    (supplierinfo, methodcaller("mapped", "company_id.itscope_api_key")),
                    (company, methodcaller("filtered_domain", [("itscope_api_key", "=like", SANDBOX_KEY[:3] + "%")])),
                    (company, methodcaller("sorted", "itscope_api_key")),
                    (company, attrgetter("itscope_api_key")),
                ]
                for records, read in reads:
                    self._prime_cache()
                    with self.assertRaises(AccessError):
                        read(records)

    def test_templates_rendered_by_a_buyer_do_not_show_the_key(self):
        self._prime_cache()
        order = self.env["purchase.order"].with_user(self.buyer).search([], limit=1)
        render = self.env["mail.render.mixin"].with_user(self.buyer)
        rendered = render._render_template(
            "{{ object.company_id.name }}", "purchase.order", order.ids, engine="inline_template"
        )
        self.assertEqual(rendered[order.id], self.company.name)
        with self.assertRaisesRegex(UserError, "Failed to render"):
            rendered = render._render_template(
                "{{ object.company_id.itscope_api_key }}", "purchase.order", order.ids, engine="inline_template"
            )
            self.assertNotIn(SANDBOX_KEY, repr(rendered))

    def test_settings_admin_and_the_connector_still_use_the_key(self):
        self.assertEqual(self.company.with_user(self.settings_admin).itscope_api_key, SANDBOX_KEY)
        settings = self.env["res.config.settings"].with_user(self.settings_admin).create({})
        self.assertEqual(settings.itscope_api_key, SANDBOX_KEY)
        with self.env["itscope.service"].with_user(self.buyer)._client(self.company.with_user(self.buyer)) as client:
            self.assertEqual(client.quota()["API access"], "Unlimited")

    def test_export_url_elsewhere_is_refused_and_never_sent_the_key(self):
        url = "%s/products/exports/%s" % (self.elsewhere_url, JSON_EXPORT)
        exports = self.env["itscope.export"].with_user(self.itscope_admin)
        with self.assertRaisesRegex(ValidationError, "not at the ITscope API address"):
            exports.create({"name": "Elsewhere", "export_ref": url})
        # An export saved while the API address was that server, downloaded after the address changed back.
        self._connect(self.company, url=self.elsewhere_url)
        export = exports.create({"name": "Moved", "export_ref": url, "full": False})
        self._connect(self.company)
        export.action_import_now()
        self.env["itscope.export"]._cron_itscope_download_exports()
        self.assertEqual(export.last_run_id.state, "failed")
        self.assertIn("not at the ITscope API address", export.last_run_id.failure)
        self.assertEqual(self.elsewhere.log, [])

    def test_tokenised_share_link_at_the_api_is_downloaded_without_credentials(self):
        token = next(token for token, export_id in SHARE_TOKENS.items() if export_id == JSON_EXPORT)
        export = (
            self.env["itscope.export"]
            .with_user(self.itscope_admin)
            .create({"name": "Shared", "export_ref": "%s/t/%s" % (self.sandbox_url, token), "full": False})
        )
        self.sandbox.log.clear()
        export.action_import_now()
        self.env["itscope.export"]._cron_itscope_download_exports()
        self.assertNotEqual(export.last_run_id.state, "failed", export.last_run_id.failure)
        [download] = self.sandbox.api_requests("/t/")
        self.assertEqual(download.status, 200)
        self.assertFalse(download.credentials)

    def test_only_settings_admins_may_point_the_key_elsewhere(self):
        access_admin = self._create_user("secrecy_access_admin", ["base.group_erp_manager", "base.group_user"])
        company = self.company.with_user(access_admin)
        company.write({"itscope_request_budget": 200})  # may edit the company, its other ITscope settings included
        with self.assertRaisesRegex(AccessError, "Only Settings administrators may change the ITscope API URL"):
            company.write({"itscope_base_url": self.elsewhere_url})
        self.company.with_user(self.settings_admin).write({"itscope_base_url": self.elsewhere_url})
        self.assertEqual(self.company.itscope_base_url, self.elsewhere_url)
