from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round, format_amount, format_list, formatLang

from ..itscope import codes
from ..itscope.errors import ItscopeDocumentError
from ..itscope.opentrans import OrderLine, Project


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    itscope_is_shipping = fields.Boolean(
        string="ITscope Shipping Line", help="The distributor's shipping cost: not ordered through ITscope."
    )
    itscope_supplier_sku = fields.Char(string="Distributor SKU", compute="_compute_itscope_supplier_sku")
    itscope_product_type = fields.Selection(
        lambda self: self.env["itscope.product.type"]._fields["order_kind"].selection,
        string="Ordered As",
        compute="_compute_itscope_product_type",
        store=True,
        readonly=False,
        help="The line's PRODUCT_TYPE in the ORDER: a service product is a service; otherwise what its ITscope "
        "product type is ordered as (Purchase > ITscope > Product Types), goods by default.",
    )
    itscope_for_end_customer = fields.Boolean(
        string="For End Customer",
        compute="_compute_itscope_for_end_customer",
        store=True,
        readonly=False,
        help="A licence, ESD, warranty or service item the distributor registers for the order's end customer.",
    )
    itscope_project_id = fields.Char(
        string="Distributor Project", help="The distributor's project number (ORDER line QUOTATION_ID)."
    )
    itscope_special_bid_id = fields.Char(
        string="Special Bid", help="The manufacturer's project or special-bid number the project price needs."
    )
    itscope_special_bid_end = fields.Date(string="Special Bid End")
    itscope_confirmation = fields.Selection(
        [("confirmed", "Confirmed"), ("partial", "Partially confirmed"), ("cancelled", "Cancelled")],
        string="Distributor Confirmation",
        readonly=True,
        copy=False,
    )
    itscope_confirmed_qty = fields.Float(
        string="Confirmed Quantity", digits="Product Unit of Measure", readonly=True, copy=False
    )
    itscope_confirmed_price = fields.Float(string="Confirmed Price", digits="Product Price", readonly=True, copy=False)
    itscope_confirmed_date = fields.Datetime(
        string="Confirmed Delivery", readonly=True, copy=False, help="The delivery date the distributor confirmed."
    )
    itscope_price_differs = fields.Boolean(
        string="Price Differs", compute="_compute_itscope_price_differs", store=True, copy=False
    )
    itscope_advised_qty = fields.Float(
        string="Advised Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="What the distributor's dispatch notifications announced so far.",
    )
    # The vendor's ITscope offer for the product, where the purchaser decides: not stored, always the current state.
    itscope_supplierinfo_id = fields.Many2one(
        "product.supplierinfo",
        string="ITscope Offer",
        compute="_compute_itscope_offer",
        help="The vendor's ITscope offer for this product (an available one first, then the cheapest).",
    )
    itscope_stock = fields.Integer(string="Distributor Stock", compute="_compute_itscope_offer")
    itscope_stock_status = fields.Selection(
        [(str(code), label) for code, label in codes.AVAILABILITY.items()],
        string="Availability",
        compute="_compute_itscope_offer",
        help="The vendor's availability code for this product on ITscope; 'Not available' once ITscope no longer "
        "lists the offer.",
    )
    itscope_last_update = fields.Datetime(
        string="ITscope Update", compute="_compute_itscope_offer", help="When the vendor last changed price or stock."
    )
    # Set by the price refresh on open RFQs (itscope.source.watch), cleared when the line is switched or edited.
    itscope_source_flag = fields.Selection(
        [
            ("out_of_stock", "Out of stock"),
            ("price_rose", "Price rose"),
            ("cheaper_elsewhere", "Cheaper elsewhere"),
        ],
        string="ITscope Source",
        readonly=True,
        copy=False,
        help="What the last price refresh found: the vendor's offer ran out of stock, its price rose above the "
        "line's, or another partnered distributor has the quantity in stock for less.",
    )
    itscope_better_offer_id = fields.Many2one(
        "product.supplierinfo",
        string="Better ITscope Offer",
        readonly=True,
        copy=False,
        help="The cheapest offer of another partnered distributor with the quantity in stock, to switch the line to.",
    )

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("product_id", "order_id.partner_id", "company_id")
    def _compute_itscope_supplier_sku(self):
        for line in self:
            line.itscope_supplier_sku = line._itscope_supplier_sku()

    @api.depends("product_id", "order_id.partner_id", "company_id")
    def _compute_itscope_offer(self):
        for line in self:
            offers = line._itscope_vendor_sellers().filtered("itscope_offer_id")
            offer = offers.sorted(lambda offer: (not offer.itscope_available, offer.price))[:1]
            line.itscope_supplierinfo_id = offer
            line.itscope_stock = offer.itscope_stock
            status = offer.itscope_stock_status if offer.itscope_available else "6"  # no longer listed
            line.itscope_stock_status = status if offer else False
            line.itscope_last_update = offer.itscope_last_update

    @api.depends("product_id", "itscope_is_shipping")
    def _compute_itscope_product_type(self):
        for line in self:
            if line.itscope_is_shipping:
                line.itscope_product_type = "physical"
            elif line.product_id.type == "service":
                line.itscope_product_type = "service"
            else:
                itscope_type = line.product_id.product_tmpl_id.itscope_product_type_id
                line.itscope_product_type = itscope_type.order_kind or "physical"

    @api.depends("itscope_product_type")
    def _compute_itscope_for_end_customer(self):
        for line in self:
            line.itscope_for_end_customer = line.itscope_product_type not in (False, "physical")

    @api.depends("itscope_confirmed_price", "price_unit", "discount")
    def _compute_itscope_price_differs(self):
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for line in self:
            line.itscope_price_differs = bool(
                line.itscope_confirmed_price
                and float_compare(line.itscope_confirmed_price, line._itscope_net_price(), precision_digits=digits)
            )

    # ------------------------------------------------------------
    # Prices and stock
    # ------------------------------------------------------------

    def _itscope_change_note(self, price, stock, status):
        """What changed on this line since it had ``price`` and its offer ``stock`` and ``status``, or None."""
        self.ensure_one()
        notes = []
        if self.currency_id.compare_amounts(price, self.price_unit):
            notes.append(
                self.env._(
                    "price %(old)s → %(new)s",
                    old=format_amount(self.env, price, self.currency_id),
                    new=format_amount(self.env, self.price_unit, self.currency_id),
                )
            )
        if (stock, status) != (self.itscope_stock, self.itscope_stock_status):
            notes.append(
                self.env._(
                    "stock %(old)s → %(new)s (%(availability)s)",
                    old=formatLang(self.env, stock, digits=0),
                    new=formatLang(self.env, self.itscope_stock, digits=0),
                    availability=dict(self._fields["itscope_stock_status"]._description_selection(self.env)).get(
                        self.itscope_stock_status, "-"
                    ),
                )
            )
        if not notes:
            return None
        return self.env._("%(product)s: %(changes)s", product=self.product_id.display_name, changes=", ".join(notes))

    # ------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------

    def write(self, vals):
        # The refresh's flag judged the line as it was: once its product, quantity or price is changed, it is stale.
        if {"product_id", "product_qty", "price_unit"} & set(vals) and "itscope_source_flag" not in vals:
            vals = dict(vals, itscope_source_flag=False, itscope_better_offer_id=False)
        return super().write(vals)

    # ------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------

    def action_itscope_switch_source(self):
        """Move the line to its better ITscope offer: onto a new RFQ for that distributor, split off from this one
        (ITscope takes one distributor per order), or, when it is the RFQ's only product line, by changing the RFQ's
        vendor. Opens the RFQ the line is on now."""
        self.ensure_one()
        offer = self.itscope_better_offer_id
        order = self.order_id
        if order.state not in ("draft", "sent") or not offer:
            raise UserError(self.env._("Only a line of a request for quotation with a better offer can be switched."))
        others = order._itscope_order_lines() - self
        if others:
            target = order.copy({"partner_id": offer.partner_id.id, "order_line": [], "origin": order.name})
        else:
            order.order_line.filtered("itscope_is_shipping").unlink()  # the new vendor's shipping line comes instead
            order.partner_id = offer.partner_id
            target = order
        self._itscope_move_to(target, offer)
        return {
            "type": "ir.actions.act_window",
            "res_model": "purchase.order",
            "res_id": target.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # Best source
    # ------------------------------------------------------------

    def _itscope_move_to(self, order, offer):
        """Put the line on ``order`` (an RFQ of ``offer``'s distributor) at ``offer``'s price."""
        self.ensure_one()
        if self.order_id != order:
            self.order_id = order
            self._compute_price_unit_and_date_planned_and_name()  # vendor code and lead time of the new vendor
        self.price_unit = self._itscope_offer_price(offer)

    def _itscope_offer_price(self, offer):
        """``offer``'s price in the RFQ's currency: converted at the RFQ's date as Odoo prices a line from a vendor
        line in another currency (the source watch compares offers the same way)."""
        self.ensure_one()
        order = self.order_id
        if not offer.currency_id or offer.currency_id == order.currency_id:
            return offer.price
        return offer.currency_id._convert(
            offer.price, order.currency_id, order.company_id, order.date_order or fields.Date.context_today(self), False
        )

    def _itscope_source_note(self):
        """What the refresh found for this flagged line, in a sentence for the buyer."""
        self.ensure_one()
        better = self.itscope_better_offer_id
        reasons = {
            "out_of_stock": self.env._("%(vendor)s has no stock left", vendor=self.partner_id.display_name),
            "price_rose": self.env._(
                "%(vendor)s now asks %(price)s instead of %(line_price)s",
                vendor=self.partner_id.display_name,
                price=format_amount(
                    self.env, self._itscope_offer_price(self.itscope_supplierinfo_id), self.currency_id
                ),
                line_price=format_amount(self.env, self.price_unit, self.currency_id),
            ),
            "cheaper_elsewhere": self.env._("cheaper elsewhere"),
        }
        note = self.env._(
            "%(product)s: %(reason)s", product=self.product_id.display_name, reason=reasons[self.itscope_source_flag]
        )
        if better:
            note = self.env._(
                "%(note)s; %(distributor)s has %(qty)s in stock for %(price)s",
                note=note,
                distributor=better.partner_id.display_name,
                qty=better.itscope_stock,
                price=format_amount(self.env, better.price, better.currency_id),
            )
        return note

    def _itscope_best_sources(self):
        """``[(line, offer, reason)]`` for each product line (see :meth:`_itscope_best_offer`)."""
        sources, partners_of = [], {}
        for line in self.filtered(lambda line: line.product_id and not line.display_type):
            company = line.order_id.company_id
            if company not in partners_of:
                partners_of[company] = (
                    self.env["itscope.distributor"]
                    .search([("company_id", "=", company.id), ("partnered", "=", True), ("partner_id", "!=", False)])
                    .partner_id
                )
            sources.append((line, *line._itscope_best_offer(partners_of[company])))
        return sources

    def _itscope_best_offer(self, partners):
        """``(offer, reason)``: among the ITscope offers of the distributors ``partners`` (the partnered ones), the
        cheapest that has the quantity in stock, else the one with the best availability, else no offer; the reason
        says which rule chose."""
        self.ensure_one()
        company = self.order_id.company_id
        offers = self.product_id.seller_ids.filtered(
            lambda offer: (
                offer.partner_id in partners
                and offer.itscope_offer_id
                and offer.itscope_available
                and offer.company_id in (company, self.env["res.company"])
            )
        )
        in_stock = offers.filtered(lambda offer: offer.itscope_stock >= self.product_qty)
        if in_stock:
            return min(in_stock, key=lambda offer: offer.price), self.env._(
                "cheapest with %(qty)s in stock",
                qty=formatLang(self.env, self.product_qty, dp="Product Unit of Measure"),
            )
        if offers:
            best = min(
                offers, key=lambda offer: (codes.AVAILABILITY_RANK[int(offer.itscope_stock_status or 8)], offer.price)
            )
            return best, self.env._("nobody has the quantity in stock: best availability, then price")
        return self.env["product.supplierinfo"], self.env._("no partnered distributor offers it")

    # ------------------------------------------------------------
    # ORDER
    # ------------------------------------------------------------

    def _itscope_line_item_id(self):
        """LINE_ITEM_ID: the line's database id, zero-padded. It never changes when lines are added or removed, so
        the distributor's answers find their line whatever happened to the order in between."""
        self.ensure_one()
        return "%05d" % self.id

    def _itscope_supplier_sku(self):
        """The vendor's product code for this product (a variant's own vendor line first), or ""."""
        self.ensure_one()
        return self._itscope_vendor_sellers().filtered("product_code")[:1].product_code or ""

    def _itscope_vendor_sellers(self):
        """The order vendor's price lines for this product in this company, a variant's own lines first."""
        self.ensure_one()
        vendor = self.order_id.partner_id.commercial_partner_id
        sellers = self.product_id.seller_ids.filtered(
            lambda seller: (
                seller.partner_id == vendor
                and seller.product_id in (self.product_id, self.env["product.product"])
                and seller.company_id in (self.company_id, self.env["res.company"])
            )
        )
        return sellers.sorted(lambda seller: not seller.product_id)

    def _itscope_product_names(self):
        """The lines' products for a message: "A, B and C"."""
        return format_list(self.env, self.product_id.mapped("display_name"))

    def _itscope_net_price(self):
        self.ensure_one()
        return self.price_unit * (1.0 - (self.discount or 0.0) / 100.0)

    def _itscope_prepare_order_line(self):
        """The ORDER_ITEM for this line (the hook to extend)."""
        self.ensure_one()
        project = None
        if self.itscope_project_id or self.itscope_special_bid_id:
            project = Project(
                quotation_id=self.itscope_project_id or "",
                agreement_id=self.itscope_special_bid_id or "",
                end_date=self.itscope_special_bid_end or None,
                end_customer=self.order_id.itscope_end_customer_id.commercial_partner_id.name or "",
            )
        digits = self.env["decimal.precision"].precision_get("Product Price")
        return OrderLine(
            line_id=self._itscope_line_item_id(),
            supplier_pid=self._itscope_supplier_sku(),
            quantity=Decimal(str(self.product_qty)),
            price=Decimal(str(float_round(self._itscope_net_price(), precision_digits=digits))),
            description=self.product_id.name or self.name or "",
            ean=self.product_id.barcode or "",
            puid=self.product_id.product_tmpl_id.itscope_puid or "",
            buyer_pid=self.product_id.default_code or "",
            unit=self.product_uom.itscope_unece_code or "",
            delivery_date=self._itscope_requested_date(),
            project=project,
            for_end_customer=self.itscope_for_end_customer,
            product_type=self.itscope_product_type or "",
        )

    def _itscope_requested_date(self):
        """DELIVERY_DATE: the day the line is planned to arrive, in the buyer's time zone, as the RFQ shows it."""
        self.ensure_one()
        return fields.Datetime.context_timestamp(self, self.date_planned).date() if self.date_planned else None

    # ------------------------------------------------------------
    # Distributor documents
    # ------------------------------------------------------------

    def _itscope_apply_order_response(self, item, response):
        """Confirmed quantity (≤ 0: cancelled), confirmed price and the promised delivery date of one line."""
        self.ensure_one()
        vals = {"itscope_confirmation": "confirmed"}
        if item.quantity is not None:
            quantity = float(item.quantity)
            vals["itscope_confirmed_qty"] = quantity
            if quantity <= 0:
                vals["itscope_confirmation"] = "cancelled"
            elif float_compare(quantity, self.product_qty, precision_rounding=self.product_uom.rounding) < 0:
                vals["itscope_confirmation"] = "partial"
        if item.price is not None:
            vals["itscope_confirmed_price"] = float(item.price)
        delivery = item.delivery_end or item.delivery_start or response.delivery_end or response.delivery_start
        if delivery and vals["itscope_confirmation"] != "cancelled":
            vals["date_planned"] = vals["itscope_confirmed_date"] = self.env["itscope.service"]._datetime(delivery)
        self.write(vals)

    def _itscope_open_receipt_moves(self):
        """The line's moves still to receive from the vendor (the first receipt, or its backorder)."""
        self.ensure_one()
        return self.move_ids.filtered(
            lambda move: move.state not in ("done", "cancel") and move.location_id.usage == "supplier"
        )

    def _itscope_apply_dispatch_line(self, item):
        """Prefill the open receipt with what a DISPATCHNOTIFICATION line ships: serial numbers as lots on the move
        lines of serial-tracked products, lot numbers with the shipped quantity on those of lot-tracked products,
        otherwise the quantity advised so far and not yet received (so partial deliveries add up over several
        notifications, also after part of them was received)."""
        self.ensure_one()
        move = self._itscope_open_receipt_moves()[:1]
        serials = list(dict.fromkeys(item.serial_numbers))
        lot_numbers = list(dict.fromkeys(item.lot_numbers))
        quantity = float(item.quantity) if item.quantity is not None else float(len(serials))
        self.itscope_advised_qty += quantity
        if self.product_id.tracking == "serial" and serials:
            lots = self._itscope_lots(serials)
            move.move_line_ids.filtered(lambda move_line: not move_line.lot_id and not move_line.lot_name).unlink()
            move.lot_ids = [Command.link(lot.id) for lot in lots]
        elif self.product_id.tracking == "lot" and lot_numbers:
            self._itscope_receive_lots(
                move, lot_numbers, self.product_uom._compute_quantity(quantity, move.product_uom)
            )
        else:
            outstanding = max(self.itscope_advised_qty - self.qty_received, 0.0)
            move.quantity = self.product_uom._compute_quantity(outstanding, move.product_uom)

    def _itscope_receive_lots(self, move, lot_numbers, quantity):
        """Add ``quantity`` (in the move's unit) of ``move`` to the move lines of the lots ``lot_numbers``.

        A notification names the lots of a line but not how much each holds: one lot takes it all; several share it
        in whole units as evenly as it goes (the receipt shows each lot's quantity for the receiving clerk to check).
        """
        move.move_line_ids.filtered(lambda move_line: not move_line.lot_id and not move_line.lot_name).unlink()
        lots = self._itscope_lots(lot_numbers)
        by_name = {lot.name: lot for lot in lots}
        if quantity == int(quantity):
            share, rest = divmod(int(quantity), len(lot_numbers))
            shares = [share + (1 if index < rest else 0) for index in range(len(lot_numbers))]
        else:  # a fraction (metres, kilograms) is not split: it stays with the first lot
            shares = [quantity] + [0.0] * (len(lot_numbers) - 1)
        for name, lot_quantity in zip(lot_numbers, shares, strict=True):
            lot = by_name[name]
            move_line = move.move_line_ids.filtered(lambda move_line, lot=lot: move_line.lot_id == lot)[:1]
            if move_line:
                move_line.quantity += lot_quantity
            else:
                self.env["stock.move.line"].create(
                    {**move._prepare_move_line_vals(quantity=lot_quantity), "lot_id": lot.id}
                )

    def _itscope_lots(self, serials):
        """The company's lots of this product named ``serials``, created where missing."""
        Lot = self.env["stock.lot"]
        existing = Lot.search(
            [
                ("product_id", "=", self.product_id.id),
                ("name", "in", serials),
                *Lot._check_company_domain(self.company_id),
            ]
        )
        known = set(existing.mapped("name"))
        return existing | Lot.create(
            [
                {"name": serial, "product_id": self.product_id.id, "company_id": self.company_id.id}
                for serial in serials
                if serial not in known
            ]
        )

    def _itscope_prepare_bill_line(self, item, credit=False):
        """A vendor bill line for an INVOICE line: this line's accounts and analytics, the invoice's quantity, price
        and VAT rate. ``credit``: a line of a credit note, whose quantity and price may be written negative and are
        taken as positive amounts of the credit note."""
        self.ensure_one()
        if item.quantity is None or item.price is None:
            raise ItscopeDocumentError(self.env._("Invoice line %(line)s has no quantity or price.", line=item.line_id))
        vals = self._prepare_account_move_line()
        taxes = self.order_id._itscope_purchase_taxes(item.tax_rate, self.taxes_id)
        quantity, price = (abs(item.quantity), abs(item.price)) if credit else (item.quantity, item.price)
        vals.update(
            quantity=float(quantity),
            price_unit=float(price),
            discount=0.0,
            tax_ids=[Command.set(taxes.ids)],
        )
        return vals
