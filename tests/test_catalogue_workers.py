"""An export import split over two cron workers ends exactly as one worker's (issue 14 part 4).

Real concurrency: the workers are two threads, each with its own database cursor that commits after every step, as
the cron runner commits after every call. So this test commits: it writes only products, offers, runs and master data
of its own (distributors, vendors, a manufacturer), and deletes them again, whatever happens.
"""

import copy
import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..itscope.sandbox.catalogue import catalogue_for
from ..itscope.sandbox.products import export_chunks
from ..models import itscope_catalogue_importer, itscope_export_chunk
from .common import start_sandbox

FIRST = 3000  # the catalogue's products this test uses: no other test imports these
COUNT = 64
BATCH = 8  # products a batch: 64 products are 8 batches, split into 4 chunks of 2 batches for 2 workers
WRITE_CHUNK = 4
TIMEOUT = 60


@tagged("post_install", "-at_install")
class TestCatalogueWorkers(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sandbox, _url = start_sandbox(cls, products=FIRST + COUNT)
        catalogue = catalogue_for(sandbox)
        products = [copy.deepcopy(product) for product in catalogue.products(FIRST, FIRST + COUNT)]
        # Products that meet across chunks (chunks of 16 products: 0-15, 16-31, 32-47, 48-63):
        products[20]["ean"] = products[50]["ean"] = products[2]["ean"]  # one EAN, three new products
        cls.user_ean = products[5]["ean"]  # an EAN and a manufacturer SKU of products already in Odoo
        products[37]["ean"] = cls.user_ean
        cls.user_sku = (str(products[9]["manufacturerId"]), products[9]["manufacturerSKU"])
        products[41]["manufacturerId"], products[41]["manufacturerSKU"] = products[9]["manufacturerId"], cls.user_sku[1]
        products[45]["supplierItem"][0]["id"] = products[25]["supplierItem"][0]["id"]  # one offer, two products
        products[60] = copy.deepcopy(products[12])  # one product listed twice, the second time with other prices
        for item in products[60]["supplierItem"]:
            item["price"] = round(item["price"] * 0.9, 2)
        cls.first_of = {"ean": str(products[5]["puid"]), "sku": str(products[9]["puid"])}
        cls.shared_ean = [str(products[i]["puid"]) for i in (2, 20, 50)]
        cls.puids = sorted({str(product["puid"]) for product in products})
        cls.export = b"".join(export_chunks("csv", "standard", products))
        # the same export without its last 8 products: a full import of it retires their offers
        cls.shorter_export = b"".join(export_chunks("csv", "standard", products[: COUNT - 8]))
        cls.retired = [str(product["puid"]) for product in products[COUNT - 8 :] if product is not products[60]]
        cls.distributor_ids = sorted({str(d["supplier"]["id"]) for d in catalogue.distributors})
        with cls._cursor() as env:
            company = env.company
            cls.company_id = company.id
            cls.eur_was_active = env.ref("base.EUR").active
            env.ref("base.EUR").active = True
            distributors = env["itscope.distributor"].create(
                [
                    {"company_id": company.id, "itscope_id": i, "name": "Workers test %s" % i}
                    for i in cls.distributor_ids
                ]
            )
            distributors.action_create_vendor()
            maker = env["res.partner"].create({"name": "Workers test maker", "is_company": True})
            env["itscope.manufacturer"].create(
                {
                    "company_id": company.id,
                    "itscope_id": cls.user_sku[0],
                    "name": "Workers test",
                    "partner_id": maker.id,
                }
            )
            cls.maker_id = maker.id
        cls.addClassCleanup(cls._remove_master_data)

    @classmethod
    def _cursor(cls):
        """A cursor of its own, committed when the block ends (as the cron runner commits a step)."""
        return _Committed(cls.registry)

    @classmethod
    def _remove_master_data(cls):
        with cls._cursor() as env:
            distributors = env["itscope.distributor"].search(
                [("company_id", "=", cls.company_id), ("itscope_id", "in", cls.distributor_ids)]
            )
            vendors = distributors.partner_id
            distributors.unlink()
            vendors.unlink()
            env["itscope.manufacturer"].search(
                [("company_id", "=", cls.company_id), ("itscope_id", "=", cls.user_sku[0])]
            ).unlink()
            env["res.partner"].browse(cls.maker_id).unlink()
            env.ref("base.EUR").active = cls.eur_was_active

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _import(self, workers):
        """Products already in Odoo, then the export imported as a full export by ``workers`` cron workers, then again
        without its last products (whose offers it retires); returns the end state and removes what the imports and
        this helper committed."""
        with self._cursor() as env:
            env["ir.config_parameter"].set_param(itscope_export_chunk.WORKERS_PARAMETER, workers)
            export = env["itscope.export"].create(
                {"name": "Workers test", "export_ref": "5a9d1000-c0de-4e57-8a7e-000000000714", "full": True}
            )
            user_products = env["product.template"].create(
                [
                    {"name": "Workers test: by EAN", "barcode": self.user_ean, "default_code": "WT-EAN"},
                    {
                        "name": "Workers test: by SKU",
                        "default_code": "WT-SKU",
                        "itscope_manufacturer_id": self.maker_id,
                        "itscope_manufacturer_sku": self.user_sku[1],
                    },
                ]
            )
            ids = {"runs": [], "attachments": [], "user": user_products.ids, "export": export.id}
        self.addCleanup(self._remove_import, ids)
        for body in (self.export, self.shorter_export):
            with self._cursor() as env:
                attachment = env["ir.attachment"].create({"name": "export.zip", "raw": body})
                export = env["itscope.export"].browse(ids["export"])
                run = env["itscope.catalogue.importer"]._start_export_import(
                    env.company, attachment, full=True, export=export
                )
                ids["runs"].append(run.id)
                ids["attachments"].append(attachment.id)
            failures = []
            threads = [
                threading.Thread(target=self._work, args=(run.id, worker, failures)) for worker in range(1, workers + 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertFalse(failures)
        state = self._state(ids)
        self._remove_import(ids)
        return state

    def _work(self, run_id, worker, failures):
        """One cron worker: steps until the run has ended, each in its own committed transaction."""
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                with self._cursor() as env:
                    if env["itscope.sync.run"].browse(run_id).state != "running":
                        return
                    env["itscope.catalogue.importer"]._cron_itscope_import_exports(worker=worker)
            failures.append("worker %s: the import did not end within %s s" % (worker, TIMEOUT))
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append("worker %s: %r" % (worker, error))

    def _state(self, ids):
        """Everything the import wrote, keyed by ITscope id (or the product already in Odoo), without ids or dates."""
        with self._cursor() as env:
            runs = env["itscope.sync.run"].browse(ids["runs"])
            templates = (
                env["product.template"]
                .with_context(active_test=False)
                .search(["|", ("itscope_puid", "in", self.puids), ("id", "in", ids["user"])])
            )

            def key(template):
                return template.default_code or template.itscope_puid  # a product already in Odoo by its code

            products = sorted(
                (
                    key(template),
                    template.itscope_puid or "",
                    template.default_code or "",
                    template.name,
                    template.barcode or "",
                    template.categ_id.complete_name,
                    template.type,
                    template.is_storable,
                    template.itscope_manufacturer_sku or "",
                    template.itscope_manufacturer_id.name or "",
                    tuple(sorted(template.itscope_accessory_ids.mapped("itscope_puid"))),
                    tuple(
                        sorted(
                            (
                                line.itscope_offer_id,
                                line.partner_id.name,
                                line.price,
                                line.min_qty,
                                line.product_code or "",
                                line.itscope_stock,
                                line.itscope_available,
                                line.currency_id.name,
                            )
                            for line in template.seller_ids
                        )
                    ),
                )
                for template in templates
            )
            bindings = sorted(
                (binding.itscope_id, key(binding.product_tmpl_id), binding.payload_hash or "", binding.export_id.name)
                for binding in env["itscope.product"].search(
                    [("company_id", "=", self.company_id), ("itscope_id", "in", self.puids)]
                )
            )
            summary = [
                (
                    run.state,
                    run.created_count,
                    run.updated_count,
                    run.unchanged_count,
                    run.skipped_count,
                    run.error_count,
                    run.export_position,
                    sorted((run.error_log or "").splitlines()),
                    sorted((run.note_log or "").splitlines()),
                )
                for run in runs
            ]
            return {"products": products, "bindings": bindings, "runs": summary}

    def _remove_import(self, ids):
        with self._cursor() as env:
            templates = (
                env["product.template"]
                .with_context(active_test=False)
                .search(["|", ("itscope_puid", "in", self.puids), ("id", "in", ids["user"])])
            )
            env["product.supplierinfo"].search([("product_tmpl_id", "in", templates.ids)]).unlink()
            env["itscope.product"].search([("product_tmpl_id", "in", templates.ids)]).unlink()
            templates.unlink()
            runs = env["itscope.sync.run"].with_context(active_test=False).browse(ids["runs"]).exists()
            runs |= runs.export_chunk_ids.part_run_id
            env["itscope.product.seen"].search([("run_id", "in", runs.ids)]).unlink()
            env.cr.execute("DELETE FROM itscope_export_key WHERE run_id = ANY(%s)", [ids["runs"]])
            runs.unlink()
            env["ir.attachment"].browse(ids["attachments"]).exists().unlink()
            env["itscope.export"].browse(ids["export"]).exists().unlink()
            env["ir.config_parameter"].set_param(itscope_export_chunk.WORKERS_PARAMETER, False)

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_two_workers_end_as_one(self):
        """The same file imported by one worker and by two workers in parallel, as a full export, then again without
        its last products: the same products, barcodes, bindings, vendor lines with prices, stock and availability,
        counts and logged problems; products meeting across chunks on an EAN, a manufacturer SKU, an offer or their
        ITscope id are neither duplicated nor written out of file order."""
        with (
            patch.object(itscope_catalogue_importer, "BATCH_SIZE", BATCH),
            patch.object(itscope_catalogue_importer, "CHUNK_SIZE", WRITE_CHUNK),
        ):
            one = self._import(workers=1)
            two = self._import(workers=2)
        products = {row[0]: row for row in one["products"]}
        # what one worker does with the products that meet (the reference the two workers must match)
        self.assertEqual(products["WT-EAN"][1], self.first_of["ean"], "the first product with its EAN links it")
        self.assertEqual(products["WT-SKU"][1], self.first_of["sku"], "the first product with its SKU links it")
        barcodes = [products[puid][4] for puid in self.shared_ean]
        self.assertEqual(barcodes, [barcodes[0], "", ""], "the first product with an EAN gets it as its barcode")
        self.assertTrue(barcodes[0])
        self.assertEqual(len(one["bindings"]), len(self.puids))
        self.assertEqual({binding[3] for binding in one["bindings"]}, {"Workers test"}, "the export's products")
        self.assertEqual(one["runs"][0][:2], ("partial", len(self.puids) - 2))  # 2 linked: not created
        offers = {row[1]: row[11] for row in one["products"]}  # by ITscope id
        self.assertTrue(any(offers[puid] for puid in self.retired))
        self.assertFalse(any(line[6] for puid in self.retired for line in offers[puid]), "retired by the full import")
        self.assertTrue(all(line[6] for puid in set(self.puids) - set(self.retired) for line in offers[puid][:1]))
        self.assertEqual(two["runs"], one["runs"])
        self.assertEqual(two["bindings"], one["bindings"])
        self.assertEqual(two["products"], one["products"])


class _Committed:
    """``with _Committed(registry) as env``: a superuser environment on a new cursor, committed at the end."""

    def __init__(self, registry):
        self.cursor = registry.cursor()
        # the registry given, not looked up: the test runner holds the registries' lock while the tests run
        self.cursor.transaction = api.Transaction(registry)

    def __enter__(self):
        self.cursor.__enter__()
        # mails queued, not sent after the commit: sending looks the registry up too
        context = {"tracking_disable": True, "mail_notify_force_send": False}
        return api.Environment(self.cursor, SUPERUSER_ID, context)

    def __exit__(self, *exc):
        return self.cursor.__exit__(*exc)
