from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..itscope.codes import DEAL_STATUS
from ..itscope.opentrans import Order, Party


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    itscope_distributor_id = fields.Many2one(
        "itscope.distributor",
        string="ITscope Distributor",
        compute="_compute_itscope_distributor_id",
        help="The ITscope distributor this vendor is mapped to (Purchase > ITscope > Distributors).",
    )
    itscope_customer_account_id = fields.Many2one(
        "itscope.customer.account",
        string="Place On Account",
        check_company=True,
        domain="[('distributor_id', '=', itscope_distributor_id)]",
        copy=False,
        help="One of your further customer accounts at the distributor (listed on the distributor); empty: the "
        "distributor's main account.",
    )
    itscope_customer_account = fields.Char(
        string="Customer Account",
        compute="_compute_itscope_customer_account",
        store=True,
        readonly=False,
        copy=False,
        help="Your customer number at the distributor that the order is sent with; by default the distributor's "
        "order account number.",
    )
    itscope_partial_shipment = fields.Boolean(
        string="Partial Shipment Allowed",
        compute="_compute_itscope_partial_shipment",
        store=True,
        readonly=False,
        copy=False,
        help="The distributor may ship what is in stock now and the rest later (agree on it with the distributor).",
    )
    itscope_dropship = fields.Boolean(
        string="Own Delivery Note",
        compute="_compute_itscope_dropship",
        store=True,
        readonly=False,
        help="Drop shipment: the distributor ships with your delivery note (agree on it with the distributor). On by "
        "default when the order delivers to an address that is not your company's, such as a customer's.",
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
    itscope_warning = fields.Html(
        string="ITscope Warnings",
        compute="_compute_itscope_warning",
        sanitize=False,
        help="What would keep the order from going to ITscope when it is confirmed.",
    )
    itscope_tracking_ref = fields.Char(string="Tracking Numbers", compute="_compute_itscope_tracking")
    itscope_tracking_url = fields.Char(string="Tracking Link", compute="_compute_itscope_tracking")
    itscope_quote_id = fields.Many2one(
        "itscope.quote", string="ITscope Quote", readonly=True, index="btree_not_null", check_company=True
    )
    itscope_cart_id = fields.Char(string="ITscope Cart", readonly=True, copy=False)
    itscope_cart_link = fields.Char(string="ITscope Cart Link", readonly=True, copy=False)

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

    # One compute per option: a field given when an order is created (a copy passes its options on) keeps the other
    # fields of its compute method from being computed, so a shared method left a split RFQ without its account.
    @api.depends("partner_id", "company_id", "itscope_customer_account_id")
    def _compute_itscope_customer_account(self):
        for order in self:
            distributor = order.itscope_distributor_id
            order.itscope_customer_account = (
                order.itscope_customer_account_id.number
                or distributor.order_account_number
                or distributor.customer_account_number
            )

    @api.depends("dest_address_id", "itscope_delivery_address_id", "company_id")
    def _compute_itscope_dropship(self):
        for order in self:
            address = order.itscope_delivery_address_id or order.dest_address_id
            order.itscope_dropship = bool(address) and address.commercial_partner_id != order.company_id.partner_id

    @api.depends("partner_id", "company_id")
    def _compute_itscope_partial_shipment(self):
        for order in self:
            order.itscope_partial_shipment = order.itscope_distributor_id.partial_shipment_allowed

    @api.depends("itscope_order_document_id.state")
    def _compute_itscope_send_state(self):
        states = {"sending": "sending", "sent": "sent", "send_failed": "failed", "send_unknown": "unknown"}
        for order in self:
            order.itscope_send_state = states.get(order.itscope_order_document_id.state, "not_sent")

    @api.depends(
        "state",
        "partner_id",
        "company_id",
        "itscope_customer_account",
        "itscope_end_customer_id",
        "dest_address_id",
        "order_line",
        "order_line.product_id",
        "order_line.product_qty",
        "order_line.display_type",
        "order_line.itscope_for_end_customer",
        "order_line.itscope_special_bid_id",
        "order_line.itscope_special_bid_end",
    )
    def _compute_itscope_warning(self):
        """On an RFQ that confirming sends to ITscope, what would stop it then, said as soon as it appears: the
        checks the ORDER goes through before it leaves (a line without the distributor's SKU, no customer account,
        …), and lines the distributor has no ITscope offer for."""
        exchange = self.env["itscope.order.exchange"]
        for order in self:
            lines = order._itscope_order_lines()
            company = order.company_id
            sends = order.itscope_distributor_id and company.itscope_send_orders and company.itscope_account_id
            problems = []
            if order.state in ("draft", "sent") and lines and sends:
                problems = exchange._order_problems(order)
                without_offer = lines.filtered(lambda line: not line.itscope_supplierinfo_id)
                if without_offer:
                    problems.append(
                        self.env._(
                            "%(distributor)s has no ITscope offer for %(products)s: it may not deliver them.",
                            distributor=order.itscope_distributor_id.name,
                            products=without_offer._itscope_product_names(),
                        )
                    )
            order.itscope_warning = (
                Markup('<ul class="mb-0">%s</ul>') % Markup().join(Markup("<li>%s</li>") % p for p in problems)
                if problems
                else False
            )

    @api.depends("picking_ids.itscope_tracking_ref", "picking_ids.itscope_tracking_url")
    def _compute_itscope_tracking(self):
        """The distributor's tracking numbers of the order's receipts, and the link of the latest shipment."""
        for order in self:
            pickings = order.picking_ids.filtered("itscope_tracking_ref").sorted("id")
            order.itscope_tracking_ref = ", ".join(pickings.mapped("itscope_tracking_ref")) or False
            order.itscope_tracking_url = pickings.filtered("itscope_tracking_url")[-1:].itscope_tracking_url or False

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
        # A source flag judged a line against its vendor's offers: with another vendor it no longer says anything
        # (the next refresh or Check now judges the line anew).
        new_vendor = self.browse()
        if "partner_id" in vals:
            new_vendor = self.filtered(lambda order: order.partner_id.id != vals["partner_id"])
        res = super().write(vals)
        if "partner_id" in vals:
            self._itscope_add_shipping_line()
            new_vendor.order_line.filtered("itscope_source_flag").write(
                {"itscope_source_flag": False, "itscope_better_offer_id": False}
            )
        return res

    # ------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------

    def button_approve(self, force=False):
        # EXTENDS purchase: an order for an ITscope distributor is checked before it is approved (so a refusal leaves
        # it an RFQ and says what to fix) and sent once it is. button_confirm approves through here, and so does the
        # manager's "Approve Order" under double validation.
        exchange = self.env["itscope.order.exchange"]
        to_send = exchange._orders_to_send(self)
        exchange._lock(to_send)
        built = {order: exchange._build_order(order) for order in to_send}
        res = super().button_approve(force=force)
        exchange._send(to_send.filtered(lambda order: order.state in ("purchase", "done")), built)
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
        self.env["itscope.order.exchange"]._send(self)
        return True

    def action_itscope_ordered_elsewhere(self):
        """Tell ITscope the order was placed another way (phone, e-mail, shop), so the distributor gets nothing."""
        self.ensure_one()
        self.env["itscope.order.exchange"]._mark_ordered_elsewhere(self)
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
        written = self.env["itscope.price.refresh"]._check_now(self.company_id, puids)
        at_offer_price = lines.filtered(
            lambda line: line.itscope_supplierinfo_id and not (line.itscope_project_id or line.itscope_special_bid_id)
        )
        at_offer_price._compute_price_unit_and_date_planned_and_name()
        # Judged as a refresh judges (after the repricing, which a flag must not outlive): this RFQ's lines whatever
        # changed, and the open RFQs of the products whose offers changed; one activity per RFQ newly flagged.
        self.env["itscope.source.watch"]._flag_open_rfqs(self.company_id, written, lines.product_id.product_tmpl_id)
        changes = list(filter(None, (line._itscope_change_note(*before[line]) for line in lines)))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Checked with ITscope"),
                "message": "; ".join(changes) or self.env._("Prices and stock are unchanged."),
                "type": "warning" if changes else "success",
                "sticky": bool(changes),
                # The form reloads its record through the button's close handler; a soft reload would restore the
                # controller's first props, which for an RFQ created in this form is a new, empty RFQ.
                "next": {"type": "ir.actions.act_window_close"},
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
            # Wide enough for each line's distributor, offer and reason, as Add from ITscope is.
            "context": {"dialog_size": "extra-large"},
        }

    def action_itscope_send_to_cart(self):
        """Put this RFQ's ITscope products into its ITscope cart (created the first time, refilled afterwards)."""
        self.ensure_one()
        message = self.env["itscope.cart"]._send(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Sent to ITscope"),
                "message": message,
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},  # reloads the RFQ, as Check now does
            },
        }

    def action_itscope_optimise_cart(self):
        """Let ITscope optimise this RFQ's cart and propose the split it found."""
        self.ensure_one()
        return self.env["itscope.cart"]._optimise(self)

    def action_itscope_open_cart(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.itscope_cart_link, "target": "new"}

    def action_itscope_open_quote(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "itscope.quote",
            "res_id": self.itscope_quote_id.id,
            "view_mode": "form",
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
    # ORDER
    # ------------------------------------------------------------

    def _itscope_prepare_order(self):
        """The openTRANS ORDER for this order: the hook to extend (``itscope.order.exchange`` checks the order before
        and builds the XML from it)."""
        self.ensure_one()
        end_customer = self._itscope_end_customer()
        company_partner = self.company_id.partner_id
        return Order(
            order_id=self.name,
            order_date=self.date_order,
            supplier_id=self.itscope_distributor_id.itscope_id,
            buyer_account=self.itscope_customer_account,
            buyer=_party(company_partner, contact=self.user_id.name),
            invoice_recipient=_party(company_partner.browse(company_partner.address_get(["invoice"])["invoice"])),
            delivery=_party(self._itscope_delivery_partner(), handle=True),
            lines=[line._itscope_prepare_order_line() for line in self._itscope_order_lines()],
            currency=self.currency_id.name,
            end_customer=_party(end_customer, handle=True) if end_customer else None,
            partial_shipment_allowed=self.itscope_partial_shipment,
            dropship=self.itscope_dropship,
            remarks=self.itscope_remarks or "",
        )

    def _itscope_order_lines(self):
        """The lines that go into the ORDER: products, without the shipping line (ITscope orders goods only)."""
        return self.order_line.filtered(
            lambda line: (
                line.product_id and not line.display_type and not line.is_downpayment and not line.itscope_is_shipping
            )
        )

    def _itscope_end_customer(self):
        """The licensee of the order's licence, ESD, warranty and service lines: the end customer named on the order,
        else the customer the order delivers to directly (its drop-ship address)."""
        return self.itscope_end_customer_id or self.dest_address_id

    def _itscope_delivery_partner(self):
        return (
            self.itscope_delivery_address_id
            or self.dest_address_id
            or self.picking_type_id.warehouse_id.partner_id
            or self.company_id.partner_id
        )

    def _itscope_warn_buyer(self, summary, note=False):
        """A warning activity for the buyer, unless the same one is still open (a retry failing again adds none)."""
        self.ensure_one()
        if not self.activity_ids.filtered(lambda activity: activity.summary == summary):
            self._itscope_sender().activity_schedule(
                "mail.mail_activity_data_warning", user_id=self.user_id.id or self.env.uid, summary=summary, note=note
            )

    def _itscope_lang(self):
        """The language of what a scheduled action writes on this order (chatter, activities): its buyer's, else its
        company's; without an order, the current one."""
        if not self:
            return self.env.lang
        self.ensure_one()
        return self.user_id.lang or self.company_id.partner_id.lang

    def _itscope_sender(self):
        """These orders as whoever can post on their chatter: the current user, or the system (OdooBot) when the user
        has no e-mail address. Odoo refuses to post or notify without a sender address, and a note of what ITscope
        did (an order sent, a document read) must not be lost, or undo what it reports, for want of one."""
        return self if self.env.user.email else self.with_user(SUPERUSER_ID)

    # ------------------------------------------------------------
    # Vendor bills
    # ------------------------------------------------------------

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


def _party(partner, contact=None, handle=False):
    """An openTRANS party from a partner: its company's name first, the contact or address name after it. ``handle``:
    the party carries an id of its own derived from the partner (an address handle, stable for the address and never
    a customer number, as distributors require for delivery addresses and licensees)."""
    company = partner.commercial_partner_id
    return Party(
        party_id="ODOO-%s" % partner.id if handle else "",
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
