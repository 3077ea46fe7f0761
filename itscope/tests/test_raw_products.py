"""Raw products: every reader cuts each product's bytes out of the file with a digest of them, without parsing; the
digest follows the product's content (and the import settings), not its place in the file; parsing them gives what
the parsing readers give."""

import copy
import json
import zipfile

import pytest
from lxml import etree

from itscope import exports
from itscope.catalogue_rows import digest_seed, payload_digest
from itscope.exports import BadRow, RawProduct, iter_csv_zip, iter_export, iter_json, iter_raw, iter_xml
from itscope.sandbox.catalogue import Catalogue
from itscope.sandbox.products import export_chunks

CATALOGUE = Catalogue(seed=7, size=40, anchor=1_700_000_000 - 1_700_000_000 % 86_400)
SUFFIX = {"csv": "zip", "json": "json", "xml": "xml"}
PARSING_READERS = {"csv": iter_csv_zip, "json": iter_json, "xml": iter_xml}
FORMS = [("csv", "production"), ("json", "production"), ("xml", "production"), ("csv", "oas"), ("json", "oas")]


def _write(tmp_path, name, form, products, shape="production"):
    path = tmp_path / ("%s.%s" % (name, SUFFIX[form]))
    path.write_bytes(b"".join(export_chunks(form, "standard", products, shape)))
    return path


def _digests(path):
    """puid -> digest of every raw product of the file (the puid read from its parsed form)."""
    digests = {}
    for row in iter_raw(path):
        assert isinstance(row, RawProduct), row
        [product] = row.parse()
        digests[str(product["puid"])] = row.digest()
    return digests


def _changed_price(product):
    product = copy.deepcopy(product)
    product["supplierItem"][0]["price"] = round(product["supplierItem"][0]["price"] + 1, 2)
    return product


@pytest.mark.parametrize("form", ["csv", "json", "xml"])
def test_the_same_product_has_the_same_digest_wherever_it_stands(tmp_path, form):
    products = list(CATALOGUE.products(0, 12))
    first = _digests(_write(tmp_path, "first", form, products))
    # other neighbours, another order, another place in the file
    second = _digests(_write(tmp_path, "second", form, list(CATALOGUE.products(20, 25)) + products[::-1]))
    assert len(first) == 12 and len(second) == 17
    assert {puid: second[puid] for puid in first} == first
    assert len(set(second.values())) == 17, "different products, different digests"


@pytest.mark.parametrize("form", ["csv", "json", "xml"])
def test_a_changed_product_changes_its_digest_only(tmp_path, form):
    products = list(CATALOGUE.products(0, 10))
    before = _digests(_write(tmp_path, "before", form, products))
    changed = products[:4] + [_changed_price(products[4])] + products[5:]
    after = _digests(_write(tmp_path, "after", form, changed))
    differs = {puid for puid in before if before[puid] != after[puid]}
    assert differs == {str(products[4]["puid"])}


def test_one_changed_byte_changes_the_digest():
    raw = RawProduct(b'{"puid":"1","productName":"A"}', None, exports._parse_json, 0)
    other = RawProduct(b'{"puid":"1","productName":"B"}', None, exports._parse_json, 0)
    assert raw.digest() != other.digest()
    assert raw.digest() == RawProduct(raw.raw, None, exports._parse_json, 99).digest()


def test_the_import_settings_are_part_of_the_digest(tmp_path):
    [raw] = list(iter_raw(_write(tmp_path, "one", "json", CATALOGUE.products(0, 1))))
    seed, other = digest_seed(("price", ("1",))), digest_seed(("price_calc", ("1",)))
    assert payload_digest(seed, raw) == payload_digest(digest_seed(("price", ("1",))), raw)
    assert payload_digest(seed, raw) != payload_digest(other, raw)


@pytest.mark.parametrize("form, shape", FORMS)
def test_parsing_raw_products_gives_what_the_parsing_readers_give(tmp_path, form, shape):
    path = _write(tmp_path, "export", form, CATALOGUE.products(0, 25), shape)
    assert list(iter_export(path)) == list(PARSING_READERS[form](path))
    if (form, shape) != ("csv", "oas"):  # a quoted CSV export is left to the parsing reader
        assert all(isinstance(row, RawProduct) for row in iter_raw(path))


@pytest.mark.parametrize("form", ["csv", "json", "xml"])
def test_cutting_raw_products_parses_nothing(tmp_path, form, monkeypatch):
    path = _write(tmp_path, "export", form, CATALOGUE.products(0, 15))
    calls = []

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(exports.json, "loads", counted("json", json.loads))
    monkeypatch.setattr(exports.etree, "fromstring", counted("xml", etree.fromstring))
    monkeypatch.setattr(exports._RawCsvTable, "row", counted("csv", exports._RawCsvTable.row))
    monkeypatch.setattr(exports, "_xml_to_dict", counted("xml", exports._xml_to_dict))
    rows = list(iter_raw(path))
    assert len({row.digest() for row in rows}) == 15 and calls.count(form) == 0
    assert len(list(iter_raw(_write(tmp_path, "longer", form, CATALOGUE.products(0, 30))))) == 30
    assert calls.count(form) == 0
    rows[3].parse()
    assert calls.count(form) >= 1


def test_a_broken_json_product_is_refused_alone_with_its_reason(tmp_path):
    text = json.dumps({"product": list(CATALOGUE.products(0, 4))}, separators=(",", ":"))
    puid = '"puid":%s' % json.dumps(list(CATALOGUE.products(1, 2))[0]["puid"])
    broken = text.replace(puid, puid + ',"productName":"a",,', 1)
    path = tmp_path / "broken.json"
    path.write_text(broken)
    rows = list(iter_raw(path))
    assert len(rows) == 4 and all(isinstance(row, RawProduct) for row in rows)
    [bad] = rows[1].parse()
    assert isinstance(bad, BadRow) and not bad.fatal and "no valid JSON" in bad.reason and bad.puid in puid
    assert all(isinstance(row.parse()[0], dict) for row in rows[2:]), "the products after it are read"
    parsed = list(iter_export(path))  # a parser reading the whole file stops there, as it always did
    assert len(parsed) == 2 and parsed[-1].fatal and "corrupt or cut off" in parsed[-1].reason


def test_a_broken_xml_product_is_refused_alone_with_its_reason(tmp_path):
    body = b"".join(export_chunks("xml", "standard", CATALOGUE.products(0, 4)))
    pieces = body.split(b"<product>")
    pieces[2] = pieces[2].replace(b"<productName>", b"<productName><b>", 1)  # the second product: a tag never closed
    broken = b"<product>".join(pieces)
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    rows = list(iter_raw(path))
    assert len(rows) == 4
    [bad] = rows[1].parse()
    assert isinstance(bad, BadRow) and "no well-formed XML" in bad.reason and bad.puid
    assert all(isinstance(row.parse()[0], dict) for row in rows[2:])


def test_a_bad_csv_row_is_said_by_its_product_every_time(tmp_path):
    """A product whose offer row is broken parses to that row's BadRow and the product; its offers' rows are in its
    bytes, so the broken row makes its digest differ from the sound product's."""
    good = _write(tmp_path, "good", "csv", CATALOGUE.products(0, 5))
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    lines = members["supplierItem.csv"].split(b"\n")
    lines[2] += b"\tone too many"
    members["supplierItem.csv"] = b"\n".join(lines)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    rows, sound = list(iter_raw(broken)), list(iter_raw(good))
    differs = [
        index for index, (row, other) in enumerate(zip(rows, sound, strict=True)) if row.digest() != other.digest()
    ]
    assert len(differs) == 1
    parsed = rows[differs[0]].parse()
    assert isinstance(parsed[0], BadRow) and "supplierItem.csv line 3" in parsed[0].reason
    assert isinstance(parsed[-1], dict)


@pytest.mark.parametrize(
    "edit",
    [
        lambda line: line + b"\r",  # CRLF line ends
        lambda line: line.replace(b"\t", b'\t"27" Zoll" ', 1),  # bare quotes, as ITscope writes them
        lambda line: line.replace(b"\t", b"\tA\x00B", 1),  # a NUL byte
        lambda line: line.replace(b"\t", b"\tA\rB", 1),  # a lone carriage return inside a value
        lambda line: line.replace(b"\t", b"\t\xff", 1),  # a byte that is no UTF-8
        lambda line: line.replace(b"\t", b"\t\t", 1),  # a value too many
    ],
    ids=["crlf", "quotes", "nul", "cr", "latin1", "extra"],
)
def test_csv_rows_split_as_the_csv_module_reads_them(tmp_path, edit):
    """Raw CSV rows are split at tabs where that gives what ``csv.reader`` gives, and read by it otherwise: the
    products and BadRows equal the parsing reader's."""
    good = _write(tmp_path, "good", "csv", CATALOGUE.products(0, 6))
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name in ("product.csv", "supplierItem.csv"):
        lines = members[name].split(b"\n")
        lines[2:4] = [edit(line) for line in lines[2:4]]
        members[name] = b"\n".join(lines)
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(edited, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    parsed, reference = list(iter_export(edited)), list(iter_csv_zip(edited))
    assert [row for row in parsed if isinstance(row, dict)] == [row for row in reference if isinstance(row, dict)]
    if b"\r" not in edit(b"\t")[:-1]:
        assert [(row.puid, row.reason) for row in parsed if isinstance(row, BadRow)] == [
            (row.puid, row.reason) for row in reference if isinstance(row, BadRow)
        ]
    else:  # a lone CR: the parsing reader takes it for a line end (two bad rows), the raw one for a bad row
        assert [row.puid for row in parsed if isinstance(row, BadRow)] and all(
            "line 3" in row.reason or "line 4" in row.reason for row in parsed if isinstance(row, BadRow)
        )
