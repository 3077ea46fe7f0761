"""Export readers: every format in every shape yields the same products as the API, bad rows are reported, memory
stays flat."""

import json
import tracemalloc
import zipfile

import pytest

from itscope import exports
from itscope.client import ItscopeClient
from itscope.exports import BadRow, iter_export, sniff_format
from itscope.products import read_product
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.catalogue import catalogue_for
from itscope.sandbox.products import EXPORTS
from itscope.tests.minutes import comparable

EXPORT_IDS = {(view, form): export_id for export_id, (view, form) in EXPORTS.items()}


@pytest.fixture(scope="module", params=["production", "oas"])
def sandbox(request):
    """A sandbox serving the shape production integrators observed, and one serving the OpenAPI's."""
    with running_sandbox(SandboxConfig(products=120, json_shape=request.param)) as running:
        yield running


def download(url, view, form, tmp_path, query="", name=None):
    target = tmp_path / (name or "%s.%s" % (view, form))
    with ItscopeClient("sandbox", "sandbox-key", base_url=url) as client, open(target, "wb") as handle:
        client.download_export(url + "/products/exports/" + EXPORT_IDS[(view, form)] + query, handle)
    return target


@pytest.mark.parametrize("form", ["json", "xml", "csv"])
def test_each_format_reads_like_the_api(sandbox, tmp_path, form):
    box, url = sandbox
    path = download(url, "standard", form, tmp_path)
    assert sniff_format(path) == form
    rows = list(iter_export(path))
    assert not [row for row in rows if isinstance(row, BadRow)]
    expected = [comparable(read_product(product)) for product in catalogue_for(box).products()]
    assert [comparable(read_product(row)) for row in rows] == expected


@pytest.mark.parametrize("form", ["json", "xml", "csv"])
def test_update_view_carries_prices_and_stock(sandbox, tmp_path, form):
    _box, url = sandbox
    rows = list(iter_export(download(url, "standardUpdate", form, tmp_path)))
    product = read_product(rows[0])
    assert product.offers and all(offer.price is not None for offer in product.offers)


def test_cut_off_json_keeps_what_came_before_and_says_so(sandbox, tmp_path):
    _box, url = sandbox
    path = download(url, "standard", "json", tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    rows = list(iter_export(path))
    assert isinstance(rows[-1], BadRow) and "cut off" in rows[-1].reason
    assert 10 < len(rows) - 1 < 120
    assert all(isinstance(row, dict) for row in rows[:-1])


def test_broken_json_product_is_not_read_to_the_end_of_the_file(sandbox, tmp_path, monkeypatch):
    """A product that never closes ends the reading after a bounded window, not after the rest of the file."""
    monkeypatch.setattr(exports, "_MAX_VALUE", 1 << 20)
    _box, url = sandbox
    good = json.loads(download(url, "standard", "json", tmp_path).read_text())["product"]
    never_closed = '{"puid": 1, "productName": "never closed", "x": [' + "1," * 20_000_000  # 40 MB
    path = tmp_path / "broken.json"
    path.write_text('{"product":' + json.dumps(good[:2])[:-1] + "," + never_closed + "1")
    count, peak = _peak_reading(path)
    assert count == 3  # the two products before it and one BadRow
    rows = list(iter_export(path))
    assert rows[:2] == good[:2] and isinstance(rows[2], BadRow) and "corrupt or cut off" in rows[2].reason
    assert peak < path.stat().st_size / 2, (peak, path.stat().st_size)


def test_cut_off_xml_keeps_what_came_before_and_says_so(sandbox, tmp_path):
    _box, url = sandbox
    path = download(url, "standard", "xml", tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    rows = list(iter_export(path))
    assert isinstance(rows[-1], BadRow) and "cut off" in rows[-1].reason
    assert all(isinstance(row, dict) for row in rows[:-1]) and len(rows) > 10


def test_xml_with_doctype_is_refused(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><products/>')
    rows = list(iter_export(path))
    assert len(rows) == 1 and "DOCTYPE" in rows[0].reason


def test_bad_csv_row_costs_only_its_product(sandbox, tmp_path):
    _box, url = sandbox
    path = download(url, "standard", "csv", tmp_path, query="?products=5")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    text = members["product.csv"].decode()
    line_end, delimiter = ("\r\n", ",") if "\r\n" in text else ("\n", "\t")
    lines = text.split(line_end)
    lines[2] += delimiter + "one too many"
    members["product.csv"] = line_end.join(lines).encode()
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    rows = list(iter_export(broken))
    bad = [row for row in rows if isinstance(row, BadRow)]
    assert len(rows) == 5 and len(bad) == 1
    assert "line 3" in bad[0].reason and bad[0].puid
    good = [read_product(row) for row in rows if isinstance(row, dict)]
    assert all(product.offers for product in good), "the other products keep their offers"


def test_not_an_export(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match="neither"):
        iter_export(path)


def _peak_reading(path):
    tracemalloc.start()
    try:
        count = sum(1 for _row in iter_export(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_json_memory_stays_flat_over_a_large_export(sandbox, tmp_path):
    """Reading 20,000 products takes about the memory of reading 2,000: the file is never held, only a window."""
    _box, url = sandbox
    small = download(url, "standard", "json", tmp_path, query="?products=2000", name="small.json")
    large = download(url, "standard", "json", tmp_path, query="?products=20000", name="large.json")
    count_small, peak_small = _peak_reading(small)
    count_large, peak_large = _peak_reading(large)
    assert (count_small, count_large) == (2000, 20000)
    assert peak_large < 1.5 * peak_small + (2 << 20), (peak_small, peak_large)
    assert peak_large < large.stat().st_size / 4, (peak_large, large.stat().st_size)
