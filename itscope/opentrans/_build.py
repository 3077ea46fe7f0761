"""Builders for the openTRANS types every document shares (CONTROL_INFO, PARTY, PRODUCT_ID, prices, references).

One function per schema type, each appending its children in XSD order, so the ORDER builder and the sandbox's
response builders cannot drift apart. Text is cut to the XSD's maximum length where BMEcat sets one (50 characters
for names and streets, 150 for a short description): a long company name must not make a whole order invalid.
"""

from decimal import ROUND_HALF_UP, Decimal

from ._xml import bme, sub

CENT = Decimal("0.01")
GENERATOR = "itscope_connector"


def money(value):
    """Round to cents, half up, as invoices do; sums of rounded amounts then add up exactly."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_control_info(header, generated_at):
    control = sub(header, "CONTROL_INFO")
    sub(control, "GENERATOR_INFO", GENERATOR)
    sub(control, "GENERATION_DATE", generated_at)
    return control


def add_party(parties, party):
    """PARTY with PARTY_ID (of ``party.id_type``), PARTY_ROLE and, when the party has a name, an ADDRESS."""
    element = sub(parties, "PARTY")
    bme(element, "PARTY_ID", party.party_id, max_length=250, type=party.id_type)
    sub(element, "PARTY_ROLE", party.role)
    if not party.name:
        return element
    address = sub(element, "ADDRESS")
    for tag, value in (("NAME", party.name), ("NAME2", party.name2), ("NAME3", party.name3)):
        if value:
            bme(address, tag, value, max_length=50)
    if party.contact_name:
        contact = sub(address, "CONTACT_DETAILS")
        bme(contact, "CONTACT_NAME", party.contact_name, max_length=50)
        if party.first_name:
            bme(contact, "FIRST_NAME", party.first_name, max_length=50)
    for tag, value in (("STREET", party.street), ("ZIP", party.zip), ("CITY", party.city), ("COUNTRY", party.country)):
        if value:
            bme(address, tag, value, max_length=50)
    if party.country_code:
        bme(address, "COUNTRY_CODED", party.country_code.upper())
    if party.vat_id:
        bme(address, "VAT_ID", party.vat_id, max_length=50)
    if party.phone:
        bme(address, "PHONE", party.phone, max_length=50, type="office")
    if party.email:
        bme(address, "EMAIL", party.email, max_length=255)
    return element


def add_idref(parent, tag, party, ns_bme=False):
    """An ``*_IDREF`` pointing at ``party``'s PARTY_ID (same id, same type, as the XSD's key reference wants)."""
    add = bme if ns_bme else sub
    return add(parent, tag, party.party_id, type=party.id_type)


def add_product_id(item, line, serial_numbers=(), buyer_pid_type="buyer_specific", product_type=None):
    """PRODUCT_ID: SUPPLIER_PID, serials, EAN and ITscope puid, BUYER_PID, descriptions, PRODUCT_TYPE (XSD order).

    ``buyer_pid_type`` is ``buyer_specific`` for our own product code, ``itscope`` on a QUOTATION, where ITscope puts
    the supplierItem id there.
    """
    product = sub(item, "PRODUCT_ID")
    if line.supplier_pid:
        bme(product, "SUPPLIER_PID", line.supplier_pid, max_length=50, type="supplier_specific")
    for serial in serial_numbers:
        sub(product, "SERIAL_NUMBER", serial, max_length=80)
    if line.ean:
        bme(product, "INTERNATIONAL_PID", line.ean, max_length=50, type="ean")
    if line.puid:
        bme(product, "INTERNATIONAL_PID", line.puid, max_length=50, type="itscope")
    if line.buyer_pid:
        bme(product, "BUYER_PID", line.buyer_pid, max_length=50, type=buyer_pid_type)
    if line.description:
        bme(product, "DESCRIPTION_SHORT", line.description, max_length=150)
    if line.description_long:
        bme(product, "DESCRIPTION_LONG", line.description_long, max_length=64000)
    if product_type:
        bme(product, "PRODUCT_TYPE", product_type)
    return product


def add_quantity(item, quantity, unit):
    sub(item, "QUANTITY", quantity)
    bme(item, "ORDER_UNIT", unit or "C62")


def add_price(item, price, tax_rate=None, unit_tax_amount=None):
    """PRODUCT_PRICE_FIX; with a tax rate, TAX_DETAILS_FIX carries the rate and the tax on one unit (as ITscope's)."""
    price_fix = sub(item, "PRODUCT_PRICE_FIX")
    bme(price_fix, "PRICE_AMOUNT", price)
    if tax_rate is not None:
        tax = sub(price_fix, "TAX_DETAILS_FIX")
        bme(tax, "TAX_TYPE", "vat")
        bme(tax, "TAX", tax_rate)
        sub(tax, "TAX_AMOUNT", unit_tax_amount)
    return price_fix


def add_delivery_date(parent, start, end, kind="optional"):
    if start is None:
        return None
    delivery = sub(parent, "DELIVERY_DATE", type=kind)
    sub(delivery, "DELIVERY_START_DATE", start)
    sub(delivery, "DELIVERY_END_DATE", end or start)
    return delivery


def add_order_parties_reference(info, buyer, supplier, invoice_recipient=None, delivery=None):
    """ORDER_PARTIES_REFERENCE as ITscope reads it: our account number and ITscope's distributor id."""
    reference = sub(info, "ORDER_PARTIES_REFERENCE")
    add_idref(reference, "BUYER_IDREF", buyer, ns_bme=True)
    add_idref(reference, "SUPPLIER_IDREF", supplier, ns_bme=True)
    if invoice_recipient is not None:
        add_idref(reference, "INVOICE_RECIPIENT_IDREF", invoice_recipient)
    if delivery is not None:
        add_shipment_parties_reference(reference, delivery)
    return reference


def add_shipment_parties_reference(parent, delivery):
    reference = sub(parent, "SHIPMENT_PARTIES_REFERENCE")
    add_idref(reference, "DELIVERY_IDREF", delivery)
    return reference


def add_remarks(parent, remarks):
    for remark in remarks:
        sub(parent, "REMARKS", remark.text, type=remark.type)
