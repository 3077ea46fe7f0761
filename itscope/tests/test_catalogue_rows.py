"""The catalogue importer's row preparation without Odoo: digests, the offers a company's settings take, COPY text."""

import gc
import json
import sys

import pytest

from itscope.catalogue_rows import (
    IMPORT_SWITCH_INTERVAL,
    OFFER_COLUMNS,
    PRODUCT_COLUMNS,
    ImportSettings,
    chunks,
    copy_row,
    copy_value,
    digest_seed,
    interpreter_tuned_for_import,
    payload_digest,
    prepare,
    read_changed,
)
from itscope.exports import BadRow, Notice
from itscope.products import read_product
from itscope.sandbox.catalogue import Catalogue

CATALOGUE = Catalogue(1, 50, 0)


def settings(**changes):
    """Settings that take every offer of every distributor the first payloads name, in EUR, new condition only."""
    payloads = list(CATALOGUE.products(0, 20))
    distributors = {str(item["supplierId"]) for payload in payloads for item in payload["supplierItem"]}
    values = dict(
        company_id=1,
        uid=2,
        lang="en_US",
        now=None,
        price_field="price",
        conditions=frozenset({1}),
        partnered_only=False,
        import_price_list_lines=False,
        policy="always",
        distributors={distributor: (100 + index, index % 2 == 0) for index, distributor in enumerate(distributors)},
        distributor_names={},
        manufacturers={str(payload["manufacturerId"]): 7 for payload in payloads},
        product_types={str(payload["productTypeId"]): (3, 4, False, False) for payload in payloads},
        currencies={"EUR": 1},
        company_currency_id=1,
        countries={},
        default_categ_id=1,
        supplier_delay=0,
        price_digits=2,
        qty_digits=2,
        weight_digits=2,
        digest_seed=digest_seed(("price", (1,))),
    )
    values.update(changes)
    return ImportSettings(**values)


def first_with_offers():
    return next(payload for payload in CATALOGUE.products(0, 20) if len(payload["supplierItem"]) >= 2)


def test_copy_text_escapes_what_copy_reads_as_syntax():
    assert copy_value(None) == copy_value("") == "\\N"
    assert (copy_value(True), copy_value(False), copy_value(3)) == ("t", "f", "3")
    assert copy_value("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_row(("x", None, 1)) == "x\t\\N\t1"


def test_a_digest_changes_with_the_payload_and_the_settings_only():
    payload = first_with_offers()
    seed = digest_seed(("price", (1,)))
    text = json.dumps(payload)
    assert payload_digest(seed, text) == payload_digest(seed, text.encode())
    assert payload_digest(seed, payload) == payload_digest(seed, dict(payload))
    assert payload_digest(seed, text) != payload_digest(seed, text.replace('"', "'", 1))
    assert payload_digest(seed, text) != payload_digest(digest_seed(("price_calc", (1,))), text)
    assert payload_digest(seed, BadRow("1", "broken")) is None


def test_rows_fill_every_column_and_keep_only_the_offers_the_company_takes():
    payload = first_with_offers()
    product = read_product(payload)
    taken = settings()
    prepared = prepare(taken, product, "d1")
    assert prepared.digest == "d1"
    assert len(prepared.body.split("\t")) == len(PRODUCT_COLUMNS) - 4  # the matching columns come first
    assert all(len(row.split("\t")) == len(OFFER_COLUMNS) - 2 for _offer, _vendor, row in prepared.offers)
    wanted = [offer for offer in product.offers if offer.condition_id == 1 and offer.price is not None]
    assert [offer_id for offer_id, _vendor, _row in prepared.offers] == [offer.offer_id for offer in wanted]
    assert prepared.skipped_offers == len(product.offers) - len(wanted)

    unmapped = product.offers[0].distributor_id
    without = settings(distributors={**taken.distributors, unmapped: (None, False)})
    prepared = prepare(without, product, "d1")
    assert unmapped in prepared.unmapped_distributors
    assert product.offers[0].offer_id not in [offer_id for offer_id, _vendor, _row in prepared.offers]


def test_the_product_type_makes_a_service_or_serial_tracked_goods_and_the_cheapest_offer_the_cost():
    payload = first_with_offers()
    product = read_product(payload)
    type_id = str(payload["productTypeId"])
    columns = PRODUCT_COLUMNS[4:]

    def content(**product_type):
        taken = settings(**product_type)
        prepared = prepare(taken, product, "d1")
        return dict(zip(columns, prepared.body.split("\t"), strict=True))

    goods = content()
    assert (goods["tracking"], goods["is_service"]) == ("none", "f")
    prices = [offer.price for offer in product.offers if offer.condition_id == 1 and offer.price is not None]
    assert goods["cost"] == str(round(min(prices), 2))
    serial = content(product_types={type_id: (3, 4, False, True)})
    assert (serial["tracking"], serial["is_service"]) == ("serial", "f")
    licence = content(product_types={type_id: (3, 4, True, True)})
    assert (licence["tracking"], licence["is_service"]) == ("none", "t")
    assert content(company_currency_id=2)["cost"] == "\\N", "no cost from an offer in another currency"


def test_an_unmapped_manufacturer_leaves_the_digest_empty_so_the_product_is_read_again():
    product = read_product(first_with_offers())
    assert prepare(settings(manufacturers={}), product, "d1").digest is None
    assert prepare(settings(product_types={}), product, "d1").digest is None


def test_reading_changed_payloads_reports_each_bad_one_and_keeps_the_rest():
    good = first_with_offers()
    prepared, problems, notes = read_changed(
        settings(),
        [
            (json.dumps(good), "d1"),
            ("{not json", "d2"),
            (BadRow("42", "price 'twelve' is not a number"), None),
            (Notice("unknown column 'x' left aside"), None),
            ({"shortDescription": "a product without its id"}, "d3"),
        ],
    )
    assert [item.product.puid for item in prepared] == [str(good["puid"])]
    assert problems[0][1].startswith("not a product in JSON")
    assert problems[1] == ("42", "price 'twelve' is not a number")
    assert len(problems) == 3, "the payload without an id is a problem too"
    assert notes == [(None, "unknown column 'x' left aside")]


def test_chunks_start_small_and_lose_nothing():
    sizes = [len(chunk) for chunk in chunks(range(10000), 2500)]
    assert sizes[0] == 500 and max(sizes) == 2500
    assert sum(sizes) == 10000


def test_an_import_batch_sets_the_interpreter_back_as_it_was_even_when_it_fails():
    interval = sys.getswitchinterval()
    with interpreter_tuned_for_import():
        assert not gc.isenabled() and sys.getswitchinterval() == pytest.approx(IMPORT_SWITCH_INTERVAL)
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(interval)
    with pytest.raises(RuntimeError), interpreter_tuned_for_import():
        raise RuntimeError("a batch that crashed")
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(interval)
    gc.disable()  # a process that keeps the collector off keeps it off
    try:
        with interpreter_tuned_for_import():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
