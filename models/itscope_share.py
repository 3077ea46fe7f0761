import re

from odoo import api, models
from odoo.exceptions import MissingError, UserError, ValidationError

from ..itscope.errors import ItscopeError
from ..itscope.products import read_product

# ITscope product ids are int64 numbers (price-list-line products add "-999"); EANs/GTINs have 8 to 14 digits. A value
# of another shape is refused before ITscope is asked (ITscope answers a 5,000-digit id with a server error page).
_PUID = re.compile(r"[0-9]{1,19}(?:-[0-9]{1,19})?")
_EAN = re.compile(r"[0-9]{8,14}")
SHARE_TILE_PATH = "/itscope/share?id=<id>&ean=<ean>"


class ItscopeShare(models.AbstractModel):
    """ITscope's "Share" tile (``/itscope/share?id=<id>&ean=<ean>``) in Odoo terms, for the user's current company.

    Opening a link only reads: the product the company already has from ITscope, or else ITscope's description of
    it for a confirmation. Importing is a separate step the user confirms (a CSRF-protected POST), so a page that
    makes a logged-in browser open a share link can neither import products nor spend the ITscope budget on imports.
    """

    _name = "itscope.share"
    _description = "ITscope Share Link"

    @api.model
    def _parse_link(self, puid, ean):
        """``(puid, ean)`` of a share link, stripped (absent: ""); a ValidationError for a value of another shape."""
        puid, ean = (puid or "").strip(), (ean or "").strip()
        if not puid and not ean:
            raise ValidationError(self.env._("This link names no product: ITscope's Share tile sends id=<id>."))
        if puid and not _PUID.fullmatch(puid):
            raise ValidationError(
                self.env._(
                    "This link does not name an ITscope product: an ITscope product id is a number of up to 19 digits, "
                    "not %(id)s.",
                    id=_shortened(puid),
                )
            )
        if ean and not _EAN.fullmatch(ean):
            raise ValidationError(self.env._("%(ean)s is not an EAN: an EAN has 8 to 14 digits.", ean=_shortened(ean)))
        return puid, ean

    @api.model
    def _find(self, puid, ean):
        """The product the current company has imported from ITscope under ``puid`` (else ``ean``), or an empty
        recordset. Products other companies imported do not count: this company has no offers for them yet."""
        bindings = self.env["itscope.product"]
        domain = [("company_id", "=", self.env.company.id)]
        found = bindings.search(domain + [("itscope_id", "=", puid)], limit=1) if puid else bindings
        if not found and ean:
            found = bindings.search(domain + [("product_tmpl_id.barcode", "=", ean)], limit=1)
        return found.product_tmpl_id

    @api.model
    def _lookup(self, puid, ean):
        """ITscope's description of the shared product for the current company (one request; nothing is written)."""
        company = self.env.company
        service = self.env["itscope.service"]
        try:
            with service._client(company) as client:
                payload = next(iter(client.products_by_ids([puid])), None) if puid else client.product_by_ean(ean)
        except ItscopeError as error:
            raise UserError(service._error_message(error)) from None
        if not payload:
            raise MissingError(
                self.env._(
                    "ITscope does not know the shared product (id %(id)s, EAN %(ean)s).", id=puid or "-", ean=ean or "-"
                )
            )
        try:
            return read_product(payload)
        except ValueError as error:
            raise UserError(
                self.env._("ITscope's description of product %(id)s cannot be read: %(reason)s", id=puid, reason=error)
            ) from None

    @api.model
    def _import(self, puid, ean):
        """Import the shared product for the current company (the catalogue importer, like every other way in) and
        return its template; a UserError with the import's reason when it could not be imported."""
        company = self.env.company
        product = self._lookup(puid, ean)
        run = self.env["itscope.sync.run"]._run(
            company,
            "catalogue",
            lambda run: self.env["itscope.catalogue.importer"]._import_products(company, [product], run),
            source="share",
        )
        template = self._find(product.puid, product.ean)
        if not template:
            raise UserError(run.failure or run.error_log or self.env._("The shared product could not be imported."))
        return template

    @api.model
    def _offer_summary(self, product):
        """What the confirmation page shows of ``product``'s offers: their number and the cheapest one with a price,
        named by the company's distributor names."""
        priced = [offer for offer in product.offers if offer.price is not None]
        best = min(priced, key=lambda offer: offer.price, default=None)
        distributor = best and self.env["itscope.distributor"].search(
            [("company_id", "=", self.env.company.id), ("itscope_id", "=", best.distributor_id)], limit=1
        )
        return {
            "offer_count": len(product.offers),
            "best_offer": best,
            "best_distributor": best and (distributor.name or best.distributor_id),
        }


def _shortened(value, limit=40):
    """``value`` as a message may quote it: a pasted 5,000-digit id must not fill the page."""
    return value if len(value) <= limit else "%s… (%d characters)" % (value[:limit], len(value))
