"""``python -m itscope``: the commands support staff and the demo use, run as real processes."""

import contextlib
import json
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import pytest

from itscope.sandbox.catalogue import Catalogue
from itscope.sandbox.products import export_chunks

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "opentrans" / "samples"
DATA = pathlib.Path(__file__).resolve().parent / "data"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "itscope", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="ITscope's sample documents are read from ../shared, absent here")
def test_opentrans_parse_prints_the_invoice_as_json():
    result = run_cli("opentrans", "parse", str(SAMPLES / "itscope_INVOICE.xml"))
    assert result.returncode == 0, result.stderr
    invoice = json.loads(result.stdout)
    assert invoice["type"] == "INVOICE"
    assert (invoice["totals"]["net"], invoice["totals"]["extra_total"], invoice["totals"]["total"]) == (
        "1401.0",
        "10.9",
        "1678.09",
    )
    assert [line["order_reference"]["line_id"] for line in invoice["lines"]]


def test_opentrans_parse_refuses_a_doctype_with_a_clear_message():
    result = run_cli("opentrans", "parse", str(DATA / "doctype_entity.xml"))
    assert result.returncode == 2
    assert "DOCTYPE" in result.stderr and result.stdout == ""


@contextlib.contextmanager
def sandbox_process(*options):
    """``python -m itscope sandbox`` on a free port with ``options``; yields a function GETting a path of its API."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "itscope", "sandbox", "--port", str(port), "--products", "20", "--api-key", "k"]
    process = subprocess.Popen(
        [*command, *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def get(path):
        request = urllib.request.Request("http://127.0.0.1:%d/2.1/%s" % (port, path))
        request.add_header("Authorization", "Basic c2FuZGJveDpr")  # sandbox:k
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    return response.read()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    try:
        assert "ITscope sandbox on http://127.0.0.1:%d/2.1" % port in process.stdout.readline()
        yield get
    finally:
        process.terminate()
        process.wait(10)


def test_sandbox_command_serves_the_api():
    with sandbox_process() as get:
        assert b"API access" in get("info/quota")


@pytest.mark.parametrize("options, list_key", [((), "supplierItems"), (("--json-shape", "oas"), "supplierItem")])
def test_sandbox_command_serves_the_json_shape_asked_for(options, list_key):
    with sandbox_process(*options) as get:
        product = json.loads(get("products/id/10000000000/standard.json"))["product"][0]
    assert list_key in product and isinstance(product["puid"], str) == (list_key == "supplierItems")


# ------------------------------------------------------------
# export read
# ------------------------------------------------------------

CATALOGUE = Catalogue(seed=1, size=30, anchor=1_700_000_000 - 1_700_000_000 % 86_400)


def _export(tmp_path, form, shape="production", products=6):
    path = tmp_path / ("%s-%s.%s" % (shape, form, form))
    path.write_bytes(b"".join(export_chunks(form, "standard", CATALOGUE.products(0, products), shape)))
    return path


@pytest.mark.parametrize("form, shape", [("csv", "production"), ("csv", "oas"), ("json", "production"), ("xml", "oas")])
def test_export_read_prints_each_product_as_the_importer_sees_it(tmp_path, form, shape):
    result = run_cli("export", "read", str(_export(tmp_path, form, shape)))
    assert (result.returncode, result.stderr) == (0, "")
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    products = list(CATALOGUE.products(0, 6))
    assert [p["puid"] for p in printed] == [str(p["puid"]) for p in products]
    first, source = printed[0], products[0]
    assert (first["name"], first["ean"], first["manufacturer_sku"]) == (
        source["productName"],
        source["ean"],
        source["manufacturerSKU"],
    )
    assert first["attributes"][0] == {
        "name": source["attribute"][0]["attributeTypeName"],
        "value": source["attribute"][0]["displayValue"],
    }
    offer, item = first["offers"][0], source["supplierItem"][0]
    assert set(offer) == {
        "offer_id", "distributor_id", "sku", "price", "price_calc", "currency", "stock", "stock_status",
        "condition_id", "availability_date",
    }  # fmt: skip
    assert (offer["offer_id"], offer["sku"], offer["stock"]) == (str(item["id"]), item["supplierSKU"], item["stock"])
    assert offer["price"] == "%.2f" % item["price"], "amounts as decimal strings"


def test_export_read_reports_bad_rows_with_their_id_and_exits_1(tmp_path):
    path = _export(tmp_path, "json", products=3)
    data = json.loads(path.read_text())
    data["product"][1]["supplierItems"][0]["price"] = "1e30"
    data["product"][2]["puid"] = "not-an-id"
    path.write_text(json.dumps(data))
    result = run_cli("export", "read", str(path))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2, "the product with the bad offer keeps its other offers"
    offer_id = data["product"][1]["supplierItems"][0]["id"]
    assert (
        "%s: an offer of product %s was not read: price is not a valid amount" % (offer_id, data["product"][1]["puid"])
        in result.stderr
    )
    assert "missing or malformed product id" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (b"hello", "neither an ITscope CSV export"),
        (b"PK\x03\x04 not really a zip", "not a readable ZIP file"),
        (b'<?xml version="1.0"?><!DOCTYPE products [<!ENTITY x "y">]><products/>', "DOCTYPE"),
        (b'{"product": [{"puid": "1", "productName": "cut', "corrupt or cut off"),
    ],
)
def test_export_read_exits_2_on_an_unusable_file(tmp_path, content, message):
    path = tmp_path / "export.bin"
    path.write_bytes(content)
    result = run_cli("export", "read", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_export_read_notes_what_it_left_aside_without_failing(tmp_path):
    path = _export(tmp_path, "csv", products=2)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("SupplierItemStock.csv", "productId\tstock\n")
    result = run_cli("export", "read", str(path))
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    assert result.stderr == "note: The CSV export holds files the connector does not read: SupplierItemStock.csv.\n"
