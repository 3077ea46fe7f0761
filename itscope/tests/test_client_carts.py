"""The client's cart and quotation calls against the sandbox over real HTTP: what goes over the wire fits the
OpenAPI's request schemas exactly, a cart goes round (create, fill, optimise, read, empty, remove), writes are never
retried while reads are, and a quote's QUOTATION comes from its documentUrl at the API address only."""

import json
import time

import pytest

from itscope.client import ItscopeClient, _line_items
from itscope.errors import ItscopeBadRequest, ItscopeForeignUrl, ItscopeNotFound, ItscopeServerError, ItscopeUnreachable
from itscope.opentrans import parse_document
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.app import Fault
from itscope.sandbox.catalogue import catalogue_for
from itscope.tests import openapi

ACCOUNT, KEY = "4711", "cart-key-for-tests"


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(SandboxConfig(account_id=ACCOUNT, api_key=KEY, products=100)) as running:
        yield running


@pytest.fixture
def sb(sandbox):
    box, url = sandbox
    box.log.clear()
    box.faults.clear()
    box.state.pop("carts", None)
    return box, url


def recording_client(url, **kwargs):
    """A client whose sent bodies are recorded (``client.sent``: ``(method, path, body)``) as they went out."""
    client = ItscopeClient(ACCOUNT, KEY, base_url=url, sleep=lambda seconds: None, **kwargs)
    client.sent = []

    def record(response, *args, **kwargs):
        request = response.request
        client.sent.append((request.method, request.path_url.split("?")[0], request.body))

    client.session.hooks["response"].append(record)
    return client


def test_a_cart_round_trip_sends_exactly_the_openapi_request_shapes(sb):
    box, url = sb
    products = list(catalogue_for(box).products(0, 4))
    with recording_client(url) as client:
        cart = client.create_cart("PO00042")
        items = client.add_cart_line_items(
            cart["cartId"],
            [
                {"puid": product["puid"], "quantity": 2, "customerOrderReference": "%05d" % number}
                for number, product in enumerate(products, start=1)
            ],
        )
        assert [item["customerOrderReference"] for item in items] == ["00001", "00002", "00003", "00004"]
        optimised = client.optimise_cart(cart["cartId"])
        assert [item["lineItemId"] for item in optimised] == [item["lineItemId"] for item in items]
        assert client.cart_line_items(cart["cartId"]) == optimised
        assert client.cart(cart["cartId"])["itemCount"] == 4
        client.rename_cart(cart["cartId"], "PO00042 (Odoo)")
        assert [c["cartName"] for c in client.carts() if c["cartId"] == cart["cartId"]] == ["PO00042 (Odoo)"]
        for item in optimised:
            client.remove_cart_line_item(cart["cartId"], item["lineItemId"])
        assert client.cart_line_items(cart["cartId"]) == []
        client.archive_cart(cart["cartId"])
        assert cart["cartId"] not in {c["cartId"] for c in client.carts()}
        client.delete_cart(cart["cartId"])
        assert client.cart(cart["cartId"]) is None
        with pytest.raises(ItscopeNotFound):
            client.delete_cart(cart["cartId"])
    cart_path = "/2.1/business/carts/%s" % cart["cartId"]
    bodies = {(method, path): json.loads(body) for method, path, body in client.sent if body}
    assert sorted(bodies) == [
        ("POST", "/2.1/business/carts"),
        ("POST", cart_path + "/cartlineitems"),
        ("PUT", cart_path),
    ]
    for (_method, path), body in bodies.items():
        schema = "CartLineItemOrderContainer" if path.endswith("/cartlineitems") else "CartOrder"
        openapi.check_json(body, openapi.component(schema))


def test_a_refused_line_is_a_bad_request_with_itscopes_reason(sb):
    _box, url = sb
    with recording_client(url) as client:
        cart = client.create_cart("PO00043")
        with pytest.raises(ItscopeBadRequest, match="product 10000999999000 is unknown"):
            client.add_cart_line_items(cart["cartId"], [{"puid": 10000999999000, "quantity": 1}])
        with pytest.raises(ItscopeBadRequest, match="minpricepartner"):
            client.optimise_cart(cart["cartId"], strategy="cheapest")


def test_cart_writes_are_never_retried_and_reads_are(sb):
    box, url = sb
    box.faults.append(Fault(path_contains="/business/carts", status=502))
    with recording_client(url) as client, pytest.raises(ItscopeServerError):
        client.create_cart("PO00044")
    assert len(box.api_requests("/business/carts")) == 1
    box.faults.append(Fault(path_contains="/business/carts", delay=1.5, after_handling=True))
    with recording_client(url, timeout=(2, 0.5)) as client, pytest.raises(ItscopeUnreachable, match="unknown"):
        client.create_cart("PO00044")
    deadline = time.monotonic() + 5
    while len(box.api_requests("/business/carts")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with recording_client(url) as client:
        # The lost answer's cart exists: a caller finds it by name instead of creating a second one.
        assert [cart["cartName"] for cart in client.carts()].count("PO00044") == 1
        box.faults.append(Fault(path_contains="/business/carts/cart.json", status=502))
        assert len(list(client.carts())) == 2
    assert len(box.api_requests("/business/carts/cart.json")) == 3


@pytest.mark.parametrize(
    "answer, expected",
    [
        ({"cartLineItem": [{"lineItemId": "1"}, {"lineItemId": "2"}]}, ["1", "2"]),
        ({"cartLineItem": {"lineItemId": "1"}}, ["1"]),
        ([{"lineItemId": "1"}], ["1"]),
        (None, []),
        ({"cartLineItem": ["junk", {"lineItemId": "2"}]}, ["2"]),
    ],
)
def test_line_items_are_read_from_every_shape_of_answer(answer, expected):
    assert [item["lineItemId"] for item in _line_items(answer)] == expected


def test_quotation_comes_from_the_quotes_document_url_and_only_at_the_api_address(sb):
    _box, url = sb
    with recording_client(url) as client:
        quote = next(iter(client.quotes()))
        document = parse_document(client.quotation(quote["quoteId"], quote["documentUrl"]))
        assert (document.type, document.document_id) == ("QUOTATION", quote["quoteNo"])
        assert client.quotation(quote["quoteId"]) == client.quotation(quote["quoteId"], quote["documentUrl"])
        assert client.quotation("00000000-0000-4000-8000-000000000000") is None
        with pytest.raises(ItscopeForeignUrl):
            client.quotation(quote["quoteId"], "https://elsewhere.example/business/documents/x/QUOTATION.xml")
    assert all("elsewhere" not in path for _method, path, _body in client.sent)
