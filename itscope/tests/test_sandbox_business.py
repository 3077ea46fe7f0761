"""The sandbox's business API over real HTTP: sending ORDERs (and each reason ITscope refuses one), the deal lifecycle
on the sandbox clock with every document XSD-valid and readable, lists, filters, paging, archive, ordered elsewhere,
quotes, and the OpenAPI shapes of the answers.
"""

import dataclasses
import pathlib
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
from lxml import etree

from itscope.opentrans import Order, OrderLine, Party, build_order, parse_document, validate
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.catalogue import PARTNER_TEST_ID, catalogue_for
from itscope.tests import openapi

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"
XSD_DIR = SHARED / "opentrans" / "xsd"
AUTH = ("sandbox", "sandbox-key")
TIMEOUT = 10
MINUTE = 60

needs_xsd = pytest.mark.skipif(
    not (XSD_DIR / "opentrans_2_1.xsd").is_file(),
    reason="the openTRANS XSD is not at %s (../shared is absent)" % XSD_DIR,
)


@pytest.fixture(scope="module")
def running():
    with running_sandbox(SandboxConfig(products=300)) as running:
        yield running


@pytest.fixture
def sandbox(running):
    """The module's sandbox without deals or quotes (starting a server per test costs half a second)."""
    running[0].state.pop("business", None)
    return running


@pytest.fixture
def offers(sandbox):
    """Offers of "ITscope Partner-Test" by stockStatus: ``{status: [supplierItem, …]}``."""
    found = {}
    for product in catalogue_for(sandbox[0]).products():
        for item in product["supplierItem"]:
            if item["supplierId"] == PARTNER_TEST_ID:
                found.setdefault(item["stockStatus"], []).append(item)
    return found


class Api:
    """A few calls against the running sandbox, with timeouts and the sandbox's credentials."""

    def __init__(self, url):
        self.url = url

    def get(self, path, **kwargs):
        return requests.get(self.url + path, auth=AUTH, timeout=TIMEOUT, **kwargs)

    def put(self, path, **kwargs):
        return requests.put(self.url + path, auth=AUTH, timeout=TIMEOUT, **kwargs)

    def post(self, path, data, **kwargs):
        headers = {"Content-Type": "application/xml", **kwargs.pop("headers", {})}
        return requests.post(self.url + path, data=data, auth=AUTH, timeout=TIMEOUT, headers=headers, **kwargs)

    def send(self, xml, path="/business/deals/purchase/send"):
        answer = self.post(path, xml, headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def deal(self, order_id):
        answer = self.get("/business/deals/%s/deal.json" % order_id)
        assert answer.status_code == 200, answer.text
        return answer.json()[0]

    def advance(self, seconds):
        requests.post(self.url.replace("/2.1", "/_sandbox/clock"), params={"advance": seconds}, timeout=TIMEOUT)

    def documents(self, deal, kind):
        """The parsed documents of one kind, each checked against the XSD first."""
        parsed = []
        for entry in deal[kind]:
            answer = requests.get(entry["documentUrl"], auth=AUTH, timeout=TIMEOUT)
            assert answer.status_code == 200
            if XSD_DIR.is_dir():
                assert validate(answer.content, XSD_DIR) == []
            parsed.append(parse_document(answer.content))
        return parsed


@pytest.fixture
def api(sandbox):
    return Api(sandbox[1])


def order_xml(order_id, items, remarks="", **changes):
    """An ORDER to the test distributor: ``items`` are ``(supplierItem, quantity)``."""
    lines = [
        OrderLine("%05d" % number, item["supplierSKU"], quantity, Decimal(str(item["price"])), description="Item")
        for number, (item, quantity) in enumerate(items, start=1)
    ]
    order = Order(
        order_id=order_id,
        order_date=datetime(2026, 1, 5, 9, 0),
        supplier_id=str(PARTNER_TEST_ID),
        buyer_account="TEST-4711",
        buyer=Party(name="ACME Systemhaus GmbH", city="Karlsruhe"),
        delivery=Party(name="ACME Systemhaus GmbH", city="Karlsruhe"),
        lines=lines,
        remarks=remarks,
    )
    return build_order(dataclasses.replace(order, **changes))


def history(api, order_id, steps):
    """The deal's status after each clock step (seconds)."""
    statuses = []
    for seconds in steps:
        api.advance(seconds)
        statuses.append(api.deal(order_id)["status"])
    return statuses


# ------------------------------------------------------------
# Sending
# ------------------------------------------------------------


def test_send_answers_with_the_new_deal(api, offers):
    xml = order_xml("PO-1", [(offers[1][0], 2)], customer_order_id="EK-9")
    answer = api.post("/business/deals/purchase/send", xml)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/xml")
    deal = etree.fromstring(answer.content)
    assert deal.tag == "deal"
    assert re.fullmatch(r"[A-Z0-9]{6}-\d{6}-\d{4}", deal.findtext("orderId"))
    assert (deal.findtext("ownOrderId"), deal.findtext("customerOrderId")) == ("PO-1", "EK-9")
    assert (deal.findtext("status"), deal.findtext("vendor/supplier/id")) == ("SENT", str(PARTNER_TEST_ID))
    assert len(deal.findall("orders/order")) == 1 and deal.find("orderresponses") is not None

    again = api.send(xml, path="/business/deals/send")  # the alias; the same ORDER_ID is not refused
    assert again["status"] == "SENT" and again["ownOrderId"] == "PO-1"
    assert again["orderId"] != deal.findtext("orderId")
    stored = requests.get(again["order"][0]["documentUrl"], auth=AUTH, timeout=TIMEOUT)
    assert stored.content == xml


def test_a_restarted_sandbox_issues_new_deal_and_transaction_ids(offers):
    """ITscope never reissues an orderId or transaction id; a sandbox restarted for the same Odoo must not either,
    or Odoo meets a document id it already holds for another order."""
    xml = order_xml("PO-RESTART", [(offers[1][0], 1)])
    issued = []
    for _restart in range(2):
        with running_sandbox(SandboxConfig(products=300)) as (_sandbox, url):
            deal = Api(url).send(xml)
            issued.append((deal["orderId"], deal["order"][0]["transactionId"]))
    (first_deal, first_transaction), (second_deal, second_transaction) = issued
    assert first_deal != second_deal
    assert first_transaction != second_transaction


def mutate(xml, change):
    """The ORDER with ``change(root, ns)`` applied (ns: the openTRANS and BMEcat namespace map)."""
    root = etree.fromstring(xml)
    change(root, {"ot": "http://www.opentrans.org/XMLSchema/2.1", "bme": "http://www.bmecat.org/bmecat/2005"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def set_text(path, value):
    def change(root, ns):
        root.xpath(path, namespaces=ns)[0].text = value

    return change


def second_distributor_on_a_line(root, ns):
    product = root.xpath("//ot:ORDER_ITEM[1]/ot:PRODUCT_ID/bme:SUPPLIER_PID", namespaces=ns)[0]
    idref = etree.Element("{http://www.bmecat.org/bmecat/2005}SUPPLIER_IDREF", type="buyer_specific")
    idref.text = "10000027"
    product.addnext(idref)


REFUSALS = {
    "not XML": (lambda xml: b"<ORDER>", "not well-formed"),
    "DOCTYPE": (lambda xml: b'<!DOCTYPE ORDER [<!ENTITY x "y">]>' + xml[xml.index(b"<ORDER") :], "DOCTYPE"),
    "not XSD-valid": (lambda xml: xml.replace(b"<bme:ORDER_UNIT>C62</bme:ORDER_UNIT>", b""), "not valid openTRANS"),
    "not an ORDER": (
        lambda xml: (SHARED / "opentrans" / "samples" / "itscope_ORDERRESPONSE.xml").read_bytes(),
        "this document is an ORDERRESPONSE",
    ),
    "two distributors": (lambda xml: mutate(xml, second_distributor_on_a_line), "exactly one distributor"),
    "unknown distributor": (
        lambda xml: xml.replace(b">10000735<", b">99999999<"),
        "Distributor 99999999 is unknown",
    ),
    "ORDER_ID too long": (lambda xml: xml.replace(b">PO-2<", b">PO-20260105-0000001<"), "19 characters long"),
    "unknown SKU": (lambda xml: mutate(xml, set_text("//bme:SUPPLIER_PID", "PT9999999")), "'PT9999999'"),
    "zero quantity": (lambda xml: mutate(xml, set_text("//ot:QUANTITY", "0")), "QUANTITY must be positive"),
    "total differs": (
        lambda xml: mutate(xml, set_text("//ot:ORDER_SUMMARY/ot:TOTAL_AMOUNT", "1.00")),
        "does not match the sum of the line amounts",
    ),
    "item count differs": (lambda xml: mutate(xml, set_text("//ot:TOTAL_ITEM_NUM", "3")), "TOTAL_ITEM_NUM is 3"),
}


@needs_xsd
@pytest.mark.parametrize("rule", list(REFUSALS))
def test_send_refuses_what_itscope_refuses(api, offers, rule):
    tamper, message = REFUSALS[rule]
    xml = order_xml("PO-2", [(offers[1][0], 1), (offers[1][1], 2)])
    answer = api.post("/business/deals/purchase/send", tamper(xml))
    assert answer.status_code == 400
    assert message in answer.text
    assert api.get("/business/deals/purchase/deal.json").status_code == 204  # nothing was created


# ------------------------------------------------------------
# Lifecycle
# ------------------------------------------------------------


def test_full_lifecycle_with_valid_documents(api, offers):
    items = [(offers[1][0], 2), (offers[1][1], 1)]
    order_id = api.send(order_xml("PO-FULL", items))["orderId"]
    first = api.deal(order_id)
    api.advance(30)
    assert api.deal(order_id)["statusDate"] == first["statusDate"]  # nothing happened: nothing changes

    assert history(api, order_id, [30, 4 * MINUTE]) == ["ARRIVED", "PROCESSING"]
    deal = api.deal(order_id)
    (response,) = api.documents(deal, "orderresponse")
    assert (response.type, response.order_id) == ("ORDERRESPONSE", order_id)
    assert response.alt_customer_order_ids == ["PO-FULL"]
    assert [line.quantity for line in response.lines] == [2, 1]
    assert response.supplier_id == str(PARTNER_TEST_ID) and response.lines[0].delivery_start is not None

    assert history(api, order_id, [55 * MINUTE, 60 * MINUTE]) == ["ADVISED", "INVOICED"]
    deal = api.deal(order_id)
    (dispatch,) = api.documents(deal, "dispatchnotification")
    assert dispatch.shipment.shipment_id.startswith("1Z") and dispatch.shipment.carrier == "UPS"
    assert dispatch.shipment.tracking_url.endswith(dispatch.shipment.shipment_id)
    assert dispatch.shipment.packages[0].quantity == 3
    assert [(line.order_reference.order_id, line.order_reference.line_id) for line in dispatch.lines] == [
        (order_id, "00001"),
        (order_id, "00002"),
    ]
    assert dispatch.lines[0].serial_numbers == ["%s-00001-001" % order_id, "%s-00001-002" % order_id]
    (invoice,) = api.documents(deal, "invoice")
    totals = invoice.totals
    expected_net = sum(Decimal(str(item["price"])) * quantity for item, quantity in items)
    assert totals.net == expected_net and totals.extra[0].type == "freight"
    assert totals.total == totals.net + totals.extra_total + sum(tax.amount for tax in totals.tax)
    assert invoice.warnings == []
    assert [entry["lastUpdate"] for entry in deal["invoice"]] == [deal["statusDate"]]

    api.advance(24 * 60 * MINUTE)
    assert api.deal(order_id)["statusDate"] == deal["statusDate"]


def test_unavailable_lines_are_cancelled(api, offers):
    items = [(offers[1][0], 1), (offers[6][0], 2)]
    order_id = api.send(order_xml("PO-PART", items))["orderId"]
    assert history(api, order_id, [MINUTE, 4 * MINUTE]) == ["ARRIVED_WARNING", "PARTIALLY_PROCESSING"]
    deal = api.deal(order_id)
    assert "00002" in deal["statusMessage"]
    (response,) = api.documents(deal, "orderresponse")
    assert [line.quantity for line in response.lines] == [1, 0]
    api.advance(2 * 60 * MINUTE)
    deal = api.deal(order_id)
    assert deal["status"] == "INVOICED"
    (invoice,) = api.documents(deal, "invoice")
    assert [line.supplier_pid for line in invoice.lines] == [offers[1][0]["supplierSKU"]]


def test_all_lines_unavailable_is_rejected(api, offers):
    order_id = api.send(order_xml("PO-REJ", [(offers[6][0], 1), (offers[6][1], 1)]))["orderId"]
    assert history(api, order_id, [MINUTE, 4 * MINUTE, 3 * 60 * MINUTE]) == ["ARRIVED_WARNING", "REJECTED", "REJECTED"]
    deal = api.deal(order_id)
    (response,) = api.documents(deal, "orderresponse")
    assert [line.quantity for line in response.lines] == [0, 0]
    assert deal["dispatchnotification"] == [] and deal["invoice"] == []


def test_backorder_ships_in_two_dispatch_notifications(api, offers):
    in_field_stock = next(item for item in offers[3] if item["stock"] >= 2)
    quantity = in_field_stock["stock"] + 2
    items = [(offers[1][0], 1), (in_field_stock, quantity)]
    order_id = api.send(order_xml("PO-BACK", items))["orderId"]
    assert history(api, order_id, [60 * MINUTE, 30 * MINUTE, 30 * MINUTE]) == [
        "PARTIALLY_ADVISED",
        "ADVISED",
        "INVOICED",
    ]
    first, second = api.documents(api.deal(order_id), "dispatchnotification")
    assert [line.quantity for line in first.lines] == [1, in_field_stock["stock"]]
    assert [(line.order_reference.line_id, line.quantity) for line in second.lines] == [("00002", 2)]
    serials = first.lines[1].serial_numbers + second.lines[0].serial_numbers
    assert len(serials) == len(set(serials)) == quantity
    assert first.shipment.shipment_id != second.shipment.shipment_id


@pytest.mark.parametrize(
    "remark, marker, statuses",
    [
        ("SANDBOX:ERROR please", "SANDBOX:ERROR", ["ERROR", "ERROR"]),
        ("Test SANDBOX:CANCEL", "SANDBOX:CANCEL", ["PROCESSING", "CANCELED"]),
    ],
)
def test_remarks_steer_error_and_cancel(api, offers, remark, marker, statuses):
    order_id = api.send(order_xml("PO-REM", [(offers[1][0], 1)], remarks=remark))["orderId"]
    assert history(api, order_id, [5 * MINUTE, 3 * 60 * MINUTE]) == statuses
    deal = api.deal(order_id)
    assert marker in deal["statusMessage"]
    assert deal["dispatchnotification"] == []
    if statuses[-1] == "CANCELED":
        confirmation, cancellation = api.documents(deal, "orderresponse")
        assert [line.quantity for line in confirmation.lines] == [1]
        assert [line.quantity for line in cancellation.lines] == [0]


def test_documents_answer_204_until_issued_and_for_unknown_ids(api, sandbox, offers):
    order_id = api.send(order_xml("PO-DOC", [(offers[1][0], 1)]))["orderId"]
    planned = {  # peeked from the sandbox's plan: clients only learn these ids once the step has happened
        event.document.view: event.document.transaction_id
        for event in sandbox[0].state["business"].deals[order_id].events
        if event.document
    }
    response_path = "/business/documents/%s/ORDERRESPONSE.xml" % planned["ORDERRESPONSE"]
    assert api.get(response_path).status_code == 204
    assert api.get("/business/documents/00000000-0000-4000-8000-000000000000/ORDER.xml").status_code == 204
    assert api.get("/business/documents/%s/INVOICE.xml" % planned["ORDER"]).status_code == 204  # another view
    api.advance(5 * MINUTE)
    assert api.get(response_path).status_code == 200

    api.put("/business/deals/orderedelsewhere/%s" % order_id)
    api.advance(3 * 60 * MINUTE)
    assert api.get("/business/documents/%s/INVOICE.xml" % planned["INVOICE"]).status_code == 204  # never issued
    assert api.get(response_path).status_code == 200  # what was issued stays


# ------------------------------------------------------------
# Lists, filters, paging
# ------------------------------------------------------------


def test_last_update_filter_returns_only_changed_deals(api, offers):
    old = api.send(order_xml("PO-OLD", [(offers[1][0], 1)]))["orderId"]
    api.advance(3 * 60 * MINUTE)  # the old deal is INVOICED and stays so
    new = api.send(order_xml("PO-NEW", [(offers[1][0], 1)]))["orderId"]
    api.advance(MINUTE)
    since = datetime.fromisoformat(api.deal(new)["statusDate"]) - timedelta(seconds=1)
    params = {"archiv": "NOTARCHIVED", "lastUpdateDateFrom": since.astimezone(timezone(timedelta(hours=1))).isoformat()}
    answer = api.get("/business/deals/purchase/deal.json", params=params)
    assert [deal["orderId"] for deal in answer.json()] == [new]
    naive_utc = since.replace(tzinfo=None).isoformat(timespec="seconds")
    answer = api.get("/business/deals/purchase/deal.json", params={"lastUpdateDateTo": naive_utc})
    assert [deal["orderId"] for deal in answer.json()] == [old]
    api.advance(60 * 60 * MINUTE)
    later = (since + timedelta(hours=12)).isoformat()
    assert api.get("/business/deals/purchase/deal.json", params={"lastUpdateDateFrom": later}).status_code == 204
    bad = api.get("/business/deals/purchase/deal.json?lastUpdateDateFrom=2026-01-05T10:00:00+01:00")  # + unencoded
    assert bad.status_code == 400 and "%2B" in bad.text


def test_paging_sorting_and_the_xml_list_shape(api, offers):
    xml = order_xml("PO-PAGE", [(offers[1][0], 1)])
    sent = [api.send(xml.replace(b">PO-PAGE<", b">PO-PAGE-%02d<" % number))["orderId"] for number in range(51)]
    page_one = api.get("/business/deals/purchase/deal.json", params={"sort": "SENT_ASC"}).json()
    page_two = api.get("/business/deals/purchase/deal.json", params={"sort": "SENT_ASC", "page": 2}).json()
    assert [deal["orderId"] for deal in page_one + page_two] == sent
    assert len(page_one) == 50
    assert api.get("/business/deals/purchase/deal.json", params={"page": 3}).status_code == 204
    by_id = api.get("/business/deals/purchase/deal.json", params={"sort": "ID"}).json()
    assert [deal["orderId"] for deal in by_id] == sorted(sent)[:50]
    assert api.get("/business/deals/purchase/deal.json", params={"sort": "NAME"}).status_code == 400
    assert api.get("/business/deals/purchase/deal.json", params={"page": "0"}).status_code == 400

    api.advance(6 * MINUTE)
    root = etree.fromstring(api.get("/business/deals/purchase/deal.xml").content)
    assert root.tag == "deals" and len(root.findall("deal")) == 50
    deal = root.find("deal")
    assert deal.find("orderresponses/orderresponse/documentUrl").text.endswith("/ORDERRESPONSE.xml")
    assert deal.find("dispatchnotifications") is not None and deal.find("vendor/supplier/name") is not None


def test_search(api, offers):
    first = api.send(order_xml("PO-ALPHA", [(offers[1][0], 1)], customer_order_id="KUNDE-1"))["orderId"]
    second = api.send(order_xml("PO-BETA", [(offers[6][0], 1)]))["orderId"]
    api.advance(6 * MINUTE)

    def found(filter):
        answer = api.get("/business/deals/purchase/search/%s/deal.json" % filter)
        return [] if answer.status_code == 204 else [deal["orderId"] for deal in answer.json()]

    assert found("ownOrderId=PO-ALPHA") == [first]
    assert sorted(found("keywords=po-")) == sorted([first, second])
    assert found("keywords=kunde") == [first]
    assert found("orderId=%s" % second) == [second]
    assert found("status=REJECTED") == [second]
    assert found("status=PROCESSING,REJECTED;ownOrderId=PO-ALPHA") == [first]
    assert found("customerOrderId=NOPE") == []
    assert api.get("/business/deals/purchase/search/colour=red/deal.json").status_code == 400


def test_archive_and_ordered_elsewhere(api, offers):
    archived = api.send(order_xml("PO-ARCH", [(offers[1][0], 1)]))["orderId"]
    elsewhere = api.send(order_xml("PO-ELSE", [(offers[1][0], 1)]))["orderId"]
    api.advance(MINUTE)

    answer = api.put("/business/deals/archive/%s" % archived, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json()[0]["archived"] is True
    assert api.put("/business/deals/archive/%s" % archived).status_code == 200  # again: no change
    assert api.put("/business/deals/archive/UNKNOWN-1").status_code == 204
    listed = api.get("/business/deals/purchase/deal.json", params={"archiv": "NOTARCHIVED"}).json()
    assert [deal["orderId"] for deal in listed] == [elsewhere]
    listed = api.get("/business/deals/purchase/deal.json", params={"archiv": "ARCHIVED"}).json()
    assert [deal["orderId"] for deal in listed] == [archived]
    assert api.get("/business/deals/purchase/deal.json", params={"archiv": "ALL"}).status_code == 400

    answer = api.put("/business/deals/orderedelsewhere/%s" % elsewhere)
    assert answer.status_code == 200 and etree.fromstring(answer.content).findtext("deal/status") == "ORDERED_ELSEWHERE"
    status_date = api.deal(elsewhere)["statusDate"]
    api.advance(3 * 60 * MINUTE)
    deal = api.deal(elsewhere)
    assert (deal["status"], deal["statusDate"], deal["orderresponse"]) == ("ORDERED_ELSEWHERE", status_date, [])
    assert api.deal(archived)["status"] == "INVOICED"
    assert api.put("/business/deals/orderedelsewhere/%s" % archived).status_code == 400
    assert api.put("/business/deals/orderedelsewhere/UNKNOWN-1").status_code == 404


# ------------------------------------------------------------
# Shapes (OpenAPI) and the other business endpoints
# ------------------------------------------------------------


DEAL_LIST = "/business/deals/purchase/{view}.{type}"


def test_deal_answers_match_the_openapi(api, offers):
    sent = api.send(order_xml("PO-SCHEMA", [(offers[1][0], 1), (offers[6][0], 1)], customer_order_id="EK-1"))
    openapi.check_json(sent, openapi.component("deal"))
    api.advance(3 * 60 * MINUTE)
    deals = api.get("/business/deals/purchase/deal.json").json()
    openapi.check_json(deals, openapi.response_schema(DEAL_LIST))
    assert set(deals[0]) >= {"orderId", "ownOrderId", "customerOrderId", "status", "statusDate", "vendor", "invoice"}
    xml = etree.fromstring(api.get("/business/deals/purchase/deal.xml").content)
    assert openapi.check_xml(xml, openapi.response_schema(DEAL_LIST, media="application/xml")) == deals
    one = etree.fromstring(api.get("/business/deals/%s/deal.xml" % sent["orderId"]).content)
    openapi.check_xml(one, openapi.response_schema("/business/deals/{dealId}/{view}.{type}", media="application/xml"))


@needs_xsd
def test_validateschema(api, offers):
    xml = order_xml("PO-VAL", [(offers[1][0], 1)])
    assert api.post("/business/documents/validateschema", xml).status_code == 200
    answer = api.post("/business/documents/validateschema", xml.replace(b"<bme:ORDER_UNIT>C62</bme:ORDER_UNIT>", b""))
    assert answer.status_code == 400 and "line " in answer.text and "ORDER_UNIT" in answer.text


def test_quotes_and_their_quotation_documents(api, sandbox):
    quotes = api.get("/business/quotes/quote.json").json()
    assert len(quotes) == 3
    openapi.check_json(quotes, openapi.response_schema("/business/quotes/{view}.{type}"))
    won = api.get("/business/quotes/search/status=WON/quote.json").json()
    assert [quote["status"] for quote in won] == ["WON"]
    assert api.get("/business/quotes/search/quoteno=%s/quote.json" % won[0]["quoteNo"]).json() == won
    assert api.get("/business/quotes/%s/quote.json" % won[0]["quoteId"]).json() == won
    assert api.get("/business/quotes/nope/quote.json").status_code == 204
    assert api.get("/business/quotes/search/owner=me/quote.json").status_code == 400
    root = etree.fromstring(api.get("/business/quotes/quote.xml", params={"sort": "TITLE_ASC"}).content)
    schema = openapi.response_schema("/business/quotes/{view}.{type}", media="application/xml")
    by_title = openapi.check_xml(root, schema)
    assert [quote["name"] for quote in by_title] == sorted(quote["name"] for quote in quotes)

    document = requests.get(won[0]["documentUrl"], auth=AUTH, timeout=TIMEOUT)
    if XSD_DIR.is_dir():
        assert validate(document.content, XSD_DIR) == []
    quotation = parse_document(document.content)
    assert (quotation.type, quotation.document_id, len(quotation.lines)) == (
        "QUOTATION",
        won[0]["quoteNo"],
        won[0]["itemCount"],
    )
    catalogue = catalogue_for(sandbox[0])
    for line in quotation.lines:
        product = catalogue.product(int(line.puid))
        assert line.buyer_pid in {str(item["id"]) for item in product["supplierItem"]}


def test_quotes_can_be_ordered_as_quoted(api, sandbox):
    """Every quote line is a new, priced offer of a partnered distributor, each quote spans two distributors at
    least, and the PROGRESS quote's first line is an offer with a project price: a line is quoted at its offer's
    project price, with the project's numbers, where the offer has one."""
    catalogue = catalogue_for(sandbox[0])
    for quote in api.get("/business/quotes/quote.json").json():
        quotation = parse_document(requests.get(quote["documentUrl"], auth=AUTH, timeout=TIMEOUT).content)
        offers = []
        for line in quotation.lines:
            product = catalogue.product(int(line.puid))
            offers.append(next(item for item in product["supplierItem"] if str(item["id"]) == line.buyer_pid))
        assert all(item["conditionId"] == 1 and item["supplierId"] in catalogue.partnered_ids for item in offers)
        assert len({item["supplierId"] for item in offers}) >= 2
        assert len({line.puid for line in quotation.lines}) == len(quotation.lines)
        if quote["status"] == "PROGRESS":
            assert offers[0].get("project")
        for line, item in zip(quotation.lines, offers, strict=True):
            project = (item.get("project") or [None])[0]
            if project:
                assert line.price == Decimal(str(project["price"]))
                assert [(a.type, a.agreement_id) for a in line.agreements] == [
                    ("supplier", project["supplierProjectId"]),
                    ("manufacturer", project["manufacturerProjectId"]),
                ]
                assert line.agreements[1].description == project["endCustomer"]
            else:
                assert (line.price, line.agreements) == (Decimal(str(item["price"])), [])
