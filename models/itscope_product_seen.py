from odoo import fields, models


class ItscopeProductSeen(models.Model):
    """The ITscope products one batch of a full export import listed, kept until the import ends.

    At its end a full import marks the offers of every product it did not list unavailable. Unchanged products are
    skipped without touching their rows, so what each batch listed is kept here instead: one row a batch, committed
    with the batch, so a resumed import still knows what the batches before the interruption listed.
    """

    _name = "itscope.product.seen"
    _description = "ITscope Products Listed by an Import Batch"
    _log_access = False

    run_id = fields.Many2one("itscope.sync.run", required=True, index=True, ondelete="cascade")
    product_ids = fields.Text(required=True, help="Ids of the ITscope product bindings listed, comma-separated.")
