"""Plain records for ITscope's master data, read from the JSON payloads the client returns.

Readers take a whole list and return ``(records, problems)``: one malformed entry becomes a problem ``(id or None,
reason)`` and never stops the others, so a sync can log it and go on.
"""

from dataclasses import dataclass, field


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
    return (_text(inner.get("id")) or None) if isinstance(inner, dict) else None


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
