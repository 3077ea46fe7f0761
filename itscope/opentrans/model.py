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
    """A PARTY: role (``buyer``, ``supplier``, ``delivery``, ``invoice_recipient``, ``customer``…) and ADDRESS.

    ``party_id``/``id_type`` are its first PARTY_ID; ``other_ids`` maps the type of every further PARTY_ID (a GLN
    as ``iln``, a VAT number…) to its value. ``country_code`` is ISO 3166 alpha-2 even where the sender wrote ``276``.
    """

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
    other_ids: dict = field(default_factory=dict)


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
class Package:
    """A PACKAGE: ``quantity`` is PACKAGE_ORDER_UNIT_QUANTITY (order units inside), ``count`` PACKAGE_QUANTITY (how
    many such packages); ``other_ids`` are its PACKAGE_IDs after the first."""

    package_id: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    weight: Decimal | None = None
    count: Decimal | None = None
    other_ids: list = field(default_factory=list)


@dataclass
class Component:
    """A PRODUCT_COMPONENT of a line (a bundle's parts with their own quantities and serials); nested ones flattened."""

    supplier_pid: str | None = None
    ean: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    serial_numbers: list = field(default_factory=list)


@dataclass
class Agreement:
    """An AGREEMENT of a line (a QUOTATION_ITEM's own, or an ORDER item's SOURCING_INFO): a project or special-bid
    number. ``type`` is the element's type attribute as written: ``supplier`` for the distributor's project number,
    anything else (``buyer``, ``manufacturer``, none) for the manufacturer's project or special-bid number."""

    agreement_id: str
    type: str = ""
    start_date: date | None = None
    end_date: date | None = None
    description: str | None = None


@dataclass
class PartialDelivery:
    """One PARTIAL_DELIVERY of a line: this quantity on these dates."""

    quantity: Decimal | None = None
    delivery_start: date | None = None
    delivery_end: date | None = None


@dataclass
class Line:
    """One item of any document. ``unit_tax_amount`` is the TAX_AMOUNT inside PRODUCT_PRICE_FIX, i.e. per unit.

    ``price`` is per ``price_quantity`` units (PRICE_QUANTITY, 1 when absent). ``serial_numbers`` gathers every
    place senders put them (PRODUCT_ID, the item itself, ITEM_UDX). ``delivery_note_id`` names the delivery an
    invoice line bills, ``corrected_invoice_id`` the invoice a credit note line corrects. ``customer_id`` is the
    CUSTOMER_IDREF of a line for an end customer (licensee), ``product_type`` its PRODUCT_TYPE (``physical``,
    ``license``, ``service``…). ``agreements`` are its project and special-bid numbers (:class:`Agreement`).
    ``supplier_item_id`` is the ITscope offer (supplierItem id) a line names as BUYER_PID type="itscope", as
    ITscope's QUOTATIONs do.
    """

    line_id: str
    supplier_pid: str | None = None
    ean: str | None = None
    puid: str | None = None
    buyer_pid: str | None = None
    supplier_item_id: str | None = None
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
    price_quantity: Decimal | None = None
    charges: list = field(default_factory=list)
    manufacturer_pid: str | None = None
    manufacturer_id: str | None = None
    lot_numbers: list = field(default_factory=list)
    supplier_order_id: str | None = None
    customer_order_id: str | None = None
    customer_id: str | None = None
    product_type: str | None = None
    delivery_note_id: str | None = None
    corrected_invoice_id: str | None = None
    corrected_invoice_line_id: str | None = None
    delivery_completed: bool | None = None
    packages: list = field(default_factory=list)
    partial_deliveries: list = field(default_factory=list)
    components: list = field(default_factory=list)
    agreements: list = field(default_factory=list)

    @property
    def amount(self):
        """PRICE_LINE_AMOUNT, or quantity × price (per PRICE_QUANTITY units) when the sender left it out."""
        if self.line_amount is not None:
            return self.line_amount
        if self.quantity is None or self.price is None:
            return None
        if self.price_quantity:
            return self.quantity * self.price / self.price_quantity
        return self.quantity * self.price


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
    """One TAX_DETAILS_FIX of the summary; ``base`` is its TAX_BASE when the sender wrote one."""

    rate: Decimal
    amount: Decimal
    type: str = "vat"
    base: Decimal | None = None


@dataclass
class PaymentTerm:
    """One TIME_FOR_PAYMENT: pay by ``due_date`` (or within ``days``) with ``discount_factor`` percent off."""

    due_date: date | None = None
    days: Decimal | None = None
    discount_factor: Decimal | None = None


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
    back (taken from the lines' ORDER_REFERENCE where the header names none, as on a DISPATCHNOTIFICATION). A
    distributor document may name no order at all: ``order_id`` is then ``None``, a warning says so, and the
    document must be matched through the ITscope deal it came with. ``order_ids`` lists every order the document
    refers to (a collective invoice names several). ``document_id`` is the document's own number
    (DISPATCHNOTIFICATION_ID, INVOICE_ID, QUOTATION_ID; the ORDER_ID on an ORDER). On an INVOICE,
    ``invoice_type`` is INVOICE_TYPE as written and ``is_credit_note`` says whether it credits the buyer (a
    ``credit_memo``, or a negative total with no type). ``warnings`` lists soft problems: facts that were missing,
    unreadable or did not add up, without making the document unreadable.
    """

    type: str
    version: str | None = None
    order_id: str | None = None
    order_ids: list = field(default_factory=list)
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
    invoice_type: str | None = None
    is_credit_note: bool = False
    invoice_issuer_id: str | None = None
    invoice_recipient_id: str | None = None
    delivery_id: str | None = None
    delivery_note_id: str | None = None
    valid_start: date | None = None
    valid_end: date | None = None
    payment_terms: list = field(default_factory=list)
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
