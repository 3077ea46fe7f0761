"""Read any openTRANS 2.1 ORDER, ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE or QUOTATION into a :class:`Document`.

All five share one layout (``<T>_HEADER/<T>_INFO``, ``<T>_ITEM_LIST/<T>_ITEM``, ``<T>_SUMMARY``, ``<T>_ID``,
``<T>_DATE``), so one reader serves them. Paths below are written with ``{header}``, ``{info}``, ``{item}`` and
``{summary}`` for those names, and each fact lists every place a sender may have put it (ITscope's own samples
disagree with each other). Hard problems raise :class:`ItscopeDocumentError`; everything else becomes a ``warnings``
entry, so a half-filled document from a distributor can still be shown and matched.
"""

import json

from ..errors import ItscopeDocumentError
from ..xmlsafe import parse_xml
from ._xml import find, find_all, find_text, local_name, parse_date, text, texts, to_decimal
from .model import Charge, Document, Line, OrderReference, Package, Party, Remark, Shipment, Tax, Totals

DOCUMENT_TYPES = ("ORDER", "ORDERRESPONSE", "DISPATCHNOTIFICATION", "INVOICE", "QUOTATION")

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
    "country_code": ("COUNTRY_CODED",),
    "vat_id": ("VAT_ID",),
}


def parse_document(data):
    """Parse openTRANS bytes into a :class:`Document`; raise ItscopeDocumentError when it cannot be used at all."""
    return _Reader(parse_xml(data)).read()


def document_to_json(data):
    """The parsed document as indented JSON (what ``python -m itscope opentrans parse FILE`` prints)."""
    return json.dumps(parse_document(data).as_dict(), indent=2, ensure_ascii=False)


class _Reader:
    """One document being read; collects warnings while the facts are picked out."""

    def __init__(self, root):
        self.type = local_name(root)
        if self.type not in DOCUMENT_TYPES:
            raise ItscopeDocumentError(
                "Unknown document type <%s>: expected one of %s." % (self.type, ", ".join(DOCUMENT_TYPES))
            )
        self.root = root
        self.names = {
            "header": "%s_HEADER" % self.type,
            "info": "%s_HEADER/%s_INFO" % (self.type, self.type),
            "item": "%s_ITEM_LIST/%s_ITEM" % (self.type, self.type),
            "summary": "%s_SUMMARY" % self.type,
        }
        self.info = find(root, self.names["info"])
        self.items = find_all(root, self.names["item"])
        self.summary = find(root, self.names["summary"])
        self.warnings = []

    def read(self):
        if self.info is None:
            raise ItscopeDocumentError("The %s has no %s." % (self.type, self.names["info"]))
        if not self.items:
            raise ItscopeDocumentError("The %s has no items." % self.type)
        doc = Document(
            type=self.type,
            order_id=self._text(
                "{info}/ORDER_ID", "{header}/ORDER_HISTORY/ORDER_ID", "{item}/ORDER_REFERENCE/ORDER_ID"
            ),
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
            alt_customer_order_ids=texts(self.info, "ALT_CUSTOMER_ORDER_ID")
            or texts(self.root, self._path("{header}/ORDER_HISTORY/ALT_CUSTOMER_ORDER_ID")),
            partial_shipment_allowed=self._bool("{info}/PARTIAL_SHIPMENT_ALLOWED"),
            dropship=self._bool("{info}/HEADER_UDX/UDX.DROPSHIPMENT"),
            delivery_start=self._date(self.info, "DELIVERY_DATE/DELIVERY_START_DATE"),
            delivery_end=self._date(self.info, "DELIVERY_DATE/DELIVERY_END_DATE"),
            parties=[self._party(element) for element in find_all(self.info, "PARTIES/PARTY")],
            lines=[self._line(item) for item in self.items],
            shipment=self._shipment(),
            totals=self._totals(),
            remarks=self._remarks(self.info, exclude="delivererCode"),
        )
        if self.type == "QUOTATION":
            if not doc.document_id:
                raise ItscopeDocumentError("The QUOTATION has no QUOTATION_ID.")
        elif not doc.order_id:
            raise ItscopeDocumentError("The %s names no ORDER_ID." % self.type)
        self._check(doc)
        doc.warnings = self.warnings
        return doc

    # ------------------------------------------------------------
    # Pieces
    # ------------------------------------------------------------

    def _party(self, element):
        address = find(element, "ADDRESS")
        party_id = find(element, "PARTY_ID")
        return Party(
            role=find_text(element, "PARTY_ROLE") or "",
            party_id=text(party_id) or "",
            id_type=party_id.get("type", "") if party_id is not None else "",
            **{key: find_text(address, *paths) or "" for key, paths in _PARTY_FIELDS.items()},
        )

    def _line(self, item):
        line_id = find_text(item, "LINE_ITEM_ID")
        if line_id is None:
            self.warn("An item has no LINE_ITEM_ID.")
        product = find(item, "PRODUCT_ID")
        line = Line(
            line_id=line_id,
            supplier_pid=find_text(product, "SUPPLIER_PID"),
            ean=find_text(product, "INTERNATIONAL_PID[@type=ean]", "INTERNATIONAL_PID[@type=gtin]"),
            puid=find_text(product, "INTERNATIONAL_PID[@type=itscope]"),
            buyer_pid=find_text(product, "BUYER_PID"),
            supplier_id=find_text(product, "SUPPLIER_IDREF") or find_text(item, "SUPPLIER_IDREF"),
            description=find_text(product, "DESCRIPTION_SHORT"),
            description_long=find_text(product, "DESCRIPTION_LONG"),
            quantity=self._decimal(item, "QUANTITY"),
            unit=find_text(item, "ORDER_UNIT"),
            price=self._decimal(item, "PRODUCT_PRICE_FIX/PRICE_AMOUNT"),
            line_amount=self._decimal(item, "PRICE_LINE_AMOUNT"),
            delivery_start=self._date(item, "DELIVERY_DATE/DELIVERY_START_DATE"),
            delivery_end=self._date(item, "DELIVERY_DATE/DELIVERY_END_DATE"),
            serial_numbers=texts(product, "SERIAL_NUMBER"),
            supplier_order_item_id=find_text(item, "SUPPLIER_ORDER_REFERENCE/SUPPLIER_ORDER_ITEM_ID"),
            tax_rate=self._decimal(item, "PRODUCT_PRICE_FIX/TAX_DETAILS_FIX/TAX"),
            unit_tax_amount=self._decimal(item, "PRODUCT_PRICE_FIX/TAX_DETAILS_FIX/TAX_AMOUNT"),
            remarks=self._remarks(item),
        )
        reference = find(item, "ORDER_REFERENCE")
        if reference is not None:
            line.order_reference = OrderReference(
                order_id=find_text(reference, "ORDER_ID"), line_id=find_text(reference, "LINE_ITEM_ID")
            )
        if line.supplier_pid is None and self.type != "QUOTATION":
            self.warn("Line %s has no SUPPLIER_PID." % line_id)
        if line.quantity is None:
            self.warn("Line %s has no QUANTITY." % line_id)
        return line

    def _shipment(self):
        shipment = Shipment(
            shipment_id=find_text(self.info, "SHIPMENT_ID"),
            tracking_url=find_text(self.info, "TRACKING_TRACING_URL"),
            carrier=find_text(self.info, "REMARKS[@type=delivererCode]"),
            packages=[
                Package(
                    package_id=find_text(package, "PACKAGE_ID"),
                    description=find_text(package, "PACKAGE_DESCR"),
                    quantity=self._decimal(package, "PACKAGE_ORDER_UNIT_QUANTITY", "PACKAGE_QUANTITY"),
                    weight=self._decimal(package, "PACKAGE_DIMENSIONS/WEIGHT"),
                )
                for package in find_all(self.info, "LOGISTIC_DETAILS_INFO/PACKAGE_INFO/PACKAGE")
            ],
        )
        if shipment != Shipment():
            return shipment
        if self.type == "DISPATCHNOTIFICATION":
            self.warn("The DISPATCHNOTIFICATION carries no tracking number, carrier or package.")
        return None

    def _totals(self):
        if self.summary is None:
            self.warn("The %s has no %s." % (self.type, self.names["summary"]))
            return Totals()
        item_count = find_text(self.summary, "TOTAL_ITEM_NUM")
        return Totals(
            item_count=int(item_count) if item_count and item_count.isdigit() else None,
            net=self._decimal(self.summary, "NET_VALUE_GOODS"),
            extra=[
                Charge(
                    kind=charge.get("type", "surcharge"),
                    type=find_text(charge, "ALLOW_OR_CHARGE_TYPE", "ALLOW_OR_CHARGE_NAME"),
                    description=find_text(charge, "ALLOW_OR_CHARGE_DESCR"),
                    amount=self._decimal(charge, "ALLOW_OR_CHARGE_VALUE/AOC_MONETARY_AMOUNT"),
                )
                for charge in find_all(self.summary, "ALLOW_OR_CHARGES_FIX/ALLOW_OR_CHARGE")
            ],
            extra_total=self._decimal(
                self.summary, "NET_VALUE_EXTRA", "ALLOW_OR_CHARGES_FIX/ALLOW_OR_CHARGES_TOTAL_AMOUNT"
            ),
            tax=[
                Tax(
                    rate=self._decimal(detail, "TAX"),
                    amount=self._decimal(detail, "TAX_AMOUNT"),
                    type=find_text(detail, "TAX_TYPE") or "vat",
                )
                for detail in find_all(self.summary, "TOTAL_TAX/TAX_DETAILS_FIX")
            ],
            total=self._decimal(self.summary, "TOTAL_AMOUNT"),
        )

    def _check(self, doc):
        """Soft checks: the dates and sums a reader would otherwise trust blindly."""
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
    # Value readers: a bad value becomes a warning, not an exception
    # ------------------------------------------------------------

    def warn(self, message):
        self.warnings.append(message)

    def _path(self, path):
        return path.format(**self.names)

    def _text(self, *paths):
        return find_text(self.root, *(self._path(path) for path in paths))

    def _bool(self, path):
        value = self._text(path)
        return None if value is None else value.lower() in ("true", "1")

    def _decimal(self, element, *paths):
        value = find_text(element, *paths)
        if value is None:
            return None
        try:
            return to_decimal(value)
        except ValueError:
            self.warn("%s: %r is not a number." % (paths[0].rpartition("/")[2], value))
            return None

    def _date(self, element, *paths):
        paths = [self._path(path) for path in paths]
        value = find_text(element, *paths)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.warn("%s: %r is not a date." % (paths[0].rpartition("/")[2], value))
            return None

    def _remarks(self, element, exclude=None):
        return [
            Remark(type=remark.get("type", "general"), text=text(remark))
            for remark in find_all(element, "REMARKS")
            if text(remark) and remark.get("type") != exclude
        ]
