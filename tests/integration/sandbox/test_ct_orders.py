"""commercetools sandbox: placing and importing orders, order states and their messages."""

from __future__ import annotations

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi

FIXTURE = {
    "states": [
        {"key": "fluent-booked", "type": "OrderState", "initial": True},
    ],
    "shippingMethods": [
        {
            "key": "standard",
            "name": "Standard",
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
    "customers": [{"email": "ann@example.com", "key": "ann"}],
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
        "customerEmail": "ann@example.com",
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


def test_placed_order_shape_and_order_created(ct):
    order = _order(ct)
    assert order["orderState"] == "Open" and order["paymentState"] == "Pending"
    assert order["totalPrice"]["centAmount"] == 3 * 2500 + 1000 + 495
    assert (
        order["taxedPrice"]["totalGross"]["centAmount"]
        == order["totalPrice"]["centAmount"]
    )
    line = order["lineItems"][0]
    assert (
        line["variant"]["sku"] == "SKU-1" and line["totalPrice"]["centAmount"] == 7500
    )
    initial = ct.ok(ct.get("/states/key=Initial"))
    assert initial["builtIn"] is True
    assert line["state"] == [
        {"quantity": 3, "state": {"typeId": "state", "id": initial["id"]}}
    ]
    by_number = ct.ok(
        ct.get("/orders/order-number=ORD-1", expand="shippingInfo.shippingMethod")
    )
    assert by_number["id"] == order["id"]
    assert by_number["shippingInfo"]["shippingMethod"]["obj"]["key"] == "standard"
    created = ct.ok(ct.get("/messages", where='type = "OrderCreated"'))["results"][0]
    assert created["order"]["id"] == order["id"]
    assert created["resourceUserProvidedIdentifiers"] == {"orderNumber": "ORD-1"}
    assert created["sequenceNumber"] == 1 and created["resourceVersion"] == 1
    assert (
        ct.control(
            "POST",
            "/orders",
            {"orderNumber": "X", "lineItems": [{"sku": "NOPE", "quantity": 1}]},
            400,
        )["errors"][0]["code"]
        == "InvalidOperation"
    )


def test_fixture_conveniences_customer_channels_and_custom_fields(ct):
    ct.seed(
        {
            "channels": [{"key": "store-ams"}],
            "types": [
                {
                    "key": "order-extra",
                    "name": "Extra",
                    "resourceTypeIds": ["order"],
                    "fieldDefinitions": [
                        {
                            "name": "giftWrap",
                            "type": {"name": "Boolean"},
                            "label": {"en": "Gift"},
                            "required": False,
                        }
                    ],
                }
            ],
        }
    )
    order = ct.place_order(
        {
            "orderNumber": "ORD-C",
            "customer": {"email": "ANN@example.com"},
            "lineItems": [
                {
                    "sku": "SKU-2",
                    "quantity": 2,
                    "supplyChannel": {"key": "store-ams"},
                    "price": {"currencyCode": "EUR", "centAmount": 900},
                }
            ],
            "taxedPrice": {
                "totalNet": {"currencyCode": "EUR", "centAmount": 1513},
                "totalGross": {"currencyCode": "EUR", "centAmount": 1800},
            },
            "custom": {"type": {"key": "order-extra"}, "fields": {"giftWrap": True}},
        }
    )
    customer = ct.ok(ct.get("/customers/key=ann"))
    assert order["customerId"] == customer["id"]
    assert order["customerEmail"] == "ann@example.com"
    assert order["totalPrice"]["centAmount"] == 1800 and "shippingInfo" not in order
    assert order["taxedPrice"]["totalNet"]["centAmount"] == 1513
    assert order["custom"]["fields"] == {"giftWrap": True}
    expanded = ct.ok(
        ct.get(f"/orders/{order['id']}", expand="lineItems[*].supplyChannel")
    )
    assert expanded["lineItems"][0]["supplyChannel"]["obj"]["key"] == "store-ams"


def test_order_import(ct):
    draft = {
        "orderNumber": "IMP-1",
        "totalPrice": {"currencyCode": "EUR", "centAmount": 1000},
        "lineItems": [
            {
                "name": {"en": "Ext"},
                "variant": {"sku": "EXT-1"},
                "quantity": 1,
                "price": {"value": {"currencyCode": "EUR", "centAmount": 1000}},
            }
        ],
        "orderState": "Confirmed",
    }
    resp = ct.post("/orders/import", draft)
    assert resp.status_code == 201
    assert resp.json()["orderState"] == "Confirmed"
    assert ct.ok(ct.get("/messages", where='type = "OrderImported"'))["total"] == 1
    assert _error(ct.post("/orders/import", draft)) == (400, "DuplicateField")
    bad = ct.post(
        "/orders/import", {**draft, "orderNumber": "IMP-2", "orderState": "Done"}
    )
    assert _error(bad) == (400, "InvalidJsonInput")
    assert _error(ct.post("/orders", {"cart": {"id": "c1"}, "version": 1})) == (
        400,
        "ReferencedResourceNotFound",
    )


def test_state_changes_and_messages_by_created_at(ct):
    order = _order(ct)
    since = order["createdAt"]
    updated = ct.ok(
        ct.update(
            "/orders/order-number=ORD-1",
            1,
            {"action": "changeOrderState", "orderState": "Confirmed"},
            {"action": "changePaymentState", "paymentState": "Paid"},
            {"action": "changeShipmentState", "shipmentState": "Ready"},
            {
                "action": "transitionState",
                "state": {"typeId": "state", "key": "fluent-booked"},
            },
        )
    )
    assert updated["version"] == 2 and updated["lastMessageSequenceNumber"] == 5
    bad = ct.update(
        f"/orders/{order['id']}",
        2,
        {"action": "changeShipmentState", "shipmentState": "Cancelled"},
    )
    assert _error(bad) == (400, "InvalidJsonInput")
    body = ct.ok(
        ct.get(
            "/messages",
            where=[f'createdAt >= "{since}"', 'resource(typeId = "order")'],
            sort=["createdAt asc", "id asc"],
        )
    )
    by_type = {m["type"]: m for m in body["results"]}
    assert set(by_type) == {
        "OrderCreated",
        "OrderStateChanged",
        "OrderPaymentStateChanged",
        "OrderShipmentStateChanged",
        "OrderStateTransition",
    }
    changed = by_type["OrderStateChanged"]
    assert (changed["orderState"], changed["oldOrderState"]) == ("Confirmed", "Open")
    assert by_type["OrderPaymentStateChanged"]["oldPaymentState"] == "Pending"
    assert sorted(m["sequenceNumber"] for m in body["results"]) == [1, 2, 3, 4, 5]
    later = ct.ok(
        ct.get("/messages", where=f'createdAt > "{body["results"][-1]["createdAt"]}"')
    )
    assert later["total"] == 0


def test_sync_info_and_order_number(ct):
    order = _order(ct)
    channel = ct.ok(
        ct.post("/channels", {"key": "fluent", "roles": ["OrderExport"]}), 201
    )
    updated = ct.ok(
        ct.update(
            f"/orders/{order['id']}",
            1,
            {
                "action": "updateSyncInfo",
                "externalId": "FL-9",
                "channel": {"typeId": "channel", "key": "fluent"},
            },
            {"action": "setOrderNumber", "orderNumber": "ORD-1B"},
        )
    )
    assert updated["syncInfo"][0]["channel"]["id"] == channel["id"]
    assert updated["syncInfo"][0]["externalId"] == "FL-9"
    assert ct.get("/orders/order-number=ORD-1B").status_code == 200
    assert ct.get("/orders/order-number=ORD-1").status_code == 404
    found = ct.ok(ct.get("/orders", where='orderNumber = "ORD-1B"'))
    assert found["total"] == 1
    stale = ct.api("DELETE", "/orders/order-number=ORD-1B", params={"version": 1})
    assert _error(stale) == (409, "ConcurrentModification")
    deleted = ct.api("DELETE", "/orders/order-number=ORD-1B", params={"version": 2})
    assert deleted.status_code == 200 and deleted.json()["orderNumber"] == "ORD-1B"
    assert ct.get(f"/orders/{order['id']}").status_code == 404
    gone = ct.ok(ct.get("/messages", where='type = "OrderDeleted"'))["results"]
    assert gone[0]["order"]["id"] == order["id"] and gone[0]["resourceVersion"] == 3
