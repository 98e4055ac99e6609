"""Customers mapping: CT customer / guest data -> Fluent customer input (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.errors import ConfigError, PermanentError
from connector.fluent_customers.mapping import (
    changed_fields,
    plan_guest,
    plan_registered,
    username_for,
)
from connector.fluent_customers.options import CustomerOptions

PAYLOADS = Path(__file__).parents[2] / "payloads" / "commercetools"


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def test_username_rule_retailer_prefix_or_plain_email():
    assert username_for(" Jane.Doe@Example.com ", "7", "retailer_email") == (
        "7_jane.doe@example.com"
    )
    assert username_for("Jane.Doe@Example.com", "7", "email") == "jane.doe@example.com"
    with pytest.raises(PermanentError, match="too long"):
        username_for("x" * 250 + "@example.com", "1", "email")


def test_registered_customer_full_mapping():
    opts = CustomerOptions.from_mapping(
        {"timezone_field": "timezone", "promotion_opt_in_field": "newsletter"}
    )
    plan = plan_registered(load("customers_registered.json"), "1", opts)
    assert plan.username == "1_jane.doe@example.com"
    assert plan.create == {
        "username": "1_jane.doe@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "title": "Dr.",
        "primaryEmail": "Jane.Doe@Example.com",
        "primaryPhone": "+49 30 1234567",  # default shipping address
        "country": "DE",
        "timezone": "Europe/Berlin",
        "promotionOptIn": True,
        "retailer": {"id": "1"},
        "attributes": [
            {
                "name": "ctCustomerId",
                "type": "STRING",
                "value": "3b7d2f0a-8c61-4f5e-b1a4-6d9e2c4f7a10",
            },
            {"name": "ctCustomerNumber", "type": "STRING", "value": "C-10042"},
        ],
    }
    # explicit values from CT are updatable; they include time zone and opt-in
    assert plan.update["timezone"] == "Europe/Berlin"
    assert plan.update["promotionOptIn"] is True


def test_minimal_customer_uses_documented_fallbacks():
    plan = plan_registered(load("customers_minimal.json"), "1", CustomerOptions())
    assert plan.create["firstName"] == "Customer"
    assert plan.create["timezone"] == "UTC"
    assert plan.create["promotionOptIn"] is False
    assert "lastName" not in plan.create and "country" not in plan.create
    # fallbacks never overwrite Fluent's values
    assert plan.update == {"primaryEmail": "no.name@example.org"}


def test_timezone_from_country_and_configured_default():
    customer = load("customers_registered.json")
    customer.pop("custom")
    customer["defaultShippingAddressId"] = "addr-nl"
    plan = plan_registered(customer, "1", CustomerOptions())
    assert plan.create["timezone"] == "Europe/Amsterdam"
    assert "timezone" not in plan.update
    # the NL phone is longer than Fluent's 20 characters: dropped, not truncated
    assert "primaryPhone" not in plan.create
    customer["addresses"][0]["country"] = "US"
    opts = CustomerOptions.from_mapping(
        {"default_timezone": "America/New_York", "default_first_name": "Guest"}
    )
    assert plan_registered(customer, "1", opts).create["timezone"] == "America/New_York"
    opts = CustomerOptions.from_mapping(
        {"country_timezones": {"us": "America/Chicago"}}
    )
    assert plan_registered(customer, "1", opts).create["timezone"] == "America/Chicago"


def test_names_fall_back_to_address_and_are_clipped():
    customer = load("customers_minimal.json")
    customer["addresses"] = [
        {"id": "a", "country": "FR", "firstName": "Ã" * 80, "lastName": "Martin"}
    ]
    plan = plan_registered(customer, "1", CustomerOptions())
    assert plan.create["firstName"] == "Ã" * 50
    assert plan.create["lastName"] == "Martin"
    assert plan.create["timezone"] == "Europe/Paris"


def test_guest_customer_from_order_addresses():
    billing = {"country": "JP", "firstName": "Hana", "mobile": "+81 90 1234 5678"}
    shipping = {"country": "JP", "firstName": "Store", "lastName": "Tokyo"}
    plan = plan_guest(
        "Hana.Sato@Example.jp", [None, billing, shipping], "1", CustomerOptions()
    )
    assert plan.username == "1_hana.sato@example.jp"
    assert plan.create["firstName"] == "Hana"
    assert plan.create["lastName"] == "Tokyo"  # first address that has one
    assert plan.create["primaryPhone"] == "+81 90 1234 5678"
    assert plan.create["timezone"] == "Asia/Tokyo"
    assert plan.update == {}
    with pytest.raises(PermanentError, match="customerEmail"):
        plan_guest("", [billing], "1", CustomerOptions())


def test_changed_fields_only_differences():
    current = {
        "id": "5",
        "firstName": "Jane",
        "lastName": "Old",
        "primaryEmail": "a@b.c",
    }
    wanted = {"firstName": "Jane", "lastName": "Doe", "primaryEmail": "a@b.c", "x": 1}
    assert changed_fields(current, wanted) == {"lastName": "Doe"}


def test_customer_without_email_is_permanent():
    customer = load("customers_minimal.json")
    customer["email"] = ""
    with pytest.raises(PermanentError, match="has no email"):
        plan_registered(customer, "1", CustomerOptions())


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"username_rule": "customer_number"}, "modules.customers.username_rule"),
        ({"lookup_by_email": "yes"}, "modules.customers.lookup_by_email"),
        ({"country_timezones": ["DE"]}, "country_timezones"),
        ({"nope": 1}, "unknown option"),
    ],
)
def test_bad_options_name_the_setting(raw, problem):
    with pytest.raises(ConfigError, match=problem):
        CustomerOptions.from_mapping(raw)
