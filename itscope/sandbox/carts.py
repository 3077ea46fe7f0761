"""The sandbox's shopping carts (``business/carts``): create, rename, archive, remove, list and show carts, add and
remove line items, and optimise a cart.

**Requests** are read in the shapes of ITscope's OpenAPI description, as JSON or XML by their Content-Type, and
refused (400, with every reason) when they do not fit it: a cart's name as ``CartOrder`` (``{"cartName": …}``,
``<cart><cartName>``), line items as ``CartLineItemOrderContainer`` (``{"cartLineItem": [{…}]}``,
``<cartLineItems><cartLineItem>…``) with only the ``CartLineItemOrder`` fields, each with a quantity above 0 and
either a ``puid`` (with an optional ``supplierId`` and ``supplierItemId``, the distributor's SKU) or a ``supplierId``
and ``supplierItemId``. A line naming no distributor goes to the cheapest partnered distributor offering the product,
as ITscope documents. Every line must exist in the catalogue, or nothing is added.

**Answers.** The OpenAPI describes no answer of the cart endpoints, so the sandbox answers in the shapes of the
requests, extended [UNCONFIRMED]: a cart is ``CartOrder`` plus ``cartId``, ``archived``, ``lastModified``,
``itemCount`` and ``deeplink`` (lists: a JSON array or ``<carts><cart>…``, like quotes); a cart's line items are
``CartLineItemOrderContainer`` whose items carry, besides the request's fields, ``lineItemId``, ``supplierName``,
``productName``, ``price``, ``currencyCode`` and ``stock``. Creating, renaming and archiving answer the cart; adding
line items and optimising answer the cart's line items (the OpenAPI: "the updated line items will be returned");
removing answers 204. An unknown cart is 204 on a GET and 404 otherwise; the cart ``pool`` always exists and cannot
be renamed or removed.

**Optimisation** (``PUT …/optimise?optimisationStrategy=``), deterministic, on the catalogue's current prices and
stock: ``minpricepartner`` moves each line to the cheapest partnered distributor that has its quantity in stock,
``minprice`` to the cheapest distributor with the stock, ``minsuppliers`` to the fewest partnered distributors that
serve the lines from stock (of those, the cheapest set), ``manual`` changes nothing. A line no
distributor can serve from stock keeps its distributor; ties go to the lower distributor id.
"""

import itertools
import json
import threading
from dataclasses import dataclass, field

from lxml import etree
from werkzeug.routing import Rule

from ..errors import ItscopeDocumentError
from ..xmlsafe import parse_xml
from .business import _archiv, _iso, _page, _paged, _Refused, _wants_json
from .catalogue import catalogue_for
from .responses import json_response, list_response, no_content, text_error, to_xml, xml_response

POOL = "pool"
STRATEGIES = ("manual", "minprice", "minpricepartner", "minsuppliers")
_LINE_FIELDS = {  # CartLineItemOrder: field -> (type, JSON types it may come as)
    "puid": ("int64", (int,)),
    "supplierId": ("int64", (int,)),
    "supplierItemId": ("string", (str,)),
    "quantity": ("int32", (int,)),
    "comment": ("string", (str,)),
    "customerOrderReference": ("string", (str,)),
}
_ADDRESS_FIELDS = frozenset(
    (
        "addressType", "name", "name2", "name3", "street", "postOfficeBox", "zipCode", "city", "countryCoded",
        "clientNumber", "contactFirstName", "contactLastName", "contactEmail", "phone",
    )
)  # fmt: skip
_ADDRESS_TYPES = ("invoice_recipient", "delivery", "customer")
_LIMITS = {"int64": 2**63, "int32": 2**31}


def rules():
    return [
        Rule("/business/carts", endpoint=_create, methods=["POST"]),
        Rule("/business/carts/cart.<any(xml, json):type>", endpoint=_list, methods=["GET"]),
        Rule("/business/carts/archive/<cart_id>", endpoint=_archive, methods=["PUT"]),
        Rule("/business/carts/<cart_id>", endpoint=_edit, methods=["PUT"]),
        Rule("/business/carts/<cart_id>", endpoint=_remove, methods=["DELETE"]),
        Rule("/business/carts/<cart_id>/cart.<any(xml, json):type>", endpoint=_show, methods=["GET"]),
        Rule("/business/carts/<cart_id>/cartlineitems.<any(xml, json):type>", endpoint=_show_items, methods=["GET"]),
        Rule("/business/carts/<cart_id>/cartlineitems", endpoint=_add_items, methods=["POST"]),
        Rule("/business/carts/<cart_id>/cartlineitems/<line_item_id>", endpoint=_remove_item, methods=["DELETE"]),
        Rule("/business/carts/<cart_id>/optimise", endpoint=_optimise, methods=["PUT"]),
    ]


# ------------------------------------------------------------
# State
# ------------------------------------------------------------


@dataclass
class _Item:
    line_item_id: str
    puid: int
    supplier_id: int
    sku: str
    quantity: int
    comment: str = ""
    customer_order_reference: str = ""
    addresses: dict | None = None


@dataclass
class _Cart:
    cart_id: str
    name: str
    last_modified: object
    archived: bool = False
    items: list = field(default_factory=list)


class _Carts:
    """All carts of one sandbox (the pool first); handlers hold ``lock`` while they read or write them."""

    def __init__(self, now):
        self.lock = threading.RLock()
        self.carts = {POOL: _Cart(POOL, "Pool", now)}
        self.sequence = 0

    def next_id(self, prefix):
        self.sequence += 1
        return "%s%06d" % (prefix, self.sequence)


def _carts(sandbox):
    if "carts" not in sandbox.state:
        sandbox.state["carts"] = _Carts(_now(sandbox))
    return sandbox.state["carts"]


def _now(sandbox):
    return sandbox.clock.now().replace(microsecond=0)


# ------------------------------------------------------------
# Carts
# ------------------------------------------------------------


def _create(sandbox, request):
    try:
        name = _cart_name(request)
    except _Refused as exc:
        return text_error(400, str(exc))
    carts = _carts(sandbox)
    with carts.lock:
        cart = _Cart(carts.next_id("C"), name, _now(sandbox))
        carts.carts[cart.cart_id] = cart
        return _cart_answer(request, cart)


def _edit(sandbox, request, cart_id):
    if cart_id == POOL:
        return text_error(400, "The pool cannot be edited.")
    try:
        name = _cart_name(request)
    except _Refused as exc:
        return text_error(400, str(exc))
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None:
            return _unknown(cart_id)
        cart.name, cart.last_modified = name, _now(sandbox)
        return _cart_answer(request, cart)


def _archive(sandbox, request, cart_id):
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None:
            return _unknown(cart_id)
        if not cart.archived:
            cart.archived, cart.last_modified = True, _now(sandbox)
        return _cart_answer(request, cart)


def _remove(sandbox, request, cart_id):
    if cart_id == POOL:
        return text_error(400, "The pool cannot be removed.")
    carts = _carts(sandbox)
    with carts.lock:
        if carts.carts.pop(cart_id, None) is None:
            return _unknown(cart_id)
    return no_content()


def _list(sandbox, request, type):
    try:
        archived, page = _archiv(request), _page(request)
    except _Refused as exc:
        return text_error(400, str(exc))
    carts = _carts(sandbox)
    with carts.lock:
        listed = [cart for cart in carts.carts.values() if cart.archived == archived]
        items = [_cart_view(cart) for cart in _paged(listed, page)]
    return list_response(type, items, "carts", "cart")


def _show(sandbox, request, cart_id, type):
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        items = [_cart_view(cart)] if cart else []
    return list_response(type, items, "carts", "cart")


def _cart_name(request):
    body = _body(request, "cart")
    if not isinstance(body, dict) or set(body) - {"cartName"}:
        raise _Refused('A cart is sent as CartOrder: only cartName, e.g. {"cartName": "PO00042"}.')
    name = body.get("cartName")
    if not isinstance(name, str) or not name.strip():
        raise _Refused("cartName must be a text that is not empty.")
    return name.strip()


def _cart_view(cart):
    return {
        "cartId": cart.cart_id,
        "cartName": cart.name,
        "archived": cart.archived,
        "lastModified": _iso(cart.last_modified),
        "itemCount": len(cart.items),
        "deeplink": "https://www.itscope.com/red/app#carts/%s" % cart.cart_id,
    }


def _cart_answer(request, cart):
    view = _cart_view(cart)
    return json_response(view) if _wants_json(request) else xml_response(to_xml("cart", view))


def _unknown(cart_id):
    return text_error(404, "No cart %s found." % cart_id)


# ------------------------------------------------------------
# Line items
# ------------------------------------------------------------


def _show_items(sandbox, request, cart_id, type):
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None or not cart.items:
            return no_content()
        return _items_answer(sandbox, cart, type)


def _add_items(sandbox, request, cart_id):
    strategy = request.args.get("optimisationStrategy")
    if strategy is not None and strategy not in STRATEGIES:
        return text_error(400, "optimisationStrategy must be one of %s, not %r." % (", ".join(STRATEGIES), strategy))
    catalogue = catalogue_for(sandbox)
    try:
        wanted = _line_items(request)
        resolved = [_resolve(catalogue, number, line) for number, line in enumerate(wanted, start=1)]
    except _Refused as exc:
        return text_error(400, str(exc))
    except _Refusals as exc:
        return text_error(400, "\n".join(exc.reasons))
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None:
            return _unknown(cart_id)
        for line, (puid, item) in zip(wanted, resolved, strict=True):
            cart.items.append(
                _Item(
                    line_item_id=carts.next_id("L"),
                    puid=puid,
                    supplier_id=item["supplierId"],
                    sku=item["supplierSKU"],
                    quantity=line["quantity"],
                    comment=line.get("comment", ""),
                    customer_order_reference=line.get("customerOrderReference", ""),
                    addresses=line.get("referencedAddresses"),
                )
            )
        if strategy:
            _optimised(catalogue, cart, strategy)
        cart.last_modified = _now(sandbox)
        return _items_answer(sandbox, cart, "json" if _wants_json(request) else "xml")


def _remove_item(sandbox, request, cart_id, line_item_id):
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None:
            return _unknown(cart_id)
        kept = [item for item in cart.items if item.line_item_id != line_item_id]
        if len(kept) == len(cart.items):
            return text_error(404, "Cart %s has no line item %s." % (cart_id, line_item_id))
        cart.items, cart.last_modified = kept, _now(sandbox)
    return no_content()


class _Refusals(Exception):
    """Several reasons at once: every bad line of a request is named, not only the first."""

    def __init__(self, reasons):
        super().__init__(reasons)
        self.reasons = reasons


def _line_items(request):
    """The request's CartLineItemOrder dicts, checked against the OpenAPI's schema (see the module docstring)."""
    body = _body(request, "cartLineItems")
    lines = body.get("cartLineItem") if isinstance(body, dict) else None
    if isinstance(lines, dict):
        lines = [lines]
    if not isinstance(body, dict) or set(body) - {"cartLineItem"} or not isinstance(lines, list) or not lines:
        raise _Refused('Line items are sent as CartLineItemOrderContainer: {"cartLineItem": [{…}, …]}.')
    reasons = []
    for number, line in enumerate(lines, start=1):
        reasons += ["cartLineItem %d: %s" % (number, reason) for reason in _line_problems(line)]
    if reasons:
        raise _Refusals(reasons)
    return lines


def _line_problems(line):
    if not isinstance(line, dict):
        return ["not an object"]
    problems = ["unknown field %s" % name for name in sorted(set(line) - set(_LINE_FIELDS) - {"referencedAddresses"})]
    for name, (kind, types) in _LINE_FIELDS.items():
        value = line.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            problems.append("%s must be %s, not %r" % (name, "a text" if kind == "string" else "a whole number", value))
        elif kind in _LIMITS and not -_LIMITS[kind] <= value < _LIMITS[kind]:
            problems.append("%s %s is out of the %s range" % (name, value, kind))
    if "quantity" not in line or (isinstance(line["quantity"], int) and line["quantity"] <= 0):
        problems.append("quantity must be greater than 0")
    if "puid" not in line and not ("supplierId" in line and "supplierItemId" in line):
        problems.append("name the product by puid, or by supplierId and supplierItemId")
    problems += _address_problems(line.get("referencedAddresses"))
    return problems


def _address_problems(addresses):
    if addresses is None:
        return []
    entries = addresses.get("referencedAddress") if isinstance(addresses, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or set(addresses) - {"referencedAddress"}:
        return ['referencedAddresses must be {"referencedAddress": [{"addressType": …}, …]}']
    problems = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("addressType") not in _ADDRESS_TYPES:
            problems.append("a referencedAddress needs an addressType of %s" % ", ".join(_ADDRESS_TYPES))
        elif set(entry) - _ADDRESS_FIELDS or not all(isinstance(value, str) for value in entry.values()):
            problems.append("a referencedAddress holds only the texts %s" % ", ".join(sorted(_ADDRESS_FIELDS)))
    return problems


def _resolve(catalogue, number, line):
    """``(puid, supplierItem)`` of a checked line: the offer it names, or the cheapest partnered one."""
    puid, supplier_id, sku = line.get("puid"), line.get("supplierId"), line.get("supplierItemId")
    if puid is None:
        found = catalogue.offer(supplier_id, sku)
        if found is None:
            raise _Refused("cartLineItem %d: distributor %s offers no supplierItemId %r." % (number, supplier_id, sku))
        return found[0]["puid"], found[1]
    product = catalogue.product(puid)
    if product is None:
        raise _Refused("cartLineItem %d: product %s is unknown." % (number, puid))
    offers = [item for item in product.get("supplierItem") or [] if item.get("price") is not None]
    if supplier_id is None:
        offers = [item for item in offers if item["supplierId"] in catalogue.partnered_ids]
    else:
        offers = [item for item in offers if item["supplierId"] == supplier_id and sku in (None, item["supplierSKU"])]
    if not offers:
        raise _Refused(
            "cartLineItem %d: %s offers product %s%s."
            % (number, "no partnered distributor" if supplier_id is None else "distributor %s" % supplier_id,
               puid, "" if sku is None else " as %r" % sku)
        )  # fmt: skip
    return puid, min(offers, key=lambda item: (item["price"], item["supplierId"]))


def _items_answer(sandbox, cart, type):
    """The cart's line items as a CartLineItemOrderContainer (module docstring), each at the catalogue's current
    state of its offer."""
    catalogue = catalogue_for(sandbox)
    views = []
    for item in cart.items:
        product = catalogue.product(item.puid)
        offer = _offer_of(product, item.supplier_id)
        view = {
            "lineItemId": item.line_item_id,
            "puid": item.puid,
            "supplierId": item.supplier_id,
            "supplierItemId": item.sku,
            "quantity": item.quantity,
            "comment": item.comment or None,
            "customerOrderReference": item.customer_order_reference or None,
            "referencedAddresses": item.addresses,
            "supplierName": offer and offer["supplierName"],
            "productName": product and product.get("productName"),
            "price": offer and offer.get("price"),
            "currencyCode": offer and offer.get("currencyCode"),
            "stock": offer and offer.get("stock"),
        }
        views.append({key: value for key, value in view.items() if value is not None})
    if type == "json":
        return json_response({"cartLineItem": views})
    root = etree.Element("cartLineItems")
    for view in views:  # the OpenAPI's lists here are not wrapped: <cartLineItems><cartLineItem>…
        addresses = view.pop("referencedAddresses", None)
        element = to_xml("cartLineItem", view)
        if addresses:
            wrapper = etree.SubElement(element, "referencedAddresses")
            for address in addresses.get("referencedAddress") or []:
                wrapper.append(to_xml("referencedAddress", address))
        root.append(element)
    return xml_response(root)


def _offer_of(product, supplier_id):
    return next((item for item in (product or {}).get("supplierItem") or [] if item["supplierId"] == supplier_id), None)


# ------------------------------------------------------------
# Optimisation
# ------------------------------------------------------------


def _optimise(sandbox, request, cart_id):
    strategy = request.args.get("optimisationStrategy")
    if strategy not in STRATEGIES:
        return text_error(400, "optimisationStrategy must be one of %s, not %r." % (", ".join(STRATEGIES), strategy))
    carts = _carts(sandbox)
    with carts.lock:
        cart = carts.carts.get(cart_id)
        if cart is None:
            return _unknown(cart_id)
        _optimised(catalogue_for(sandbox), cart, strategy)
        cart.last_modified = _now(sandbox)
        if not cart.items:
            return no_content()
        return _items_answer(sandbox, cart, "json" if _wants_json(request) else "xml")


def _optimised(catalogue, cart, strategy):
    """Move the cart's lines to the distributors ``strategy`` chooses (module docstring)."""
    if strategy == "manual":
        return
    candidates = {}  # line item -> offers with its quantity in stock, cheapest first
    for item in cart.items:
        product = catalogue.product(item.puid) or {}
        offers = [
            offer
            for offer in product.get("supplierItem") or []
            if offer.get("price") is not None
            and offer.get("stock", 0) >= item.quantity
            and (strategy == "minprice" or offer["supplierId"] in catalogue.partnered_ids)
        ]
        candidates[item.line_item_id] = sorted(offers, key=lambda offer: (offer["price"], offer["supplierId"]))
    chosen = _fewest_distributors(cart.items, candidates) if strategy == "minsuppliers" else {}
    for item in cart.items:
        offers = candidates[item.line_item_id]
        offer = chosen.get(item.line_item_id) or (offers[0] if offers else None)
        if offer:
            item.supplier_id, item.sku = offer["supplierId"], offer["supplierSKU"]


def _fewest_distributors(items, candidates):
    """The smallest set of distributors that serves every line some distributor can serve (of such sets, the one
    cheapest in total, then the lowest ids); each line to its cheapest offer in that set. At most eight
    distributors: 255 sets to try."""
    servable = [item for item in items if candidates[item.line_item_id]]
    distributors = sorted({offer["supplierId"] for item in servable for offer in candidates[item.line_item_id]})
    for size in range(1, len(distributors) + 1):
        covers = []
        for chosen_set in itertools.combinations(distributors, size):
            chosen = {}
            for item in servable:
                offer = next((o for o in candidates[item.line_item_id] if o["supplierId"] in chosen_set), None)
                if offer is None:
                    break
                chosen[item.line_item_id] = offer
            else:
                total = sum(chosen[item.line_item_id]["price"] * item.quantity for item in servable)
                covers.append((total, chosen_set, chosen))
        if covers:
            return min(covers, key=lambda cover: cover[:2])[2]
    return {}


# ------------------------------------------------------------
# Request bodies
# ------------------------------------------------------------


def _body(request, xml_root):
    """The request's JSON body, or its XML read into the same shape (``xml_root`` is the expected root element)."""
    data = request.get_data()
    if "json" in (request.content_type or ""):
        try:
            return json.loads(data)
        except ValueError as exc:
            raise _Refused("The body is not JSON: %s" % exc) from None
    try:
        root = parse_xml(data)
    except ItscopeDocumentError as exc:
        raise _Refused(exc.message) from None
    if root.tag != xml_root:
        raise _Refused("The XML body must be <%s>, not <%s>." % (xml_root, root.tag))
    return _from_xml(root)


def _from_xml(element):
    """An element's children as a dict, ``cartLineItem`` and ``referencedAddress`` children gathered in lists (the
    OpenAPI's unwrapped arrays), the whole-number fields of a line item as ints."""
    if len(element) == 0:
        text = (element.text or "").strip()
        kind = _LINE_FIELDS.get(element.tag, ("string",))[0]
        return int(text) if kind != "string" and text.lstrip("-").isdigit() else text
    value = {}
    for child in element:
        read = _from_xml(child)
        if child.tag in ("cartLineItem", "referencedAddress"):
            value.setdefault(child.tag, []).append(read)
        else:
            value[child.tag] = read
    return value
