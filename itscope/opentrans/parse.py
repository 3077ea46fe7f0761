"""Read any openTRANS 2.1 ORDER, ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE or QUOTATION into a :class:`Document`.

All five share one layout (``<T>_HEADER/<T>_INFO``, ``<T>_ITEM_LIST/<T>_ITEM``, ``<T>_SUMMARY``, ``<T>_ID``,
``<T>_DATE``), so one reader serves them. Paths below are written with ``{header}``, ``{info}``, ``{item}`` and
``{summary}`` for those names, and each fact lists every place a sender may have put it (ITscope's own samples
disagree with each other, and other authors add their own habits). Hard problems raise
:class:`ItscopeDocumentError`; everything else becomes a ``warnings`` entry that names the place, so a half-filled
document from a distributor can still be shown and matched. Every value goes through :mod:`._values`, so no text a
sender writes can make the reader crash, hang or print megabytes.
"""

import json

from ..errors import ItscopeDocumentError
from ..xmlsafe import parse_xml
from ._values import read_count, read_country_code, read_date, read_decimal
from ._xml import Lookups, local_name, text
from .model import (
    Agreement,
    Charge,
    Component,
    Document,
    Line,
    OrderReference,
    Package,
    PartialDelivery,
    Party,
    PaymentTerm,
    Remark,
    Shipment,
    Tax,
    Totals,
)

DOCUMENT_TYPES = ("ORDER", "ORDERRESPONSE", "DISPATCHNOTIFICATION", "INVOICE", "QUOTATION")
# openTRANS 2.1's other documents: well-formed and legitimate, but nothing the connector acts on.
UNSUPPORTED_TYPES = ("ORDERCHANGE", "RFQ", "RECEIPTACKNOWLEDGEMENT", "INVOICELIST", "REMITTANCEADVICE")
# Bounds that keep a hostile document from costing more than seconds and megabytes: ITscope's documents are
# kilobytes (a 1,000-line invoice is about 2 MB), and an ITscope deal is one purchase order.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_TAGS = 1_000_000  # "<" characters: an upper bound of the elements lxml would build (each costs ~300 bytes)
MAX_ITEMS = 5000
MAX_RECORDS = 20000  # parties, packages, components, partial deliveries, charges, taxes, terms, remarks, party ids
CREDIT_NOTE_TYPES = ("credit_memo", "credit_note", "gutschrift")  # the XSD's value, then other authors' words
MAX_QUOTED_VALUE = 40  # characters of a bad value repeated in a warning

_PARTY_FIELDS = {
    "name": ("NAME",),
    "name2": ("NAME2",),
    "name3": ("NAME3",),
    "contact_name": ("CONTACT_DETAILS/CONTACT_NAME",),
    "first_name": ("CONTACT_DETAILS/FIRST_NAME",),
    "phone": ("PHONE", "CONTACT_DETAILS/PHONE"),
    "email": ("EMAIL", "EMAILS/EMAIL", "CONTACT_DETAILS/EMAILS/EMAIL"),
    "street": ("STREET",),
    "zip": ("ZIP",),
    "city": ("CITY",),
    "country": ("COUNTRY",),
    "vat_id": ("VAT_ID",),
}
# Where senders put a line's serial numbers: the schema's place first, then the item itself and user-defined fields.
_SERIAL_PATHS = ("SERIAL_NUMBER", "ITEM_UDX/UDX.SERIALNUMBER", "ITEM_UDX/UDX.SERIAL_NUMBER", "UDX/SERIALNUMBER")


def parse_document(data):
    """Parse openTRANS bytes into a :class:`Document`; raise ItscopeDocumentError when it cannot be used at all."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ItscopeDocumentError("The document is larger than %d bytes; it is refused." % MAX_DOCUMENT_BYTES)
    if data.count(b"<") > MAX_TAGS:
        raise ItscopeDocumentError("The document has more than %d tags; it is refused." % MAX_TAGS)
    return _Reader(parse_xml(data)).read()


def document_to_json(data):
    """The parsed document as indented JSON (what ``python -m itscope opentrans parse FILE`` prints)."""
    return json.dumps(parse_document(data).as_dict(), indent=2, ensure_ascii=False)


def _short(value):
    """A sender's text as repeated in a warning: cut, so that a megabyte of id cannot become a megabyte of warning."""
    return value if len(value) <= MAX_QUOTED_VALUE else value[:MAX_QUOTED_VALUE] + "…"


def _quoted(value):
    return repr(_short(value))


def _unique(values):
    return list(dict.fromkeys(value for value in values if value))


class _Reader:
    """One document being read; collects warnings while the facts are picked out."""

    def __init__(self, root):
        self.type = local_name(root)
        if self.type in UNSUPPORTED_TYPES:
            raise ItscopeDocumentError(
                "%s documents are not processed by the connector; it reads %s." % (self.type, ", ".join(DOCUMENT_TYPES))
            )
        if self.type not in DOCUMENT_TYPES:
            raise ItscopeDocumentError(
                "Unknown document type <%s>: expected one of %s." % (self.type, ", ".join(DOCUMENT_TYPES))
            )
        self.root = root
        self.xml = Lookups()
        self.names = {
            "header": "%s_HEADER" % self.type,
            "info": "%s_HEADER/%s_INFO" % (self.type, self.type),
            "item": "%s_ITEM_LIST/%s_ITEM" % (self.type, self.type),
            "summary": "%s_SUMMARY" % self.type,
        }
        self.info = self.xml.find(root, self.names["info"])
        self.items = self.xml.find_all(root, self.names["item"])
        self.summary = self.xml.find(root, self.names["summary"])
        self.warnings = []
        self.records_left = MAX_RECORDS

    # A reader class, not an Odoo model: no super() to call.
    def read(self):  # pylint: disable=method-required-super
        if len(self.items) > MAX_ITEMS:
            raise ItscopeDocumentError(
                "The %s has %d items; documents with more than %d are refused."
                % (self.type, len(self.items), MAX_ITEMS)
            )
        if self.info is None:
            raise ItscopeDocumentError("The %s has no %s." % (self.type, self.names["info"]))
        if not self.items:
            raise ItscopeDocumentError("The %s has no items." % self.type)
        version = self.root.get("version")
        if version and not version.startswith("2."):
            self.warn("The document says openTRANS version %s; it was read as 2.1." % _quoted(version))
        doc = Document(
            type=self.type,
            version=version,
            order_id=self._text("{info}/ORDER_ID", "{header}/ORDER_HISTORY/ORDER_ID"),
            supplier_order_id=self._text(
                "{info}/SUPPLIER_ORDER_ID",
                "{header}/ORDER_HISTORY/SUPPLIER_ORDER_ID",
                "{item}/SUPPLIER_ORDER_REFERENCE/SUPPLIER_ORDER_ID",
            ),
            document_id=self._text("{info}/%s_ID" % self.type),
            document_date=self._date(self.root, "{info}/%s_DATE" % self.type),
            order_date=self._date(
                self.root, "{info}/ORDER_DATE", "{header}/ORDER_HISTORY/ORDER_DATE", "{item}/ORDER_REFERENCE/ORDER_DATE"
            ),
            currency=self._text("{info}/CURRENCY"),
            supplier_id=self._text("{info}/ORDER_PARTIES_REFERENCE/SUPPLIER_IDREF", "{info}/SUPPLIER_IDREF"),
            buyer_id=self._text("{info}/ORDER_PARTIES_REFERENCE/BUYER_IDREF", "{info}/BUYER_IDREF"),
            customer_order_id=self._text("{info}/CUSTOMER_ORDER_REFERENCE/ORDER_ID"),
            alt_customer_order_ids=self.xml.texts(self.info, "ALT_CUSTOMER_ORDER_ID")
            or self.xml.texts(self.root, self._path("{header}/ORDER_HISTORY/ALT_CUSTOMER_ORDER_ID")),
            invoice_type=self._text("{info}/INVOICE_TYPE") if self.type == "INVOICE" else None,
            invoice_issuer_id=self._text("{info}/INVOICE_ISSUER_IDREF"),
            invoice_recipient_id=self._text(
                "{info}/INVOICE_RECIPIENT_IDREF", "{info}/ORDER_PARTIES_REFERENCE/INVOICE_RECIPIENT_IDREF"
            ),
            delivery_id=self._text(
                "{info}/SHIPMENT_PARTIES_REFERENCE/DELIVERY_IDREF",
                "{info}/ORDER_PARTIES_REFERENCE/SHIPMENT_PARTIES_REFERENCE/DELIVERY_IDREF",
                "{info}/DELIVERY_IDREF",
            ),
            delivery_note_id=self._text("{info}/DELIVERYNOTE_ID", "{header}/ORDER_HISTORY/DELIVERYNOTE_ID"),
            valid_start=self._date(self.info, "VALID_START_DATE"),
            valid_end=self._date(self.info, "VALID_END_DATE"),
            payment_terms=[
                self._payment_term(term) for term in self._records(self.info, "PAYMENT/PAYMENT_TERMS/TIME_FOR_PAYMENT")
            ],
            partial_shipment_allowed=self._bool(self.info, "PARTIAL_SHIPMENT_ALLOWED"),
            dropship=self._bool(self.info, "HEADER_UDX/UDX.DROPSHIPMENT"),
            delivery_start=self._date(self.info, "DELIVERY_DATE/DELIVERY_START_DATE"),
            delivery_end=self._date(self.info, "DELIVERY_DATE/DELIVERY_END_DATE"),
            parties=[self._party(element) for element in self._records(self.info, "PARTIES/PARTY")],
            remarks=self._remarks(self.info, exclude="delivererCode"),
        )
        for role, attribute in (("supplier", "supplier_id"), ("buyer", "buyer_id")):
            party = doc.party(role)
            if getattr(doc, attribute) is None and party is not None and party.party_id:
                setattr(doc, attribute, party.party_id)  # senders that leave out the IDREF still name the party
        doc.lines = [self._line(item, number) for number, item in enumerate(self.items, start=1)]
        doc.order_ids = _unique(
            [doc.order_id, *(line.order_reference.order_id for line in doc.lines if line.order_reference)]
        )
        doc.order_id = doc.order_id or next(iter(doc.order_ids), None)
        doc.totals = self._totals()
        doc.shipment = self._shipment(doc)
        self._check_ids(doc)
        self._check_invoice_type(doc)
        self._check_sums(doc)
        doc.warnings = self.warnings
        return doc

    # ------------------------------------------------------------
    # Pieces
    # ------------------------------------------------------------

    def _party(self, element):
        address = self.xml.find(element, "ADDRESS")
        role = self.xml.find_text(element, "PARTY_ROLE") or ""
        party_ids = self._records(element, "PARTY_ID")
        first_id = party_ids[0] if party_ids else None
        party = Party(
            role=role,
            party_id=text(first_id) or "",
            id_type=first_id.get("type", "") if first_id is not None else "",
            other_ids={party_id.get("type", ""): text(party_id) for party_id in party_ids[1:] if text(party_id)},
            **{key: self.xml.find_text(address, *paths) or "" for key, paths in _PARTY_FIELDS.items()},
        )
        country_code = self.xml.find_text(address, "COUNTRY_CODED")
        if country_code is not None:
            try:
                party.country_code = read_country_code(country_code)
            except ValueError as reason:
                self.warn("Party %s: COUNTRY_CODED %s %s." % (_short(role) or "?", _quoted(country_code), reason))
                party.country_code = country_code
        return party

    def _line(self, item, number):
        line_id = self.xml.find_text(item, "LINE_ITEM_ID")
        if line_id is None:
            self.warn("Item %d has no LINE_ITEM_ID." % number)
        where = "Line %s: " % _short(line_id) if line_id else "Item %d: " % number
        product = self.xml.find(item, "PRODUCT_ID")
        line = Line(
            line_id=line_id,
            supplier_pid=self.xml.find_text(product, "SUPPLIER_PID"),
            ean=self.xml.find_text(product, "INTERNATIONAL_PID[@type=ean]", "INTERNATIONAL_PID[@type=gtin]"),
            puid=self.xml.find_text(product, "INTERNATIONAL_PID[@type=itscope]"),
            buyer_pid=self.xml.find_text(product, "BUYER_PID"),
            supplier_item_id=self.xml.find_text(product, "BUYER_PID[@type=itscope]"),
            supplier_id=self.xml.find_text(product, "SUPPLIER_IDREF") or self.xml.find_text(item, "SUPPLIER_IDREF"),
            description=self.xml.find_text(product, "DESCRIPTION_SHORT"),
            description_long=self.xml.find_text(product, "DESCRIPTION_LONG"),
            manufacturer_pid=self.xml.find_text(product, "MANUFACTURER_INFO/MANUFACTURER_PID"),
            manufacturer_id=self.xml.find_text(product, "MANUFACTURER_INFO/MANUFACTURER_IDREF"),
            lot_numbers=self.xml.texts(product, "LOT_NUMBER"),
            quantity=self._decimal(item, "QUANTITY", where=where),
            unit=self.xml.find_text(item, "ORDER_UNIT"),
            price=self._decimal(item, "PRODUCT_PRICE_FIX/PRICE_AMOUNT", where=where),
            price_quantity=self._decimal(item, "PRODUCT_PRICE_FIX/PRICE_QUANTITY", where=where),
            line_amount=self._decimal(item, "PRICE_LINE_AMOUNT", where=where),
            charges=self._charges(self.xml.find(item, "PRODUCT_PRICE_FIX"), where),
            delivery_start=self._date(item, "DELIVERY_DATE/DELIVERY_START_DATE", where=where),
            delivery_end=self._date(item, "DELIVERY_DATE/DELIVERY_END_DATE", where=where),
            serial_numbers=self.xml.texts(product, "SERIAL_NUMBER")
            + [serial for path in _SERIAL_PATHS for serial in self.xml.texts(item, path)],
            supplier_order_id=self.xml.find_text(item, "SUPPLIER_ORDER_REFERENCE/SUPPLIER_ORDER_ID"),
            supplier_order_item_id=self.xml.find_text(item, "SUPPLIER_ORDER_REFERENCE/SUPPLIER_ORDER_ITEM_ID"),
            customer_order_id=self.xml.find_text(item, "CUSTOMER_ORDER_REFERENCE/ORDER_ID"),
            customer_id=self.xml.find_text(item, "CUSTOMER_ORDER_REFERENCE/CUSTOMER_IDREF"),
            product_type=self.xml.find_text(product, "PRODUCT_TYPE"),
            delivery_note_id=self.xml.find_text(item, "DELIVERY_REFERENCE/DELIVERYNOTE_ID"),
            corrected_invoice_id=self.xml.find_text(item, "INVOICE_CORRECTION/INVOICE_REFERENCE/INVOICE_ID"),
            corrected_invoice_line_id=self.xml.find_text(item, "INVOICE_CORRECTION/INVOICE_REFERENCE/LINE_ITEM_ID"),
            delivery_completed=self._bool(item, "DELIVERY_COMPLETED"),
            tax_rate=self._decimal(item, "PRODUCT_PRICE_FIX/TAX_DETAILS_FIX/TAX", "TAX_DETAILS_FIX/TAX", where=where),
            unit_tax_amount=self._decimal(item, "PRODUCT_PRICE_FIX/TAX_DETAILS_FIX/TAX_AMOUNT", where=where),
            packages=self._packages(item, "LOGISTIC_DETAILS/PACKAGE_INFO/PACKAGE", where),
            partial_deliveries=[
                PartialDelivery(
                    quantity=self._decimal(delivery, "QUANTITY", where=where),
                    delivery_start=self._date(delivery, "DELIVERY_DATE/DELIVERY_START_DATE", where=where),
                    delivery_end=self._date(delivery, "DELIVERY_DATE/DELIVERY_END_DATE", where=where),
                )
                for delivery in self._records(item, "PARTIAL_DELIVERY_LIST/PARTIAL_DELIVERY")
            ],
            components=self._components(item, where),
            agreements=self._agreements(item, where),
            remarks=self._remarks(item),
        )
        reference = self.xml.find(item, "ORDER_REFERENCE")
        if reference is not None:
            line.order_reference = OrderReference(
                order_id=self.xml.find_text(reference, "ORDER_ID"),
                line_id=self.xml.find_text(reference, "LINE_ITEM_ID"),
            )
        if line.supplier_pid is None and self.type != "QUOTATION":
            self.warn("%shas no SUPPLIER_PID." % where)
        if self.xml.find_text(item, "QUANTITY") is None:
            self.warn("%shas no QUANTITY." % where)
        if line.price_quantity is not None and line.price_quantity <= 0:
            self.warn("%sPRICE_QUANTITY %s is not positive; the price is read per unit." % (where, line.price_quantity))
            line.price_quantity = None
        return line

    def _agreements(self, item, where):
        """The item's AGREEMENTs: a QUOTATION_ITEM carries them itself, an ORDER item inside SOURCING_INFO."""
        return [
            Agreement(
                agreement_id=self.xml.find_text(agreement, "AGREEMENT_ID"),
                type=agreement.get("type", ""),
                start_date=self._date(agreement, "AGREEMENT_START_DATE", where=where),
                end_date=self._date(agreement, "AGREEMENT_END_DATE", where=where),
                description=self.xml.find_text(agreement, "AGREEMENT_DESCR"),
            )
            for path in ("AGREEMENT", "SOURCING_INFO/AGREEMENT")
            for agreement in self._records(item, path)
            if self.xml.find_text(agreement, "AGREEMENT_ID")
        ]

    def _components(self, element, where):
        """PRODUCT_COMPONENTS, nested ones flattened after their parent (the XML depth limit bounds the nesting)."""
        components = []
        for component in self._records(element, "PRODUCT_COMPONENTS/PRODUCT_COMPONENT"):
            product = self.xml.find(component, "PRODUCT_ID")
            components.append(
                Component(
                    supplier_pid=self.xml.find_text(product, "SUPPLIER_PID"),
                    ean=self.xml.find_text(product, "INTERNATIONAL_PID[@type=ean]", "INTERNATIONAL_PID[@type=gtin]"),
                    description=self.xml.find_text(product, "DESCRIPTION_SHORT"),
                    quantity=self._decimal(component, "QUANTITY", where=where),
                    unit=self.xml.find_text(component, "ORDER_UNIT"),
                    serial_numbers=self.xml.texts(product, "SERIAL_NUMBER"),
                )
            )
            components.extend(self._components(component, where))
        return components

    def _packages(self, element, path, where=""):
        packages = []
        for package in self._records(element, path):
            package_ids = self.xml.texts(package, "PACKAGE_ID")
            packages.append(
                Package(
                    package_id=package_ids[0] if package_ids else None,
                    other_ids=package_ids[1:],
                    description=self.xml.find_text(package, "PACKAGE_DESCR"),
                    quantity=self._decimal(package, "PACKAGE_ORDER_UNIT_QUANTITY", where=where),
                    count=self._decimal(package, "PACKAGE_QUANTITY", where=where),
                    weight=self._decimal(package, "PACKAGE_DIMENSIONS/WEIGHT", where=where),
                )
            )
        return packages

    def _shipment(self, doc):
        deliverer = doc.party("deliverer")
        shipment = Shipment(
            shipment_id=self.xml.find_text(self.info, "SHIPMENT_ID"),
            tracking_url=self.xml.find_text(self.info, "TRACKING_TRACING_URL"),
            carrier=self.xml.find_text(self.info, "REMARKS[@type=delivererCode]")
            or (deliverer.name if deliverer else None),
            packages=self._packages(self.info, "LOGISTIC_DETAILS_INFO/PACKAGE_INFO/PACKAGE"),
        )
        if shipment != Shipment():
            return shipment
        if self.type == "DISPATCHNOTIFICATION" and not any(line.packages for line in doc.lines):
            self.warn("The DISPATCHNOTIFICATION carries no tracking number, carrier or package.")
        return None

    def _payment_term(self, element):
        return PaymentTerm(
            due_date=self._date(element, "PAYMENT_DATE"),
            days=self._decimal(element, "DAYS"),
            discount_factor=self._decimal(element, "DISCOUNT_FACTOR"),
        )

    def _charges(self, element, where=""):
        charges = []
        for charge in self._records(element, "ALLOW_OR_CHARGES_FIX/ALLOW_OR_CHARGE"):
            amount = self._decimal(charge, "ALLOW_OR_CHARGE_VALUE/AOC_MONETARY_AMOUNT", where=where)
            kind = charge.get("type", "surcharge")
            name = self.xml.find_text(charge, "ALLOW_OR_CHARGE_TYPE", "ALLOW_OR_CHARGE_NAME")
            if amount is None:
                self.warn("%sthe %s %s has no amount." % (where, _short(kind), _quoted(name or "?")))
                continue
            charges.append(
                Charge(
                    kind=kind, type=name, description=self.xml.find_text(charge, "ALLOW_OR_CHARGE_DESCR"), amount=amount
                )
            )
        return charges

    def _totals(self):
        if self.summary is None:
            self.warn("The %s has no %s." % (self.type, self.names["summary"]))
            return Totals()
        return Totals(
            item_count=self._read(read_count, self.summary, ("TOTAL_ITEM_NUM",)),
            net=self._decimal(self.summary, "NET_VALUE_GOODS"),
            extra=self._charges(self.summary),
            extra_total=self._decimal(
                self.summary, "NET_VALUE_EXTRA", "ALLOW_OR_CHARGES_FIX/ALLOW_OR_CHARGES_TOTAL_AMOUNT"
            ),
            tax=[
                Tax(
                    rate=self._decimal(detail, "TAX"),
                    amount=self._decimal(detail, "TAX_AMOUNT"),
                    type=self.xml.find_text(detail, "TAX_TYPE") or "vat",
                    base=self._decimal(detail, "TAX_BASE"),
                )
                for detail in self._records(self.summary, "TOTAL_TAX/TAX_DETAILS_FIX")
            ],
            total=self._decimal(self.summary, "TOTAL_AMOUNT"),
        )

    # ------------------------------------------------------------
    # Checks: what makes the document unusable, and what a reader would otherwise trust blindly
    # ------------------------------------------------------------

    def _check_ids(self, doc):
        if self.type == "ORDER" and not doc.order_id:
            raise ItscopeDocumentError("The ORDER names no ORDER_ID.")
        if self.type == "QUOTATION":
            if not doc.document_id:
                raise ItscopeDocumentError("The QUOTATION has no QUOTATION_ID.")
            return
        if not doc.order_id:
            self.warn(
                "The %s names no ORDER_ID, neither in its header nor in its lines: match it to the purchase order "
                "through the ITscope deal it came with." % self.type
            )
        if self.type in ("DISPATCHNOTIFICATION", "INVOICE") and not doc.document_id:
            self.warn("The %s has no %s_ID." % (self.type, self.type))

    def _check_invoice_type(self, doc):
        if self.type != "INVOICE":
            return
        invoice_type = (doc.invoice_type or "").lower()
        if invoice_type in CREDIT_NOTE_TYPES:
            doc.is_credit_note = True
        elif not invoice_type and doc.totals.total is not None and doc.totals.total < 0:
            doc.is_credit_note = True
            self.warn("The INVOICE names no INVOICE_TYPE and its TOTAL_AMOUNT is negative: read as a credit note.")
        elif invoice_type not in ("", "invoice"):
            self.warn(
                "INVOICE_TYPE %s is neither an invoice nor a credit note: check the document before booking it."
                % _quoted(doc.invoice_type)
            )

    def _check_sums(self, doc):
        totals = doc.totals
        if doc.document_date is None:
            self.warn("The %s has no %s_DATE." % (self.type, self.type))
        if doc.currency is None and self.type in ("ORDER", "INVOICE", "QUOTATION"):
            self.warn("The %s names no CURRENCY." % self.type)
        if totals.item_count is not None and totals.item_count != len(doc.lines):
            self.warn("TOTAL_ITEM_NUM says %d, the document has %d items." % (totals.item_count, len(doc.lines)))
        amounts = [line.amount for line in doc.lines]
        lines_total = None if None in amounts else sum(amounts)
        if self.type == "INVOICE":
            if None not in (totals.net, lines_total) and totals.net != lines_total:
                self.warn("NET_VALUE_GOODS %s differs from the sum of the lines %s." % (totals.net, lines_total))
            parts = [totals.net, *(charge.signed_amount for charge in totals.extra), *(t.amount for t in totals.tax)]
            if totals.total is not None and None not in parts and sum(parts) != totals.total:
                self.warn("TOTAL_AMOUNT %s is not net + charges + tax = %s." % (totals.total, sum(parts)))
        elif None not in (totals.total, lines_total) and totals.total != lines_total:
            self.warn("TOTAL_AMOUNT %s differs from the sum of the lines %s." % (totals.total, lines_total))

    # ------------------------------------------------------------
    # Value readers: a bad value becomes a warning naming its place, not an exception
    # ------------------------------------------------------------

    def warn(self, message):
        self.warnings.append(message)

    def _path(self, path):
        return path.format(**self.names)

    def _text(self, *paths):
        return self.xml.find_text(self.root, *(self._path(path) for path in paths))

    def _read(self, reader, element, paths, where=""):
        """``reader`` applied to the first text found along ``paths``; ``None`` (and a warning) when it refuses."""
        paths = [self._path(path) for path in paths]
        value = self.xml.find_text(element, *paths)
        if value is None:
            return None
        try:
            return reader(value)
        except ValueError as reason:
            name = paths[0].rpartition("/")[2].partition("[")[0]
            self.warn("%s%s %s %s." % (where, name, _quoted(value), reason))
            return None

    def _decimal(self, element, *paths, where=""):
        return self._read(read_decimal, element, paths, where)

    def _date(self, element, *paths, where=""):
        return self._read(read_date, element, paths, where)

    def _records(self, element, path):
        """The elements along ``path``, each about to become a record, taken off the document's record budget."""
        elements = self.xml.find_all(element, path)
        self.records_left -= len(elements)
        if self.records_left < 0:
            raise ItscopeDocumentError(
                "The %s holds more than %d parties, packages, components, charges, terms and remarks; it is refused."
                % (self.type, MAX_RECORDS)
            )
        return elements

    def _bool(self, element, path):
        value = self.xml.find_text(element, path)
        return None if value is None else value.lower() in ("true", "1")

    def _remarks(self, element, exclude=None):
        return [
            Remark(type=remark.get("type", "general"), text=text(remark))
            for remark in self._records(element, "REMARKS")
            if text(remark) and remark.get("type") != exclude
        ]
