"""The catalogue importer's rows, prepared without a database: what one company's import settings make of a product.

The Odoo side reads a company's choices, mappings and Odoo's defaults once per batch into :class:`ImportSettings`,
hands payloads and :class:`~.products.Product` records here, and gets back digests and the text-format COPY rows of
its temporary tables (``PRODUCT_COLUMNS``, ``OFFER_COLUMNS``). Everything here is plain Python on plain data (no
environment, no cursor): the importer runs it in a helper thread one chunk ahead of PostgreSQL, and pytest covers it
without Odoo.
"""

import contextlib
import gc
import hashlib
import itertools
import json
import marshal
import sys
from collections import namedtuple
from dataclasses import dataclass, field

from .exports import BadRow, Notice, RawProduct
from .products import read_products

IMPORT_SWITCH_INTERVAL = 0.0005  # seconds; see interpreter_tuned_for_import

# The COPY layouts of the importer's temporary tables. A product row is the matching columns (up to ``barcode``),
# which only the database can fill, then ``Prepared.body``; an offer row is ``line_id`` and ``tmpl_id``, then the
# row ``prepare`` made.
PRODUCT_COLUMNS = (
    "tmpl_id", "prod_id", "is_new", "barcode", "puid", "payload_hash", "name", "short_description", "long_description",
    "categ_id", "weight", "hs_code", "origin_country_id", "manufacturer_id", "manufacturer_sku", "product_type_id",
    "product_type_itscope_id", "deeplink", "datasheet_url", "datasheet_pdf_url", "image_url", "attributes",
    "accessory_puids", "tracking", "is_service", "cost",
)  # fmt: skip
OFFER_COLUMNS = (
    "line_id", "tmpl_id", "offer_id", "partner_id", "sequence", "product_code", "price", "currency_id", "min_qty",
    "stock", "stock_status", "stock_text", "availability_date", "condition", "eol", "special_offer", "last_update",
    "order_multiple", "state_hash",
)  # fmt: skip

# A product read and its rows prepared (``body``: the COPY row after the columns that depend on matching; ``offers``:
# ``(offer id, vendor id, row after tmpl_id)`` of the offers the company takes), with what was left out.
Prepared = namedtuple("Prepared", "product digest body offers skipped_offers unmapped_distributors")


@dataclass
class ImportSettings:
    """What importing for one company needs at hand, read once per batch: its choices, mappings and Odoo's defaults."""

    company_id: int
    uid: int
    lang: str
    now: object  # the transaction's timestamp, as the ORM writes it
    price_field: str
    conditions: frozenset
    partnered_only: bool
    import_price_list_lines: bool
    policy: str
    distributors: dict  # ITscope id -> (vendor id or None, partnered)
    distributor_names: dict
    manufacturers: dict  # ITscope id -> partner id
    product_types: dict  # ITscope id -> (binding id, category id, is a service, has serial numbers)
    currencies: dict  # ISO code -> id
    company_currency_id: int
    countries: dict  # ISO code -> id
    default_categ_id: int
    supplier_delay: int
    price_digits: int
    qty_digits: int
    weight_digits: int
    digest_seed: object = field(repr=False)  # a hash of the choices and vendor mapping that shape the import
    # (template columns, variant columns, many2many rows) the ORM would store for a new product; the Odoo side reads
    # them when it first inserts a product
    new_product_defaults: tuple = None


def digest_seed(choices):
    """The start of every payload digest of an import: a hash of the ``choices`` that shape what a payload becomes
    (price source, conditions, vendor mapping …), so changing one of them makes every product read again."""
    return hashlib.sha1(repr(choices).encode(), usedforsecurity=False)


def payload_digest(seed, payload):
    """A digest of one product payload and the import settings (``seed``): of a :class:`~.exports.RawProduct`'s bytes
    (taken before anything is parsed, in the same hash as the seed), of a JSON text as it is, or of a dict.

    It only tells a change from none, so the fastest hash here serves (SHA-1, in hardware on current CPUs). marshal
    (format 2, which has no object references) serialises a dict of plain values deterministically and several
    times faster than JSON; other values fall back to ``repr``.
    """
    if isinstance(payload, BadRow):
        return None
    if isinstance(payload, RawProduct):
        return payload.digest(seed).hex()
    if isinstance(payload, str):
        raw = payload.encode()
    elif isinstance(payload, bytes):
        raw = payload
    else:
        try:
            raw = marshal.dumps(payload, 2)
        except ValueError:
            raw = repr(payload).encode()
    digest = seed.copy()
    digest.update(raw)
    return digest.hexdigest()


def with_digests(seed, payloads):
    """``[(payload, digest)]`` of ``payloads`` (see :func:`payload_digest`)."""
    return [(payload, payload_digest(seed, payload)) for payload in payloads]


@contextlib.contextmanager
def interpreter_tuned_for_import():
    """The interpreter set for an import batch, and set back after: two threads sharing the GIL, each allocating
    many short-lived objects.

    - Python's cyclic garbage collector is off. What the reading allocates is short-lived and acyclic (bytes,
      lists, tuples), but every few thousand allocations the collector walks the young objects, and now and then
      all the process holds, which in Odoo is millions. Unchanged re-import of 10,000 products from CSV: 52-55 µs
      of Python a product with it on, 33-38 µs off.
    - The GIL's switch interval is 0.5 ms, not 5 ms: the writing thread, back from each SQL statement, waits that
      long for the reading thread to let go. The reader used to give the GIL away after each product instead
      (``time.sleep(0)``), which on Linux sleeps some 60 µs: 10,000 new products from CSV took 4.5-5.3 s that way,
      3.6-4.3 s this way, with a quarter less Python CPU.
    """
    enabled, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()


def read_changed(settings, changed):
    """Decode and read changed ``(payload, digest)`` and prepare their rows; returns ``(prepared, problems, notes)``,
    notes being what the export reader left aside (unknown files or columns): logged, but no error.

    It runs in the import's helper thread (see :func:`interpreter_tuned_for_import`).
    """
    prepared, problems, notes = [], [], []
    for payload, digest in changed:
        if isinstance(payload, RawProduct):
            _read_raw(settings, payload, digest, prepared, problems)
            continue
        if isinstance(payload, Notice):
            notes.append((None, payload.reason))
            continue
        if isinstance(payload, BadRow):
            problems.append((payload.puid, payload.reason))
            continue
        try:
            data = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
        except ValueError as error:
            problems.append((None, "not a product in JSON: %s" % error))
            continue
        for product, problem in read_products((data,)):
            if problem:
                problems.append(problem)
            else:
                prepared.append(prepare(settings, product, digest))
    return prepared, problems, notes


def _read_raw(settings, payload, digest, prepared, problems):
    """Parse a raw product and prepare what it holds. When its rows had problems (a broken CSV row of one of its
    offers, say) it gets no digest, so every import reads it and says them again."""
    items = payload.parse()
    if any(isinstance(item, BadRow) for item in items):
        digest = None
    for item in items:
        if isinstance(item, BadRow):
            problems.append((item.puid, item.reason))
            continue
        for product, problem in read_products((item,)):
            if problem:
                problems.append(problem)
            else:
                prepared.append(prepare(settings, product, digest))


def prepare(settings, product, digest):
    """The product's COPY rows (see ``Prepared``) with the offers the company takes. A product naming a manufacturer
    or product type the company has not mapped yet gets no digest: the next import reads it again.

    What a new product becomes follows its product type: a licence, ESD, warranty or service is a service, goods
    are storable, tracked by serial number when the type has serial numbers; its cost is the cheapest offer the
    company takes in its own currency."""
    product_type = settings.product_types.get(product.product_type_id)
    if (product.manufacturer_id and product.manufacturer_id not in settings.manufacturers) or (
        product.product_type_id and not product_type
    ):
        digest = None
    is_service = bool(product_type and product_type[2])
    serial = bool(product_type and product_type[3]) and not is_service
    content = (
        product.puid,
        digest,
        product.name,
        product.short_description,
        product.long_description,
        product_type and product_type[1],
        "%.*f" % (settings.weight_digits, product.weight) if product.weight else None,
        product.hs_code,
        settings.countries.get(product.country_of_origin),
        settings.manufacturers.get(product.manufacturer_id),
        product.manufacturer_sku,
        product_type and product_type[0],
        product.product_type_id,
        product.deeplink,
        product.datasheet_url,
        product.datasheet_pdf_url,
        product.image_url,
        "\n".join("%s: %s" % attribute for attribute in product.attributes),
        " ".join(product.accessory_puids),
        "serial" if serial else "none",
        is_service,
    )
    offers, skipped, unmapped, costs = [], 0, [], []
    for sequence, offer in enumerate(product.offers, start=1):
        partner_id, partnered = settings.distributors.get(offer.distributor_id, (None, False))
        price = offer.price_calc if settings.price_field == "price_calc" else offer.price
        currency_id = settings.currencies.get(offer.currency)
        if not partner_id:
            unmapped.append(offer.distributor_id)
        if (
            not partner_id
            or (settings.partnered_only and not partnered)
            or offer.condition_id not in settings.conditions
            or price is None
            or not currency_id
        ):
            skipped += 1
            continue
        row = "%s\t%d\t%d\t%s\t%s\t%d\t%.*f\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d" % (
            offer.offer_id,
            partner_id,
            sequence,
            copy_value(offer.sku),
            round(price, settings.price_digits),
            currency_id,
            settings.qty_digits,
            offer.min_qty,
            offer.stock,
            offer.stock_status,
            copy_value(offer.stock_text),
            copy_value(offer.availability_date),
            offer.condition_id,
            "t" if offer.eol else "f",
            "t" if offer.special_offer else "f",
            copy_value(last_update(offer)),
            offer.packaging_qty,
            offer.state_hash(),
        )
        offers.append((offer.offer_id, partner_id, row))
        if currency_id == settings.company_currency_id:
            costs.append(round(price, settings.price_digits))
    body = copy_row((*content, min(costs, default=None)))
    return Prepared(product, digest, body, offers, skipped, unmapped)


def last_update(offer):
    """When ITscope last changed the offer: the later of its price and stock updates."""
    return max(filter(None, (offer.price_updated, offer.stock_updated)), default=None)


def chunks(iterable, size):
    """Lists of ``size`` items, the first ones smaller (a fifth, growing by half): the first chunk is read while
    nothing is written yet, and each next one is read while the one before is written, which takes longer."""
    iterator, step = iter(iterable), max(size // 5, 1)
    while chunk := list(itertools.islice(iterator, step)):
        yield chunk
        step = min(size, step * 3 // 2)


def copy_value(value):
    """One value in COPY's text format: ``\\N`` for none, ``t``/``f``, texts with backslash, tab and line ends
    escaped (most texts have none, and are returned as they are)."""
    if value is None or value == "":
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    return str(value)


def copy_row(values):
    return "\t".join(map(copy_value, values))
