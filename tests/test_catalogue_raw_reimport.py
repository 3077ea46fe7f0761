import copy
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..itscope.exports import RawProduct
from ..itscope.sandbox.catalogue import catalogue_for
from ..itscope.sandbox.products import export_chunks
from ..models import itscope_catalogue_importer as importer_module
from .common import ItscopeCase


@tagged("post_install", "-at_install")
class TestCatalogueRawReimport(ItscopeCase):
    """An export file in ITscope's real layout, imported again: products whose bytes did not change are skipped before
    they are parsed, changed ones are parsed and updated, in every format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.env["itscope.distributor"].search([]).action_create_vendor()
        cls.company.itscope_condition_ids = [Command.set(cls.env["itscope.condition"].search([]).ids)]
        cls.importer = cls.env["itscope.catalogue.importer"]

    def _import_file(self, form, products):
        """The file through Import an Export's path (attachment, _start_export_import, batches); returns the run and
        how many raw products were parsed."""
        body = b"".join(export_chunks(form, "standard", products, "production"))
        attachment = self.env["ir.attachment"].create({"name": "export." + form, "raw": body})
        parsed = []
        parse = RawProduct.parse

        def counted(raw):
            parsed.append(raw)
            return parse(raw)

        with patch.object(RawProduct, "parse", counted):
            run = self.importer._start_export_import(self.company, attachment)
            while run.state == "running":
                self.importer._import_export_batch(run, batch_size=7)
        return run, len(parsed)

    def _changed(self, products):
        """Every tenth product changed: in turn the first offer's price, its stock, its short description."""
        changed = copy.deepcopy(products)
        for turn, product in enumerate(changed[::10]):
            item = product["supplierItem"][0]
            if turn % 3 == 0:
                item["price"] = round(item["price"] + 1, 2)
            elif turn % 3 == 1:
                item["stock"] += 7
            else:
                product["shortDescription"] = (product.get("shortDescription") or "") + " (neu)"
        return changed

    def _state(self, products):
        templates = self.env["product.template"].search([("itscope_puid", "in", [str(p["puid"]) for p in products])])
        offers = self.env["product.supplierinfo"].search([("product_tmpl_id", "in", templates.ids)])
        return {
            "templates": sorted((t.itscope_puid, t.write_date, t.description_purchase) for t in templates),
            "offers": sorted((o.itscope_offer_id, o.write_date, o.price, o.itscope_stock) for o in offers),
        }

    def test_an_unchanged_file_is_skipped_unparsed_and_a_changed_one_updates_its_changes(self):
        ranges = {"csv": (0, 30), "json": (30, 60), "xml": (60, 90)}
        for form, (start, stop) in ranges.items():
            with self.subTest(form=form):
                products = list(self.catalogue.products(start, stop))
                run, parsed = self._import_file(form, products)
                self.assertEqual((run.state, run.created_count, parsed), ("done", 30, 30), run.error_log)
                self.env.cr.execute("UPDATE product_template SET write_date = write_date - interval '1 day'")
                self.env.cr.execute("UPDATE product_supplierinfo SET write_date = write_date - interval '1 day'")
                self.env.invalidate_all()
                before = self._state(products)

                again, parsed = self._import_file(form, products)
                self.assertEqual(
                    (again.state, again.created_count, again.updated_count, again.unchanged_count, parsed),
                    ("done", 0, 0, 30, 0),
                    again.error_log,
                )
                self.assertEqual(self._state(products), before, "nothing written")

                changed = self._changed(products)
                third, parsed = self._import_file(form, changed)
                self.assertEqual(
                    (third.state, third.created_count, third.updated_count, third.unchanged_count, parsed),
                    ("done", 0, 3, 27, 3),
                    third.error_log,
                )
                after = self._state(products)
                written = {entry[0] for entry in after["templates"] if entry not in before["templates"]}
                touched = {str(product["puid"]) for product in changed[::10]}
                self.assertIn(str(changed[20]["puid"]), written, "the changed description is written")
                self.assertLessEqual(written, touched, "no other product is written")
                written_offers = {entry[0] for entry in after["offers"] if entry not in before["offers"]}
                self.assertEqual(
                    written_offers,
                    {str(changed[0]["supplierItem"][0]["id"]), str(changed[10]["supplierItem"][0]["id"])},
                    "only the changed price and stock are written",
                )

    def test_changed_products_gather_into_one_write_not_one_per_chunk_read(self):
        """A re-import with a few changed products spread over the file writes them together: chunks of 10 to 22
        read, a sixth of them changed (one or two a chunk), one round of writing; one per chunk read before."""
        products = list(self.catalogue.products(90, 150))
        run, _parsed = self._import_file("csv", products)
        self.assertEqual((run.state, run.created_count), ("done", 60), run.error_log)
        body = b"".join(export_chunks("csv", "standard", self._changed(products), "production"))
        attachment = self.env["ir.attachment"].create({"name": "export.csv", "raw": body})
        write_chunk = type(self.importer)._write_chunk
        rounds = []

        def counted(importer, settings, read_result, run):
            rounds.append(len(read_result[0]))
            return write_chunk(importer, settings, read_result, run)

        with (
            patch.object(importer_module, "CHUNK_SIZE", 50),
            patch.object(type(self.importer), "_write_chunk", counted),
        ):
            again = self.importer._start_export_import(self.company, attachment)
            self.importer._import_export_batch(again, batch_size=100)
        self.assertEqual((again.state, again.updated_count, again.unchanged_count), ("done", 6, 54), again.error_log)
        self.assertEqual(rounds, [6], "the six changed products are prepared and written in one round")
