"""Shared seed and helpers of the commercetools sandbox's order tests (custom fields,
line item states, deliveries): custom types, states, a shipping method, a small
catalogue, and helpers placing an order and reading an error code."""

from __future__ import annotations

from sandbox.commercetools.testing import CtSandboxApi

ENUM = {
    "name": "Enum",
    "values": [{"key": "HD", "label": "Home"}, {"key": "CC", "label": "C"}],
}


def _type(key: str, resource: str, *fields: tuple[str, dict, bool]) -> dict:
    definitions = [
        {"name": name, "type": ftype, "label": {"en": name}, "required": required}
        for name, ftype, required in fields
    ]
    return {
        "key": key,
        "name": key,
        "resourceTypeIds": [resource],
        "fieldDefinitions": definitions,
    }


FIXTURE = {
    "types": [
        _type(
            "fluent-line-item",
            "line-item",
            ("fluentStatus", {"name": "String"}, False),
            ("picked", {"name": "Number"}, False),
        ),
        _type(
            "fluent-order",
            "order",
            ("fluentOrderId", {"name": "String"}, True),
            ("channel", ENUM, False),
        ),
        _type(
            "fluent-parcel", "order-parcel", ("trackingUrl", {"name": "String"}, False)
        ),
    ],
    "states": [
        {"key": "picked", "type": "LineItemState", "transitions": ["shipped"]},
        {"key": "shipped", "type": "LineItemState", "transitions": []},
        {"key": "fluent-booked", "type": "OrderState", "initial": True},
    ],
    "shippingMethods": [
        {
            "key": "standard",
            "name": "Std",
            "price": {"currencyCode": "EUR", "centAmount": 495},
        }
    ],
    "products": [
        {
            "key": "runner",
            "name": "Runner",
            "published": True,
            "variants": [
                {
                    "sku": "SKU-1",
                    "prices": [{"currencyCode": "EUR", "centAmount": 2500}],
                },
                {
                    "sku": "SKU-2",
                    "prices": [{"currencyCode": "EUR", "centAmount": 1000}],
                },
            ],
        }
    ],
}


def _order(ct: CtSandboxApi, number: str = "ORD-1", **extra) -> dict:
    fixture = {
        "orderNumber": number,
        "shippingMethod": {"key": "standard"},
        "taxRate": 0.19,
        "lineItems": [{"sku": "SKU-1", "quantity": 3}, {"sku": "SKU-2", "quantity": 1}],
        "shippingAddress": {"country": "NL", "city": "Amsterdam"},
        "billingAddress": {"country": "NL"},
        "paymentState": "Pending",
        **extra,
    }
    return ct.place_order(fixture)


def _error(resp) -> tuple[int, str]:
    return resp.status_code, resp.json()["errors"][0]["code"]
