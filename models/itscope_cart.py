from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..itscope.errors import ItscopeError
from ..itscope.records import read_cart_line_items

# ITscope's strategy for "Optimise on ITscope": each line to the cheapest partnered distributor with the stock.
OPTIMISATION_STRATEGY = "minpricepartner"


class ItscopeCart(models.AbstractModel):
    """An RFQ as an ITscope cart (``business/carts``): sent there, optimised there, and brought back as a proposal.

    *Send to ITscope cart* fills the RFQ's cart with its ITscope products (product, quantity, and the vendor's
    distributor and SKU where the vendor offers it), creating the cart the first time and replacing its lines
    afterwards; each line
    carries the RFQ line's id as ``customerOrderReference``, so what ITscope changes finds its line again.
    *Optimise on ITscope* lets ITscope move every line to the cheapest partnered distributor with the stock, and
    shows the result in the *Best source* proposal, which splits the RFQ into one RFQ per distributor once accepted.
    """

    _name = "itscope.cart"
    _description = "ITscope Cart"

    @api.model
    def _send(self, order):
        """Fill ``order``'s ITscope cart with its lines; return a message saying what was sent and what was not."""
        order.ensure_one()
        if order.state not in ("draft", "sent"):
            raise UserError(self.env._("Only a request for quotation can be sent to an ITscope cart."))
        items, left_out = self._cart_line_items(order)
        if not items:
            raise UserError(
                self.env._(
                    "No line of %(order)s can go to an ITscope cart: %(reasons)s",
                    order=order.name,
                    reasons="; ".join(left_out) or self.env._("it has no product lines"),
                )
            )
        service = self.env["itscope.service"]
        try:
            with service._client(order.company_id) as client:
                cart = self._cart_of(client, order)
                for item in client.cart_line_items(cart["cartId"]):
                    client.remove_cart_line_item(cart["cartId"], str(item.get("lineItemId")))
                client.add_cart_line_items(cart["cartId"], items)
        except ItscopeError as error:
            raise UserError(service._error_message(error)) from None
        order.write({"itscope_cart_id": cart["cartId"], "itscope_cart_link": cart.get("deeplink") or False})
        message = self.env._(
            "%(count)s lines are in ITscope cart %(cart)s.", count=len(items), cart=cart.get("cartName") or order.name
        )
        if left_out:
            message += " " + self.env._("Not sent: %(lines)s", lines="; ".join(left_out))
        order.message_post(body=message)
        return message

    @api.model
    def _cart_of(self, client, order):
        """The order's cart at ITscope: the one it keeps, else the one named after it (an earlier creation whose
        answer was lost), else a new one."""
        cart = client.cart(order.itscope_cart_id) if order.itscope_cart_id else None
        if cart is None:
            cart = next((cart for cart in client.carts() if cart.get("cartName") == order.name), None)
        return cart or client.create_cart(order.name)

    @api.model
    def _cart_line_items(self, order):
        """``(CartLineItemOrder dicts, reasons for lines left out)``: each ITscope product line with its product,
        quantity (whole: ITscope counts pieces) and, when the vendor is an ITscope distributor offering it, the
        distributor's id and SKU."""
        distributor = order.itscope_distributor_id
        items, left_out = [], []
        for line in order._itscope_order_lines():
            puid = line.product_id.product_tmpl_id.itscope_puid
            if not puid:
                left_out.append(self.env._("%(product)s is no ITscope product", product=line.product_id.display_name))
                continue
            if line.product_qty != int(line.product_qty) or line.product_qty <= 0:
                left_out.append(
                    self.env._(
                        "%(product)s: ITscope takes whole quantities above 0, not %(qty)s",
                        product=line.product_id.display_name,
                        qty=line.product_qty,
                    )
                )
                continue
            if not puid.isdigit():  # a price-list line's "…-999": the OpenAPI's puid is a number
                left_out.append(
                    self.env._(
                        "%(product)s: ITscope carts take numeric product ids only", product=line.product_id.display_name
                    )
                )
                continue
            item = {"puid": int(puid), "quantity": int(line.product_qty)}
            sku = distributor and line._itscope_supplier_sku()
            if sku:  # the vendor offers it; otherwise ITscope puts the line at the cheapest partner
                item.update(supplierId=int(distributor.itscope_id), supplierItemId=sku)
            item["customerOrderReference"] = line._itscope_line_item_id()
            items.append(item)
        return items, left_out

    @api.model
    def _optimise(self, order):
        """Have ITscope optimise ``order``'s cart and open its proposal (the Best source wizard)."""
        order.ensure_one()
        if not order.itscope_cart_id:
            raise UserError(self.env._("Send %(order)s to an ITscope cart first.", order=order.name))
        service = self.env["itscope.service"]
        try:
            with service._client(order.company_id) as client:
                answer = client.optimise_cart(order.itscope_cart_id, OPTIMISATION_STRATEGY)
        except ItscopeError as error:
            raise UserError(service._error_message(error)) from None
        cart_items, problems = read_cart_line_items(answer)
        proposals = self._proposals(order, cart_items)
        if problems:
            order.message_post(
                body=Markup("%s<br/>%s")
                % (
                    self.env._("ITscope's optimised cart had lines that could not be read:"),
                    "; ".join("%s: %s" % problem for problem in problems),
                )
            )
        wizard = self.env["itscope.best.source"].create(
            {"purchase_id": order.id, "proposed_by": "itscope_cart", "line_ids": [(0, 0, vals) for vals in proposals]}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Optimised on ITscope"),
            "res_model": "itscope.best.source",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _proposals(self, order, cart_items):
        """A Best source proposal per product line of ``order``: the vendor price line of the distributor ITscope
        chose for it, or none with the reason."""
        by_reference = {item.reference: item for item in cart_items if item.reference}
        distributors = {
            distributor.itscope_id: distributor
            for distributor in self.env["itscope.distributor"].search([("company_id", "=", order.company_id.id)])
        }
        proposals = []
        for line in order.order_line.filtered(lambda line: line.product_id and not line.display_type):
            item = by_reference.get(line._itscope_line_item_id())
            offer, reason = self._chosen_offer(line, item, distributors)
            proposals.append({"purchase_line_id": line.id, "supplierinfo_id": offer.id, "reason": reason})
        return proposals

    @api.model
    def _chosen_offer(self, line, item, distributors):
        """``(vendor price line, reason)`` for the cart ``item`` of RFQ ``line``."""
        none = self.env["product.supplierinfo"]
        if item is None:
            if line.itscope_is_shipping:
                return none, self.env._("shipping cost, not ordered through ITscope")
            return none, self.env._("not in the ITscope cart: send the RFQ to the cart again")
        distributor = distributors.get(item.distributor_id)
        if not distributor or not distributor.partner_id:
            return none, self.env._(
                "ITscope chose distributor %(distributor)s, which is not mapped to a vendor",
                distributor=distributor.name if distributor else item.distributor_id,
            )
        offers = line.product_id.seller_ids.filtered(
            lambda offer: (
                offer.partner_id == distributor.partner_id
                and offer.itscope_offer_id
                and offer.company_id in (line.company_id, self.env["res.company"])
            )
        )
        offer = offers.filtered(lambda offer: offer.product_code == item.sku)[:1] or offers[:1]
        if not offer:
            return none, self.env._(
                "ITscope chose %(distributor)s (%(sku)s), whose offer is not in Odoo: import the product again",
                distributor=distributor.name,
                sku=item.sku,
            )
        return offer, self.env._("chosen by ITscope's optimisation (cheapest partnered distributor with stock)")
