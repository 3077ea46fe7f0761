"""Hostile and unlucky input to the export readers and ``read_product`` (issue 16, parts 3 and 4).

A test per defect found, then properties over generated input (hypothesis): whatever a file holds, the readers
yield only product dicts and BadRows, ``read_products`` only records and problems, within bounds of time and memory,
and every value a record carries fits where the importer writes it.
"""

import io
import json
import math
import re
import struct
import time
import tracemalloc
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itscope import exports
from itscope.exports import BadRow, Notice, iter_export
from itscope.products import MAX_INTEGER, MAX_TEXT, read_product, read_products
from itscope.sandbox.catalogue import Catalogue
from itscope.sandbox.products import export_chunks, production_shape

CATALOGUE = Catalogue(seed=5, size=40, anchor=1_700_000_000 - 1_700_000_000 % 86_400)
FIVE = [production_shape(product) for product in CATALOGUE.products(0, 5)]
PROPERTY = settings(
    max_examples=1000,
    deadline=3000,  # ms per input: a reader that hangs fails here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


def _read(path):
    """``(records, problems)`` of a file as the importer reads it: nothing may raise."""
    records, problems = [], []

    def payloads():
        for row in iter_export(path):
            if isinstance(row, BadRow):
                problems.append((row.puid, row.reason))
            else:
                assert isinstance(row, dict)
                yield row

    for product, problem in read_products(payloads()):
        if problem:
            problems.append(problem)
        else:
            records.append(product)
    return records, problems


def _json_export(tmp_path, products):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"product": products}, ensure_ascii=False), encoding="utf-8")
    return path


# ------------------------------------------------------------
# One bad value costs its product or offer only
# ------------------------------------------------------------

_OFFER_VALUES = [
    ("price", "1e30", "price is not a valid amount"),
    ("price", 1e30, "price is not a valid amount"),
    ("stock", "Infinity", "stock is not a finite number"),
    ("stock", "99999999999", "stock is out of range"),
    ("stock", "1e5000", "stock is out of range"),
    ("stock", "1E+400000", "stock is out of range"),
    ("priceCalc", "1E+999999", "priceCalc is not a valid amount"),
    ("priceLastUpdate", "0001-01-01T00:00:00+01:00", "outside the years 1900 to 9999"),
    ("lastStockUpdate", "9999-12-31T23:59:59-05:00", "outside the years 1900 to 9999"),
    ("stockAvailabilityDate", "31.02.2026 10:00", "stockAvailabilityDate is not a date"),
    ("conditionId", "NaN", "conditionId is not a finite number"),
    ("supplierSKU", ["a", "list"], "supplierSKU is not text"),
]


@pytest.mark.parametrize("key, value, reason", _OFFER_VALUES, ids=["%s=%s" % (k, v) for k, v, _r in _OFFER_VALUES])
def test_a_bad_offer_value_costs_that_offer_only(tmp_path, key, value, reason):
    products = json.loads(json.dumps(FIVE))
    bad = products[2]["supplierItems"][0]
    bad[key] = value
    records, problems = _read(_json_export(tmp_path, products))
    assert [record.puid for record in records] == [product["puid"] for product in FIVE], "five products imported"
    expected = [read_product(product) for product in FIVE]
    assert records[:2] + records[3:] == expected[:2] + expected[3:], "four of them fully"
    assert records[2].offers == expected[2].offers[1:], "the fifth without its bad offer"
    [(offer_id, why)] = problems
    assert offer_id == bad["id"] and reason in why and products[2]["puid"] in why


def test_numbers_of_any_size_are_refused_in_constant_time():
    for text in ("1E+400000", "1E+999999", "9" * 4000, "-1e-999999999", 10**4000):
        started = time.perf_counter()
        product = read_product({"puid": "1", "supplierItems": [{"id": "2", "supplierId": "3", "stock": text}]})
        assert time.perf_counter() - started < 0.05, text
        assert not product.offers and "an offer of product 1 was not read: stock " in product.problems[0][1]


@pytest.mark.parametrize(
    "key, value, reason",
    [
        ("estimateGrossWeight", "NaN", "estimateGrossWeight is not a finite number"),
        ("estimateGrossWeight", "-3", "estimateGrossWeight is not a weight"),
        ("productName", "x" * (MAX_TEXT + 1), "productName is longer than"),
        ("manufacturerSKU", {"an": "object"}, "manufacturerSKU is not text"),
    ],
)
def test_a_bad_product_value_costs_that_product_only(tmp_path, key, value, reason):
    products = json.loads(json.dumps(FIVE))
    products[2][key] = value
    records, problems = _read(_json_export(tmp_path, products))
    assert records == [read_product(p) for p in FIVE[:2] + FIVE[3:]]
    assert problems == [(FIVE[2]["puid"], problems[0][1])] and reason in problems[0][1]


def test_nul_and_control_characters_never_reach_the_database():
    product = read_product(
        {
            "puid": "10000000000",
            "productName": "Note\x00book\x1b[31m X\x7f\x85\ud800",
            "longDescription": "line one\nline two\tindented\r\n",
            "supplierItems": [{"id": "1", "supplierId": "2", "supplierSKU": "AB\x00C-1"}],
        }
    )
    assert (product.name, product.offers[0].sku) == ("Notebook[31m X", "ABC-1")
    assert product.long_description == "line one\nline two\tindented", "tab and line breaks stay"


def test_an_unknown_availability_code_is_read_as_unknown_and_said(tmp_path):
    products = json.loads(json.dumps(FIVE))
    products[1]["supplierItems"][0]["stockStatus"] = "5"
    records, problems = _read(_json_export(tmp_path, products))
    assert records[1].offers[0].stock_status == 8 and len(records) == 5
    assert problems == [(products[1]["supplierItems"][0]["id"], problems[0][1])] and "stockStatus 5" in problems[0][1]


def test_a_5000_deep_json_value_costs_its_product_only(tmp_path):
    text = json.dumps({"product": FIVE}, separators=(",", ":"))
    puid = '"puid":"%s"' % FIVE[2]["puid"]
    deep = '"marketingText":' + "[" * 5000 + '"x", "]"' + "]" * 5000 + ","
    text = text.replace("{" + puid, "{" + deep + puid, 1)
    path = tmp_path / "deep.json"
    path.write_text(text)
    records, problems = _read(path)
    assert records == [read_product(p) for p in FIVE[:2] + FIVE[3:]]
    [(bad_puid, reason)] = problems
    assert bad_puid is None and "nested more deeply" in reason  # the puid comes after the deep value


def test_a_json_integer_of_5000_digits_costs_its_offer_only(tmp_path):
    products = json.loads(json.dumps(FIVE))
    products[1]["supplierItems"][0]["stock"] = "LONG"
    text = json.dumps({"product": products}).replace('"LONG"', "9" * 5000)
    path = tmp_path / "long.json"
    path.write_text(text)
    records, problems = _read(path)
    assert len(records) == 5 and len(problems) == 1 and "stock is not a number" in problems[0][1]


# ------------------------------------------------------------
# CSV in a ZIP
# ------------------------------------------------------------


def _csv_zip(tmp_path, edit=None, name="export.zip", compression=zipfile.ZIP_DEFLATED):
    """Five products in ITscope's CSV layout; ``edit(tables)`` changes the members (bytes) first."""
    source = io.BytesIO(b"".join(export_chunks("csv", "standard", CATALOGUE.products(0, 5), "production")))
    with zipfile.ZipFile(source) as archive:
        tables = {member: archive.read(member) for member in archive.namelist()}
    if edit:
        edit(tables)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression) as archive:
        for member, data in tables.items():
            archive.writestr(member, data)
    return path


def _edit_row(table, line, change):
    def edit(tables):
        lines = tables[table].split(b"\n")
        lines[line] = change(lines[line])
        tables[table] = b"\n".join(lines)

    return edit


def test_one_latin1_byte_costs_its_row_only(tmp_path):
    path = _csv_zip(tmp_path, _edit_row("product.csv", 3, lambda line: line.replace(b"\t", b"\tGr\xf6\xdfe ", 1)))
    records, problems = _read(path)
    assert len(records) == 4
    [(puid, reason)] = problems
    assert (
        puid == str(CATALOGUE.product(10000000000 + 2000)["puid"])
        and "product.csv line 4 holds bytes that are no UTF-8" in reason
    )


def test_a_latin1_file_is_read_as_such(tmp_path):
    def to_latin1(tables):
        for member, data in tables.items():
            tables[member] = data.decode("utf-8").encode("cp1252", errors="replace")

    records, problems = _read(_csv_zip(tmp_path, to_latin1))
    assert problems == [] and len(records) == 5
    assert any("ü" in record.name or "ä" in record.name or "ß" in record.long_description for record in records)


def test_a_200_kb_field_costs_its_row_only(tmp_path):
    path = _csv_zip(tmp_path, _edit_row("product.csv", 2, lambda line: line.replace(b"\t", b"\t" + b"x" * 200_000, 1)))
    records, problems = _read(path)
    assert len(records) == 4 and len(problems) == 1 and "product.csv line 3" in problems[0][1]


@pytest.mark.parametrize("limit", [131_072, 500 * 1024 * 1024], ids=["csv default", "as Odoo's server sets it"])
def test_a_long_row_is_bounded_whatever_the_csv_field_limit(tmp_path, limit):
    import csv

    previous = csv.field_size_limit(limit)
    try:
        path = _csv_zip(tmp_path, _edit_row("supplierItem.csv", 1, lambda line: line + b"y" * 3_000_000))
        tracemalloc.start()
        records, problems = _read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        csv.field_size_limit(previous)
    assert len(records) == 5 and len(problems) == 1 and "supplierItem.csv line 2" in problems[0][1]
    assert peak < 32 << 20, peak


def test_a_zip_bomb_is_refused_early_in_constant_memory(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("product.csv", "w", force_zip64=True) as member:
            member.write(b"puid\t")
            for _ in range(64):
                member.write(b"1" * (1 << 20))  # one 64 MB line, packed 1,000 times
    tracemalloc.start()
    started = time.perf_counter()
    rows = list(iter_export(path))
    elapsed, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(rows) == 1 and rows[0].fatal and "product.csv" in rows[0].reason and "ZIP bomb" in rows[0].reason
    assert elapsed < 0.5 and peak < 1 << 20


def test_a_member_claiming_a_gigabyte_is_refused_unread(tmp_path):
    data = bytearray(_csv_zip(tmp_path).read_bytes())
    central = data.find(b"PK\x01\x02")  # the first member, product.csv: claim 1 GB uncompressed
    data[central + 24 : central + 28] = struct.pack("<I", 1 << 30)
    path = tmp_path / "claims.zip"
    path.write_bytes(bytes(data))
    [row] = list(iter_export(path))
    assert row.fatal and "1073741824" in row.reason


def _patched(tmp_path, member_offset_field, value, compression=zipfile.ZIP_DEFLATED):
    """The five-product ZIP with a 2-byte header field of its first member (product.csv) set to ``value``, in the
    local header (offset given) and the central directory (the same field two bytes further on)."""
    data = bytearray(_csv_zip(tmp_path, compression=compression).read_bytes())
    data[member_offset_field : member_offset_field + 2] = struct.pack("<H", value)
    central = data.find(b"PK\x01\x02")
    data[central + member_offset_field + 2 : central + member_offset_field + 4] = struct.pack("<H", value)
    path = tmp_path / "patched.zip"
    path.write_bytes(bytes(data))
    return path


def test_an_encrypted_member_is_named(tmp_path):
    [row] = list(iter_export(_patched(tmp_path, 6, 0x1)))  # flag bit 0: encrypted
    assert row.fatal and "product.csv cannot be read" in row.reason and "encrypted" in row.reason


def test_an_unknown_compression_method_is_named(tmp_path):
    [row] = list(iter_export(_patched(tmp_path, 8, 99, compression=zipfile.ZIP_STORED)))
    assert row.fatal and "product.csv cannot be read" in row.reason and "compression method" in row.reason


def test_a_corrupt_member_ends_the_reading_where_it_breaks(tmp_path):
    path = tmp_path / "big.zip"
    path.write_bytes(b"".join(export_chunks("csv", "standard", Catalogue(1, 400, 0).products(), "production")))
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("product.csv")
    data = bytearray(path.read_bytes())
    broken = member.header_offset + 30 + len(member.filename) + 20 + member.compress_size * 3 // 4  # zip64 extra: 20
    data[broken : broken + 40] = b"\xff" * 40  # three quarters into product.csv's deflate stream
    path.write_bytes(bytes(data))
    rows = list(iter_export(path))
    assert rows[-1].fatal and "product.csv is corrupt at line" in rows[-1].reason
    assert len(rows) > 100 and all(isinstance(row, dict) for row in rows[:-1])


def test_a_cut_off_zip_is_not_a_zip(tmp_path):
    path = _csv_zip(tmp_path)
    path.write_bytes(path.read_bytes()[:-200])
    [row] = list(iter_export(path))
    assert row.fatal and "not a readable ZIP file" in row.reason


def test_a_child_table_out_of_order_is_said(tmp_path):
    def shuffle(tables):
        header, *rows = tables["supplierItem.csv"].rstrip(b"\n").split(b"\n")
        tables["supplierItem.csv"] = b"\n".join([header, *reversed(rows)]) + b"\n"

    records, problems = _read(_csv_zip(tmp_path, shuffle))
    assert problems and "belong to no product in the order of product.csv" in problems[-1][1]


# ------------------------------------------------------------
# XML
# ------------------------------------------------------------


def _xml(products=5):
    return b"".join(export_chunks("xml", "standard", CATALOGUE.products(0, products), "oas"))


def test_a_doctype_after_the_first_4_kb_is_refused(tmp_path):
    body = _xml()
    declaration, rest = body.split(b"\n", 1)
    path = tmp_path / "late.xml"
    path.write_bytes(
        declaration + b"\n<!--" + b" " * 5000 + b'-->\n<!DOCTYPE products [<!ENTITY x "injected">]>\n' + rest
    )
    [row] = list(iter_export(path))
    assert row.fatal and "DOCTYPE" in row.reason


def test_xml_nesting_is_bounded(tmp_path):
    body = _xml().replace(b"<productName>", b"<productName>" + b"<a>" * 300 + b"</a>" * 300, 1)
    path = tmp_path / "deep.xml"
    path.write_bytes(body)
    [row] = list(iter_export(path))
    assert row.fatal and "corrupt" in row.reason and "depth" in row.reason


def test_an_xml_that_is_no_product_list_is_said(tmp_path):
    path = tmp_path / "other.xml"
    path.write_bytes(b'<?xml version="1.0"?><ORDER xmlns="http://www.opentrans.org/XMLSchema/2.1"/>')
    [row] = list(iter_export(path))
    assert row.fatal and "not <products>" in row.reason


# ------------------------------------------------------------
# Properties over generated input
# ------------------------------------------------------------

_HOSTILE_TEXT = st.sampled_from(
    [
        "1e30", "1E+400000", "-1E+999999", "1e-5000", "NaN", "-Infinity", "inf", "99999999999", "0x1F", "1_000",
        "12.5", "-0", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2026-02-30", "31.12.1899 23:59",
        "\x00", "\ud800", "A\x00B", "\u202e", "٣", "true", "ja", "", " ", "9" * 50,
    ]
)  # fmt: skip
_SCALAR = st.one_of(
    _HOSTILE_TEXT,
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
_VALUE = _SCALAR | st.sampled_from([[], {}, ["1", ["2"]], {"a": "b"}, [{"x": [{}]}]])
_OFFER_KEYS = [
    "supplierSKU", "price", "priceCalc", "currencyCode", "stock", "stockStatus", "stockStatusText",
    "stockAvailabilityDate", "conditionId", "eolProduct", "specialOffer", "priceLastUpdate", "lastStockUpdate",
    "countryOfOrigin", "supplierPackagingInfo",
]  # fmt: skip
_PRODUCT_KEYS = [
    "productName", "ean", "manufacturerId", "manufacturerSKU", "productTypeId", "shortDescription",
    "longDescription", "estimateGrossWeight", "customsTariffNumber", "deeplink", "imageHighRes1", "image1",
    "attributeTypeName1", "attributeValue1", "standardHtmlDatasheet", "attributes", "accessories",
]  # fmt: skip


def _merged(base, extra):
    return {**base, **extra}


_ID = st.sampled_from(["40000000001", 40000000002, "4-1", "10000735"]) | _SCALAR
_OFFER = st.builds(
    _merged,
    st.fixed_dictionaries({"id": _ID, "supplierId": _ID}),
    st.dictionaries(st.sampled_from(_OFFER_KEYS), _VALUE, max_size=6),
)
_PRODUCT = st.builds(
    _merged,
    st.fixed_dictionaries({"puid": _ID, "supplierItems": st.lists(_OFFER, max_size=3) | _VALUE}),
    st.dictionaries(st.sampled_from(_PRODUCT_KEYS), _VALUE, max_size=6),
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_record(product):
    """Every value of a record fits where the importer writes it."""
    texts = [product.puid, product.name, product.ean, product.manufacturer_sku, product.long_description]
    texts += [text for pair in product.attributes for text in pair]
    for offer in product.offers:
        texts += [offer.offer_id, offer.distributor_id, offer.sku, offer.currency, offer.stock_text]
        for amount in (offer.price, offer.price_calc):
            assert amount is None or (amount.is_finite() and Decimal(0) <= amount < Decimal(10) ** 10)
        for number in (offer.stock, offer.min_qty, offer.packaging_qty, offer.condition_id):
            assert isinstance(number, int) and abs(number) <= MAX_INTEGER
        assert offer.stock_status in (1, 2, 3, 4, 6, 8)
        for moment in (offer.price_updated, offer.stock_updated):
            assert moment is None or (isinstance(moment, datetime) and moment.year >= 1900)
    assert all(isinstance(text, str) and len(text) <= MAX_TEXT and not _CONTROL.search(text) for text in texts)
    assert product.weight is None or (math.isfinite(product.weight) and 0 <= product.weight < 10**6)
    assert product.puid.replace("-", "").isdigit()
    product.full_hash()


@PROPERTY
@given(_PRODUCT)
def test_read_product_keeps_its_contract_on_any_product(data):
    try:
        product = read_product(data)
    except ValueError:
        return
    _check_record(product)
    for offer_id, reason in product.problems:
        assert isinstance(offer_id, str) and len(reason) < 500


def _cut(data, where):
    return data[: int(len(data) * where)]


def _mutations(base):
    """Byte-level damage to a file: cut it, flip a stretch, insert hostile text, or leave it."""
    return st.tuples(
        st.sampled_from(["cut", "flip", "insert", "none"]),
        st.floats(min_value=0, max_value=1),
        st.binary(min_size=1, max_size=40)
        | st.sampled_from(
            [b"[" * 3000, b"1e5000", b"9" * 5000, b"\x00", b"\xff\xfe", b"<!DOCTYPE x>", b'"\\ud800"', b"\t\t\t", b"\r"]
        ),
    ).map(lambda change: _mutated(base, *change))


def _mutated(base, kind, where, piece):
    at = int(len(base) * where)
    if kind == "cut":
        return base[:at]
    if kind == "flip":
        return base[:at] + piece + base[at + len(piece) :]
    if kind == "insert":
        return base[:at] + piece + base[at:]
    return base


def _reads_cleanly(path, data):
    path.write_bytes(data)
    try:
        records, problems = _read(path)
    except ValueError as exc:
        assert "neither an ITscope" in str(exc)  # sniffing: not an export at all
        return
    for record in records:
        _check_record(record)
    for _puid, reason in problems:
        assert isinstance(reason, str)


_JSON_BASE = json.dumps({"product": FIVE[:3]}, ensure_ascii=False).encode("utf-8")
_XML_BASE = _xml(3)
_ZIP_BASE = b"".join(export_chunks("csv", "standard", CATALOGUE.products(0, 3), "production"))


@PROPERTY
@given(_mutations(_JSON_BASE))
def test_the_json_reader_keeps_its_contract_on_damaged_files(tmp_path, data):
    _reads_cleanly(tmp_path / "export.json", data)


@PROPERTY
@given(st.lists(_PRODUCT, max_size=3))
def test_the_json_reader_keeps_its_contract_on_any_products(tmp_path, products):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"product": products}, default=str), encoding="utf-8", errors="surrogatepass")
    records, problems = _read(path)
    assert len(records) + len(problems) >= len(products)
    for record in records:
        _check_record(record)


@PROPERTY
@given(_mutations(_XML_BASE))
def test_the_xml_reader_keeps_its_contract_on_damaged_files(tmp_path, data):
    _reads_cleanly(tmp_path / "export.xml", data)


def _damaged_zip(tables, member, change, compression):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in tables.items():
            archive.writestr(name, change if name == member else data)
    return buffer.getvalue()


with zipfile.ZipFile(io.BytesIO(_ZIP_BASE)) as _archive:
    _ZIP_TABLES = {name: _archive.read(name) for name in _archive.namelist()}


@PROPERTY
@given(
    st.sampled_from(sorted(_ZIP_TABLES)).flatmap(
        lambda member: st.tuples(st.just(member), _mutations(_ZIP_TABLES[member]))
    ),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_the_csv_reader_keeps_its_contract_on_damaged_members(tmp_path, damage, compression):
    member, data = damage
    _reads_cleanly(tmp_path / "export.zip", _damaged_zip(_ZIP_TABLES, member, data, compression))


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_corrupt_stream_in_any_compression_is_named(tmp_path, compression):
    data = bytearray(_damaged_zip(_ZIP_TABLES, None, None, compression))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member = archive.getinfo("supplierItem.csv")
    middle = member.header_offset + 30 + len(member.filename) + member.compress_size // 2
    data[middle : middle + 16] = b"\x00\xff" * 8
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(data))
    rows = list(iter_export(path))
    assert rows[-1].fatal and "supplierItem.csv" in rows[-1].reason, rows[-1]


@PROPERTY
@given(_mutations(_ZIP_BASE))
def test_the_csv_reader_keeps_its_contract_on_damaged_archives(tmp_path, data):
    _reads_cleanly(tmp_path / "export.zip", b"PK\x03\x04" + data[4:])


def test_notices_are_no_problems_of_a_product():
    assert issubclass(Notice, BadRow) and not Notice("x").fatal and Notice("x").puid is None
    assert exports.MAX_ROW >= MAX_TEXT
