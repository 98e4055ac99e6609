"""commercetools sandbox: custom Types and custom field validation on orders and lines."""

from __future__ import annotations

import pytest
import requests

from connector.sandbox.commercetools.testing import CtSandboxApi

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


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    api.seed(FIXTURE)
    return api


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


def test_custom_type_validation(ct):
    order = _order(ct)
    path, line = f"/orders/{order['id']}", order["lineItems"][0]["id"]

    def custom(*actions):
        return ct.update(path, 1, *actions)

    assert _error(custom({"action": "setCustomType", "type": {"key": "nope"}})) == (
        400,
        "ReferencedResourceNotFound",
    )
    assert _error(
        custom({"action": "setCustomType", "type": {"key": "fluent-line-item"}})
    ) == (400, "InvalidOperation")
    assert _error(
        custom({"action": "setCustomType", "type": {"key": "fluent-order"}})
    ) == (400, "RequiredField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": 5},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "channel": "XX"},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "extra": 1},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "fluentStatus",
                "value": "X",
            }
        )
    ) == (400, "InvalidOperation")
    updated = ct.ok(
        custom(
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "channel": "HD"},
            },
            {
                "action": "setLineItemCustomType",
                "lineItemId": line,
                "type": {"key": "fluent-line-item"},
                "fields": {"fluentStatus": "ALLOCATED"},
            },
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "picked",
                "value": 2,
            },
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "fluentStatus",
            },
        )
    )
    assert updated["custom"]["fields"] == {"fluentOrderId": "F1", "channel": "HD"}
    assert updated["lineItems"][0]["custom"]["fields"] == {"picked": 2}
    bad_number = ct.update(
        path,
        2,
        {
            "action": "setLineItemCustomField",
            "lineItemId": line,
            "name": "picked",
            "value": "two",
        },
    )
    assert _error(bad_number) == (400, "InvalidField")
    removal = ct.update(path, 2, {"action": "setCustomField", "name": "fluentOrderId"})
    assert _error(removal) == (400, "RequiredField")
