"""products mapping from realistic CT product projections: refs, locales, variants
without SKU, category refs, gtin rule, typed attributes, status and options."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.errors import ConfigError
from connector.modules.products.mapping import (
    NO_SKU,
    MappingContext,
    deleted_product,
    map_product,
)
from connector.modules.products.options import ProductOptions
from connector.sync.stream import Planned, Skip

PAYLOADS = Path(__file__).parents[2] / "payloads" / "commercetools"
CAT = "PC:MASTER:2"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CATEGORY_REFS = {
    "1a2b3c4d-0000-4000-8000-000000000002": "women-shoes",
    "0b000000-0000-4000-8000-000000000003": "0b000000-0000-4000-8000-000000000003",
}


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def mapped(product: dict[str, Any], raw: dict[str, Any] | None = None, **ctx: Any):
    options = ProductOptions.from_mapping(raw or {}, CAT)
    context = MappingContext(
        options=options, now=NOW, category_refs=CATEGORY_REFS, **ctx
    )
    items = map_product(product, context)
    planned = {p.payload["ref"]: p for p in items if isinstance(p, Planned)}
    skips = [s for s in items if isinstance(s, Skip)]
    return planned, skips


def test_standard_product_and_variants_with_refs_levels_and_links() -> None:
    planned, skips = mapped(load("products_sneaker.json"), {"locale": "en-GB"})
    assert list(planned) == [
        "trail-runner",
        "TR-42-BLK",
        "TR-43-BLK",
        "TR-44-RED-LIMITED-EDITION",
    ]
    standard = planned["trail-runner"]
    assert (standard.key, standard.level) == (
        "p:5e6f7a8b-0000-4000-8000-0000000000a1",
        0,
    )
    assert standard.payload["kind"] == "standard"
    assert standard.payload["type"] == "STANDARD"
    assert standard.payload["name"] == "Trail Runner"
    assert standard.payload["summary"].startswith("Grippy, light trail")
    assert standard.payload["status"] == "ACTIVE"
    assert standard.payload["_variants"] == sorted(
        ["TR-42-BLK", "TR-43-BLK", "TR-44-RED-LIMITED-EDITION"]
    )
    variant = planned["TR-43-BLK"]
    assert (variant.key, variant.level, variant.target_ref) == (
        "v:TR-43-BLK",
        1,
        "TR-43-BLK",
    )
    assert variant.payload["type"] == "VARIANT"
    assert variant.payload["product"] == {
        "ref": "trail-runner",
        "catalogue": {"ref": CAT},
    }
    assert variant.payload["name"] == "Trail Runner"
    # the unknown (deleted) category id is left out; refs come from the categories map
    assert [c["ref"] for c in variant.payload["categories"]] == [
        "women-shoes",
        "0b000000-0000-4000-8000-000000000003",
    ]
    assert variant.payload["categories"][0]["catalogue"] == {"ref": CAT}
    assert skips == [Skip("p:5e6f7a8b-0000-4000-8000-0000000000a1#3", NO_SKU)]


def test_locale_fallbacks_and_missing_fields() -> None:
    planned, _ = mapped(
        load("products_sneaker.json"),
        {"locale": "nl-NL", "fallback_locales": ["de-DE"]},
    )
    assert planned["trail-runner"].payload["name"] == "Traillaufschuh"
    assert (
        planned["TR-42-BLK"].payload["summary"] == "Griffiger, leichter Traillaufschuh."
    )
    minimal = load("products_minimal.json")
    planned, skips = mapped(minimal)
    standard = planned[minimal["id"]]  # no key: the id is the ref
    assert standard.payload["name"] == "Chaussettes"  # no 'en': first locale present
    assert "summary" not in standard.payload
    assert standard.payload["categories"] == []
    assert standard.payload["prices"] == [] and standard.payload["attributes"] == []
    # gtin fallback: the SKU for the variant; the 36-char id does not fit -> placeholder
    assert planned["SOCK-1"].payload["gtin"] == "SOCK-1"
    assert standard.payload["gtin"] == "NOTAVAILABLE"
    assert skips == []


def test_default_price_rule_one_base_price_per_currency() -> None:
    planned, _ = mapped(load("products_sneaker.json"))
    assert planned["TR-42-BLK"].payload["prices"] == [
        {"type": "DEFAULT", "currency": "EUR", "value": 129.99},
        {"type": "DEFAULT", "currency": "GBP", "value": 109.995},  # expired one skipped
        {"type": "DEFAULT", "currency": "JPY", "value": 19800},
        {"type": "DEFAULT", "currency": "USD", "value": 139.99},
    ]
    # the standard product carries the master variant's prices
    assert (
        planned["trail-runner"].payload["prices"]
        == planned["TR-42-BLK"].payload["prices"]
    )
    assert planned["TR-44-RED-LIMITED-EDITION"].payload["prices"] == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"currency": "EUR", "country": "DE"}, 119.99),
        ({"currency": "EUR", "country": "DE", "channel_id": "ch-outlet"}, 109.99),
        (
            {"currency": "EUR", "channel_id": "ch-outlet"},
            129.99,
        ),  # no channel-only price
        ({"currency": "EUR", "country": "AT"}, 129.99),  # falls back to the base price
        ({"currency": "EUR", "customer_group_id": "cg-vip", "country": "DE"}, 99.99),
        ({"currency": "USD", "discounted": True}, 111.99),
        ({"currency": "CHF"}, None),
    ],
)
def test_price_rules_follow_commercetools_selection(
    rule: dict, expected: float | None
) -> None:
    planned, _ = mapped(
        load("products_sneaker.json"), {"prices": [{"type": "RRP", **rule}]}
    )
    prices = planned["TR-42-BLK"].payload["prices"]
    if expected is None:
        assert prices == []
    else:
        assert prices == [
            {"type": "RRP", "currency": rule["currency"], "value": expected}
        ]


def test_several_rules_first_wins_per_type_and_currency() -> None:
    raw = {
        "prices": [
            {"type": "DEFAULT", "currency": "EUR", "country": "DE"},
            {"type": "DEFAULT", "currency": "EUR"},
            {"type": "SALE", "currency": "USD", "discounted": True},
        ]
    }
    planned, _ = mapped(load("products_sneaker.json"), raw)
    assert planned["TR-42-BLK"].payload["prices"] == [
        {"type": "DEFAULT", "currency": "EUR", "value": 119.99},
        {"type": "SALE", "currency": "USD", "value": 111.99},
    ]


def test_gtin_from_configured_attributes_with_documented_fallbacks() -> None:
    raw = {"gtin_attribute": ["ean", "gtin"]}
    planned, _ = mapped(load("products_sneaker.json"), raw)
    assert planned["TR-42-BLK"].payload["gtin"] == "4006381333931"
    assert planned["trail-runner"].payload["gtin"] == "4006381333931"  # master's
    assert planned["TR-43-BLK"].payload["gtin"] == "TR-43-BLK"  # ean > 20 chars
    assert planned["TR-44-RED-LIMITED-EDITION"].payload["gtin"] == "00012345600012"
    raw = {
        "gtin_attribute": "ean",
        "gtin_fallback": "placeholder",
        "gtin_placeholder": "NONE",
    }
    planned, _ = mapped(load("products_sneaker.json"), raw)
    assert planned["TR-43-BLK"].payload["gtin"] == "NONE"
    assert planned["TR-44-RED-LIMITED-EDITION"].payload["gtin"] == "NONE"
    assert all(len(p.payload["gtin"]) <= 20 for p in planned.values())


def test_selected_attributes_are_typed() -> None:
    raw = {
        "locale": "de-DE",
        "attributes": [
            "brand",
            {"name": "color"},
            {"name": "color", "fluent_name": "colorKey", "use": "key"},
            {"name": "size"},
            {"name": "weight_g", "type": "INTEGER"},
            {"name": "weight_g", "fluent_name": "weightFloat", "type": "FLOAT"},
            {"name": "waterproof", "type": "BOOLEAN"},
            {"name": "features"},
            {"name": "features", "fluent_name": "featureList", "type": "JSON"},
            {"name": "rrp", "type": "FLOAT"},
            {"name": "material"},
            {"name": "not-there"},
        ],
    }
    planned, _ = mapped(load("products_sneaker.json"), raw)
    attrs = {
        a["name"]: (a["type"], a["value"])
        for a in planned["TR-42-BLK"].payload["attributes"]
    }
    assert attrs == {
        "brand": ("STRING", "Kestrel"),  # product-level attribute
        "color": ("STRING", "Schwarz"),
        "colorKey": ("STRING", "black"),
        "size": ("STRING", "42"),
        "weight_g": ("INTEGER", 285),
        "weightFloat": ("FLOAT", 285.0),
        "waterproof": ("BOOLEAN", True),
        "features": ("STRING", "vibram-sole, recycled"),
        "featureList": ("JSON", ["vibram-sole", "recycled"]),
        "rrp": ("FLOAT", 149.99),
        "material": ("STRING", "Recyceltes Netzgewebe"),
        "imageUrl": ("STRING", "https://images.example.com/tr-42-blk-1.jpg"),
    }
    attrs = {a["name"]: a["value"] for a in planned["TR-43-BLK"].payload["attributes"]}
    assert "weight_g" not in attrs  # "291.5" is not an integer: left out
    assert attrs["weightFloat"] == 291.5
    assert "waterproof" not in attrs  # "yes" is not a boolean
    assert "imageUrl" not in attrs  # no image


def test_inactive_status_and_deleted_product() -> None:
    planned, _ = mapped(load("products_sneaker.json"), status="INACTIVE")
    assert {p.payload["status"] for p in planned.values()} == {"INACTIVE"}
    stone = deleted_product("pid", "trail-runner", CAT)
    assert stone.key == "p:pid"
    assert stone.payload["status"] == "INACTIVE"
    assert stone.payload["_only_if_exists"] and stone.payload["_variants"] == []


def test_too_long_refs_are_skipped_not_crashed() -> None:
    product = load("products_minimal.json")
    product["key"] = "k" * 101
    planned, skips = mapped(product)
    assert planned == {}
    assert skips[0].reason == "product ref longer than 100 characters"
    product = load("products_minimal.json")
    product["masterVariant"]["sku"] = "S" * 101
    planned, skips = mapped(product)
    assert list(planned) == [product["id"]]
    assert skips[0].reason == "SKU longer than 100 characters"


def test_options_validation_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"modules\.products\.attributes\.0\.type"):
        ProductOptions.from_mapping(
            {"attributes": [{"name": "a", "type": "DATE"}]}, CAT
        )
    with pytest.raises(ConfigError, match=r"modules\.products\.prices\.0"):
        ProductOptions.from_mapping(
            {"prices": [{"channel": "store", "channel_id": "id"}]}, CAT
        )
    with pytest.raises(ConfigError, match=r"modules\.products\.gtin_placeholder"):
        ProductOptions.from_mapping({"gtin_placeholder": "X" * 21}, CAT)
    opts = ProductOptions.from_mapping({"batch_size": 1, "max_in_flight": 2}, CAT)
    assert (opts.stream.batch_size, opts.stream.max_in_flight) == (1, 2)
