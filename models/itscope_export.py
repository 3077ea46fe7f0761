import hashlib
import os
import shutil
import tempfile
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..itscope.client import export_url
from ..itscope.errors import ItscopeError, ItscopeForeignUrl


class ItscopeExport(models.Model):
    """An ITscope data export a company imports its catalogue from: full ones daily, any of them on demand.

    Exports are defined on itscope.com (Products > Exports); the Share button there shows the URL with the export's
    id. The file is streamed to disk and handed to the catalogue importer as a file-store attachment, so an export of
    800,000 products never has to fit in memory.
    """

    _name = "itscope.export"
    _description = "ITscope Export"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    export_ref = fields.Char(
        string="Export ID or URL",
        required=True,
        help="The export's id (a UUID) or the URL ITscope's Share button shows for it.",
    )
    full = fields.Boolean(
        string="Full export",
        help="The export lists every product you want from it: it is imported daily, and the offers of products it "
        "listed before and no longer lists become unavailable (products of other exports or searches are left alone).",
    )
    import_requested = fields.Boolean(readonly=True, copy=False, help="Import at the next run of the scheduled action.")
    last_import_at = fields.Datetime(readonly=True, copy=False)
    last_run_id = fields.Many2one("itscope.sync.run", string="Last Import", readonly=True, copy=False)
    last_run_state = fields.Selection(related="last_run_id.state", string="Last Import State")

    @api.constrains("export_ref")
    def _check_export_ref(self):
        for export in self:
            try:
                export_url(export.company_id.itscope_base_url, export.export_ref)
            except ItscopeForeignUrl:
                raise ValidationError(
                    self.env._(
                        "%(ref)s is not at the ITscope API address %(api)s: only that address is sent the API key, "
                        "so exports are downloaded only from there. Enter the export's id, or its URL at that address.",
                        ref=export.export_ref,
                        api=export.company_id.itscope_base_url,
                    )
                ) from None
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "%(ref)s is neither an ITscope export id (a UUID) nor an export URL.", ref=export.export_ref
                    )
                ) from None

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_import_now(self):
        """Queue the export for the scheduled action, which downloads it and imports it batch by batch."""
        self.write({"import_requested": True})
        self.env.ref("itscope_connector.ir_cron_itscope_export_download")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("ITscope export queued"),
                "message": self.env._(
                    "The export is downloaded and imported in the background; follow it in Purchase > ITscope > "
                    "Sync Runs."
                ),
                "type": "info",
            },
        }

    # ------------------------------------------------------------
    # Download and import
    # ------------------------------------------------------------

    def _itscope_download_and_import(self):
        """Stream the export from ITscope into the file store and start its import; return the sync run.

        A download that fails ends the run failed with the reason, like every other sync.
        """
        self.ensure_one()
        company = self.company_id
        self.write({"import_requested": False, "last_import_at": fields.Datetime.now()})
        run = self.env["itscope.sync.run"]._open(company, "catalogue", source="export")
        handle, path = tempfile.mkstemp(prefix="itscope-export-")
        try:
            with run._recording_failure():
                attachment = self._itscope_download(handle, path)
                self.env["itscope.catalogue.importer"]._start_export_import(
                    company, attachment, self.full, run, export=self
                )
        finally:
            if os.path.exists(path):
                os.unlink(path)
        self.last_run_id = run
        return run

    def _itscope_download(self, handle, path):
        """The export as a file-store attachment, downloaded through the open file ``handle`` of ``path``; a
        UserError that says which export could not be had and why."""
        service = self.env["itscope.service"]
        try:
            with os.fdopen(handle, "wb") as target, service._client(self.company_id) as client:
                size = client.download_export(self.export_ref, target)
            if not size:
                raise UserError(self.env._("ITscope returned an empty export for %(name)s.", name=self.name))
        except (ItscopeError, UserError) as error:
            message = service._error_message(error) if isinstance(error, ItscopeError) else error.args[0]
            raise UserError(
                self.env._("Export %(name)s could not be downloaded: %(reason)s", name=self.name, reason=message)
            ) from None
        return self._itscope_attachment_from_file(path, "%s.export" % self.name)

    def _itscope_attachment_from_file(self, path, name):
        """An attachment whose file-store file *is* ``path`` (moved, not read into memory)."""
        attachment_model = self.env["ir.attachment"].sudo()
        if attachment_model._storage() != "file":
            with open(path, "rb") as handle:
                return attachment_model.create(
                    {"name": name, "raw": handle.read(), "res_model": self._name, "res_id": self.id}
                )
        digest, size = hashlib.sha1(), 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        checksum = digest.hexdigest()
        store_fname = "%s/%s" % (checksum[:2], checksum)
        full_path = attachment_model._full_path(store_fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if not os.path.exists(full_path):
            shutil.move(path, full_path)
        attachment = attachment_model.create(
            {"name": name, "mimetype": "application/octet-stream", "res_model": self._name, "res_id": self.id}
        )
        # create() drops the file-store columns (it computes them from raw data, which would mean the whole file
        # in memory); they are set here for the file already in place.
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = %s, file_size = %s, checksum = %s WHERE id = %s",
            [store_fname, size, checksum, attachment.id],
        )
        attachment.invalidate_recordset(["store_fname", "file_size", "checksum"])
        return attachment

    @api.model
    def _cron_itscope_download_exports(self):
        """Download and start one due export per batch: those asked for, and full ones not imported for a day."""
        due = self.search(self._due_domain(), order="import_requested desc, last_import_at, id")
        if due:
            due[0].with_company(due[0].company_id)._itscope_download_and_import()
        self.env["ir.cron"]._notify_progress(done=min(len(due), 1), remaining=max(len(due) - 1, 0))

    @api.model
    def _due_domain(self):
        day_ago = fields.Datetime.now() - timedelta(days=1)
        return [
            "|",
            ("import_requested", "=", True),
            "&",
            ("full", "=", True),
            "|",
            ("last_import_at", "=", False),
            ("last_import_at", "<=", day_ago),
        ]
