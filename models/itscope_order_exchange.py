import base64
import logging
from datetime import timedelta, timezone

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_list

from ..itscope.codes import DEAL_STATUS, DEAL_STATUS_NEEDS_BUYER
from ..itscope.errors import ItscopeError, ItscopeUnreachable
from ..itscope.opentrans import MAX_ORDER_ID_LENGTH, build_order
from .itscope_document import INCOMING_TYPES

_logger = logging.getLogger(__name__)

# Statuses after which ITscope no longer accepts "ordered elsewhere".
FINAL_STATUSES = ("INVOICED", "CANCELED", "REJECTED", "ERROR", "ORDERED_ELSEWHERE")
# The deal mirror asks for changes since its last run minus this, so a clock difference with ITscope loses nothing.
DEALS_OVERLAP = timedelta(minutes=10)


class ItscopeOrderExchange(models.AbstractModel):
    """The purchase order's exchange with ITscope, like core's ``purchase.edi.xml.ubl_bis3``: the ORDER built from a
    purchase order and checked before it leaves, sent exactly once (the deal looked up first), and the deal ITscope
    keeps for it mirrored back onto the order, with the documents the distributor answers with.

    The purchase order keeps its fields, buttons and the ``_itscope_prepare_*`` hooks that say what goes into the
    ORDER; the outgoing ORDER record (``itscope.document``) keeps the state of each send.
    """

    _name = "itscope.order.exchange"
    _description = "ITscope Order Exchange"

    # ------------------------------------------------------------
    # Building the ORDER
    # ------------------------------------------------------------

    @api.model
    def _orders_to_send(self, orders):
        """Orders not sent yet whose vendor is an ITscope distributor of a company that orders through ITscope."""
        return orders.filtered(
            lambda order: (
                order.itscope_distributor_id
                and order.company_id.itscope_send_orders
                and order.company_id.itscope_account_id
                and order.itscope_send_state == "not_sent"
            )
        )

    @api.model
    def _build_order(self, order):
        """The ORDER of ``order`` as bytes; a UserError that says what to fix when ITscope could not take it.
        LINE_ITEM_IDs are the lines' database ids (see ``purchase.order.line._itscope_line_item_id``) and ORDER_ID is
        the order's name, so it must be 18 characters at most."""
        order.ensure_one()
        problems = self._order_problems(order)
        if problems:
            raise UserError(
                self.env._(
                    "%(order)s cannot be sent to ITscope:\n%(problems)s",
                    order=order.name,
                    problems="\n".join("- %s" % problem for problem in problems),
                )
            )
        try:
            return build_order(order._itscope_prepare_order())
        except ValueError as error:
            raise UserError(
                self.env._("%(order)s cannot be sent to ITscope: %(reason)s", order=order.name, reason=error)
            ) from None

    @api.model
    def _order_problems(self, order):
        """What keeps ``order`` from being sent, each in words that say what to fix."""
        problems = []
        distributor = order.itscope_distributor_id
        if not distributor:
            problems.append(
                self.env._(
                    "%(vendor)s is not mapped to an ITscope distributor: map it in Purchase > ITscope > Distributors.",
                    vendor=order.partner_id.display_name,
                )
            )
        elif not order.itscope_customer_account:
            problems.append(
                self.env._(
                    "You have no customer account at %(distributor)s on ITscope: enter your customer number in the "
                    "order's ITscope tab, or become a partner of the distributor on ITscope.",
                    distributor=distributor.name,
                )
            )
        if len(order.name) > MAX_ORDER_ID_LENGTH:
            problems.append(
                self.env._(
                    "Its reference %(name)s has %(length)s characters; ITscope takes at most %(max)s. Shorten the "
                    "purchase order sequence's prefix (Settings > Technical > Sequences) or rename the order.",
                    name=order.name,
                    length=len(order.name),
                    max=MAX_ORDER_ID_LENGTH,
                )
            )
        lines = order._itscope_order_lines()
        if not lines:
            problems.append(self.env._("It has no product lines to order."))
        without_sku = lines.filtered(lambda line: not line._itscope_supplier_sku())
        if distributor and without_sku:
            problems.append(
                self.env._(
                    "%(distributor)s has no SKU for %(products)s: add the distributor's product code to the vendor "
                    "line of %(vendor)s on the product (Purchase tab), or remove the line.",
                    distributor=distributor.name,
                    products=without_sku._itscope_product_names(),
                    vendor=order.partner_id.display_name,
                )
            )
        not_positive = lines.filtered(lambda line: line.product_qty <= 0)
        if not_positive:
            problems.append(
                self.env._(
                    "Remove the lines without a quantity: %(products)s.",
                    products=not_positive._itscope_product_names(),
                )
            )
        if lines.filtered("itscope_for_end_customer") and not order._itscope_end_customer():
            problems.append(
                self.env._(
                    "It has licence, ESD, warranty or service lines: name the end customer (licensee) in its ITscope "
                    "tab."
                )
            )
        without_code = lines.filtered(lambda line: not line.product_uom.itscope_unece_code)
        if without_code:
            problems.append(
                self.env._(
                    "The units %(units)s of %(products)s have no UN/ECE code, which ITscope needs for the ordered "
                    "unit: enter it on the unit (Inventory > Configuration > UoM Categories), e.g. C62 for pieces or "
                    "BX for boxes, or order in another unit.",
                    units=format_list(self.env, without_code.product_uom.mapped("name")),
                    products=without_code._itscope_product_names(),
                )
            )
        without_end = lines.filtered(lambda line: line.itscope_special_bid_id and not line.itscope_special_bid_end)
        if without_end:
            problems.append(
                self.env._(
                    "Give the special bids of %(products)s an end date.",
                    products=without_end._itscope_product_names(),
                )
            )
        return problems

    # ------------------------------------------------------------
    # Sending the ORDER
    # ------------------------------------------------------------

    @api.model
    def _lock(self, orders):
        """Lock the orders' rows for the rest of the transaction, or refuse at once when another one holds them.

        A second worker confirming or sending the same order is refused here instead of waiting out the first one's
        request to ITscope; once the first has committed, the second's transaction is retried (a serialization
        failure) and finds the order sent. ``NO KEY UPDATE`` is the lock an UPDATE of the order takes anyway, and it
        still lets rows that merely reference the order (its documents, lines, messages) be written. The refused
        query is an expected outcome, not a fault: it is kept out of the server log's errors.
        """
        if not orders:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM purchase_order WHERE id IN %s FOR NO KEY UPDATE NOWAIT", tuple(orders.ids)),
                    log_exceptions=False,
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "%(orders)s is being confirmed or sent to ITscope by someone else right now. Reload the order "
                    "in a moment to see the outcome.",
                    orders=format_list(self.env, orders.mapped("name")),
                )
            ) from None

    @api.model
    def _send(self, orders, built=None):
        """Send each order's ORDER unless it is being sent or was sent. ``built``: the ORDER already built for an
        order in this transaction (confirming builds it to check it before approving), so a send builds it once."""
        built = built or {}
        for order in orders:
            self._lock(order)
            document = order.itscope_order_document_id
            if document.state in ("sending", "sent"):
                raise UserError(
                    self.env._(
                        "%(order)s has already been sent to ITscope (or is being sent); it is not sent again.",
                        order=order.name,
                    )
                )
            xml = built.get(order) or self._build_order(order)
            if not document:
                document = self.env["itscope.document"].create(
                    {
                        "company_id": order.company_id.id,
                        "purchase_id": order.id,
                        "direction": "out",
                        "doc_type": "ORDER",
                    }
                )
                order.itscope_order_document_id = document
            self._send_document(document, xml)

    @api.model
    def _send_document(self, document, xml):
        """Send the ORDER ``xml`` of ``document``'s purchase order through ITscope, exactly once; the caller holds the
        order's row lock.

        Every attempt first searches ITscope for a deal with our order number (``ownOrderId`` = PO name, same
        distributor) and adopts it instead of sending when there is one. That search is what makes a send survive our
        own failures: a transaction that rolls back after ITscope accepted the ORDER (a crash, a worker killed by the
        time limit, a serialization retry), or an answer lost on the way back (``send_unknown``), leaves no trace in
        Odoo that could be trusted, but it leaves the deal at ITscope, and the next attempt finds it there. "sending"
        is written and flushed before the request, so a constraint that would refuse the record (one ORDER per PO)
        fails before anything leaves, and a second attempt in this transaction is refused. Writing it through a second
        connection would make it survive a rollback, but this transaction could not see it and it would contradict
        the PO after one; ITscope stays the record of what was sent. A search that cannot be made stops the attempt
        without sending.
        """
        order, company = document.purchase_id, document.company_id
        service = self.env["itscope.service"]
        previous = document.state
        document._set_state(
            "sending",
            xml_file=base64.b64encode(xml),
            exchanged_at=fields.Datetime.now(),
            error=False,
        )
        self.env.flush_all()
        posted = False
        try:
            with service._client(company) as client:
                deal = self._find_deal(order, client)
                if deal is None:
                    if company.itscope_validate_orders:
                        client.validate_order_schema(xml)
                    posted = True
                    deal = client.send_order(xml)
        except (ItscopeError, ValueError) as error:
            # Unknown: the ORDER left and no usable answer came back (none, or one that is not a deal), or an
            # earlier unknown send was not cleared up by this attempt's search.
            lost = posted and isinstance(error, (ItscopeUnreachable, ValueError))
            unknown = lost or (previous == "send_unknown" and not posted)
            if isinstance(error, ItscopeError):
                reason = service._error_message(error)
            else:
                reason = self.env._("ITscope's answer could not be read: %(error)s", error=error)
            document._set_state("send_unknown" if unknown else "send_failed", error=reason)
            self._notify_send_problem(order, document)
            return False
        order_entries = _deal_documents(deal, "order")
        transaction_id = order_entries[0].get("transactionId") if order_entries else False
        holder = self._document_holding(document, transaction_id)
        reissued = holder and self.env._(
            "ITscope gave this ORDER the transaction id %(transaction)s, which %(document)s of %(order)s already "
            "holds; the order was sent, and the id stays with the earlier document. Check both orders at ITscope.",
            transaction=transaction_id,
            document=holder.display_name,
            order=holder.purchase_id.name or "-",
        )
        document._set_state(
            "sent",
            itscope_order_id=deal.get("orderId"),
            transaction_id=False if holder else transaction_id,
            warnings=reissued or False,
        )
        order.itscope_order_id = deal.get("orderId")
        self._report_send(order, deal, adopted=not posted, note=reissued)
        return True

    @api.model
    def _report_send(self, order, deal, adopted, note=False):
        """Mirror the deal ITscope took onto ``order`` and say so in its chatter (and ``note`` after it).

        ITscope holds the order by now: the confirmation and the send are one fact. The send is recorded before this
        (the document sent with the deal's id, and that id on the order, which the deal mirror follows), so a failure
        here (a chatter line, an activity, a compute of another module) is rolled back alone and logged; it can
        neither undo the record of the send nor leave the order an RFQ. The deal mirror brings the status later.
        """
        try:
            with self.env.cr.savepoint():
                self._update_from_deal(order, deal, adopted=adopted)
                if note:
                    order._itscope_sender().message_post(body=note)
        except psycopg2.OperationalError:
            raise
        except Exception:  # noqa: BLE001 - what follows an accepted send must not undo it
            _logger.warning(
                "%s was sent to ITscope as order %s, but recording the deal's status on it failed",
                order.name,
                deal.get("orderId"),
                exc_info=True,
            )

    @api.model
    def _document_holding(self, document, transaction_id):
        """Another document of ``document``'s company and type that already holds ``transaction_id``, if any.

        ITscope issues each transaction id once; one arriving again (an ITscope mistake, or a test sandbox restarted
        without its ids) is a reason to look, not to roll back a send that ITscope has taken."""
        if not transaction_id:
            return self.env["itscope.document"]
        return self.env["itscope.document"].search(
            [
                ("company_id", "=", document.company_id.id),
                ("doc_type", "=", document.doc_type),
                ("transaction_id", "=", transaction_id),
                ("id", "!=", document.id),
            ],
            limit=1,
        )

    @api.model
    def _find_deal(self, order, client):
        """The deal ITscope already holds for ``order`` (our name as ownOrderId, same distributor), or None."""
        supplier_id = order.itscope_distributor_id.itscope_id
        for deal in client.search_deals({"ownOrderId": order.name}):
            vendor = ((deal.get("vendor") or {}).get("supplier") or {}).get("id")
            if deal.get("ownOrderId") == order.name and str(vendor or supplier_id) == supplier_id:
                return deal
        return None

    @api.model
    def _notify_send_problem(self, order, document):
        """A failed or unknown send stays on the confirmed order: a chatter line and an activity for the buyer."""
        if document.state == "send_unknown":
            summary = self.env._(
                "ITscope did not answer: press Retry send (it checks ITscope first, never orders twice)"
            )
        else:
            summary = self.env._("ITscope did not take the order: fix it, then press Retry send")
        order._itscope_sender().message_post(body=Markup("%s<br/>%s") % (summary, document.error or ""))
        order._itscope_warn_buyer(summary, document.error)

    @api.model
    def _mark_ordered_elsewhere(self, order):
        """Tell ITscope ``order`` was placed another way (phone, e-mail, shop), so the distributor gets nothing."""
        if not order.itscope_order_id or order.itscope_status in FINAL_STATUSES:
            raise UserError(self.env._("ITscope can no longer mark %(order)s as ordered elsewhere.", order=order.name))
        service = self.env["itscope.service"]
        try:
            with service._client(order.company_id) as client:
                client.ordered_elsewhere(order.itscope_order_id)
                deal = client.deal(order.itscope_order_id)
        except ItscopeError as error:
            raise UserError(service._error_message(error)) from None
        if deal:
            self._update_from_deal(order, deal)

    # ------------------------------------------------------------
    # Deal mirror
    # ------------------------------------------------------------

    @api.model
    def _update_from_deal(self, order, deal, adopted=None):
        """Mirror a deal's status onto ``order``; one chatter line when status or message really changed, and an
        activity when the new status needs the buyer. ``adopted`` (only right after a send): whether the deal was
        found rather than created. Return whether anything changed."""
        order.ensure_one()
        status = deal.get("status")
        message = deal.get("statusMessage") or False
        if status not in DEAL_STATUS:  # kept visible rather than lost: a status this connector does not know yet
            message = self.env._("ITscope reports status %(status)s. %(message)s", status=status, message=message or "")
            status = False
        vals = {
            "itscope_order_id": deal.get("orderId"),
            "itscope_status": status,
            "itscope_status_message": message,
            "itscope_status_date": self.env["itscope.service"]._datetime(deal.get("statusDate")),
            "itscope_deeplink": deal.get("deeplink") or False,
            "itscope_archived": bool(deal.get("archived")),
        }
        changes = {name: value for name, value in vals.items() if (order[name] or False) != value}
        if not changes:
            return False
        order.write(changes)
        label = dict(order._fields["itscope_status"]._description_selection(self.env)).get(status, "-")
        if adopted:
            intro = self.env._(
                "Found at ITscope as order %(deal)s, so not sent again: %(status)s",
                deal=deal.get("orderId"),
                status=label,
            )
        elif adopted is not None:
            intro = self.env._("Sent to ITscope as order %(deal)s: %(status)s", deal=deal.get("orderId"), status=label)
        elif {"itscope_status", "itscope_status_message"} & set(changes):
            intro = self.env._("ITscope status: %(status)s", status=label)
        else:
            return True
        order._itscope_sender().message_post(body=Markup("%s<br/>%s") % (intro, message) if message else intro)
        if status in DEAL_STATUS_NEEDS_BUYER:
            order._itscope_warn_buyer(self.env._("ITscope: %(status)s", status=label), message)
        return True

    @api.model
    def _register_documents(self, order, deal, run=None):
        """Record the deal's answer documents not recorded yet (state new); return how many were new. One already
        recorded for another order (ITscope issues each transaction id once) stays where it is, and ``run`` says so."""
        wanted = {}
        for doc_type in INCOMING_TYPES:
            for entry in _deal_documents(deal, doc_type.lower()):
                if entry.get("transactionId") and entry.get("documentUrl"):
                    wanted[(doc_type, entry["transactionId"])] = entry
        if not wanted:
            return 0
        documents = self.env["itscope.document"]
        known = documents.search(
            [
                ("company_id", "=", order.company_id.id),
                ("transaction_id", "in", [transaction_id for _type, transaction_id in wanted]),
            ]
        )
        known_keys = {(document.doc_type, document.transaction_id): document for document in known}
        for (doc_type, transaction_id), document in known_keys.items():
            if (doc_type, transaction_id) in wanted and document.purchase_id != order and run:
                run._add_error(
                    transaction_id,
                    self.env._(
                        "ITscope lists %(document)s for %(order)s (ITscope order %(deal)s), but it is already "
                        "recorded for %(other)s; it stays there. Check both orders at ITscope.",
                        document=document.display_name,
                        order=order.name,
                        deal=deal.get("orderId"),
                        other=document.purchase_id.name or "-",
                    ),
                )
        created = documents.create(
            [
                {
                    "company_id": order.company_id.id,
                    "purchase_id": order.id,
                    "direction": "in",
                    "doc_type": doc_type,
                    "transaction_id": transaction_id,
                    "itscope_order_id": deal.get("orderId"),
                    "document_url": entry["documentUrl"],
                    "exchanged_at": self.env["itscope.service"]._datetime(entry.get("lastUpdate")),
                }
                for (doc_type, transaction_id), entry in wanted.items()
                if (doc_type, transaction_id) not in known_keys
            ]
        )
        return len(created)

    @api.model
    def _sync_deals(self, company):
        """Mirror the company's deals changed since the last good run (the first time: since the first ORDER sent),
        one list call per page, never one per order."""
        last = self.env["itscope.sync.run"].search(
            [("company_id", "=", company.id), ("kind", "=", "deals"), ("state", "in", ("done", "partial"))], limit=1
        )
        first_sent = self.env["itscope.document"].search(
            [("company_id", "=", company.id), ("direction", "=", "out"), ("state", "=", "sent")],
            order="exchanged_at",
            limit=1,
        )
        start = last.started_at or first_sent.exchanged_at
        since = (start - DEALS_OVERLAP).replace(tzinfo=timezone.utc) if start else None

        def work(run):
            orders = {
                order.itscope_order_id: order
                for order in self.env["purchase.order"].search(
                    [("company_id", "=", company.id), ("itscope_order_id", "!=", False)]
                )
            }
            with self.env["itscope.service"]._client(company) as client:
                for deal in client.deals(last_update_from=since):
                    order = orders.get(deal.get("orderId"))
                    if not order:
                        run._count(skipped=1)
                        continue
                    # What lands on the order (chatter, activities) is read by its buyer: in the buyer's language.
                    exchange = self.with_context(lang=order._itscope_lang())
                    try:
                        with self.env.cr.savepoint():
                            changed = exchange._update_from_deal(order.with_env(exchange.env), deal)
                            created = exchange._register_documents(order, deal, run)
                    except ValueError as error:  # a date ITscope wrote in an unexpected form
                        run._add_error(
                            deal.get("orderId"), self.env._("ITscope's deal cannot be read: %(error)s", error=error)
                        )
                        continue
                    if changed or created:
                        run._count(updated=1)
                    else:
                        run._count(unchanged=1)

        return self.env["itscope.sync.run"]._run(company, "deals", work)

    @api.model
    def _cron_itscope_sync_deals(self):
        """Mirror the deals of every company that has orders at ITscope (one company per batch is too fine-grained:
        a company's run is a handful of list calls)."""
        grouped = self.env["purchase.order"]._read_group([("itscope_order_id", "!=", False)], ["company_id"])
        companies = self.env["res.company"].union(*(company for [company] in grouped)).filtered("itscope_account_id")
        for company in companies:
            self.with_company(company).with_context(lang=company.partner_id.lang)._sync_deals(company)
        self.env["ir.cron"]._notify_progress(done=len(companies), remaining=0)


def _deal_documents(deal, key):
    """A deal's document entries of one kind. The OpenAPI names the JSON lists ``order``, ``orderresponse``…; the
    format description names their XML wrappers ``orders``, ``orderresponses``…: accept both."""
    return deal.get(key) or deal.get(key + "s") or []
