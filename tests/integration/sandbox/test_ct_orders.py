"""commercetools sandbox: orders, states, custom fields, deliveries and order messages."""

from __future__ import annotations

import pytest
import requests

from connector.sandbox.commercetools.testing import CtSandboxApi

FIXTURE = {
    "types": [
        {
            "key": "fluent-line-item",
            "name": "Fluent line item",
            "resourceTypeIds": ["line-item"],
            "fieldDefinitions": [
                {
                    "name": "fluentStatus",
                    "type": {"name": "String"},
                    "label": {"en": "S"},
                    "required": False,
                },
                {
                    "name": "picked",
                    "type": {"name": "Number"},
                    "label": {"en": "P"},
                    "required": False,
                },
            ],
        },
        {
            "key": "fluent-order",
            "name": "Fluent order",
            "resourceTypeIds": ["order"],
            "fieldDefinitions": [
                {
                    "name": "fluentOrderId",
                    "type": {"name": "String"},
                    "label": {"en": "Id"},
                    "required": True,
                },
                {
                    "name": "channel",
                    "type": {
                        "name": "Enum",
                        "values": [
                            {"key": "HD", "label": "Home"},
                            {"key": "CC", "label": "Collect"},
                        ],
                    },
                    "label": {"en": "C"},
                    "required": False,
                },
            ],
        },
        {
            "key": "fluent-parcel",
            "name": "Parcel",
            "resourceTypeIds": ["order-parcel"],
            "fieldDefinitions": [
                {
                    "name": "trackingUrl",
                    "type": {"name": "String"},
                    "label": {"en": "URL"},
                    "required": False,
                }
            ],
        },
    ],
    "states": [
        {"key": "picked", "type": "LineItemState", "transitions": ["shipped"]},
        {"key": "shipped", "type": "LineItemState", "transitions": []},
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
