from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class SecretChar(fields.Char):
    """A Char only the field's groups (and code running as superuser) ever see, whichever way it is reached.

    Odoo checks a field's ``groups`` when it reads the value from the database, but not when the value is already in
    the transaction's cache, and ``export_data``, ``mapped``, ``filtered_domain`` and template rendering read from the
    cache along any relation (e.g. ``product.supplierinfo`` > ``company_id/itscope_api_key``). Checking on every
    access, one record (``__get__``) or many (``mapped``), closes all those paths at once instead of one at a time.
    """

    def __get__(self, record, owner=None):
        if record is not None:
            self._check_readable(record)
        return super().__get__(record, owner)

    def mapped(self, records):
        self._check_readable(records)
        return super().mapped(records)

    def _check_readable(self, records):
        if records._ids and not self.is_accessible(records.env):
            records.check_field_access_rights("read", [self.name])


class ResCompany(models.Model):
    """The company's ITscope API key: read only by Settings administrators and by the connector (as superuser, to
    authenticate at ITscope); never in an export or an import file; sent only to the API URL, which only Settings
    administrators may change."""

    _inherit = "res.company"

    itscope_api_key = SecretChar(string="ITscope API Key", copy=False, groups="base.group_system", exportable=False)

    def write(self, vals):
        # The key goes wherever the API URL points: whoever may not read the key may not redirect it either (an
        # "Access Rights" administrator may write companies, but not read their keys).
        if "itscope_base_url" in vals and not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only Settings administrators may change the ITscope API URL: the API key is sent there.")
            )
        return super().write(vals)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        # Every export path that ends at a company comes through here, whatever model the export started from.
        self._itscope_refuse_unexportable(fields)
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    @api.model
    def load(self, fields, data):
        self._itscope_refuse_unexportable([path.split("/") for path in fields])
        return super().load(fields, data)

    @api.model
    def _itscope_refuse_unexportable(self, paths):
        """Refuse columns (lists of field names from this model on) that reach a field marked not exportable."""
        for path in paths:
            model = self
            for name in path:
                field = model._fields.get(name)
                if field is None:
                    break
                if not field.exportable:
                    raise UserError(
                        self.env._(
                            "%(field)s is never exported or imported: Settings administrators enter it in "
                            "Settings > Purchase > ITscope.",
                            field=field._description_string(self.env),
                        )
                    )
                if not field.relational:
                    break
                model = self.env[field.comodel_name]
