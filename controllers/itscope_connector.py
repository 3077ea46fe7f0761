from odoo import http
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.http import request


class ItscopeShareController(http.Controller):
    """Target of an ITscope "Share" tile, ``/itscope/share?id=<id>&ean=<ean>`` (see ``itscope.share``).

    A GET never writes: a product the company has opens at once, any other is shown for confirmation. The import is
    the confirmation page's POST to ``/itscope/share/import``, which Odoo refuses without the session's CSRF token.
    A link Odoo cannot use, a product ITscope does not know, or an ITscope failure gives a short page that says so.
    """

    @http.route("/itscope/share", type="http", auth="user", methods=["GET"])
    def itscope_share(self, id=None, ean=None, **_kwargs):  # noqa: A002 - "id" is ITscope's placeholder name
        share = request.env["itscope.share"]
        try:
            puid, ean = share._parse_link(id, ean)
            template = share._find(puid, ean)
            if template:
                return request.redirect(_product_url(template))
            product = share._lookup(puid, ean)
        except UserError as error:
            return _problem_page(error)
        values = {"product": product, "puid": puid or product.puid, "ean": ean, **share._offer_summary(product)}
        return request.render("itscope_connector.share_confirmation", values)

    @http.route("/itscope/share/import", type="http", auth="user", methods=["POST"])
    def itscope_share_import(self, id=None, ean=None, **_kwargs):  # noqa: A002 - the confirmation form's names
        share = request.env["itscope.share"]
        try:
            template = share._import(*share._parse_link(id, ean))
        except UserError as error:
            return _problem_page(error)
        return request.redirect(_product_url(template))


def _product_url(template):
    return "/odoo/product.template/%d" % template.id


def _problem_page(error):
    """A short page with the reason: 400 for a link of the wrong shape, 404 for a product ITscope does not know,
    502 for ITscope (or its configuration) failing."""
    status = 400 if isinstance(error, ValidationError) else 404 if isinstance(error, MissingError) else 502
    return request.render("itscope_connector.share_problem", {"message": error.args[0]}, status=status)
