import json
import re

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, formatLang

from ..itscope.errors import ItscopeError
from ..itscope.products import read_product

SEARCH_KEYS = {"keywords": "keywords", "ean": "ean", "manufacturer_sku": "hstpid", "distributor_sku": "distpid"}
# The badge colour of each ITscope availability code, as on the order lines.
_BADGES = {1: "success", 2: "info", 3: "info", 4: "warning", 6: "danger"}


class ItscopeProductSearch(models.TransientModel):
    """Add from ITscope: find products by keywords, EAN, manufacturer or distributor SKU, or a list of ITscope ids,
    compare each distributor's price and stock, and import the chosen ones."""

    _name = "itscope.product.search"
    _description = "Add Products from ITscope"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    search_by = fields.Selection(
        [
            ("keywords", "Keywords"),
            ("ean", "EAN"),
            ("manufacturer_sku", "Manufacturer SKU"),
            ("distributor_sku", "Distributor SKU"),
            ("ids", "ITscope IDs"),
        ],
        required=True,
        default="keywords",
    )
    query = fields.Char(help="For ITscope IDs: any number of ids, separated by commas, spaces or new lines.")
    line_ids = fields.One2many("itscope.product.search.line", "search_id", string="Results")
    message = fields.Char(readonly=True)

    def _search_criteria(self):
        self.ensure_one()
        query = (self.query or "").strip()
        if not query:
            raise UserError(self.env._("Enter what to search for."))
        return {SEARCH_KEYS[self.search_by]: query}

    def _parse_ids(self):
        ids = [part for part in re.split(r"[\s,;]+", self.query or "") if part]
        wrong = [part for part in ids if not part.replace("-", "").isdigit()]
        if wrong or not ids:
            raise UserError(
                self.env._(
                    "ITscope ids are numbers such as 10000000000; these are not: %(ids)s",
                    ids=", ".join(wrong) or self.env._("(nothing entered)"),
                )
            )
        return list(dict.fromkeys(ids))

    def action_search(self):
        """Ask ITscope (one page of 50 for a search; 50 ids a call for ids) and list what it found."""
        self.ensure_one()
        try:
            with self.env["itscope.service"]._client(self.company_id) as client:
                if self.search_by == "ids":
                    payloads = list(client.products_by_ids(self._parse_ids()))
                else:
                    payloads = list(client.search_products(self._search_criteria(), max_pages=1))
        except ItscopeError as error:
            raise UserError(self.env["itscope.service"]._error_message(error)) from None
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create(vals) for vals in self._prepare_line_vals(payloads)
        ]
        self.message = (
            self.env._("%(count)s products found.", count=len(self.line_ids))
            if payloads
            else self.env._("ITscope found nothing for this search.")
        )
        return self._reopen()

    def _prepare_line_vals(self, payloads):
        distributor_names = {
            distributor.itscope_id: distributor.name
            for distributor in self.env["itscope.distributor"].search([("company_id", "=", self.company_id.id)])
        }
        puids = [str(payload.get("puid")) for payload in payloads]
        known = {
            template.itscope_puid: template
            for template in self.env["product.template"].search([("itscope_puid", "in", puids)])
        }
        vals_list = []
        for payload in payloads:
            try:
                product = read_product(payload)
            except ValueError as error:
                vals_list.append({"name": self.env._("Unreadable product: %(reason)s", reason=error)})
                continue
            offers = sorted(product.offers, key=lambda offer: (offer.price is None, offer.price or 0))
            vals_list.append(
                {
                    "puid": product.puid,
                    "name": product.name,
                    "ean": product.ean,
                    "manufacturer_sku": product.manufacturer_sku,
                    "best_price": offers[0].price if offers and offers[0].price is not None else 0.0,
                    "total_stock": sum(offer.stock for offer in product.offers),
                    "offers": self._offers_grid(offers, distributor_names),
                    "product_tmpl_id": known.get(product.puid, self.env["product.template"]).id,
                    "payload": json.dumps(payload),
                }
            )
        return vals_list

    def _offers_grid(self, offers, distributor_names):
        """Each distributor's offer as one compact cell of a grid (distributor, price, stock, availability badge),
        cheapest first, in the user's language and number format."""
        status_field = self.env["product.supplierinfo"]._fields["itscope_stock_status"]
        availability = dict(status_field._description_selection(self.env))
        currencies = {
            currency.name: currency
            for currency in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", [offer.currency for offer in offers])])
        }
        cells = []
        for offer in offers:
            distributor = distributor_names.get(offer.distributor_id, offer.distributor_id)
            currency = currencies.get(offer.currency)
            if offer.price is None:
                price = "-"
            elif currency:
                price = format_amount(self.env, float(offer.price), currency)
            else:
                price = "%s %s" % (formatLang(self.env, float(offer.price), dp="Product Price"), offer.currency or "")
            cells.append(
                Markup(
                    '<div class="o_itscope_offer d-flex align-items-center gap-1 overflow-hidden">'
                    '<span class="fw-bold text-truncate" title="%s">%s</span>'
                    '<span class="text-nowrap flex-shrink-0">%s · %s</span>'
                    '<span class="badge rounded-pill flex-shrink-0 text-bg-%s">%s</span></div>'
                )
                % (
                    distributor,
                    distributor,
                    price,
                    formatLang(self.env, offer.stock, digits=0),
                    _BADGES.get(offer.stock_status, "secondary"),
                    availability.get(str(offer.stock_status), offer.stock_status),
                )
            )
        return Markup(
            '<div class="o_itscope_offers d-grid small gap-1" '
            'style="grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr))">%s</div>'
        ) % Markup().join(cells)

    def action_import(self):
        """Import the selected results through the catalogue importer (the same path as every other way in)."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.selected and line.payload and not line.product_tmpl_id)
        if not lines:
            raise UserError(
                self.env._("Select at least one product to import; the products already in Odoo are not imported.")
            )
        products = [read_product(json.loads(line.payload)) for line in lines]
        run = self.env["itscope.sync.run"]._run(
            self.company_id,
            "catalogue",
            lambda run: self.env["itscope.catalogue.importer"]._import_products(self.company_id, products, run),
            source="search",
        )
        templates = self.env["product.template"].search([("itscope_puid", "in", [p.puid for p in products])])
        if run.state == "failed":
            raise UserError(run.failure)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported from ITscope"),
            "res_model": "product.template",
            "view_mode": "list,form",
            "domain": [("id", "in", templates.ids)],
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Add from ITscope"),
            "context": {"dialog_size": "extra-large"},
        }
