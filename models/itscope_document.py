import base64
import json
import logging

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date, formatLang

from ..itscope.errors import ItscopeDocumentError, ItscopeError, ItscopeNotFound
from ..itscope.opentrans import parse_document

_logger = logging.getLogger(__name__)

# The incoming document types: their label, and the processor that applies them to their purchase order (one file
# each, models/itscope_document_process_<type>.py). The deal mirror records a deal's documents of these types (the
# deal lists them under the type in lower case). A new type is a new processor file and one line here.
INCOMING_TYPES = {
    "ORDERRESPONSE": ("Order response", "itscope.document.process.orderresponse"),
    "DISPATCHNOTIFICATION": ("Dispatch notification", "itscope.document.process.dispatchnotification"),
    "INVOICE": ("Invoice", "itscope.document.process.invoice"),
}
DOCUMENT_TYPES = [("ORDER", "Order")] + [(doc_type, label) for doc_type, (label, _model) in INCOMING_TYPES.items()]
# Where a state may go next. Outgoing ORDERs: new → sending → sent | send_failed | send_unknown, and a retry goes from
# send_failed or send_unknown back to sending (the retry looks the deal up first, see
# itscope.order.exchange._send_document). Incoming documents: new → processed | failed, and "Reprocess" goes from
# failed to processed or failed again.
_TRANSITIONS = {
    "new": {"sending", "processed", "failed"},
    "sending": {"sent", "send_failed", "send_unknown"},
    "send_failed": {"sending"},
    "send_unknown": {"sending"},
    "failed": {"processed", "failed"},
    "sent": set(),
    "processed": set(),
}
FETCH_BATCH = 20  # documents per cron batch; the cron runner commits between batches
RETRY_MINUTES = 15  # a document ITscope lists but does not serve yet (204) is asked for again after this


class ItscopeDocument(models.Model):
    """One openTRANS document exchanged with ITscope: the ORDER we sent or a distributor's answer to it.

    Shaped like edi_oca's exchange record: it holds the XML as an attachment, an explicit state, the error that stopped
    it, and is the only place where that state changes (:meth:`_set_state`). Incoming documents are listed by the
    deal mirror (once: the transaction id is unique per company and type), downloaded once, processed once; a failed
    one keeps its reason and can be reprocessed.
    """

    _name = "itscope.document"
    _description = "ITscope Document"
    _order = "exchanged_at desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    purchase_id = fields.Many2one(
        "purchase.order", string="Purchase Order", readonly=True, index=True, check_company=True, ondelete="restrict"
    )
    direction = fields.Selection([("out", "Sent"), ("in", "Received")], required=True, readonly=True)
    doc_type = fields.Selection(DOCUMENT_TYPES, string="Type", required=True, readonly=True)
    transaction_id = fields.Char(string="ITscope Transaction ID", readonly=True, index=True, copy=False)
    itscope_order_id = fields.Char(string="ITscope Order ID", readonly=True, index=True)
    document_url = fields.Char(readonly=True)
    exchanged_at = fields.Datetime(
        string="Date", readonly=True, help="When the ORDER was sent, or when ITscope last updated the document."
    )
    state = fields.Selection(
        [
            ("new", "New"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("send_failed", "Send failed"),
            ("send_unknown", "Outcome unknown"),
            ("processed", "Processed"),
            ("failed", "Failed"),
        ],
        default="new",
        required=True,
        readonly=True,
        index=True,
    )
    error = fields.Text(readonly=True)
    warnings = fields.Text(readonly=True, help="Soft problems of a document that was still processed.")
    next_try_at = fields.Datetime(readonly=True, help="ITscope had not issued the document yet; asked again then.")
    xml_file = fields.Binary(string="XML", attachment=True, readonly=True)
    xml_filename = fields.Char(compute="_compute_filenames")
    pdf_file = fields.Binary(string="PDF", attachment=True, readonly=True)
    pdf_filename = fields.Char(compute="_compute_filenames")
    bill_id = fields.Many2one("account.move", string="Vendor Bill", readonly=True, check_company=True)
    summary = fields.Html(
        compute="_compute_content",
        sanitize=False,
        help="What the document says, for people: its type, number and date, the order, each line and the totals.",
    )
    content = fields.Text(
        compute="_compute_content",
        help="Everything the document says as the connector reads it (ids, quantities, packages, serial and lot "
        "numbers, amounts), the same as python -m itscope opentrans parse prints.",
    )

    _sql_constraints = [
        (
            "transaction_uniq",
            "UNIQUE(company_id, doc_type, transaction_id)",
            "An ITscope document is recorded once per company.",
        ),
    ]

    def init(self):
        # One outgoing ORDER per purchase order: two transactions that both try to start a first send cannot both
        # create one (the second waits for the first and then fails), whatever happens above the database.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS itscope_document_one_order_per_po
               ON itscope_document (purchase_id) WHERE direction = 'out'"""
        )

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("doc_type", "transaction_id", "purchase_id.name")
    def _compute_display_name(self):
        types = dict(self._fields["doc_type"]._description_selection(self.env))
        for document in self:
            reference = document.transaction_id or document.purchase_id.name or ""
            document.display_name = "%s %s" % (types.get(document.doc_type, ""), reference)

    @api.depends("doc_type", "direction", "transaction_id", "purchase_id.name")
    def _compute_filenames(self):
        for document in self:
            reference = document.purchase_id.name if document.direction == "out" else document.transaction_id
            document.xml_filename = "%s-%s.xml" % (document.doc_type, reference)
            document.pdf_filename = "%s-%s.pdf" % (document.doc_type, reference)

    @api.depends("xml_file")
    def _compute_content(self):
        for document in self:
            document.summary = False
            if not document.xml_file:
                document.content = False
                continue
            try:
                parsed = parse_document(base64.b64decode(document.xml_file))
            except (ItscopeError, ValueError) as error:
                reason = getattr(error, "message", None) or str(error)
                document.content = self.env._("The document cannot be read: %(reason)s", reason=reason)
            else:
                document.content = json.dumps(parsed.as_dict(), indent=2, ensure_ascii=False)
                document.summary = document._summary(parsed)

    def _summary(self, parsed):
        """The readable summary of the parsed document (template ``document_summary``), numbers, amounts and dates
        in the reader's language."""
        self.ensure_one()
        env = self.env
        currency = env["res.currency"].with_context(active_test=False).search([("name", "=", parsed.currency)], limit=1)
        currency = currency or self.company_id.currency_id

        def money(amount):
            return format_amount(env, float(amount), currency) if amount is not None else ""

        return env["ir.qweb"]._render(
            "itscope_connector.document_summary",
            {
                "parsed": parsed,
                "type_label": dict(self._fields["doc_type"]._description_selection(env)).get(parsed.type, parsed.type),
                "money": money,
                "quantity": lambda value: (
                    formatLang(env, float(value), dp="Product Unit of Measure") if value is not None else ""
                ),
                "percent": lambda rate: formatLang(env, float(rate) * 100, digits=0) + " %",
                "day": lambda value: format_date(env, value) if value else "",
            },
        )

    # ------------------------------------------------------------
    # State
    # ------------------------------------------------------------

    def _set_state(self, state, **vals):
        """The one place that changes a document's state; refuses a move the state diagram does not allow."""
        for document in self:
            if state not in _TRANSITIONS[document.state]:
                raise ValidationError(
                    self.env._(
                        "ITscope document %(name)s cannot go from %(old)s to %(new)s.",
                        name=document.display_name,
                        old=document.state,
                        new=state,
                    )
                )
        self.write({**vals, "state": state})

    # ------------------------------------------------------------
    # Receiving documents
    # ------------------------------------------------------------

    def _due_domain(self):
        return [
            ("direction", "=", "in"),
            ("state", "=", "new"),
            "|",
            ("next_try_at", "=", False),
            ("next_try_at", "<=", fields.Datetime.now()),
        ]

    @api.model
    def _itscope_fetch_documents(self, company):
        """Download and process all of the company's due documents, oldest first, in one sync run; return the run."""
        documents = self.search([*self._due_domain(), ("company_id", "=", company.id)], order="exchanged_at, id")
        return self.env["itscope.sync.run"]._run(company, "documents", documents._process)

    @api.model
    def _cron_itscope_fetch_documents(self):
        """Process a batch of due documents, one sync run per company; the cron runner commits and calls again while
        some remain."""
        due = self.search(self._due_domain(), order="exchanged_at, id", limit=FETCH_BATCH)
        for company, documents in due.grouped("company_id").items():
            in_company = self.with_company(company).with_context(lang=company.partner_id.lang)
            in_company.env["itscope.sync.run"]._run(company, "documents", documents.with_env(in_company.env)._process)
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=self.search_count(self._due_domain()))

    def _download(self, client):
        """Fetch the XML (and an invoice's PDF, which only some distributors provide); False while not issued yet."""
        self.ensure_one()
        xml = client.document(self.transaction_id, self.doc_type)
        if xml is None:
            self.next_try_at = fields.Datetime.add(fields.Datetime.now(), minutes=RETRY_MINUTES)
            return False
        vals = {"xml_file": base64.b64encode(xml)}
        if self.doc_type == "INVOICE":
            try:
                pdf = client.document(self.transaction_id, self.doc_type, output="pdf")
            except ItscopeNotFound:
                pdf = None
            if pdf:
                vals["pdf_file"] = base64.b64encode(pdf)
        self.write(vals)
        return True

    def _process(self, run=None):
        """Download what is missing, then apply each document to its purchase order, each in its own savepoint.

        A document that cannot be read or does not fit its order ends failed with the reason, and nothing it would
        have changed is changed; the others go on. Errors reaching ITscope stop the run (it fails with the reason).
        """
        clients = {}
        try:
            for document in self:
                if not document.xml_file:
                    company = document.company_id
                    if company not in clients:
                        clients[company] = self.env["itscope.service"]._client(company)
                    try:
                        downloaded = document._download(clients[company])
                    except ItscopeNotFound as error:
                        document._fail(error.message, run)
                        continue
                    if not downloaded:
                        if run:
                            run._count(skipped=1)
                        continue
                # What the processors write on the order (chatter, activities) is read by its buyer: in that language.
                document.with_context(lang=document.purchase_id._itscope_lang())._apply(run)
        finally:
            for client in clients.values():
                client.close()

    def _apply(self, run=None):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                parsed = parse_document(base64.b64decode(self.xml_file))
                self._check_parsed(parsed)
                self.env[INCOMING_TYPES[self.doc_type][1]]._process(self, parsed)
        except psycopg2.OperationalError:
            raise
        except (ItscopeError, UserError, ValidationError, ValueError) as error:
            self._fail(getattr(error, "message", None) or str(error), run)
        except Exception as error:  # noqa: BLE001 - an unexpected crash fails this document, not the whole run
            _logger.exception("ITscope document %s could not be processed", self.id)
            self._fail("%s: %s" % (type(error).__name__, error), run)
        else:
            self._set_state("processed", error=False, warnings="\n".join(parsed.warnings) or False)
            if run:
                run._count(updated=1)

    def _check_parsed(self, parsed):
        """The document must be what ITscope listed, for the order it listed it under: one of the orders it names (a
        collective invoice names several), or, when it names none (as some distributors' invoices do), the ITscope
        deal it came with must be the order's."""
        order = self.purchase_id
        if parsed.type != self.doc_type:
            raise ItscopeDocumentError(
                self.env._(
                    "ITscope listed this document as %(listed)s, but its content is of type %(actual)s.",
                    listed=self.doc_type,
                    actual=parsed.type,
                )
            )
        ours = {order.itscope_order_id, order.name} - {False}
        named = {parsed.order_id, *parsed.order_ids, *parsed.alt_customer_order_ids} - {None, ""}
        if not named:
            if self.itscope_order_id and self.itscope_order_id not in ours:
                raise ItscopeDocumentError(
                    self.env._(
                        "The %(type)s names no order and came with ITscope order %(deal)s, not with %(order)s.",
                        type=parsed.type,
                        deal=self.itscope_order_id,
                        order=order.itscope_order_id or order.name,
                    )
                )
            return
        if not ours & named:
            raise ItscopeDocumentError(
                self.env._(
                    "The %(type)s is for order %(other)s, not for %(order)s.",
                    type=parsed.type,
                    other=", ".join(sorted(named)),
                    order=order.itscope_order_id or order.name,
                )
            )

    def _fail(self, reason, run=None):
        self._set_state("failed", error=reason)
        if run:
            run._add_error(self.transaction_id, reason)
        self._notify_failed()

    def _notify_failed(self):
        """A chatter line and an activity for the buyer on the order the failed document belongs to."""
        self.ensure_one()
        order = self.purchase_id
        summary = self.env._("An ITscope document could not be processed: %(document)s", document=self.display_name)
        order._itscope_sender().message_post(body=Markup("%s<br/>%s") % (summary, self.error or ""))
        order._itscope_warn_buyer(summary, self.error)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_reprocess(self):
        failed = self.filtered(lambda document: document.direction == "in" and document.state == "failed")
        if not failed:
            raise UserError(self.env._("Only failed documents received from ITscope can be processed again."))
        failed._process()
        return True

    def action_open_purchase(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "purchase.order",
            "res_id": self.purchase_id.id,
            "view_mode": "form",
        }
