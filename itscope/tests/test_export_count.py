"""Counting an export's products for an import's progress: the count is what the reader reads, in every format and
shape, and a file that is no export has no count."""

import zipfile

import pytest

from itscope import exports
from itscope.exports import count_products, iter_export
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.tests.test_exports import download


@pytest.fixture(scope="module", params=["production", "oas"])
def sandbox(request):
    with running_sandbox(SandboxConfig(products=60, json_shape=request.param)) as running:
        yield running


@pytest.mark.parametrize("form", ["json", "xml", "csv"])
@pytest.mark.parametrize("products", [60, 7])
def test_count_is_what_the_reader_reads(sandbox, tmp_path, form, products):
    _box, url = sandbox
    path = download(url, "standard", form, tmp_path, query="?products=%d" % products)
    assert count_products(path) == sum(1 for _row in iter_export(path)) == products


def test_cut_off_json_counts_what_is_read(sandbox, tmp_path):
    _box, url = sandbox
    path = download(url, "standard", "json", tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    assert count_products(path) == sum(1 for _row in iter_export(path))


def test_no_export_has_no_count(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    empty_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "no product.csv here")
    assert count_products(text) is None
    assert count_products(empty_zip) is None


@pytest.mark.parametrize("read_size", [3, 9, 10, 4096])
def test_xml_is_counted_by_its_start_tags_across_every_read(sandbox, tmp_path, monkeypatch, read_size):
    """The count reads the file in pieces; a ``<product>`` tag cut by a piece's end is counted once, in the next."""
    _box, url = sandbox
    path = download(url, "standard", "xml", tmp_path, query="?products=7")
    monkeypatch.setattr(exports, "_CHUNK", read_size)
    assert count_products(path) == 7


def test_a_utf16_xml_export_is_counted_by_reading_it(sandbox, tmp_path):
    _box, url = sandbox
    path = download(url, "standard", "xml", tmp_path, query="?products=7")
    text = path.read_bytes().decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    path.write_bytes(text.encode("utf-16-le"))  # no BOM: read as XML, its bytes no ASCII
    assert count_products(path) == sum(1 for _row in iter_export(path)) == 7
