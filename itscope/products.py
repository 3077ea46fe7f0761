"""Products and their offers as plain records, read from ITscope's ``standard`` / ``standardUpdate`` payloads.

One reader, :func:`read_product`, takes a product as a dict in either JSON shape ITscope delivers: the OpenAPI's
(lists under singular keys such as ``supplierItem``, numbers as numbers) and the one production integrators observed
(lists under plural keys such as ``supplierItems``, every scalar a string: ``"price": "799.00"``). Attributes come from
the ``attribute(s)`` list or, where a CSV export carries them flattened, from ``attributeTypeName1..5`` /
``attributeValue1..5``; the image from ``imageHighRes1`` (API 2.1) or ``image1`` (older data). The export readers
(CSV, XML, JSON) bring each product into one of these shapes, so every way in ends in the same records.

Every value is checked where it is read, in time that does not grow with the value, so that nothing ITscope (or
whoever wrote a file) sends can make a write fail, a reader hang, or a wrong value land in Odoo:

- numbers are finite, written in at most 40 characters, and within what their Odoo column holds: amounts (prices) at
  least 0 and below 10**10 (exact in a float, cents included), whole numbers (stock, quantities, codes) within
  PostgreSQL's ``integer``, weights at least 0 and below 10**6 kg; ``"1E+400000"`` is refused before any conversion;
- dates are ISO 8601 or ``dd.MM.yyyy HH:mm`` (CSV) within the years 1900 to 9999 in UTC;
- texts lose control characters (NUL included; tab and line breaks stay) and unpaired surrogates, which PostgreSQL
  cannot store, and are at most ``MAX_TEXT`` characters; a list or object where text belongs is refused.

A bad value of the product itself makes :func:`read_product` raise ``ValueError`` with the field's name and reason;
callers log it with the product's id and go on. A bad value in an offer costs that offer only: the product keeps its
other offers and lists the refused one in ``Product.problems`` as ``(offer id, reason)``, as it lists an availability
code the connector does not know (read as 8, unknown). :func:`read_products` hands both kinds on as problems.

``Product.content_hash`` and ``Offer.state_hash`` are stable digests of everything the importer writes, so a re-import
can skip unchanged products by comparing one number.
"""

import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from .codes import AVAILABILITY

PLZ_SUFFIX = "999"  # price-list-line products (plzproducts) have ids ending in 999 / -999
MAX_TEXT = 1 << 17  # characters of one text value: 131,072, the csv module's own bound on a field
MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer, the column of Odoo's Integer fields
_MAX_NUMBER_TEXT = 40  # characters a number may be written in
_AMOUNT_DIGITS = 10  # amounts below 10**10
_WEIGHT_DIGITS = 6  # weights below 10**6 kg
_MAX_ID_DIGITS = 20  # ITscope ids are int64: at most 19 digits (and a sign)
_EARLIEST = datetime(1900, 1, 1)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}
_UNKNOWN_AVAILABILITY = 8


@dataclass(frozen=True)
class Offer:
    """One distributor's offer of a product (an ITscope ``supplierItem``)."""

    offer_id: str
    distributor_id: str
    sku: str
    price: Decimal = None
    price_calc: Decimal = None
    currency: str = "EUR"
    min_qty: int = 1
    packaging_qty: int = 1  # order multiple (intervalQuantity)
    stock: int = 0
    stock_status: int = 8  # ITscope availability code; 8 = unknown
    stock_text: str = ""
    availability_date: date = None
    condition_id: int = 1
    eol: bool = False
    special_offer: bool = False
    price_updated: datetime = None
    stock_updated: datetime = None

    def state_hash(self):
        """Digest of the price and stock state the refresh writes (changes several times a day)."""
        return _digest(tuple(getattr(self, name) for name in _OFFER_STATE))


@dataclass(frozen=True)
class Product:
    """A product with its content and offers; absent text is ``""``, absent numbers ``None``.

    ``problems``: ``(offer id, reason)`` of the offers that were refused or read with a replaced value (not part of
    the record's identity: two readings of the same product compare equal whatever they had to say about it).
    """

    puid: str
    name: str
    ean: str = ""
    manufacturer_id: str = ""
    manufacturer_name: str = ""
    manufacturer_sku: str = ""
    product_type_id: str = ""
    short_description: str = ""
    long_description: str = ""
    weight: float = None  # kg
    hs_code: str = ""
    country_of_origin: str = ""
    deeplink: str = ""
    datasheet_url: str = ""
    datasheet_pdf_url: str = ""
    image_url: str = ""
    attributes: tuple = ()  # ((name, value), ...)
    accessory_puids: tuple = ()
    offers: tuple = ()
    problems: tuple = field(default=(), compare=False)

    @property
    def is_price_list_line(self):
        return self.puid.endswith(PLZ_SUFFIX)

    def content_hash(self):
        """Digest of the content the importer writes (not the offers: they have their own)."""
        return _digest(tuple(getattr(self, name) for name in _PRODUCT_CONTENT))

    def full_hash(self):
        """Digest of content and offers: equal means a re-import has nothing to write."""
        return _digest((self.content_hash(), tuple(offer.state_hash() for offer in self.offers)))


# Field names read by name, not through ``astuple`` (which deep-copies the values, three times slower).
_OFFER_STATE = tuple(item.name for item in fields(Offer))
_PRODUCT_CONTENT = tuple(item.name for item in fields(Product) if item.name not in ("offers", "problems"))


def _digest(value):
    """A signed 64-bit blake2b digest (fits PostgreSQL's bigint) of the value's ``repr``, which is deterministic for
    the tuples of texts, numbers, Decimals, dates and flags records hold (a canonical JSON form with ``default=str``
    took three times as long: 7 of an offer's 18 µs)."""
    return int.from_bytes(hashlib.blake2b(repr(value).encode(), digest_size=8).digest(), "big", signed=True)


# ------------------------------------------------------------
# Field readers: ``data[key]`` checked and converted; a bad value raises ValueError naming ``key``
# ------------------------------------------------------------


def _shown(value):
    """A value as a reason quotes it: never more than 40 characters of it."""
    text = (
        repr(value)
        if isinstance(value, str)
        else type(value).__name__
        if isinstance(value, (dict, list))
        else str(value)
    )
    return text if len(text) <= 40 else text[:37] + "..."


def _text(data, key):
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError("%s is not text: %s" % (key, _shown(value)))
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TEXT:
        raise ValueError("%s is longer than %d characters" % (key, MAX_TEXT))
    if not text.isprintable():  # C-fast, and true for none of _CONTROL's characters: most texts need no regex
        text = _CONTROL.sub("", text)
    return text.strip()


def _id(data, key, what):
    text = _text(data, key)
    if not text or len(text) > _MAX_ID_DIGITS or not text.replace("-", "").isdigit() or not text.isascii():
        raise ValueError("missing or malformed %s (%s): %s" % (what, key, _shown(data.get(key))))
    return text


def _number(data, key):
    """A finite Decimal of at most _MAX_NUMBER_TEXT characters, or None when absent; constant time."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if (
        isinstance(value, bool)
        or isinstance(value, (dict, list))
        or (isinstance(value, int) and value.bit_length() > 64)
    ):
        raise ValueError("%s is not a number: %s" % (key, _shown(value)))
    text = (value if isinstance(value, str) else str(value)).strip()
    if len(text) > _MAX_NUMBER_TEXT:
        raise ValueError("%s is not a number: %s" % (key, _shown(value)))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("%s is not a number: %s" % (key, _shown(value))) from None
    if not number.is_finite():
        raise ValueError("%s is not a finite number: %s" % (key, _shown(value)))
    return number


def _below(data, key, digits, what):
    """A number from 0 to below 10**digits, or None when absent."""
    number = _number(data, key)
    if number is not None and (number < 0 or number.adjusted() >= digits):
        raise ValueError("%s is not %s (0 to 10^%d): %s" % (key, what, digits, _shown(data[key])))
    return number


def _amount(data, key):
    number = _below(data, key, _AMOUNT_DIGITS, "a valid amount")
    return None if number is None else number.quantize(Decimal("0.01"))


def _whole(data, key, default=0):
    value = data.get(key)
    if value.__class__ is str and 0 < len(value) < 10 and value.isdigit() and value.isascii():
        return int(value)  # plain digits, as most are: within range, whole, no Decimal needed
    number = _number(data, key)
    if number is None:
        return default
    if number.adjusted() >= 10 or abs(number) > MAX_INTEGER:
        raise ValueError("%s is out of range (at most %d): %s" % (key, MAX_INTEGER, _shown(data[key])))
    if number != number.to_integral_value():
        raise ValueError("%s is not a whole number: %s" % (key, _shown(data[key])))
    return int(number)


def _weight(data, key):
    number = _below(data, key, _WEIGHT_DIGITS, "a weight in kg")
    return None if number is None else float(number)


def _flag(data, key):
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    flag = _FLAGS.get(_text(data, key).lower())
    if flag is None:
        raise ValueError("%s is neither true nor false: %s" % (key, _shown(value)))
    return flag


def _moment(data, key):
    """ITscope dates: ISO 8601 in JSON/XML, ``dd.MM.yyyy HH:mm`` in CSV. Returned naive UTC (as Odoo stores)."""
    text = _text(data, key)
    if not text:
        return None
    if len(text) > _MAX_NUMBER_TEXT:
        raise ValueError("%s is not a date: %s" % (key, _shown(text)))
    try:
        parsed = _csv_moment(text) or datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%d.%m.%Y %H:%M")
        except ValueError:
            raise ValueError("%s is not a date: %s" % (key, _shown(text))) from None
    try:
        moment = parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    except OverflowError:
        moment = None
    if moment is None or moment < _EARLIEST:
        raise ValueError("%s is outside the years 1900 to 9999: %s" % (key, _shown(text)))
    return moment


def _csv_moment(text):
    """``dd.MM.yyyy HH:mm`` (a CSV export's dates) read by position, None for any other text: strptime, tried after
    ISO 8601 failed, took a tenth of a CSV product's reading. A day or month out of range raises ValueError, as
    strptime does."""
    if len(text) == 16 and text[2] == text[5] == "." and text[10] == " " and text[13] == ":" and text.isascii():
        digits = text[0:2] + text[3:5] + text[6:10] + text[11:13] + text[14:16]
        if digits.isdigit():
            return datetime(int(text[6:10]), int(text[3:5]), int(text[0:2]), int(text[11:13]), int(text[14:16]))
    return None


def _list(data, plural, singular):
    """The list under ``plural`` (production JSON) or ``singular`` (OpenAPI JSON, XML and CSV); one object alone is a
    list of one."""
    value = data.get(plural)
    if value is None:
        value = data.get(singular)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


FLATTENED_ATTRIBUTES = 5  # attributeTypeName1..5 / attributeValue1..5 in a CSV export's product.csv


def _attributes(data):
    """``(name, value)`` pairs in rank order: from the attribute list, else from the flattened columns."""
    listed = [attribute for attribute in _list(data, "attributes", "attribute") if isinstance(attribute, dict)]
    if listed:
        pairs = (
            (_text(attribute, "attributeTypeName"), _text(attribute, "displayValue") or _text(attribute, "value"))
            for attribute in listed
        )
    else:
        pairs = (
            (_text(data, "attributeTypeName%d" % rank), _text(data, "attributeValue%d" % rank))
            for rank in range(1, FLATTENED_ATTRIBUTES + 1)
        )
    return tuple((name, value) for name, value in pairs if name)


# ------------------------------------------------------------
# Records
# ------------------------------------------------------------


def read_offer(item):
    """A ``supplierItem`` dict -> ``(Offer, note or None)``; raises ValueError when a value is unusable."""
    if not isinstance(item, dict):
        raise ValueError("an offer is not an object")
    packaging = item.get("supplierPackagingInfo") or {}
    if not isinstance(packaging, dict):
        raise ValueError("supplierPackagingInfo is not an object")
    availability = _moment(item, "stockAvailabilityDate")
    stock_status, note = _whole(item, "stockStatus", _UNKNOWN_AVAILABILITY), None
    if stock_status not in AVAILABILITY:
        note = "stockStatus %d is no availability code the connector knows; read as %d (unknown)" % (
            stock_status,
            _UNKNOWN_AVAILABILITY,
        )
        stock_status = _UNKNOWN_AVAILABILITY
    offer = Offer(
        offer_id=_id(item, "id", "offer id"),
        distributor_id=_id(item, "supplierId", "distributor id"),
        sku=_text(item, "supplierSKU"),
        price=_amount(item, "price"),
        price_calc=_amount(item, "priceCalc"),
        currency=_text(item, "currencyCode") or "EUR",
        min_qty=max(_whole(packaging, "minQuantity", 1), 1),
        packaging_qty=max(_whole(packaging, "intervalQuantity", 1), 1),
        stock=_whole(item, "stock"),
        stock_status=stock_status,
        stock_text=_text(item, "stockStatusText") or _text(item, "stockSupplierText"),
        availability_date=availability.date() if availability else None,
        condition_id=_whole(item, "conditionId", 1),
        eol=_flag(item, "eolProduct"),
        special_offer=_flag(item, "specialOffer"),
        price_updated=_moment(item, "priceLastUpdate"),
        stock_updated=_moment(item, "lastStockUpdate"),
    )
    return offer, note


def _offers(items, puid):
    """The readable offers of a product, and ``(offer id, reason)`` for those refused or read with a note."""
    offers, problems = [], []
    for item in items:
        offer_id = _raw_id(item, "id")
        try:
            offer, note = read_offer(item)
        except ValueError as error:
            problems.append((offer_id or puid, "an offer of product %s was not read: %s" % (puid, error)))
            continue
        offers.append(offer)
        if note:
            problems.append((offer.offer_id, "an offer of product %s: %s" % (puid, note)))
    return tuple(offers), tuple(problems)


def read_product(data):
    """A ``product`` dict (standard or standardUpdate view) -> :class:`Product`; raises ValueError when unusable."""
    if not isinstance(data, dict):
        raise ValueError("a product is not an object")
    puid = _id(data, "puid", "product id")
    items = _list(data, "supplierItems", "supplierItem")
    offers, problems = _offers(items, puid)
    accessories = tuple(
        reference
        for reference in (
            _text(accessory, "referencedProductId")
            for accessory in _list(data, "accessories", "accessory")
            if isinstance(accessory, dict)
        )
        if reference
    )
    origin = next((item for item in items if isinstance(item, dict) and item.get("countryOfOrigin")), {})
    return Product(
        puid=puid,
        name=_text(data, "productName"),
        ean=_text(data, "ean"),
        manufacturer_id=_text(data, "manufacturerId"),
        manufacturer_name=_text(data, "manufacturerName"),
        manufacturer_sku=_text(data, "manufacturerSKU"),
        product_type_id=_text(data, "productTypeId"),
        short_description=_text(data, "shortDescription"),
        long_description=_text(data, "longDescription"),
        weight=_weight(data, "estimateGrossWeight"),
        hs_code=_text(data, "customsTariffNumber"),
        country_of_origin=_text(origin, "countryOfOrigin"),
        deeplink=_text(data, "deeplink"),
        datasheet_url=_text(data, "standardHtmlDatasheet"),
        datasheet_pdf_url=_text(data, "standardPdfDatasheet"),
        image_url=_text(data, "imageHighRes1") or _text(data, "image1") or _text(data, "image2"),
        attributes=_attributes(data),
        accessory_puids=accessories,
        offers=offers,
        problems=problems,
    )


def _raw_id(data, key):
    """The id a problem is reported under: the raw value as short text, or ``""``."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None or isinstance(value, (dict, list)) or (isinstance(value, int) and value.bit_length() > 64):
        return ""
    return _CONTROL.sub("", str(value))[:_MAX_ID_DIGITS].strip()


def read_products(payloads):
    """Yield ``(product, None)`` or ``(None, (id, reason))`` for each product dict, and ``(None, (offer id,
    reason))`` after a product for each of its ``problems``: one bad product or offer never stops the rest."""
    for data in payloads:
        try:
            product = read_product(data)
        except (ValueError, TypeError, AttributeError) as exc:
            yield None, (_raw_id(data, "puid"), str(exc))
            continue
        yield product, None
        for problem in product.problems:
            yield None, problem
