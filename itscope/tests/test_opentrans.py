"""openTRANS: ITscope's own samples and a foreign author's document parse to the right facts, unsafe or broken XML
is refused, and every document we build (ORDER in several shapes, the sandbox's responses) is valid against the XSD.

ITscope's samples and the schema live outside the repository, in ``../shared``; tests needing them skip without it.
"""

import dataclasses
import json
import pathlib
from datetime import date, datetime
from decimal import Decimal

import pytest

from itscope.errors import ItscopeDocumentError
from itscope.opentrans import (
    Agreement,
    Charge,
    Order,
    OrderLine,
    OrderReference,
    Package,
    Party,
    Project,
    Shipment,
    Totals,
    build_dispatchnotification,
    build_invoice,
    build_order,
    build_orderresponse,
    build_quotation,
    document_to_json,
    parse_document,
    validate,
)

DATA = pathlib.Path(__file__).resolve().parent / "data"
SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "opentrans" / "samples"
XSD_DIR = SHARED / "opentrans" / "xsd"

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="ITscope's openTRANS samples are not at %s (../shared is absent)" % SAMPLES
)
needs_xsd = pytest.mark.skipif(
    not (XSD_DIR / "opentrans_2_1.xsd").is_file(),
    reason="the openTRANS XSD is not at %s (../shared is absent)" % XSD_DIR,
)

D = Decimal


def sample(name):
    return parse_document((SAMPLES / ("itscope_%s.xml" % name)).read_bytes())


def assert_valid(xml):
    assert validate(xml, XSD_DIR) == []


# ------------------------------------------------------------
# ITscope's samples
# ------------------------------------------------------------


@needs_samples
def test_itscope_order_sample():
    doc = sample("ORDER")
    assert (doc.type, doc.order_id, doc.document_id) == ("ORDER", "ORDER_180801-004", "ORDER_180801-004")
    assert doc.order_date == datetime(2018, 8, 1, 18, 54, 55)
    assert (doc.supplier_id, doc.buyer_id, doc.currency) == ("10000735", "123456", "EUR")
    assert doc.customer_order_id == "BESTELLUNG_019203"
    assert (doc.partial_shipment_allowed, doc.dropship) == (True, False)
    assert [(r.type, r.text) for r in doc.remarks] == [("general", "hier ist ein Kommentar")]
    assert [(p.role, p.party_id, p.id_type) for p in doc.parties] == [
        ("supplier", "10000735", "buyer_specific"),
        ("buyer", "123456", "supplier_specific"),
        ("delivery", "123456", "supplier_specific"),
    ]
    delivery = doc.party("delivery")
    assert (delivery.name, delivery.name3, delivery.zip, delivery.country_code) == (
        "ITscope GmbH",
        "z.H. Peter Müller",
        "76131",
        "DE",
    )
    assert delivery.email == "support@itscope.com"
    assert [(line.line_id, line.supplier_pid, line.quantity, line.price, line.line_amount) for line in doc.lines] == [
        ("00001", "123002", D("1.0"), D("868.0"), D("868.0")),
        ("00002", "123003", D("2.0"), D("136.0"), D("272.0")),
        ("00003", "123001", D("3.0"), D("386.0"), D("1158.0")),
    ]
    first, _, third = doc.lines
    assert (first.ean, first.puid, first.unit) == ("0190198870803", "6676919000", "C62")
    assert first.remarks[0].text == "Projekt ABC-123"
    assert (third.delivery_start, third.delivery_end) == (datetime(2021, 10, 22), datetime(2021, 10, 22))
    assert (doc.totals.item_count, doc.totals.total) == (3, D("2298.0"))
    assert doc.warnings == []


@needs_samples
def test_itscope_orderresponse_sample():
    doc = sample("ORDERRESPONSE")
    assert (doc.order_id, doc.supplier_id, doc.buyer_id) == ("GWAHJV-160131-1470", "10000735", "123456")
    assert doc.document_date == datetime(2018, 6, 25, 11, 31, 21)
    assert doc.order_date == datetime(2016, 1, 31, 18, 54, 55)
    assert (doc.delivery_start, doc.delivery_end) == (date(2018, 6, 27), date(2018, 6, 27))
    assert [p.role for p in doc.parties] == ["buyer", "delivery", "invoice_recipient", "supplier"]
    assert [(line.line_id, line.supplier_pid, line.quantity, line.price, line.line_amount) for line in doc.lines] == [
        ("00001", "123002", D("1.0"), D("103571.0"), D("103571.0")),
        ("00002", "123001", D("2.0"), D("364413.0"), D("728826.0")),
        ("00003", "123003", D("3.0"), D("574419.0"), D("1723257.0")),
    ]
    assert (doc.totals.item_count, doc.totals.total) == (3, D("2555654.0"))
    assert doc.warnings == []


@needs_samples
def test_itscope_dispatchnotification_sample():
    doc = sample("DISPATCHNOTIFICATION")
    assert (doc.document_id, doc.order_id, doc.supplier_order_id) == ("39076516", "GWAHJV-160131-1470", "425689442")
    assert doc.document_date == datetime(2016, 1, 31, 21, 31)
    assert doc.supplier_id == "10000735"
    assert doc.shipment.shipment_id == "1Z7318301287125572"
    assert doc.shipment.carrier == "Trans-O-Flex GmbH & Co. KG"
    assert doc.shipment.packages == [Package("00000000305474401482", "Parcel", D("3.0"), D("0.36"))]
    assert doc.remarks == []  # the delivererCode is the carrier, not a remark
    assert [(line.line_id, line.quantity, line.order_reference) for line in doc.lines] == [
        ("1", D("1.0"), OrderReference("GWAHJV-160131-1470", "00001")),
        ("2", D("2.0"), OrderReference("GWAHJV-160131-1470", "00002")),
        ("3", D("3.0"), OrderReference("GWAHJV-160131-1470", "00003")),
    ]
    assert [line.serial_numbers for line in doc.lines] == [
        ["123002-001"],
        ["123001-001", "123001-002"],
        ["123003-001", "123003-002", "123003-003"],
    ]
    assert doc.lines[2].ean == "8806085923805"  # written type="EAN": types compare case-insensitively
    assert [line.supplier_order_item_id for line in doc.lines] == ["100", "200", "300"]
    assert doc.warnings == []


@needs_samples
def test_itscope_invoice_sample_adds_up():
    doc = sample("INVOICE")
    totals = doc.totals
    assert (doc.document_id, doc.order_id, doc.currency) == ("2468013", "GWAHJV-160131-1470", "EUR")
    assert doc.supplier_order_id == "425689442"
    assert [(c.kind, c.type, c.description, c.amount) for c in totals.extra] == [
        ("surcharge", "eco", "Umweltpauschale", D("2.5")),
        ("surcharge", "freight", "Frachtkosten Trans-O-Flex bis 32 KG", D("8.4")),
    ]
    assert (totals.net, totals.extra_total, totals.total) == (D("1401.0"), D("10.9"), D("1678.09"))
    assert [(t.type, t.rate, t.amount) for t in totals.tax] == [("vat", D("0.19"), D("266.19"))]
    assert totals.net + totals.extra_total + totals.tax[0].amount == totals.total == D("1678.09")
    assert [
        (line.line_id, line.quantity, line.price, line.line_amount, line.tax_rate, line.unit_tax_amount)
        for line in doc.lines
    ] == [
        ("001", D("1.0"), D("562.0"), D("562.0"), D("0.19"), D("106.78")),
        ("002", D("2.0"), D("94.0"), D("188.0"), D("0.19"), D("17.86")),
        ("003", D("3.0"), D("217.0"), D("651.0"), D("0.19"), D("41.23")),
    ]
    assert [line.order_reference.line_id for line in doc.lines] == ["00001", "00003", "00003"]  # as ITscope wrote it
    assert doc.warnings == []


@needs_samples
def test_document_to_json_keeps_amounts_exact():
    data = json.loads(document_to_json((SAMPLES / "itscope_INVOICE.xml").read_bytes()))
    assert data["type"] == "INVOICE"
    assert data["totals"]["total"] == "1678.09"
    assert data["totals"]["tax"] == [{"rate": "0.19", "amount": "266.19", "type": "vat", "base": None}]
    assert data["lines"][0]["order_reference"] == {"order_id": "GWAHJV-160131-1470", "line_id": "00001"}
    assert data["document_date"] == "2016-01-31T22:31:00"
    assert set(data) >= {"order_id", "supplier_order_id", "document_id", "lines", "shipment", "totals", "warnings"}


# ------------------------------------------------------------
# Other authors, and documents that must be refused
# ------------------------------------------------------------


def test_foreign_author_dispatchnotification():
    """Latin-1, ``ot:``/``ns2:`` prefixes, a BMEcat element in the wrong namespace, missing optional parts."""
    doc = parse_document((DATA / "foreign_dispatchnotification.xml").read_bytes())
    assert (doc.type, doc.document_id, doc.order_id) == ("DISPATCHNOTIFICATION", "LS-2024-0815", "ABCDEF-240301-1002")
    assert doc.document_date == date(2024, 3, 5)
    assert (doc.supplier_id, doc.parties[0].name) == ("10000041", "Müller & Söhne KG")
    assert doc.shipment == Shipment(
        carrier="DHL Paket für Firmenkunden",
        packages=[Package("JJD000390007770001", count=D("1")), Package("JJD000390007770002")],
    )
    assert [(r.type, r.text) for r in doc.remarks] == [("general", "Bitte Ware bei Empfang prüfen")]
    first, second = doc.lines
    assert (first.supplier_pid, first.ean, first.serial_numbers) == ("IM0000042", "4012345678901", ["CN12345678"])
    assert first.description == "Kühlbox für Serverschränke"
    assert (second.quantity, second.unit, second.order_reference.line_id) == (D("2.000"), "C62", "00003")
    assert doc.warnings == ["The DISPATCHNOTIFICATION has no DISPATCHNOTIFICATION_SUMMARY."]


def test_foreign_author_orderresponse_with_default_bmecat_prefix_and_bad_values():
    xml = b"""<ORDERRESPONSE xmlns="http://www.opentrans.org/XMLSchema/2.1"
        xmlns:bmecat="http://www.bmecat.org/bmecat/2005" version="2.1">
      <ORDERRESPONSE_HEADER><ORDERRESPONSE_INFO>
        <ORDER_ID>ABCDEF-240301-1002</ORDER_ID><ORDERRESPONSE_DATE>yesterday</ORDERRESPONSE_DATE>
        <SUPPLIER_ORDER_ID>SO-77</SUPPLIER_ORDER_ID>
      </ORDERRESPONSE_INFO></ORDERRESPONSE_HEADER>
      <ORDERRESPONSE_ITEM_LIST><ORDERRESPONSE_ITEM>
        <LINE_ITEM_ID>00001</LINE_ITEM_ID>
        <PRODUCT_ID><bmecat:SUPPLIER_PID>X-1</bmecat:SUPPLIER_PID></PRODUCT_ID>
        <QUANTITY>0</QUANTITY><bmecat:ORDER_UNIT>C62</bmecat:ORDER_UNIT>
        <PRODUCT_PRICE_FIX><bmecat:PRICE_AMOUNT>12,50</bmecat:PRICE_AMOUNT></PRODUCT_PRICE_FIX>
      </ORDERRESPONSE_ITEM></ORDERRESPONSE_ITEM_LIST>
      <ORDERRESPONSE_SUMMARY><TOTAL_ITEM_NUM>2</TOTAL_ITEM_NUM></ORDERRESPONSE_SUMMARY>
    </ORDERRESPONSE>"""
    doc = parse_document(xml)
    assert (doc.order_id, doc.supplier_order_id, doc.document_date) == ("ABCDEF-240301-1002", "SO-77", None)
    assert (doc.lines[0].supplier_pid, doc.lines[0].quantity, doc.lines[0].price) == ("X-1", D("0"), None)
    assert doc.warnings == [
        "ORDERRESPONSE_DATE 'yesterday' is not a date.",
        "Line 00001: PRICE_AMOUNT '12,50' is not a number.",
        "The ORDERRESPONSE has no ORDERRESPONSE_DATE.",
        "TOTAL_ITEM_NUM says 2, the document has 1 items.",
    ]


def test_doctype_and_entities_are_refused():
    data = (DATA / "doctype_entity.xml").read_bytes()
    with pytest.raises(ItscopeDocumentError, match="DOCTYPE"):
        parse_document(data)
    assert "DOCTYPE" in validate(data, XSD_DIR)[0]


def test_malformed_xml_is_refused():
    with pytest.raises(ItscopeDocumentError, match="not well-formed"):
        parse_document((DATA / "malformed.xml").read_bytes())


@pytest.mark.parametrize(
    "xml, message",
    [
        (b"", "not well-formed"),
        (b"not xml at all", "not well-formed"),
        (b'<INVOICE_LIST xmlns="http://www.opentrans.org/XMLSchema/2.1"/>', "Unknown document type <INVOICE_LIST>"),
        (b"<ORDER><ORDER_HEADER><ORDER_INFO/></ORDER_HEADER></ORDER>", "has no items"),
        (
            (
                b"<ORDER><ORDER_HEADER><ORDER_INFO/></ORDER_HEADER><ORDER_ITEM_LIST><ORDER_ITEM>"
                b"<LINE_ITEM_ID>1</LINE_ITEM_ID></ORDER_ITEM></ORDER_ITEM_LIST></ORDER>"
            ),
            "names no ORDER_ID",
        ),
    ],
)
def test_unusable_documents_raise(xml, message):
    with pytest.raises(ItscopeDocumentError, match=message):
        parse_document(xml)


# ------------------------------------------------------------
# Building ORDERs
# ------------------------------------------------------------


def make_order(**changes):
    order = Order(
        order_id="PO00042",
        order_date=datetime(2024, 5, 1, 10, 30),
        supplier_id="10000735",
        buyer_account="TEST-4711",
        buyer=Party(
            name="ACME Systemhaus GmbH",
            contact_name="Doe",
            first_name="Jane",
            street="Hauptstraße 1",
            zip="76131",
            city="Karlsruhe",
            country="Deutschland",
            country_code="de",
            phone="+49 721 0000",
            email="einkauf@acme.example",
            vat_id="DE123456789",
        ),
        delivery=Party(
            name="ACME Systemhaus GmbH", name2="Lager, Tor 3", street="Hafenweg 9", zip="76189", city="Karlsruhe"
        ),
        lines=[
            OrderLine(
                "00001", "PT0000001", 3, "0.10", description="Patchkabel 0,5 m", ean="4012345000017", puid="10000001000"
            ),
            OrderLine(
                "00002", "PT0000004", D("1"), D("19.99"), delivery_date=date(2024, 5, 8), delivery_date_fixed=True
            ),
            OrderLine("00003", "PT0000008", 7, "1.005", remarks="Bitte einzeln verpacken"),
        ],
    )
    return dataclasses.replace(order, **changes)


def with_lines(order, **changes):
    return [dataclasses.replace(line, **changes) for line in order.lines]


ORDER_VARIANTS = {
    "plain": {},
    "dropship, partial shipment, remarks": {
        "dropship": True,
        "partial_shipment_allowed": True,
        "remarks": "Lieferung an Endkunden",
        "delivery": Party(
            name="Stadtwerke Musterstadt", party_id="DLV-9", street="Am Werk 1", zip="12345", city="Musterstadt"
        ),
    },
    "invoice recipient, customer order id": {
        "invoice_recipient": Party(name="ACME Buchhaltung", email="rechnung@acme.example"),
        "customer_order_id": "EK-2024-17",
        "supplier": Party(name="ITscope Partner-Test", city="Karlsruhe"),
    },
}


@needs_xsd
@pytest.mark.parametrize("variant", list(ORDER_VARIANTS))
def test_built_orders_are_valid(variant):
    order = make_order(**ORDER_VARIANTS[variant])
    xml = build_order(order)
    assert_valid(xml)
    doc = parse_document(xml)
    assert doc.warnings == []
    assert (doc.order_id, doc.supplier_id, doc.buyer_id) == ("PO00042", "10000735", "TEST-4711")
    assert doc.party("buyer").party_id == "TEST-4711" and doc.party("supplier").party_id == "10000735"
    assert (doc.dropship, doc.partial_shipment_allowed) == (order.dropship, order.partial_shipment_allowed)


@needs_xsd
def test_built_order_with_end_customer_and_projects_is_valid():
    base = make_order()
    order = make_order(
        end_customer=Party(name="Landkreis Musterland", party_id="EC-1", city="Musterstadt"),
        lines=[
            dataclasses.replace(base.lines[0], for_end_customer=True),
            dataclasses.replace(
                base.lines[1],
                project=Project("1040104240", "HPPSK1234500", date(2024, 1, 1), date(2024, 12, 31), "Landkreis"),
            ),
            dataclasses.replace(base.lines[2], project=Project(quotation_id="Q-77")),
        ],
    )
    xml = build_order(order)
    assert_valid(xml)
    doc = parse_document(xml)
    customer = doc.party("customer")
    assert (customer.party_id, customer.id_type, customer.name) == ("EC-1", "buyer_specific", "Landkreis Musterland")
    assert b'<CUSTOMER_IDREF type="buyer_specific">EC-1</CUSTOMER_IDREF>' in xml
    assert b"<bme:AGREEMENT_ID>HPPSK1234500</bme:AGREEMENT_ID>" in xml
    assert b"<QUOTATION_ID>Q-77</QUOTATION_ID>" in xml
    assert [line.agreements for line in doc.lines] == [
        [],
        [Agreement("HPPSK1234500", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31), description="Landkreis")],
        [],
    ]


def test_order_totals_are_exact_sums_of_rounded_lines():
    doc = parse_document(build_order(make_order()))
    assert [line.line_amount for line in doc.lines] == [D("0.30"), D("19.99"), D("7.04")]  # 7 × 1.005 = 7.035
    assert (doc.totals.item_count, doc.totals.total) == (3, D("27.33"))
    assert doc.lines[1].delivery_start == date(2024, 5, 8)
    assert doc.party("buyer").country_code == "DE"


def test_long_texts_are_cut_to_the_schema_limits():
    long_name = "Sehr lange Firmenbezeichnung " * 4
    order = make_order(buyer=Party(name=long_name), lines=with_lines(make_order(), description="x" * 400))
    doc = parse_document(build_order(order))
    assert doc.party("buyer").name == long_name[:50].strip()
    assert len(doc.lines[0].description) == 150


def test_order_id_longer_than_18_characters_is_refused():
    with pytest.raises(ValueError, match="19 characters long; ITscope accepts at most 18"):
        build_order(make_order(order_id="PO-2024-00000000012"))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"order_id": ""}, "no ORDER_ID"),
        ({"lines": []}, "has no lines"),
        ({"buyer": Party()}, "buyer address needs a company name"),
        ({"lines": [OrderLine("1", "", 1, 1)]}, "no distributor SKU"),
        ({"lines": [OrderLine("1", "A", 0, 1)]}, "no positive quantity"),
        ({"lines": [OrderLine("1", "A", 1, 1), OrderLine("1", "B", 1, 1)]}, "repeats a LINE_ITEM_ID"),
        ({"lines": [OrderLine("1", "A", 1, 1, project=Project(agreement_id="P-1"))]}, "needs an end date"),
        ({"lines": [OrderLine("1", "A", 1, 1, for_end_customer=True)]}, "names none"),
    ],
)
def test_orders_itscope_would_refuse_raise(changes, message):
    with pytest.raises(ValueError, match=message):
        build_order(make_order(**changes))


def test_building_is_deterministic():
    assert build_order(make_order()) == build_order(make_order())


# ------------------------------------------------------------
# Response documents (what the sandbox answers with)
# ------------------------------------------------------------


def response_base(doc_type, **changes):
    """The facts of a distributor's answer to :func:`make_order`'s ORDER, as the sandbox assembles them."""
    order = parse_document(build_order(make_order(invoice_recipient=Party(name="ACME Buchhaltung"))))
    facts = {
        "type": doc_type,
        "order_id": "GWAHJV-160131-1470",
        "document_id": None,
        "alt_customer_order_ids": [order.order_id],
        "supplier_order_id": "425689442",
        "document_date": datetime(2024, 5, 1, 11, 0),
    }
    return dataclasses.replace(order, **{**facts, **changes})


@needs_xsd
def test_orderresponse_is_valid_and_reads_back():
    lines = response_base("ORDERRESPONSE").lines
    lines[2] = dataclasses.replace(lines[2], quantity=D(0))  # cancelled
    doc = response_base("ORDERRESPONSE", lines=lines, delivery_start=date(2024, 5, 3), delivery_end=date(2024, 5, 3))
    xml = build_orderresponse(doc)
    assert_valid(xml)
    back = parse_document(xml)
    assert (back.order_id, back.alt_customer_order_ids, back.supplier_order_id) == (
        "GWAHJV-160131-1470",
        ["PO00042"],
        "425689442",
    )
    assert [line.quantity for line in back.lines] == [D(3), D(1), D(0)]
    assert back.totals.total == D("20.29")
    assert back.delivery_start == date(2024, 5, 3)
    assert back.warnings == []


@needs_xsd
def test_dispatchnotification_is_valid_and_reads_back():
    lines = [
        dataclasses.replace(
            line,
            line_id=str(number),
            serial_numbers=["SN-%s-%d" % (line.line_id, unit) for unit in range(1, int(line.quantity) + 1)],
            supplier_order_item_id=str(number * 100),
            order_reference=OrderReference("GWAHJV-160131-1470", line.line_id),
        )
        for number, line in enumerate(response_base("DISPATCHNOTIFICATION").lines, start=1)
    ]
    shipment = Shipment(
        "1Z7318301287125572",
        "https://www.ups.com/track?tracknum=1Z7318301287125572",
        "UPS",
        [Package("00000000305474401482", "Parcel", D(11), D("2.5"))],
    )
    doc = response_base("DISPATCHNOTIFICATION", document_id="39076516", lines=lines, shipment=shipment)
    xml = build_dispatchnotification(doc)
    assert_valid(xml)
    back = parse_document(xml)
    assert back.shipment == shipment
    assert (back.document_id, back.order_id) == ("39076516", "GWAHJV-160131-1470")
    assert [len(line.serial_numbers) for line in back.lines] == [3, 1, 7]
    assert back.lines[2].order_reference == OrderReference("GWAHJV-160131-1470", "00003")
    assert back.warnings == []


@needs_xsd
def test_invoice_is_valid_and_adds_up_to_the_cent():
    lines = [
        dataclasses.replace(line, tax_rate=rate)
        for line, rate in zip(response_base("INVOICE").lines, (D("0.19"), D("0.19"), D("0.07")), strict=True)
    ]
    charges = [Charge("freight", D("9.90"), "Fracht"), Charge("rebate", D("1.00"), "Treue", kind="allowance")]
    doc = response_base("INVOICE", document_id="2468013", lines=lines, totals=Totals(extra=charges))
    xml = build_invoice(doc)
    assert_valid(xml)
    back = parse_document(xml)
    totals = back.totals
    assert (totals.net, totals.extra_total) == (D("27.33"), D("8.90"))
    # 19 % on 0.30 + 19.99 + 8.90 (the charges follow the highest rate) and 7 % on 7.04
    assert [(tax.rate, tax.amount) for tax in totals.tax] == [(D("0.07"), D("0.49")), (D("0.19"), D("5.55"))]
    assert totals.total == totals.net + totals.extra_total + sum(tax.amount for tax in totals.tax) == D("42.27")
    assert [line.unit_tax_amount for line in back.lines] == [D("0.02"), D("3.80"), D("0.07")]
    assert back.warnings == []


def test_invoice_lines_need_a_tax_rate():
    with pytest.raises(ValueError, match="has no tax rate"):
        build_invoice(response_base("INVOICE", document_id="1"))


@needs_xsd
def test_quotation_is_valid_and_carries_supplier_item_ids():
    lines = [
        dataclasses.replace(line, buyer_pid="4000000%04d" % number)
        for number, line in enumerate(response_base("QUOTATION").lines)
    ]
    xml = build_quotation(response_base("QUOTATION", document_id="SBX-20240501-10147", lines=lines))
    assert_valid(xml)
    back = parse_document(xml)
    assert (back.document_id, [line.buyer_pid for line in back.lines]) == (
        "SBX-20240501-10147",
        ["40000000000", "40000000001", "40000000002"],
    )
    assert [line.supplier_item_id for line in back.lines] == ["40000000000", "40000000001", "40000000002"]
    own_codes = xml.replace(b'BUYER_PID type="itscope"', b'BUYER_PID type="buyer_specific"')
    assert [line.supplier_item_id for line in parse_document(own_codes).lines] == [None, None, None]


@needs_xsd
def test_quotation_lines_carry_their_project_and_special_bid_agreements():
    """A quoted project price names the distributor's project (type="supplier") and the manufacturer's special bid;
    both read back in order, with their dates and end customer."""
    agreements = [
        Agreement("SP-27-48", type="supplier", end_date=date(2025, 3, 31)),
        Agreement("HP-PRJ-000048", "manufacturer", date(2024, 10, 1), date(2025, 3, 31), "Landkreis Musterland"),
    ]
    base = response_base("QUOTATION")
    lines = [dataclasses.replace(base.lines[0], agreements=agreements), *base.lines[1:]]
    xml = build_quotation(response_base("QUOTATION", document_id="SBX-20240501-10148", lines=lines))
    assert_valid(xml)
    assert [line.agreements for line in parse_document(xml).lines] == [agreements, [], []]
    missing_id = xml.replace(b"<bme:AGREEMENT_ID>SP-27-48</bme:AGREEMENT_ID>", b"<bme:AGREEMENT_ID/>")
    assert [a.agreement_id for a in parse_document(missing_id).lines[0].agreements] == ["HP-PRJ-000048"]


@needs_xsd
def test_validate_reports_readable_errors():
    xml = build_order(make_order()).replace(b"<ORDER_ID>PO00042</ORDER_ID>", b"")
    errors = validate(xml, XSD_DIR)
    assert len(errors) == 1 and errors[0].startswith("line ") and "ORDER_ID" in errors[0]
