"""Streaming readers for ITscope data exports (CSV in a ZIP, XML, JSON), in constant memory whatever the size.

:func:`iter_export` sniffs the format and yields, for every product in the file, either a product dict in the JSON
shape of the OpenAPI ``product`` schema (so :func:`itscope.products.read_product` reads it like an API answer) or a
:class:`BadRow` naming what could not be read. A bad CSV row costs only that product; a JSON or XML file that is cut
off or corrupt yields one BadRow saying where, after every product before that point.

CSV exports hold one file per element (``product.csv``, ``supplierItem.csv`` keyed by ``puid``,
``supplierPackagingInfo.csv`` and ``project.csv`` keyed by ``puid`` and ``supplierItemId``, ``attribute.csv``,
``accessory.csv``, …), each in the order of ``product.csv``; the reader walks them side by side (a merge join), so
it never holds more than one product's rows.
"""

import codecs
import csv
import io
import json
import re
import zipfile

from lxml import etree

_CHUNK = 1 << 20
_MAX_VALUE = 16 << 20  # characters one product may take in a JSON export; a longer one is taken for broken
_NOT_SPACE = re.compile(r"\S")
# JSON list key -> XML (wrapper, item) names, as in the OpenAPI ``xml`` annotations.
XML_LISTS = {
    "supplierItems": "supplierItem",
    "attributes": "attribute",
    "attributeClusters": "attributeCluster",
    "accessories": "accessory",
    "projects": "project",
    "contractParameters": "contractParameter",
    "scaledPriceInfos": "scaledPriceInfo",
    "historicalDataItems": "historicalDataItem",
    "keyContents": "keyContent",
}
# CSV child tables: file name -> (JSON key, parent key columns, list or single object).
_CSV_CHILDREN = {
    "supplierItem": ("supplierItem", ("puid",), list),
    "attribute": ("attribute", ("puid",), list),
    "attributeCluster": ("attributeCluster", ("puid",), list),
    "accessory": ("accessory", ("puid",), list),
}
_CSV_GRANDCHILDREN = {
    "supplierPackagingInfo": ("supplierPackagingInfo", dict),
    "project": ("project", list),
    "contractParameter": ("contractParameter", list),
}


class BadRow:
    """A product (or a stretch of the file) that could not be read: ``puid`` if known, and why."""

    def __init__(self, puid, reason):
        self.puid = puid
        self.reason = reason

    def __repr__(self):
        return "BadRow(%r, %r)" % (self.puid, self.reason)


def sniff_format(path):
    """``csv`` (a ZIP), ``xml`` or ``json`` from the first bytes of the file; ValueError when it is none of them."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(b"PK\x03\x04"):
        return "csv"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"<"):
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    raise ValueError("The file is neither an ITscope CSV export (a ZIP), nor XML, nor JSON.")


def iter_export(path):
    """Yield product dicts or :class:`BadRow` for every product of the export file at ``path``."""
    readers = {"csv": iter_csv_zip, "xml": iter_xml, "json": iter_json}
    return readers[sniff_format(path)](path)


# ------------------------------------------------------------
# JSON: {"product": [ {...}, {...} ]} (or a bare array), decoded one object at a time
# ------------------------------------------------------------


def iter_json(path):
    with open(path, encoding="utf-8-sig") as handle:
        yield from _JsonArrayStream(handle).products()


class _JsonArrayStream:
    """Walks the ``product`` array of a JSON export with ``raw_decode``, keeping only the unread text in memory.

    A position moves through the buffer, and the text behind it is dropped only when more is read: slicing the
    buffer after every product copied the rest of the window each time, a third of the reading time.
    """

    def __init__(self, handle):
        self.handle = handle
        self.buffer = ""
        self.pos = 0  # where reading goes on in ``buffer``
        self.offset = 0  # characters dropped before ``buffer``
        self.decoder = json.JSONDecoder()

    def _fill(self):
        chunk = self.handle.read(_CHUNK)
        self.offset += self.pos
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return bool(chunk)

    def _skip_space(self):
        while True:
            found = _NOT_SPACE.search(self.buffer, self.pos)
            if found:
                self.pos = found.start()
                return
            self.pos = len(self.buffer)
            if not self._fill():
                return

    def _at(self, token):
        return self.buffer.startswith(token, self.pos)

    def _expect(self, token):
        self._skip_space()
        if not self._at(token):
            raise ValueError("expected %r at character %d" % (token, self.offset + self.pos))
        self.pos += len(token)

    def _open_array(self):
        self._skip_space()
        if self._at("["):
            self._expect("[")
            return
        self._expect("{")
        while True:
            self._skip_space()
            key = self._decode()
            self._expect(":")
            if key == "product":
                self._expect("[")
                return
            self._skip_space()
            self._decode()  # another top-level key (e.g. "log"): read past it
            self._skip_space()
            if self._at(","):
                self._expect(",")
            else:
                raise ValueError("no \"product\" list in the JSON export")

    def _decode(self):
        """Decode the next JSON value, reading more of the file until it is complete (a value that is still not
        complete after _MAX_VALUE characters is broken: the file is not read to its end for it)."""
        while True:
            try:
                value, self.pos = self.decoder.raw_decode(self.buffer, self.pos)
                return value
            except json.JSONDecodeError:
                if len(self.buffer) - self.pos > _MAX_VALUE or not self._fill():
                    raise

    def products(self):
        try:
            self._open_array()
            self._skip_space()
            if self._at("]"):
                return
            while True:
                self._skip_space()
                start = self.offset + self.pos
                value = self._decode()
                yield value if isinstance(value, dict) else BadRow(None, "a product at character %d is not an object" % start)
                self._skip_space()
                if self._at(","):
                    self._expect(",")
                elif self._at("]"):
                    return
                else:
                    raise ValueError("expected ',' or ']' at character %d" % (self.offset + self.pos))
        except ValueError as exc:
            yield BadRow(None, "The JSON export is corrupt or cut off (%s); no product after that point was read." % exc)


# ------------------------------------------------------------
# XML: <products><product>…</product></products>, parsed element by element and cleared behind
# ------------------------------------------------------------


def iter_xml(path):
    with open(path, "rb") as handle:
        if b"<!DOCTYPE" in handle.read(4096):
            yield BadRow(None, "The XML export declares a DOCTYPE, which is refused for safety.")
            return
    parser = etree.iterparse(
        path, events=("end",), tag="product", resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        for _event, element in parser:
            if element.getparent() is not None and element.getparent().tag not in ("products", "productResponse"):
                continue  # a <product> nested in something else is not a catalogue entry
            yield _xml_to_dict(element)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        yield BadRow(None, "The XML export is corrupt or cut off (%s); no product after that point was read." % exc)


def _xml_to_dict(element):
    data = {}
    for child in element:
        if child.tag in XML_LISTS:
            data[XML_LISTS[child.tag]] = [_xml_to_dict(item) for item in child]
        elif len(child):
            data[child.tag] = _xml_to_dict(child)
        else:
            data[child.tag] = child.text
    return data


# ------------------------------------------------------------
# CSV in a ZIP: product.csv plus child tables in the same order, merged side by side
# ------------------------------------------------------------


class _Table:
    """A child CSV read alongside product.csv: yields the rows that belong to the current key, in order."""

    def __init__(self, handle, key_columns):
        self.reader = csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
        self.key_columns = key_columns
        self.pending = next(self.reader, None)

    def _key(self, row):
        return tuple(row.get(column) or "" for column in self.key_columns)

    def take(self, key):
        rows = []
        while self.pending is not None and self._key(self.pending) == key:
            rows.append(self.pending)
            self.pending = next(self.reader, None)
        return rows


def iter_csv_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        yield BadRow(None, "The CSV export is not a readable ZIP file (%s)." % exc)
        return
    with archive:
        names = {name.rsplit("/", 1)[-1].removesuffix(".csv"): name for name in archive.namelist()}
        if "product" not in names:
            yield BadRow(None, "The CSV export has no product.csv.")
            return
        children = {
            table: _Table(archive.open(names[table]), columns)
            for table, (_key, columns, _kind) in _CSV_CHILDREN.items()
            if table in names
        }
        grandchildren = {
            table: _Table(archive.open(names[table]), ("puid", "supplierItemId"))
            for table in _CSV_GRANDCHILDREN
            if table in names
        }
        products = csv.DictReader(io.TextIOWrapper(archive.open(names["product"]), encoding="utf-8-sig", newline=""))
        for line, row in enumerate(products, start=2):
            puid = (row.get("puid") or "").strip()
            if None in row or None in row.values():
                yield BadRow(puid or None, "product.csv line %d has a different number of columns than its header" % line)
                _take_children(puid, children, grandchildren)
                continue
            product = {key: value for key, value in row.items() if value != ""}
            product.update(_take_children(puid, children, grandchildren))
            yield product
        stray = [table for table, child in {**children, **grandchildren}.items() if child.pending is not None]
        if stray:
            yield BadRow(
                None,
                "Rows of %s belong to no product in the order of product.csv; they were not read." % ", ".join(stray),
            )


def _take_children(puid, children, grandchildren):
    nested = {}
    for table, child in children.items():
        json_key, _columns, _kind = _CSV_CHILDREN[table]
        rows = [_strip_keys(row, ("puid",)) for row in child.take((puid,))]
        if table == "supplierItem":
            for item in rows:
                for sub_table, grandchild in grandchildren.items():
                    sub_key, kind = _CSV_GRANDCHILDREN[sub_table]
                    sub_rows = [_strip_keys(r, ("puid", "supplierItemId")) for r in grandchild.take((puid, item.get("id", "")))]
                    if sub_rows:
                        item[sub_key] = sub_rows[0] if kind is dict else sub_rows
        nested[json_key] = rows
    return nested


def _strip_keys(row, keys):
    return {key: value for key, value in row.items() if key not in keys and value not in ("", None)}
