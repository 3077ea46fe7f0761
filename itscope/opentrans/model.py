"""Plain records for openTRANS documents: what the parser returns and what the response builders take.

One shape serves both directions so a built document parses back into the record it came from (the sandbox and the
tests rely on that). Amounts are ``Decimal``; dates are ``date`` or ``datetime`` exactly as the document wrote them;
every optional fact may be ``None``. :meth:`Document.as_dict` gives JSON-ready data (Decimals as strings, so no
amount is rounded on the way out).
"""

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Party:
    """A PARTY: role (``buyer``, ``supplier``, ``delivery``, ``invoice_recipient``, ``customer``…) and ADDRESS."""

    role: str = ""
    party_id: str = ""
    id_type: str = ""
    name: str = ""
    name2: str = ""
    name3: str = ""
    contact_name: str = ""
    first_name: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""
    country_code: str = ""
    vat_id: str = ""


@dataclass
class Remark:
    type: str
    text: str


@dataclass
class OrderReference:
    """ORDER_REFERENCE: which order line (``order_id`` is ITscope's orderId in distributor documents) a line serves."""

    order_id: str
    line_id: str


@dataclass
class Line:
    """One item of any document. ``unit_tax_amount`` is the TAX_AMOUNT inside PRODUCT_PRICE_FIX, i.e. per unit."""

    line_id: str
    supplier_pid: str | None = None
    ean: str | None = None
    puid: str | None = None
    buyer_pid: str | None = None
    supplier_id: str | None = None
    description: str | None = None
    description_long: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    price: Decimal | None = None
    line_amount: Decimal | None = None
    delivery_start: date | None = None
    delivery_end: date | None = None
    serial_numbers: list = field(default_factory=list)
    order_reference: OrderReference | None = None
    supplier_order_item_id: str | None = None
    tax_rate: Decimal | None = None
    unit_tax_amount: Decimal | None = None
    remarks: list = field(default_factory=list)

    @property
    def amount(self):
        """PRICE_LINE_AMOUNT, or quantity × price when the sender left it out."""
        if self.line_amount is not None:
            return self.line_amount
        if self.quantity is not None and self.price is not None:
            return self.quantity * self.price
        return None


@dataclass
class Package:
    package_id: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    weight: Decimal | None = None


@dataclass
class Shipment:
    """The tracking facts of a DISPATCHNOTIFICATION; ``carrier`` comes from REMARKS type="delivererCode"."""

    shipment_id: str | None = None
    tracking_url: str | None = None
    carrier: str | None = None
    packages: list = field(default_factory=list)


@dataclass
class Charge:
    """One ALLOW_OR_CHARGE: ``kind`` is ``surcharge`` or ``allowance``, ``type`` e.g. ``freight`` or ``eco``."""

    type: str
    amount: Decimal
    description: str | None = None
    kind: str = "surcharge"

    @property
    def signed_amount(self):
        return -self.amount if self.kind == "allowance" else self.amount


@dataclass
class Tax:
    rate: Decimal
    amount: Decimal
    type: str = "vat"


@dataclass
class Totals:
    """The summary. ``net`` is NET_VALUE_GOODS (invoices); ``total`` is TOTAL_AMOUNT: net on orders, gross on
    invoices."""

    item_count: int | None = None
    net: Decimal | None = None
    extra: list = field(default_factory=list)
    extra_total: Decimal | None = None
    tax: list = field(default_factory=list)
    total: Decimal | None = None


@dataclass
class Document:
    """Any openTRANS document the connector reads or the sandbox writes.

    ``order_id`` is the header ORDER_ID: the buyer's number on an ORDER, ITscope's orderId on the documents that come
    back (on a DISPATCHNOTIFICATION it is taken from the lines' ORDER_REFERENCE). ``document_id`` is the document's
    own number (DISPATCHNOTIFICATION_ID, INVOICE_ID, QUOTATION_ID; the ORDER_ID on an ORDER). ``warnings`` lists
    soft problems: facts that were missing or did not add up, without making the document unreadable.
    """

    type: str
    order_id: str | None = None
    supplier_order_id: str | None = None
    document_id: str | None = None
    document_date: date | None = None
    order_date: date | None = None
    currency: str | None = None
    delivery_start: date | None = None
    delivery_end: date | None = None
    supplier_id: str | None = None
    buyer_id: str | None = None
    customer_order_id: str | None = None
    alt_customer_order_ids: list = field(default_factory=list)
    partial_shipment_allowed: bool | None = None
    dropship: bool | None = None
    parties: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    shipment: Shipment | None = None
    totals: Totals = field(default_factory=Totals)
    remarks: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def party(self, role):
        """The first party with ``role``, or ``None``."""
        return next((party for party in self.parties if party.role == role), None)

    def as_dict(self):
        return _jsonable(self)


def _jsonable(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value
