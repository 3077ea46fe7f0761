"""The sandbox's business API: sending ORDERs, the deals they become, their openTRANS documents, and quotes.

Shapes follow ITscope's OpenAPI (``deal``, ``order``/``orderresponse``/``dispatchnotification``/``invoice``,
``quote``): list answers are JSON arrays or ``<deals><deal>…``/``<quotes><quote>…`` with the document lists wrapped
as ``<orderresponses><orderresponse>…``; an empty answer is a 204.

**Send** (``POST business/deals/purchase/send``, alias ``business/deals/send``) checks an ORDER the way ITscope
documents it and answers 400 with a plain-text reason when it is not well-formed or not XSD-valid (the schema is taken
from ``$ITSCOPE_OPENTRANS_XSD``, else ``../shared/opentrans/xsd``; without one only the XSD step is skipped), is not
an ORDER, names no or more than one distributor or an unknown one, has no ORDER_ID or one longer than 18
characters, has a line whose SUPPLIER_PID the distributor does not offer, a non-positive quantity, or a TOTAL_ITEM_NUM
or TOTAL_AMOUNT that does not match its lines. ITscope documents only "the new OrderID and the current status" for the
answer, so the sandbox answers 200 with the new deal itself: ``<deal>…</deal>``, or a JSON object when the request
accepts ``application/json``. The same ORDER_ID may be sent twice (as far as we know ITscope does not refuse it), so a
client unsure whether a send arrived must search by ``ownOrderId`` rather than rely on a refusal.

**Lifecycle.** A deal's history is planned when it is sent and revealed by the sandbox clock (``POST
/_sandbox/clock?advance=SECONDS``); nothing runs in the background. Times are after the send:

- +0 SENT (the ORDER is the deal's ``order`` document);
- +1 min ARRIVED, or ARRIVED_WARNING when a line's offer has stockStatus 6 (not available);
- +5 min an ORDERRESPONSE and PROCESSING; lines not available are cancelled (QUANTITY 0) → PARTIALLY_PROCESSING;
  every line unavailable → REJECTED and the story ends;
- +60 min a DISPATCHNOTIFICATION and ADVISED. When a line on stockStatus 2/3/4 orders more than the offer's stock,
  the first one ships what is in stock (PARTIALLY_ADVISED) and a second at +90 min ships the rest (ADVISED); with
  nothing at all in stock, only the second is sent;
- +120 min an INVOICE (19 % VAT, 9.90 freight surcharge) and INVOICED.

An ORDER whose header REMARKS contain ``SANDBOX:ERROR`` goes to ERROR at +1 min (with a statusMessage); one with
``SANDBOX:CANCEL`` is confirmed at +5 min and CANCELED at +30 min by an ORDERRESPONSE with every QUANTITY 0.
``PUT business/deals/orderedelsewhere/{orderId}`` sets ORDERED_ELSEWHERE and drops whatever had not happened yet (404
for an unknown deal, 400 once INVOICED, CANCELED, REJECTED or ERROR); ``PUT business/deals/archive/{orderId}``
archives (204 for an unknown deal). Both answer 200 with the deal as the single-deal GET does.

An orderId's code comes from the sandbox seed, the deal's sequence and the time the sandbox started, so a restarted
sandbox never reissues an orderId or transaction id (ITscope's are unique for good). Serial numbers
(``<orderId>-<line>-<unit>``), tracking numbers and document numbers are derived from the orderId and the seed.
``statusDate`` is the time of the last status change; a deal's last update (what ``lastUpdateDateFrom``/``To``
filter on) is that or its archiving. Dates without an offset there are read as UTC.

**Documents** (``business/documents/{transactionId}/{VIEW}.xml``) are 204 until their step has happened.
**Quotes**: three sample quotes (DRAFT, PROGRESS, WON) built from the first catalogue offers (see
``_ensure_quotes``), each with a QUOTATION whose BUYER_PID type="itscope" is the supplierItem id, as ITscope writes
it. ``validateschema`` answers 400 with the XSD's errors, one per line, or 200.
"""

import hashlib
import os
import pathlib
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..errors import ItscopeDocumentError
from ..opentrans import (
    SCHEMA_FILE,
    Agreement,
    Charge,
    Document,
    Line,
    OrderReference,
    Package,
    Party,
    Remark,
    Shipment,
    Totals,
    build_dispatchnotification,
    build_invoice,
    build_orderresponse,
    build_quotation,
    parse_document,
    validate,
)
from ..opentrans.order import MAX_ORDER_ID_LENGTH
from .catalogue import PARTNER_TEST_ID, catalogue_for
from .responses import API_PREFIX, json_response, list_response, no_content, text_error, to_xml, xml_response

PAGE_SIZE = 50
VAT_RATE = Decimal("0.19")
FREIGHT = Decimal("9.90")
NOT_AVAILABLE = 6
BACKORDER_STATUSES = (2, 3, 4)

ARRIVE_AFTER = timedelta(minutes=1)
CONFIRM_AFTER = timedelta(minutes=5)
CANCEL_AFTER = timedelta(minutes=30)
SHIP_AFTER = (timedelta(minutes=60), timedelta(minutes=90))
INVOICE_AFTER = timedelta(minutes=120)

FINAL_STATUSES = ("INVOICED", "CANCELED", "REJECTED", "ERROR", "ORDERED_ELSEWHERE")
DEAL_LISTS = {
    "order": ("orders", "order"),
    "orderresponse": ("orderresponses", "orderresponse"),
    "dispatchnotification": ("dispatchnotifications", "dispatchnotification"),
    "invoice": ("invoices", "invoice"),
}
DEAL_SORTS = {
    "LAST_MODIFIED": (lambda deal, now: deal.last_update(now), True),
    "SENT_DESC": (lambda deal, now: deal.sent_at, True),
    "SENT_ASC": (lambda deal, now: deal.sent_at, False),
    "DATE_DESC": (lambda deal, now: deal.sent_at, True),
    "DATE_ASC": (lambda deal, now: deal.sent_at, False),
    "SUPPLIER": (lambda deal, now: deal.distributor["name"].lower(), False),
    "ID": (lambda deal, now: deal.order_id, False),
}
LIST_SORTS = ("LAST_MODIFIED", "SENT_DESC", "SENT_ASC", "SUPPLIER", "ID")
SEARCH_SORTS = ("LAST_MODIFIED", "DATE_DESC", "DATE_ASC", "SUPPLIER", "ID")
DEAL_FILTERS = ("keywords", "orderId", "ownOrderId", "customerOrderId", "status", "cartId")
QUOTE_FILTERS = ("keywords", "quoteno", "status")
QUOTE_SORTS = {
    "LAST_MODIFIED": (lambda quote: quote.last_modified, True),
    "VALID_DESC": (lambda quote: quote.valid_until, True),
    "VALID_ASC": (lambda quote: quote.valid_until, False),
    "TITLE_DESC": (lambda quote: quote.name.lower(), True),
    "TITLE_ASC": (lambda quote: quote.name.lower(), False),
    "ORGANISATION_DESC": (lambda quote: quote.organisation.lower(), True),
    "ORGANISATION_ASC": (lambda quote: quote.organisation.lower(), False),
    "DATE_DESC": (lambda quote: quote.created, True),
    "DATE_ASC": (lambda quote: quote.created, False),
}
_DATE_FILTER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})?$")
_DEFAULT_XSD_DIR = pathlib.Path(__file__).resolve().parents[3] / "shared" / "opentrans" / "xsd"


def rules():
    return [
        Rule("/business/deals/purchase/send", endpoint=_send, methods=["POST"]),
        Rule("/business/deals/send", endpoint=_send, methods=["POST"]),
        Rule("/business/deals/purchase/deal.<any(xml, json):type>", endpoint=_list_deals, methods=["GET"]),
        Rule(
            "/business/deals/purchase/search/<filter>/deal.<any(xml, json):type>",
            endpoint=_search_deals,
            methods=["GET"],
        ),
        Rule("/business/deals/<order_id>/deal.<any(xml, json):type>", endpoint=_one_deal, methods=["GET"]),
        Rule("/business/deals/archive/<order_id>", endpoint=_archive, methods=["PUT"]),
        Rule("/business/deals/orderedelsewhere/<order_id>", endpoint=_ordered_elsewhere, methods=["PUT"]),
        Rule("/business/documents/validateschema", endpoint=_validate_schema, methods=["POST"]),
        Rule(
            "/business/documents/<transaction_id>/"
            "<any(ORDER, ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE, QUOTATION):view>.xml",
            endpoint=_document,
            methods=["GET"],
        ),
        Rule("/business/quotes/quote.<any(xml, json):type>", endpoint=_list_quotes, methods=["GET"]),
        Rule("/business/quotes/search/<filter>/quote.<any(xml, json):type>", endpoint=_search_quotes, methods=["GET"]),
        Rule("/business/quotes/<quote_id>/quote.<any(xml, json):type>", endpoint=_one_quote, methods=["GET"]),
    ]


# ------------------------------------------------------------
# State
# ------------------------------------------------------------


@dataclass
class _StoredDocument:
    transaction_id: str
    view: str
    xml: bytes


@dataclass
class _Event:
    """One step of a deal's history; it exists for clients once the clock has passed ``at``."""

    at: datetime
    status: str
    message: str = ""
    document: _StoredDocument | None = None


@dataclass
class _Deal:
    order_id: str
    sequence: int
    order: Document
    distributor: dict
    sent_at: datetime
    events: list = field(default_factory=list)
    archived_at: datetime | None = None

    def history(self, now):
        return [event for event in self.events if event.at <= now]

    def current(self, now):
        return self.history(now)[-1]

    def last_update(self, now):
        return max(filter(None, (self.current(now).at, self.archived_at)))


@dataclass
class _Quote:
    quote_id: str
    quote_no: str
    customer_number: str
    name: str
    status: str
    organisation: str
    person: str
    created: datetime
    last_modified: datetime
    valid_until: datetime
    lines: list
    document: _StoredDocument | None = None


class _Business:
    """All deals, documents and quotes of one sandbox; every handler holds ``lock`` while it reads or writes them.

    ``documents`` maps a transaction id to ``(deal, document)``; the deal is ``None`` for a quote's QUOTATION.
    ``started`` (the wall-clock time in nanoseconds when this state began) goes into every orderId, and through it
    into every transaction id, so a restarted sandbox never issues again an id an earlier one issued, as ITscope never
    does.
    """

    def __init__(self):
        self.started = time.time_ns()
        self.lock = threading.RLock()
        self.deals = {}
        self.documents = {}
        self.quotes = None


def _business(sandbox):
    return sandbox.state.setdefault("business", _Business())


# ------------------------------------------------------------
# Sending an ORDER
# ------------------------------------------------------------


class _Refused(Exception):
    """An ORDER ITscope would refuse; the message is the 400 answer."""


def _send(sandbox, request):
    """POST an openTRANS ORDER: 400 with the reason, or 200 with the new deal (see the module docstring)."""
    business = _business(sandbox)
    data = request.get_data()
    try:
        order = _checked_order(data)
        distributor, offers = _checked_catalogue(catalogue_for(sandbox), order)
    except _Refused as exc:
        return text_error(400, str(exc))
    with business.lock:
        now = sandbox.clock.now().replace(microsecond=0)
        sequence = len(business.deals) + 1
        code = _code(sandbox, "order", business.started, sequence)
        order_id = "%s-%s-%d" % (code, now.strftime("%y%m%d"), 1000 + sequence)
        deal = _Deal(order_id=order_id, sequence=sequence, order=order, distributor=distributor, sent_at=now)
        deal.events = _DealPlan(sandbox, deal, offers).events(data)
        business.deals[order_id] = deal
        for event in deal.events:
            if event.document:
                business.documents[event.document.transaction_id] = (deal, event.document)
        body = _deal_view(deal, now, _api_url(request))
    if _wants_json(request):
        return json_response(body)
    return xml_response(to_xml("deal", body, DEAL_LISTS))


def _checked_order(data):
    xsd_dir = _xsd_dir()
    errors = validate(data, xsd_dir) if xsd_dir else []
    if errors:
        raise _Refused("The ORDER is not valid openTRANS 2.1:\n" + "\n".join(errors))
    try:
        order = parse_document(data)
    except ItscopeDocumentError as exc:
        raise _Refused("The ORDER cannot be read: %s" % exc.message) from exc
    if order.type != "ORDER":
        raise _Refused("Only an openTRANS ORDER can be sent; this document is an %s." % order.type)
    if len(order.order_id) > MAX_ORDER_ID_LENGTH:
        raise _Refused(
            "ORDER_ID %r is %d characters long; at most %d are allowed."
            % (order.order_id, len(order.order_id), MAX_ORDER_ID_LENGTH)
        )
    line_ids = [line.line_id for line in order.lines]
    if len(set(line_ids)) != len(line_ids):
        raise _Refused("Every LINE_ITEM_ID must be unique; the ORDER has %s." % ", ".join(map(str, line_ids)))
    for line in order.lines:
        if line.quantity is None or line.quantity <= 0:
            raise _Refused("Line %s: the QUANTITY must be positive." % line.line_id)
    if order.totals.item_count != len(order.lines):
        raise _Refused("TOTAL_ITEM_NUM is %s but the ORDER has %d lines." % (order.totals.item_count, len(order.lines)))
    lines_total = sum((line.amount or Decimal(0) for line in order.lines), Decimal(0))
    if order.totals.total is not None and order.totals.total != lines_total:
        raise _Refused(
            "TOTAL_AMOUNT %s does not match the sum of the line amounts %s." % (order.totals.total, lines_total)
        )
    return order


def _checked_catalogue(catalogue, order):
    """The one distributor (``company`` dict) the ORDER names, and each line's (product, supplierItem) there."""
    named = {order.supplier_id} | {line.supplier_id for line in order.lines}
    named |= {  # the supplier PARTY names ITscope's id as buyer_specific; another type is the distributor's own id
        party.party_id for party in order.parties if party.role == "supplier" and party.id_type == "buyer_specific"
    }
    named = sorted(filter(None, named))
    if not named:
        raise _Refused("The ORDER names no distributor: ORDER_PARTIES_REFERENCE/SUPPLIER_IDREF is missing.")
    if len(named) > 1:
        raise _Refused("An ORDER goes to exactly one distributor; this one names %s." % ", ".join(named))
    distributor = catalogue.distributor(int(named[0])) if named[0].isdigit() else None
    if distributor is None:
        raise _Refused("Distributor %s is unknown (SUPPLIER_IDREF)." % named[0])
    distributor_id = distributor["supplier"]["id"]
    offers, missing = {}, []
    for line in order.lines:
        offer = catalogue.offer(distributor_id, line.supplier_pid) if line.supplier_pid else None
        if offer is None:
            missing.append("line %s: %r" % (line.line_id, line.supplier_pid))
        offers[line.line_id] = offer
    if missing:
        raise _Refused(
            "Distributor %s (%s) does not offer these SUPPLIER_PIDs: %s."
            % (distributor_id, distributor["name"], "; ".join(missing))
        )
    return distributor, offers


# ------------------------------------------------------------
# A deal's planned history
# ------------------------------------------------------------


class _DealPlan:
    """Plans a new deal's events and writes the documents that go with them (module docstring: the timings)."""

    def __init__(self, sandbox, deal, offers):
        self.sandbox = sandbox
        self.deal = deal
        self.order = deal.order
        self.offers = offers
        self.supplier_order_id = _digits(sandbox, 9, deal.order_id, "supplier-order")
        self.parties = self._parties()

    def events(self, order_xml):
        deal, order = self.deal, self.order
        start = deal.sent_at
        events = [_Event(start, "SENT", document=self._stored("ORDER", order_xml))]
        remarks = " ".join(remark.text for remark in order.remarks)
        if "SANDBOX:ERROR" in remarks:
            message = "The distributor's system refused the order in its first check (SANDBOX:ERROR)."
            return events + [_Event(start + ARRIVE_AFTER, "ERROR", message)]
        unavailable = [line for line in order.lines if self._offer(line).get("stockStatus") == NOT_AVAILABLE]
        cancelled = ", ".join(line.line_id for line in unavailable)
        if unavailable:
            message = "Not available, will be cancelled: line %s." % cancelled
            events.append(_Event(start + ARRIVE_AFTER, "ARRIVED_WARNING", message))
        else:
            events.append(_Event(start + ARRIVE_AFTER, "ARRIVED"))
        confirm_at = start + CONFIRM_AFTER
        response = self._orderresponse(confirm_at, 1, {line.line_id for line in unavailable}, "Not available")
        if len(unavailable) == len(order.lines):
            return events + [_Event(confirm_at, "REJECTED", "No line of the order is available.", response)]
        if unavailable:
            events.append(_Event(confirm_at, "PARTIALLY_PROCESSING", "Cancelled: line %s." % cancelled, response))
        else:
            events.append(_Event(confirm_at, "PROCESSING", document=response))
        if "SANDBOX:CANCEL" in remarks:
            cancel_at = start + CANCEL_AFTER
            response = self._orderresponse(cancel_at, 2, {line.line_id for line in order.lines}, "Cancelled")
            message = "The distributor cancelled the whole order (SANDBOX:CANCEL)."
            return events + [_Event(cancel_at, "CANCELED", message, response)]
        confirmed = [line for line in order.lines if line not in unavailable]
        events += self._dispatches(confirmed)
        invoice_at = start + INVOICE_AFTER
        return events + [_Event(invoice_at, "INVOICED", document=self._invoice(invoice_at, confirmed))]

    def _dispatches(self, confirmed):
        """One DISPATCHNOTIFICATION at +60 min, or, when backordered lines exceed the stock, what is in stock at
        +60 min and the rest at +90 min (only the latter when nothing is in stock)."""
        first, rest = {}, {}
        for line in confirmed:
            offer = self._offer(line)
            stock = Decimal(offer.get("stock") or 0)
            if offer.get("stockStatus") in BACKORDER_STATUSES and line.quantity > stock:
                first[line.line_id], rest[line.line_id] = stock, line.quantity - stock
            else:
                first[line.line_id] = line.quantity
        shipments = [
            (after, quantities)
            for after, quantities in zip(SHIP_AFTER, (first, rest), strict=False)
            if any(quantities.values())
        ]
        events, shipped = [], {}
        for number, (after, quantities) in enumerate(shipments, start=1):
            at = self.deal.sent_at + after
            document = self._dispatchnotification(at, number, confirmed, quantities, shipped)
            if number < len(shipments):
                backordered = ", ".join(line_id for line_id, quantity in rest.items() if quantity)
                events.append(_Event(at, "PARTIALLY_ADVISED", "Backordered: line %s." % backordered, document))
            else:
                events.append(_Event(at, "ADVISED", document=document))
        return events

    # ------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------

    def _orderresponse(self, at, number, cancelled_ids, reason):
        """Confirm the order, every line in ``cancelled_ids`` with QUANTITY 0 and ``reason`` as its remark."""
        lines = []
        for line in self.order.lines:
            cancelled = line.line_id in cancelled_ids
            backorder = self._offer(line).get("stockStatus") in BACKORDER_STATUSES
            delivery = (at + timedelta(days=7 if backorder else 2)).date()
            lines.append(
                self._line(
                    line,
                    line_id=line.line_id,
                    quantity=Decimal(0) if cancelled else line.quantity,
                    delivery_start=None if cancelled else delivery,
                    delivery_end=None if cancelled else delivery,
                    remarks=[Remark("general", reason)] if cancelled else [],
                )
            )
        delivery = (at + timedelta(days=2)).date()
        doc = self._document("ORDERRESPONSE", at, lines, delivery_start=delivery, delivery_end=delivery)
        return self._stored("ORDERRESPONSE", build_orderresponse(doc), number)

    def _dispatchnotification(self, at, number, confirmed, quantities, shipped):
        """Ship ``quantities`` by line id; ``shipped`` counts the serialised units per line across shipments."""
        lines = []
        for position, line in enumerate(confirmed, start=1):
            quantity = quantities.get(line.line_id)
            if not quantity:
                continue
            serials = []
            if quantity == quantity.to_integral_value():  # one serial per unit; none for metres of cable
                already = shipped.get(line.line_id, 0)
                shipped[line.line_id] = already + int(quantity)
                serials = [
                    "%s-%s-%03d" % (self.deal.order_id, line.line_id, unit)
                    for unit in range(already + 1, shipped[line.line_id] + 1)
                ]
            lines.append(
                self._line(
                    line,
                    line_id=str(len(lines) + 1),
                    quantity=quantity,
                    serial_numbers=serials,
                    supplier_order_item_id=str(position * 100),
                )
            )
        shipment_id = "1Z%s" % _digits(self.sandbox, 16, self.deal.order_id, "shipment", number)
        delivery = (at + timedelta(days=1)).date()
        doc = self._document(
            "DISPATCHNOTIFICATION",
            at,
            lines,
            document_id=_digits(self.sandbox, 8, self.deal.order_id, "dispatch", number),
            delivery_start=delivery,
            delivery_end=delivery,
            shipment=Shipment(
                shipment_id=shipment_id,
                tracking_url="https://www.ups.com/track?tracknum=%s" % shipment_id,
                carrier="UPS",
                packages=[
                    Package(
                        package_id=_digits(self.sandbox, 20, self.deal.order_id, "package", number),
                        description="Parcel",
                        quantity=sum(line.quantity for line in lines),
                    )
                ],
            ),
        )
        return self._stored("DISPATCHNOTIFICATION", build_dispatchnotification(doc), number)

    def _invoice(self, at, confirmed):
        lines = [
            self._line(
                line,
                line_id="%03d" % position,
                quantity=line.quantity,
                tax_rate=VAT_RATE,
                supplier_order_item_id=str(position * 100),
            )
            for position, line in enumerate(confirmed, start=1)
        ]
        doc = self._document(
            "INVOICE",
            at,
            lines,
            document_id=_digits(self.sandbox, 7, self.deal.order_id, "invoice"),
            totals=Totals(extra=[Charge(type="freight", amount=FREIGHT, description="Frachtkosten UPS")]),
        )
        return self._stored("INVOICE", build_invoice(doc))

    def _document(self, doc_type, at, lines, **facts):
        return Document(
            type=doc_type,
            order_id=self.deal.order_id,
            supplier_order_id=self.supplier_order_id,
            document_date=at,
            order_date=self.order.order_date,
            currency=self.order.currency or "EUR",
            alt_customer_order_ids=[self.order.order_id],
            parties=self.parties,
            lines=lines,
            **facts,
        )

    def _line(self, line, **facts):
        """A response line for an ordered ``line``: same product and price, pointing back at it."""
        price = line.price if line.price is not None else Decimal(str(self._offer(line)["price"]))
        return Line(
            supplier_pid=line.supplier_pid,
            ean=line.ean,
            puid=line.puid,
            description=line.description,
            unit=line.unit,
            price=price,
            order_reference=OrderReference(self.deal.order_id, line.line_id),
            **facts,
        )

    def _parties(self):
        """The ORDER's parties, with the distributor's name and a buyer filled in where the ORDER left them out."""
        distributor = self.deal.distributor
        parties = [party for party in self.order.parties if party.role != "supplier"]
        if not any(party.role == "buyer" for party in parties):
            parties.insert(0, Party(role="buyer", party_id=self.order.buyer_id or "", id_type="supplier_specific"))
        supplier = Party(
            role="supplier",
            party_id=str(distributor["supplier"]["id"]),
            id_type="buyer_specific",
            name=distributor["name"],
            street=distributor.get("street", ""),
            zip=distributor.get("zip", ""),
            city=distributor.get("city", ""),
        )
        return parties + [supplier]

    def _offer(self, line):
        return self.offers[line.line_id][1]

    def _stored(self, view, xml, number=1):
        return _StoredDocument(_transaction_id(self.sandbox, self.deal.order_id, view, number), view, xml)


# ------------------------------------------------------------
# Reading deals
# ------------------------------------------------------------


def _list_deals(sandbox, request, type):
    return _deal_list(sandbox, request, type, LIST_SORTS, lambda deal, now: True)


def _search_deals(sandbox, request, filter, type):
    try:
        criteria = _parse_filter(filter, DEAL_FILTERS)
    except _Refused as exc:
        return text_error(400, str(exc))
    return _deal_list(sandbox, request, type, SEARCH_SORTS, lambda deal, now: _deal_matches(deal, now, criteria))


def _deal_list(sandbox, request, type, sorts, matches):
    business = _business(sandbox)
    try:
        archived = _archiv(request)
        date_from = _date_arg(request, "lastUpdateDateFrom")
        date_to = _date_arg(request, "lastUpdateDateTo")
        sort_key, descending = _sort(request, sorts, DEAL_SORTS)
        page = _page(request)
    except _Refused as exc:
        return text_error(400, str(exc))
    with business.lock:
        now = sandbox.clock.now()
        deals = [
            deal
            for deal in business.deals.values()
            if (deal.archived_at is not None) == archived
            and (date_from is None or deal.last_update(now) >= date_from)
            and (date_to is None or deal.last_update(now) <= date_to)
            and matches(deal, now)
        ]
        deals.sort(key=lambda deal: deal.sequence)
        deals.sort(key=lambda deal: sort_key(deal, now), reverse=descending)
        api_url = _api_url(request)
        items = [_deal_view(deal, now, api_url) for deal in _paged(deals, page)]
    return list_response(type, items, "deals", "deal", DEAL_LISTS)


def _one_deal(sandbox, request, order_id, type):
    business = _business(sandbox)
    with business.lock:
        deal = business.deals.get(order_id)
        items = [_deal_view(deal, sandbox.clock.now(), _api_url(request))] if deal else []
    return list_response(type, items, "deals", "deal", DEAL_LISTS)


def _archive(sandbox, request, order_id):
    """Archive a deal (idempotent: archiving again changes nothing, not even the last update); 204 if unknown."""
    business = _business(sandbox)
    with business.lock:
        deal = business.deals.get(order_id)
        if deal is None:
            return no_content()
        now = sandbox.clock.now().replace(microsecond=0)
        if deal.archived_at is None:
            deal.archived_at = now
        return _deal_answer(request, deal, now)


def _ordered_elsewhere(sandbox, request, order_id):
    """Mark a deal ORDERED_ELSEWHERE; what had not happened yet never will. 404 unknown, 400 if already final."""
    business = _business(sandbox)
    with business.lock:
        deal = business.deals.get(order_id)
        if deal is None:
            return text_error(404, "No order %s found." % order_id)
        now = sandbox.clock.now().replace(microsecond=0)
        status = deal.current(now).status
        if status in FINAL_STATUSES and status != "ORDERED_ELSEWHERE":
            message = "Order %s is %s and can no longer be marked as ordered elsewhere." % (order_id, status)
            return text_error(400, message)
        if status != "ORDERED_ELSEWHERE":
            for event in deal.events[len(deal.history(now)) :]:
                if event.document:
                    del business.documents[event.document.transaction_id]
            deal.events = deal.history(now) + [_Event(now, "ORDERED_ELSEWHERE", "Marked as ordered elsewhere.")]
        return _deal_answer(request, deal, now)


def _deal_answer(request, deal, now):
    items = [_deal_view(deal, now, _api_url(request))]
    return list_response("json" if _wants_json(request) else "xml", items, "deals", "deal", DEAL_LISTS)


def _deal_view(deal, now, api_url):
    """The OpenAPI ``deal`` as ITscope answers it at ``now``; keys with no value are left out."""
    history = deal.history(now)
    current = history[-1]
    distributor = deal.distributor
    documents = {name: [] for name in DEAL_LISTS}
    for event in history:
        document = event.document
        if document:
            documents[document.view.lower()].append(
                {
                    "transactionId": document.transaction_id,
                    "lastUpdate": _iso(event.at),
                    "documentUrl": "%s/business/documents/%s/%s.xml"
                    % (api_url, document.transaction_id, document.view),
                }
            )
    buyer = deal.order.party("buyer")
    view = {
        "orderId": deal.order_id,
        "ownOrderId": deal.order.order_id,
        "customerOrderId": deal.order.customer_order_id,
        "status": current.status,
        "statusMessage": current.message or None,
        "statusDate": _iso(current.at),
        "archived": deal.archived_at is not None,
        "deeplink": "https://www.itscope.com/red/app#deals/%s" % deal.order_id,
        "imported": True,
        "automated": False,
        "businessType": "PURCHASE",
        "b2bOrder": False,
        "testOrder": distributor["supplier"]["id"] == PARTNER_TEST_ID,
        "vendor": {"name": distributor["name"], "supplier": distributor["supplier"]},
        "buyer": {"name": buyer.name} if buyer and buyer.name else None,
        **documents,
    }
    return {key: value for key, value in view.items() if value is not None}


def _deal_matches(deal, now, criteria):
    values = {
        "orderId": deal.order_id,
        "ownOrderId": deal.order.order_id,
        "customerOrderId": deal.order.customer_order_id or "",
        "status": deal.current(now).status,
        "cartId": "",  # orders sent through the API sit in no cart
    }
    return _matches(criteria, values, ("orderId", "ownOrderId", "customerOrderId"))


# ------------------------------------------------------------
# Documents
# ------------------------------------------------------------


def _document(sandbox, request, transaction_id, view):
    """One openTRANS document by transaction id; 204 while it is unknown, not yet issued, or of another type."""
    business = _business(sandbox)
    with business.lock:
        _ensure_quotes(sandbox, business)
        deal, document = business.documents.get(transaction_id, (None, None))
        issued = document is not None and (
            deal is None or any(event.document is document for event in deal.history(sandbox.clock.now()))
        )
    if not issued or document.view != view:
        return no_content()
    return Response(document.xml, mimetype="application/xml")


def _validate_schema(sandbox, request):
    xsd_dir = _xsd_dir()
    if xsd_dir is None:
        return text_error(500, "The openTRANS schema is not available to this sandbox (set ITSCOPE_OPENTRANS_XSD).")
    errors = validate(request.get_data(), xsd_dir)
    if errors:
        return text_error(400, "Validation not successful:\n" + "\n".join(errors))
    return Response("Validation successful.", mimetype="text/plain")


# ------------------------------------------------------------
# Quotes
# ------------------------------------------------------------


def _list_quotes(sandbox, request, type):
    return _quote_list(sandbox, request, type, {})


def _search_quotes(sandbox, request, filter, type):
    try:
        criteria = _parse_filter(filter, QUOTE_FILTERS)
    except _Refused as exc:
        return text_error(400, str(exc))
    return _quote_list(sandbox, request, type, criteria)


def _one_quote(sandbox, request, quote_id, type):
    business = _business(sandbox)
    with business.lock:
        _ensure_quotes(sandbox, business)
        quotes = [quote for quote in business.quotes if quote.quote_id == quote_id]
        items = [_quote_view(quote, _api_url(request)) for quote in quotes]
    return list_response(type, items, "quotes", "quote")


def _quote_list(sandbox, request, type, criteria):
    business = _business(sandbox)
    try:
        archived = _archiv(request)
        sort_key, descending = _sort(request, tuple(QUOTE_SORTS), QUOTE_SORTS)
        page = _page(request)
    except _Refused as exc:
        return text_error(400, str(exc))
    with business.lock:
        _ensure_quotes(sandbox, business)
        quotes = [quote for quote in business.quotes if not archived and _quote_matches(quote, criteria)]
        quotes.sort(key=sort_key, reverse=descending)
        api_url = _api_url(request)
        items = [_quote_view(quote, api_url) for quote in _paged(quotes, page)]
    return list_response(type, items, "quotes", "quote")


def _quote_matches(quote, criteria):
    values = {
        "quoteno": quote.quote_no,
        "status": quote.status,
        "name": quote.name,
        "organisation": quote.organisation,
        "person": quote.person,
    }
    return _matches(criteria, values, ("quoteno", "name", "organisation", "person"))


def _quote_view(quote, api_url):
    net = sum(line.quantity * line.price for line in quote.lines)
    return {
        "quoteId": quote.quote_id,
        "quoteNo": quote.quote_no,
        "shortUrl": "https://www.itscope.com/q/%s" % quote.quote_id[:8],
        "name": quote.name,
        "status": quote.status,
        "lastModified": _iso(quote.last_modified),
        "validUntil": _iso(quote.valid_until),
        "organisation": quote.organisation,
        "person": quote.person,
        "itemCount": len(quote.lines),
        "deeplink": "https://www.itscope.com/red/app#quotes/%s" % quote.quote_id,
        "documentUrl": "%s/business/documents/%s/QUOTATION.xml" % (api_url, quote.quote_id),
        "archived": False,
        "customerNumber": quote.customer_number,
        "creator": "Sandbox User",
        "totalPrice": float((net * (1 + VAT_RATE)).quantize(Decimal("0.01"), ROUND_HALF_UP)),
    }


_QUOTE_SEEDS = (
    ("DRAFT", "Arbeitsplätze Buchhaltung", "Stadtwerke Musterstadt", "Erika Mustermann"),
    ("PROGRESS", "Server-Refresh 2025", "Muster Logistik GmbH", "Max Mustermann"),
    ("WON", "Schulungsraum Notebooks", "Volkshochschule Beispielstadt", "Anna Beispiel"),
)


def _ensure_quotes(sandbox, business):
    """Create the sample quotes once from the catalogue, each with its QUOTATION document.

    Each quote has three lines, new goods without licence terms from partnered distributors (so each can be ordered
    as quoted), at two distributors at least. The PROGRESS quote's first line is an offer with a project price,
    quoted at that price with the project's two numbers as AGREEMENTs: the distributor's (type="supplier") and the
    manufacturer's special bid (type="manufacturer", with its end date and end customer).
    """
    if business.quotes is not None:
        return
    pool = _quotable_offers(catalogue_for(sandbox), 8 * len(_QUOTE_SEEDS))
    project_offer = next(((product, item) for product, item in pool if item.get("project")), None)
    if project_offer:
        pool.remove(project_offer)
    created = sandbox.clock.now().replace(microsecond=0) - timedelta(days=3)
    business.quotes = []
    for number, (status, name, organisation, person) in enumerate(_QUOTE_SEEDS, start=1):
        chosen = _two_distributors(pool, first=project_offer if status == "PROGRESS" else None)
        lines = [_quote_line(position, product, item) for position, (product, item) in enumerate(chosen, start=1)]
        quote = _Quote(
            quote_id=_transaction_id(sandbox, "quote", number),
            quote_no="SBX-%s-%05d" % (created.strftime("%Y%m%d"), 10146 + number),
            customer_number="K-%05d" % (20000 + number),
            name=name,
            status=status,
            organisation=organisation,
            person=person,
            created=created,
            last_modified=created + timedelta(hours=number),
            valid_until=created + timedelta(days=30),
            lines=lines,
        )
        quote.document = _StoredDocument(quote.quote_id, "QUOTATION", build_quotation(_quotation(sandbox, quote)))
        business.quotes.append(quote)
        business.documents[quote.quote_id] = (None, quote.document)


def _quotable_offers(catalogue, count):
    """The first ``count`` ``(product, supplierItem)`` a quote may hold, in catalogue order (see _ensure_quotes)."""
    partnered, offers = catalogue.partnered_ids, []
    for product in catalogue.products():
        offers += [
            (product, item)
            for item in product.get("supplierItem") or []
            if item.get("price")
            and item["conditionId"] == 1
            and item["supplierId"] in partnered
            and "contractTypeId" not in item
        ]
        if len(offers) >= count:
            break
    return offers


def _two_distributors(pool, first=None, size=3):
    """Take ``size`` offers of distinct products out of ``pool`` (``first`` leading), at two distributors at least:
    the second line is the first offer of another distributor than the first line's."""
    chosen = [first or pool.pop(0)]
    while len(chosen) < size:
        products = {product["puid"] for product, _item in chosen}
        distributors = {item["supplierId"] for _product, item in chosen}
        candidates = [(product, item) for product, item in pool if product["puid"] not in products]
        other = [offer for offer in candidates if offer[1]["supplierId"] not in distributors]
        pick = (other if len(distributors) < 2 and other else candidates)[0]
        pool.remove(pick)
        chosen.append(pick)
    return chosen


def _quote_line(position, product, item):
    """A QUOTATION line quoting ``item`` (its first project's price and numbers, when it has one)."""
    project = (item.get("project") or [None])[0]
    agreements = []
    if project:
        valid_to = datetime.fromisoformat(project["validTo"]).date()
        agreements = [
            Agreement(project["supplierProjectId"], type="supplier", end_date=valid_to),
            Agreement(
                project["manufacturerProjectId"],
                type="manufacturer",
                start_date=datetime.fromisoformat(project["validFrom"]).date(),
                end_date=valid_to,
                description=project["endCustomer"],
            ),
        ]
    return Line(
        line_id="%05d" % position,
        supplier_pid=item.get("supplierSKU"),
        ean=product.get("ean"),
        puid=str(product["puid"]),
        buyer_pid=str(item["id"]),
        description=product.get("productName"),
        quantity=Decimal(position),
        unit="C62",
        price=Decimal(str(project["price"] if project else item["price"])),
        agreements=agreements,
    )


def _quotation(sandbox, quote):
    parties = [
        Party(role="buyer", party_id=quote.customer_number, id_type="supplier_specific", name=quote.organisation),
        Party(
            role="supplier", party_id=sandbox.config.account_id, id_type="supplier_specific", name="Sandbox Reseller"
        ),
    ]
    return Document(
        type="QUOTATION",
        document_id=quote.quote_no,
        document_date=quote.created,
        currency="EUR",
        parties=parties,
        lines=quote.lines,
        remarks=[Remark("general", quote.name)],
    )


# ------------------------------------------------------------
# Query parameters and small helpers
# ------------------------------------------------------------


def _parse_filter(text, keys):
    """ITscope's ``key=value;key=value`` filter; values of one key are comma-separated alternatives."""
    criteria = {}
    for part in filter(None, text.split(";")):
        key, sep, value = part.partition("=")
        if not sep or not value:
            raise _Refused("Filter part %r is not key=value." % part)
        if key not in keys:
            raise _Refused("Unknown filter key %r; use %s." % (key, ", ".join(keys)))
        criteria[key] = [word.strip() for word in value.split(",") if word.strip()]
    return criteria


def _matches(criteria, values, keyword_fields):
    """ITscope's search semantics: ``keywords`` match part of any ``keyword_fields``, other keys a whole value
    (case-insensitively); several values of one key are alternatives, several keys must all match."""
    for key, wanted in criteria.items():
        wanted = [word.lower() for word in wanted]
        if key == "keywords":
            haystack = " ".join(values[name] for name in keyword_fields).lower()
            if not any(word in haystack for word in wanted):
                return False
        elif values[key].lower() not in wanted:
            return False
    return True


def _paged(items, page):
    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def _archiv(request):
    value = request.args.get("archiv", "NOTARCHIVED")
    if value not in ("ARCHIVED", "NOTARCHIVED"):
        raise _Refused("archiv must be ARCHIVED or NOTARCHIVED, not %r." % value)
    return value == "ARCHIVED"


def _date_arg(request, name):
    value = request.args.get(name)
    if value is None:
        return None
    if not _DATE_FILTER.match(value):
        raise _Refused(
            "%s must look like yyyy-MM-ddThh:mm:ss with an optional ±hh:mm (encode + as %%2B), not %r." % (name, value)
        )
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _sort(request, allowed, sorts):
    value = request.args.get("sort", "LAST_MODIFIED")
    if value not in allowed:
        raise _Refused("sort must be one of %s, not %r." % (", ".join(allowed), value))
    return sorts[value]


def _page(request):
    value = request.args.get("page", "1")
    if not value.isdigit() or int(value) < 1:
        raise _Refused("page must be a positive number, not %r." % value)
    return int(value)


def _wants_json(request):
    return request.accept_mimetypes.best_match(["application/xml", "application/json"]) == "application/json"


def _api_url(request):
    return request.host_url.rstrip("/") + API_PREFIX


def _iso(moment):
    return moment.isoformat(timespec="seconds")


def _xsd_dir():
    configured = os.environ.get("ITSCOPE_OPENTRANS_XSD")
    path = pathlib.Path(configured) if configured else _DEFAULT_XSD_DIR
    return path if (path / SCHEMA_FILE).is_file() else None


def _hash(sandbox, *parts):
    text = ":".join(str(part) for part in (sandbox.config.seed, *parts))
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def _digits(sandbox, length, *parts):
    """A stable number of ``length`` digits for a document id (same seed, same orderId: same number)."""
    return str(_hash(sandbox, *parts) % 10**length).zfill(length)


def _transaction_id(sandbox, *parts):
    """A stable UUID (ITscope's transaction ids are 36 characters)."""
    return str(uuid.UUID(int=_hash(sandbox, "transaction", *parts) % 2**128, version=4))


def _code(sandbox, *parts):
    """Six stable letters and digits, as the first part of ITscope's orderIds (``GWAHJV-160131-1470``)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    number, letters = _hash(sandbox, *parts), []
    for _ in range(6):
        number, index = divmod(number, len(alphabet))
        letters.append(alphabet[index])
    return "".join(letters)
