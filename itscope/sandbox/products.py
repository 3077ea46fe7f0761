"""The sandbox's catalogue and master-data endpoints, and its product exports.

Endpoints (GET, under ``/2.1``; an empty result answers 204; bad input answers 400 with a text/plain message saying
what is wrong). JSON products come in the shape ``SandboxConfig.json_shape`` names: ``production`` (the default), the
shape production integrators observed (real-world doc section 1, see :func:`production_shape`), or ``oas``, the shape
of ITscope's OpenAPI description. XML, distributors and manufacturers follow the OpenAPI in both; product types come
as ``{"productType": [...]}`` with string scalars in the production shape (real-world doc section 1).

- ``company/distributor/{company|eservices}.{xml|json}``: the distributors, an array of ``company`` each with its
  ``supplier`` (XML ``<companies><company>…``). The OpenAPI ``company`` has no field for eServices, so ``eservices``
  answers like ``company``.
- ``company/manufacturer/{company|eservices}.{xml|json}``: the manufacturers, each ``company`` with its
  ``manufacturer``.
- ``products/producttypes/producttype.{xml|json}``: the ``productType`` array (XML ``<productTypes><productType>…``).
- ``products/id/{puid}/{view}.{type}``; ``products/ids/{puid,…}/{view}.{type}`` (at most 50 puids; the JSON ``log``
  names those not found); ``products/ean/{ean}/{view}.{type}`` (the one most relevant product; ``plzproducts``);
  ``products/search/{filter}/{view}.{type}`` (``page``: 1-based, 50 a page; ``sort``: every OpenAPI value, see
  ``catalogue.SORTS``; ``plzproducts``). All of them accept ``realtime=true|false``: every answer already reflects the
  catalogue's current generation. Price-list-line products (puid ending in 999) come from search and EAN only with
  ``plzproducts=true``; id and ids find them by their puid.

  Views: ``standard``; ``standardUpdate`` (price and stock fields only, see ``catalogue.update_view``); ``developer``
  and ``developerUpdate`` answer like those two; view names are case-insensitive. Types: ``json`` answers
  ``{"product": [...], "log": [...]}`` (``productResponse``), ``xml`` answers
  ``<products><product>…<supplierItems><supplierItem>…`` (the root ITscope sends, not the OpenAPI's
  ``productResponse``) with the OpenAPI's names for wrapped lists (``LIST_NAMES``), ``csv`` answers 400: product CSV
  comes from exports only.

  Filter: ``key=value`` pairs joined by ``;`` (AND), each key once, up to 50 values per key joined by ``,`` (OR), keys
  ``keywords, ean, hstpid, distpid, manufacturer, producttype, distributor, cluster, cnetid``; an unknown key answers
  400. The filter is decoded as ITscope decodes it: the path is URL-decoded once before routing, so a ``/`` that a
  single encoding left there splits the path and a ``#`` ends it (both answer 404); then the filter is split at ``;``
  and ``,`` and each value is URL-decoded once more. So ``/``, ``#``, ``%``, ``,`` and ``;`` inside a value must come
  double-encoded (``%252F``), as ITscope advises; a space may come as ``%20``.
- ``products/exports/{uuid}``: a streamed export (see below); a malformed uuid answers 400, an unknown one 404.
- ``t/{token}``: a tokenised share link to an export (``SHARE_TOKENS``: ``share101`` … ``share203``, the last three
  digits of the export id), answered without Basic auth like ITscope's ``https://api.itscope.com/2.1/t/<token>``;
  an unknown token answers 404.

Exports. The sandbox knows these fixed export ids (``EXPORTS``):

- ``5a9d1000-c0de-4e57-8a7e-000000000101``: standard, CSV files in a ZIP (``application/zip``)
- ``5a9d1000-c0de-4e57-8a7e-000000000102``: standard, XML ``<products><product>…</product>…</products>``
- ``5a9d1000-c0de-4e57-8a7e-000000000103``: standard, JSON ``{"product":[{…},…]}``
- ``5a9d1000-c0de-4e57-8a7e-000000000201``: standardUpdate, CSV files in a ZIP
- ``5a9d1000-c0de-4e57-8a7e-000000000202``: standardUpdate, XML
- ``5a9d1000-c0de-4e57-8a7e-000000000203``: standardUpdate, JSON

By default an export holds the whole catalogue (``SandboxConfig.products`` products) in puid order. Sandbox-only
query overrides: ``?products=N`` (how many) and ``?offset=K`` (from product number K, 0-based), with K + N at most
800,000; numbers past the catalogue's size are generated alike (for benchmarks; id lookups do not find them). Every
export reflects the generation current when it was requested, and is streamed: a chunk of 32 products at a time is
all it holds in memory.

Each product in the XML and JSON bodies has exactly the shape of the API's answer in that view. The ZIP holds one
UTF-8 CSV per element with a header row (dates as ``dd.MM.yyyy HH:mm`` in UTC; decimals with ``.``; booleans
``true``/``false``; absent values empty). In the ``production`` shape (ITscope's ``standard`` export of API 2.1, real-
world doc section 2) the files are tab-separated with LF line ends and no quoting (a value holds a bare ``"``), link
a row to its product by a ``productId`` column, and carry the attributes only flattened in ``product.csv``
(``attributeTypeName1..3`` / ``attributeValue1..3``: no ``attribute.csv`` and ``attributeCluster.csv``). In the
``oas`` shape they are comma-separated with CRLF line ends, quoted where needed, and link by ``puid``. In this order:

- ``product.csv``: one row per product; columns ``catalogue.PRODUCT_FIELDS`` (standardUpdate:
  ``catalogue.UPDATE_PRODUCT_FIELDS``).
- ``supplierItem.csv``: the link, then ``catalogue.SUPPLIER_ITEM_FIELDS`` (standardUpdate:
  ``catalogue.UPDATE_SUPPLIER_ITEM_FIELDS``); one row per offer.
- ``project.csv``: the link, ``supplierItemId``, then ``catalogue.PROJECT_FIELDS``.
- standard only: ``supplierPackagingInfo.csv`` and ``contractParameter.csv`` (the link, ``supplierItemId``, then
  ``catalogue.PACKAGING_FIELDS`` resp. ``CONTRACT_PARAMETER_FIELDS``); ``attribute.csv`` and ``attributeCluster.csv``
  (``oas`` only), ``accessory.csv`` (the link, then ``ATTRIBUTE_FIELDS``, ``ATTRIBUTE_CLUSTER_FIELDS``,
  ``ACCESSORY_FIELDS``).
- ``Log.csv``: header ``id`` and ``cause``; no rows when the export succeeded.

``export_chunks(form, view, products, shape)`` is the body generator itself (tests and benchmarks call it
in-process).

Control plane (``control_rules()``: absolute paths, no auth, as the core's own ``/_sandbox/…``):
``POST /_sandbox/catalogue/tick[?generations=N]`` moves prices and stock N generations on (default 1), stamped with
the sandbox clock; ``GET`` reports ``{"generation": G}``.
"""

import base64
import contextlib
import csv
import functools
import io
import json
import tempfile
import uuid
import zipfile
from urllib.parse import unquote

from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import catalogue as cat
from .responses import json_response, list_response, no_content, text_error, tokenised

PAGE_SIZE = 50
MAX_IDS = 50
MAX_FILTER_VALUES = 50
LIST_NAMES = {
    "supplierItem": ("supplierItems", "supplierItem"),
    "attribute": ("attributes", "attribute"),
    "attributeCluster": ("attributeClusters", "attributeCluster"),
    "accessory": ("accessories", "accessory"),
    "project": ("projects", "project"),
    "contractParameter": ("contractParameters", "contractParameter"),
}
EXPORTS = {
    "5a9d1000-c0de-4e57-8a7e-000000000101": ("standard", "csv"),
    "5a9d1000-c0de-4e57-8a7e-000000000102": ("standard", "xml"),
    "5a9d1000-c0de-4e57-8a7e-000000000103": ("standard", "json"),
    "5a9d1000-c0de-4e57-8a7e-000000000201": ("standardUpdate", "csv"),
    "5a9d1000-c0de-4e57-8a7e-000000000202": ("standardUpdate", "xml"),
    "5a9d1000-c0de-4e57-8a7e-000000000203": ("standardUpdate", "json"),
}
SHARE_TOKENS = {"share" + export_id[-3:]: export_id for export_id in EXPORTS}
_PRODUCT_VIEWS = {
    "standard": "standard",
    "developer": "standard",
    "standardupdate": "standardUpdate",
    "developerupdate": "standardUpdate",
}
_SHAPES = {"standard": lambda product: product, "standardUpdate": cat.update_view}
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CHUNK = 64 * 1024
_CHUNK_PRODUCTS = 32  # products per streamed chunk: about 128 KB of JSON
_EXPORT_MEDIA = {
    "csv": ("application/zip", "zip"),
    "xml": ("application/xml", "xml"),
    "json": ("application/json", "json"),
}
_BY_ITEM = ("puid", "supplierItemId")
SHAPES = ("production", "oas")
# Per shape: the CSV writer's dialect, the column linking a row to its product, and the tables left out.
_CSV_LAYOUTS = {
    "production": (
        {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "quotechar": None, "lineterminator": "\n"},
        "productId",
        frozenset(("attribute", "attributeCluster")),
    ),
    "oas": ({"delimiter": ",", "lineterminator": "\r\n"}, "puid", frozenset()),
}
# Production JSON: list key -> plural key, and whether the list's entries carry their scalars as strings.
_PRODUCTION_LISTS = {
    "supplierItem": ("supplierItems", True),
    "accessory": ("accessories", True),
    "attribute": ("attributes", False),
    "attributeCluster": ("attributeClusters", False),
}
_CSV_TABLES = {
    "standard": (
        ("product", (), cat.PRODUCT_FIELDS),
        ("supplierItem", ("puid",), cat.SUPPLIER_ITEM_FIELDS),
        ("project", _BY_ITEM, cat.PROJECT_FIELDS),
        ("supplierPackagingInfo", _BY_ITEM, cat.PACKAGING_FIELDS),
        ("contractParameter", _BY_ITEM, cat.CONTRACT_PARAMETER_FIELDS),
        ("attribute", ("puid",), cat.ATTRIBUTE_FIELDS),
        ("attributeCluster", ("puid",), cat.ATTRIBUTE_CLUSTER_FIELDS),
        ("accessory", ("puid",), cat.ACCESSORY_FIELDS),
    ),
    "standardUpdate": (
        ("product", (), cat.UPDATE_PRODUCT_FIELDS),
        ("supplierItem", ("puid",), cat.UPDATE_SUPPLIER_ITEM_FIELDS),
        ("project", _BY_ITEM, cat.PROJECT_FIELDS),
    ),
}


def rules():
    return [
        Rule("/company/distributor/<view>.<output>", endpoint=_distributors, methods=["GET"]),
        Rule("/company/manufacturer/<view>.<output>", endpoint=_manufacturers, methods=["GET"]),
        Rule("/products/producttypes/<view>.<output>", endpoint=_product_types, methods=["GET"]),
        Rule("/products/id/<puid>/<view>.<output>", endpoint=_product_by_id, methods=["GET"]),
        Rule("/products/ids/<puids>/<view>.<output>", endpoint=_products_by_ids, methods=["GET"]),
        Rule("/products/ean/<ean>/<view>.<output>", endpoint=_product_by_ean, methods=["GET"]),
        Rule("/products/search/<filter_text>/<view>.<output>", endpoint=_search, methods=["GET"]),
        Rule("/products/exports/<export_id>", endpoint=_export, methods=["GET"]),
        Rule("/t/<token>", endpoint=_shared_export, methods=["GET"]),
    ]


def control_rules():
    """Control-plane rules with absolute paths (the core must not prefix them with /2.1)."""
    return [
        Rule("/_sandbox/catalogue/tick", endpoint=_control_tick, methods=["GET", "POST"]),
        Rule("/_sandbox/media/<path:name>", endpoint=_media, methods=["GET"]),
    ]


# A 1x1 transparent PNG: the sandbox's stand-in for every product image.
_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def _media(sandbox, request, name):
    """Product images, served by the sandbox itself so an image download never leaves the machine."""
    if not name.endswith(".png"):
        raise NotFound("No such image")
    return Response(_PNG, mimetype="image/png")


def _answers_bad_input(handler):
    """Turn a ``BadRequest`` raised while reading the request into ITscope's 400 with a plain-text reason."""

    @functools.wraps(handler)
    def wrapper(sandbox, request, **args):
        try:
            return handler(sandbox, request, **args)
        except BadRequest as exc:
            return text_error(400, exc.description)

    return wrapper


# ------------------------------------------------------------
# Master data
# ------------------------------------------------------------


@_answers_bad_input
def _distributors(sandbox, request, view, output):
    _check_format(view, output, ("company", "eservices"))
    return list_response(output, cat.catalogue_for(sandbox).distributors, "companies", "company")


@_answers_bad_input
def _manufacturers(sandbox, request, view, output):
    _check_format(view, output, ("company", "eservices"))
    return list_response(output, cat.catalogue_for(sandbox).manufacturers, "companies", "company")


@_answers_bad_input
def _product_types(sandbox, request, view, output):
    """The product types; in the production shape as ``{"productType": [...]}`` with every scalar a string (EN)."""
    _check_format(view, output, ("producttype",))
    product_types = cat.catalogue_for(sandbox).product_types
    if output == "json" and sandbox.config.json_shape == "production":
        return json_response(
            {
                "productType": [
                    {**_scalars_as_strings(kind), "productTypeGroup": _scalars_as_strings(kind["productTypeGroup"])}
                    for kind in product_types
                ]
            }
        )
    return list_response(output, product_types, "productTypes", "productType")


def _check_format(view, output, views):
    if view not in views:
        raise BadRequest("Unknown view %r: use %s" % (view, " or ".join(views)))
    if output not in ("xml", "json"):
        raise BadRequest("Unknown output format %r: use xml or json" % output)


# ------------------------------------------------------------
# Products
# ------------------------------------------------------------


@_answers_bad_input
def _product_by_id(sandbox, request, puid, view, output):
    view = _product_view(request, view, output)
    product = cat.catalogue_for(sandbox).product(_puid(puid))
    return _products_answer(sandbox, output, view, [product] if product else [])


@_answers_bad_input
def _products_by_ids(sandbox, request, puids, view, output):
    view = _product_view(request, view, output)
    wanted = [_puid(puid) for puid in puids.split(",") if puid.strip()]
    if len(wanted) > MAX_IDS:
        raise BadRequest("Too many products: %d ids given, at most %d per request" % (len(wanted), MAX_IDS))
    catalogue = cat.catalogue_for(sandbox)
    found, log = [], []
    for puid in dict.fromkeys(wanted):
        product = catalogue.product(puid)
        if product:
            found.append(product)
        else:
            log.append({"id": puid, "cause": "No product with this ID"})
    return _products_answer(sandbox, output, view, found, log)


@_answers_bad_input
def _product_by_ean(sandbox, request, ean, view, output):
    view = _product_view(request, view, output)
    catalogue = cat.catalogue_for(sandbox)
    puids = catalogue.search({"ean": {_ean(ean)}}, plz=_flag(request, "plzproducts"))
    return _products_answer(sandbox, output, view, [catalogue.product(puid) for puid in puids[:1]])


@_answers_bad_input
def _search(sandbox, request, filter_text, view, output):
    if "#" in filter_text:  # a single-encoded # decodes to the start of a fragment: the path ends before the view
        raise NotFound("Not found")
    view = _product_view(request, view, output)
    criteria = _criteria(filter_text)
    sort = request.args.get("sort", "DEFAULT").upper()
    if sort not in cat.SORTS:
        raise BadRequest("Unknown sort %r: use one of %s" % (sort, ", ".join(cat.SORTS)))
    page = _number(request, "page", 1)
    if page < 1:
        raise BadRequest("page counts from 1")
    catalogue = cat.catalogue_for(sandbox)
    puids = catalogue.search(criteria, sort, plz=_flag(request, "plzproducts"))
    page_puids = puids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return _products_answer(sandbox, output, view, [catalogue.product(puid) for puid in page_puids])


def _product_view(request, view, output):
    """The canonical view of a product request; checks its output format and ``realtime`` flag too."""
    canonical = _PRODUCT_VIEWS.get(view.lower())
    if canonical is None:
        raise BadRequest("Unknown view %r: use standard, standardUpdate, developer or developerUpdate" % view)
    if output == "csv":
        raise BadRequest("CSV is delivered by exports only (products/exports/{id}); ask for xml or json")
    if output not in ("xml", "json"):
        raise BadRequest("Unknown output format %r: use xml or json" % output)
    _flag(request, "realtime")  # accepted: every answer already reflects the current generation
    return canonical


def _products_answer(sandbox, output, view, products, log=()):
    """``productResponse`` JSON (in the sandbox's JSON shape) or ``<products>`` XML; 204 when nothing was found."""
    if not products:
        return no_content()
    shape = _SHAPES[view]
    if output == "json":
        shaped = [shape(product) for product in products]
        if sandbox.config.json_shape == "production":
            shaped = [production_shape(product) for product in shaped]
        return json_response({"product": shaped, "log": list(log)})
    out = [_XML_DECLARATION, "<products>"]
    for product in products:
        _xml("product", shape(product), out)
    out.append("</products>")
    return Response("".join(out), mimetype="application/xml")


def production_shape(product):
    """A ``product`` as production integrators observed it (real-world doc section 1): its lists under plural keys,
    and the scalars of the product, its offers and accessories as strings (amounts with two decimals: ``"799.00"``);
    attributes, attribute clusters and an offer's projects, packaging and contract parameters keep their numbers."""
    shaped = {}
    for key, value in product.items():
        if key in _PRODUCTION_LISTS:
            plural, as_strings = _PRODUCTION_LISTS[key]
            shaped[plural] = [_scalars_as_strings(entry) for entry in value] if as_strings else value
        else:
            shaped[key] = _as_string(value)
    return shaped


def _scalars_as_strings(record):
    return {key: value if isinstance(value, (list, dict)) else _as_string(value) for key, value in record.items()}


def _as_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "%.2f" % value
    return str(value)


def _criteria(text):
    """The search criteria of a filter path segment (``key=value,value;key=value``), typed for ``Catalogue.search``."""
    criteria = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, equals, raw = part.partition("=")
        key = key.strip().lower()
        if not equals:
            raise BadRequest("Invalid filter criterion %r: use key=value" % part)
        if key not in cat.SEARCH_KEYS:
            raise BadRequest("Unknown filter key %r: use %s" % (key, ", ".join(cat.SEARCH_KEYS)))
        if key in criteria:
            raise BadRequest("Filter key %r given more than once" % key)
        values = [unquote(value).strip() for value in raw.split(",") if value.strip()]
        if not values:
            raise BadRequest("Filter key %r has no value" % key)
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest("Filter key %r has %d values, at most %d" % (key, len(values), MAX_FILTER_VALUES))
        if key in cat.NUMERIC_SEARCH_KEYS:
            if not all(value.isdigit() for value in values):
                raise BadRequest("Filter key %r takes numeric ids" % key)
            criteria[key] = {int(value) for value in values}
        elif key == "ean":
            criteria[key] = {_ean13(value) for value in values}
        else:
            criteria[key] = {value.lower() for value in values}
    if not criteria:
        raise BadRequest("Empty filter: give at least one key=value criterion")
    return criteria


def _puid(text):
    if not text.strip().isdigit():
        raise BadRequest("Invalid product ID %r: ITscope product IDs are numbers" % text)
    return int(text)


def _ean(text):
    if not text.isdigit() or not 8 <= len(text) <= 14:
        raise BadRequest("Invalid EAN %r: 8 to 14 digits expected" % text)
    return _ean13(text)


def _ean13(text):
    """A 12-digit UPC is the EAN-13 with a leading zero."""
    return text.zfill(13) if len(text) == 12 else text


def _flag(request, name):
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise BadRequest("%s must be true or false, not %r" % (name, value))
    return value == "true"


def _number(request, name, default):
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise BadRequest("%s must be a whole number, not %r" % (name, value))
    return int(value)


def _xml(tag, record, out):
    """Append ``record`` as ITscope's XML to ``out``: the core's ``to_xml`` rules, written as text because exports
    render hundreds of thousands of products (lxml elements cost ten times more)."""
    out.append("<%s>" % tag)
    for key, value in record.items():
        kind = type(value)
        if kind is str:
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append("<%s>%s</%s>" % (key, text, key))
        elif kind is list:
            wrapper, item_tag = LIST_NAMES[key]
            out.append("<%s>" % wrapper)
            for entry in value:
                _xml(item_tag, entry, out)
            out.append("</%s>" % wrapper)
        elif kind is dict:
            _xml(key, value, out)
        elif kind is bool:
            out.append("<%s>%s</%s>" % (key, "true" if value else "false", key))
        else:
            out.append("<%s>%s</%s>" % (key, value, key))
    out.append("</%s>" % tag)


# ------------------------------------------------------------
# Exports
# ------------------------------------------------------------


@_answers_bad_input
def _export(sandbox, request, export_id):
    try:
        canonical = str(uuid.UUID(export_id))
    except ValueError:
        raise BadRequest("Invalid export ID %r: a UUID expected" % export_id) from None
    if canonical != export_id.lower():
        raise BadRequest("Invalid export ID %r: a UUID expected" % export_id)
    if canonical not in EXPORTS:
        raise NotFound("Export not found: %s" % export_id)
    view, form = EXPORTS[canonical]
    catalogue = cat.catalogue_for(sandbox)
    offset = _number(request, "offset", 0)
    count = _number(request, "products", max(catalogue.size - offset, 0))
    if offset + count > cat.MAX_PRODUCTS:
        raise BadRequest("An export holds at most %d products (offset + products)" % cat.MAX_PRODUCTS)
    products = catalogue.products(offset, offset + count)
    mimetype, suffix = _EXPORT_MEDIA[form]
    return Response(
        export_chunks(form, view, products, sandbox.config.json_shape),
        mimetype=mimetype,
        headers={"Content-Disposition": 'attachment; filename="%s-%s.%s"' % (view, canonical, suffix)},
        direct_passthrough=True,
    )


@tokenised
def _shared_export(sandbox, request, token):
    if token not in SHARE_TOKENS:
        raise NotFound("Unknown or expired link")
    return _export(sandbox, request, export_id=SHARE_TOKENS[token])


def export_chunks(form, view, products, shape="production"):
    """The body of an export of ``products`` (an iterable of ``standard`` products) in ``form`` (csv, xml or json),
    ``view`` and ``shape`` (see SHAPES), as an iterator of byte chunks: one product in memory at a time."""
    if form == "csv":
        return _zip_chunks(view, products, shape)
    view_shape = _SHAPES[view]
    if form == "json" and shape == "production":
        return _text_chunks(form, lambda product: production_shape(view_shape(product)), products)
    return _text_chunks(form, view_shape, products)


def _text_chunks(form, shape, products):
    """The JSON or XML export: a head, the products one by one, a tail; a chunk every ``_CHUNK_PRODUCTS``."""
    if form == "json":
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
        head, separator, tail = '{"product":[', ",", "]}"
    else:
        head, separator, tail = _XML_DECLARATION + "<products>", "", "</products>"
    out = [head]
    for number, product in enumerate(products):
        if number:
            out.append(separator)
        if form == "json":
            out.append(encode(shape(product)))
        else:
            _xml("product", shape(product), out)
        if number % _CHUNK_PRODUCTS == _CHUNK_PRODUCTS - 1:
            yield "".join(out).encode("utf-8")
            out = []
    out.append(tail)
    yield "".join(out).encode("utf-8")


class _Sink(io.RawIOBase):
    """An unseekable stream collecting what zipfile writes, drained chunk by chunk into the response."""

    def __init__(self):
        super().__init__()
        self._chunks = []

    def writable(self):
        return True

    # A raw stream, not an Odoo model: no super() to call.
    def write(self, data):  # pylint: disable=method-required-super
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self):
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip_chunks(view, products, shape):
    """The CSV-in-ZIP export in the layout of ``shape``. ``product.csv`` goes straight into the archive; the other
    tables are spooled to temporary files (an archive takes one member at a time) and copied in after it."""
    dialect, link, left_out = _CSV_LAYOUTS[shape]
    tables = [table for table in _CSV_TABLES[view] if table[0] not in left_out]
    sink = _Sink()
    with contextlib.ExitStack() as stack:
        archive = stack.enter_context(zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1))
        first = stack.enter_context(_csv_text(archive.open("product.csv", "w", force_zip64=True)))
        spools = {name: stack.enter_context(_csv_text(tempfile.TemporaryFile())) for name, _keys, _f in tables[1:]}
        writers = {}
        for name, keys, fields in tables:
            writer = csv.writer(first if name == "product" else spools[name], **dialect)
            writer.writerow([link if key == "puid" else key for key in keys] + list(fields))
            writers[name] = (writer, fields, [i for i, field in enumerate(fields) if field in cat.DATE_FIELDS])
        view_shape = _SHAPES[view]
        for number, product in enumerate(products):
            for name, keys, record in _csv_records(view_shape(product)):
                if name in left_out:
                    continue
                writer, fields, dates = writers[name]
                row = [
                    ("true" if value else "false") if type(value) is bool else value
                    for value in map(record.get, fields)
                ]
                for i in dates:  # ISO 8601 -> dd.MM.yyyy HH:mm
                    if row[i]:
                        text = row[i]
                        row[i] = "%s.%s.%s %s" % (text[8:10], text[5:7], text[:4], text[11:16])
                writer.writerow([*keys, *row])
            if number % _CHUNK_PRODUCTS == _CHUNK_PRODUCTS - 1:
                yield sink.drain()
        first.close()
        for name, spool in spools.items():
            spool.flush()
            raw = spool.buffer
            raw.seek(0)
            with archive.open(name + ".csv", "w", force_zip64=True) as member:
                while block := raw.read(_CHUNK):
                    member.write(block)
                    yield sink.drain()
        archive.writestr("Log.csv", "id%scause%s" % (dialect["delimiter"], dialect["lineterminator"]))
    yield sink.drain()


def _csv_text(binary):
    return io.TextIOWrapper(binary, encoding="utf-8", newline="")


def _csv_records(product):
    """(table, parent keys, record) for a product and every element nested in it."""
    puid = product["puid"]
    yield "product", (), product
    for item in product["supplierItem"]:
        yield "supplierItem", (puid,), item
        keys = (puid, item["id"])
        for project in item.get("project", ()):
            yield "project", keys, project
        if "supplierPackagingInfo" in item:
            yield "supplierPackagingInfo", keys, item["supplierPackagingInfo"]
        for parameter in item.get("contractParameter", ()):
            yield "contractParameter", keys, parameter
    for name in ("attribute", "attributeCluster", "accessory"):
        for entry in product.get(name, ()):
            yield name, (puid,), entry


# ------------------------------------------------------------
# Control plane
# ------------------------------------------------------------


@_answers_bad_input
def _control_tick(sandbox, request):
    catalogue = cat.catalogue_for(sandbox)
    if request.method == "POST":
        now = sandbox.clock.now()
        for _ in range(_number(request, "generations", 1)):
            catalogue.tick(now)
    return json_response({"generation": catalogue.generation})
