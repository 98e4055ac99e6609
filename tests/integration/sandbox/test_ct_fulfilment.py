"""commercetools sandbox: line item state transitions, deliveries, parcels and tracking."""

from __future__ import annotations

from tests.integration.sandbox.ct_order_support import _error, _order


def test_line_item_state_transitions(ct_orders):
    order = _order(ct_orders)
    line = order["lineItems"][0]["id"]

    def move(version: int, qty: int, source: str, target: str):
        return ct_orders.update(
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

    updated = ct_orders.ok(move(1, 2, "Initial", "picked"))
    states = {s["state"]["id"]: s["quantity"] for s in updated["lineItems"][0]["state"]}
    assert sorted(states.values()) == [1, 2]
    assert _error(move(2, 3, "picked", "shipped")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "shipped", "picked")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "Initial", "fluent-booked")) == (400, "InvalidOperation")
    assert _error(move(2, 1, "Initial", "nope")) == (400, "ReferencedResourceNotFound")
    ct_orders.ok(move(2, 2, "picked", "shipped"))
    assert _error(move(3, 1, "shipped", "picked")) == (
        400,
        "InvalidOperation",
    )  # no transition
    msg = ct_orders.ok(
        ct_orders.get(
            "/messages", where='type = "LineItemStateTransition"', sort="createdAt asc"
        )
    )["results"][0]
    assert msg["lineItemId"] == line and msg["quantity"] == 2
    assert msg["transitionDate"] == "2026-11-23T10:00:00.000Z"
    imported = ct_orders.ok(
        ct_orders.update(
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


def test_deliveries_parcels_and_tracking(ct_orders):
    order = _order(ct_orders)
    path, line = f"/orders/{order['id']}", order["lineItems"][0]["id"]
    updated = ct_orders.ok(
        ct_orders.update(
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
    updated = ct_orders.ok(
        ct_orders.update(
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
    tracking_url = ct_orders.update(
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
        ct_orders.update(path, 3, {"action": "addDelivery", "deliveryKey": "ful-1"})
    ) == (400, "DuplicateField")
    assert _error(
        ct_orders.update(
            path,
            3,
            {"action": "addDelivery", "items": [{"id": "not-a-line", "quantity": 1}]},
        )
    ) == (400, "InvalidOperation")
    types = [
        m["type"]
        for m in ct_orders.ok(
            ct_orders.get(
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
    tracked = ct_orders.ok(
        ct_orders.get("/messages", where='type = "ParcelTrackingDataUpdated"')
    )
    assert tracked["results"][0]["parcelId"] == second["id"]
    bare = ct_orders.place_order(
        {"orderNumber": "NO-SHIP", "lineItems": [{"sku": "SKU-2", "quantity": 1}]}
    )
    no_shipping = ct_orders.update(
        f"/orders/{bare['id']}", 1, {"action": "addDelivery"}
    )
    assert _error(no_shipping) == (400, "InvalidOperation")
