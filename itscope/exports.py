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

Raw products. :func:`iter_raw` cuts each product out of the file as its bytes, a :class:`RawProduct` (the JSON
object's text, the ``<product>`` element, the product's rows across the CSV tables), without parsing it: the importer
compares the product's digest with the one it stored and parses only new or changed products (``RawProduct.parse``
gives what the parsing readers give; a product whose bytes are broken is refused there with its reason, and the
reading goes on). :func:`iter_export` is the same stream with every product parsed, ending at a corrupt product as a
parser reading the whole file would. Exports in a layout the cutting does not follow (a quoted or UTF-16 CSV export,
an XML export with a namespace or other elements between its products) are read by the parsing readers
(:func:`iter_csv_zip`, :func:`iter_xml`, :func:`iter_json`), which yield dicts.
"""

import codecs
import csv
import functools
import hashlib
import io
import itertools
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


def _cut_off(form, detail):
    """The fatal BadRow that ends the reading of a ``form`` (JSON, XML, CSV) export found corrupt at ``detail``."""
    return BadRow(
        None,
        "The %s export is corrupt or cut off (%s); no product after that point was read." % (form, detail),
        fatal=True,
    )


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
    the import's progress; None when the file cannot be read. A CSV export's product.csv is counted alone (its lines),
    without its linked tables; an XML or JSON export is cut into its products once, none of them parsed."""
    try:
        if sniff_format(path) == "csv":
            with zipfile.ZipFile(path) as archive:
                info = _CsvExport(archive).members["product"]
                table = _RawCsvTable(archive, info, "product", "puid")
                if table.fast:
                    return table.count_rows()
                return sum(1 for _row in _CsvTable(archive, info, "product"))
        form = sniff_format(path)
        counted = _count_json(path) if form == "json" else _count_xml(path)
        if counted is not None:
            return counted
        return sum(1 for _entry in iter_raw(path))
    except (*_ZIP_ERRORS, KeyError, ValueError, _Unreadable):
        return None


def _count_json(path):
    """The products of a JSON export counted by the way its first product begins (``{"puid"``, say: in JSON such
    bytes cannot stand inside a string), or None when that is no short key; a file cut off inside a product counts
    that product, as its reading ends with a BadRow there."""
    start = _json_array_start(path)
    if isinstance(start, BadRow):
        return 1
    with open(path, "rb") as handle:
        handle.seek(start)
        stream = _RawJsonStream(handle, start)
        try:
            stream._skip_space()
        except _EndOfFile:
            return 1
        if stream.buffer[stream.pos] != 0x7B or not (prefix := stream._first_key()):
            return None
        return _count_bytes(handle, lambda block: block.count(prefix), len(prefix), stream.buffer[stream.pos :])


def _count_xml(path):
    """The products of an XML export counted by their start tags, none of them cut out (cutting them all a second
    time, beside the import that cuts them, took a third of the time of an unchanged re-import), or None for an
    encoding that is not ASCII-based. A comment or CDATA section holding such a tag counts it too: the count only
    sizes the import's progress."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            return None
        # every match of the start tag is 9 bytes long: "<product" and one space or ">"
        return _count_bytes(handle, lambda block: len(_XML_PRODUCT_START.findall(block)), 9, head)


def _count_bytes(source, occurrences, width, data):
    """How often ``occurrences`` (a function of some bytes) finds what it counts, always ``width`` bytes long, in
    ``data`` and what follows it in the open file ``source``: the last ``width - 1`` bytes read are read again with the
    next ones, so a match cut by the end of a read counts once, in the next."""
    count, rest = 0, b""
    while data:
        block = rest + data
        count += occurrences(block)
        rest = block[1 - width :]
        data = source.read(_CHUNK)
    return count


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
            yield _cut_off("JSON", exc)


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
        yield _cut_off("XML", exc)


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


# ------------------------------------------------------------
# Raw products: each product's bytes and their digest, parsed only when asked
# ------------------------------------------------------------


class RawProduct:
    """One product of an export as the bytes it takes in the file (the JSON object's text, the XML element, the CSV
    rows of the product across its tables), read without parsing them.

    ``digest(seed)``: the SHA-1 of those bytes and of what else gives them their meaning in this file (the CSV tables'
    headers and encoding, the XML file's encoding), continuing the hash ``seed`` when given: the same product in the
    same format has the same digest wherever it stands in the file. One hash a product, as it is the whole work an
    unchanged product costs. ``parse()``: what :func:`iter_export` yields for it, a list of product dicts and
    :class:`BadRow` (a product whose bytes are broken is refused with its reason, and the others go on).
    """

    __slots__ = ("raw", "_context", "_parser", "_where")

    def __init__(self, raw, context, parser, where):
        self.raw = raw
        self._context = context  # the digest of the file's context (bytes), or None
        self._parser = parser
        self._where = where

    def digest(self, seed=None):
        digest = seed.copy() if seed is not None else hashlib.sha1(usedforsecurity=False)
        if self._context is not None:
            digest.update(self._context)
        digest.update(self.raw)
        return digest.digest()

    def parse(self):
        return self._parser(self.raw, self._where)

    def __repr__(self):
        return "RawProduct(%d bytes at %r)" % (len(self.raw), self._where)


class _CorruptProduct(BadRow):
    """A product whose JSON or XML does not parse. The import refuses it alone and reads on; :func:`iter_export`
    ends the reading there, as a parser reading the whole file would (``detail``: the parser's message)."""

    def __init__(self, puid, reason, detail):
        super().__init__(puid, reason)
        self.detail = detail


def iter_raw(path):
    """Yield :class:`RawProduct`, :class:`BadRow` and :class:`Notice` for the export file at ``path``; a file in a
    layout the raw readers do not split (a quoted or UTF-16 CSV export, an XML export with other elements between
    its products or a namespace) is read through its parsing reader, and yields product dicts instead of raw
    products (from the first product the raw reader could not split on)."""
    readers = {"csv": _raw_csv_zip, "xml": _raw_xml, "json": _raw_json}
    return readers[sniff_format(path)](path)


def iter_export(path):
    """Yield product dicts or :class:`BadRow` for every product of the export file at ``path``."""
    form = sniff_format(path)
    return _parsed({"csv": _raw_csv_zip, "xml": _raw_xml, "json": _raw_json}[form](path), form)


def _parsed(rows, form):
    try:
        for row in rows:
            if not isinstance(row, RawProduct):
                yield row
                continue
            for item in row.parse():
                if isinstance(item, _CorruptProduct):
                    yield _cut_off(form.upper(), item.detail)
                    return
                yield item
    finally:
        rows.close()


# JSON ------------------------------------------------------------

_JSON_KEEP = b'"{}[]'
_JSON_DROP = bytes(byte for byte in range(256) if byte not in _JSON_KEEP)  # all but quotes and brackets
_MAX_FAST_DEPTH = 32  # nesting the fast boundary check unfolds; a deeper product is stepped over bracket by bracket
_SPACE_BYTES = b" \t\r\n"
_JSON_QUOTE_OR_BRACKET_BYTES = re.compile(rb'["\[\]{}]')
_JSON_STRING_REST_BYTES = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_SCALAR_END = re.compile(rb"[,\]\s]")
_NOT_SPACE_BYTES = re.compile(rb"\S")


def _raw_json(path):
    start = _json_array_start(path)
    if isinstance(start, BadRow):
        yield start
        return
    with open(path, "rb") as handle:
        handle.seek(start)
        yield from _RawJsonStream(handle, start).products()


def _json_array_start(path):
    """The byte offset just after the ``[`` of the product list, or a fatal BadRow."""
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as handle:
        stream = _JsonArrayStream(handle)
        try:
            stream._open_array()
        except ValueError as exc:
            return _cut_off("JSON", exc)
        characters = stream.offset + stream.pos
    with open(path, "rb") as handle:
        start = len(codecs.BOM_UTF8) if handle.read(3) == codecs.BOM_UTF8 else 0
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as handle:
        while characters > 0:
            text = handle.read(min(characters, _CHUNK))
            if not text:
                break
            start += len(text.encode("utf-8", "surrogateescape"))
            characters -= len(text)
    return start


class _RawJsonStream:
    """Cuts the product list of a JSON export into each product's bytes without decoding them.

    A product ends where the next one starts: the next occurrence of the way the first product began (``{"puid"``,
    say) after a ``}`` and a comma. The cut is taken when the bytes between are one balanced object: with escaped
    backslashes and quotes taken out, only quotes and brackets kept, and the empty pairs of quotes (the strings)
    dropped, no quote is left (no string holds a bracket) and the brackets pair up inside the outer braces. All of
    that runs in C over the product's bytes. Any other product (a string holding a bracket, deeper nesting, the last
    product of the list) is stepped over bracket by bracket, strings skipped whole.
    """

    def __init__(self, handle, start):
        self.handle = handle
        self.buffer = b""
        self.pos = 0  # where the product being cut starts in ``buffer``
        self.offset = start  # bytes of the file before ``buffer``
        self.prefix = None

    def _fill(self):
        """Read on; drops the bytes before ``pos`` and returns how many (for the caller's own indices)."""
        chunk = self.handle.read(_CHUNK)
        dropped = self.pos
        self.buffer = self.buffer[dropped:] + chunk
        self.offset += dropped
        self.pos = 0
        if not chunk:
            raise _EndOfFile(dropped)
        return dropped

    def _more(self, start):
        if len(self.buffer) - self.pos > _MAX_VALUE:
            raise ValueError("the value at byte %d does not end" % (self.offset + start))
        return self._fill()

    def _skip_space(self):
        while True:
            found = _NOT_SPACE_BYTES.search(self.buffer, self.pos)
            if found:
                self.pos = found.start()
                return
            self.pos = len(self.buffer)
            self._fill()

    def products(self):
        try:
            while True:
                self._skip_space()
                first = self.buffer[self.pos]
                if first == 0x5D:  # ]
                    return
                start = self.offset + self.pos
                if first == 0x7B:  # {
                    end = self._object_end()
                    yield RawProduct(self.buffer[self.pos : end], None, _parse_json, start)
                else:
                    end = self._value_end()
                    yield BadRow(None, "a product at byte %d is not an object" % start)
                self.pos = end
                self._skip_space()
                if self.buffer[self.pos] == 0x2C:  # ,
                    self.pos += 1
                elif self.buffer[self.pos] != 0x5D:
                    raise ValueError("expected ',' or ']' at byte %d" % (self.offset + self.pos))
        except _EndOfFile:
            yield _cut_off("JSON", "it ends inside the product list")
        except ValueError as exc:
            yield _cut_off("JSON", exc)

    def _first_key(self):
        """The bytes the first product begins with, up to its first key's closing quote (None: no short key)."""
        while True:
            found = _NOT_SPACE_BYTES.search(self.buffer, self.pos + 1)
            if found and self.buffer[found.start()] == 0x22:  # "
                rest = _JSON_STRING_REST_BYTES.match(self.buffer, found.end())
                if rest and rest.end() - self.pos <= 256:
                    return self.buffer[self.pos : rest.end()]
                if rest or len(self.buffer) - self.pos > 256:
                    return None
            elif found or len(self.buffer) - self.pos > 256:
                return None
            try:
                self._fill()
            except _EndOfFile:
                return None

    def _object_end(self):
        """Where the object at ``pos`` ends (the index after its closing brace in ``buffer``)."""
        if self.prefix is None:
            self.prefix = self._first_key() or b""
        prefix = self.prefix
        searched = self.pos + 1
        while prefix:
            found = self.buffer.find(prefix, searched)
            if found < 0:
                searched = max(len(self.buffer) - len(prefix), self.pos + 1)
                try:
                    searched -= self._more(self.pos)
                except _EndOfFile:
                    break
                continue
            buffer, end = self.buffer, found
            while buffer[end - 1] in _SPACE_BYTES:
                end -= 1
            if buffer[end - 1] != 0x2C:  # ,
                break
            end -= 1
            while buffer[end - 1] in _SPACE_BYTES:
                end -= 1
            if buffer[end - 1] == 0x7D and _one_object(buffer[self.pos : end]):
                return end
            break
        return self._value_end()

    def _value_end(self):
        """Where the value at ``pos`` ends, stepping over it bracket by bracket (strings skipped whole)."""
        scan, depth = self.pos, 0
        first = self.buffer[scan]
        if first not in b"[{":
            if first == 0x22:
                while True:
                    rest = _JSON_STRING_REST_BYTES.match(self.buffer, scan + 1)
                    if rest:
                        return rest.end()
                    scan -= self._more(self.pos)
            while True:
                end = _JSON_SCALAR_END.search(self.buffer, scan)
                if end:
                    return end.start()
                scan -= self._more(self.pos)
        while True:
            found = _JSON_QUOTE_OR_BRACKET_BYTES.search(self.buffer, scan)
            if found is None:
                scan = len(self.buffer)
                scan -= self._more(self.pos)
                continue
            if found.group() == b'"':
                rest = _JSON_STRING_REST_BYTES.match(self.buffer, found.end())
                if rest is None:  # the string goes on in bytes not read yet
                    scan = found.start()
                    scan -= self._more(self.pos)
                    continue
                scan = rest.end()
                continue
            scan = found.end()
            depth += 1 if found.group() in b"[{" else -1
            if depth <= 0:
                return scan


class _EndOfFile(Exception):
    pass


def _one_object(text):
    """Whether ``text`` (starting with ``{`` and ending with ``}``) is one object whose brackets pair up with no
    bracket inside a string, checked without a loop over its bytes in Python (see ``_RawJsonStream``)."""
    if b"\\" in text:
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    shape = text.translate(None, _JSON_DROP).replace(b'""', b"")
    if b'"' in shape:
        return False
    inner = shape[1:-1]
    for _level in range(_MAX_FAST_DEPTH):
        if not inner:
            return True
        paired = inner.replace(b"{}", b"").replace(b"[]", b"")
        if len(paired) == len(inner):
            return False
        inner = paired
    return False


def _parse_json(raw, start):
    text = raw.decode("utf-8", "surrogateescape")
    try:
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer of over 4,300 digits: kept as text
            value = json.JSONDecoder(parse_int=_long_int).decode(text)
    except RecursionError:
        puid = _PUID_IN_JSON.search(text, 0, 4096)
        return [
            BadRow(
                puid and puid.group(1),
                "The product at byte %d is nested more deeply than the reader follows; it was not read." % start,
            )
        ]
    except ValueError as exc:
        puid = _PUID_IN_JSON.search(text, 0, 4096)
        return [
            _CorruptProduct(
                puid and puid.group(1),
                "The product at byte %d is no valid JSON (%s); it was not read." % (start, exc),
                "%s, in the product at byte %d" % (exc, start),
            )
        ]
    if not isinstance(value, dict):
        return [BadRow(None, "a product at byte %d is not an object" % start)]
    return [value]


# XML ------------------------------------------------------------

_XML_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_PRODUCT_START = re.compile(rb"<product[\s>]")
_XML_ROOT_START = re.compile(rb"<(products|productResponse)([\s/>])")
_XML_ROOT_END = re.compile(rb"</(products|productResponse)\s*>")
_XML_ASCII_ENCODINGS = re.compile(r"(utf-?8|us-ascii|ascii|iso-?8859-\d+|latin-?1|(windows|cp)-?125\d)$", re.I)


def _raw_xml(path):
    refusal = _xml_refusal(path)
    if refusal:
        yield BadRow(None, refusal, fatal=True)
        return
    yielded = 0
    with open(path, "rb") as handle:
        stream = _RawXmlStream(handle)
        try:
            for row in stream.products():
                yield row
                yielded += 1
        except _NotSplit:  # a layout the splitter leaves to the parser: it goes on after the products already given
            yield from itertools.islice(iter_xml(path), yielded, None)
        except _EndOfFile:
            yield _cut_off("XML", "it ends inside the product list")
        except ValueError as exc:
            yield _cut_off("XML", exc)


class _NotSplit(Exception):
    """The XML export holds something between its products that only the parser reads right."""


class _RawXmlStream:
    """Cuts a ``<products>`` XML export into each ``<product>`` element's bytes, found by its start and end tags.

    Text cannot hold ``<`` in XML, so the first ``</product>`` after a ``<product>`` ends it, unless a comment or
    CDATA section (which may) or another ``<product>`` stands between: then, as for anything but white space between
    the products, a namespace on the root, or an encoding that is not ASCII-based, the splitter stops and the parser
    reads the rest (:class:`_NotSplit`). A product's bytes are parsed alone, with the file's encoding.
    """

    def __init__(self, handle):
        self.handle = handle
        self.buffer = b""
        self.pos = 0
        self.offset = 0

    _fill = _RawJsonStream._fill
    _more = _RawJsonStream._more
    _skip_space = _RawJsonStream._skip_space

    def _find(self, pattern, start):
        """The match of ``pattern`` (a compiled regex) from ``start`` on, reading on as needed (bounded)."""
        while True:
            found = pattern.search(self.buffer, start)
            if found:
                return found
            start = max(len(self.buffer) - 64, self.pos)
            start -= self._more(self.pos)

    def products(self):
        self._fill()
        head = self.buffer[:256]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:4]:
            raise _NotSplit
        if head.startswith(codecs.BOM_UTF8):
            self.pos = len(codecs.BOM_UTF8)
        declared = _XML_DECLARED_ENCODING.match(head[self.pos :])
        encoding = declared.group(1).decode("ascii") if declared else "UTF-8"
        if not _XML_ASCII_ENCODINGS.match(encoding):
            raise _NotSplit
        root = self._find(_XML_ROOT_START, self.pos)
        tag_end = self._find(re.compile(rb">"), root.start())
        opening, prolog = self.buffer[root.start() : tag_end.end()], self.buffer[self.pos : root.start()]
        if b"xmlns" in opening or b"<!" in prolog or prolog.count(b"<") != prolog.count(b"<?"):
            raise _NotSplit  # a namespace, or a comment before the root (which may hold anything)
        if opening.endswith(b"/>"):
            return
        context = hashlib.sha1(("xml %s\n" % encoding.lower()).encode(), usedforsecurity=False).digest()
        parser = functools.partial(_parse_xml, encoding)
        self.pos = tag_end.end()
        while True:
            self._skip_space()
            at = self.pos
            if _XML_PRODUCT_START.match(self.buffer, at) or self._product_start_unsure(at):
                end = self._end_tag(self.pos + 8)
                at = self.pos  # reading on moves the buffer
                raw = self.buffer[at:end]
                # "!" and "?" are looked for first: one byte is found at memory speed, "<!" is not
                if (b"!" in raw and b"<!" in raw) or (b"?" in raw and b"<?" in raw):
                    raise _NotSplit  # a comment, CDATA section or processing instruction, which may hold anything
                yield RawProduct(raw, context, parser, self.offset + at)
                self.pos = end
                continue
            if _XML_ROOT_END.match(self.buffer, at):
                return
            raise _NotSplit

    def _end_tag(self, start):
        """The end of the first ``</product>`` from ``start`` on (a nested ``<product>``, which ITscope's exports do
        not have, shows as something else than a product after it: the parser then reads on)."""
        while True:
            found = self.buffer.find(b"</product>", start)
            if found >= 0:
                return found + 10
            spaced = _XML_PRODUCT_END.search(self.buffer, start)
            if spaced:
                return spaced.end()
            start = max(len(self.buffer) - 16, self.pos)
            start -= self._more(self.pos)

    def _product_start_unsure(self, at):
        """Whether the buffer ends inside what may be a ``<product`` start tag: read on, and look again."""
        if len(self.buffer) - at >= 9 or not b"<product".startswith(self.buffer[at:]):
            return False
        self._more(self.pos)
        return bool(_XML_PRODUCT_START.match(self.buffer, self.pos))


_XML_PRODUCT_END = re.compile(rb"</product\s*>")


def _xml_parser(encoding):
    return etree.XMLParser(encoding=encoding, **_XML_OPTIONS)


def _parse_xml(encoding, raw, start):
    try:
        element = etree.fromstring(raw, _xml_parser(encoding))
    except (etree.LxmlError, ValueError) as exc:
        puid = re.search(rb"<puid>\s*(\d{1,20})\s*</puid>", raw[:4096])
        return [
            _CorruptProduct(
                puid and puid.group(1).decode(),
                "The product at byte %d is no well-formed XML (%s); it was not read." % (start, exc),
                "%s, in the product at byte %d" % (exc, start),
            )
        ]
    return [_xml_to_dict(element)]


# CSV ------------------------------------------------------------

_CSV_BLOCK = 64 << 10  # bytes of a member read at a time (a corrupt stream is named near where it breaks)
_LINE_LIMIT = 4 * MAX_ROW  # bytes of a line held before it is taken for too long without decoding it


def _raw_csv_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except (*_ZIP_ERRORS, ValueError) as exc:
        yield BadRow(None, "The CSV export is not a readable ZIP file (%s)." % exc, fatal=True)
        return
    yielded = 0
    with archive:
        export = _CsvExport(archive)
        if "product" not in export.members:
            yield from iter_csv_zip(path)
            return
        raw = _RawCsvExport(archive, export.members)
        try:
            for row in raw.rows():
                yield row
                yielded += 1
        except _Unreadable as exc:
            yield BadRow(None, "%s; no product after that point was read." % exc, fatal=True)
        except _NotSplit:  # a quoted or UTF-16 export: the parsing reader reads it (after the notes already given)
            yield from itertools.islice(iter_csv_zip(path), yielded, None)


class _RawCsvExport:
    """The tables of a tab-separated CSV export read side by side as bytes: each product's rows across its tables
    become one :class:`RawProduct`, whose ``parse`` reads them as :class:`_CsvExport` would have."""

    def __init__(self, archive, members):
        self.archive = archive
        self.members = members
        self.tables = {}
        self.key_columns = {}

    def rows(self):
        read = {"product", "log", *_CHILDREN, *_GRANDCHILDREN, *_IGNORED_TABLES}
        unread = sorted(
            info.filename or "(a member without a name)" for name, info in self.members.items() if name not in read
        )
        if unread:
            yield Notice("The CSV export holds files the connector does not read: %s." % ", ".join(unread))
        products = _RawCsvTable(self.archive, self.members["product"], "product", "puid")
        if not products.fast:
            raise _NotSplit
        self.tables["product"] = products
        children = self._linked(_CHILDREN, ())
        grandchildren = self._linked(_GRANDCHILDREN, (_OFFER_LINK,))
        for table in (products, *children.values(), *grandchildren.values()):
            if table.unknown_columns:
                yield Notice(
                    "%s has columns the connector does not read: %s." % (table.name, ", ".join(table.unknown_columns))
                )
        context = hashlib.sha1(b"csv", usedforsecurity=False)
        for name, table in self.tables.items():
            context.update(("\n%s %s %s" % (name, table.encoding, "\t".join(table.header))).encode("utf-8", "replace"))
        context = context.digest()
        linked = list(children.items())
        if "supplieritem" in children:
            linked += grandchildren.items()
        yield from self._products(products, linked, context)
        for table in (*children.values(), *grandchildren.values()):
            pending = table.pending()
            if pending is not None:
                yield BadRow(
                    None,
                    "Rows of %s from line %d on belong to no product in the order of product.csv; they were not read."
                    % (table.name, pending),
                )
        if "log" in self.members:
            yield from _export_log(_CsvTable(self.archive, self.members["log"], "log"))

    def _products(self, products, linked, context):
        """A RawProduct per row of product.csv with the rows of its linked tables (a BadRow for an unreadable one)."""
        name, parse = products.name, self._parse_product
        for base, lines, keys in products.blocks():
            for index, key in enumerate(keys):
                if key is False:
                    continue  # a blank line
                line, number = lines[index], base + index
                if key is None:  # an unreadable row: its linked rows are taken, and go with it
                    _line, values, reason = products.row(number, line)
                    puid = (values.get("puid") or "").strip()
                    for _table_name, table in linked:
                        table.take(puid.encode(products.line_encoding, "surrogateescape"))
                    yield BadRow(puid or None, "%s line %d %s" % (name, number, reason))
                    continue
                taken = [(table_name, table.take(key)) for table_name, table in linked]
                parts = [line]
                for table_name, rows in taken:
                    if rows:
                        parts.append(b"\x00" + table_name.encode())
                        for _first, table_lines in rows:
                            parts += table_lines
                yield RawProduct(b"\n".join(parts), context, parse, (number, taken))

    def _linked(self, tables, offer_link):
        linked = {}
        for name in tables:
            if name in self.members:
                table = _RawCsvTable(self.archive, self.members[name], name, _PRODUCT_LINKS)
                if not table.fast:
                    raise _NotSplit  # quoted or UTF-16: the parsing reader reads the export
                self.tables[name] = table
                product_link = table.link
                if table.header and (not product_link or not set(offer_link) <= set(table.header)):
                    raise _Unreadable(
                        "%s names no %s column, so its rows cannot be linked"
                        % (table.name, " and ".join(("productId or puid",) + offer_link))
                    )
                self.key_columns[name] = (product_link, *offer_link)
                linked[name] = _RawLinkedTable(table)
        return linked

    def _parse_product(self, raw, where):
        """The product dict (after the BadRows of its linked rows) the rows of one product make, as
        :meth:`_CsvExport.rows` reads them."""
        number, taken = where
        products = self.tables["product"]
        _line, values, reason = products.row(number, raw.split(b"\n", 1)[0])
        puid = (values.get("puid") or "").strip()
        if reason:
            return [BadRow(puid or None, "%s line %d %s" % (products.name, number, reason))]
        read = {}
        for name, rows in taken:
            table = self.tables[name]
            read[name] = [
                table.row(first + offset, line)
                for first, lines in rows
                for offset, line in enumerate(lines)
                if line not in (b"", b"\r") or first + offset in table.too_long
            ]
        problems, nested = [], {}
        for name in _CHILDREN:
            if name not in read:
                continue
            items = []
            for line, row, why in read[name]:
                if why:
                    problems.append(self._bad_row(name, line, row, why))
                else:  # taken by its link: every readable row is this product's (see _LinkedTable.take)
                    items.append({key: value for key, value in row.items() if value and key not in _LINK_COLUMNS})
            if name == "supplieritem":
                self._nest_offer_rows(puid, items, read, problems)
            nested[_CHILDREN[name]] = items
        product = {key: value for key, value in values.items() if value != ""}
        product.update(nested)
        return [*problems, product]

    def _nest_offer_rows(self, puid, items, read, problems):
        """Each offer's packaging info, projects and contract parameters, taken offer by offer in the order of the
        offers as :func:`_take_linked` takes them (a row of another offer ends an offer's rows; what no offer took
        goes with the product, unsaid)."""
        positions = dict.fromkeys(_GRANDCHILDREN, 0)
        for item in items:
            offer = (item.get("id") or "").strip()
            for name, (key, kind) in _GRANDCHILDREN.items():
                rows = read.get(name)
                if not rows:
                    continue
                product_link, offer_link = self.key_columns[name]
                index, found = positions[name], []
                while index < len(rows):
                    line, values, reason = rows[index]
                    if reason:
                        problems.append(self._bad_row(name, line, values, reason))
                    elif (values.get(product_link) or "").strip() == puid and (
                        values.get(offer_link) or ""
                    ).strip() == offer:
                        found.append(
                            {column: value for column, value in values.items() if value and column not in _LINK_COLUMNS}
                        )
                    else:
                        break
                    index += 1
                positions[name] = index
                if found:
                    item[key] = found[0] if kind is dict else found

    def _bad_row(self, name, line, values, reason):
        link = (values.get(self.key_columns[name][0]) or "").strip()
        return BadRow(link or None, "%s line %d %s" % (self.tables[name].name, line, reason))


class _RawLinkedTable:
    """A table read alongside product.csv as bytes: hands out the lines of one product at a time, in order, with the
    unreadable and blank lines met on the way (an unreadable row is never waited for, as in :class:`_LinkedTable`)."""

    def __init__(self, table):
        self.table = table
        self.name = table.name
        self.unknown_columns = table.unknown_columns
        self.blocks = table.blocks()
        self.base, self.lines, self.keys, self.index = 1, [], [], 0

    def _next_block(self):
        block = next(self.blocks, None)
        if block is None:
            return False
        self.base, self.lines, self.keys = block
        self.index = 0
        return True

    def take(self, key):
        """``[(first line number, lines)]`` of the product whose link is ``key``."""
        keys, index = self.keys, self.index
        if index < len(keys):  # most tables have no row for most products: said at once
            own = keys[index]
            if own != key and own is not None and own is not False:
                return ()
        rows = []
        while True:
            keys, index = self.keys, self.index
            start, count = index, len(keys)
            while index < count:
                own = keys[index]
                if own == key or own is None or own is False:
                    index += 1
                else:
                    break
            if index > start:
                rows.append((self.base + start, self.lines[start:index]))
            self.index = index
            if index < count or not self._next_block():
                return rows

    def pending(self):
        """The line number of the first row no product took, or None."""
        while True:
            while self.index < len(self.keys):
                if self.keys[self.index] is not False:
                    return self.base + self.index
                self.index += 1
            if not self._next_block():
                return None


class _RawCsvTable:
    """One CSV member read as bytes: its header, and its lines block by block with the link value of each line
    (``None`` for a line that is no readable row, ``False`` for a blank line)."""

    def __init__(self, archive, info, table, links):
        self.name = info.filename.rsplit("/", 1)[-1]
        _refuse_bomb(info, self.name)
        try:
            self.encoding, self.encoding_name = _encoding(archive, info)
            self.stream = archive.open(info) if self.encoding != "utf-16" else None
        except _ZIP_ERRORS as exc:
            raise _Unreadable("%s cannot be read (%s)" % (self.name, exc)) from None
        self.header, self.unknown_columns, self.fast, self.link = [], [], False, None
        self.too_long = set()  # numbers of the lines cut for being too long
        if self.stream is None:
            return
        self.line_encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        self._number, self._rest, self._skipping, self._pending = 0, b"", False, []
        header = self._header()
        delimiter = max("\t;,", key=header.count)
        # a line end the parsing reader sees inside the header (a lone CR) leaves the export to it
        self.fast = delimiter == "\t" and not header.startswith('"') and "\r" not in header.removesuffix("\r")
        if not self.fast:
            return
        self.dialect = {"delimiter": "\t", "quoting": csv.QUOTE_NONE}
        self.header = [name.strip() for name in next(csv.reader([header], **self.dialect), [])]
        known = _KNOWN_COLUMNS[table] | _LINK_COLUMNS
        self.unknown_columns = [name for name in self.header if name not in known]
        self.width = len(self.header)
        links = (links,) if isinstance(links, str) else links
        self.link = next((column for column in links if column in self.header), None)
        self.link_index = self.header.index(self.link) if self.link else None

    def _header(self):
        while True:
            lines = self._read()
            if lines is None:
                return ""
            if lines:
                first = lines[0]
                self._pending = lines[1:]
                if self.too_long or len(first) >= MAX_ROW and len(first.decode(self.encoding, "replace")) >= MAX_ROW:
                    raise _Unreadable("The header row of %s is longer than %d characters" % (self.name, MAX_ROW))
                self._number = 1
                return first.decode(self.encoding, "surrogateescape")

    def _read(self):
        """The next complete lines of the member (a list; None at its end). A line longer than _LINE_LIMIT bytes is
        cut to MAX_ROW bytes (its number noted in ``too_long``) and the rest of it read past."""
        try:
            block = self.stream.read(_CSV_BLOCK)
        except _ZIP_ERRORS as exc:
            raise _Unreadable("%s is corrupt at line %d (%s)" % (self.name, self._number + 1, exc)) from None
        if not block:
            if self._rest and not self._skipping:
                rest, self._rest = self._rest, b""
                return [rest]
            return None
        lines = block.split(b"\n")
        if self._skipping:
            if len(lines) == 1:
                return []
            del lines[0]
            self._skipping = False
        lines[0] = self._rest + lines[0]
        self._rest = lines.pop()
        if len(self._rest) > _LINE_LIMIT:
            lines.append(self._rest[:MAX_ROW])
            self.too_long.add(self._number + len(lines))
            self._rest, self._skipping = b"", True
        return lines

    def blocks(self):
        """``(number of the first line, lines, link values)`` block by block, after the header."""
        lines, self._pending = self._pending, []
        while lines is not None:
            base = self._number + 1
            self._number += len(lines)
            if lines:
                yield base, lines, self._keys(base, lines)
            lines = self._read()

    def _keys(self, base, lines):
        index, width = self.link_index, self.width - 1
        joined = b"\n".join(lines)
        try:
            joined.decode(self.line_encoding)
            clean = b"\x00" not in joined and not self.too_long
            if clean and b"\r" in joined:  # only as the end of a CRLF line
                clean = b"\r" not in joined.replace(b"\r\n", b"\n").removesuffix(b"\r")
        except UnicodeDecodeError:
            clean = False
        if clean and index == 0 and width:  # the link first (of several columns), as ITscope writes it
            return [
                line[: line.find(b"\t")].strip()
                if line.count(b"\t") == width and len(line) < MAX_TEXT
                else self._key(base + number, line)
                for number, line in enumerate(lines)
            ]
        if clean and index is not None:
            cut = index + 1
            return [
                line.split(b"\t", cut)[index].strip()
                if line.count(b"\t") == width and len(line) < MAX_TEXT
                else self._key(base + number, line)
                for number, line in enumerate(lines)
            ]
        return [self._key(base + number, line) for number, line in enumerate(lines)]

    def _key(self, number, line):
        """The link value of one line read as :meth:`row` reads it (None: no readable row; False: blank)."""
        too_long = number in self.too_long
        if not too_long and line in (b"", b"\r"):
            return False
        _line, values, reason = self.row(number, line)
        if reason:
            return None
        if self.link_index is None:
            return b""
        return (values.get(self.link) or "").strip().encode(self.line_encoding, "surrogateescape")

    def row(self, number, line):
        """``(line number, {column: value}, reason or None)`` of one line, as :class:`_CsvTable` reads a row."""
        try:
            text, undecodable = line.decode(self.line_encoding), False
        except UnicodeDecodeError:
            text = line.decode(self.line_encoding, "surrogateescape")
            undecodable = bool(_UNDECODABLE.search(text))
        if number in self.too_long or len(text) >= MAX_ROW:
            return number, self._ids(text[:MAX_ROW]), "is longer than %d characters" % MAX_ROW
        bare = text.removesuffix("\r")
        if bare and len(bare) <= MAX_TEXT and "\r" not in bare and "\x00" not in bare:
            values = bare.split("\t")  # what csv.reader makes of it without quoting, and no value over its limit
        else:
            try:
                values = next(csv.reader([text], **self.dialect), [])
            except csv.Error as exc:
                return number, self._ids(text), "is no CSV row (%s)" % exc
        row = dict(zip(self.header, values, strict=False))
        reason = "holds bytes that are no %s text" % self.encoding_name if undecodable else None
        if len(values) != len(self.header):
            reason = "has %d values where its header names %d columns" % (len(values), len(self.header))
        elif len(text) > MAX_TEXT and any(
            len(value) > MAX_TEXT for value in values
        ):  # no value is longer than its line
            reason = "has a value longer than %d characters" % MAX_TEXT
        return number, row, reason

    def count_rows(self):
        """The rows after the header (its lines but the blank ones), none of them read."""
        lines, count = self._pending, 0
        while lines is not None:
            count += len(lines) - lines.count(b"") - lines.count(b"\r")
            lines = self._read()
        return count

    _ids = _CsvTable._ids
