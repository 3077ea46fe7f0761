"""Master-data and product readers: good entries become records, bad ones become problems, never exceptions."""

from decimal import Decimal

import pytest

from itscope.products import read_product, read_products
from itscope.records import (
    read_cart_line_items,
    read_distributors,
    read_manufacturers,
    read_product_types,
    read_quotes,
)


def test_distributors_partnership_and_order_account_fallback():
    records, problems = read_distributors(
        [
            {
                "name": "ALSO",
                "city": "Soest",
                "supplier": {"id": 10000027, "name": "ALSO", "customerAccountNumber": "4711"},
            },
            {"supplier": {"id": "10000041", "name": "Ingram", "customerAccountNumber": "1", "orderAccountNumber": "9"}},
            {"supplier": {"id": 10000735, "name": "ITscope Partner-Test", "deeplink": "https://x"}},
        ]
    )
    assert problems == []
    also, ingram, partner_test = records
    assert (also.itscope_id, also.partnered, also.order_account_number, also.city) == (
        "10000027",
        True,
        "4711",
        "Soest",
    )
    assert ingram.order_account_number == "9"
    assert not partner_test.partnered and partner_test.order_account_number == ""


def test_bad_distributors_are_problems_and_the_rest_is_read():
    records, problems = read_distributors(
        [
            {"supplier": {"id": "abc", "name": "Broken"}},
            {"name": "No supplier"},
            {"supplier": {"id": 5, "name": ""}},
            {"supplier": {"id": 6, "name": "Good"}},
            {"supplier": {"id": 6, "name": "Good again"}},
            "not an object",
        ]
    )
    assert [record.name for record in records] == ["Good"]
    assert [problem[0] for problem in problems] == ["abc", None, "5", "6", None]
    assert "listed twice" in problems[3][1]
    assert read_distributors({"not": "a list"})[1][0][1] == "ITscope answered distributors that are not a list"


def test_manufacturers_and_product_types():
    manufacturers, problems = read_manufacturers(
        [{"manufacturer": {"id": 1, "name": "HP Inc.", "shortName": "HP"}}, {"manufacturer": {"id": 2}}]
    )
    assert [(m.itscope_id, m.short_name) for m in manufacturers] == [("1", "HP")]
    assert problems == [("2", "manufacturer without a name")]
    types, problems = read_product_types(
        [
            {
                "id": 77,
                "name": "Notebooks",
                "productTypeGroup": {"id": "NB", "name": "Computer"},
                "attributeTypeName1": "Display",
                "attributeTypeName3": "CPU",
            },
            {"id": 78, "name": "Orphan"},
        ]
    )
    assert [(t.itscope_id, t.group_name, t.attribute_type_names) for t in types] == [
        ("77", "Computer", ("Display", "CPU"))
    ]
    assert problems[0][0] == "78"


PRODUCT = {
    "puid": 10000000000,
    "productName": "Notebook X",
    "ean": "4006381333931",
    "manufacturerId": 12,
    "manufacturerSKU": "NB-X",
    "estimateGrossWeight": 1.9,
    "attribute": [{"attributeTypeName": "Display", "displayValue": "14 in"}],
    "accessory": [{"referencedProductId": 10000001000, "typeId": 1}],
    "supplierItem": [
        {
            "id": 40000000001,
            "supplierId": 10000735,
            "supplierSKU": "PT1",
            "price": 999.5,
            "priceCalc": "1079.46",
            "stock": 3,
            "stockStatus": 1,
            "conditionId": 1,
            "lastStockUpdate": "2026-11-20T10:00:00+01:00",
            "countryOfOrigin": "CN",
            "supplierPackagingInfo": {"minQuantity": 2, "intervalQuantity": 2},
        }
    ],
}


def test_product_with_offer():
    product = read_product(PRODUCT)
    offer = product.offers[0]
    assert (product.puid, product.weight, product.country_of_origin) == ("10000000000", 1.9, "CN")
    assert product.attributes == (("Display", "14 in"),) and product.accessory_puids == ("10000001000",)
    assert (offer.price, offer.price_calc, offer.min_qty, offer.packaging_qty) == (
        Decimal("999.50"),
        Decimal("1079.46"),
        2,
        2,
    )
    assert offer.stock_updated.isoformat() == "2026-11-20T09:00:00"
    assert not product.is_price_list_line


def test_hashes_move_only_with_what_they_cover():
    base = read_product(PRODUCT)
    cheaper = read_product({**PRODUCT, "supplierItem": [{**PRODUCT["supplierItem"][0], "price": 899}]})
    renamed = read_product({**PRODUCT, "productName": "Notebook Y"})
    assert base.full_hash() == read_product(dict(PRODUCT)).full_hash()
    assert cheaper.content_hash() == base.content_hash() and cheaper.full_hash() != base.full_hash()
    assert renamed.content_hash() != base.content_hash()


@pytest.mark.parametrize("broken", [{"productName": "no id"}, {**PRODUCT, "puid": "10000000000x"}, ["not", "a dict"]])
def test_a_product_without_a_usable_id_is_reported(broken):
    results = list(read_products([broken, PRODUCT]))
    assert results[0][0] is None and ("product id" in results[0][1][1] or "not an object" in results[0][1][1])
    assert results[1][0].puid == "10000000000"


@pytest.mark.parametrize(
    "item, offer_id, reason",
    [
        ({"id": 1, "supplierId": 2, "price": "a lot"}, "1", "price is not a number"),
        ({"id": 1, "supplierId": 2, "price": -5}, "1", "not a valid amount"),
        ({"supplierId": 2}, "10000000000", "missing or malformed offer id"),
        ({"id": 1, "supplierId": 2, "stock": "12.5"}, "1", "stock is not a whole number"),
        ("an offer", "10000000000", "an offer is not an object"),
    ],
)
def test_a_bad_offer_costs_that_offer_only(item, offer_id, reason):
    good = PRODUCT["supplierItem"][0]
    results = list(read_products([{**PRODUCT, "supplierItem": [item, good]}, PRODUCT]))
    assert [product is None for product, _problem in results] == [False, True, False]
    assert results[0][0].offers == read_product(PRODUCT).offers, "the product keeps its good offer"
    reported_id, why = results[1][1]
    assert reported_id == offer_id and reason in why and "product 10000000000" in why


def test_quotes_with_itscope_codes_or_labels_and_unreadable_values_kept():
    quotes, problems = read_quotes(
        [
            {"quoteId": "q-1", "quoteNo": "SBX-1", "name": "Server", "status": "WON", "totalPrice": 1190.0,
             "validUntil": "2026-01-31T23:59:59+01:00", "lastModified": "2026-01-05T09:00:00Z", "itemCount": 3},
            {"quoteId": "q-2", "status": "In Verhandlung", "totalPrice": "12,50", "validUntil": "Ende Januar"},
            {"quoteId": "q-3", "status": "Storniert", "name": "Bad\x00name"},
            {"quoteNo": "no id"},
            {"quoteId": "q-1", "status": "DRAFT"},
            "junk",
        ]
    )  # fmt: skip
    won, progress, unknown = quotes
    assert (won.status, won.total, won.item_count) == ("WON", Decimal("1190.00"), 3)
    assert won.valid_until.isoformat() == "2026-01-31T22:59:59"
    assert won.last_modified.isoformat() == "2026-01-05T09:00:00"
    assert (progress.status, progress.status_text, progress.total, progress.valid_until) == (
        "PROGRESS",
        "In Verhandlung",
        None,
        None,
    )
    assert (unknown.status, unknown.status_text, unknown.name) == ("", "Storniert", "Badname")
    assert [reason.split(" ")[0] for quote_id, reason in problems if quote_id == "q-2"] == ["validUntil", "totalPrice"]
    assert ("q-3", "unknown quote status 'Storniert', kept as written") in problems
    assert (None, "missing or malformed quoteId None") in problems
    assert ("q-1", "listed twice; the first entry was kept") in problems
    assert len(problems) == 6  # and the entry that is no quote at all


def test_cart_line_items():
    items, problems = read_cart_line_items(
        [
            {"lineItemId": "L1", "puid": 10000000000, "supplierId": 10000735, "supplierItemId": "PT0000000",
             "quantity": 2, "customerOrderReference": "00042", "price": 252.94},
            {"lineItemId": "L2", "puid": "10000001000", "supplierId": "10000050", "supplierItemId": "TD1",
             "quantity": 0},
            {"lineItemId": "L3", "supplierId": 10000050, "quantity": 1},
            {"puid": 1, "supplierId": 2, "quantity": 1},
        ]
    )  # fmt: skip
    assert [(i.itscope_id, i.puid, i.distributor_id, i.sku, i.quantity, i.reference, i.price) for i in items] == [
        ("L1", "10000000000", "10000735", "PT0000000", 2, "00042", Decimal("252.94"))
    ]
    assert [problem[0] for problem in problems] == ["L2", "L3", None]
    assert "quantity 0 is not positive" in problems[0][1]
