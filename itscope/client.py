"""The ITscope API 2.1 client: one method per endpoint the connector uses, JSON in, plain dicts out.

Every request passes the shared :class:`~.gate.RequestGate` (budget and 503 breaker), carries Basic auth (account id :
API key) and a fixed User-Agent, and has a timeout. Only idempotent GETs are retried, and only where a retry cannot
hurt (connection errors, 502, 504); a POST whose answer was lost raises :class:`ItscopeUnreachable` so the caller can
look the outcome up instead of sending twice. Error messages carry ITscope's text and never the credentials.
"""

import html
import json
import re
import time
from urllib.parse import quote, urlsplit

import requests

from .errors import (
    ItscopeAuthError,
    ItscopeBadRequest,
    ItscopeBlocked,
    ItscopeError,
    ItscopeForbidden,
    ItscopeForeignUrl,
    ItscopeNotFound,
    ItscopeServerError,
    ItscopeUnreachable,
)
from .gate import RequestGate
from .xmlsafe import parse_xml

DEFAULT_BASE_URL = "https://api.itscope.com/2.1"
BATCH_SIZE = 50  # ITscope's maximum of products per request
PAGE_SIZE = 50  # ITscope's page size for searches, deals, quotes and carts
RETRY_STATUSES = frozenset({502, 504})
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_DECODED_BEFORE_SPLIT = re.compile("%(2F|23|25|2C|3B)")  # / # % , ; as ``quote`` writes them
_TOKENISED_PATH = re.compile(r"/t/[^/]+$")
_HTML_PAGE = re.compile(r"\s*<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def chunked(items, size=BATCH_SIZE):
    """Yield lists of at most ``size`` items: ITscope takes at most 50 ids a call."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def search_filter(criteria):
    """Encode ``{"keywords": "server barebone", "manufacturer": [1, 2]}`` as ITscope's ``key=v;key=v1,v2`` filter.

    Values are percent-encoded one by one, a space as ``%20`` (never ``+``). ITscope decodes a search path once
    before it routes it and each value once more after splitting the filter, so what that first decoding would turn
    into syntax goes double-encoded, as ITscope advises: ``/`` (``%252F``; it would split the path), ``#``
    (``%2523``; it would end it), ``%`` (``%2525``; the second decoding would read it) and the filter's own separators
    ``,`` and ``;``.
    """
    parts = []
    for key, values in criteria.items():
        if values in (None, "", [], ()):
            continue
        if not isinstance(values, (list, tuple, set)):
            values = [values]
        parts.append("%s=%s" % (key, ",".join(_filter_value(value) for value in values)))
    if not parts:
        raise ValueError("An ITscope search needs at least one criterion.")
    return ";".join(parts)


def _filter_value(value):
    return _DECODED_BEFORE_SPLIT.sub(r"%25\1", quote(str(value), safe=""))


def export_url(base_url, export):
    """The download URL of an export given by its id or by the URL ITscope's Share button shows.

    A URL must be at the API address itself (``base_url``'s scheme, host and port): the download is sent with the API
    key, so a URL anywhere else raises :class:`ItscopeForeignUrl` instead of ever receiving the key.
    """
    export = (export or "").strip()
    if export.startswith(("http://", "https://")):
        _check_at_api(export, base_url)
        return export
    if not _UUID.fullmatch(export):
        raise ValueError("%r is neither an ITscope export id (a UUID) nor an export URL." % export)
    return "%s/products/exports/%s" % (base_url.rstrip("/"), export)


def _check_at_api(url, base_url):
    """Raise :class:`ItscopeForeignUrl` unless ``url`` has ``base_url``'s scheme, host and port."""
    if _origin(url) != _origin(base_url):
        raise ItscopeForeignUrl(
            "The URL %s is not at the ITscope API address %s; only that address is sent the API key, and exports "
            "are downloaded only from there. Enter the export's id, or its URL at %s."
            % (_origin(url), _origin(base_url), _origin(base_url))
        )


def _origin(url):
    """``scheme://host:port`` of ``url`` (default port filled in), the unit the API key may be sent to."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # a port that is not a number
        port = None
    return "%s://%s:%s" % (parts.scheme, parts.hostname or "", port)


def _is_tokenised(url):
    """Whether ``url`` is one of ITscope's tokenised share links (``…/t/<token>``), which carry their own
    authorisation: nothing else is sent to them."""
    return bool(_TOKENISED_PATH.search(urlsplit(url).path))


class ItscopeClient:
    """A session with ITscope for one account. Use it as a context manager so its connections are closed."""

    def __init__(
        self,
        account_id,
        api_key,
        base_url=DEFAULT_BASE_URL,
        user_agent="Odoo ITscope Connector",
        gate=None,
        timeout=(10, 120),
        retries=3,
        backoff=1.0,
        sleep=time.sleep,
    ):
        if not account_id or not api_key:
            raise ItscopeAuthError("The ITscope account id and API key are both required.")
        self.base_url = base_url.rstrip("/")
        self.gate = gate or RequestGate()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._secret = api_key
        self.session = requests.Session()
        self.session.auth = (account_id, api_key)
        self.session.headers.update({"User-Agent": user_agent, "Accept-Language": "de"})

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.session.close()

    # ------------------------------------------------------------
    # Transport
    # ------------------------------------------------------------

    def _url(self, path):
        return path if path.startswith(("http://", "https://")) else "%s/%s" % (self.base_url, path.lstrip("/"))

    def _request(self, method, path, params=None, data=None, headers=None, stream=False, auth=True):
        """Send one request through the gate; return the response, or ``None`` for ITscope's 204 "nothing found"."""
        url = self._url(path)
        if auth:
            _check_at_api(url, self.base_url)
        idempotent = method == "GET"
        attempt = 0
        while True:
            self.gate.acquire()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    stream=stream,
                    timeout=self.timeout,
                    auth=None if auth else False,
                )
            except requests.RequestException as exc:
                if idempotent and attempt < self.retries and not isinstance(exc, requests.ReadTimeout):
                    attempt += 1
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise ItscopeUnreachable(self._describe_failure(method, path, exc)) from None
            if response.status_code in RETRY_STATUSES and idempotent and attempt < self.retries:
                response.close()
                attempt += 1
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            return self._checked(response)

    def _describe_failure(self, method, path, exc):
        kind = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
        where = urlsplit(self._url(path)).netloc
        if method == "GET":
            return "ITscope (%s) %s." % (where, kind)
        return "ITscope (%s) %s while sending; whether ITscope received the request is unknown." % (where, kind)

    def _checked(self, response):
        status = response.status_code
        if status == 204:
            response.close()
            return None
        if status < 400:
            return response
        message = self._message(response)
        response.close()
        if status == 503:
            until = self.gate.trip()
            raise ItscopeBlocked(
                "ITscope blocked requests from this server until %s UTC (rate limit exceeded): %s"
                % (until.strftime("%Y-%m-%d %H:%M"), message),
                until=until,
            )
        error_class = {400: ItscopeBadRequest, 401: ItscopeAuthError, 403: ItscopeForbidden, 404: ItscopeNotFound}
        if status in error_class:
            raise error_class[status](message, status=status)
        if status >= 500:
            raise ItscopeServerError(message, status=status)
        raise ItscopeError(message, status=status)

    def _message(self, response):
        """ITscope's own text for an error, short, one line, and scrubbed of the key should it ever echo it. An HTML
        error page (a server's or a proxy's, e.g. ITscope's answer to a 5,000-digit product id) gives only its title:
        its markup is no message for people."""
        text = response.text or ""
        if _HTML_PAGE.match(text):
            title = _HTML_TITLE.search(text)
            text = html.unescape(title.group(1)) if title else ""
        text = " ".join(text.split())[:500] or response.reason or "no message"
        return "ITscope answered %d: %s" % (response.status_code, text.replace(self._secret, "***"))

    def _get_json(self, path, params=None):
        response = self._request("GET", path, params=params)
        return None if response is None else response.json()

    def _get_one(self, path):
        """A single object ITscope may answer bare or as a one-element list; ``None`` when it has none."""
        payload = self._get_json(path)
        if isinstance(payload, list):
            return payload[0] if payload else None
        return payload

    # ------------------------------------------------------------
    # Account and master data
    # ------------------------------------------------------------

    def quota(self):
        """``{productName: quota}`` from ``info/quota``; an account without "API access" there has no API plan."""
        response = self._request("GET", "info/quota")
        if response is None:
            return {}
        root = parse_xml(response.content)
        return {quota.get("productName"): (quota.text or "").strip() for quota in root.iter("quota")}

    def distributors(self, view="company"):
        """All distributors as ``company`` dicts with a ``supplier`` inside (``view``: company or eservices)."""
        return self._get_json("company/distributor/%s.json" % view) or []

    def manufacturers(self):
        """All manufacturers as ``company`` dicts with a ``manufacturer`` inside."""
        return self._get_json("company/manufacturer/company.json") or []

    def product_types(self):
        return self._get_json("products/producttypes/producttype.json") or []

    # ------------------------------------------------------------
    # Products
    # ------------------------------------------------------------

    def _products(self, path, params):
        payload = self._get_json(path, params=params)
        return (payload or {}).get("product") or []

    @staticmethod
    def _product_params(realtime=False, plzproducts=False, **extra):
        params = {key: value for key, value in extra.items() if value is not None}
        if realtime:
            params["realtime"] = "true"
        if plzproducts:
            params["plzproducts"] = "true"
        return params

    def products_by_ids(self, puids, view="standard", realtime=False, plzproducts=False):
        """Yield the products for any number of ITscope ids, 50 a call; ids ITscope does not know are skipped."""
        params = self._product_params(realtime, plzproducts)
        for batch in chunked(puids):
            ids = ",".join(quote(str(puid), safe="-") for puid in batch)
            yield from self._products("products/ids/%s/%s.json" % (ids, view), params)

    def product_by_ean(self, ean, view="standard", plzproducts=False):
        """The most relevant product for an EAN, or ``None`` (ITscope's rule for ambiguous EANs)."""
        products = self._products(
            "products/ean/%s/%s.json" % (quote(str(ean), safe=""), view), self._product_params(plzproducts=plzproducts)
        )
        return products[0] if products else None

    def search_products(self, criteria, view="standard", sort="DEFAULT", plzproducts=False, max_pages=None):
        """Yield every product matching ``criteria`` (see :func:`search_filter`), following ITscope's 50-item pages."""
        path = "products/search/%s/%s.json" % (search_filter(criteria), view)
        yield from self._paged(
            lambda page: self._products(path, self._product_params(plzproducts=plzproducts, sort=sort, page=page)),
            max_pages,
        )

    @staticmethod
    def _paged(fetch_page, max_pages=None):
        page = 1
        while max_pages is None or page <= max_pages:
            items = fetch_page(page)
            yield from items
            if len(items) < PAGE_SIZE:
                return
            page += 1

    def export_url(self, export):
        return export_url(self.base_url, export)

    def download_export(self, export, fileobj, chunk_size=1 << 20):
        """Stream an export into ``fileobj`` (never the whole file in memory); return the number of bytes written.

        Only URLs at the API address are fetched (see :func:`export_url`); a tokenised share link (``…/t/<token>``)
        there is fetched without the account id and key, as its token is its authorisation.
        """
        url = self.export_url(export)
        response = self._request("GET", url, stream=True, auth=not _is_tokenised(url))
        if response is None:
            return 0
        written = 0
        with response:
            for chunk in response.iter_content(chunk_size):
                fileobj.write(chunk)
                written += len(chunk)
        return written

    # ------------------------------------------------------------
    # Deals (purchase orders) and documents
    # ------------------------------------------------------------

    def send_order(self, order_xml):
        """POST an openTRANS ORDER; return the new deal. Never retried: an unknown outcome raises ItscopeUnreachable."""
        response = self._request(
            "POST",
            "business/deals/purchase/send",
            data=order_xml,
            headers={"Content-Type": "application/xml; charset=UTF-8", "Accept": "application/json"},
        )
        if response is None:
            raise ItscopeError("ITscope accepted the order but returned no deal.")
        if "json" in response.headers.get("Content-Type", ""):
            return response.json()
        root = parse_xml(response.content)
        return {child.tag: child.text for child in root if len(child) == 0}

    def validate_order_schema(self, order_xml):
        """Ask ITscope to check an ORDER against its schema; raises ItscopeBadRequest with ITscope's findings."""
        self._request(
            "POST",
            "business/documents/validateschema",
            data=order_xml,
            headers={"Content-Type": "application/xml; charset=UTF-8"},
        )

    def deals(self, last_update_from=None, archived=False, sort="LAST_MODIFIED", max_pages=None):
        """Yield purchase deals, optionally only those changed since ``last_update_from`` (a datetime), page by page."""
        params = {"archiv": "ARCHIVED" if archived else "NOTARCHIVED", "sort": sort}
        if last_update_from:
            params["lastUpdateDateFrom"] = last_update_from.isoformat(timespec="seconds")
        yield from self._paged(
            lambda page: self._get_json("business/deals/purchase/deal.json", {**params, "page": page}) or [],
            max_pages,
        )

    def search_deals(self, criteria, sort="DATE_DESC", max_pages=None):
        """Yield purchase deals matching ``criteria`` (orderId, ownOrderId, customerOrderId, status, keywords)."""
        path = "business/deals/purchase/search/%s/deal.json" % search_filter(criteria)
        yield from self._paged(lambda page: self._get_json(path, {"sort": sort, "page": page}) or [], max_pages)

    def deal(self, order_id):
        return self._get_one("business/deals/%s/deal.json" % quote(order_id, safe=""))

    def archive_deal(self, order_id):
        self._request("PUT", "business/deals/archive/%s" % quote(order_id, safe=""))

    def ordered_elsewhere(self, order_id):
        self._request("PUT", "business/deals/orderedelsewhere/%s" % quote(order_id, safe=""))

    def document(self, transaction_id, doc_type, output="xml"):
        """The bytes of one business document (ORDERRESPONSE, DISPATCHNOTIFICATION, INVOICE, …), or ``None``."""
        response = self._request(
            "GET", "business/documents/%s/%s.%s" % (quote(transaction_id, safe=""), doc_type, output)
        )
        return None if response is None else response.content

    # ------------------------------------------------------------
    # Quotes
    # ------------------------------------------------------------

    def quotes(self, archived=False, sort="LAST_MODIFIED", max_pages=None):
        params = {"archiv": "ARCHIVED" if archived else "NOTARCHIVED", "sort": sort}
        yield from self._paged(
            lambda page: self._get_json("business/quotes/quote.json", {**params, "page": page}) or [], max_pages
        )

    def get_quote(self, quote_id):
        return self._get_one("business/quotes/%s/quote.json" % quote(quote_id, safe=""))

    def quotation(self, quote_id, document_url=None):
        """A quote's QUOTATION (openTRANS XML bytes), from the quote's ``documentUrl`` (fetched only at the API
        address, like every URL sent the key) or else by its id; ``None`` when ITscope has none."""
        response = self._request(
            "GET", document_url or "business/documents/%s/QUOTATION.xml" % quote(quote_id, safe="")
        )
        return None if response is None else response.content

    # ------------------------------------------------------------
    # Carts
    # ------------------------------------------------------------

    def _send_json(self, method, path, body=None, params=None):
        """A write with a JSON body (ITscope takes JSON or XML); its JSON answer, or ``None`` (204 or no body)."""
        response = self._request(
            method,
            path,
            params=params,
            data=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if response is None or not response.content:
            return None
        return response.json()

    def carts(self, archived=False, max_pages=None):
        """Yield the account's carts (the ``pool`` among them), 50 a page."""
        params = {"archiv": "ARCHIVED" if archived else "NOTARCHIVED"}
        yield from self._paged(
            lambda page: self._get_json("business/carts/cart.json", {**params, "page": page}) or [], max_pages
        )

    def cart(self, cart_id):
        return self._get_one("business/carts/%s/cart.json" % quote(cart_id, safe=""))

    def cart_line_items(self, cart_id):
        """The cart's line items (``CartLineItemOrder`` dicts with ``lineItemId``); ``[]`` for an empty cart."""
        return _line_items(self._get_json("business/carts/%s/cartlineitems.json" % quote(cart_id, safe="")))

    def create_cart(self, name):
        """Create a cart named ``name``; return it (a dict with ``cartId``). Never retried: a lost answer raises
        ItscopeUnreachable, and the caller looks the cart up by name before creating another."""
        cart = self._send_json("POST", "business/carts", {"cartName": name})
        cart = cart[0] if isinstance(cart, list) and cart else cart
        if not isinstance(cart, dict) or not cart.get("cartId"):
            raise ItscopeError("ITscope created the cart %r but did not say its id." % name)
        return cart

    def rename_cart(self, cart_id, name):
        return self._send_json("PUT", "business/carts/%s" % quote(cart_id, safe=""), {"cartName": name})

    def delete_cart(self, cart_id):
        self._request("DELETE", "business/carts/%s" % quote(cart_id, safe=""))

    def archive_cart(self, cart_id):
        self._request("PUT", "business/carts/archive/%s" % quote(cart_id, safe=""))

    def add_cart_line_items(self, cart_id, line_items, strategy=None):
        """Add ``CartLineItemOrder`` dicts (``puid``/``supplierId``/``supplierItemId``/``quantity``/…) to a cart,
        optionally optimising it after (``strategy``: manual, minprice, minpricepartner, minsuppliers); return the
        cart's line items as ITscope answers them."""
        answer = self._send_json(
            "POST",
            "business/carts/%s/cartlineitems" % quote(cart_id, safe=""),
            {"cartLineItem": list(line_items)},
            params={"optimisationStrategy": strategy} if strategy else None,
        )
        return _line_items(answer)

    def remove_cart_line_item(self, cart_id, line_item_id):
        self._request(
            "DELETE", "business/carts/%s/cartlineitems/%s" % (quote(cart_id, safe=""), quote(line_item_id, safe=""))
        )

    def optimise_cart(self, cart_id, strategy="minpricepartner"):
        """Have ITscope optimise the cart with ``strategy``; return the updated line items."""
        answer = self._send_json(
            "PUT", "business/carts/%s/optimise" % quote(cart_id, safe=""), params={"optimisationStrategy": strategy}
        )
        return _line_items(answer)


def _line_items(answer):
    """A cart's line items from ITscope's answer: the ``CartLineItemOrderContainer`` (``{"cartLineItem": [...]}``,
    one item alone possibly not in a list) or a bare list."""
    items = answer.get("cartLineItem") if isinstance(answer, dict) else answer
    if isinstance(items, dict):
        items = [items]
    return [item for item in items or [] if isinstance(item, dict)]
