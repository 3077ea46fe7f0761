from odoo import api, fields, models


class ItscopeBindingMixin(models.AbstractModel):
    """What every per-company copy of an ITscope object shares: its company, its ITscope id, and a batched upsert.

    The upsert compares before it writes, so a rerun over unchanged data writes nothing (write dates stay put), and
    it creates all new bindings in one ``create`` call.
    """

    _name = "itscope.binding.mixin"
    _description = "ITscope Binding"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    itscope_id = fields.Char(string="ITscope ID", required=True, readonly=True, index=True)
    active = fields.Boolean(default=True)

    def _itscope_vals(self, record):
        """The stored values for a plain record of the ``itscope`` package (simple fields only)."""
        raise NotImplementedError

    def _itscope_new_vals(self, record):
        """Extra values for a binding created from ``record`` (defaults that a later sync must not overwrite)."""
        return {}

    def _itscope_differs(self, vals):
        self.ensure_one()
        # Odoo reads an empty Char back as False: compare "nothing" with "nothing" as equal.
        return any((self[name] or False) != (value or False) for name, value in vals.items())

    @api.model
    def _itscope_upsert(self, company, records, run):
        """Create or update the company's bindings for ``records``; return the bindings created."""
        existing = {
            binding.itscope_id: binding
            for binding in self.with_context(active_test=False).search([("company_id", "=", company.id)])
        }
        to_create, updated, unchanged = [], 0, 0
        for record in records:
            vals = self._itscope_vals(record)
            binding = existing.get(record.itscope_id)
            if not binding:
                to_create.append(
                    {
                        **vals,
                        **self._itscope_new_vals(record),
                        "company_id": company.id,
                        "itscope_id": record.itscope_id,
                    }
                )
            elif binding._itscope_differs(vals):
                binding.write(vals)
                updated += 1
            else:
                unchanged += 1
        created = self.create(to_create)
        run._count(created=len(created), updated=updated, unchanged=unchanged)
        return created
