"""The client against the sandbox over real HTTP on 127.0.0.1: auth, errors, breaker, retries, batching, paging."""

import io
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from itscope.client import ItscopeClient, search_filter
from itscope.errors import (
    ItscopeAuthError,
    ItscopeBadRequest,
    ItscopeBlocked,
    ItscopeForbidden,
    ItscopeForeignUrl,
    ItscopeNotFound,
    ItscopeServerError,
    ItscopeUnreachable,
)
from itscope.gate import MemoryStore, RequestGate
from itscope.sandbox import SandboxConfig, running_sandbox

ACCOUNT, KEY = "4711", "s3cr3t-key-for-tests"
JSON_EXPORT = "5a9d1000-c0de-4e57-8a7e-000000000103"  # the sandbox's full standard export as JSON


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it and records how long callers waited."""

    def __init__(self):
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(SandboxConfig(account_id=ACCOUNT, api_key=KEY, products=300)) as running:
        yield running


@pytest.fixture
def sb(sandbox):
    """The shared sandbox with a clean request log, no faults and no block."""
    box, url = sandbox
    box.log.clear()
    box.faults.clear()
    requests.delete(url.replace("/2.1", "/_sandbox/limits"), timeout=5)
    box.config.rate_limit = 600
    return box, url


def make_client(url, key=KEY, **kwargs):
    kwargs.setdefault("sleep", lambda seconds: None)
    return ItscopeClient(ACCOUNT, key, base_url=url, user_agent="Tests - Odoo ITscope Connector - 1.0", **kwargs)


def test_quota_and_user_agent(sb):
    box, url = sb
    with make_client(url) as client:
        assert client.quota()["API access"] == "Unlimited"
    assert box.log[-1].user_agent == "Tests - Odoo ITscope Connector - 1.0"


def test_wrong_key_is_an_auth_error_without_the_key(sb):
    _box, url = sb
    with make_client(url, key="wrong-key") as client, pytest.raises(ItscopeAuthError) as error:
        client.quota()
    assert error.value.status == 401
    assert "wrong-key" not in str(error.value)


def test_plan_without_api_access_is_forbidden(sb):
    box, url = sb
    box.config.has_api_access = False
    try:
        with make_client(url) as client:
            assert "API access" not in client.quota()
            with pytest.raises(ItscopeForbidden):
                client.distributors()
    finally:
        box.config.has_api_access = True


def test_no_content_is_an_empty_result(sb):
    _box, url = sb
    with make_client(url) as client:
        assert list(client.search_products({"keywords": "no-such-product-anywhere"})) == []
        assert client.product_by_ean("0000000000000") is None


def test_bad_request_carries_itscopes_message(sb):
    _box, url = sb
    with make_client(url) as client, pytest.raises(ItscopeBadRequest) as error:
        list(client.search_products({"nosuchkey": "x"}))
    assert error.value.status == 400
    assert "nosuchkey" in str(error.value)


def test_an_html_error_page_is_reduced_to_its_title(sb):
    box, url = sb
    page = (
        "<!DOCTYPE html>\n<html><head><title>500 &ndash; Internal Server Error</title></head><body><h1>Oops</h1>"
        "<pre>java.lang.NumberFormatException: For input string: 99999\n\tat com.itscope...</pre></body></html>"
    )
    box.faults.append(_fault("/products/ids/", 500, message=page))
    with make_client(url) as client, pytest.raises(ItscopeServerError) as error:
        list(client.products_by_ids(["1" * 5000]))
    assert str(error.value) == "ITscope answered 500: 500 \u2013 Internal Server Error"


def test_120_ids_take_3_calls(sb):
    box, url = sb
    with make_client(url) as client:
        first_page = list(client.search_products({"keywords": "a"}, max_pages=3))
        puids = [product["puid"] for product in first_page][:120]
        assert len(puids) == 120
        box.log.clear()
        products = list(client.products_by_ids(puids))
    assert [product["puid"] for product in products] == puids
    assert [len(entry.path.split("/")[4].split(",")) for entry in box.api_requests("/products/ids/")] == [50, 50, 20]


def test_paging_follows_pages_until_a_short_one(sb):
    box, url = sb
    with make_client(url) as client:
        products = list(client.search_products({"distributor": "10000735"}))
    pages = [entry.query for entry in box.api_requests("/products/search/")]
    assert len(products) > 50
    assert len(pages) == len(products) // 50 + 1
    assert [q for q in pages if "page=1" in q] and [q for q in pages if "page=2" in q]
    assert len({product["puid"] for product in products}) == len(products)


def test_503_opens_the_breaker_and_nothing_leaves_until_it_closes(sb):
    box, url = sb
    box.config.rate_limit = 3
    clock = FakeClock()
    gate = RequestGate(MemoryStore(), budget=1000, clock=clock, sleep=clock.sleep)
    with make_client(url, gate=gate) as client:
        for _ in range(3):
            client.quota()
        with pytest.raises(ItscopeBlocked) as blocked:
            client.quota()
        assert blocked.value.until == clock.now + timedelta(minutes=30)
        sent = len(box.log)
        for _ in range(5):
            with pytest.raises(ItscopeBlocked):
                client.distributors()
        clock.now += timedelta(minutes=29)
        with pytest.raises(ItscopeBlocked):
            client.quota()
        assert len(box.log) == sent, "a request reached ITscope while the breaker was open"
        # 30 minutes later both sides have forgotten the block.
        box.clock.advance(31 * 60)
        clock.now += timedelta(minutes=2)
        assert client.quota()["API access"] == "Unlimited"
        assert len(box.log) == sent + 1


def test_breaker_state_is_shared_through_the_store(sb):
    box, url = sb
    box.config.rate_limit = 1
    store, clock = MemoryStore(), FakeClock()
    with make_client(url, gate=RequestGate(store, clock=clock)) as first:
        first.quota()
        with pytest.raises(ItscopeBlocked):
            first.quota()
    sent = len(box.log)
    with make_client(url, gate=RequestGate(store, clock=clock)) as second, pytest.raises(ItscopeBlocked):
        second.quota()
    assert len(box.log) == sent


def test_throttle_waits_for_the_next_window():
    clock = FakeClock()
    gate = RequestGate(MemoryStore(), budget=3, window=60, clock=clock, sleep=clock.sleep)
    for _ in range(7):
        gate.acquire()
    assert clock.slept == [60.0, 60.0]


def test_get_is_retried_on_502_and_504_but_not_on_500(sb):
    box, url = sb
    waits = []
    box.faults.extend(
        [
            _fault("/info/quota", 502),
            _fault("/info/quota", 504),
        ]
    )
    with make_client(url, sleep=waits.append) as client:
        assert client.quota()["API access"] == "Unlimited"
        assert len(box.api_requests("/info/quota")) == 3
        assert waits == [1.0, 2.0]
        box.faults.append(_fault("/info/quota", 500, message="database on fire"))
        with pytest.raises(ItscopeServerError, match="database on fire"):
            client.quota()


def test_post_is_never_retried_and_a_lost_answer_is_reported_as_unknown(sb):
    box, url = sb
    box.faults.append(_fault("/business/deals/purchase/send", 502))
    with make_client(url) as client, pytest.raises(ItscopeServerError):
        client.send_order(b"<ORDER/>")
    assert len(box.api_requests("/send")) == 1
    box.faults.append(_fault("/business/deals/purchase/send", 0, delay=1.5, after_handling=True))
    with make_client(url, timeout=(2, 0.5)) as client, pytest.raises(ItscopeUnreachable, match="unknown"):
        client.send_order(b"<ORDER/>")
    # The sandbox logs the request once it has finished handling it, after the client gave up.
    deadline = time.monotonic() + 5
    while len(box.api_requests("/send")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(box.api_requests("/send")) == 2


def test_unreachable_host_is_a_clear_error():
    with make_client("http://127.0.0.1:9/2.1", retries=1) as client, pytest.raises(ItscopeUnreachable) as error:
        client.quota()
    assert "could not be reached" in str(error.value)
    assert KEY not in str(error.value)


def test_export_download_streams_to_a_file(sb):
    _box, url = sb
    target = io.BytesIO()
    with make_client(url) as client:
        written = client.download_export(JSON_EXPORT, target, chunk_size=4096)
        assert written == len(target.getvalue())
        assert len(json.loads(target.getvalue())["product"]) == 300
        with pytest.raises(ValueError, match="neither an ITscope export id"):
            client.download_export("not-an-export", io.BytesIO())
        target = io.BytesIO()
        client.download_export(url + "/products/exports/" + JSON_EXPORT + "?products=7", target)
        assert len(json.loads(target.getvalue())["product"]) == 7


def test_export_urls_elsewhere_never_receive_the_key(sb):
    box, url = sb
    with running_sandbox(SandboxConfig(account_id=ACCOUNT, api_key=KEY, products=5)) as (elsewhere, other_url):
        scheme, _sep, rest = url.partition("://")
        foreign = [
            other_url + "/products/exports/" + JSON_EXPORT,  # another port: another server
            "https://" + rest + "/products/exports/" + JSON_EXPORT,  # another scheme
            url.replace("127.0.0.1", "localhost") + "/products/exports/" + JSON_EXPORT,  # another host name
            other_url + "/t/share103",  # a tokenised link, but not at the API address
        ]
        with make_client(url) as client:
            for export in foreign:
                with pytest.raises(ItscopeForeignUrl, match="not at the ITscope API address"):
                    client.download_export(export, io.BytesIO())
        assert elsewhere.log == []
    assert box.log == []
    assert scheme == "http"


def test_tokenised_share_link_is_fetched_without_credentials(sb):
    box, url = sb
    with make_client(url) as client:
        target = io.BytesIO()
        client.download_export(url + "/t/share103", target)
        assert len(json.loads(target.getvalue())["product"]) == 300
        assert box.log[-1].path == "/2.1/t/share103" and not box.log[-1].credentials
        client.download_export(JSON_EXPORT, io.BytesIO())
        assert box.log[-1].credentials
        with pytest.raises(ItscopeNotFound):
            client.download_export(url + "/t/no-such-token", io.BytesIO())


def test_search_filter_encoding():
    assert search_filter({"keywords": "server barebone", "manufacturer": [1, 2]}) == (
        "keywords=server%20barebone;manufacturer=1,2"
    )
    assert search_filter({"hstpid": "A,B/C#1"}) == "hstpid=A%252CB%252FC%25231"
    with pytest.raises(ValueError):
        search_filter({"keywords": ""})


def _fault(path, status, **kwargs):
    from itscope.sandbox.app import Fault

    return Fault(path_contains=path, status=status, **kwargs)


def test_quotes_and_single_objects(sb):
    _box, url = sb
    with make_client(url) as client:
        quotes = list(client.quotes())
        assert len(quotes) == 3
        one = client.get_quote(quotes[0]["quoteId"])
        assert one["quoteId"] == quotes[0]["quoteId"]
        assert client.deal("NOSUCH-000000-0000") is None
        client.archive_deal("NOSUCH-000000-0000")  # ITscope answers 204 for an unknown deal: nothing to archive
