"""Import an Export from a file: what is no export is refused at once, and whatever fails later fails in words."""

import base64
import io
import os
import zipfile

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ItscopeCase


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestExportUpload(ItscopeCase):
    def _upload(self, content, filename):
        wizard = self.env["itscope.export.import"].create(
            {"source": "file", "file": base64.b64encode(content), "filename": filename}
        )
        return wizard.action_import()

    def _runs(self):
        return self.env["itscope.sync.run"].search([("company_id", "=", self.company.id), ("kind", "=", "catalogue")])

    def _import(self, content, name):
        """Import ``content`` as if downloaded from ITscope (no upload check), batch by batch, to its end."""
        attachment = self.env["ir.attachment"].create({"name": name, "raw": content})
        run = self.env["itscope.catalogue.importer"]._start_export_import(self.company, attachment)
        while run.state == "running":
            self.env["itscope.catalogue.importer"]._import_export_batch(run, batch_size=40)
        return run

    def test_a_random_file_is_refused_at_once(self):
        before = self._runs()
        with self.assertRaisesRegex(UserError, "holiday.pdf cannot be imported: The file is neither an ITscope"):
            self._upload(b"%PDF-1.7\n%\xe2\xe3 a holiday photo album", "holiday.pdf")
        self.assertEqual(self._runs(), before, "nothing was queued")

    def test_a_zip_without_product_csv_is_refused_in_words(self):
        with self.assertRaisesRegex(UserError, "holds no product.csv, so it is no ITscope CSV export"):
            self._upload(_zip({"invoice.csv": "a;b\n1;2\n"}), "export.zip")

    def test_a_zip_without_product_csv_from_itscope_is_logged_in_words(self):
        run = self._import(_zip({"invoice.csv": "a;b\n1;2\n"}), "export.zip")
        self.assertEqual(
            run.error_log,
            "The ZIP file holds no product.csv, so it is no ITscope CSV export (it holds: invoice.csv).",
        )

    def test_a_crash_is_recorded_without_traceback_or_server_path(self):
        attachment = self.env["ir.attachment"].create({"name": "export.json", "raw": b'{"product": []}'})
        path = attachment._full_path(attachment.store_fname)
        os.unlink(path)  # the file store lost the file: the import crashes on opening it
        run = self.env["itscope.catalogue.importer"]._start_export_import(self.company, attachment)
        with self.assertLogs("odoo.addons.itscope_connector.models.itscope_sync_run", "ERROR") as logged:
            self.env["itscope.catalogue.importer"]._import_export_batch(run)
        self.assertIn("Traceback", "\n".join(logged.output), "the traceback goes to the server log")
        self.assertEqual(run.state, "failed")
        self.assertIn("FileNotFoundError", run.failure)
        notes = " ".join(run.activity_ids.mapped(lambda activity: str(activity.note)))
        self.assertTrue(run.activity_ids, "the administrators are told")
        for text in (run.failure, notes):
            self.assertNotIn("Traceback", text)
            self.assertNotIn('File "', text)
            self.assertNotIn(os.path.dirname(path), text)
            self.assertNotIn("filestore", text)
