"""Counting an export's products for an import's progress: the count is what the reader reads, in every format and
shape, and a file that is no export has no count."""

import zipfile

import pytest

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
