"""Products and their offers as plain records, read from ITscope's ``standard`` / ``standardUpdate`` payloads.

One reader, :func:`read_product`, takes a product as a dict in the JSON shape of the OpenAPI ``product`` schema. The
export readers (CSV, XML, JSON) first bring each product into that shape, so every way in ends in the same records.
A malformed product raises ``ValueError`` with a reason; callers log it with its id and go on.

``Product.content_hash`` and ``Offer.state_hash`` are stable digests of everything the importer writes, so a re-import
can skip unchanged products by comparing one number.
"""

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

PLZ_SUFFIX = "999"  # price-list-line products (plzproducts) have ids ending in 999 / -999


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
        return _digest(_values(self))


@dataclass(frozen=True)
class Product:
    """A product with its content and offers; absent text is ``""``, absent numbers ``None``."""

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

    @property
    def is_price_list_line(self):
        return self.puid.endswith(PLZ_SUFFIX)

    def content_hash(self):
        """Digest of the content the importer writes (not the offers: they have their own)."""
        return _digest(_values(self)[:-1])

    def full_hash(self):
        """Digest of content and offers: equal means a re-import has nothing to write."""
        return _digest((self.content_hash(), tuple(offer.state_hash() for offer in self.offers)))


def _values(record):
    """The record's field values in order (``astuple`` would deep-copy them, three times slower)."""
    return tuple(getattr(record, field.name) for field in fields(record))


def _digest(value):
    """A signed 64-bit blake2b digest (fits PostgreSQL's bigint) of a canonical JSON form."""
    raw = json.dumps(value, default=str, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big", signed=True)


# ------------------------------------------------------------
# Field readers
# ------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value).strip()


def _id(value, what):
    text = _text(value)
    if not text or not text.replace("-", "").isdigit():
        raise ValueError("missing or malformed %s %r" % (what, value))
    return text


def _decimal(value, what):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("%s is not a number: %r" % (what, value)) from None
    if not number.is_finite() or number < 0:
        raise ValueError("%s is not a valid amount: %r" % (what, value))
    return number.quantize(Decimal("0.01"))


def _int(value, what, default=0):
    if value in (None, ""):
        return default
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise ValueError("%s is not a whole number: %r" % (what, value)) from None


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _bool(value):
    return value is True or _text(value).lower() in ("true", "1", "yes")


def _datetime(value):
    """ITscope dates: ISO 8601 in JSON/XML, ``dd.MM.yyyy HH:mm`` in CSV. Returned naive UTC (as Odoo stores)."""
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%d.%m.%Y %H:%M")
        except ValueError:
            return None
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def _list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read_offer(item):
    """A ``supplierItem`` dict -> :class:`Offer`."""
    if not isinstance(item, dict):
        raise ValueError("an offer is not an object")
    packaging = item.get("supplierPackagingInfo") or {}
    availability = _datetime(item.get("stockAvailabilityDate"))
    return Offer(
        offer_id=_id(item.get("id"), "offer id"),
        distributor_id=_id(item.get("supplierId"), "distributor id"),
        sku=_text(item.get("supplierSKU")),
        price=_decimal(item.get("price"), "price"),
        price_calc=_decimal(item.get("priceCalc"), "calculated price"),
        currency=_text(item.get("currencyCode")) or "EUR",
        min_qty=max(_int(packaging.get("minQuantity"), "minimum quantity", 1), 1),
        packaging_qty=max(_int(packaging.get("intervalQuantity"), "order multiple", 1), 1),
        stock=_int(item.get("stock"), "stock"),
        stock_status=_int(item.get("stockStatus"), "stock status", 8),
        stock_text=_text(item.get("stockStatusText")) or _text(item.get("stockSupplierText")),
        availability_date=availability.date() if availability else None,
        condition_id=_int(item.get("conditionId"), "condition", 1),
        eol=_bool(item.get("eolProduct")),
        special_offer=_bool(item.get("specialOffer")),
        price_updated=_datetime(item.get("priceLastUpdate")),
        stock_updated=_datetime(item.get("lastStockUpdate")),
    )


def read_product(data):
    """A ``product`` dict (standard or standardUpdate view) -> :class:`Product`; raises ValueError when unusable."""
    if not isinstance(data, dict):
        raise ValueError("a product is not an object")
    puid = _id(data.get("puid"), "product id")
    items = _list(data.get("supplierItem"))
    offers = tuple(read_offer(item) for item in items)
    attributes = tuple(
        (_text(attribute.get("attributeTypeName")), _text(attribute.get("displayValue") or attribute.get("value")))
        for attribute in _list(data.get("attribute"))
        if isinstance(attribute, dict) and _text(attribute.get("attributeTypeName"))
    )
    accessories = tuple(
        _text(accessory.get("referencedProductId"))
        for accessory in _list(data.get("accessory"))
        if isinstance(accessory, dict) and _text(accessory.get("referencedProductId"))
    )
    return Product(
        puid=puid,
        name=_text(data.get("productName")),
        ean=_text(data.get("ean")),
        manufacturer_id=_text(data.get("manufacturerId")),
        manufacturer_name=_text(data.get("manufacturerName")),
        manufacturer_sku=_text(data.get("manufacturerSKU")),
        product_type_id=_text(data.get("productTypeId")),
        short_description=_text(data.get("shortDescription")),
        long_description=_text(data.get("longDescription")),
        weight=_float(data.get("estimateGrossWeight")),
        hs_code=_text(data.get("customsTariffNumber")),
        country_of_origin=next((_text(item["countryOfOrigin"]) for item in items if item.get("countryOfOrigin")), ""),
        deeplink=_text(data.get("deeplink")),
        datasheet_url=_text(data.get("standardHtmlDatasheet")),
        datasheet_pdf_url=_text(data.get("standardPdfDatasheet")),
        image_url=_text(data.get("imageHighRes1")) or _text(data.get("image2")),
        attributes=attributes,
        accessory_puids=accessories,
        offers=offers,
    )


def read_products(payloads):
    """Yield ``(product, None)`` or ``(None, (id, reason))`` for each product dict: one bad one never stops the rest."""
    for data in payloads:
        try:
            yield read_product(data), None
        except (ValueError, TypeError, AttributeError) as exc:
            yield None, (_text(data.get("puid")) if isinstance(data, dict) else "", str(exc))
