from odoo import http
from odoo.http import request


class ItscopeShareController(http.Controller):
    """Target of an ITscope "Share" tile: ``/itscope/share?id=<id>&ean=<ean>`` opens the product in Odoo, importing
    it from ITscope first when the company does not have it yet."""

    @http.route("/itscope/share", type="http", auth="user", methods=["GET"])
    def itscope_share(self, id=None, ean=None, **_kwargs):  # noqa: A002 - "id" is ITscope's placeholder name
        action = request.env["product.template"]._itscope_open_shared(puid=id, ean=ean)
        return request.redirect(action)
