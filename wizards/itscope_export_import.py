import base64
import tempfile

from odoo import fields, models
from odoo.exceptions import UserError

from ..itscope.exports import export_refusal


class ItscopeExportImport(models.TransientModel):
    """Import an ITscope export now: one of the company's exports from ITscope, or a file downloaded earlier."""

    _name = "itscope.export.import"
    _description = "Import an ITscope Export"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    source = fields.Selection([("itscope", "From ITscope"), ("file", "From a file")], required=True, default="itscope")
    export_id = fields.Many2one("itscope.export", check_company=True)
    file = fields.Binary(string="Export file", help="A CSV export (ZIP), an XML or a JSON export of ITscope.")
    filename = fields.Char()
    full = fields.Boolean(
        string="Full export",
        help="The file is a full export: the offers of products that export listed before and this file does not "
        "list become unavailable.",
    )

    def action_import(self):
        self.ensure_one()
        if self.source == "itscope":
            if not self.export_id:
                raise UserError(self.env._("Choose the export to import."))
            return self.export_id.action_import_now()
        if not self.file:
            raise UserError(self.env._("Upload the export file to import."))
        if self.full and not self.export_id:
            raise UserError(
                self.env._(
                    "Choose the export this file comes from: a full export retires only the offers of products that "
                    "export listed before."
                )
            )
        raw = base64.b64decode(self.file)
        self._check_export(raw)
        attachment = self.env["ir.attachment"].create({"name": self.filename or "itscope-export", "raw": raw})
        run = self.env["itscope.catalogue.importer"]._start_export_import(
            self.company_id, attachment, full=self.full, export=self.export_id if self.full else None
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "itscope.sync.run",
            "res_id": run.id,
            "view_mode": "form",
        }

    def _check_export(self, raw):
        """Refuse an uploaded file that is no ITscope export now, in words, rather than in the background import."""
        with tempfile.NamedTemporaryFile(prefix="itscope-upload-") as upload:
            upload.write(raw)
            upload.flush()
            refusal = export_refusal(upload.name)
        if refusal:
            raise UserError(
                self.env._(
                    "%(file)s cannot be imported: %(reason)s\nUpload an export as ITscope delivers it: the CSV export "
                    "(a ZIP holding product.csv), or the XML or JSON export.",
                    file=self.filename or self.env._("The file"),
                    reason=refusal,
                )
            )
