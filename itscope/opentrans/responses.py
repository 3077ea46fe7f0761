"""Build the documents a distributor sends back (ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE) and a QUOTATION.

The sandbox uses these to answer like ITscope; they take the same :class:`~.model.Document` the parser returns, so
a built document parses back into what it was built from. Parties come from ``doc.parties`` (the ORDER's parties
plus the supplier): a ``buyer`` and a ``supplier`` are required, ``delivery`` falls back to the buyer. Line amounts
are computed as quantity × price rounded to cents and every summary is their exact sum; on an INVOICE
NET_VALUE_GOODS + surcharges − allowances + tax = TOTAL_AMOUNT holds to the cent.
"""

from collections import defaultdict
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
    add_shipment_parties_reference,
    money,
)
from ._xml import bme, new_root, serialize, sub
from .model import OrderReference, Remark

ZERO = Decimal("0.00")


def build_orderresponse(doc):
    """ORDERRESPONSE: ORDER_ID is ITscope's orderId; a line with QUANTITY 0 is cancelled."""
    root, _header, info, parties = _start(doc, "ORDERRESPONSE")
    sub(info, "ORDER_ID", doc.order_id)
    sub(info, "ORDERRESPONSE_DATE", doc.document_date)
    if doc.order_date:
        sub(info, "ORDER_DATE", doc.order_date)
    _add_order_numbers(info, doc)
    add_delivery_date(info, doc.delivery_start, doc.delivery_end)
    _add_parties(info, doc)
    add_order_parties_reference(
        info, parties["buyer"], parties["supplier"], parties.get("invoice_recipient"), parties["delivery"]
    )
    if doc.currency:
        bme(info, "CURRENCY", doc.currency)
    add_remarks(info, doc.remarks)
    item_list = sub(root, "ORDERRESPONSE_ITEM_LIST")
    for line in doc.lines:
        item = _add_item(item_list, "ORDERRESPONSE_ITEM", line)
        _add_amounts(item, line)
        add_delivery_date(item, line.delivery_start, line.delivery_end)
        add_remarks(item, line.remarks)
    _add_summary(root, "ORDERRESPONSE_SUMMARY", doc, with_total=True)
    return serialize(root)


def build_dispatchnotification(doc):
    """DISPATCHNOTIFICATION: tracking number, carrier, packages, and each unit's SERIAL_NUMBER per line."""
    root, _header, info, parties = _start(doc, "DISPATCHNOTIFICATION")
    sub(info, "DISPATCHNOTIFICATION_ID", doc.document_id)
    sub(info, "DISPATCHNOTIFICATION_DATE", doc.document_date)
    add_delivery_date(info, doc.delivery_start, doc.delivery_end)
    _add_parties(info, doc)
    add_idref(info, "SUPPLIER_IDREF", parties["supplier"], ns_bme=True)
    add_idref(info, "BUYER_IDREF", parties["buyer"], ns_bme=True)
    add_shipment_parties_reference(info, parties["delivery"])
    shipment = doc.shipment
    if shipment and shipment.shipment_id:
        sub(info, "SHIPMENT_ID", shipment.shipment_id, max_length=250)
    if shipment and shipment.tracking_url:
        sub(info, "TRACKING_TRACING_URL", shipment.tracking_url, max_length=255)
    if shipment and shipment.packages:
        package_info = sub(sub(info, "LOGISTIC_DETAILS_INFO"), "PACKAGE_INFO")
        for package in shipment.packages:
            _add_package(package_info, package)
    remarks = ([Remark("delivererCode", shipment.carrier)] if shipment and shipment.carrier else []) + doc.remarks
    add_remarks(info, remarks)
    item_list = sub(root, "DISPATCHNOTIFICATION_ITEM_LIST")
    for line in doc.lines:
        item = _add_item(item_list, "DISPATCHNOTIFICATION_ITEM", line, line.serial_numbers)
        _add_references(item, doc, line)
        add_shipment_parties_reference(item, parties["delivery"])
    _add_summary(root, "DISPATCHNOTIFICATION_SUMMARY", doc, with_total=False)
    return serialize(root)


def build_invoice(doc):
    """INVOICE with per-line tax, surcharges from ``doc.totals.extra`` and a TOTAL_TAX per rate.

    Surcharges (freight, eco fees) are taxed at the highest line rate: ancillary costs follow the main supply.
    """
    for line in doc.lines:
        if line.tax_rate is None:
            raise ValueError("Invoice %s line %s has no tax rate." % (doc.document_id, line.line_id))
    root, header, info, parties = _start(doc, "INVOICE")
    sub(info, "INVOICE_ID", doc.document_id)
    sub(info, "INVOICE_DATE", doc.document_date)
    add_delivery_date(info, doc.delivery_start, doc.delivery_end)
    _add_parties(info, doc)
    add_idref(info, "INVOICE_ISSUER_IDREF", parties["supplier"])
    add_idref(info, "INVOICE_RECIPIENT_IDREF", parties.get("invoice_recipient", parties["buyer"]))
    add_idref(info, "BUYER_IDREF", parties["buyer"], ns_bme=True)
    add_idref(info, "SUPPLIER_IDREF", parties["supplier"], ns_bme=True)
    bme(info, "CURRENCY", doc.currency or "EUR")
    add_remarks(info, doc.remarks)
    history = sub(header, "ORDER_HISTORY")
    sub(history, "ORDER_ID", doc.order_id)
    _add_order_numbers(history, doc)
    if doc.order_date:
        sub(history, "ORDER_DATE", doc.order_date)

    item_list = sub(root, "INVOICE_ITEM_LIST")
    tax_bases = defaultdict(lambda: ZERO)
    for line in doc.lines:
        item = _add_item(item_list, "INVOICE_ITEM", line)
        amount = _add_amounts(item, line, tax_rate=line.tax_rate)
        tax_bases[line.tax_rate] += amount
        _add_references(item, doc, line)
    net_goods = sum(tax_bases.values(), ZERO)
    charges = doc.totals.extra
    net_extra = sum((money(charge.signed_amount) for charge in charges), ZERO)
    if charges:
        tax_bases[max(tax_bases)] += net_extra
    taxes = {rate: money(base * rate) for rate, base in tax_bases.items()}

    summary = sub(root, "INVOICE_SUMMARY")
    sub(summary, "TOTAL_ITEM_NUM", len(doc.lines))
    sub(summary, "NET_VALUE_GOODS", net_goods)
    if charges:
        sub(summary, "NET_VALUE_EXTRA", net_extra)
    sub(summary, "TOTAL_AMOUNT", net_goods + net_extra + sum(taxes.values(), ZERO))
    if charges:
        charges_element = sub(summary, "ALLOW_OR_CHARGES_FIX")
        for charge in charges:
            element = sub(charges_element, "ALLOW_OR_CHARGE", type=charge.kind)
            sub(element, "ALLOW_OR_CHARGE_TYPE", charge.type, max_length=30)
            if charge.description:
                sub(element, "ALLOW_OR_CHARGE_DESCR", charge.description, max_length=250)
            sub(sub(element, "ALLOW_OR_CHARGE_VALUE"), "AOC_MONETARY_AMOUNT", money(charge.amount))
        sub(charges_element, "ALLOW_OR_CHARGES_TOTAL_AMOUNT", net_extra)
    total_tax = sub(summary, "TOTAL_TAX")
    for rate, amount in sorted(taxes.items()):
        detail = sub(total_tax, "TAX_DETAILS_FIX")
        bme(detail, "TAX_TYPE", "vat")
        bme(detail, "TAX", rate)
        sub(detail, "TAX_AMOUNT", amount)
    return serialize(root)


def build_quotation(doc):
    """QUOTATION; each line's ``buyer_pid`` is written as BUYER_PID type="itscope" (the supplierItem id)."""
    root, _header, info, parties = _start(doc, "QUOTATION")
    sub(info, "QUOTATION_ID", doc.document_id)
    sub(info, "QUOTATION_DATE", doc.document_date)
    add_delivery_date(info, doc.delivery_start, doc.delivery_end)
    _add_parties(info, doc)
    add_order_parties_reference(info, parties["buyer"], parties["supplier"])
    bme(info, "CURRENCY", doc.currency or "EUR")
    add_remarks(info, doc.remarks)
    item_list = sub(root, "QUOTATION_ITEM_LIST")
    for line in doc.lines:
        item = sub(item_list, "QUOTATION_ITEM")
        sub(item, "LINE_ITEM_ID", line.line_id)
        add_product_id(item, line, buyer_pid_type="itscope")
        add_quantity(item, line.quantity, line.unit)
        _add_amounts(item, line)
        for agreement in line.agreements:
            _add_agreement(item, agreement)
        add_remarks(item, line.remarks)
    _add_summary(root, "QUOTATION_SUMMARY", doc, with_total=True)
    return serialize(root)


# ------------------------------------------------------------
# Shared pieces
# ------------------------------------------------------------


def _start(doc, doc_type):
    """Root, header (with CONTROL_INFO), the empty ``<T>_INFO``, and the parties by role (delivery: the buyer's)."""
    parties = {party.role: party for party in reversed(doc.parties)}
    for role in ("buyer", "supplier"):
        if role not in parties:
            raise ValueError("The %s %s names no %s party." % (doc_type, doc.document_id or doc.order_id, role))
    parties.setdefault("delivery", parties["buyer"])
    root = new_root(doc_type)
    header = sub(root, "%s_HEADER" % doc_type)
    add_control_info(header, doc.document_date)
    return root, header, sub(header, "%s_INFO" % doc_type), parties


def _add_parties(info, doc):
    element = sub(info, "PARTIES")
    for party in doc.parties:
        add_party(element, party)
    return element


def _add_order_numbers(parent, doc):
    """ALT_CUSTOMER_ORDER_ID* (our own order number) and SUPPLIER_ORDER_ID (the distributor's)."""
    for alt_id in doc.alt_customer_order_ids:
        sub(parent, "ALT_CUSTOMER_ORDER_ID", alt_id)
    if doc.supplier_order_id:
        sub(parent, "SUPPLIER_ORDER_ID", doc.supplier_order_id)


def _add_item(item_list, tag, line, serial_numbers=()):
    item = sub(item_list, tag)
    sub(item, "LINE_ITEM_ID", line.line_id, max_length=50)
    add_product_id(item, line, serial_numbers)
    add_quantity(item, line.quantity, line.unit)
    return item


def _add_amounts(item, line, tax_rate=None):
    """PRODUCT_PRICE_FIX and PRICE_LINE_AMOUNT; returns the line amount."""
    amount = _line_amount(line)
    add_price(item, line.price, tax_rate, None if tax_rate is None else money(line.price * tax_rate))
    sub(item, "PRICE_LINE_AMOUNT", amount)
    return amount


def _add_agreement(item, agreement):
    """AGREEMENT (XSD order: id, start date, end date, description); the XSD requires the end date."""
    element = sub(item, "AGREEMENT", type=agreement.type)
    bme(element, "AGREEMENT_ID", agreement.agreement_id, max_length=50)
    if agreement.start_date:
        bme(element, "AGREEMENT_START_DATE", agreement.start_date)
    bme(element, "AGREEMENT_END_DATE", agreement.end_date)
    if agreement.description:
        sub(element, "AGREEMENT_DESCR", agreement.description, max_length=250)
    return element


def _add_package(package_info, package):
    element = sub(package_info, "PACKAGE")
    if package.package_id:
        sub(element, "PACKAGE_ID", package.package_id, max_length=50)
    if package.description:
        sub(element, "PACKAGE_DESCR", package.description, max_length=250)
    if package.quantity is not None:
        sub(element, "PACKAGE_ORDER_UNIT_QUANTITY", package.quantity)
    if package.weight is not None:
        bme(sub(element, "PACKAGE_DIMENSIONS"), "WEIGHT", package.weight)
    return element


def _add_references(item, doc, line):
    """ORDER_REFERENCE (back to the ordered line; by default the same line of ``doc.order_id``) and
    SUPPLIER_ORDER_REFERENCE when the distributor has numbers."""
    reference = line.order_reference or OrderReference(doc.order_id, line.line_id)
    element = sub(item, "ORDER_REFERENCE")
    sub(element, "ORDER_ID", reference.order_id)
    sub(element, "LINE_ITEM_ID", reference.line_id)
    if doc.order_date:
        sub(element, "ORDER_DATE", doc.order_date)
    if doc.supplier_order_id and line.supplier_order_item_id:
        element = sub(item, "SUPPLIER_ORDER_REFERENCE")
        sub(element, "SUPPLIER_ORDER_ID", doc.supplier_order_id)
        sub(element, "SUPPLIER_ORDER_ITEM_ID", line.supplier_order_item_id)


def _add_summary(root, tag, doc, with_total):
    summary = sub(root, tag)
    sub(summary, "TOTAL_ITEM_NUM", len(doc.lines))
    if with_total:
        sub(summary, "TOTAL_AMOUNT", sum((_line_amount(line) for line in doc.lines), ZERO))
    return summary


def _line_amount(line):
    """Quantity × price in cents, whatever PRICE_LINE_AMOUNT the record carries: the summaries must add up."""
    return money(line.quantity * line.price)
