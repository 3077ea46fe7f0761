"""Search paths as ITscope decodes them (real-world doc section 3): every character a SKU or keyword may hold
arrives intact.

The sandbox decodes a search like ITscope: the path once before routing (a ``/`` this exposes splits the path, a
``#`` ends it), then each value of the split filter once more. Its request log keeps the path as routed, so each test
can run the sandbox's own filter reading over it and see the value that was searched for.
"""

import pytest
import requests

from itscope.client import ItscopeClient
from itscope.sandbox import SandboxConfig, running_sandbox
from itscope.sandbox.catalogue import catalogue_for
from itscope.sandbox.products import _criteria

AUTH = ("sandbox", "sandbox-key")


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(SandboxConfig(products=300)) as running:
        yield running


def _searched(box):
    """What the sandbox searched for in its last product search: the filter as routed, read as it reads it."""
    entry = box.api_requests("/products/search/")[-1]
    routed = entry.path.split("/products/search/", 1)[1].rsplit("/", 1)[0]
    return entry.status, _criteria(routed)


@pytest.mark.parametrize(
    "value",
    ["AB/12C", "H7X-1#ABD", "what?", "100%41", "Office Pro X100", "A,B", "A;B", "50% / 2#x ?"],
    ids=["slash", "hash", "question mark", "percent", "space", "comma", "semicolon", "all together"],
)
def test_each_character_reaches_the_search_intact(sandbox, value):
    box, url = sandbox
    with ItscopeClient(*AUTH, base_url=url) as client:
        assert list(client.search_products({"hstpid": value})) == []
    status, criteria = _searched(box)
    assert status == 204 and criteria == {"hstpid": {value.lower()}}


@pytest.mark.parametrize("single_encoded", ["AB%2F12C", "H7X-1%23ABD"], ids=["slash", "hash"])
def test_a_single_encoded_slash_or_hash_never_reaches_the_search(sandbox, single_encoded):
    """Why the client encodes these twice: once encoded, ITscope (and the sandbox) routes them as path syntax."""
    _box, url = sandbox
    response = requests.get(url + "/products/search/hstpid=%s/standard.json" % single_encoded, auth=AUTH, timeout=10)
    assert response.status_code == 404


def test_a_single_encoded_percent_is_read_as_an_escape(sandbox):
    box, url = sandbox
    requests.get(url + "/products/search/hstpid=100%2541/standard.json", auth=AUTH, timeout=10)
    assert _searched(box)[1] == {"hstpid": {"100a"}}, "the second decoding turned %41 into A"


def test_skus_and_keywords_with_such_characters_find_their_products(sandbox):
    box, url = sandbox
    products = list(catalogue_for(box).products(0, 300))
    hashed = next(p for p in products if "#" in p["manufacturerSKU"])
    slashed = next(p for p in products if "/" in p["productName"])
    slash_word = next(word for word in slashed["productName"].split() if "/" in word)
    with ItscopeClient(*AUTH, base_url=url) as client:
        assert [p["puid"] for p in client.search_products({"hstpid": hashed["manufacturerSKU"]})] == [
            str(hashed["puid"])
        ]
        found = client.search_products({"keywords": "%s %s" % (slash_word, slashed["productModel"])})
        assert str(slashed["puid"]) in [p["puid"] for p in found]
