"""The sandbox's carts over real HTTP: creating, renaming, archiving, removing and listing carts, adding and removing
line items (each way the OpenAPI allows to name one, in JSON and XML), refusing what does not fit the OpenAPI's
request schemas, the optimisation strategies on the catalogue's prices and stock, and the shapes of the answers.
"""

import itertools

import pytest
import requests
from lxml import etree

from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.catalogue import catalogue_for
from itscope.tests import openapi

AUTH = ("sandbox", "sandbox-key")
TIMEOUT = 10
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
XML = {"Content-Type": "application/xml", "Accept": "application/xml"}


@pytest.fixture(scope="module")
def running():
    with running_sandbox(SandboxConfig(products=300)) as running:
        yield running


@pytest.fixture
def sandbox(running):
    """The module's sandbox without carts (only the pool)."""
    running[0].state.pop("carts", None)
    return running


@pytest.fixture
def catalogue(sandbox):
    return catalogue_for(sandbox[0])


class Api:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, headers=None, **kwargs):
        headers = JSON if headers is None else headers
        return requests.request(method, self.url + path, auth=AUTH, timeout=TIMEOUT, headers=headers, **kwargs)

    # A test helper, not an Odoo model: no super() to call.
    def create(self, name="PO00042"):  # pylint: disable=method-required-super
        answer = self.call("POST", "/business/carts", json={"cartName": name})
        assert answer.status_code == 200, answer.text
        return answer.json()["cartId"]

    def add(self, cart_id, lines, **params):
        answer = self.call(
            "POST", "/business/carts/%s/cartlineitems" % cart_id, json={"cartLineItem": lines}, params=params
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["cartLineItem"]

    def items(self, cart_id):
        answer = self.call("GET", "/business/carts/%s/cartlineitems.json" % cart_id)
        return [] if answer.status_code == 204 else answer.json()["cartLineItem"]


@pytest.fixture
def api(sandbox):
    return Api(sandbox[1])


def offers_of(catalogue, puid):
    return [item for item in catalogue.product(puid)["supplierItem"] if item.get("price") is not None]


# ------------------------------------------------------------
# Carts
# ------------------------------------------------------------


def test_create_rename_archive_remove_and_list(api):
    assert [cart["cartId"] for cart in api.call("GET", "/business/carts/cart.json").json()] == ["pool"]
    cart_id = api.create("PO00042")
    renamed = api.call("PUT", "/business/carts/%s" % cart_id, json={"cartName": "PO00042 (2)"})
    assert (renamed.status_code, renamed.json()["cartName"]) == (200, "PO00042 (2)")
    shown = api.call("GET", "/business/carts/%s/cart.json" % cart_id).json()
    assert [(cart["cartId"], cart["cartName"], cart["itemCount"]) for cart in shown] == [(cart_id, "PO00042 (2)", 0)]

    archived = api.call("PUT", "/business/carts/archive/%s" % cart_id)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [cart["cartId"] for cart in api.call("GET", "/business/carts/cart.json").json()] == ["pool"]
    listed = api.call("GET", "/business/carts/cart.json", params={"archiv": "ARCHIVED"}).json()
    assert [cart["cartId"] for cart in listed] == [cart_id]

    assert api.call("DELETE", "/business/carts/%s" % cart_id).status_code == 204
    assert api.call("GET", "/business/carts/%s/cart.json" % cart_id).status_code == 204
    assert api.call("DELETE", "/business/carts/%s" % cart_id).status_code == 404
    assert api.call("PUT", "/business/carts/%s" % cart_id, json={"cartName": "x"}).status_code == 404


def test_the_pool_exists_and_cannot_be_renamed_or_removed(api):
    assert api.call("PUT", "/business/carts/pool", json={"cartName": "Mine"}).status_code == 400
    assert api.call("DELETE", "/business/carts/pool").status_code == 400
    assert api.call("GET", "/business/carts/pool/cart.json").json()[0]["cartName"] == "Pool"


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"name": "PO1"}, "only cartName"),
        ({"cartName": ""}, "not empty"),
        ({"cartName": 42}, "not empty"),
        ([{"cartName": "PO1"}], "only cartName"),
    ],
)
def test_a_cart_must_be_a_cart_order(api, body, reason):
    answer = api.call("POST", "/business/carts", json=body)
    assert answer.status_code == 400 and reason in answer.text


def test_xml_cart_order(api):
    answer = api.call("POST", "/business/carts", headers=XML, data=b"<cart><cartName>PO-XML</cartName></cart>")
    assert answer.status_code == 200, answer.text
    cart = etree.fromstring(answer.content)
    assert (cart.tag, cart.findtext("cartName")) == ("cart", "PO-XML")
    doctype = b'<?xml version="1.0"?><!DOCTYPE cart [<!ENTITY x "y">]><cart><cartName>&x;</cartName></cart>'
    refused = api.call("POST", "/business/carts", headers=XML, data=doctype)
    assert refused.status_code == 400 and "DOCTYPE" in refused.text


# ------------------------------------------------------------
# Line items
# ------------------------------------------------------------


def test_line_items_by_puid_by_distributor_sku_and_both(api, catalogue):
    cart_id = api.create()
    products = list(catalogue.products(0, 40))
    several = next(product for product in products if len(offers_of(catalogue, product["puid"])) >= 2)
    offers = offers_of(catalogue, several["puid"])
    chosen = max(offers, key=lambda item: item["price"])
    other = next(product for product in products if product is not several)
    other_offer = offers_of(catalogue, other["puid"])[0]
    items = api.add(
        cart_id,
        [
            {
                "puid": several["puid"],
                "supplierId": chosen["supplierId"],
                "quantity": 3,
                "customerOrderReference": "L1",
            },
            {"supplierId": other_offer["supplierId"], "supplierItemId": other_offer["supplierSKU"], "quantity": 1},
        ],
    )
    assert [(item["puid"], item["supplierId"], item["supplierItemId"], item["quantity"]) for item in items] == [
        (several["puid"], chosen["supplierId"], chosen["supplierSKU"], 3),
        (other["puid"], other_offer["supplierId"], other_offer["supplierSKU"], 1),
    ]
    assert items[0]["customerOrderReference"] == "L1" and items[0]["price"] == chosen["price"]
    assert len({item["lineItemId"] for item in items}) == 2
    assert api.items(cart_id) == items

    removed = api.call("DELETE", "/business/carts/%s/cartlineitems/%s" % (cart_id, items[0]["lineItemId"]))
    assert removed.status_code == 204
    assert [item["lineItemId"] for item in api.items(cart_id)] == [items[1]["lineItemId"]]
    again = api.call("DELETE", "/business/carts/%s/cartlineitems/%s" % (cart_id, items[0]["lineItemId"]))
    assert again.status_code == 404


def test_a_line_without_distributor_goes_to_the_cheapest_partner(api, catalogue):
    cart_id = api.create()
    product = next(
        product
        for product in catalogue.products(0, 100)
        if len({item["supplierId"] for item in offers_of(catalogue, product["puid"])} & catalogue.partnered_ids) >= 2
    )
    partnered = [
        item for item in offers_of(catalogue, product["puid"]) if item["supplierId"] in catalogue.partnered_ids
    ]
    [item] = api.add(cart_id, [{"puid": product["puid"], "quantity": 1}])
    assert item["price"] == min(offer["price"] for offer in partnered)
    assert item["supplierId"] in catalogue.partnered_ids


def test_bad_line_items_are_refused_with_every_reason_and_nothing_is_added(api, catalogue):
    cart_id = api.create()
    good = {"puid": next(catalogue.products(0, 1))["puid"], "quantity": 1}
    answer = api.call(
        "POST",
        "/business/carts/%s/cartlineitems" % cart_id,
        json={
            "cartLineItem": [
                good,
                {"puid": "10000000000", "quantity": 1},
                {"puid": 10000000000, "quantity": 0},
                {"supplierId": 10000027, "quantity": 1},
                {"puid": 10000000000, "quantity": 1, "price": 1.0},
                {"puid": 10000000000, "quantity": 2**31},
                {"puid": 10000000000, "quantity": 1, "referencedAddresses": {"referencedAddress": [{"name": "x"}]}},
            ]
        },
    )
    assert answer.status_code == 400
    for reason in (
        "cartLineItem 2: puid must be a whole number",
        "cartLineItem 3: quantity must be greater than 0",
        "cartLineItem 4: name the product by puid, or by supplierId and supplierItemId",
        "cartLineItem 5: unknown field price",
        "cartLineItem 6: quantity 2147483648 is out of the int32 range",
        "cartLineItem 7: a referencedAddress needs an addressType",
    ):
        assert reason in answer.text
    assert "cartLineItem 1" not in answer.text
    unknown = api.call(
        "POST",
        "/business/carts/%s/cartlineitems" % cart_id,
        json={"cartLineItem": [good, {"puid": 10000000001000000, "quantity": 1}]},
    )
    assert unknown.status_code == 400 and "unknown" in unknown.text
    wrong_sku = api.call(
        "POST",
        "/business/carts/%s/cartlineitems" % cart_id,
        json={"cartLineItem": [{"supplierId": 10000027, "supplierItemId": "NOPE", "quantity": 1}]},
    )
    assert wrong_sku.status_code == 400 and "NOPE" in wrong_sku.text
    assert api.items(cart_id) == []
    missing = api.call("POST", "/business/carts/C999999/cartlineitems", json={"cartLineItem": [good]})
    assert missing.status_code == 404


def test_xml_line_items_with_addresses(api, catalogue):
    cart_id = api.create()
    offer = offers_of(catalogue, next(catalogue.products(0, 1))["puid"])[0]
    body = (
        "<cartLineItems><cartLineItem><supplierId>%d</supplierId><supplierItemId>%s</supplierItemId>"
        "<quantity>2</quantity><comment>Rack 4</comment><referencedAddresses><referencedAddress>"
        "<addressType>delivery</addressType><name>ACME</name><city>Karlsruhe</city></referencedAddress>"
        "</referencedAddresses></cartLineItem></cartLineItems>" % (offer["supplierId"], offer["supplierSKU"])
    ).encode()
    answer = api.call("POST", "/business/carts/%s/cartlineitems" % cart_id, headers=XML, data=body)
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    assert [child.tag for child in root] == ["cartLineItem"]
    assert root.findtext("cartLineItem/comment") == "Rack 4"
    assert root.findtext("cartLineItem/referencedAddresses/referencedAddress/city") == "Karlsruhe"
    [item] = api.items(cart_id)
    address = {"addressType": "delivery", "name": "ACME", "city": "Karlsruhe"}
    assert item["referencedAddresses"] == {"referencedAddress": [address]}


# ------------------------------------------------------------
# Optimisation
# ------------------------------------------------------------


def _cheapest_in_stock(catalogue, item, partnered_only):
    offers = [
        offer
        for offer in offers_of(catalogue, item["puid"])
        if offer.get("stock", 0) >= item["quantity"]
        and (not partnered_only or offer["supplierId"] in catalogue.partnered_ids)
    ]
    return min(offers, key=lambda offer: (offer["price"], offer["supplierId"])) if offers else None


def _filled_cart(api, catalogue, count=30):
    """A cart of ``count`` products, each at its most expensive offer, 2 of each."""
    cart_id = api.create()
    lines = []
    for product in catalogue.products(0, count):
        offer = max(offers_of(catalogue, product["puid"]), key=lambda item: item["price"])
        lines.append({"puid": product["puid"], "supplierId": offer["supplierId"], "quantity": 2})
    return cart_id, api.add(cart_id, lines)


@pytest.mark.parametrize("strategy, partnered_only", [("minpricepartner", True), ("minprice", False)])
def test_optimise_moves_each_line_to_the_cheapest_distributor_with_stock(api, catalogue, strategy, partnered_only):
    cart_id, before = _filled_cart(api, catalogue)
    answer = api.call("PUT", "/business/carts/%s/optimise" % cart_id, params={"optimisationStrategy": strategy})
    assert answer.status_code == 200, answer.text
    after = answer.json()["cartLineItem"]
    assert [item["lineItemId"] for item in after] == [item["lineItemId"] for item in before]
    moved = 0
    for old, new in zip(before, after, strict=True):
        best = _cheapest_in_stock(catalogue, old, partnered_only)
        expected = (best["supplierId"], best["supplierSKU"]) if best else (old["supplierId"], old["supplierItemId"])
        assert (new["supplierId"], new["supplierItemId"]) == expected
        assert (new["puid"], new["quantity"]) == (old["puid"], old["quantity"])
        moved += expected != (old["supplierId"], old["supplierItemId"])
    assert moved >= 5
    assert api.items(cart_id) == after


def test_minsuppliers_uses_the_fewest_distributors_and_manual_changes_nothing(api, catalogue):
    """Products several partners hold in stock: the cheapest split takes several distributors, the fewest-distributors
    optimisation the smallest set that serves them all (found here by trying every set)."""
    cart_id, lines = api.create(), []
    for product in catalogue.products(0, 200):
        line = {"puid": product["puid"], "quantity": 1}
        holders = {o["supplierId"] for o in offers_of(catalogue, product["puid"]) if o.get("stock", 0) >= 1}
        if len(holders & catalogue.partnered_ids) >= 2 and len(lines) < 12:
            lines.append(dict(line, supplierId=max(holders - catalogue.partnered_ids, default=min(holders))))
    before = api.add(cart_id, lines)
    manual = api.call("PUT", "/business/carts/%s/optimise" % cart_id, params={"optimisationStrategy": "manual"})
    assert manual.json()["cartLineItem"] == before
    by_price = api.call(
        "PUT", "/business/carts/%s/optimise" % cart_id, params={"optimisationStrategy": "minpricepartner"}
    )
    fewest = api.call("PUT", "/business/carts/%s/optimise" % cart_id, params={"optimisationStrategy": "minsuppliers"})
    fewest_items = fewest.json()["cartLineItem"]
    used = {item["supplierId"] for item in fewest_items}
    assert len(used) < len({item["supplierId"] for item in by_price.json()["cartLineItem"]})
    holders = [
        {o["supplierId"] for o in offers_of(catalogue, item["puid"]) if o.get("stock", 0) >= 1}
        & catalogue.partnered_ids
        for item in fewest_items
    ]
    smallest = min(
        size
        for size in range(1, len(catalogue.partnered_ids) + 1)
        for subset in itertools.combinations(sorted(catalogue.partnered_ids), size)
        if all(held & set(subset) for held in holders)
    )
    assert len(used) == smallest
    for item, held in zip(fewest_items, holders, strict=True):
        assert item["supplierId"] in held


def test_optimise_needs_a_known_strategy_and_cart(api):
    cart_id = api.create()
    assert api.call("PUT", "/business/carts/%s/optimise" % cart_id).status_code == 400
    wrong = api.call("PUT", "/business/carts/%s/optimise" % cart_id, params={"optimisationStrategy": "cheap"})
    assert wrong.status_code == 400 and "minpricepartner" in wrong.text
    missing = api.call("PUT", "/business/carts/C999999/optimise", params={"optimisationStrategy": "minprice"})
    assert missing.status_code == 404


def test_adding_can_optimise_at_once(api, catalogue):
    cart_id = api.create()
    product = next(catalogue.products(0, 1))
    worst = max(offers_of(catalogue, product["puid"]), key=lambda item: item["price"])
    line = {"puid": product["puid"], "supplierId": worst["supplierId"], "quantity": 1}
    [item] = api.add(cart_id, [line], optimisationStrategy="minprice")
    best = _cheapest_in_stock(catalogue, line, False)
    assert item["supplierId"] == (best or worst)["supplierId"]


# ------------------------------------------------------------
# The OpenAPI's shapes
# ------------------------------------------------------------


def test_answers_fit_the_openapi_schemas_they_extend(api, catalogue):
    """The OpenAPI gives the carts' request schemas only; the answers extend them (module docstring of
    sandbox/carts.py), so every field the schemas name must have their type and XML names."""
    cart_id, items = _filled_cart(api, catalogue, count=5)
    container = openapi.component("CartLineItemOrderContainer")
    openapi.check_json({"cartLineItem": items}, container, strict=False)
    xml = etree.fromstring(api.call("GET", "/business/carts/%s/cartlineitems.xml" % cart_id, headers=XML).content)
    read_back = openapi.check_xml(xml, container, strict=False)
    assert [item["puid"] for item in read_back["cartLineItem"]] == [item["puid"] for item in items]
    cart_order = openapi.component("CartOrder")
    for cart in api.call("GET", "/business/carts/cart.json").json():
        openapi.check_json(cart, cart_order, strict=False)
    carts = etree.fromstring(api.call("GET", "/business/carts/cart.xml", headers=XML).content)
    assert carts.tag == "carts"
    for cart in carts:
        openapi.check_xml(cart, cart_order, strict=False)
