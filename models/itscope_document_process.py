from odoo import api, models
from odoo.tools import format_list

from ..itscope.errors import ItscopeDocumentError


class ItscopeDocumentProcess(models.AbstractModel):
    """What every processor of an incoming document type shares: finding the order lines a document speaks of.

    One processor per type applies a parsed document to its purchase order (models/itscope_document_process_<type>.py,
    chosen through ``INCOMING_TYPES`` in itscope_document.py); what changes on a line is written by the line model.
    ``itscope.document`` calls the processor in a savepoint: whatever raises leaves the order untouched and fails the
    document with the reason.
    """

    _name = "itscope.document.process"
    _description = "ITscope Document Processor"

    @api.model
    def _process(self, document, parsed):
        """Apply ``parsed`` (the document's :mod:`~..itscope.opentrans` content) to ``document``'s purchase order."""
        raise NotImplementedError(document.doc_type)

    @api.model
    def _paired_lines(self, orders, parsed):
        """``[(order line, document line)]``: each document line's ORDER_REFERENCE/LINE_ITEM_ID (else its own
        LINE_ITEM_ID, else its SKU) names one of the lines of ``orders`` (LINE_ITEM_IDs are line ids, unique across
        orders); a line naming none makes the document not ours."""
        lines = orders._itscope_order_lines()
        by_item_id = {line._itscope_line_item_id(): line for line in lines}
        by_sku = {}
        for line in lines:
            by_sku.setdefault(line._itscope_supplier_sku(), []).append(line)
        pairs, unknown = [], []
        for item in parsed.lines:
            reference = item.order_reference.line_id if item.order_reference else None
            line = by_item_id.get(reference) or by_item_id.get(item.line_id)
            if not line and len(by_sku.get(item.supplier_pid, ())) == 1:
                line = by_sku[item.supplier_pid][0]
            if line:
                pairs.append((line, item))
            else:
                unknown.append("%s (%s)" % (reference or item.line_id, item.supplier_pid or "?"))
        if unknown:
            raise ItscopeDocumentError(
                self.env._(
                    "The %(type)s has lines that are not on %(order)s: %(lines)s.",
                    type=parsed.type,
                    order=format_list(self.env, orders.mapped("name")),
                    lines=", ".join(unknown),
                )
            )
        return pairs
