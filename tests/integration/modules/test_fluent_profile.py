"""The ``fluent`` field profile (ct_fields): what Fluent's own connector writes on
commercetools — line item fulfilment metadata (split over two locations), consignment
deliveries with parcels, "Fluent Store Details" channels — and existing types adopted
(fields added, storefront values kept) or refused when a field has another type."""

from __future__ import annotations

import json

import pytest
import requests
from test_locations_sync import channels, seed_locations
from test_order_lifecycle_support import Scenario, ct_deliveries, line_fields

from connector.ct_fields import IncompatibleType
from tests.support.profiles import use_profile

LOCATIONS = [
    {
        "ref": "DC_BER",
        "name": "Berlin DC",
        "type": "WAREHOUSE",
        "defaultCarrier": "DHL",
        "primaryAddress": {"street": "Lagerstrasse 1", "city": "Berlin",
                           "postcode": "10115", "country": "DE"},
    },
    {
        "ref": "STORE_POT",
        "name": "Potsdam Store",
        "type": "STORE",
        "defaultCarrier": "DHL",
        "primaryAddress": {"street": "Brandenburger Str. 1", "city": "Potsdam",
                           "postcode": "14467", "country": "DE"},
    },
]  # fmt: skip
# SHIRT-M (2 ordered): one at each location; SHIRT-L (1): Berlin -> a split order
INVENTORY = [
    {"productRef": "SHIRT-M", "locationRef": "DC_BER", "onHand": 1},
    {"productRef": "SHIRT-L", "locationRef": "DC_BER", "onHand": 1},
    {"productRef": "SHIRT-M", "locationRef": "STORE_POT", "onHand": 1},
]


@pytest.fixture
def scenario(connected, monkeypatch) -> Scenario:
    connected.runtime.caches.clear()  # types and Fluent settings of earlier tests
    use_profile(connected, monkeypatch, "fluent")
    return Scenario(connected)


def _metadata(order: dict, sku: str) -> list[dict]:
    raw = line_fields(order)[sku].get("flFulfilmentMetadata")
    return json.loads(raw) if raw else []


def test_split_fulfilment_and_consignments_use_fluent_fields(connected, scenario):
    scenario.fixture["fluent"]["locations"] = LOCATIONS
    scenario.fixture["fluent"]["inventory"] = INVENTORY
    number = "CT-FL-1"
    scenario.seed(number, notify_received=False)

    scenario.advance(number, "BOOKED")
    order = scenario.wait_order(
        number,
        lambda o: len(_metadata(o, "SHIRT-M")) == 2 and _metadata(o, "SHIRT-L"),
        "both fulfilments on the line items",
    )
    type_doc = connected.runtime.ct().get("types/key=flFulfilment")
    assert type_doc["name"] == {"en": "Fluent Fulfilment Metadata"}
    [line] = [li for li in order["lineItems"] if li["variant"]["sku"] == "SHIRT-M"]
    assert line["custom"]["type"]["id"] == type_doc["id"]
    entries = _metadata(order, "SHIRT-M")
    by_location = {e["fulfilmentLocationRef"]: e for e in entries}
    assert set(by_location) == {"DC_BER", "STORE_POT"}
    assert by_location["DC_BER"]["fulfilmentLocationName"] == "Berlin DC"
    assert by_location["STORE_POT"]["fulfilmentLocationName"] == "Potsdam Store"
    assert {e["fulfilmentStatus"] for e in entries} == {"AWAITING_WAVE"}
    assert [e["requestedQuantity"] for e in entries] == [1, 1]
    assert all(e["fulfilmentId"] for e in entries)
    assert len({e["fulfilmentId"] for e in entries}) == 2
    [l_entry] = _metadata(order, "SHIRT-L")
    assert l_entry["fulfilmentLocationRef"] == "DC_BER"

    scenario.advance(number, "AWAITING_COURIER_COLLECTION")
    order = scenario.wait_order(
        number,
        lambda o: (
            len(ct_deliveries(o)) == 2
            and all(e["filledQuantity"] == 1 for e in _metadata(o, "SHIRT-M"))
        ),
        "two consignments delivered to CT",
    )
    scenario.settle()
    assert scenario.failures() == []
    ct = connected.runtime.ct()
    delivery_type = ct.get("types/key=flConsignment")
    parcel_type = ct.get("types/key=flArticle")
    assert parcel_type["name"] == {"en": "Fluent Article"}
    assert [d["name"] for d in parcel_type["fieldDefinitions"]] == ["flTrackingUrl"]
    refs = set()
    for delivery in ct_deliveries(order):
        custom = delivery["custom"]
        assert custom["type"]["id"] == delivery_type["id"]
        assert custom["fields"]["flConsignmentStatus"] == "CREATED"
        refs.add(custom["fields"]["flConsignmentRef"])
        [parcel] = delivery["parcels"]
        assert parcel["custom"]["type"]["id"] == parcel_type["id"]
        label = parcel["trackingData"]["trackingId"]
        assert parcel["custom"]["fields"]["flTrackingUrl"] == (
            f"https://www.dhl.com/en/express/tracking.html?AWB={label}"
        )
    assert refs == {f"{number}-F1-C1", f"{number}-F2-C1"}


def _seed_store_details(connected, type_fields: list[dict], channel: dict | None):
    resp = requests.post(
        f"{connected.ct_url}/_sandbox/seed",
        json={
            "messages": False,
            "types": [
                {
                    "key": "flStoreDetails",
                    "name": {"en": "Fluent Store Details"},
                    "resourceTypeIds": ["channel"],
                    "fieldDefinitions": type_fields,
                }
            ],
            "channels": [channel] if channel else [],
        },
        timeout=10,
    )
    assert resp.status_code < 300, resp.text


def _field(name: str, kind: str) -> dict:
    return {"name": name, "label": {"en": name}, "required": False,
            "type": {"name": kind}}  # fmt: skip


def test_location_sync_writes_store_details(connected, monkeypatch):
    use_profile(connected, monkeypatch, "fluent")
    seed_locations(connected)
    result = connected.run_sync("locations")
    assert result.status == "succeeded", result.stats.failures
    type_doc = connected.runtime.ct().get("types/key=flStoreDetails")
    assert type_doc["name"] == {"en": "Fluent Store Details"}
    assert {d["name"] for d in type_doc["fieldDefinitions"]} == {
        "flType", "flStatus", "flEmail", "flPhoneNo", "flLatitude", "flLongitude",
        "flTimezone", "flOpeningSchedule", "flAttributes",
    }  # fmt: skip
    syd = channels(connected)["LOC-SYD"]
    fields = syd["custom"]["fields"]
    assert syd["custom"]["type"]["id"] == type_doc["id"]
    assert fields["flEmail"] == "sydney@example.com"
    assert (fields["flLatitude"], fields["flLongitude"]) == (-33.8688, 151.2093)
    assert (fields["flType"], fields["flStatus"]) == ("STORE", "ACTIVE")
    assert fields["flPhoneNo"] == "+61 2 9000 0001"
    assert fields["flTimezone"] == "Australia/Sydney"
    assert json.loads(fields["flOpeningSchedule"])["thuEnd"] == 2100
    assert json.loads(fields["flAttributes"]) == [
        {"name": "clickAndCollect", "type": "BOOLEAN", "value": True}
    ]


def test_existing_store_details_adopted_and_storefront_value_kept(
    connected, monkeypatch
):
    use_profile(connected, monkeypatch, "fluent")
    _seed_store_details(
        connected,
        [_field("flType", "String"), _field("flPickupEnabled", "Boolean")],
        None,
    )
    type_id = connected.runtime.ct().get("types/key=flStoreDetails")["id"]
    _seed_store_details_channel(connected, type_id)
    result = connected.run_sync("locations")
    assert result.status == "succeeded", result.stats.failures
    type_doc = connected.runtime.ct().get("types/key=flStoreDetails")
    assert type_doc["id"] == type_id
    names = [d["name"] for d in type_doc["fieldDefinitions"]]
    assert names[:2] == ["flType", "flPickupEnabled"]  # kept, in place
    assert {"flEmail", "flLatitude", "flLongitude", "flAttributes"} <= set(names)
    syd = channels(connected)["LOC-SYD"]
    assert syd["custom"]["type"]["id"] == type_id
    fields = syd["custom"]["fields"]
    assert fields["flPickupEnabled"] is True  # the storefront's value is unchanged
    assert fields["flType"] == "STORE" and fields["flEmail"] == "sydney@example.com"


def _seed_store_details_channel(connected, type_id: str) -> None:
    resp = requests.post(
        f"{connected.ct_url}/_sandbox/seed",
        json={
            "messages": False,
            "channels": [
                {
                    "key": "LOC-SYD",
                    "roles": ["InventorySupply"],
                    "name": {"en": "Sydney (storefront)"},
                    "custom": {
                        "type": {"typeId": "type", "id": type_id},
                        "fields": {"flPickupEnabled": True, "flType": "SHOP"},
                    },
                }
            ],
        },
        timeout=10,
    )
    assert resp.status_code < 300, resp.text
    seed_locations(connected)


def test_incompatible_existing_field_fails_naming_type_and_field(
    connected, monkeypatch
):
    use_profile(connected, monkeypatch, "fluent")
    _seed_store_details(
        connected, [_field("flType", "String"), _field("flLatitude", "String")], None
    )
    before = connected.runtime.ct().get("types/key=flStoreDetails")
    seed_locations(connected)
    with pytest.raises(IncompatibleType) as failed:
        connected.run_sync("locations")
    message = str(failed.value)
    assert "'flStoreDetails'" in message and "'flLatitude'" in message
    assert "String" in message and "Number" in message
    after = connected.runtime.ct().get("types/key=flStoreDetails")
    assert after["version"] == before["version"]  # no field added
    assert after["fieldDefinitions"] == before["fieldDefinitions"]
    assert channels(connected) == {}  # no channel written


def test_incompatible_delivery_type_fails_the_consignment_message(connected, scenario):
    number = "CT-FL-2"
    delivery_type = {
        "key": "flConsignment",
        "name": {"en": "Fluent Consignment"},
        "resourceTypeIds": ["order-delivery"],
        "fieldDefinitions": [_field("flConsignmentStatus", "Number")],
    }
    scenario.seed(number, ct_types=[delivery_type], notify_received=False)
    scenario.advance(number, "AWAITING_COURIER_COLLECTION")
    scenario.settle()
    [failed] = [
        row
        for row in scenario.rows("fc.connect.order.webhook.consignment-update")
        if row.status == "failed"
    ]
    assert "'flConsignment' field 'flConsignmentStatus' is Number" in failed.last_error
    ct = connected.runtime.ct()
    assert ct.get_or_none("types/key=flArticle") is None  # checked before creating
    assert ct.get("types/key=flConsignment")["version"] == 1
    assert ct_deliveries(scenario.order(number)) == []
