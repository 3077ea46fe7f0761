"""Streaming readers for ITscope data exports (CSV in a ZIP, XML, JSON), in bounded memory whatever the file holds.

:func:`iter_export` sniffs the format and yields, for every product in the file, either a product dict in one of the
JSON shapes :func:`itscope.products.read_product` reads, or a :class:`BadRow` saying what could not be read and
where. Nothing inside a file makes a reader raise:

- a bad CSV row (another number of values than its header names, bytes that are no text in the file's encoding, a
  row over ``MAX_ROW`` characters or a value over ``MAX_TEXT``) costs only its product, or the offer it describes;
- a JSON product nested deeper than Python decodes costs only that product;
- a JSON or XML file that is cut off or corrupt, and a ZIP member that cannot be read (encrypted, compressed in a way
  Python does not know, corrupt, or a bomb: over ``MAX_MEMBER`` bytes, or packed more than ``MAX_RATIO`` times) end
  the reading with one BadRow whose ``fatal`` is set, naming the place, after every product before that point;
- an XML export that declares a DOCTYPE (wherever before its root) is refused whole.

What a CSV export holds that the reader does not read (files, columns) is named once, in a :class:`Notice`.

CSV exports. ITscope's ``standard`` export (API 2.1) is a ZIP of tab-separated files with a header row and no quoting
(a value may hold a bare ``"``, as in ``27"``): ``product.csv``, with the product type's attributes flattened into
``attributeTypeName1..5`` / ``attributeValue1..5``, and ``supplierItem.csv``, whose ``productId`` column holds the
product's puid; further tables (``supplierPackagingInfo``, ``project``, ``contractParameter``, linked to an offer by
``productId`` and ``supplierItemId``; ``attribute``, ``attributeCluster``, ``accessory``) may come along. Older
exports are comma- or semicolon-separated with quoting and link by ``puid``. So for each file the reader takes the
delimiter from its header row (tab means no quoting, unless the header itself is quoted), the encoding from its first
64 KB (see :func:`_encoding`), ``productId`` or ``puid`` as the link, and file names regardless of case. Every table
lists its rows in the order of ``product.csv``; the reader walks them side by side (a merge join), so it never holds
more than one product's rows. ``Log.csv``, ITscope's own list (``id,cause``) of products it could not export, becomes
a BadRow per entry.
"""

import codecs
import csv
import io
import json
import lzma
import re
import zipfile
import zlib

from lxml import etree

from .products import MAX_TEXT

_CHUNK = 1 << 20
_MAX_VALUE = 16 << 20  # characters one product may take in a JSON export; a longer one is taken for broken
MAX_ROW = 1 << 20  # characters of one CSV row (all its lines); a longer row is a bad row, read past in pieces
MAX_MEMBER = 8 << 30  # bytes a ZIP member may unpack to: several times ITscope's largest export (800,000 products)
MAX_RATIO = 200  # times a member larger than _RATIO_FLOOR may be packed; CSV text packs about ten times
_RATIO_FLOOR = 16 << 20
_SNIFF = 64 << 10  # bytes of a CSV member looked at for its encoding
_NOT_SPACE = re.compile(r"\S")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes the codec could not decode, kept by "surrogateescape"
_NOT_ASCII = re.compile("[^\x00-\x7f]")
_PUID_IN_JSON = re.compile(r'"puid"\s*:\s*"?(\d{1,20})')
_JSON_QUOTE_OR_BRACKET = re.compile(r'["\[\]{}]')
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_XML_ROOTS = ("products", "productResponse")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,  # a compression method Python does not know
    RuntimeError,  # an encrypted member
    UnicodeDecodeError,
)
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
# CSV tables read besides product.csv, by lower-case file name: children name their product by a _PRODUCT_LINKS
# column, grandchildren their offer by that and ``supplierItemId``.
_CHILDREN = {
    "supplieritem": "supplierItem",
    "attribute": "attribute",
    "attributecluster": "attributeCluster",
    "accessory": "accessory",
}
_GRANDCHILDREN = {
    "supplierpackaginginfo": ("supplierPackagingInfo", dict),
    "project": ("project", list),
    "contractparameter": ("contractParameter", list),
}
_PRODUCT_LINKS = ("productId", "puid")
_OFFER_LINK = "supplierItemId"
# ITscope tables the connector leaves aside on purpose (never named as unknown).
_IGNORED_TABLES = frozenset(("scaledpriceinfo", "keycontent", "historicaldataitem"))
_LINK_COLUMNS = frozenset(_PRODUCT_LINKS + (_OFFER_LINK,))
# The columns ITscope documents per table (the OpenAPI schemas' fields, plus ``image1`` of older data and
# ``productNameWithManufacturer`` of production answers); any other column is named in a Notice.
_KNOWN_COLUMNS = {
    "product": frozenset(
        """puid ean manufacturerSKU icecatId cnetId bechlemId eClass eClassV7 customsTariffNumber UNSPSC manufacturerId
        manufacturerName productName productNameWithManufacturer shortDescription longDescription productTypeId
        productTypeGroupId productTypeGroupName productTypeName attributeTypeId1 attributeTypeName1 attributeTypeId2
        attributeTypeName2 attributeTypeId3 attributeTypeName3 attributeTypeId4 attributeTypeName4 attributeTypeId5
        attributeTypeName5 attributeValue1 attributeValue2 attributeValue3 attributeValue4 attributeValue5
        productSubTypeId productSubType productLineId productLine productModel colorFamilyId colorFamily
        estimateGrossWeight grossDimX grossDimY grossDimZ combinedLengthAndGirth netWeight netDimX netDimY netDimZ
        valueAddedTaxGermany deeplink standardHtmlDatasheet standardPdfDatasheet manufacturerSite manufacturerDatasheet
        imageThumb imageThumbWidth imageThumbHeight image1 imageHighRes1 imageWidth1 imageHeight1 image2 imageWidth2
        imageHeight2 image3 imageWidth3 imageHeight3 image4 imageWidth4 imageHeight4 image5 imageWidth5 imageHeight5
        energyLabel energyEfficiencyClass entryDate rank qualification warrantyText marketingText keySellingPoints
        packageContents productFeatures htmlMainSpecs htmlSpecs recommendedRetailPriceNet price priceCalc currencyCode
        priceCalcVat priceLastUpdate priceSupplierId priceSupplierName priceSupplierItemId priceSupplierSKU
        stockSupplierText stockStatus stockStatusText stock externalStock incomingStock stockAvailabilityDate
        stockLastUpdate aggregatedStatus aggregatedStatusText aggregatedStock aggregatedSupplierItems contractTypeId
        contractTypeName priceBillingPeriod priceBillingPeriodUnit priceSubscriptionPeriod
        priceSubscriptionPeriodUnit""".split()
    ),
    "supplieritem": frozenset(
        """id ean manufacturerSKU supplierSKU supplierId supplierName manufacturerName productName longDescription
        conditionId conditionName eolProduct matchQuality eanValid specialOffer promotion vat copyrightLevy
        customsTariffNumber countryOfOrigin grossDimX grossDimY grossDimZ warrantyText deeplink
        recommendedRetailPriceNet price priceCalc currencyCode priceCalcVat priceLastUpdate stockSupplierText
        stockStatus stockStatusText stock externalStock incomingStock stockAvailabilityDate lastStockUpdate
        contractTypeId contractTypeName priceBillingPeriod priceBillingPeriodUnit priceSubscriptionPeriod
        priceSubscriptionPeriodUnit weeeRegNo""".split()
    ),
    "project": frozenset(
        """supplierProjectId manufacturerProjectId projectName endCustomer price validFrom validTo targetQuantity
        remainingQuantity minQuantity projectLastUpdate""".split()
    ),
    "supplierpackaginginfo": frozenset(
        """contentUnit intervalQuantity minQuantity numberContentUnitPerOrderUnit orderUnit priceQuantity
        supplierPackingQuantity""".split()
    ),
    "contractparameter": frozenset("displayName orderParameterName mandatory example".split()),
    "attribute": frozenset(
        """value displayValue attributeTypeId attributeTypeName attributeTypeRank attributeTypeGroupId
        attributeTypeGroupName""".split()
    ),
    "attributecluster": frozenset(
        "id productTypeId productTypeName attributeTypeName attributeTypeGroupName name rank".split()
    ),
    "accessory": frozenset("referencedProductId typeId type".split()),
    "log": frozenset(("id", "cause")),
}


class BadRow:
    """A product (or a stretch of the file) that could not be read: ``puid`` if known, and why. ``fatal``: the
    reading ended here, nothing after this point of the file was read."""

    def __init__(self, puid, reason, fatal=False):
        self.puid = puid
        self.reason = reason
        self.fatal = fatal

    def __repr__(self):
        return "%s(%r, %r%s)" % (type(self).__name__, self.puid, self.reason, ", fatal=True" if self.fatal else "")


class Notice(BadRow):
    """A part of the file the reader left aside (an unknown file or column) that costs no product: a note for the
    sync run, not an error."""

    def __init__(self, reason):
        super().__init__(None, reason)


class _Unreadable(Exception):
    """A part of the file that ends the reading (its message says which and why)."""


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


def export_refusal(path, patience=100):
    """Why the file at ``path`` is no ITscope export, or None; read only up to its first product (or ``patience``
    entries that are none), so a file can be refused at once, before an import is queued for it. Refused: a file that
    is no ZIP, XML or JSON; a ZIP without ``product.csv``; an XML export with a DOCTYPE or another root; a JSON file
    without a product list; a file that holds no product at all."""
    try:
        rows = iter_export(path)
    except ValueError as exc:
        return str(exc)
    try:
        for read, row in enumerate(rows, start=1):
            if isinstance(row, BadRow) and row.fatal:
                return row.reason
            if not isinstance(row, BadRow) or read >= patience:
                return None
        return "The file holds no product."
    finally:
        rows.close()


def count_products(path):
    """How many entries an import of the export at ``path`` reads (its products, and its rows that are none), for
    the import's progress; None when the file cannot be read. A CSV export's product.csv is counted alone, without
    its linked tables; an XML or JSON export is read through once."""
    try:
        if sniff_format(path) == "csv":
            with zipfile.ZipFile(path) as archive:
                return sum(1 for _row in _CsvTable(archive, _CsvExport(archive).members["product"], "product"))
        return sum(1 for _entry in iter_export(path))
    except (*_ZIP_ERRORS, KeyError, ValueError, _Unreadable):
        return None


# ------------------------------------------------------------
# JSON: {"product": [ {...}, {...} ]} (or a bare array), decoded one object at a time
# ------------------------------------------------------------


def iter_json(path):
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as handle:
        yield from _JsonArrayStream(handle).products()


def _long_int(text):
    """A JSON integer, kept as its text when it is longer than any id or amount (Python refuses to convert more
    than 4,300 digits; the product reader bounds numbers anyway)."""
    return int(text) if len(text) <= 20 else text


class _TooDeep(ValueError):
    """A JSON value nested deeper than Python's recursion allows to decode."""


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

    def _more(self, start):
        """Read on while the value that began at character ``start`` is shorter than _MAX_VALUE."""
        if self.offset + len(self.buffer) - start > _MAX_VALUE or not self._fill():
            raise ValueError("the value at character %d does not end" % start)

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
                raise ValueError('no "product" list in the JSON export')

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
            except RecursionError:
                raise _TooDeep("nested too deeply at character %d" % (self.offset + self.pos)) from None
            except ValueError:  # an integer of over 4,300 digits: decode the rest of the file keeping long ones as text
                if self.decoder.parse_int is _long_int:
                    raise
                self.decoder = json.JSONDecoder(parse_int=_long_int)

    def _skip_value(self):
        """Move past the array or object at ``pos`` without decoding it: brackets counted, strings stepped over."""
        start, depth = self.offset + self.pos, 0
        while True:
            found = _JSON_QUOTE_OR_BRACKET.search(self.buffer, self.pos)
            if found is None:
                self.pos = len(self.buffer)
                self._more(start)
                continue
            if found.group() == '"':
                rest = _JSON_STRING_REST.match(self.buffer, found.end())
                if rest is None:  # the string goes on in text not read yet
                    self.pos = found.start()
                    self._more(start)
                    continue
                self.pos = rest.end()
                continue
            self.pos = found.end()
            depth += 1 if found.group() in "[{" else -1
            if depth <= 0:
                return

    def products(self):
        try:
            self._open_array()
            self._skip_space()
            if self._at("]"):
                return
            while True:
                self._skip_space()
                start = self.offset + self.pos
                try:
                    value = self._decode()
                except _TooDeep:
                    puid = _PUID_IN_JSON.search(self.buffer, self.pos, self.pos + 4096)
                    self._skip_value()
                    value = BadRow(
                        puid and puid.group(1),
                        "The product at character %d is nested more deeply than the reader follows; it was not read."
                        % start,
                    )
                yield (
                    value
                    if isinstance(value, (dict, BadRow))
                    else BadRow(None, "a product at character %d is not an object" % start)
                )
                self._skip_space()
                if self._at(","):
                    self._expect(",")
                elif self._at("]"):
                    return
                else:
                    raise ValueError("expected ',' or ']' at character %d" % (self.offset + self.pos))
        except ValueError as exc:
            yield BadRow(
                None,
                "The JSON export is corrupt or cut off (%s); no product after that point was read." % exc,
                fatal=True,
            )


# ------------------------------------------------------------
# XML: <products><product>…</product></products>, parsed element by element and cleared behind
# ------------------------------------------------------------

_XML_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,  # also bounds the nesting depth (256) and a text node's size (10 MB)
    "remove_comments": True,
    "remove_pis": True,
}


def iter_xml(path):
    refusal = _xml_refusal(path)
    if refusal:
        yield BadRow(None, refusal, fatal=True)
        return
    parser = etree.iterparse(path, events=("end",), tag="product", **_XML_OPTIONS)
    try:
        for _event, element in parser:
            if element.getparent() is not None and element.getparent().tag not in _XML_ROOTS:
                continue  # a <product> nested in something else is not a catalogue entry
            yield _xml_to_dict(element)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except (etree.LxmlError, OSError) as exc:
        yield BadRow(
            None, "The XML export is corrupt or cut off (%s); no product after that point was read." % exc, fatal=True
        )


def _xml_refusal(path):
    """Why the XML export is refused before any product is read (a DOCTYPE wherever before the root, or a root that
    is no product list), or None. Reads only up to the root element's start."""
    try:
        with open(path, "rb") as handle:
            _event, root = next(etree.iterparse(handle, events=("start",), **_XML_OPTIONS))
    except StopIteration:
        return "The XML export holds no element."
    except (etree.LxmlError, OSError) as exc:
        return "The XML export is corrupt (%s); no product was read." % exc
    if root.getroottree().docinfo.doctype:
        return "The XML export declares a DOCTYPE, which is refused for safety."
    if root.tag not in _XML_ROOTS:
        return "The XML export's root element is <%s>, not <products>: it is no ITscope product export." % root.tag
    return None


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
# CSV in a ZIP: product.csv plus linked tables in the same order, merged side by side
# ------------------------------------------------------------


def iter_csv_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except (*_ZIP_ERRORS, ValueError) as exc:
        yield BadRow(None, "The CSV export is not a readable ZIP file (%s)." % exc, fatal=True)
        return
    with archive:
        export = _CsvExport(archive)
        if "product" not in export.members:
            held = sorted(info.filename for info in export.members.values())
            yield BadRow(
                None,
                "The ZIP file holds no product.csv, so it is no ITscope CSV export (it holds: %s)."
                % (", ".join(held[:5]) + (", …" if len(held) > 5 else "") or "nothing"),
                fatal=True,
            )
            return
        try:
            yield from export.rows()
        except _Unreadable as exc:
            yield BadRow(None, "%s; no product after that point was read." % exc, fatal=True)


class _CsvExport:
    """The tables of one CSV export, read side by side."""

    def __init__(self, archive):
        self.archive = archive
        self.members = {}
        for info in archive.infolist():
            if not info.filename.endswith("/"):  # not is_dir(): it fails on a member without a name
                self.members.setdefault(info.filename.rsplit("/", 1)[-1].lower().removesuffix(".csv"), info)

    def rows(self):
        read = {"product", "log", *_CHILDREN, *_GRANDCHILDREN, *_IGNORED_TABLES}
        unread = sorted(
            info.filename or "(a member without a name)" for name, info in self.members.items() if name not in read
        )
        if unread:
            yield Notice("The CSV export holds files the connector does not read: %s." % ", ".join(unread))
        products = _CsvTable(self.archive, self.members["product"], "product")
        children = self._linked(_CHILDREN, ())
        grandchildren = self._linked(_GRANDCHILDREN, (_OFFER_LINK,))
        for table in (products, *children.values(), *grandchildren.values()):
            if table.unknown_columns:
                yield Notice(
                    "%s has columns the connector does not read: %s." % (table.name, ", ".join(table.unknown_columns))
                )
        for line, values, reason in products:
            puid = (values.get("puid") or "").strip()
            nested, problems = _take_linked(puid, children, grandchildren)
            if reason:  # its linked rows were taken, and go with it
                yield BadRow(puid or None, "%s line %d %s" % (products.name, line, reason))
                continue
            yield from problems
            product = {key: value for key, value in values.items() if value != ""}
            product.update(nested)
            yield product
        for table in (*children.values(), *grandchildren.values()):
            if table.pending is not None:
                yield BadRow(
                    None,
                    "Rows of %s from line %d on belong to no product in the order of product.csv; they were not read."
                    % (table.name, table.pending[0]),
                )
        if "log" in self.members:
            yield from _export_log(_CsvTable(self.archive, self.members["log"], "log"))

    def _linked(self, tables, offer_link):
        """``{table: _LinkedTable}`` of those of ``tables`` the export holds."""
        linked = {}
        for name in tables:
            if name in self.members:
                table = _CsvTable(self.archive, self.members[name], name)
                product_link = next((column for column in _PRODUCT_LINKS if column in table.header), None)
                if table.header and (not product_link or not set(offer_link) <= set(table.header)):
                    raise _Unreadable(
                        "%s names no %s column, so its rows cannot be linked"
                        % (table.name, " and ".join(("productId or puid",) + offer_link))
                    )
                linked[name] = _LinkedTable(table, (product_link, *offer_link))
        return linked


def _take_linked(puid, children, grandchildren):
    """The rows linked to product ``puid`` as its nested lists (and an offer's packaging info etc. nested in the
    offer), and the BadRows of those that could not be read."""
    nested, problems = {}, []
    for name, table in children.items():
        rows, bad = table.take((puid,))
        problems += bad
        if name == "supplieritem":
            for item in rows:
                for sub_name, sub_table in grandchildren.items():
                    sub_rows, sub_bad = sub_table.take((puid, (item.get("id") or "").strip()))
                    problems += sub_bad
                    key, kind = _GRANDCHILDREN[sub_name]
                    if sub_rows:
                        item[key] = sub_rows[0] if kind is dict else sub_rows
            for sub_table in grandchildren.values():
                sub_table.take((puid,))  # rows of offers that were not read go with them
        nested[_CHILDREN[name]] = rows
    return nested, problems


def _export_log(log):
    for line, values, reason in log:
        if reason:
            yield BadRow(None, "%s line %d %s" % (log.name, line, reason))
        else:
            cause = (values.get("cause") or "").strip() or "no cause given"
            yield BadRow((values.get("id") or "").strip() or None, "ITscope could not export this product: %s" % cause)


class _LinkedTable:
    """A table read alongside product.csv: hands out the rows of one product (or offer) at a time, in order."""

    def __init__(self, table, key_columns):
        self.table = table
        self.name = table.name
        self.unknown_columns = table.unknown_columns
        self.key_columns = key_columns
        self.rows = iter(table)
        self.pending = next(self.rows, None)

    def _key(self, values):
        return tuple((values.get(column) or "").strip() for column in self.key_columns)

    def take(self, key):
        """The rows whose link starts with ``key``, without their link columns, and BadRows for the unreadable
        rows met on the way (those are never waited for: their link cannot be trusted)."""
        rows, problems = [], []
        while self.pending is not None:
            line, values, reason = self.pending
            own_key = self._key(values)
            if reason:
                problems.append(BadRow(own_key[0] or None, "%s line %d %s" % (self.name, line, reason)))
            elif own_key[: len(key)] == key:
                rows.append({name: value for name, value in values.items() if name not in _LINK_COLUMNS and value})
            else:
                return rows, problems
            self.pending = next(self.rows, None)
        return rows, problems


class _RowTooLong(Exception):
    pass


class _Lines:
    """The lines of a CSV member as ``csv.reader`` takes them, never more than MAX_ROW characters of a row held: a
    longer row raises _RowTooLong (from ``csv.reader``'s ``next``) once its lines are read past in pieces.
    ``problem`` says whether the row held bytes the codec could not decode; ``first_line`` is the row's first line
    (its first MAX_ROW characters), where the ids of a row csv could not read are found."""

    def __init__(self, text, encoding_name):
        self.text = text
        self.encoding_name = encoding_name
        self.number = 0  # lines read
        self.row_start = 1
        self.row_size = 0
        self.problem = None
        self.first_line = ""

    def start_row(self):
        self.row_start = self.number + 1
        self.row_size = 0
        self.problem = None
        self.first_line = ""

    def __iter__(self):
        return self

    def __next__(self):
        line = self.text.readline(MAX_ROW)
        if not line:
            raise StopIteration
        self.number += 1
        if not self.row_size:
            self.first_line = line
        self.row_size += len(line)
        if self.row_size >= MAX_ROW:
            while line and line[-1] not in "\r\n":
                line = self.text.readline(MAX_ROW)
            raise _RowTooLong
        if _UNDECODABLE.search(line):
            self.problem = "holds bytes that are no %s text" % self.encoding_name
        return line


class _CsvTable:
    """One CSV member: its header, and its rows as ``(line, {column: value}, reason or None)``."""

    def __init__(self, archive, info, table):
        self.name = info.filename.rsplit("/", 1)[-1]
        _refuse_bomb(info, self.name)
        try:
            encoding, encoding_name = _encoding(archive, info)
            self.lines = _Lines(
                io.TextIOWrapper(archive.open(info), encoding=encoding, errors="surrogateescape", newline=""),
                encoding_name,
            )
            header_line = next(self.lines, "")
        except _ZIP_ERRORS as exc:
            raise _Unreadable("%s cannot be read (%s)" % (self.name, exc)) from None
        except _RowTooLong:
            raise _Unreadable("The header row of %s is longer than %d characters" % (self.name, MAX_ROW)) from None
        delimiter = max("\t;,", key=header_line.count)
        self.dialect = {
            "delimiter": delimiter,
            "quoting": csv.QUOTE_NONE if delimiter == "\t" and not header_line.startswith('"') else csv.QUOTE_MINIMAL,
        }
        self.header = [name.strip() for name in next(csv.reader([header_line], **self.dialect), [])]
        known = _KNOWN_COLUMNS[table] | _LINK_COLUMNS
        self.unknown_columns = [name for name in self.header if name not in known]

    def __iter__(self):
        reader = csv.reader(self.lines, **self.dialect)
        lines = self.lines
        while True:
            lines.start_row()
            try:
                values = next(reader)
            except StopIteration:
                return
            except _RowTooLong:
                yield lines.row_start, self._ids(lines.first_line), "is longer than %d characters" % MAX_ROW
                continue
            except csv.Error as exc:
                yield lines.row_start, self._ids(lines.first_line), "is no CSV row (%s)" % exc
                continue
            except _ZIP_ERRORS as exc:
                raise _Unreadable("%s is corrupt at line %d (%s)" % (self.name, lines.row_start, exc)) from None
            if not values:
                continue  # a blank line
            row = dict(zip(self.header, values, strict=False))
            reason = lines.problem
            if len(values) != len(self.header):
                reason = "has %d values where its header names %d columns" % (len(values), len(self.header))
            elif any(len(value) > MAX_TEXT for value in values):
                reason = "has a value longer than %d characters" % MAX_TEXT
            yield lines.row_start, row, reason

    def _ids(self, line):
        """The id columns of a row csv could not read, split from its first line by the delimiter alone (ids hold
        neither delimiters nor quotes), so its linked rows still go with it."""
        values = line.rstrip("\r\n").split(self.dialect["delimiter"])
        return {
            name: value.strip('" ')
            for name, value in zip(self.header, values, strict=False)
            if name in _LINK_COLUMNS or name in ("puid", "id")
        }


def _refuse_bomb(info, name):
    if info.file_size > MAX_MEMBER or (
        info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
    ):
        raise _Unreadable(
            "%s would unpack %d bytes to %d, which is refused as a ZIP bomb"
            % (name, info.compress_size, info.file_size)
        )


def _encoding(archive, info):
    """``(codec, name)`` of a CSV member from its first 64 KB: UTF-16 declared by its BOM; UTF-8 (with or without
    BOM) when it holds UTF-8 sequences or only ASCII; else Windows-1252, the encoding of exports saved on German
    Windows systems. Bytes that do not decode later on make their row a bad row."""
    with archive.open(info) as probe:
        head = probe.read(_SNIFF)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    text = head.decode("utf-8", errors="surrogateescape")
    if len(head) == _SNIFF:
        text = text[:-3]  # a character the 64 KB cut in two
    if _UNDECODABLE.search(text) and not _NOT_ASCII.search(_UNDECODABLE.sub("", text)):
        return "cp1252", "Windows-1252"
    return "utf-8-sig", "UTF-8"
