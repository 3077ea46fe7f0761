"""The sandbox's catalogue and master-data endpoints, over real HTTP, checked against ITscope's OpenAPI description."""

import csv
import io
import json
import re
import resource
import zipfile

import pytest
import requests
from lxml import etree

from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox import catalogue as cat
from itscope.sandbox import products as routes
from itscope.tests import openapi

AUTH = ("sandbox", "sandbox-key")
TIMEOUT = 30
SIZE = 300
EXPORT = {
    ("standard", "csv"): "5a9d1000-c0de-4e57-8a7e-000000000101",
    ("standard", "xml"): "5a9d1000-c0de-4e57-8a7e-000000000102",
    ("standard", "json"): "5a9d1000-c0de-4e57-8a7e-000000000103",
    ("standardUpdate", "csv"): "5a9d1000-c0de-4e57-8a7e-000000000201",
    ("standardUpdate", "xml"): "5a9d1000-c0de-4e57-8a7e-000000000202",
    ("standardUpdate", "json"): "5a9d1000-c0de-4e57-8a7e-000000000203",
}
PRODUCT_RESPONSE = {
    "id": "/products/id/{itscopeid}/{view}.{type}",
    "ids": "/products/ids/{itscopeids}/{view}.{type}",
    "ean": "/products/ean/{ean}/{view}.{type}",
    "search": "/products/search/{filter}/{view}.{type}",
}


class Api:
    """GET calls against one sandbox, authenticated, each with a timeout."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = AUTH
        self.session.headers["User-Agent"] = "itscope-connector tests"

    def get(self, path, **params):
        return self.session.get("%s/%s" % (self.base_url, path), params=params, timeout=TIMEOUT)

    def json(self, path, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def xml(self, path, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return etree.fromstring(response.content)

    def export(self, view, form, **params):
        response = self.get("products/exports/" + EXPORT[view, form], **params)
        assert response.status_code == 200, response.text
        return response.content


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(SandboxConfig(products=SIZE, json_shape="oas")) as running:
        yield running


@pytest.fixture(scope="module")
def api(sandbox):
    api = Api(sandbox[1])
    yield api
    api.session.close()


@pytest.fixture(scope="module")
def products(api):
    """The whole catalogue, from the standard JSON export."""
    return json.loads(api.export("standard", "json"))["product"]


def _tick(base_url):
    """POST /_sandbox/catalogue/tick over HTTP, as a test driving a running sandbox would."""
    response = requests.post(base_url.replace("/2.1", "/_sandbox/catalogue/tick"), timeout=30)
    assert response.status_code == 200
    return response.json()["generation"]


def test_images_are_served_by_the_sandbox_itself(sandbox, products):
    _box, base_url = sandbox
    image = next(p["imageHighRes1"] for p in products if p.get("imageHighRes1"))
    assert image.startswith(base_url.replace("/2.1", "/_sandbox/media/"))
    response = requests.get(image, timeout=10)
    assert response.headers["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")


def _gs1_valid(code):
    digits = [int(d) for d in code]
    return sum(d * (3 if i % 2 else 1) for i, d in enumerate(reversed(digits))) % 10 == 0


def _offers_of(products):
    return {item["id"]: item for product in products for item in product["supplierItem"]}


# ------------------------------------------------------------
# Master data
# ------------------------------------------------------------


@pytest.mark.parametrize("view", ["company", "eservices"])
def test_distributors_follow_the_openapi(api, view):
    path = "/company/distributor/{view}.{type}"
    companies = api.json("company/distributor/%s.json" % view)
    openapi.check_json(companies, openapi.response_schema(path))
    xml = api.xml("company/distributor/%s.xml" % view)
    assert openapi.check_xml(xml, openapi.response_schema(path, media="application/xml")) == companies

    suppliers = {company["supplier"]["id"]: company["supplier"] for company in companies}
    assert suppliers[10000735]["name"] == "ITscope Partner-Test"
    assert 6 <= len(suppliers) <= 10 and all(10_000_000 <= sid < 100_000_000 for sid in suppliers)
    partners = [s for s in suppliers.values() if "customerAccountNumber" in s]
    assert partners and len(partners) < len(suppliers)
    assert all(s["orderAccountNumber"] for s in partners)  # falls back to the customer number
    assert any(s["orderAccountNumber"] != s["customerAccountNumber"] for s in partners)
    assert not any("orderAccountNumber" in s for s in suppliers.values() if s not in partners)


@pytest.mark.parametrize("view", ["company", "eservices"])
def test_manufacturers_follow_the_openapi(api, view):
    path = "/company/manufacturer/{view}.{type}"
    companies = api.json("company/manufacturer/%s.json" % view)
    openapi.check_json(companies, openapi.response_schema(path))
    xml = api.xml("company/manufacturer/%s.xml" % view)
    assert openapi.check_xml(xml, openapi.response_schema(path, media="application/xml")) == companies
    assert 35 <= len({company["manufacturer"]["id"] for company in companies}) <= 45


def test_product_types_follow_the_openapi(api):
    path = "/products/producttypes/{view}.{type}"
    types = api.json("products/producttypes/producttype.json")
    openapi.check_json(types, openapi.response_schema(path))
    xml = api.xml("products/producttypes/producttype.xml")
    assert openapi.check_xml(xml, openapi.response_schema(path, media="application/xml")) == types
    assert 25 <= len(types) <= 40
    assert 5 <= len({t["productTypeGroup"]["id"] for t in types}) <= 8
    assert all(t["attributeTypeName3"] for t in types)


@pytest.mark.parametrize(
    "path", ["company/distributor/deal.json", "company/manufacturer/company.csv", "products/producttypes/x.json"]
)
def test_master_data_rejects_unknown_views_and_formats(api, path):
    response = api.get(path)
    assert response.status_code == 400 and "use" in response.text


# ------------------------------------------------------------
# Products: shapes
# ------------------------------------------------------------


def test_every_catalogue_product_follows_the_openapi(products):
    assert len(products) == SIZE
    openapi.check_json({"product": products}, openapi.component("productResponse"))


@pytest.mark.parametrize("view", ["standard", "standardUpdate"])
@pytest.mark.parametrize("call", sorted(PRODUCT_RESPONSE))
def test_product_answers_follow_the_openapi(api, products, view, call):
    first, second = products[3], products[4]
    path = {
        "id": "products/id/%d/%s" % (first["puid"], view),
        "ids": "products/ids/%d,%d/%s" % (first["puid"], second["puid"], view),
        "ean": "products/ean/%s/%s" % (first["ean"], view),
        "search": "products/search/manufacturer=%d/%s" % (first["manufacturerId"], view),
    }[call]
    partial = view == "standardUpdate"
    answer = api.json(path + ".json")
    openapi.check_json(answer, openapi.response_schema(PRODUCT_RESPONSE[call]), partial=partial)
    assert answer["product"][0]["puid"] == first["puid"] and answer["log"] == []
    xml = api.xml(path + ".xml")
    schema = openapi.response_schema(PRODUCT_RESPONSE[call], media="application/xml")
    assert openapi.check_xml(xml, schema, root="products", partial=partial) == {"product": answer["product"]}
    assert xml.find("product/supplierItems/supplierItem/supplierId") is not None


def test_update_view_carries_only_price_and_stock(api, products):
    product = products[0]
    update = api.json("products/id/%d/standardUpdate.json" % product["puid"])["product"][0]
    assert set(update) <= set(cat.UPDATE_PRODUCT_FIELDS) | {"supplierItem"}
    assert "productName" not in update and update["price"] == product["price"]
    assert [item["price"] for item in update["supplierItem"]] == [item["price"] for item in product["supplierItem"]]
    developer = api.json("products/id/%d/developerUpdate.json" % product["puid"])
    assert developer["product"][0] == update


def test_every_generated_field_has_a_csv_column(products):
    """The CSV export writes the columns of the field lists: a field missing from them would silently vanish."""

    def scalar_keys(records):
        return {key for record in records for key, value in record.items() if not isinstance(value, (list, dict))}

    offers = list(_offers_of(products).values())
    assert scalar_keys(products) <= set(cat.PRODUCT_FIELDS)
    assert scalar_keys(offers) <= set(cat.SUPPLIER_ITEM_FIELDS)
    assert scalar_keys(o["supplierPackagingInfo"] for o in offers if "supplierPackagingInfo" in o) <= set(
        cat.PACKAGING_FIELDS
    )
    for name, fields in (("project", cat.PROJECT_FIELDS), ("contractParameter", cat.CONTRACT_PARAMETER_FIELDS)):
        assert scalar_keys(entry for o in offers for entry in o.get(name, ())) <= set(fields), name
    for name, fields in (
        ("attribute", cat.ATTRIBUTE_FIELDS),
        ("attributeCluster", cat.ATTRIBUTE_CLUSTER_FIELDS),
        ("accessory", cat.ACCESSORY_FIELDS),
    ):
        assert scalar_keys(entry for p in products for entry in p.get(name, ())) <= set(fields), name


# ------------------------------------------------------------
# Products: contents
# ------------------------------------------------------------


def test_same_seed_same_catalogue_other_seed_another(api):
    ids = ",".join(str(cat.PUID_BASE + index * 1000) for index in range(0, SIZE, 7))
    mine = api.json("products/ids/%s/standard.json" % ids)
    with running_sandbox(SandboxConfig(products=SIZE, json_shape="oas")) as (_sandbox, twin_url):
        twin = Api(twin_url).json("products/ids/%s/standard.json" % ids)
    with running_sandbox(SandboxConfig(products=SIZE, seed=2, json_shape="oas")) as (_sandbox, url):
        other = Api(url).json("products/ids/%s/standard.json" % ids)
    # Image URLs name the serving sandbox's own port; everything else is the same.
    own_host, twin_host = api.base_url.split("/2.1")[0], twin_url.split("/2.1")[0]
    assert json.loads(json.dumps(twin).replace(twin_host, own_host)) == mine
    names = [(a["productName"], b["productName"]) for a, b in zip(mine["product"], other["product"], strict=False)]
    assert sum(a != b for a, b in names) > len(names) * 0.9


def test_identifiers(products):
    assert all(product["puid"] % 1000 == 0 for product in products)
    assert all(len(product["ean"]) == 13 and _gs1_valid(product["ean"]) for product in products)
    assert len({product["ean"] for product in products}) == SIZE
    assert len({(product["manufacturerId"], product["manufacturerSKU"]) for product in products}) == SIZE
    offers = list(_offers_of(products).values())
    assert all(_gs1_valid(offer["ean"]) == offer["eanValid"] for offer in offers if "ean" in offer)
    assert any(not offer["eanValid"] for offer in offers)


def test_every_availability_and_condition_code_occurs(products):
    offers = list(_offers_of(products).values())
    assert {offer["stockStatus"] for offer in offers} == {1, 2, 3, 4, 6, 8}
    assert {offer["conditionId"] for offer in offers} == set(range(1, 13))
    assert sum(offer["conditionId"] == 1 for offer in offers) > len(offers) * 0.7
    assert len({(offer["stockStatus"], offer["stockStatusText"]) for offer in offers}) == 6
    assert len({(offer["conditionId"], offer["conditionName"]) for offer in offers}) == 12
    assert all(("stockAvailabilityDate" in offer) == (offer["stockStatus"] == 2) for offer in offers)


def test_offers_and_the_rest_of_a_product(products):
    puids = {product["puid"] for product in products}
    for product in products:
        suppliers = [item["supplierId"] for item in product["supplierItem"]]
        assert 1 <= len(suppliers) <= 4 and len(set(suppliers)) == len(suppliers)
        assert product["aggregatedSupplierItems"] == len(suppliers)
        assert product["aggregatedStock"] == sum(item["stock"] for item in product["supplierItem"])
        assert product["price"] in [item["price"] for item in product["supplierItem"]]
        assert all(a["referencedProductId"] in puids for a in product.get("accessory", ()))
    offers = list(_offers_of(products).values())
    assert 0.05 < sum("imageHighRes1" not in product for product in products) / SIZE < 0.4
    assert any("accessory" in product for product in products)
    assert any("project" in offer for offer in offers)
    assert any("contractParameter" in offer for offer in offers)
    assert sum(10000735 in [i["supplierId"] for i in p["supplierItem"]] for p in products) > SIZE * 0.15


def test_the_catalogue_api_for_the_business_routes(sandbox, products):
    catalogue = cat.catalogue_for(sandbox[0])
    assert catalogue is cat.catalogue_for(sandbox[0])
    assert catalogue.distributor(10000735)["supplier"]["name"] == "ITscope Partner-Test"
    assert {c["supplier"]["id"] for c in catalogue.distributors} >= {10000735}
    product = products[7]
    assert catalogue.product(product["puid"]) == product
    item = product["supplierItem"][-1]
    assert catalogue.offer(item["supplierId"], item["supplierSKU"]) == (product, item)
    assert catalogue.offer(item["supplierId"], item["supplierSKU"] + "9") is None
    assert catalogue.offer(1, item["supplierSKU"]) is None
    assert catalogue.product(cat.PUID_BASE + SIZE * 1000) is None
    assert catalogue.product(product["puid"] + 1) is None
    assert [p["puid"] for p in catalogue.products(5, 8)] == [p["puid"] for p in products[5:8]]


# ------------------------------------------------------------
# Products: lookups and search
# ------------------------------------------------------------


def test_each_filter_key_finds_its_product(api, products):
    product = next(p for p in products if "cnetId" in p and len(p["supplierItem"]) > 1)
    item = product["supplierItem"][1]
    cluster = product["attributeCluster"][0]["id"]
    filters = {
        "ean=%s" % product["ean"]: True,
        "hstpid=%s" % product["manufacturerSKU"].lower(): True,
        "distpid=%s" % item["supplierSKU"]: True,
        "cnetid=%s" % product["cnetId"]: True,
        "keywords=%s %s" % (product["manufacturerName"].split()[0], product["productModel"]): False,
        "manufacturer=%d;producttype=%d" % (product["manufacturerId"], product["productTypeId"]): False,
        "distributor=%d;cluster=%d" % (item["supplierId"], cluster): False,
        "ean=4000000000000,%s" % product["ean"]: True,
    }
    for search, alone in filters.items():
        found = api.json("products/search/%s/standard.json" % search)["product"]
        assert product in found, search
        assert len(found) == 1 or not alone, search
    made_by = api.json("products/search/manufacturer=%d/standard.json" % product["manufacturerId"])["product"]
    assert all(p["manufacturerId"] == product["manufacturerId"] for p in made_by)


def test_lookups_that_find_nothing_answer_204(api):
    assert api.get("products/id/%d/standard.json" % (cat.PUID_BASE + 999_000)).status_code == 204
    assert api.get("products/ean/4006381333931/standard.json").status_code == 204
    assert api.get("products/search/keywords=nosuchthing/standard.xml").status_code == 204


def test_ids_lookup_logs_the_missing_and_takes_at_most_50(api, products):
    missing = cat.PUID_BASE + 999_000
    answer = api.json("products/ids/%d,%d/standard.json" % (products[0]["puid"], missing))
    assert [p["puid"] for p in answer["product"]] == [products[0]["puid"]]
    assert answer["log"] == [{"id": missing, "cause": "No product with this ID"}]
    fifty = ",".join(str(p["puid"]) for p in products[:50])
    assert len(api.json("products/ids/%s/standard.json" % fifty)["product"]) == 50
    response = api.get("products/ids/%s,%d/standard.json" % (fifty, products[50]["puid"]))
    assert response.status_code == 400 and "50" in response.text


def test_search_pages_hold_50(api, products):
    distributors = api.json("company/distributor/company.json")
    everything = "distributor=" + ",".join(str(c["supplier"]["id"]) for c in distributors)
    pages = [api.json("products/search/%s/standard.json" % everything, page=page)["product"] for page in (1, 2, 6)]
    assert [len(page) for page in pages] == [50, 50, 50]
    assert pages[0] != pages[1]
    assert [p["puid"] for p in pages[0]] == [p["puid"] for p in products[:50]]  # DEFAULT: catalogue order
    assert api.get("products/search/%s/standard.json" % everything, page=7).status_code == 204


@pytest.mark.parametrize(
    "sort, key, descending",
    [
        ("PRICE_ASC", "price", False),
        ("PRICE_DESC", "price", True),
        ("STOCK", "aggregatedStock", True),
        ("NAME_ASC", "productName", False),
        ("NAME_DESC", "productName", True),
    ],
)
def test_search_sorts(api, sort, key, descending):
    found = api.json("products/search/keywords=a/standard.json", sort=sort)["product"]
    values = [p[key].lower() if isinstance(p[key], str) else p[key] for p in found]
    assert len(values) == 50 and values == sorted(values, reverse=descending)


def test_plz_products_only_when_asked(api, products):
    everything = "producttype=" + ",".join(str(t["id"]) for t in api.json("products/producttypes/producttype.json"))
    plain, with_plz = _all_pages(api, everything), _all_pages(api, everything, plzproducts="true")
    assert not any(puid % 1000 == 999 for puid in plain) and len(plain) == SIZE
    plz = [puid for puid in with_plz if puid % 1000 == 999]
    assert len(plz) == SIZE // 50
    line = api.json("products/id/%d/standard.json" % plz[0])["product"][0]
    openapi.check_json(line, openapi.component("product"))
    assert line["aggregatedSupplierItems"] == 1 and line["supplierItem"][0]["matchQuality"] == 0
    assert api.get("products/ean/%s/standard.json" % line["ean"]).status_code == 204
    assert api.json("products/ean/%s/standard.json" % line["ean"], plzproducts="true")["product"] == [line]


def _all_pages(api, search, **params):
    puids, page = [], 1
    while True:
        response = api.get("products/search/%s/standard.json" % search, page=page, **params)
        if response.status_code == 204:
            return puids
        puids += [p["puid"] for p in response.json()["product"]]
        page += 1


@pytest.mark.parametrize(
    "path, reason",
    [
        ("products/search/color=red/standard.json", "Unknown filter key 'color'"),
        ("products/search/keywords/standard.json", "use key=value"),
        ("products/search/hstpid=1;HSTPID=2/standard.json", "more than once"),
        ("products/search/manufacturer=hp/standard.json", "numeric"),
        ("products/search/keywords=a/standard.json?sort=CHEAPEST", "Unknown sort"),
        ("products/search/keywords=a/standard.json?page=0", "page"),
        ("products/search/keywords=a/standard.json?realtime=maybe", "realtime"),
        ("products/search/keywords=a/full.json", "Unknown view"),
        ("products/id/10000000000/standard.csv", "exports"),
        ("products/id/abc/standard.json", "product ID"),
        ("products/ean/12ab/standard.json", "EAN"),
    ],
)
def test_bad_product_requests_answer_400_with_a_reason(api, path, reason):
    response = api.get(path)
    assert response.status_code == 400 and reason in response.text, response.text


def test_realtime_is_accepted(api, products):
    answer = api.json("products/id/%d/standard.json" % products[0]["puid"], realtime="true")
    assert answer["product"] == [products[0]]


# ------------------------------------------------------------
# Exports
# ------------------------------------------------------------


@pytest.mark.parametrize("view", ["standard", "standardUpdate"])
def test_json_and_xml_exports_hold_exactly_the_asked_products(api, products, view):
    expected = [cat.update_view(p) if view == "standardUpdate" else p for p in products[10:130]]
    exported = json.loads(api.export(view, "json", products=120, offset=10))
    assert exported == {"product": expected}
    xml = etree.fromstring(api.export(view, "xml", products=120, offset=10))
    schema = openapi.response_schema(PRODUCT_RESPONSE["id"], media="application/xml")
    assert openapi.check_xml(xml, schema, root="products", partial=view != "standard") == exported


@pytest.mark.parametrize("view", ["standard", "standardUpdate"])
def test_csv_export_is_a_zip_of_one_csv_per_element(api, products, view):
    archive = zipfile.ZipFile(io.BytesIO(api.export(view, "csv", products=120, offset=10)))
    tables = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    expected_tables = ["product", "supplierItem", "project"]
    if view == "standard":
        expected_tables += ["supplierPackagingInfo", "contractParameter", "attribute", "attributeCluster", "accessory"]
    assert list(tables) == [name + ".csv" for name in expected_tables] + ["Log.csv"]
    assert tables["Log.csv"] == "id,cause\r\n"
    rows = {name: list(csv.reader(io.StringIO(text, newline=""))) for name, text in tables.items()}
    assert all(text.endswith("\r\n") and "\n" not in text.replace("\r\n", "") for text in tables.values())

    header, *lines = rows["product.csv"]
    assert header == list(cat.PRODUCT_FIELDS if view == "standard" else cat.UPDATE_PRODUCT_FIELDS)
    assert [int(line[0]) for line in lines] == [p["puid"] for p in products[10:130]]
    first = dict(zip(header, lines[0], strict=False))
    assert first["price"] == repr(products[10]["price"])
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", first["priceLastUpdate"])

    header, *lines = rows["supplierItem.csv"]
    assert header[0] == "puid" and header[1:] == list(
        cat.SUPPLIER_ITEM_FIELDS if view == "standard" else cat.UPDATE_SUPPLIER_ITEM_FIELDS
    )
    assert len(lines) == len(_offers_of(products[10:130]))
    assert {line[header.index("eolProduct")] for line in lines} == {"true", "false"}
    if view == "standard":
        names = [dict(zip(header, line, strict=False))["productName"] for line in lines]
        assert any('"' in name for name in names)  # quoted where needed, read back intact
        assert tables["product.csv"].count('"') > 0 and not tables["product.csv"].startswith('"')


def test_an_export_defaults_to_the_whole_catalogue(api):
    assert len(json.loads(api.export("standardUpdate", "json"))["product"]) == SIZE


@pytest.mark.parametrize(
    "export_id, status",
    [
        ("5a9d1000-c0de-4e57-8a7e-000000000999", 404),
        ("not-an-export", 400),
        ("5a9d1000c0de4e578a7e000000000101", 400),
    ],
)
def test_unknown_and_malformed_export_ids(api, export_id, status):
    assert api.get("products/exports/" + export_id).status_code == status


def test_an_export_holds_at_most_800000_products(api):
    response = api.get("products/exports/" + EXPORT["standard", "json"], products=800_000, offset=1)
    assert response.status_code == 400 and "800000" in response.text


def test_a_200000_product_json_export_streams_in_constant_memory():
    """The export generator itself, in this process: its memory high-water mark must not move while 200,000
    products (about a gigabyte of JSON) stream through, and the first chunk must come before the rest is made."""
    catalogue = cat.Catalogue(seed=1, size=SIZE, anchor=1_700_000_000 - 1_700_000_000 % 86_400)
    made = []

    def counted(products):
        for product in products:
            made.append(None)  # a count, not the product
            yield product

    chunks = routes.export_chunks("json", "standard", counted(catalogue.products(0, 200_000)))
    first = next(chunks)
    assert first.startswith(b'{"product":[{') and len(made) < 100
    made_at_first_chunk = len(made)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    products, largest = first.count(b'"puid":'), len(first)
    for chunk in chunks:
        products += chunk.count(b'"puid":')
        largest = max(largest, len(chunk))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert products == len(made) == 200_000 and made_at_first_chunk < 100
    assert largest < 1_000_000
    assert grown < 30_000, "the process grew by %d kB while streaming" % grown


# ------------------------------------------------------------
# Generations
# ------------------------------------------------------------


def test_a_tick_changes_price_or_stock_of_about_a_tenth_of_the_offers():
    with running_sandbox(SandboxConfig(products=SIZE, json_shape="oas")) as (sandbox, base_url):
        api = Api(base_url)
        before = _offers_of(json.loads(api.export("standardUpdate", "json"))["product"])
        ticked_at = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        _tick(base_url)
        update = json.loads(api.export("standardUpdate", "json"))["product"]
        after = _offers_of(update)

        changed = [offer_id for offer_id in before if before[offer_id] != after[offer_id]]
        assert 0.05 < len(changed) / len(before) < 0.15
        for offer_id in changed:
            old, new = before[offer_id], after[offer_id]
            price_changed = old["price"] != new["price"]
            stock_changed = (old["stockStatus"], old["stock"], old.get("incomingStock")) != (
                new["stockStatus"], new["stock"], new.get("incomingStock")
            )  # fmt: skip
            assert price_changed != stock_changed, offer_id  # one of the two, and it shows
            stamp = new["priceLastUpdate"] if price_changed else new["lastStockUpdate"]
            assert stamp >= ticked_at
            assert (
                new["priceLastUpdate" if stock_changed else "lastStockUpdate"]
                == old["priceLastUpdate" if stock_changed else "lastStockUpdate"]
            )

        product = next(p for p in update if any(i["id"] in changed for i in p["supplierItem"]))
        realtime = api.json("products/id/%d/standardUpdate.json" % product["puid"], realtime="true")
        assert realtime["product"] == [product]
        _tick(base_url)
        again = _offers_of(json.loads(api.export("standardUpdate", "json"))["product"])
        changed_again = {offer_id for offer_id in after if after[offer_id] != again[offer_id]}
        assert changed_again and not changed_again & set(changed)  # each generation moves another tenth
