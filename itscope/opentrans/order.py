"""Build the openTRANS 2.1 ORDER that ITscope's ``business/deals/purchase/send`` takes, shaped like ITscope's sample.

The input is plain dataclasses (the Odoo layer fills them from a purchase order), the output UTF-8 bytes in XSD element
order. ITscope finds the distributor through ``ORDER_PARTIES_REFERENCE/SUPPLIER_IDREF type="buyer_specific"`` and the
supplier PARTY, and our account with that distributor through the buyer ``PARTY_ID type="supplier_specific"``. Line
amounts are rounded to cents and the ORDER_SUMMARY is their exact sum, because ITscope refuses an order whose total
differs from its lines. Building is pure: the same order gives the same bytes (GENERATION_DATE is the order date), so
a re-sent order is byte-identical to the stored one.

What distributors refused in production shapes the rest (``../shared/docs/itscope-real-world.md`` §4): no empty
elements (texts are stripped, characters XML cannot carry removed, absent values left out); ORDER_DATE without
fractions; an invoice-recipient party and INVOICE_RECIPIENT_IDREF; a delivery party with an address handle of its own,
never the buyer's customer number ("Specify either address number or address handle"); ZIP codes without a country
prefix (``A-1090`` → ``1090``); the licensee as a party for licence, ESD, warranty and service lines, each line
naming its PRODUCT_TYPE; drop-shipping as ``HEADER_UDX/UDX.DROPSHIPMENT``.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ._build import (
    add_control_info,
    add_delivery_date,
    add_idref,
    add_order_parties_reference,
    add_party,
    add_price,
    add_product_id,
    add_quantity,
    add_remarks,
    money,
)
from ._xml import bme, new_root, serialize, sub, to_decimal
from .model import Party, Remark

MAX_ORDER_ID_LENGTH = 18  # ITscope's limit on ORDER_ID (the XSD allows 250)
# Our line kinds → BMEcat's PRODUCT_TYPE (whose list has no "esd" or "warranty": a download is a licence, a warranty
# extension a service). Every kind but "physical" is delivered to an end customer, so it needs the licensee.
PRODUCT_TYPES = {
    "physical": "physical",
    "license": "license",
    "esd": "license",
    "service": "service",
    "warranty": "service",
}
_ZIP_COUNTRY_PREFIX = re.compile(r"^[A-Za-z]{1,3}-\s*(?=[0-9])")  # A-1090, D-76131, CH-8001
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Project:
    """Project or special-bid conditions of a line (SOURCING_INFO).

    ``quotation_id`` is the distributor's project number; ``agreement_id`` the manufacturer's project or special-bid
    number the distributor needs for the project price. The XSD requires an ``end_date`` with an ``agreement_id``.
    """

    quotation_id: str = ""
    agreement_id: str = ""
    start_date: date | None = None
    end_date: date | None = None
    end_customer: str = ""


@dataclass
class OrderLine:
    """One ORDER_ITEM. ``product_type`` is a key of :data:`PRODUCT_TYPES` (empty: physical goods, unless
    ``for_end_customer`` says otherwise). Licence, ESD, warranty and service lines (``for_end_customer``, or a
    ``product_type`` other than physical) name the order's end customer."""

    line_id: str
    supplier_pid: str
    quantity: Decimal
    price: Decimal
    description: str = ""
    description_long: str = ""
    ean: str = ""
    puid: str = ""
    buyer_pid: str = ""
    unit: str = "C62"
    delivery_date: date | None = None
    delivery_date_fixed: bool = False
    project: Project | None = None
    for_end_customer: bool = False
    remarks: str = ""
    product_type: str = ""

    @property
    def needs_licensee(self):
        return self.for_end_customer or self.product_type not in ("", "physical")

    @property
    def line_amount(self):
        return money(to_decimal(self.quantity) * to_decimal(self.price))


@dataclass
class Order:
    """A purchase order for one ITscope distributor.

    ``supplier_id`` is ITscope's distributor id (e.g. 10000735), ``buyer_account`` our customer number with that
    distributor: the account this order is placed on, where we hold several. ``delivery.party_id`` is the delivery
    address's handle (a stable id per address; when empty, one derived from the order); it must not be the customer
    number. ``invoice_recipient`` defaults to the buyer and is identified by ``buyer_account`` unless it has a
    ``party_id`` of its own. ``end_customer`` is the licensee that licence, ESD, warranty and service lines require
    (its ``party_id`` defaults to one derived from the order). Ids given without ``id_type`` are ``supplier_specific``,
    the licensee's ``buyer_specific``, as in the orders that went through.
    """

    order_id: str
    order_date: datetime
    supplier_id: str
    buyer_account: str
    buyer: Party
    delivery: Party
    lines: list[OrderLine] = field(default_factory=list)
    currency: str = "EUR"
    supplier: Party | None = None
    invoice_recipient: Party | None = None
    end_customer: Party | None = None
    customer_order_id: str = ""
    partial_shipment_allowed: bool = False
    dropship: bool = False
    remarks: str = ""
    language: str = "deu"


def build_order(order):
    """The ORDER as UTF-8 bytes; ValueError (with a message for people) when ITscope would refuse it anyway."""
    order = _cleaned(order)
    _check(order)
    parties = _parties(order)
    root = new_root("ORDER", type="standard")
    header = sub(root, "ORDER_HEADER")
    add_control_info(header, order.order_date)
    info = sub(header, "ORDER_INFO")
    sub(info, "ORDER_ID", order.order_id)
    sub(info, "ORDER_DATE", order.order_date)
    bme(info, "LANGUAGE", order.language, default="true")
    parties_element = sub(info, "PARTIES")
    for party in parties.values():
        add_party(parties_element, party)
    if order.customer_order_id or "customer" in parties:
        reference = sub(info, "CUSTOMER_ORDER_REFERENCE")
        if order.customer_order_id:
            sub(reference, "ORDER_ID", order.customer_order_id)
        if "customer" in parties:
            add_idref(reference, "CUSTOMER_IDREF", parties["customer"])
    add_order_parties_reference(
        info, parties["buyer"], parties["supplier"], parties["invoice_recipient"], parties["delivery"]
    )
    bme(info, "CURRENCY", order.currency)
    sub(info, "PARTIAL_SHIPMENT_ALLOWED", order.partial_shipment_allowed)
    if order.remarks:
        add_remarks(info, [Remark("general", order.remarks)])
    sub(sub(info, "HEADER_UDX"), "UDX.DROPSHIPMENT", order.dropship)

    item_list = sub(root, "ORDER_ITEM_LIST")
    for line in order.lines:
        _add_item(item_list, line, parties.get("customer"))
    summary = sub(root, "ORDER_SUMMARY")
    sub(summary, "TOTAL_ITEM_NUM", len(order.lines))
    sub(summary, "TOTAL_AMOUNT", sum((line.line_amount for line in order.lines), Decimal("0.00")))
    return serialize(root)


def _cleaned(value):
    """``value`` (an Order and everything in it) with every text stripped and freed of characters XML cannot carry,
    so that an address line of blanks is absent rather than an empty element a distributor refuses."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value).strip()
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(
            value, **{f.name: _cleaned(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return value


def _check(order):
    if not order.order_id:
        raise ValueError("The order has no ORDER_ID.")
    if len(order.order_id) > MAX_ORDER_ID_LENGTH:
        raise ValueError(
            "ORDER_ID %r is %d characters long; ITscope accepts at most %d."
            % (order.order_id, len(order.order_id), MAX_ORDER_ID_LENGTH)
        )
    if not order.buyer_account:
        raise ValueError("Order %s names no customer account at the distributor." % order.order_id)
    if order.delivery.party_id == order.buyer_account:
        raise ValueError(
            "Order %s: the delivery address needs a handle of its own, not the customer number %s."
            % (order.order_id, order.buyer_account)
        )
    if not order.lines:
        raise ValueError("Order %s has no lines." % order.order_id)
    for role, party in (("buyer", order.buyer), ("delivery", order.delivery)):
        if not party.name:
            raise ValueError("Order %s: the %s address needs a company name." % (order.order_id, role))
    line_ids = [line.line_id for line in order.lines]
    if len(set(line_ids)) != len(line_ids):
        raise ValueError("Order %s repeats a LINE_ITEM_ID: %s." % (order.order_id, ", ".join(line_ids)))
    for line in order.lines:
        if not line.line_id:
            raise ValueError("Order %s has a line without LINE_ITEM_ID." % order.order_id)
        if line.product_type and line.product_type not in PRODUCT_TYPES:
            raise ValueError(
                "Order %s line %s: product type %r is not one of %s."
                % (order.order_id, line.line_id, line.product_type, ", ".join(PRODUCT_TYPES))
            )
        if not line.supplier_pid:
            raise ValueError("Order %s line %s has no distributor SKU (SUPPLIER_PID)." % (order.order_id, line.line_id))
        if to_decimal(line.quantity) <= 0:
            raise ValueError("Order %s line %s has no positive quantity." % (order.order_id, line.line_id))
        if line.project and line.project.agreement_id and not line.project.end_date:
            raise ValueError(
                "Order %s line %s: project %s needs an end date."
                % (order.order_id, line.line_id, line.project.agreement_id)
            )
        if line.needs_licensee and order.end_customer is None:
            raise ValueError(
                "Order %s line %s is for an end customer (licence, ESD, service) but the order names none."
                % (order.order_id, line.line_id)
            )


def _parties(order):
    """The parties by role, each with its PARTY_ID resolved and its ZIP as distributors take it, in the order ITscope's
    sample lists them (then the invoice recipient and the licensee)."""

    def resolved(party, role, party_id, id_type):
        zip_code = _ZIP_COUNTRY_PREFIX.sub("", party.zip)
        return dataclasses.replace(party, role=role, party_id=party_id, id_type=id_type, zip=zip_code)

    def own_id(party, role, default_id, default_type="supplier_specific"):
        if party.party_id:
            return resolved(party, role, party.party_id, party.id_type or default_type)
        return resolved(party, role, default_id, default_type)

    parties = {
        "supplier": resolved(order.supplier or Party(), "supplier", str(order.supplier_id), "buyer_specific"),
        "buyer": resolved(order.buyer, "buyer", order.buyer_account, "supplier_specific"),
        "delivery": own_id(order.delivery, "delivery", "%s-DLV" % order.order_id),
    }
    if order.invoice_recipient is None:
        parties["invoice_recipient"] = resolved(
            order.buyer, "invoice_recipient", order.buyer_account, "supplier_specific"
        )
    else:
        parties["invoice_recipient"] = own_id(order.invoice_recipient, "invoice_recipient", order.buyer_account)
    if order.end_customer is not None:
        parties["customer"] = own_id(order.end_customer, "customer", "%s-LIC" % order.order_id, "buyer_specific")
    return parties


def _add_item(item_list, line, end_customer):
    item = sub(item_list, "ORDER_ITEM")
    sub(item, "LINE_ITEM_ID", line.line_id, max_length=50)
    product_type = PRODUCT_TYPES.get(line.product_type or ("" if line.needs_licensee else "physical"))
    add_product_id(item, line, product_type=product_type)
    add_quantity(item, to_decimal(line.quantity), line.unit)
    add_price(item, to_decimal(line.price))
    sub(item, "PRICE_LINE_AMOUNT", line.line_amount)
    add_delivery_date(item, line.delivery_date, line.delivery_date, "fixed" if line.delivery_date_fixed else "optional")
    if line.project:
        _add_sourcing_info(item, line.project)
    if line.needs_licensee:
        add_idref(sub(item, "CUSTOMER_ORDER_REFERENCE"), "CUSTOMER_IDREF", end_customer)
    if line.remarks:
        add_remarks(item, [Remark("general", line.remarks)])


def _add_sourcing_info(item, project):
    sourcing = sub(item, "SOURCING_INFO")
    if project.quotation_id:
        sub(sourcing, "QUOTATION_ID", project.quotation_id)
    if project.agreement_id:
        agreement = sub(sourcing, "AGREEMENT")
        bme(agreement, "AGREEMENT_ID", project.agreement_id)
        if project.start_date:
            bme(agreement, "AGREEMENT_START_DATE", project.start_date)
        bme(agreement, "AGREEMENT_END_DATE", project.end_date)
        if project.end_customer:
            sub(agreement, "AGREEMENT_DESCR", project.end_customer)
