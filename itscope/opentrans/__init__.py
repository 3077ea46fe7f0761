"""openTRANS 2.1 as ITscope uses it: build the ORDER we send, read the documents that come back.

- :func:`build_order` turns :class:`Order`/:class:`OrderLine` into the ORDER for ``business/deals/purchase/send``;
- :func:`parse_document` reads ORDER, ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE and QUOTATION into a
  :class:`Document` (:func:`document_to_json` for the CLI);
- ``build_orderresponse`` & co. (in :mod:`.responses`) write what a distributor answers, for the sandbox;
- :func:`validate` checks a document against the openTRANS XSD.
"""

from ._xml import SCHEMA_FILE, validate
from .model import (
    Agreement,
    Charge,
    Component,
    Document,
    Line,
    OrderReference,
    Package,
    PartialDelivery,
    Party,
    PaymentTerm,
    Remark,
    Shipment,
    Tax,
    Totals,
)
from .order import MAX_ORDER_ID_LENGTH, Order, OrderLine, Project, build_order
from .parse import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, UNSUPPORTED_TYPES, document_to_json, parse_document
from .responses import build_dispatchnotification, build_invoice, build_orderresponse, build_quotation

__all__ = [
    "DOCUMENT_TYPES",
    "MAX_DOCUMENT_BYTES",
    "MAX_ORDER_ID_LENGTH",
    "SCHEMA_FILE",
    "UNSUPPORTED_TYPES",
    "Agreement",
    "Charge",
    "Component",
    "Document",
    "Line",
    "Order",
    "OrderLine",
    "OrderReference",
    "Package",
    "PartialDelivery",
    "Party",
    "PaymentTerm",
    "Project",
    "Remark",
    "Shipment",
    "Tax",
    "Totals",
    "build_dispatchnotification",
    "build_invoice",
    "build_order",
    "build_orderresponse",
    "build_quotation",
    "document_to_json",
    "parse_document",
    "validate",
]
