"""consignments: tracking URLs, one delivery per consignment, replays and changes."""

from __future__ import annotations

from connector.modules.consignments.actions import delivery_actions
from connector.modules.consignments.mapping import (
    TrackingUrls,
    delivery_key,
    plan_deliveries,
)

CON = {
    "ref": "CT-1-F1-C1",
    "status": "CREATED",
    "trackingLabel": "DH123",
    "labelUrl": "https://labels.example/DH123.pdf",
    "carrierRef": "DHL",
    "carrierName": "DHL Express",
}
ORDER = {
    "ref": "CT-1",
    "items": [{"id": "1", "ref": "L1"}, {"id": "2", "ref": "L2"}],
    "fulfilments": [
        {
            "ref": "F1",
            "items": [
                {"orderItemId": "1", "filledQuantity": 2},
                {"orderItemId": "2", "filledQuantity": 0},
            ],
            "consignments": [CON],
        }
    ],
}
MATCH = {"1": "L1", "2": "L2"}
URLS = TrackingUrls.from_options({})


def test_tracking_url_templates():
    assert URLS.url_for(CON, "CT-1") == (
        "https://www.dhl.com/en/express/tracking.html?AWB=DH123"
    )
    custom = TrackingUrls.from_options(
        {
            "tracking_url_templates": {
                "dhl express": "https://t.example/{carrierRef}/"
                "{trackingId}?o={orderRef}"
            }
        }
    )
    other = {**CON, "carrierRef": "NOPE"}  # matched by carrier name
    assert custom.url_for(other, "CT 1") == "https://t.example/NOPE/DH123?o=CT%201"
    unknown = {**CON, "carrierRef": "XYZ", "carrierName": "Xyz"}
    assert URLS.url_for(unknown, "CT-1") == CON["labelUrl"]  # default: the label URL
    assert URLS.url_for({**unknown, "labelUrl": None}, "CT-1") is None
    assert URLS.url_for({**CON, "trackingLabel": None}, "CT-1") is None
    off = TrackingUrls.from_options({"default_tracking_url": None})
    assert off.url_for(unknown, "CT-1") is None
    assert delivery_key("fluent-", "C 1/2") == "fluent-C-1-2"


def _order_with(deliveries):
    return {"shippingInfo": {"deliveries": deliveries}}


def _written_delivery():
    """The delivery as CT holds it after the first write (asserting that write)."""
    [plan] = plan_deliveries(ORDER, MATCH, URLS)
    assert plan.items == (("L1", 2),)
    [add] = delivery_actions(_order_with([]), [plan], "DT", "PT")
    assert add["action"] == "addDelivery" and add["deliveryKey"] == "fluent-CT-1-F1-C1"
    assert add["items"] == [{"id": "L1", "quantity": 2}]
    [parcel] = add["parcels"]
    assert parcel["key"] == "fluent-CT-1-F1-C1-parcel"
    assert parcel["trackingData"] == {"trackingId": "DH123", "carrier": "DHL Express"}
    assert parcel["custom"]["fields"]["trackingUrl"].endswith("AWB=DH123")
    assert add["custom"]["fields"] == {
        "fluentConsignmentRef": "CT-1-F1-C1",
        "fluentConsignmentStatus": "CREATED",
    }
    existing = {
        "id": "D1",
        "key": add["deliveryKey"],
        "items": add["items"],
        "custom": {"type": {"id": "DT"}, "fields": add["custom"]["fields"]},
        "parcels": [
            {
                "id": "P1",
                "key": parcel["key"],
                "items": parcel["items"],
                "trackingData": {**parcel["trackingData"], "isReturn": False},
                "custom": {"type": {"id": "PT"}, "fields": parcel["custom"]["fields"]},
            }
        ],
    }
    assert delivery_actions(_order_with([existing]), [plan], "DT", "PT") == []
    return existing


def test_new_consignment_becomes_one_delivery_and_replay_adds_nothing():
    _written_delivery()


def test_changes_update_in_place():
    existing = _written_delivery()
    moved = {**CON, "trackingLabel": "DH999", "status": "DELIVERED"}
    order = {
        **ORDER,
        "fulfilments": [{**ORDER["fulfilments"][0], "consignments": [moved]}],
    }
    [plan] = plan_deliveries(order, MATCH, URLS)
    actions = delivery_actions(_order_with([existing]), [plan], "DT", "PT")
    by_name = {a["action"]: a for a in actions}
    # our own type: only the changed fields are set (other fields of the type stay)
    assert set(by_name) == {
        "setDeliveryCustomField",
        "setParcelTrackingData",
        "setParcelCustomField",
    }
    assert by_name["setParcelTrackingData"] == {
        "action": "setParcelTrackingData",
        "parcelId": "P1",
        "trackingData": {"trackingId": "DH999", "carrier": "DHL Express"},
    }
    assert by_name["setDeliveryCustomField"] == {
        "action": "setDeliveryCustomField",
        "deliveryId": existing["id"],
        "name": "fluentConsignmentStatus",
        "value": "DELIVERED",
    }


def test_cancelled_consignment_gets_no_delivery_and_foreign_types_are_kept():
    cancelled = {**CON, "status": "CANCELLED"}
    order = {
        **ORDER,
        "fulfilments": [{**ORDER["fulfilments"][0], "consignments": [cancelled]}],
    }
    plans = plan_deliveries(order, MATCH, URLS)
    assert delivery_actions(_order_with([]), plans, "DT", "PT") == []
    foreign = {
        "id": "D1",
        "key": "fluent-CT-1-F1-C1",
        "items": [{"id": "L1", "quantity": 2}],
        "custom": {"type": {"id": "shop"}, "fields": {}},
        "parcels": [],
    }
    [action] = delivery_actions(_order_with([foreign]), plans, "DT", "PT")
    assert action["action"] == "addParcelToDelivery"  # its own parcel, type untouched
