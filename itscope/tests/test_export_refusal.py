"""export_refusal: a file that is no ITscope export is refused at once, in words, before an import is queued."""

import io
import zipfile

import pytest

from itscope.exports import BadRow, export_refusal, iter_export

PRODUCT_CSV = "puid\tproductName\n1000\tNotebook\n"


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"%PDF-1.7 a random document", "neither an ITscope CSV export"),
        (b"\x00\x01\x02 binary noise", "neither an ITscope CSV export"),
        (_zip({"letter.docx": "x", "photo.jpg": "y"}), "holds no product.csv"),
        (_zip({"export/": ""}), "holds no product.csv, so it is no ITscope CSV export (it holds: nothing)"),
        (b"<?xml version='1.0'?><ORDER><HEADER/></ORDER>", "not <products>"),
        (b"<?xml version='1.0'?><!DOCTYPE products []><products/>", "DOCTYPE"),
        (b'{"orders": [1, 2]}', 'no "product" list'),
        (b'{"product": []}', "holds no product"),
        (b"[]", "holds no product"),
    ],
)
def test_files_that_are_no_export_are_refused_in_words(tmp_path, content, reason):
    path = tmp_path / "upload"
    path.write_bytes(content)
    refusal = export_refusal(str(path))
    assert refusal and reason in refusal
    assert str(tmp_path) not in refusal, "the server's paths stay out of messages"


@pytest.mark.parametrize(
    "content",
    [
        _zip({"export/Product.csv": PRODUCT_CSV, "readme.txt": "unknown files are only noted"}),
        b"<?xml version='1.0'?><products><product><puid>1000</puid><productName>N</productName></product></products>",
        b'{"product": [{"puid": "1000", "productName": "Notebook"}]}',
        b'{"product": [7, {"puid": "1000", "productName": "Notebook"}]}',  # a bad first entry costs that entry only
    ],
)
def test_exports_are_accepted(tmp_path, content):
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert export_refusal(str(path)) is None


def test_a_zip_without_product_csv_says_so_when_read(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(_zip({"supplierItem.csv": "productId\tsupplierId\n1000\t1\n"}))
    [row] = list(iter_export(str(path)))
    assert isinstance(row, BadRow) and row.fatal and row.puid is None
    assert (
        row.reason == "The ZIP file holds no product.csv, so it is no ITscope CSV export (it holds: supplierItem.csv)."
    )
