from odoo import fields, models


class ItscopeProduct(models.Model):
    """An ITscope product as one company imported it: the product it is linked to, and a digest of what was read.

    A re-import looks the digest of each incoming product up (``payload_hash``, indexed): found means unchanged, and
    the product is skipped without being decoded. The catalogue importer writes these rows set-based.
    """

    _name = "itscope.product"
    _inherit = ["itscope.binding.mixin"]
    _description = "ITscope Product"
    _rec_name = "product_tmpl_id"
    _log_access = False  # one row per product and company: bookkeeping of the importer, kept lean

    # the unique (company_id, itscope_id) index serves both: no index of their own
    company_id = fields.Many2one(index=False)
    itscope_id = fields.Char(index=False)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, readonly=True, index=True, ondelete="cascade"
    )
    payload_hash = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="Digest of the product as last read, keyed with the company's import settings; empty while the product "
        "refers to a manufacturer or product type not mapped yet, so it is read again.",
    )

    export_id = fields.Many2one(
        "itscope.export",
        string="Listed by",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The full export whose import last listed the product: only that export's imports retire its offers "
        "when they no longer list it.",
    )

    _sql_constraints = [
        ("company_itscope_uniq", "UNIQUE(company_id, itscope_id)", "An ITscope product is bound once per company."),
    ]
