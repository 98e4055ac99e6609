"""commercetools sandbox: line item state transitions, deliveries, parcels and tracking."""

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


def test_line_item_state_transitions(ct):
    order = _order(ct)
    line = order["lineItems"][0]["id"]

    def move(version: int, qty: int, source: str, target: str):
        return ct.update(
            f"/orders/{order['id']}",
            version,
            {
                "action": "transitionLineItemState",
                "lineItemId": line,
                "quantity": qty,
                "fromState": {"typeId": "state", "key": source},
                "toState": {"typeId": "state", "key": target},
                "actualTransitionDate": "2026-11-23T10:00:00Z",
            },
        )

    updated = ct.ok(move(1, 2, "Initial", "picked"))
    states = {s["state"]["id"]: s["quantity"] for s in updated["lineItems"][0]["state"]}
    assert sorted(states.values()) == [1, 2]
    assert _error(move(2, 3, "picked", "shipped")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "shipped", "picked")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "Initial", "fluent-booked")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "Initial", "nope")) == (400, "ReferencedResourceNotFound")
    ct.ok(move(2, 2, "picked", "shipped"))
    assert _error(move(3, 1, "shipped", "picked")) == (
        400,
        "InvalidOperation",
    )  # no transition
    msg = ct.ok(
        ct.get(
            "/messages", where='type = "LineItemStateTransition"', sort="createdAt asc"
        )
    )["results"][0]
    assert msg["lineItemId"] == line and msg["quantity"] == 2
    assert msg["transitionDate"] == "2026-11-23T10:00:00.000Z"
    imported = ct.ok(
        ct.update(
            f"/orders/{order['id']}",
            3,
            {
                "action": "importLineItemState",
                "lineItemId": line,
                "state": [{"quantity": 3, "state": {"key": "shipped"}}],
            },
        )
    )
    assert [s["quantity"] for s in imported["lineItems"][0]["state"]] == [3]


def test_deliveries_parcels_and_tracking(ct):
    order = _order(ct)
    path, line = f"/orders/{order['id']}", order["lineItems"][0]["id"]
    updated = ct.ok(
        ct.update(
            path,
            1,
            {
                "action": "addDelivery",
                "deliveryKey": "ful-1",
                "items": [{"id": line, "quantity": 2}],
                "address": {"country": "NL", "city": "Amsterdam"},
                "parcels": [
                    {
                        "key": "ful-1-p1",
                        "measurements": {"weightInGram": 850},
                        "trackingData": {"trackingId": "3SABC", "carrier": "PostNL"},
                        "items": [{"id": line, "quantity": 2}],
                    }
                ],
            },
        )
    )
    delivery = updated["shippingInfo"]["deliveries"][0]
    parcel = delivery["parcels"][0]
    assert delivery["key"] == "ful-1" and delivery["items"] == [
        {"id": line, "quantity": 2}
    ]
    assert parcel["trackingData"] == {
        "trackingId": "3SABC",
        "carrier": "PostNL",
        "isReturn": False,
    }
    updated = ct.ok(
        ct.update(
            path,
            2,
            {
                "action": "addParcelToDelivery",
                "deliveryKey": "ful-1",
                "parcelKey": "ful-1-p2",
            },
            {
                "action": "setParcelTrackingData",
                "parcelKey": "ful-1-p2",
                "trackingData": {
                    "trackingId": "3SXYZ",
                    "carrier": "DHL",
                    "isReturn": False,
                },
            },
            {
                "action": "setParcelCustomType",
                "parcelKey": "ful-1-p2",
                "type": {"key": "fluent-parcel"},
                "fields": {"trackingUrl": "https://t/3SXYZ"},
            },
            {
                "action": "setDeliveryItems",
                "deliveryId": delivery["id"],
                "items": [{"id": line, "quantity": 3}],
            },
        )
    )
    second = updated["shippingInfo"]["deliveries"][0]["parcels"][1]
    assert second["trackingData"]["trackingId"] == "3SXYZ"
    assert second["custom"]["fields"]["trackingUrl"] == "https://t/3SXYZ"
    assert updated["shippingInfo"]["deliveries"][0]["items"][0]["quantity"] == 3
    tracking_url = ct.update(
        path,
        3,
        {
            "action": "setParcelTrackingData",
            "parcelKey": "ful-1-p2",
            "trackingData": {"trackingUrl": "https://x"},
        },
    )
    assert _error(tracking_url) == (400, "InvalidJsonInput")
    assert _error(
        ct.update(path, 3, {"action": "addDelivery", "deliveryKey": "ful-1"})
    ) == (400, "DuplicateField")
    assert _error(
        ct.update(
            path,
            3,
            {"action": "addDelivery", "items": [{"id": "not-a-line", "quantity": 1}]},
        )
    ) == (400, "InvalidOperation")
    types = [
        m["type"]
        for m in ct.ok(
            ct.get(
                "/messages",
                where='resource(typeId = "order") and type != "OrderCreated"',
                sort="createdAt asc",
                limit=50,
            )
        )["results"]
    ]
    assert types == [
        "DeliveryAdded",
        "ParcelAddedToDelivery",
        "ParcelAddedToDelivery",
        "ParcelTrackingDataUpdated",
        "DeliveryItemsUpdated",
    ]
    tracked = ct.ok(ct.get("/messages", where='type = "ParcelTrackingDataUpdated"'))
    assert tracked["results"][0]["parcelId"] == second["id"]
    bare = ct.place_order(
        {"orderNumber": "NO-SHIP", "lineItems": [{"sku": "SKU-2", "quantity": 1}]}
    )
    no_shipping = ct.update(f"/orders/{bare['id']}", 1, {"action": "addDelivery"})
    assert _error(no_shipping) == (400, "InvalidOperation")
