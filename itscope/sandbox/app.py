"""The sandbox's WSGI core: routing, Basic auth, ITscope's rate limit, a request log, a settable clock and faults.

Route modules (``products.py``, ``business.py``, ``carts.py``) each expose ``rules()`` returning werkzeug ``Rule``
objects whose endpoint is a callable ``handler(sandbox, request, **path_args) -> Response``; they build their answers
with ``responses.py`` and never import this module. Everything under
``/_sandbox/`` is the control plane tests use (request log, clock, faults, limits); it needs no auth and is never
rate limited.
"""

import base64
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lxml import etree
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from . import business, carts, products
from .responses import API_PREFIX, json_response, no_content, text_error, xml_response


@dataclass
class SandboxConfig:
    """What a sandbox instance answers to; the defaults are the ones ``python -m itscope sandbox`` documents."""

    account_id: str = "sandbox"
    api_key: str = "sandbox-key"
    products: int = 5000
    seed: int = 1
    rate_limit: int = 600  # requests per window, ITscope's documented figure
    rate_window: int = 60  # seconds
    block_minutes: int = 30
    has_api_access: bool = True  # False: info/quota lacks "API access", every other call answers 403
    json_shape: str = "production"  # or "oas": the JSON shape of products, and the CSV export's layout (products.py)
    public_url: str = ""  # set once serving ("http://127.0.0.1:8899"): media URLs then point at the sandbox itself


@dataclass
class Fault:
    """A scripted misbehaviour for the next ``times`` requests whose path contains ``path_contains``.

    ``status``: answer with this status instead of handling the request. ``delay``: sleep this long before answering
    (after handling, when ``after_handling`` is set: the request takes effect but the caller times out).
    """

    path_contains: str = ""
    status: int = 0
    delay: float = 0.0
    after_handling: bool = False
    times: int = 1
    message: str = "Injected fault"


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    at: str
    user_agent: str = ""
    credentials: bool = False  # whether an Authorization header came with it


class SandboxClock:
    """Real UTC time plus an offset that the control plane can move forward (deal lifecycles, rate-limit blocks)."""

    def __init__(self):
        self.offset = timedelta()

    def now(self):
        return datetime.now(timezone.utc) + self.offset

    def advance(self, seconds):
        self.offset += timedelta(seconds=seconds)


@dataclass
class _RateWindow:
    started: datetime = None
    count: int = 0
    blocked_until: datetime = None


@dataclass
class Sandbox:
    """One sandbox: configuration, clock, request log, faults and the state route modules keep in ``state``."""

    config: SandboxConfig = field(default_factory=SandboxConfig)

    def __post_init__(self):
        self.clock = SandboxClock()
        self.log = []
        self.faults = []
        self.state = {}
        self._rate = _RateWindow()
        self._lock = threading.RLock()
        self.url_map = Map(self._rules(), strict_slashes=False, merge_slashes=False)

    # ------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------

    def _rules(self):
        rules = [
            Rule("/_sandbox/requests", endpoint=_control_requests),
            Rule("/_sandbox/clock", endpoint=_control_clock),
            Rule("/_sandbox/faults", endpoint=_control_faults),
            Rule("/_sandbox/limits", endpoint=_control_limits),
            Rule(API_PREFIX + "/info/quota", endpoint=_info_quota, methods=["GET"]),
            *products.control_rules(),
        ]
        for module in (products, business, carts):
            for rule in module.rules():
                rule.rule = API_PREFIX + rule.rule
                rules.append(rule)
        return rules

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            if request.path.startswith("/_sandbox/"):
                return exc.get_response()
            return self._logged(request, text_error(exc.code or 404, exc.description or "Not found"))
        if request.path.startswith("/_sandbox/"):
            return endpoint(self, request, **args)
        return self._logged(request, self._guarded(request, endpoint, args))

    def _guarded(self, request, endpoint, args):
        """Apply auth, the rate limit and faults, then the handler: the order ITscope's front applies them in."""
        if not getattr(endpoint, "tokenised", False) and not self._authorized(request):
            return text_error(401, "Not authorized: Login and API key of the user required as basic authentication")
        blocked = self._count_request()
        if blocked:
            return text_error(
                503,
                "Rate Limit Exceeded. You're now blocked for %d minutes until %s."
                % (self.config.block_minutes, blocked.strftime("%Y-%m-%dT%H:%M:%SZ")),
            )
        fault = self._take_fault(request.path)
        if fault and not fault.after_handling:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                return text_error(fault.status, fault.message)
        if not self.config.has_api_access and endpoint is not _info_quota:
            return text_error(403, "The current plan is not sufficient for this action.")
        try:
            response = endpoint(self, request, **args)
        except NotFound as exc:
            response = text_error(404, exc.description)
        if fault and fault.after_handling:
            time.sleep(fault.delay)
        return response

    def _logged(self, request, response):
        with self._lock:
            self.log.append(
                LoggedRequest(
                    method=request.method,
                    path=request.path,
                    query=request.query_string.decode("latin-1"),
                    status=response.status_code,
                    at=self.clock.now().isoformat(),
                    user_agent=request.headers.get("User-Agent", ""),
                    credentials="Authorization" in request.headers,
                )
            )
        return response

    def _authorized(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.config.account_id and password == self.config.api_key

    def _count_request(self):
        """Count one request against the window; return the block end when this IP is (or just became) blocked."""
        with self._lock:
            now = self.clock.now()
            rate = self._rate
            if rate.blocked_until and now < rate.blocked_until:
                return rate.blocked_until
            rate.blocked_until = None
            if rate.started is None or now - rate.started >= timedelta(seconds=self.config.rate_window):
                rate.started, rate.count = now, 0
            rate.count += 1
            if rate.count > self.config.rate_limit:
                rate.blocked_until = now + timedelta(minutes=self.config.block_minutes)
                return rate.blocked_until
            return None

    def _take_fault(self, path):
        with self._lock:
            for fault in self.faults:
                if fault.path_contains in path and fault.times > 0:
                    fault.times -= 1
                    if not fault.times:
                        self.faults.remove(fault)
                    return fault
        return None

    def lift_block(self):
        """Forget the rate window and any block, as if 30 minutes had passed."""
        with self._lock:
            self._rate = _RateWindow()

    def api_requests(self, path_contains=""):
        """The logged API requests (control-plane calls excluded) whose path contains ``path_contains``."""
        with self._lock:
            return [entry for entry in self.log if path_contains in entry.path]


# ------------------------------------------------------------
# Endpoints of the core: quota and the control plane
# ------------------------------------------------------------


def _info_quota(sandbox, request):
    quotas = etree.Element("quotas")
    platform = etree.SubElement(quotas, "quota", productName="Platform access")
    platform.text = "Unlimited"
    if sandbox.config.has_api_access:
        api = etree.SubElement(quotas, "quota", productName="API access")
        api.text = "Unlimited"
    return xml_response(quotas)


def _control_requests(sandbox, request):
    if request.method == "DELETE":
        with sandbox._lock:
            sandbox.log.clear()
        return no_content()
    path = request.args.get("path", "")
    return json_response([entry.__dict__ for entry in sandbox.api_requests(path)])


def _control_clock(sandbox, request):
    if request.method == "POST":
        sandbox.clock.advance(float(request.args.get("advance", "0")))
    return json_response({"now": sandbox.clock.now().isoformat()})


def _control_faults(sandbox, request):
    if request.method == "POST":
        with sandbox._lock:
            sandbox.faults.append(Fault(**request.get_json()))
    elif request.method == "DELETE":
        with sandbox._lock:
            sandbox.faults.clear()
    return json_response([fault.__dict__ for fault in sandbox.faults])


def _control_limits(sandbox, request):
    """POST ``{"rate_limit": N, "rate_window": S, "block_minutes": M, "has_api_access": B}``; DELETE lifts a block."""
    with sandbox._lock:
        if request.method == "POST":
            for key, value in request.get_json().items():
                if not hasattr(sandbox.config, key) or key in (
                    "account_id",
                    "api_key",
                    "products",
                    "seed",
                    "public_url",
                ):
                    return text_error(400, "Unknown limit %r" % key)
                setattr(sandbox.config, key, value)
        elif request.method == "DELETE":
            sandbox.lift_block()
        return json_response(
            {
                "rate_limit": sandbox.config.rate_limit,
                "rate_window": sandbox.config.rate_window,
                "block_minutes": sandbox.config.block_minutes,
                "blocked_until": sandbox._rate.blocked_until and sandbox._rate.blocked_until.isoformat(),
            }
        )
