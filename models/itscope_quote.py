import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..itscope.errors import ItscopeDocumentError
from ..itscope.opentrans import parse_document
from ..itscope.records import read_quotes

QUOTE_STATUS = [("DRAFT", "Draft"), ("PROGRESS", "In progress"), ("WON", "Won"), ("LOST", "Lost")]


class ItscopeQuote(models.Model):
    """An ITscope quote of the company (Purchase > ITscope > Quotes), and the RFQs it became.

    The list is mirrored from ``business/quotes`` by the quotes sync (scheduled, or *Sync now*): a quote ITscope no
    longer lists among the current ones is archived here. *Create RFQs* reads the quote's QUOTATION, keeps its lines
    (:class:`itscope.quote.line`) and turns each one that names an ITscope offer into a line of an RFQ to that offer's
    distributor, at the quoted price with the quoted project and special-bid numbers. A line remembers its RFQ line,
    so running it again adds only what is new, and a line that cannot be ordered keeps the reason.
    """

    _name = "itscope.quote"
    _inherit = ["itscope.binding.mixin"]
    _description = "ITscope Quote"
    _order = "last_update desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    quote_no = fields.Char(string="Quote Number", readonly=True, index="btree_not_null")
    status = fields.Selection(QUOTE_STATUS, readonly=True, index=True)
    status_text = fields.Char(
        string="Status at ITscope", readonly=True, help="The status as ITscope wrote it (kept when it is unknown)."
    )
    valid_until = fields.Datetime(readonly=True)
    organisation = fields.Char(readonly=True, help="Whom the quote is for.")
    person = fields.Char(string="Recipient", readonly=True)
    customer_number = fields.Char(readonly=True)
    creator = fields.Char(readonly=True)
    item_count = fields.Integer(string="Items", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", readonly=True, default=lambda self: self.env.ref("base.EUR"), help="ITscope quotes in euros."
    )
    total = fields.Monetary(string="Total (gross)", readonly=True)
    last_update = fields.Datetime(readonly=True)
    deeplink = fields.Char(string="ITscope Link", readonly=True)
    document_url = fields.Char(readonly=True)
    quotation_file = fields.Binary(string="QUOTATION", attachment=True, readonly=True)
    quotation_filename = fields.Char(compute="_compute_quotation_filename")
    line_ids = fields.One2many("itscope.quote.line", "quote_id", string="Lines", readonly=True)
    purchase_ids = fields.One2many("purchase.order", "itscope_quote_id", string="RFQs")
    purchase_count = fields.Integer(compute="_compute_purchase_count")
    unresolved_count = fields.Integer(string="Lines Not Ordered", compute="_compute_unresolved_count")

    _sql_constraints = [
        ("company_itscope_uniq", "UNIQUE(company_id, itscope_id)", "An ITscope quote is mirrored once per company."),
    ]

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("quote_no", "itscope_id")
    def _compute_quotation_filename(self):
        for quote in self:
            quote.quotation_filename = "QUOTATION-%s.xml" % (quote.quote_no or quote.itscope_id)

    def _compute_purchase_count(self):
        counts = dict(
            self.env["purchase.order"]._read_group(
                [("itscope_quote_id", "in", self.ids)], ["itscope_quote_id"], ["__count"]
            )
        )
        for quote in self:
            quote.purchase_count = counts.get(quote, 0)

    @api.depends("line_ids.purchase_line_id")
    def _compute_unresolved_count(self):
        for quote in self:
            quote.unresolved_count = len(quote.line_ids.filtered(lambda line: not line.purchase_line_id))

    @api.depends("name", "quote_no")
    def _compute_display_name(self):
        for quote in self:
            quote.display_name = " ".join(filter(None, (quote.quote_no, quote.name))) or quote.itscope_id

    # ------------------------------------------------------------
    # Sync
    # ------------------------------------------------------------

    def _itscope_vals(self, record):
        return {
            "name": record.name or record.quote_no or record.itscope_id,
            "quote_no": record.quote_no,
            "status": record.status or False,
            "status_text": record.status_text,
            "valid_until": record.valid_until or False,
            "organisation": record.organisation,
            "person": record.person,
            "customer_number": record.customer_number,
            "creator": record.creator,
            "item_count": record.item_count,
            "total": float(record.total) if record.total is not None else 0.0,
            "last_update": record.last_modified or False,
            "deeplink": record.deeplink,
            "document_url": record.document_url,
            "active": not record.archived,
        }

    @api.model
    def _itscope_sync(self, company):
        """Mirror the company's current ITscope quotes (one list call per 50); return the sync run. A bad entry is
        logged with its id and reason; quotes no longer listed are archived, never deleted."""
        company.ensure_one()

        def work(run):
            with self.env["itscope.service"]._client(company) as client:
                payloads = list(client.quotes())
            quotes, problems = read_quotes(payloads)
            run._add_errors(problems)
            self._itscope_upsert(company, quotes, run)
            gone = self.search(
                [("company_id", "=", company.id), ("itscope_id", "not in", [q.itscope_id for q in quotes])]
            )
            gone.active = False
            run._count(updated=len(gone))

        return self.env["itscope.sync.run"]._run(company, "quotes", work)

    @api.model
    def _cron_itscope_sync_quotes(self):
        """Mirror the quotes of every company connected to ITscope (a few list calls each)."""
        companies = self.env["res.company"].search([("itscope_account_id", "!=", False)])
        for company in companies:
            self.with_company(company)._itscope_sync(company)
        self.env["ir.cron"]._notify_progress(done=len(companies), remaining=0)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    @api.model
    def action_itscope_sync(self):
        """*Sync now* of the quote list: the current company's quotes, at once."""
        run = self._itscope_sync(self.env.company)
        if run.state == "failed":
            raise UserError(run.failure)
        return self._itscope_notification(self.env._("ITscope quotes"), run.summary, warn=run.state == "partial")

    def action_itscope_create_rfqs(self):
        """Turn the quote into RFQs, one per distributor (see the class docstring); say what was done, and why a
        line could not be ordered. Nothing is created twice."""
        self.ensure_one()
        outcome = {}
        run = self.env["itscope.sync.run"]._run(
            self.company_id, "quotes", lambda run: outcome.update(self._itscope_create_rfqs(run)), source="quote"
        )
        if run.state == "failed":
            raise UserError(run.failure)
        return self._itscope_notification(
            self.env._("RFQs from quote %(quote)s", quote=self.display_name),
            self._itscope_outcome_message(**outcome),
            warn=bool(outcome["unresolved"]),
        )

    @api.model
    def _itscope_notification(self, title, message, warn=False):
        """A notification that reloads the view behind it; a warning stays until closed."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "warning" if warn else "success",
                "sticky": warn,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_purchases(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("RFQs of %(quote)s", quote=self.display_name),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("itscope_quote_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_open_itscope(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.deeplink, "target": "new"}

    # ------------------------------------------------------------
    # RFQs
    # ------------------------------------------------------------

    def _itscope_create_rfqs(self, run):
        """Download and read the QUOTATION, update the quote's lines, resolve the new ones, and put each resolved
        line on an RFQ of its distributor; returns what the outcome message needs."""
        self.ensure_one()
        parsed = self._itscope_quotation()
        self.env["itscope.quote.line"]._itscope_sync_lines(self, parsed)
        new_lines = self.line_ids.filtered(lambda line: not line.purchase_line_id)
        new_lines._itscope_resolve(run)
        resolved = new_lines.filtered("partner_id")
        orders = self.env["purchase.order"]
        for partner, lines in resolved.grouped("partner_id").items():
            order = self._itscope_rfq_for(partner)
            purchase_lines = self.env["purchase.order.line"].create(
                [line._itscope_prepare_purchase_line(order) for line in lines]
            )
            for line, purchase_line in zip(lines, purchase_lines, strict=True):
                line.purchase_line_id = purchase_line
            orders |= order
        unresolved = new_lines - resolved
        run._count(created=len(resolved), skipped=len(self.line_ids) - len(new_lines))
        run._add_errors([(line.line_item_id, line.problem) for line in unresolved])
        return {"orders": orders, "added": len(resolved), "unresolved": unresolved}

    def _itscope_quotation(self):
        """The quote's QUOTATION, downloaded (and kept on the quote) and read; a UserError says why it cannot be."""
        with self.env["itscope.service"]._client(self.company_id) as client:
            xml = client.quotation(self.itscope_id, self.document_url or None)
        if not xml:
            raise UserError(
                self.env._("ITscope has no QUOTATION document for quote %(quote)s (yet).", quote=self.display_name)
            )
        self.quotation_file = base64.b64encode(xml)
        try:
            parsed = parse_document(xml)
        except ItscopeDocumentError as error:
            raise UserError(
                self.env._(
                    "The QUOTATION of quote %(quote)s cannot be read: %(reason)s", quote=self.display_name, reason=error
                )
            ) from None
        if parsed.type != "QUOTATION":
            raise UserError(
                self.env._(
                    "ITscope answered a %(type)s for quote %(quote)s, not its QUOTATION.",
                    type=parsed.type,
                    quote=self.display_name,
                )
            )
        return parsed

    def _itscope_rfq_for(self, partner):
        """The quote's RFQ to ``partner`` still open for new lines, or a new one."""
        order = self.purchase_ids.filtered(
            lambda order: order.partner_id == partner and order.state in ("draft", "sent")
        )
        if order:
            return order[:1]
        return self.env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "itscope_quote_id": self.id,
                "origin": self.quote_no or self.name,
            }
        )

    def _itscope_outcome_message(self, orders, added, unresolved):
        if not added and not unresolved:
            return self.env._(
                "Every line of quote %(quote)s is already on an RFQ (%(orders)s): nothing new was created.",
                quote=self.display_name,
                orders=", ".join(self.purchase_ids.mapped("name")) or "-",
            )
        message = self.env._(
            "%(count)s lines are on the RFQs %(orders)s.", count=added, orders=", ".join(orders.mapped("name")) or "-"
        )
        if unresolved:
            message += " " + self.env._(
                "%(count)s lines could not be ordered: %(lines)s",
                count=len(unresolved),
                lines="; ".join("%s: %s" % (line.display_name, line.problem) for line in unresolved),
            )
        return message
