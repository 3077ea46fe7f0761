"""Every shape a product reaches the connector in gives the same plain record (real-world doc sections 1 and 2).

JSON in the OpenAPI's shape and in the one production integrators observed; XML; CSV in a ZIP in ITscope's own
layout (tab-separated, no quoting, ``productId``, attributes flattened) and in the older one (comma-separated,
quoted, ``puid``), and the variants real files show: other delimiters, a BOM, CRLF or LF, file names in any case.
"""

import codecs
import csv
import io
import re
import zipfile

import pytest
import requests

from itscope.client import ItscopeClient
from itscope.exports import BadRow, Notice, iter_export
from itscope.products import read_product
from itscope.records import read_product_types
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.catalogue import Catalogue, catalogue_for
from itscope.sandbox.products import SHAPES, export_chunks, production_shape
from itscope.tests.minutes import comparable

ANCHOR = 1_700_000_000 - 1_700_000_000 % 86_400
CATALOGUE = Catalogue(seed=3, size=60, anchor=ANCHOR)


def export_file(tmp_path, form, shape, products, name=None):
    path = tmp_path / (name or "%s-%s.%s" % (shape, form, form))
    path.write_bytes(b"".join(export_chunks(form, "standard", products, shape)))
    return path


def read_all(path):
    rows = list(iter_export(path))
    assert not [row for row in rows if isinstance(row, BadRow)], rows
    return [comparable(read_product(row)) for row in rows]


# ------------------------------------------------------------
# One record whatever the shape
# ------------------------------------------------------------


def test_the_same_product_in_every_shape_is_the_same_record_and_digest(tmp_path):
    products = list(CATALOGUE.products(0, 40))
    expected = [comparable(read_product(product)) for product in products]
    readings = {"oas json, in memory": expected}
    readings["production json, in memory"] = [comparable(read_product(production_shape(p))) for p in products]
    for form in ("json", "xml", "csv"):
        for shape in SHAPES:
            readings["%s %s file" % (shape, form)] = read_all(export_file(tmp_path, form, shape, products))
    for name, records in readings.items():
        assert records == expected, name
        assert [r.full_hash() for r in records] == [e.full_hash() for e in expected], name
    assert any(attributes for attributes in (record.attributes for record in expected))
    assert any('"' in record.name for record in expected), 'a bare quote (27") read back intact'


def test_production_json_has_plural_lists_and_string_scalars():
    product = next(p for p in CATALOGUE.products(0, 60) if p.get("accessory"))
    shaped = production_shape(product)
    assert {"supplierItems", "attributes", "attributeClusters", "accessories"} <= set(shaped)
    assert not {"supplierItem", "attribute", "attributeCluster", "accessory"} & set(shaped)
    offer = shaped["supplierItems"][0]
    assert isinstance(shaped["puid"], str) and re.fullmatch(r"\d+\.\d\d", offer["price"])
    assert offer["eolProduct"] in ("true", "false") and offer["stockStatus"].isdigit()
    assert isinstance(shaped["attributes"][0]["attributeTypeId"], int), "nested numbers stay numbers (EN)"
    assert read_product(shaped) == read_product(product)


@pytest.mark.parametrize("key", ["imageHighRes1", "image1"])
def test_first_image_under_its_api_21_or_older_name(key):
    product = {"puid": "10000000000", "productName": "X", key: "https://media.itscope.com/img/1.png"}
    assert read_product(product).image_url == "https://media.itscope.com/img/1.png"


def test_flattened_attributes_stand_in_for_a_missing_attribute_list():
    product = {
        "puid": "10000000000",
        "attributeTypeName1": "Farbe",
        "attributeValue1": "Blau",
        "attributeTypeName2": "Gewicht",
        "attributeValue2": "2 kg",
        "attributeTypeName5": "Formfaktor",
        "attributeValue5": '27"',
    }
    assert read_product(product).attributes == (("Farbe", "Blau"), ("Gewicht", "2 kg"), ("Formfaktor", '27"'))
    listed = {**product, "attributes": [{"attributeTypeName": "Farbe", "displayValue": "Dunkelblau"}]}
    assert read_product(listed).attributes == (("Farbe", "Dunkelblau"),), "a list, where there is one, wins"


# ------------------------------------------------------------
# CSV files as real exports write them
# ------------------------------------------------------------


def _tables(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _rows(text, dialect):
    return list(csv.reader(io.StringIO(text, newline=""), **dialect))


def _zip(path, tables):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in tables.items():
            archive.writestr(name, data)
    return path


_TAB = {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "quotechar": None}


def _rewritten(tables, delimiter, line_end, bom, link, rename=str):
    """ITscope's tab layout rewritten with another delimiter (quoted where needed), line end, BOM and link column."""
    out = {}
    for name, text in tables.items():
        buffer = io.StringIO()
        dialect = _TAB if delimiter == "\t" else {"delimiter": delimiter}
        writer = csv.writer(buffer, lineterminator=line_end, **dialect)
        for number, row in enumerate(_rows(text, _TAB)):
            writer.writerow([link if number == 0 and cell == "productId" else cell for cell in row])
        out[rename(name)] = (codecs.BOM_UTF8 if bom else b"") + buffer.getvalue().encode("utf-8")
    return out


def test_itscopes_own_csv_layout(tmp_path):
    tables = _tables(export_file(tmp_path, "csv", "production", CATALOGUE.products(0, 10)))
    assert "attribute.csv" not in tables and "attributeCluster.csv" not in tables, "attributes come flattened"
    product_header = tables["product.csv"].split("\n", 1)[0].split("\t")
    assert {"attributeTypeName1", "attributeValue1"} <= set(product_header)
    assert tables["supplierItem.csv"].startswith("productId\tid\t")
    assert "\r\n" not in tables["product.csv"] and '"' in tables["product.csv"]
    assert all(row[0].isdigit() for row in _rows(tables["product.csv"], _TAB)[1:]), "no value quoted"


@pytest.mark.parametrize(
    "delimiter, line_end, bom, link",
    [
        ("\t", "\r\n", True, "productId"),
        ("\t", "\n", False, "puid"),
        (",", "\r\n", False, "puid"),
        (",", "\n", True, "productId"),
        (";", "\r\n", True, "puid"),
        (";", "\n", False, "productId"),
    ],
)
def test_csv_variants_read_alike(tmp_path, delimiter, line_end, bom, link):
    products = list(CATALOGUE.products(0, 15))
    tables = _tables(export_file(tmp_path, "csv", "production", products))
    variant = _zip(tmp_path / "variant.zip", _rewritten(tables, delimiter, line_end, bom, link))
    assert read_all(variant) == [comparable(read_product(product)) for product in products]


def test_file_names_in_any_case_and_a_folder(tmp_path):
    products = list(CATALOGUE.products(0, 5))
    tables = _tables(export_file(tmp_path, "csv", "production", products))
    renamed = _rewritten(
        tables, "\t", "\n", False, "productId", rename=lambda name: "export/" + name[0].upper() + name[1:]
    )
    assert read_all(_zip(tmp_path / "renamed.zip", renamed)) == [comparable(read_product(p)) for p in products]


def test_unknown_files_and_columns_are_named_once_and_cost_nothing(tmp_path):
    products = list(CATALOGUE.products(0, 8))
    tables = _tables(export_file(tmp_path, "csv", "production", products))
    lines = tables["product.csv"].split("\n")
    lines = [lines[0] + "\twarehouseCode"] + [line + "\tW1" for line in lines[1:-1]] + [""]
    tables["product.csv"] = "\n".join(lines)
    tables["SupplierItemStock.csv"] = "productId\tstock\n"
    tables["scaledPriceInfo.csv"] = "supplierItemRefId\tscale\tprice\n"  # ITscope's own, left aside on purpose
    rows = list(iter_export(_zip(tmp_path / "more.zip", tables)))
    notices = [row for row in rows if isinstance(row, Notice)]
    assert [notice.reason for notice in notices] == [
        "The CSV export holds files the connector does not read: SupplierItemStock.csv.",
        "product.csv has columns the connector does not read: warehouseCode.",
    ]
    read = [comparable(read_product(row)) for row in rows if isinstance(row, dict)]
    assert read == [comparable(read_product(product)) for product in products]


def test_itscopes_export_log_names_each_product_it_left_out(tmp_path):
    tables = _tables(export_file(tmp_path, "csv", "production", CATALOGUE.products(0, 3)))
    tables["Log.csv"] += "10000999000\tProduct data incomplete\n"
    rows = list(iter_export(_zip(tmp_path / "log.zip", tables)))
    assert len([row for row in rows if isinstance(row, dict)]) == 3
    [logged] = [row for row in rows if isinstance(row, BadRow)]
    assert (logged.puid, logged.reason) == (
        "10000999000",
        "ITscope could not export this product: Product data incomplete",
    )


# ------------------------------------------------------------
# The sandbox and the client, in both shapes
# ------------------------------------------------------------


@pytest.fixture(scope="module", params=SHAPES)
def shaped(request):
    with running_sandbox(SandboxConfig(products=120, json_shape=request.param)) as running:
        yield request.param, running


def test_the_client_reads_both_shapes_alike(shaped):
    shape, (box, url) = shaped
    catalogue = catalogue_for(box)
    expected = {str(product["puid"]): read_product(product) for product in catalogue.products(0, 120)}
    with ItscopeClient("sandbox", "sandbox-key", base_url=url) as client:
        puids = list(expected)[:60]
        assert [read_product(p) for p in client.products_by_ids(puids)] == [expected[puid] for puid in puids]
        product = catalogue.product(int(puids[7]))
        assert read_product(client.product_by_ean(product["ean"])) == expected[puids[7]]
        found = [read_product(p) for p in client.search_products({"manufacturer": product["manufacturerId"]})]
        assert expected[puids[7]] in found and all(record == expected[record.puid] for record in found)
    answer = requests.get(url + "/products/id/%s/standard.json" % puids[0], auth=("sandbox", "sandbox-key"), timeout=10)
    assert ("supplierItems" in answer.json()["product"][0]) == (shape == "production")


def test_product_types_read_alike_in_both_shapes(shaped):
    shape, (box, url) = shaped
    with ItscopeClient("sandbox", "sandbox-key", base_url=url) as client:
        answer = client.product_types()
    assert isinstance(answer, dict) == (shape == "production"), "production answers {'productType': [...]}"
    types, problems = read_product_types(answer)
    expected, _problems = read_product_types(catalogue_for(box).product_types)
    assert problems == [] and types == expected and len(types) > 25
