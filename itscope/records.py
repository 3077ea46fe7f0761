"""Plain records for ITscope's master data, quotes and cart line items, read from the JSON payloads the client returns.

Readers take a whole list and return ``(records, problems)``: one malformed entry becomes a problem ``(id or None,
reason)`` and never stops the others, so a sync can log it and go on.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .products import _amount, _moment, _whole
from .products import _text as _field

# ITscope's quote statuses: the codes its quote search takes, and the labels its quote list may show instead (the
# OpenAPI's example is "In Verhandlung"), in German and English.
QUOTE_STATUSES = ("DRAFT", "PROGRESS", "WON", "LOST")
_QUOTE_STATUS_LABELS = {
    "entwurf": "DRAFT",
    "draft": "DRAFT",
    "in verhandlung": "PROGRESS",
    "in bearbeitung": "PROGRESS",
    "in progress": "PROGRESS",
    "in negotiation": "PROGRESS",
    "gewonnen": "WON",
    "won": "WON",
    "verloren": "LOST",
    "lost": "LOST",
}
_MAX_QUOTE_ID = 255


@dataclass(frozen=True)
class Distributor:
    itscope_id: str
    name: str
    deeplink: str = ""
    customer_account_number: str = ""
    order_account_number: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""  # ISO 3166 alpha-3, as ITscope sends it
    eservices: tuple = ()  # names of the eServices ITscope reports for this distributor

    @property
    def partnered(self):
        """ITscope sets the customer account number only where a partnership exists."""
        return bool(self.customer_account_number)


@dataclass(frozen=True)
class Manufacturer:
    itscope_id: str
    name: str
    short_name: str = ""
    deeplink: str = ""


@dataclass(frozen=True)
class ProductType:
    itscope_id: str
    name: str
    group_id: str
    group_name: str
    attribute_type_names: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Quote:
    """An ITscope quote as its list shows it. ``status`` is one of QUOTE_STATUSES, or "" when ITscope wrote a status
    the connector does not know (``status_text`` keeps it as written)."""

    itscope_id: str
    quote_no: str = ""
    name: str = ""
    status: str = ""
    status_text: str = ""
    valid_until: datetime | None = None
    last_modified: datetime | None = None
    organisation: str = ""
    person: str = ""
    customer_number: str = ""
    creator: str = ""
    item_count: int = 0
    total: Decimal | None = None
    deeplink: str = ""
    document_url: str = ""
    archived: bool = False


@dataclass(frozen=True)
class CartLineItem:
    """One line item of an ITscope cart: which distributor's offer (``distributor_id``, ``sku``) of which product."""

    itscope_id: str
    puid: str
    distributor_id: str
    sku: str
    quantity: int
    reference: str = ""
    price: Decimal | None = None


def _text(value):
    return "" if value is None else str(value).strip()


def _identifier(value):
    """ITscope ids are int64; keep them as digit strings so they never lose precision or leading meaning."""
    text = _text(value)
    if not text.isdigit():
        raise ValueError("missing or malformed id %r" % (value,))
    return text


def _read_all(entries, read_one, label):
    records, problems, seen = [], [], set()
    if not isinstance(entries, list):
        return [], [(None, "ITscope answered %s that are not a list" % label)]
    for entry in entries:
        try:
            record = read_one(entry)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            problems.append((_raw_id(entry), str(exc)))
            continue
        if record.itscope_id in seen:
            problems.append((record.itscope_id, "listed twice; the first entry was kept"))
            continue
        seen.add(record.itscope_id)
        records.append(record)
    return records, problems


def _raw_id(entry):
    if not isinstance(entry, dict):
        return None
    inner = entry.get("supplier") or entry.get("manufacturer") or entry
    if not isinstance(inner, dict):
        return None
    return _text(inner.get("id") or inner.get("quoteId") or inner.get("lineItemId"))[:80] or None


def _eservice_names(supplier):
    """Names of the eServices a distributor offers, from the ``eservices`` view (absent in the ``company`` view)."""
    services = supplier.get("eservices") or supplier.get("eService") or supplier.get("eServices") or []
    if isinstance(services, dict):
        services = [key for key, enabled in services.items() if enabled]
    return tuple(sorted(_text(service.get("name") if isinstance(service, dict) else service) for service in services))


def read_distributors(companies):
    """``company/distributor`` answers (``company`` dicts with a ``supplier`` inside) -> Distributor records."""

    def read_one(company):
        supplier = company["supplier"]
        if not isinstance(supplier, dict):
            raise ValueError("no supplier data")
        name = _text(supplier.get("name")) or _text(company.get("name"))
        if not name:
            raise ValueError("distributor without a name")
        customer_number = _text(supplier.get("customerAccountNumber"))
        return Distributor(
            itscope_id=_identifier(supplier.get("id")),
            name=name,
            deeplink=_text(supplier.get("deeplink")),
            customer_account_number=customer_number,
            order_account_number=_text(supplier.get("orderAccountNumber")) or customer_number,
            street=_text(company.get("street")),
            zip=_text(company.get("zip")),
            city=_text(company.get("city")),
            country=_text(company.get("country")),
            eservices=_eservice_names(supplier),
        )

    return _read_all(companies, read_one, "distributors")


def read_manufacturers(companies):
    """``company/manufacturer`` answers -> Manufacturer records."""

    def read_one(company):
        manufacturer = company["manufacturer"]
        name = _text(manufacturer.get("name"))
        if not name:
            raise ValueError("manufacturer without a name")
        return Manufacturer(
            itscope_id=_identifier(manufacturer.get("id")),
            name=name,
            short_name=_text(manufacturer.get("shortName")),
            deeplink=_text(manufacturer.get("deeplink")),
        )

    return _read_all(companies, read_one, "manufacturers")


def read_product_types(product_types):
    """``products/producttypes`` answers -> ProductType records (group = ITscope's first category level). The answer
    is a bare list in the OpenAPI description and ``{"productType": [...]}`` in production (real-world doc
    section 1): both are read."""
    if isinstance(product_types, dict) and "productType" in product_types:
        product_types = product_types["productType"]

    def read_one(product_type):
        group = product_type["productTypeGroup"]
        name, group_name = _text(product_type.get("name")), _text(group.get("name"))
        if not name or not group_name:
            raise ValueError("product type without a name or group")
        attribute_names = tuple(
            _text(product_type.get("attributeTypeName%d" % rank))
            for rank in range(1, 6)
            if _text(product_type.get("attributeTypeName%d" % rank))
        )
        return ProductType(
            itscope_id=_identifier(product_type.get("id")),
            name=name,
            group_id=_text(group.get("id")),
            group_name=group_name,
            attribute_type_names=attribute_names,
        )

    return _read_all(product_types, read_one, "product types")


def read_quotes(quotes):
    """``business/quotes`` answers -> ``(quotes, problems)``. A quote without an id is refused; a value that cannot
    be read (a date, the total, an unknown status) is left empty and named as a problem, and the quote is kept."""
    problems = []

    def optional(quote_id, reader, entry, key):
        try:
            return reader(entry, key)
        except ValueError as reason:
            problems.append((quote_id, str(reason)))
            return None

    def read_one(entry):
        quote_id = _field(entry, "quoteId")
        if not quote_id or len(quote_id) > _MAX_QUOTE_ID or any(char.isspace() for char in quote_id):
            raise ValueError("missing or malformed quoteId %s" % repr(entry.get("quoteId"))[:40])
        status_text = _field(entry, "status")
        status = status_text.upper() if status_text.upper() in QUOTE_STATUSES else ""
        status = status or _QUOTE_STATUS_LABELS.get(status_text.lower(), "")
        if status_text and not status:
            problems.append((quote_id, "unknown quote status %r, kept as written" % status_text))
        return Quote(
            itscope_id=quote_id,
            quote_no=_field(entry, "quoteNo"),
            name=_field(entry, "name"),
            status=status,
            status_text=status_text,
            valid_until=optional(quote_id, _moment, entry, "validUntil"),
            last_modified=optional(quote_id, _moment, entry, "lastModified"),
            organisation=_field(entry, "organisation"),
            person=_field(entry, "person"),
            customer_number=_field(entry, "customerNumber"),
            creator=_field(entry, "creator"),
            item_count=optional(quote_id, _whole, entry, "itemCount") or 0,
            total=optional(quote_id, _amount, entry, "totalPrice"),
            deeplink=_field(entry, "deeplink"),
            document_url=_field(entry, "documentUrl"),
            archived=entry.get("archived") in (True, "true"),
        )

    quotes, refused = _read_all(quotes, read_one, "quotes")
    return quotes, refused + problems


def read_cart_line_items(items):
    """A cart's line items (the client's ``cart_line_items``/``optimise_cart``) -> ``(line items, problems)``; a
    line item without its ids or a positive quantity is a problem."""

    def read_one(item):
        quantity = _whole(item, "quantity")
        if quantity <= 0:
            raise ValueError("quantity %r is not positive" % (item.get("quantity"),))
        line_item_id = _field(item, "lineItemId")
        if not line_item_id:
            raise ValueError("line item without a lineItemId")
        return CartLineItem(
            itscope_id=line_item_id,
            puid=_identifier(item.get("puid")),
            distributor_id=_identifier(item.get("supplierId")),
            sku=_field(item, "supplierItemId"),
            quantity=quantity,
            reference=_field(item, "customerOrderReference"),
            price=_amount(item, "price"),
        )

    return _read_all(items, read_one, "cart line items")
