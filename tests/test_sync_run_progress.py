import io
import zipfile
from unittest.mock import patch

from odoo.tests import tagged

from ..itscope.sandbox.catalogue import catalogue_for
from ..itscope.sandbox.products import export_chunks
from ..models import itscope_sync_run as sync_run_module
from .common import ItscopeCase

PRODUCTS = 12


@tagged("post_install", "-at_install")
class TestSyncRunProgress(ItscopeCase):
    """Sync runs say where they came from, how far an import is (done / total, per batch) and count as errors what
    their error log lists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.env["itscope.master.data"]._sync(cls.company).state == "done"
        cls.env["itscope.distributor"].search([]).action_create_vendor()
        cls.env.ref("base.EUR").active = True
        cls.payloads = list(catalogue_for(cls.sandbox).products(0, PRODUCTS))
        cls.importer = cls.env["itscope.catalogue.importer"]

    def _upload(self, body, name):
        attachment = self.env["ir.attachment"].create({"name": name, "raw": body})
        return self.importer._start_export_import(self.company, attachment)

    def test_export_import_shows_done_of_total_per_batch(self):
        for form in ("csv", "xml", "json"):
            with self.subTest(form=form):
                run = self._upload(b"".join(export_chunks(form, "standard", self.payloads)), "export." + form)
                self.assertEqual(run.source, "upload")
                self.importer._import_export_batch(run, batch_size=5)
                self.assertRecordValues(
                    run, [{"state": "running", "export_position": 5, "export_total": PRODUCTS, "progress": 500 / 12}]
                )
                self.assertEqual(run.progress_text, "5 / 12 (42 %)")
                while run.state == "running":
                    self.importer._import_export_batch(run, batch_size=5)
                self.assertEqual((run.state, run.progress, run.progress_text), ("done", 100.0, "12 / 12 (100 %)"))

    def test_an_export_read_whole_by_its_first_batch_is_not_counted_apart(self):
        body = b"".join(export_chunks("xml", "standard", self.payloads))
        for batch_size, counted in ((PRODUCTS * 2, 0), (PRODUCTS, 1)):
            with (
                self.subTest(batch_size=batch_size),
                patch.object(sync_run_module, "count_products", side_effect=sync_run_module.count_products) as count,
            ):
                run = self._upload(body, "export.xml")
                self.importer._import_export_batch(run, batch_size=batch_size)
                self.assertEqual(count.call_count, counted, "counted only when the batch may not read it whole")
                while run.state == "running":
                    self.importer._import_export_batch(run, batch_size=batch_size)
                self.assertEqual((run.export_total, run.progress_text), (PRODUCTS, "12 / 12 (100 %)"))

    def test_notes_are_no_errors_and_the_counter_counts_the_error_log(self):
        body = b"".join(export_chunks("csv", "standard", self.payloads))
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        text = members["product.csv"].decode()
        line_end, delimiter = ("\r\n", ",") if "\r\n" in text else ("\n", "\t")
        lines = text.split(line_end)
        lines[2] += delimiter + "one too many"
        members["product.csv"] = line_end.join(lines).encode()
        members["readme.csv"] = b"a note\n"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        run = self._upload(buffer.getvalue(), "export.zip")
        while run.state == "running":
            self.importer._import_export_batch(run)
        self.assertEqual(run.state, "partial")
        self.assertEqual(run.error_count, len(run.error_log.splitlines()))
        self.assertEqual(run.error_count, 1, run.error_log)
        self.assertIn("readme.csv", run.note_log)
        self.assertNotIn("readme.csv", run.error_log)

    def test_refresh_runs_say_so(self):
        run = self.env["itscope.price.refresh"]._refresh(self.company)
        self.assertEqual((run.kind, run.source), ("prices", "refresh"))
        self.assertFalse(run.progress_text, "no export to count")
