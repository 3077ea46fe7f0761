from datetime import datetime, time, timedelta, timezone

import psycopg2
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_list

from ..itscope.codes import DEAL_STATUS, DEAL_STATUS_NEEDS_BUYER
from ..itscope.errors import ItscopeDocumentError, ItscopeError
from ..itscope.opentrans import MAX_ORDER_ID_LENGTH, Order, Party, build_order

# Statuses after which ITscope no longer accepts "ordered elsewhere".
FINAL_STATUSES = ("INVOICED", "CANCELED", "REJECTED", "ERROR", "ORDERED_ELSEWHERE")
# The deal mirror asks for changes since its last run minus this, so a clock difference with ITscope loses nothing.
DEALS_OVERLAP = timedelta(minutes=10)


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    itscope_distributor_id = fields.Many2one(
        "itscope.distributor",
        string="ITscope Distributor",
        compute="_compute_itscope_distributor_id",
        help="The ITscope distributor this vendor is mapped to (Purchase > ITscope > Distributors).",
    )
    itscope_customer_account = fields.Char(
        string="Customer Account",
        compute="_compute_itscope_order_options",
        store=True,
        readonly=False,
        copy=False,
        help="Your customer number at the distributor that the order is sent with; by default the distributor's "
        "order account number.",
    )
    itscope_partial_shipment = fields.Boolean(
        string="Partial Shipment Allowed",
        compute="_compute_itscope_order_options",
        store=True,
        readonly=False,
        help="The distributor may ship what is in stock now and the rest later (agree on it with the distributor).",
    )
    itscope_dropship = fields.Boolean(
        string="Own Delivery Note",
        help="Drop shipment: the distributor ships with your delivery note (agree on it with the distributor).",
    )
    itscope_delivery_address_id = fields.Many2one(
        "res.partner",
        string="Distributor Delivers To",
        check_company=True,
        help="Where the distributor delivers; empty: the dropship address, else the receiving warehouse.",
    )
    itscope_end_customer_id = fields.Many2one(
        "res.partner",
        string="End Customer / Licensee",
        check_company=True,
        help="Required for licence, ESD and service items: whom the distributor registers them for.",
    )
    itscope_remarks = fields.Char(string="Remarks for the Distributor", copy=False)
    itscope_order_document_id = fields.Many2one(
        "itscope.document", string="ITscope ORDER", readonly=True, copy=False, check_company=True
    )
    itscope_send_state = fields.Selection(
        [
            ("not_sent", "Not sent"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("unknown", "Outcome unknown"),
        ],
        string="ITscope Send State",
        compute="_compute_itscope_send_state",
        store=True,
        index=True,
    )
    itscope_send_error = fields.Text(string="ITscope Send Error", related="itscope_order_document_id.error")
    itscope_order_xml = fields.Binary(string="ORDER XML", related="itscope_order_document_id.xml_file")
    itscope_order_xml_filename = fields.Char(related="itscope_order_document_id.xml_filename")
    itscope_order_id = fields.Char(string="ITscope Order ID", readonly=True, copy=False, index="btree_not_null")
    itscope_status = fields.Selection(
        list(DEAL_STATUS.items()), string="ITscope Status", readonly=True, copy=False, index="btree_not_null"
    )
    itscope_status_message = fields.Text(string="ITscope Status Message", readonly=True, copy=False)
    itscope_status_date = fields.Datetime(string="ITscope Status Date", readonly=True, copy=False)
    itscope_deeplink = fields.Char(string="ITscope Link", readonly=True, copy=False)
    itscope_archived = fields.Boolean(string="Archived at ITscope", readonly=True, copy=False)
    itscope_supplier_order_id = fields.Char(
        string="Distributor Order Number", readonly=True, copy=False, help="From the distributor's order response."
    )
    itscope_document_ids = fields.One2many("itscope.document", "purchase_id", string="ITscope Documents")
    itscope_document_count = fields.Integer(compute="_compute_itscope_document_count")

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_itscope_distributor_id(self):
        distributors = self.env["itscope.distributor"].search(
            [
                ("partner_id", "in", self.partner_id.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        by_key = {(distributor.company_id, distributor.partner_id): distributor for distributor in distributors}
        for order in self:
            order.itscope_distributor_id = by_key.get((order.company_id, order.partner_id.commercial_partner_id))

    @api.depends("partner_id", "company_id")
    def _compute_itscope_order_options(self):
        for order in self:
            distributor = order.itscope_distributor_id
            order.itscope_customer_account = distributor.order_account_number or distributor.customer_account_number
            order.itscope_partial_shipment = distributor.partial_shipment_allowed

    @api.depends("itscope_order_document_id.state")
    def _compute_itscope_send_state(self):
        states = {"sending": "sending", "sent": "sent", "send_failed": "failed", "send_unknown": "unknown"}
        for order in self:
            order.itscope_send_state = states.get(order.itscope_order_document_id.state, "not_sent")

    def _compute_itscope_document_count(self):
        counts = dict(
            self.env["itscope.document"]._read_group([("purchase_id", "in", self.ids)], ["purchase_id"], ["__count"])
        )
        for order in self:
            order.itscope_document_count = counts.get(order, 0)

    # ------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._itscope_add_shipping_line()
        return orders

    def write(self, vals):
        res = super().write(vals)
        if "partner_id" in vals:
            self._itscope_add_shipping_line()
        return res

    # ------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------

    def button_approve(self, force=False):
        # EXTENDS purchase: an order for an ITscope distributor is checked before it is approved (so a refusal leaves
        # it an RFQ and says what to fix) and sent once it is. button_confirm approves through here, and so does the
        # manager's "Approve Order" under double validation.
        to_send = self._itscope_orders_to_send()
        to_send._itscope_lock()
        for order in to_send:
            order._itscope_order_xml()
        res = super().button_approve(force=force)
        to_send.filtered(lambda order: order.state in ("purchase", "done"))._itscope_send()
        return res

    def action_itscope_send(self):
        """Send, or retry sending, confirmed orders; a retry looks ITscope up first and never orders twice."""
        for order in self:
            if order.state not in ("purchase", "done") or not order.itscope_distributor_id:
                raise UserError(
                    self.env._(
                        "Only confirmed orders for an ITscope distributor can be sent to ITscope; %(order)s is "
                        "not one.",
                        order=order.name,
                    )
                )
        self._itscope_send()
        return True

    def action_itscope_ordered_elsewhere(self):
        """Tell ITscope the order was placed another way (phone, e-mail, shop), so the distributor gets nothing."""
        self.ensure_one()
        if not self.itscope_order_id or self.itscope_status in FINAL_STATUSES:
            raise UserError(self.env._("ITscope can no longer mark %(order)s as ordered elsewhere.", order=self.name))
        try:
            with self.company_id._itscope_client() as client:
                client.ordered_elsewhere(self.itscope_order_id)
                deal = client.deal(self.itscope_order_id)
        except ItscopeError as error:
            raise UserError(self.company_id._itscope_error_message(error)) from None
        if deal:
            self._itscope_update_from_deal(deal)
        return True

    def action_itscope_check_now(self):
        """Ask ITscope in real time for this RFQ's products, update their offers and say what changed. Lines with an
        offer of the vendor are repriced as Odoo prices them when their quantity changes (price, discount and planned
        date from the vendor's price line); lines at a project price keep it."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(self.env._("Only a request for quotation can be checked with ITscope."))
        lines = self.order_line.filtered(
            lambda line: line.product_id and not line.display_type and not line.itscope_is_shipping
        )
        bindings = self.env["itscope.product"].search(
            [("company_id", "=", self.company_id.id), ("product_tmpl_id", "in", lines.product_id.product_tmpl_id.ids)]
        )
        puids = bindings.mapped("itscope_id")
        if not puids:
            raise UserError(self.env._("No product of %(order)s comes from ITscope.", order=self.name))
        before = {line: (line.price_unit, line.itscope_stock, line.itscope_stock_status) for line in lines}
        self.env["itscope.price.refresh"]._check_now(self.company_id, puids)
        at_offer_price = lines.filtered(
            lambda line: line.itscope_supplierinfo_id and not (line.itscope_project_id or line.itscope_special_bid_id)
        )
        at_offer_price._compute_price_unit_and_date_planned_and_name()
        changes = list(filter(None, (line._itscope_change_note(*before[line]) for line in lines)))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Checked with ITscope"),
                "message": "; ".join(changes) or self.env._("Prices and stock are unchanged."),
                "type": "warning" if changes else "success",
                "sticky": bool(changes),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_itscope_best_source(self):
        """Propose the best partnered distributor for every line (price if in stock, else availability)."""
        self.ensure_one()
        wizard = self.env["itscope.best.source"].create(
            {
                "purchase_id": self.id,
                "line_ids": [
                    fields.Command.create(vals) for vals in self.env["itscope.best.source"]._itscope_prepare_lines(self)
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Best source"),
            "res_model": "itscope.best.source",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_itscope_open_deal(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.itscope_deeplink, "target": "new"}

    def action_itscope_view_documents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("ITscope Documents"),
            "res_model": "itscope.document",
            "view_mode": "list,form",
            "domain": [("purchase_id", "=", self.id)],
            "context": {"default_purchase_id": self.id},
        }

    # ------------------------------------------------------------
    # Sending the ORDER
    # ------------------------------------------------------------

    def _itscope_orders_to_send(self):
        """Orders not sent yet whose vendor is an ITscope distributor of a company that orders through ITscope."""
        return self.filtered(
            lambda order: order.itscope_distributor_id
            and order.company_id.itscope_send_orders
            and order.company_id.itscope_account_id
            and order.itscope_send_state == "not_sent"
        )

    def _itscope_lock(self):
        """Lock the orders' rows for the rest of the transaction, or refuse at once when another one holds them.

        A second worker confirming or sending the same order is refused here instead of waiting out the first one's
        request to ITscope; once the first has committed, the second's transaction is retried (a serialization
        failure) and finds the order sent. ``NO KEY UPDATE`` is the lock an UPDATE of the order takes anyway, and it
        still lets rows that merely reference the order (its documents, lines, messages) be written.
        """
        if not self:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM purchase_order WHERE id IN %s FOR NO KEY UPDATE NOWAIT", [tuple(self.ids)]
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "%(orders)s is being confirmed or sent to ITscope by someone else right now. Reload the order "
                    "in a moment to see the outcome.",
                    orders=format_list(self.env, self.mapped("name")),
                )
            ) from None

    def _itscope_send(self):
        """Send each order's ORDER unless it is being sent or was sent (:meth:`itscope.document._send_order`)."""
        for order in self:
            order._itscope_lock()
            document = order.itscope_order_document_id
            if document.state in ("sending", "sent"):
                raise UserError(
                    self.env._(
                        "%(order)s has already been sent to ITscope (or is being sent); it is not sent again.",
                        order=order.name,
                    )
                )
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
            document._send_order()

    def _itscope_order_xml(self):
        """The ORDER as bytes; a UserError that says what to fix when ITscope could not take it."""
        self.ensure_one()
        try:
            return build_order(self._itscope_prepare_order())
        except ValueError as error:
            raise UserError(
                self.env._("%(order)s cannot be sent to ITscope: %(reason)s", order=self.name, reason=error)
            ) from None

    def _itscope_prepare_order(self):
        """The openTRANS ORDER for this order: the hook to extend. LINE_ITEM_IDs are the lines' database ids (see
        ``purchase.order.line._itscope_line_item_id``) and ORDER_ID is the order's name, so it must be 18 characters
        at most."""
        self.ensure_one()
        problems = self._itscope_order_problems()
        if problems:
            raise UserError(
                self.env._(
                    "%(order)s cannot be sent to ITscope:\n%(problems)s",
                    order=self.name,
                    problems="\n".join("- %s" % problem for problem in problems),
                )
            )
        end_customer = self.itscope_end_customer_id
        return Order(
            order_id=self.name,
            order_date=self.date_order,
            supplier_id=self.itscope_distributor_id.itscope_id,
            buyer_account=self.itscope_customer_account,
            buyer=_party(self.company_id.partner_id, contact=self.user_id.name),
            delivery=_party(self._itscope_delivery_partner()),
            lines=[line._itscope_prepare_order_line() for line in self._itscope_order_lines()],
            currency=self.currency_id.name,
            end_customer=_party(end_customer) if end_customer else None,
            partial_shipment_allowed=self.itscope_partial_shipment,
            dropship=self.itscope_dropship,
            remarks=self.itscope_remarks or "",
        )

    def _itscope_order_problems(self):
        """What keeps this order from being sent, each in words that say what to fix."""
        self.ensure_one()
        problems = []
        distributor = self.itscope_distributor_id
        if not distributor:
            problems.append(
                self.env._(
                    "%(vendor)s is not mapped to an ITscope distributor: map it in Purchase > ITscope > "
                    "Distributors.",
                    vendor=self.partner_id.display_name,
                )
            )
        elif not self.itscope_customer_account:
            problems.append(
                self.env._(
                    "You have no customer account at %(distributor)s on ITscope: enter your customer number in the "
                    "order's ITscope tab, or become a partner of the distributor on ITscope.",
                    distributor=distributor.name,
                )
            )
        if len(self.name) > MAX_ORDER_ID_LENGTH:
            problems.append(
                self.env._(
                    "Its reference %(name)s has %(length)s characters; ITscope takes at most %(max)s. Shorten the "
                    "purchase order sequence's prefix (Settings > Technical > Sequences) or rename the order.",
                    name=self.name,
                    length=len(self.name),
                    max=MAX_ORDER_ID_LENGTH,
                )
            )
        lines = self._itscope_order_lines()
        if not lines:
            problems.append(self.env._("It has no product lines to order."))
        without_sku = lines.filtered(lambda line: not line._itscope_supplier_sku())
        if distributor and without_sku:
            problems.append(
                self.env._(
                    "%(distributor)s has no SKU for %(products)s: add the distributor's product code to the vendor "
                    "line of %(vendor)s on the product (Purchase tab), or remove the line.",
                    distributor=distributor.name,
                    products=_product_names(without_sku),
                    vendor=self.partner_id.display_name,
                )
            )
        not_positive = lines.filtered(lambda line: line.product_qty <= 0)
        if not_positive:
            problems.append(
                self.env._(
                    "Remove the lines without a quantity: %(products)s.",
                    products=_product_names(not_positive),
                )
            )
        if lines.filtered("itscope_for_end_customer") and not self.itscope_end_customer_id:
            problems.append(
                self.env._(
                    "It has licence, ESD or service lines: name the end customer (licensee) in its ITscope tab."
                )
            )
        without_end = lines.filtered(lambda line: line.itscope_special_bid_id and not line.itscope_special_bid_end)
        if without_end:
            problems.append(
                self.env._(
                    "Give the special bids of %(products)s an end date.",
                    products=_product_names(without_end),
                )
            )
        return problems

    def _itscope_order_lines(self):
        """The lines that go into the ORDER: products, without the shipping line (ITscope orders goods only)."""
        return self.order_line.filtered(
            lambda line: line.product_id and not line.display_type and not line.is_downpayment
            and not line.itscope_is_shipping
        )

    def _itscope_delivery_partner(self):
        return (
            self.itscope_delivery_address_id
            or self.dest_address_id
            or self.picking_type_id.warehouse_id.partner_id
            or self.company_id.partner_id
        )

    def _itscope_find_deal(self, client):
        """The deal ITscope already holds for this order (our name as ownOrderId, same distributor), or None."""
        self.ensure_one()
        supplier_id = self.itscope_distributor_id.itscope_id
        for deal in client.search_deals({"ownOrderId": self.name}):
            vendor = ((deal.get("vendor") or {}).get("supplier") or {}).get("id")
            if deal.get("ownOrderId") == self.name and str(vendor or supplier_id) == supplier_id:
                return deal
        return None

    def _itscope_notify_send_problem(self, document):
        """A failed or unknown send stays on the confirmed order: a chatter line and an activity for the buyer."""
        self.ensure_one()
        if document.state == "send_unknown":
            summary = self.env._(
                "ITscope did not answer: press Retry send (it checks ITscope first, never orders twice)"
            )
        else:
            summary = self.env._("ITscope did not take the order: fix it, then press Retry send")
        self.message_post(body=Markup("%s<br/>%s") % (summary, document.error or ""))
        self._itscope_warn_buyer(summary, document.error)

    def _itscope_warn_buyer(self, summary, note=False):
        """A warning activity for the buyer, unless the same one is still open (a retry failing again adds none)."""
        self.ensure_one()
        if not self.activity_ids.filtered(lambda activity: activity.summary == summary):
            self.activity_schedule(
                "mail.mail_activity_data_warning", user_id=self.user_id.id or self.env.uid, summary=summary, note=note
            )

    # ------------------------------------------------------------
    # Deal status mirror
    # ------------------------------------------------------------

    @api.model
    def _itscope_datetime(self, value):
        """An ITscope date or time (ISO 8601 text, ``date`` or ``datetime``; UTC unless it carries an offset) as
        Odoo's naive UTC datetime, or False. A bare date becomes noon UTC: that day in any time zone within ±11 h."""
        if not value:
            return False
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            return datetime.combine(moment, time(12))
        if moment.tzinfo:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    def _itscope_update_from_deal(self, deal, adopted=None):
        """Mirror a deal's status; one chatter line when status or message really changed, and an activity when the
        new status needs the buyer. ``adopted`` (only right after a send): whether the deal was found rather than
        created. Return whether anything changed."""
        self.ensure_one()
        status = deal.get("status")
        message = deal.get("statusMessage") or False
        if status not in DEAL_STATUS:  # kept visible rather than lost: a status this connector does not know yet
            message = self.env._(
                "ITscope reports status %(status)s. %(message)s", status=status, message=message or ""
            )
            status = False
        vals = {
            "itscope_order_id": deal.get("orderId"),
            "itscope_status": status,
            "itscope_status_message": message,
            "itscope_status_date": self._itscope_datetime(deal.get("statusDate")),
            "itscope_deeplink": deal.get("deeplink") or False,
            "itscope_archived": bool(deal.get("archived")),
        }
        changes = {name: value for name, value in vals.items() if (self[name] or False) != value}
        if not changes:
            return False
        self.write(changes)
        label = dict(self._fields["itscope_status"]._description_selection(self.env)).get(status, "-")
        if adopted:
            intro = self.env._(
                "Found at ITscope as order %(deal)s, so not sent again: %(status)s",
                deal=deal.get("orderId"),
                status=label,
            )
        elif adopted is not None:
            intro = self.env._(
                "Sent to ITscope as order %(deal)s: %(status)s", deal=deal.get("orderId"), status=label
            )
        elif {"itscope_status", "itscope_status_message"} & set(changes):
            intro = self.env._("ITscope status: %(status)s", status=label)
        else:
            return True
        self.message_post(body=Markup("%s<br/>%s") % (intro, message) if message else intro)
        if status in DEAL_STATUS_NEEDS_BUYER:
            self._itscope_warn_buyer(self.env._("ITscope: %(status)s", status=label), message)
        return True

    @api.model
    def _itscope_sync_deals(self, company):
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
                for order in self.search([("company_id", "=", company.id), ("itscope_order_id", "!=", False)])
            }
            with company._itscope_client() as client:
                for deal in client.deals(last_update_from=since):
                    order = orders.get(deal.get("orderId"))
                    if not order:
                        run._count(skipped=1)
                        continue
                    try:
                        with self.env.cr.savepoint():
                            changed = order._itscope_update_from_deal(deal)
                            created = self.env["itscope.document"]._itscope_register(order, deal)
                    except ValueError as error:  # a date ITscope wrote in an unexpected form
                        run._add_error(deal.get("orderId"), str(error))
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
        grouped = self._read_group([("itscope_order_id", "!=", False)], ["company_id"])
        companies = self.env["res.company"].union(*(company for [company] in grouped)).filtered("itscope_account_id")
        for company in companies:
            self.with_company(company)._itscope_sync_deals(company)
        self.env["ir.cron"]._notify_progress(done=len(companies), remaining=0)

    # ------------------------------------------------------------
    # Applying the distributor's documents
    # ------------------------------------------------------------

    def _itscope_apply_document(self, parsed, document):
        """Apply a parsed ORDERRESPONSE, DISPATCHNOTIFICATION or INVOICE (``itscope.document`` calls this in a
        savepoint: whatever raises leaves the order untouched and fails the document with the reason)."""
        self.ensure_one()
        {
            "ORDERRESPONSE": self._itscope_apply_order_response,
            "DISPATCHNOTIFICATION": self._itscope_apply_dispatch_notification,
            "INVOICE": self._itscope_create_bill,
        }[parsed.type](parsed, document)

    def _itscope_document_lines(self, parsed):
        """``[(order line, document line)]``: each document line's ORDER_REFERENCE/LINE_ITEM_ID (else its own
        LINE_ITEM_ID, else its SKU) names one of our lines; a line naming none makes the document not ours."""
        lines = self._itscope_order_lines()
        by_item_id = {line._itscope_line_item_id(): line for line in lines}
        by_sku = {}
        for line in lines:
            by_sku.setdefault(line._itscope_supplier_sku(), []).append(line)
        pairs, unknown = [], []
        for item in parsed.lines:
            reference = item.order_reference.line_id if item.order_reference else None
            line = by_item_id.get(reference) or by_item_id.get(item.line_id)
            if not line and len(by_sku.get(item.supplier_pid, ())) == 1:
                line = by_sku[item.supplier_pid][0]
            if line:
                pairs.append((line, item))
            else:
                unknown.append("%s (%s)" % (reference or item.line_id, item.supplier_pid or "?"))
        if unknown:
            raise ItscopeDocumentError(
                self.env._(
                    "The %(type)s has lines that are not on %(order)s: %(lines)s.",
                    type=parsed.type,
                    order=self.name,
                    lines=", ".join(unknown),
                )
            )
        return pairs

    def _itscope_apply_order_response(self, parsed, document):
        pairs = self._itscope_document_lines(parsed)
        if parsed.supplier_order_id:
            self.itscope_supplier_order_id = parsed.supplier_order_id
        lines = self.env["purchase.order.line"]
        for line, item in pairs:
            line._itscope_apply_order_response(item, parsed)
            lines |= line
        cancelled = lines.filtered(lambda line: line.itscope_confirmation == "cancelled")
        partial = lines.filtered(lambda line: line.itscope_confirmation == "partial")
        repriced = lines.filtered("itscope_price_differs")
        notes = [
            self.env._(
                "Order response from the distributor (order number %(number)s): %(count)s lines answered.",
                number=parsed.supplier_order_id or "-",
                count=len(lines),
            )
        ]
        if cancelled:
            notes.append(self.env._("Cancelled: %(products)s", products=_product_names(cancelled)))
        if partial:
            notes.append(self.env._("Partially confirmed: %(products)s", products=_product_names(partial)))
        if repriced:
            notes.append(self.env._("Confirmed at another price: %(products)s", products=_product_names(repriced)))
        self.message_post(body=Markup("<br/>").join(notes))
        if cancelled or partial or repriced:
            self._itscope_warn_buyer(
                self.env._("The distributor changed lines of %(order)s", order=self.name), "\n".join(notes[1:])
            )

    def _itscope_apply_dispatch_notification(self, parsed, document):
        pairs = self._itscope_document_lines(parsed)
        pickings = self.env["stock.picking"]
        for line, _item in pairs:
            moves = line._itscope_open_receipt_moves()
            if not moves:
                raise ItscopeDocumentError(
                    self.env._(
                        "The dispatch notification ships %(product)s, which has no open receipt on %(order)s.",
                        product=line.product_id.display_name,
                        order=self.name,
                    )
                )
            pickings |= moves.picking_id
        pickings._itscope_add_shipment(parsed.shipment)
        for line, item in pairs:
            line._itscope_apply_dispatch_line(item)
        shipment = parsed.shipment
        self.message_post(
            body=self.env._(
                "Dispatch notification: shipment %(shipment)s (%(carrier)s) prefilled on %(pickings)s.",
                shipment=shipment and shipment.shipment_id or "-",
                carrier=shipment and shipment.carrier or "-",
                pickings=format_list(self.env, pickings.mapped("name")),
            )
        )

    def _itscope_create_bill(self, parsed, document):
        """A draft vendor bill from the INVOICE, its lines linked to ours, surcharges as extra lines; the INVOICE's
        total is kept on the bill, which shows when its own total differs."""
        if parsed.currency and parsed.currency != self.currency_id.name:
            raise ItscopeDocumentError(
                self.env._(
                    "The invoice is in %(currency)s, the order in %(order_currency)s.",
                    currency=parsed.currency,
                    order_currency=self.currency_id.name,
                )
            )
        if parsed.totals.total is None:
            raise ItscopeDocumentError(self.env._("The invoice has no TOTAL_AMOUNT."))
        pairs = self._itscope_document_lines(parsed)
        line_vals = [line._itscope_prepare_bill_line(item) for line, item in pairs]
        # Surcharges (freight) follow the main supply: the highest VAT rate of the goods.
        rates = [item.tax_rate for _line, item in pairs if item.tax_rate is not None]
        surcharge_rate = max(rates) if rates else None
        shipping_line = self.order_line.filtered("itscope_is_shipping")[:1]
        for charge in parsed.totals.extra:
            line_vals.append(self._itscope_prepare_charge_line(charge, surcharge_rate, shipping_line))
        bill = (
            self.env["account.move"]
            .with_company(self.company_id)
            .with_context(default_move_type="in_invoice")
            .create(
                {
                    **self._prepare_invoice(),
                    "ref": parsed.document_id or self.partner_ref or "",
                    "invoice_date": parsed.document_date,
                    "invoice_line_ids": [Command.create(vals) for vals in line_vals],
                    "itscope_document_id": document.id,
                    "itscope_invoice_total": float(parsed.totals.total),
                }
            )
        )
        self.env["ir.attachment"].create(
            [
                {"name": name, "datas": data, "res_model": "account.move", "res_id": bill.id}
                for name, data in (
                    (document.xml_filename, document.xml_file),
                    (document.pdf_filename, document.pdf_file),
                )
                if data
            ]
        )
        document.bill_id = bill
        self.message_post(
            body=self.env._(
                "Draft vendor bill created from the distributor's invoice %(invoice)s.", invoice=parsed.document_id
            )
        )
        if bill.itscope_total_differs:
            bill.activity_schedule(
                "mail.mail_activity_data_warning",
                user_id=self.user_id.id or self.env.uid,
                summary=self.env._("The bill's total differs from the distributor's invoice"),
                note=self.env._(
                    "The invoice says %(expected)s, the bill adds up to %(actual)s. Check taxes and lines before "
                    "posting.",
                    expected=parsed.totals.total,
                    actual=bill.amount_total,
                ),
            )

    def _itscope_prepare_charge_line(self, charge, tax_rate, shipping_line):
        """A bill line for an ALLOW_OR_CHARGE; a freight charge settles the order's shipping line when it has one."""
        name = charge.description or charge.type or self.env._("Surcharge")
        if shipping_line and charge.type == "freight":
            vals = shipping_line._prepare_account_move_line()
            taxes = self._itscope_purchase_taxes(tax_rate, shipping_line.taxes_id)
        else:
            vals = {"display_type": "product"}
            taxes = self._itscope_purchase_taxes(tax_rate, self.env["account.tax"])
        vals.update(
            name=name,
            quantity=1,
            price_unit=float(charge.signed_amount),
            discount=0.0,
            tax_ids=[Command.set(taxes.ids)],
        )
        return vals

    def _itscope_purchase_taxes(self, rate, own_taxes):
        """The purchase taxes for an invoiced VAT rate (a fraction such as 0.19): ``own_taxes`` when they make that
        rate, else the company's purchase tax of that rate, else ``own_taxes`` (the bill's total then shows it)."""
        if rate is None:
            return own_taxes
        percent = float(rate) * 100

        def makes_rate(taxes):
            return (
                taxes
                and all(tax.amount_type == "percent" and not tax.price_include for tax in taxes)
                and float_compare(sum(taxes.mapped("amount")), percent, precision_digits=4) == 0
            )

        if makes_rate(own_taxes):
            return own_taxes
        candidates = self.env["account.tax"].search(
            [
                *self.env["account.tax"]._check_company_domain(self.company_id),
                ("type_tax_use", "=", "purchase"),
                ("amount_type", "=", "percent"),
            ]
        )
        tax = next((tax for tax in candidates if makes_rate(tax)), None)
        return self.fiscal_position_id.map_tax(tax) if tax else own_taxes

    def _itscope_notify_document_failed(self, document):
        self.ensure_one()
        summary = self.env._("An ITscope document could not be processed: %(document)s", document=document.display_name)
        self.message_post(body=Markup("%s<br/>%s") % (summary, document.error or ""))
        self._itscope_warn_buyer(summary, document.error)

    # ------------------------------------------------------------
    # Shipping costs
    # ------------------------------------------------------------

    def _itscope_add_shipping_line(self):
        """Give RFQs of a distributor with a default shipping cost a shipping line, once: an ordinary line the buyer
        may change or delete (distributors rarely send freight over EDI, so the order keeps the expected cost)."""
        vals_list = []
        for order in self.filtered(lambda order: order.state in ("draft", "sent")):
            distributor = order.itscope_distributor_id
            product = distributor.shipping_product_id
            if not product or order.order_line.filtered("itscope_is_shipping"):
                continue
            cost = distributor.currency_id._convert(
                distributor.shipping_cost, order.currency_id, order.company_id, order.date_order
            )
            vals_list.append(
                {
                    "order_id": order.id,
                    "product_id": product.id,
                    "product_qty": 1.0,
                    "price_unit": cost,
                    "itscope_is_shipping": True,
                }
            )
        self.env["purchase.order.line"].create(vals_list)


def _product_names(lines):
    return format_list(lines.env, lines.product_id.mapped("display_name"))


def _party(partner, contact=None):
    """An openTRANS party from a partner: its company's name first, the contact or address name after it."""
    company = partner.commercial_partner_id
    return Party(
        name=company.name or partner.name or "",
        name2=partner.name if partner != company and partner.name else "",
        name3=partner.street2 or "",
        contact_name=contact or "",
        street=partner.street or "",
        zip=partner.zip or "",
        city=partner.city or "",
        country=partner.country_id.name or "",
        country_code=partner.country_id.code or "",
        vat_id=company.vat or "",
        phone=partner.phone or "",
        email=partner.email or "",
    )
