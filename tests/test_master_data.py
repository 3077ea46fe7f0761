import copy
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..itscope.sandbox.catalogue import PARTNER_TEST_ID, catalogue_for
from .common import ItscopeCase, start_sandbox


@tagged("post_install", "-at_install")
class TestMasterData(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        cls.pristine = copy.deepcopy(
            (cls.catalogue.distributors, cls.catalogue.manufacturers, cls.catalogue.product_types)
        )
        cls.Distributor = cls.env["itscope.distributor"]
        cls.Manufacturer = cls.env["itscope.manufacturer"]
        cls.ProductType = cls.env["itscope.product.type"]

    def setUp(self):
        super().setUp()
        distributors, manufacturers, product_types = copy.deepcopy(self.pristine)
        self.catalogue.distributors[:] = distributors
        self.catalogue.manufacturers[:] = manufacturers
        self.catalogue.product_types[:] = product_types
        self.sandbox.lift_block()

    def _sync(self, company=None):
        return self.env["itscope.master.data"]._sync(company or self.company)

    def _bindings(self, company=None):
        """Every master-data binding of the company, as a list (they are records of three models)."""
        domain = [("company_id", "=", (company or self.company).id)]
        return [*self.Distributor.search(domain), *self.Manufacturer.search(domain), *self.ProductType.search(domain)]

    def test_first_sync_creates_everything_and_maps_it(self):
        run = self._sync()
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        expected = (
            len(self.catalogue.distributors) + len(self.catalogue.manufacturers) + len(self.catalogue.product_types)
        )
        self.assertEqual(run.created_count, expected)
        self.assertEqual(len(self._bindings()), expected)

        partner_test = self.Distributor.search([("itscope_id", "=", str(PARTNER_TEST_ID))])
        self.assertEqual(partner_test.name, "ITscope Partner-Test")
        partnered = [c["supplier"] for c in self.catalogue.distributors if c["supplier"].get("customerAccountNumber")]
        self.assertEqual(self.Distributor.search_count([("partnered", "=", True)]), len(partnered))
        for supplier in partnered:
            binding = self.Distributor.search([("itscope_id", "=", str(supplier["id"]))])
            self.assertEqual(binding.customer_account_number, supplier["customerAccountNumber"])
            self.assertEqual(
                binding.order_account_number, supplier.get("orderAccountNumber") or supplier["customerAccountNumber"]
            )

        manufacturers = self.Manufacturer.search([])
        self.assertTrue(all(m.partner_id.itscope_is_manufacturer and m.partner_id.is_company for m in manufacturers))
        self.assertEqual(manufacturers.partner_id.mapped("name"), manufacturers.mapped("name"))

        for product_type in self.ProductType.search([]):
            category = product_type.category_id
            self.assertEqual(category.name, product_type.name)
            self.assertEqual(category.parent_id.name, product_type.group_name)
            self.assertEqual(category.parent_id.parent_id.name, "ITscope")
            self.assertFalse(category.parent_id.parent_id.parent_id)

    def test_second_sync_writes_nothing(self):
        self._sync()
        bindings = self._bindings()
        write_dates = {(b._name, b.id): b.write_date for b in bindings}
        categories = self.ProductType.search([]).category_id
        self.assertTrue(categories)
        category_dates = categories.mapped("write_date")
        with patch.object(type(self.Distributor), "write", side_effect=AssertionError("no write expected")):
            run = self._sync()
        self.assertEqual(run.state, "done")
        self.assertEqual((run.created_count, run.updated_count), (0, 0))
        self.assertEqual(run.unchanged_count, len(bindings))
        self.env.invalidate_all()
        self.assertEqual({(b._name, b.id): b.write_date for b in self._bindings()}, write_dates)
        self.assertEqual(categories.mapped("write_date"), category_dates)
        self.assertEqual(len(self._bindings()), len(bindings))

    def test_renamed_distributor_updates_its_binding_only(self):
        self._sync()
        entry = next(c for c in self.catalogue.distributors if c["supplier"]["id"] == PARTNER_TEST_ID)
        binding = self.Distributor.search([("itscope_id", "=", str(PARTNER_TEST_ID))])
        binding.action_create_vendor()
        vendor = binding.partner_id
        entry["supplier"]["name"] = "ITscope Partner-Test (renamed)"
        run = self._sync()
        self.assertEqual(run.updated_count, 1)
        self.assertEqual(binding.name, "ITscope Partner-Test (renamed)")
        self.assertEqual(vendor.name, "ITscope Partner-Test", "the user's vendor keeps its own name")
        self.assertEqual(binding.partner_id, vendor)

    def test_malformed_entry_is_logged_and_skipped(self):
        self.catalogue.distributors.append({"name": "Broken GmbH", "supplier": {"name": "Broken GmbH", "id": "x1"}})
        self.catalogue.manufacturers.append({"name": "Nameless", "manufacturer": {"id": 77}})
        run = self._sync()
        self.assertEqual(run.state, "partial")
        self.assertEqual(run.error_count, 2)
        self.assertIn("x1: missing or malformed id", run.error_log)
        self.assertIn("77: manufacturer without a name", run.error_log)
        self.assertEqual(
            self.Distributor.search_count([]), len(self.catalogue.distributors) - 1, "the good ones all landed"
        )
        self.assertTrue(run.activity_ids, "a partially failed run is brought to the administrators")

    def test_itscope_failure_ends_in_a_failed_run_with_an_activity(self):
        self.sandbox.config.rate_limit = 0
        try:
            run = self._sync()
        finally:
            self.sandbox.config.rate_limit = 600
        self.assertEqual(run.state, "failed")
        self.assertIn("blocked requests from this server", run.failure)
        self.assertFalse(self._bindings())
        self.assertEqual(run.activity_ids.user_id, self.env.ref("base.user_admin"))

    def test_vendor_suggestions_by_name_and_domain(self):
        supplier_names = {c["supplier"]["id"]: c["supplier"]["name"] for c in self.catalogue.distributors}
        also_id, also_name = next((i, n) for i, n in supplier_names.items() if n.startswith("ALSO"))
        partner_by_name = self.env["res.partner"].create({"name": also_name.upper() + " GmbH", "is_company": True})
        ingram_id = next(i for i, n in supplier_names.items() if n.startswith("Ingram"))
        partner_by_domain = self.env["res.partner"].create(
            {"name": "IM Germany", "is_company": True, "email": "orders@ingrammicro.de"}
        )
        self._sync()
        also = self.Distributor.search([("itscope_id", "=", str(also_id))])
        ingram = self.Distributor.search([("itscope_id", "=", str(ingram_id))])
        self.assertEqual((also.suggested_partner_id, also.mapping_state), (partner_by_name, "suggested"))
        self.assertEqual(ingram.suggested_partner_id, partner_by_domain)

        also.action_accept_suggestion()
        self.assertEqual((also.partner_id, also.mapping_state), (partner_by_name, "mapped"))
        self.assertEqual(partner_by_name.itscope_supplier_id, str(also_id))
        ingram.action_reject_suggestion()
        self.assertFalse(ingram.suggested_partner_id)
        self.assertIn(partner_by_domain, ingram.rejected_partner_ids)
        self._sync()
        self.assertFalse(ingram.suggested_partner_id, "a rejected suggestion is not proposed again")

    def test_create_vendors_in_one_click_never_duplicates(self):
        self._sync()
        partnered = self.Distributor.search([("partnered", "=", True)])
        partnered.action_create_vendor()
        vendors = partnered.partner_id
        self.assertEqual(len(vendors), len(partnered))
        self.assertTrue(all(vendor.supplier_rank for vendor in vendors))
        self.assertEqual(sorted(vendors.mapped("itscope_supplier_id")), sorted(partnered.mapped("itscope_id")))
        self._sync()
        self.assertEqual(self.env["res.partner"].search_count([("itscope_supplier_id", "!=", False)]), len(vendors))
        # The vendor's smart buttons lead to its ITscope binding and, once the catalogue has them, its offers.
        vendor = vendors[0]
        self.assertEqual(vendor.itscope_distributor_count, 1)
        product = self.env["product.product"].create(
            {"name": "Offered", "seller_ids": [Command.create({"partner_id": vendor.id, "itscope_offer_id": "1"})]}
        )
        self.assertEqual(vendor.itscope_offer_count, 1)
        self.assertEqual(
            self.env["product.supplierinfo"].search(vendor.action_itscope_open_offers()["domain"]).product_tmpl_id,
            product.product_tmpl_id,
        )

    def test_remapping_a_product_type_moves_its_products(self):
        self._sync()
        product_type = self.ProductType.search([], limit=1)
        product = self.env["product.template"].create(
            {
                "name": "Typed product",
                "itscope_product_type_id": product_type.id,
                "categ_id": product_type.category_id.id,
            }
        )
        other = self.env["product.category"].create({"name": "Our own servers"})
        product_type.category_id = other
        self.assertEqual(product.categ_id, other)
        self.assertEqual(other.itscope_product_type_count, 1)

    def test_cron_syncs_due_companies_once(self):
        self.company.itscope_master_data_last_run = False
        self.env["itscope.master.data"]._cron_itscope_sync_master_data()
        runs = self.env["itscope.sync.run"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(runs), 1)
        self.assertFalse(self.env["itscope.master.data"]._due(self.company))
        self.env["itscope.master.data"]._cron_itscope_sync_master_data()
        self.assertEqual(self.env["itscope.sync.run"].search_count([("company_id", "=", self.company.id)]), 1)


@tagged("post_install", "-at_install")
class TestMasterDataMultiCompany(ItscopeCase):
    def test_companies_see_only_their_own_bindings_and_runs(self):
        sandbox_b, url_b = start_sandbox(type(self), account_id="account-b", api_key="key-b", seed=2)
        company_b = self.env["res.company"].create({"name": "Company B"})
        self._connect(company_b, account="account-b", key="key-b", url=url_b)
        run_a = self.env["itscope.master.data"]._sync(self.company)
        run_b = self.env["itscope.master.data"]._sync(company_b)
        self.assertEqual((run_a.state, run_b.state), ("done", "done"))
        self.assertTrue(sandbox_b.log, "company B used its own account")

        user_b = self._create_user("buyer_b", ["purchase.group_purchase_user"], company=company_b)
        for model in ("itscope.distributor", "itscope.manufacturer", "itscope.product.type", "itscope.sync.run"):
            records = self.env[model].with_user(user_b).search([])
            self.assertTrue(records)
            self.assertEqual(records.company_id, company_b, model)
        self.assertEqual(
            self.env["itscope.distributor"].search_count([("company_id", "=", self.company.id)]),
            self.env["itscope.distributor"].search_count([("company_id", "=", company_b.id)]),
        )
