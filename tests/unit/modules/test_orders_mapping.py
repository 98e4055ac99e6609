"""Orders mapping: realistic CT order payloads -> Fluent CreateOrderInput (pure)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from connector.errors import ConfigError, PermanentError
from connector.modules.orders import money
from connector.modules.orders.mapping import (
    delivery_address,
    order_input,
    order_ref,
    plan_fulfilment,
    transactions,
)
from connector.modules.orders.options import OrderOptions

PAYLOADS = Path(__file__).parents[2] / "payloads" / "commercetools"
CATALOGUE = "PC:MASTER:1"


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def build(order: dict, opts: OrderOptions | None = None, key: str | None = None):
    opts = opts or OrderOptions()
    plan = plan_fulfilment(order, opts, key)
    return plan, order_input(
        order,
        customer_id="77",
        retailer_id="1",
        catalogue_ref=CATALOGUE,
        plan=plan,
        opts=opts,
    )


def test_home_delivery_eur_with_discounts_and_tax():
    plan, draft = build(load("orders_hd_eur.json"))
    assert (plan.type, plan.delivery_type, plan.source) == ("HD", "STANDARD", "default")
    assert draft["ref"] == "ORD-100042"
    assert draft["type"] == "HD"
    assert draft["retailer"] == {"id": "1"} and draft["customer"] == {"id": "77"}
    assert draft["totalPrice"] == 203.90 and draft["totalTaxPrice"] == 32.55
    runner, socks = draft["items"]
    assert runner == {
        "ref": "li-7c2e-0001",
        "productRef": "RUN-42-BLK",
        "productCatalogueRef": CATALOGUE,
        "quantity": 2,
        "price": 89.99,  # list price
        "paidPrice": 79.99,  # after the cart discount
        "totalPrice": 159.98,
        "taxPrice": 12.77,
        "totalTaxPrice": 25.54,
        "taxType": "VAT",
        "currency": "EUR",
        "attributes": [
            {"name": "ctLineItemId", "type": "STRING", "value": "li-7c2e-0001"}
        ],
    }
    assert (socks["paidPrice"], socks["taxPrice"], socks["totalTaxPrice"]) == (
        12.99,
        2.07,  # 6.22 / 3 rounded half-even to cents
        6.22,
    )
    choice = draft["fulfilmentChoice"]
    assert choice["deliveryType"] == "STANDARD" and choice["currency"] == "EUR"
    assert (choice["fulfilmentPrice"], choice["fulfilmentTaxPrice"]) == (4.95, 0.79)
    assert "pickupLocationRef" not in choice
    assert choice["deliveryAddress"] == {
        "ref": "ORD-100042-shipping",
        "name": "Jane Doe",
        "street": "Hauptstraße 12",
        "street2": "Hinterhaus",
        "city": "Berlin",
        "postcode": "10115",
        "country": "DE",
    }
    assert choice["deliveryInstruction"] == "Bitte beim Nachbarn abgeben"
    assert {
        "name": "ctOrderId",
        "type": "STRING",
        "value": load("orders_hd_eur.json")["id"],
    } in draft["attributes"]
    json.dumps(draft)  # plain JSON (no Decimals) for the GraphQL request


def test_click_and_collect_jpy_zero_fraction_digits():
    plan, draft = build(load("orders_cc_jpy_guest.json"))
    assert plan.type == "CC" and plan.pickup_location_ref == "STORE_TOKYO"
    assert draft["type"] == "CC"
    assert draft["fulfilmentChoice"] == {
        "deliveryType": "STANDARD",
        "currency": "JPY",
        "fulfilmentPrice": 0.0,
        "pickupLocationRef": "STORE_TOKYO",
    }
    tea, cup = draft["items"]
    assert (tea["price"], tea["paidPrice"], tea["totalPrice"]) == (
        1200.0,
        1200.0,
        3600.0,
    )
    assert (tea["taxPrice"], tea["totalTaxPrice"]) == (109.0, 327.0)
    # no line taxedPrice: tax derived from the included rate, rounded to whole yen
    assert (cup["totalPrice"], cup["totalTaxPrice"], cup["taxPrice"]) == (
        900.0,
        82.0,
        41.0,
    )
    # order totalTax absent: gross - net
    assert (draft["totalPrice"], draft["totalTaxPrice"]) == (4500.0, 409.0)


def test_three_fraction_digits_without_any_tax_data():
    opts = OrderOptions.from_mapping(
        {"shipping_methods": {"Express": {"type": "HD", "deliveryType": "EXPRESS"}}}
    )
    plan, draft = build(load("orders_kwd_untaxed_guest.json"), opts)
    assert (plan.delivery_type, plan.source) == ("EXPRESS", "shipping method Express")
    assert draft["ref"] == "a8f4c2d1-7e6b-4a59-8c3d-2b1a0f9e8d7c"  # no orderNumber
    assert draft["totalPrice"] == 24.005 and "totalTaxPrice" not in draft
    big, small = draft["items"]
    assert big["price"] == 12.5 and big["currency"] == "KWD"
    assert (small["price"], small["paidPrice"], small["totalPrice"]) == (
        3.335,
        3.335,
        10.005,
    )
    assert "taxPrice" not in small and "totalTaxPrice" not in small
    choice = draft["fulfilmentChoice"]
    assert choice["fulfilmentPrice"] == 1.5 and "fulfilmentTaxPrice" not in choice
    assert choice["deliveryAddress"]["street2"] == "Tower B, 12"
    assert choice["deliveryAddress"]["name"] == "Fahad"


def test_net_prices_and_number_first_street():
    order = load("orders_kwd_untaxed_guest.json")
    order["shippingAddress"] = {
        "firstName": "Al",
        "lastName": "Smith",
        "streetName": "Main St",
        "streetNumber": "500",
        "city": "Austin",
        "state": "TX",
        "postalCode": "73301",
        "country": "US",
        "company": "ACME",
    }
    line = order["lineItems"][0]
    line["taxRate"] = {"amount": 0.0825, "includedInPrice": False, "country": "US"}
    _, draft = build(order)
    # 12.500 net + 8.25 % -> 13.531 gross (tax rounded half-even to 3 digits)
    assert draft["items"][0]["totalTaxPrice"] == 1.031
    assert draft["items"][0]["totalPrice"] == 13.531
    addr = draft["fulfilmentChoice"]["deliveryAddress"]
    assert addr["street"] == "500 Main St" and addr["state"] == "TX"
    assert addr["companyName"] == "ACME" and addr["name"] == "Al Smith"


def test_ref_prefix_and_item_refs():
    opts = OrderOptions.from_mapping({"ref_prefix": "CT-", "item_ref": "sku"})
    order = load("orders_hd_eur.json")
    _, draft = build(order, opts)
    assert draft["ref"] == "CT-ORD-100042" == order_ref(order, opts)
    assert [i["ref"] for i in draft["items"]] == ["RUN-42-BLK", "SOCK-3PK"]
    order["lineItems"][1]["variant"]["sku"] = "RUN-42-BLK"
    with pytest.raises(PermanentError, match="not unique"):
        build(order, opts)


def test_shipping_method_mapping_to_click_and_collect():
    order = load("orders_hd_eur.json")
    opts = OrderOptions.from_mapping(
        {
            "shipping_methods": {
                "pickup-berlin": {
                    "type": "CC",
                    "deliveryType": "EXPRESS",
                    "pickupLocationRef": "STORE_BERLIN",
                },
                "Standard": {"type": "HD", "deliveryType": "OVERNIGHT"},
            }
        }
    )
    # the key (resolved by the service) wins over the name
    plan, draft = build(order, opts, key="pickup-berlin")
    assert (plan.type, plan.pickup_location_ref) == ("CC", "STORE_BERLIN")
    assert draft["fulfilmentChoice"]["pickupLocationRef"] == "STORE_BERLIN"
    assert "deliveryAddress" not in draft["fulfilmentChoice"]
    assert draft["fulfilmentChoice"]["deliveryType"] == "EXPRESS"
    plan, _ = build(order, opts, key=None)
    assert (plan.type, plan.delivery_type) == ("HD", "OVERNIGHT")


def test_cc_rule_without_location_needs_the_custom_field():
    opts = OrderOptions.from_mapping({"shipping_methods": {"Standard": {"type": "CC"}}})
    order = load("orders_hd_eur.json")
    with pytest.raises(PermanentError, match="no pickup location"):
        build(order, opts)
    order["custom"] = {"fields": {"pickupLocationRef": "STORE_7"}}
    plan, _ = build(order, opts)
    assert plan.pickup_location_ref == "STORE_7"


def test_missing_address_sku_and_items_are_permanent_errors():
    order = load("orders_hd_eur.json")
    del order["shippingAddress"]
    with pytest.raises(PermanentError, match="no shippingAddress"):
        build(order)
    order = load("orders_hd_eur.json")
    del order["lineItems"][0]["variant"]["sku"]
    with pytest.raises(PermanentError, match="has no SKU"):
        build(order)
    order = load("orders_hd_eur.json")
    order["lineItems"] = []
    with pytest.raises(PermanentError, match="no line items"):
        build(order)


def test_payment_transactions_successful_charge_and_authorization_only():
    order = load("orders_hd_eur.json")
    payments = [ref["obj"] for ref in order["paymentInfo"]["payments"]]
    opts = OrderOptions.from_mapping({"card_type_field": "cardType"})
    txs = transactions(payments, opts)
    assert [t["ref"] for t in txs] == ["tx-auth-5d1c", "tx-charge-5d1c"]
    assert txs[1] == {
        "ref": "tx-charge-5d1c",
        "type": "PAYMENT",
        "amount": 203.9,
        "currency": "EUR",
        "paymentMethod": "CREDIT_CARD",
        "paymentProvider": "adyen",
        "externalTransactionId": "8815-CAPT",
        "externalTransactionCode": "PSP-8815-3321",
        "cardType": "VISA",
    }
    assert txs[0]["type"] == "AUTHORISATION"
    only_charges = OrderOptions.from_mapping(
        {"transaction_types": {"Charge": "PAYMENT"}}
    )
    assert [t["ref"] for t in transactions(payments, only_charges)] == [
        "tx-charge-5d1c"
    ]
    bare = copy.deepcopy(payments)
    bare[0].pop("paymentMethodInfo")
    assert transactions(bare, OrderOptions())[0]["paymentMethod"] == "UNKNOWN"


@pytest.mark.parametrize(
    ("money_in", "expected"),
    [
        ({"currencyCode": "EUR", "centAmount": 1999, "fractionDigits": 2}, "19.99"),
        ({"currencyCode": "JPY", "centAmount": 1999, "fractionDigits": 0}, "1999"),
        ({"currencyCode": "KWD", "centAmount": 1999, "fractionDigits": 3}, "1.999"),
        ({"currencyCode": "JPY", "centAmount": 500}, "500"),  # ISO default digits
        ({"currencyCode": "BHD", "centAmount": 500}, "0.5"),
        (
            {
                "type": "highPrecision",
                "currencyCode": "EUR",
                "centAmount": 1,
                "preciseAmount": 1234,
                "fractionDigits": 5,
            },
            "0.01234",
        ),
    ],
)
def test_money_amounts_never_assume_two_digits(money_in, expected):
    assert money.amount(money_in) == Decimal(expected)


def test_delivery_address_clips_to_fluent_limits():
    addr = delivery_address(
        {"country": "de", "city": "x" * 300, "postalCode": " 10115 "},
        "R" * 120,
        OrderOptions(),
    )
    assert len(addr["city"]) == 255 and len(addr["ref"]) == 100
    assert addr["postcode"] == "10115" and addr["country"] == "DE"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"bogus": 1}, "unknown option"),
        ({"item_ref": "name"}, "modules.orders.item_ref"),
        ({"shipping_methods": {"x": {"type": "XX"}}}, "shipping_methods.x.type"),
        (
            {"shipping_methods": {"x": {"type": "HD", "pickupLocationRef": "S"}}},
            "only for type CC",
        ),
        ({"transaction_states": "Success"}, "transaction_states"),
        ({"tax_type": ""}, "modules.orders.tax_type"),
    ],
)
def test_bad_options_name_the_setting(raw, problem):
    with pytest.raises(ConfigError, match=problem):
        OrderOptions.from_mapping(raw)


def test_ct_order_cache_seconds_is_an_option_of_the_orders_section() -> None:
    assert OrderOptions().ct_order_cache_seconds == 60.0
    assert (
        OrderOptions.from_mapping({"ct_order_cache_seconds": 0}).ct_order_cache_seconds
        == 0.0
    )
    assert (
        OrderOptions.from_mapping({"ct_order_cache_seconds": 5}).ct_order_cache_seconds
        == 5.0
    )
    for bad in ("60", True, -1, 3601):
        with pytest.raises(ConfigError, match="modules.orders.ct_order_cache_seconds"):
            OrderOptions.from_mapping({"ct_order_cache_seconds": bad})
