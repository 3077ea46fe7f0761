from odoo import api, fields, models

from ..itscope.errors import ItscopeError


class ItscopeQuoteLine(models.Model):
    """One line of an ITscope quote's QUOTATION: what was quoted, the product and distributor it resolves to, and
    the RFQ line it became, or why it could not be ordered.

    A line names the quoted ITscope offer (BUYER_PID type="itscope": the supplierItem id), and mostly the product's
    ITscope id and EAN; the offer, imported into Odoo as the distributor's vendor price line, gives both the product
    and the vendor.
    """

    _name = "itscope.quote.line"
    _description = "ITscope Quote Line"
    _order = "quote_id, sequence, id"
    _check_company_auto = True

    quote_id = fields.Many2one("itscope.quote", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="quote_id.company_id", store=True, index=True)
    sequence = fields.Integer(readonly=True)
    line_item_id = fields.Char(string="Line", readonly=True)
    description = fields.Char(readonly=True)
    offer_id = fields.Char(
        string="ITscope Offer ID", readonly=True, help='The quoted offer: BUYER_PID type="itscope" (supplierItem id).'
    )
    puid = fields.Char(string="ITscope Product ID", readonly=True)
    ean = fields.Char(string="EAN", readonly=True)
    quoted_sku = fields.Char(string="Quoted SKU", readonly=True)
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    price_unit = fields.Monetary(string="Quoted Price", readonly=True)
    project_id = fields.Char(string="Distributor Project", readonly=True)
    special_bid_id = fields.Char(readonly=True)
    special_bid_end = fields.Date(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, check_company=True)
    partner_id = fields.Many2one("res.partner", string="Distributor", readonly=True, check_company=True)
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="RFQ Line", readonly=True, ondelete="set null", check_company=True
    )
    purchase_id = fields.Many2one(related="purchase_line_id.order_id", string="RFQ")
    problem = fields.Char(string="Not Ordered Because", readonly=True)

    @api.depends("line_item_id", "description")
    def _compute_display_name(self):
        for line in self:
            line.display_name = " ".join(filter(None, (line.line_item_id, line.description)))

    # ------------------------------------------------------------
    # From the QUOTATION
    # ------------------------------------------------------------

    @api.model
    def _itscope_sync_lines(self, quote, parsed):
        """Create or update ``quote``'s lines from its read QUOTATION, keyed by LINE_ITEM_ID (a line without one by
        its position); a line already on an RFQ keeps what it was ordered with."""
        existing = {line.line_item_id: line for line in quote.line_ids}
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", parsed.currency or "EUR")], limit=1)
        )
        to_create = []
        for position, item in enumerate(parsed.lines, start=1):
            key = item.line_id or "#%d" % position
            vals = self._itscope_prepare_vals(item, position, currency or quote.currency_id)
            line = existing.get(key)
            if line is None:
                to_create.append({**vals, "quote_id": quote.id, "line_item_id": key})
            elif not line.purchase_line_id:
                line.write(vals)
        self.create(to_create)

    @api.model
    def _itscope_prepare_vals(self, item, position, currency):
        """A QUOTATION line's values: the price per unit (PRICE_QUANTITY taken out), and its AGREEMENTs as the
        distributor's project (type="supplier") and the manufacturer's special bid (any other type)."""
        projects = [agreement for agreement in item.agreements if agreement.type == "supplier"]
        special_bids = [agreement for agreement in item.agreements if agreement.type != "supplier"]
        price = item.price / item.price_quantity if item.price is not None and item.price_quantity else item.price
        return {
            "sequence": position,
            "description": item.description or item.supplier_pid or False,
            "offer_id": item.supplier_item_id or False,
            "puid": item.puid or False,
            "ean": item.ean or False,
            "quoted_sku": item.supplier_pid or False,
            "quantity": float(item.quantity or 0),
            "currency_id": currency.id,
            "price_unit": float(price) if price is not None else 0.0,
            "project_id": projects[0].agreement_id if projects else False,
            "special_bid_id": special_bids[0].agreement_id if special_bids else False,
            "special_bid_end": special_bids[0].end_date if special_bids else False,
            "product_id": False,
            "partner_id": False,
            "problem": False if price is not None and item.quantity else self._itscope_incomplete(item, price),
        }

    @api.model
    def _itscope_incomplete(self, item, price):
        if price is None:
            return self.env._("the quote names no price for this line")
        return self.env._("the quote names no quantity for this line")

    # ------------------------------------------------------------
    # Resolving
    # ------------------------------------------------------------

    def _itscope_resolve(self, run):
        """Give each complete line its product and distributor (vendor) through the company's ITscope offer with the
        line's offer id; products whose offer is not in Odoo are imported first (by ITscope id, else by EAN). A line
        that still has none keeps the reason."""
        lines = self.filtered(lambda line: not line.problem)
        if not lines:
            return
        company = lines.quote_id.company_id
        offers = lines._itscope_offers(company)
        missing = lines.filtered(lambda line: line.offer_id not in offers)
        products = {}
        if missing:
            missing._itscope_find_puids(company)
            puids = [line.puid for line in missing if line.puid]
            products = self.env["itscope.catalogue.importer"]._import_by_ids(company, puids, run) if puids else {}
            offers = lines._itscope_offers(company)
        distributors = {
            distributor.itscope_id: distributor
            for distributor in self.env["itscope.distributor"].search([("company_id", "=", company.id)])
        }
        for line in lines:
            offer = offers.get(line.offer_id)
            if offer:
                line.write(
                    {"product_id": offer.product_tmpl_id.product_variant_id.id, "partner_id": offer.partner_id.id}
                )
            else:
                line.problem = line._itscope_unresolved_reason(products.get(line.puid), distributors)

    def _itscope_offers(self, company):
        """``{offer id: vendor price line}`` of the company's imported ITscope offers these lines quote."""
        offer_ids = [line.offer_id for line in self if line.offer_id]
        offers = self.env["product.supplierinfo"].search(
            [("company_id", "=", company.id), ("itscope_offer_id", "in", offer_ids)]
        )
        return {offer.itscope_offer_id: offer for offer in offers}

    def _itscope_find_puids(self, company):
        """The ITscope id of the lines that name only an EAN, asked of ITscope (one call per EAN)."""
        by_ean = self.filtered(lambda line: not line.puid and line.ean)
        if not by_ean:
            return
        service = self.env["itscope.service"]
        with service._client(company) as client:
            for line in by_ean:
                try:
                    payload = client.product_by_ean(line.ean)
                except ItscopeError as error:
                    line.problem = service._error_message(error)
                    continue
                if isinstance(payload, dict) and payload.get("puid"):
                    line.puid = str(payload["puid"])

    def _itscope_unresolved_reason(self, product, distributors):
        """Why this line has no offer in Odoo, in words that say what to do; ``product`` is ITscope's description of
        its product (None when ITscope did not describe it), ``distributors`` the company's by ITscope id."""
        self.ensure_one()
        if not self.offer_id:
            return self.env._('the quote names no ITscope offer (BUYER_PID type="itscope") for this line')
        if not self.puid:
            return self.env._(
                "offer %(offer)s is not in Odoo, and the quote names no ITscope product id or EAN to import it by",
                offer=self.offer_id,
            )
        if product is None:
            return self.env._("ITscope does not know product %(puid)s", puid=self.puid)
        offer = next((offer for offer in product.offers if offer.offer_id == self.offer_id), None)
        if offer is None:
            return self.env._(
                "ITscope no longer lists offer %(offer)s of product %(puid)s", offer=self.offer_id, puid=self.puid
            )
        distributor = distributors.get(offer.distributor_id)
        if not distributor:
            return self.env._(
                "distributor %(distributor)s is unknown: sync the ITscope master data", distributor=offer.distributor_id
            )
        if not distributor.partner_id:
            return self.env._(
                "distributor %(distributor)s is not mapped to a vendor: map it in Purchase > ITscope > Distributors, "
                "then create the RFQs again",
                distributor=distributor.name,
            )
        return self.env._(
            "offer %(offer)s of %(distributor)s was not imported: its condition or the company's import settings "
            "exclude it",
            offer=self.offer_id,
            distributor=distributor.name,
        )

    # ------------------------------------------------------------
    # RFQ
    # ------------------------------------------------------------

    def _itscope_prepare_purchase_line(self, order):
        """The RFQ line for this resolved line on ``order``: the quoted quantity, price (in the order's currency)
        and project and special-bid numbers."""
        self.ensure_one()
        price = self.currency_id._convert(
            self.price_unit, order.currency_id, order.company_id, order.date_order or fields.Date.today()
        )
        return {
            "order_id": order.id,
            "product_id": self.product_id.id,
            "product_qty": self.quantity,
            "price_unit": price,
            "itscope_project_id": self.project_id,
            "itscope_special_bid_id": self.special_bid_id,
            "itscope_special_bid_end": self.special_bid_end,
        }
