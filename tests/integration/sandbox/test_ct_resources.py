"""commercetools sandbox: channels, inventory, customers, versions and errors over HTTP."""

from __future__ import annotations

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    return api


def _messages(ct: CtSandboxApi, *types: str) -> list[dict]:
    quoted = ", ".join(f'"{t}"' for t in types)
    body = ct.ok(ct.get("/messages", where=f"type in ({quoted})", sort="createdAt asc"))
    # equal createdAt within one request: order by the per-resource sequence number
    return sorted(body["results"], key=lambda m: (m["createdAt"], m["sequenceNumber"]))


def test_channels_actions(ct):
    channel = ct.ok(ct.post("/channels", {"key": "store-ams"}), 201)
    assert channel["roles"] == ["InventorySupply"]
    ct.ok(
        ct.post(
            "/types",
            {
                "key": "store",
                "name": {"en": "Store"},
                "resourceTypeIds": ["channel"],
                "fieldDefinitions": [
                    {
                        "name": "phone",
                        "type": {"name": "String"},
                        "label": {"en": "Phone"},
                        "required": False,
                    }
                ],
            },
        ),
        201,
    )
    channel = ct.ok(
        ct.update(
            f"/channels/{channel['id']}",
            1,
            {"action": "changeName", "name": {"en": "Amsterdam"}},
            {"action": "addRoles", "roles": ["ProductDistribution"]},
            {"action": "setAddress", "address": {"country": "NL", "city": "Amsterdam"}},
            {
                "action": "setGeoLocation",
                "geoLocation": {"type": "Point", "coordinates": [4.9, 52.37]},
            },
            {
                "action": "setCustomType",
                "type": {"key": "store"},
                "fields": {"phone": "1"},
            },
            {"action": "setCustomField", "name": "phone", "value": "020-123"},
        )
    )
    assert channel["roles"] == ["InventorySupply", "ProductDistribution"]
    assert channel["custom"]["fields"] == {"phone": "020-123"}
    assert channel["version"] == 2
    empty = ct.update(
        f"/channels/{channel['id']}", 2, {"action": "setRoles", "roles": []}
    )
    assert empty.json()["errors"][0]["code"] == "InvalidOperation"
    bad_geo = ct.update(
        f"/channels/{channel['id']}",
        2,
        {
            "action": "setGeoLocation",
            "geoLocation": {"type": "Point", "coordinates": [200, 1]},
        },
    )
    assert bad_geo.status_code == 400
    bad_role = ct.update(
        f"/channels/{channel['id']}", 2, {"action": "addRoles", "roles": ["Warehouse"]}
    )
    assert bad_role.status_code == 400
    assert (
        ct.ok(ct.get(f"/channels/{channel['id']}"))["version"] == 2
    )  # nothing applied


def test_inventory_entries(ct):
    ams = ct.ok(ct.post("/channels", {"key": "store-ams"}), 201)
    entry = ct.ok(
        ct.post(
            "/inventory",
            {
                "sku": "SKU-1",
                "quantityOnStock": 10,
                "supplyChannel": {"typeId": "channel", "key": "store-ams"},
            },
        ),
        201,
    )
    assert entry["supplyChannel"] == {"typeId": "channel", "id": ams["id"]}
    assert entry["availableQuantity"] == 10
    dup = ct.post(
        "/inventory",
        {
            "sku": "SKU-1",
            "quantityOnStock": 1,
            "supplyChannel": {"typeId": "channel", "id": ams["id"]},
        },
    )
    assert (
        dup.status_code == 400 and dup.json()["errors"][0]["code"] == "DuplicateField"
    )
    ct.ok(
        ct.post("/inventory", {"sku": "SKU-1", "quantityOnStock": 1}), 201
    )  # no channel
    entry = ct.ok(
        ct.update(
            f"/inventory/{entry['id']}",
            1,
            {"action": "addQuantity", "quantity": 5},
            {"action": "removeQuantity", "quantity": 20},
            {
                "action": "setExpectedDelivery",
                "expectedDelivery": "2026-12-01T00:00:00Z",
            },
            {"action": "setRestockableInDays", "restockableInDays": 3},
        )
    )
    assert (entry["quantityOnStock"], entry["availableQuantity"]) == (-5, -5)
    assert entry["expectedDelivery"] == "2026-12-01T00:00:00.000Z"
    entry = ct.ok(
        ct.update(
            f"/inventory/{entry['id']}", 2, {"action": "changeQuantity", "quantity": 25}
        )
    )
    assert entry["availableQuantity"] == 25
    sets = _messages(ct, "InventoryEntryQuantitySet")
    assert [(m["oldQuantityOnStock"], m["newQuantityOnStock"]) for m in sets] == [
        (10, 15),
        (15, -5),
        (-5, 25),
    ]
    assert sets[0]["supplyChannel"]["id"] == ams["id"] and sets[0]["sku"] == "SKU-1"
    assert len(_messages(ct, "InventoryEntryCreated")) == 2
    deleted = ct.api("DELETE", f"/inventory/{entry['id']}", params={"version": 3})
    assert deleted.status_code == 200
    assert ct.get(f"/inventory/{entry['id']}").status_code == 404


def test_customers(ct):
    resp = ct.post(
        "/customers",
        {
            "email": "Ann@Example.com",
            "password": "secret",
            "firstName": "Ann",
            "addresses": [{"country": "DE"}],
            "defaultShippingAddress": 0,
        },
    )
    assert resp.status_code == 201
    customer = resp.json()["customer"]
    assert customer["defaultShippingAddressId"] == customer["addresses"][0]["id"]
    assert customer["shippingAddressIds"] == [customer["addresses"][0]["id"]]
    dup = ct.post("/customers", {"email": "ann@example.com", "password": "x"})
    assert dup.status_code == 400 and dup.json()["errors"][0]["field"] == "email"
    customer = ct.ok(
        ct.update(
            f"/customers/{customer['id']}",
            1,
            {"action": "setLastName", "lastName": "Smith"},
            {"action": "changeEmail", "email": "ann@example.org"},
        )
    )
    assert customer["lastName"] == "Smith" and customer["email"] == "ann@example.org"
    types = [
        m["type"] for m in ct.ok(ct.get("/messages", sort="createdAt asc"))["results"]
    ]
    assert types == ["CustomerCreated", "CustomerLastNameSet", "CustomerEmailChanged"]


def test_versions_errors_and_unknown_ids(ct):
    channel = ct.ok(ct.post("/channels", {"key": "c1"}), 201)
    path = f"/channels/{channel['id']}"
    ct.ok(ct.update(path, 1, {"action": "changeKey", "key": "c2"}))
    stale = ct.update(path, 1, {"action": "changeKey", "key": "c3"})
    assert stale.status_code == 409
    error = stale.json()
    assert error["statusCode"] == 409
    assert error["errors"][0]["code"] == "ConcurrentModification"
    assert error["errors"][0]["currentVersion"] == 2
    unknown = ct.update(path, 2, {"action": "setMood", "mood": "happy"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "InvalidInput"
    assert ct.ok(ct.get("/channels/key=c2"))["version"] == 2
    missing = ct.get("/channels/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "ResourceNotFound"
    assert (
        ct.update(
            "/channels/key=nope", 1, {"action": "changeKey", "key": "x"}
        ).status_code
        == 404
    )
    no_version = ct.post(path, {"actions": []})
    assert no_version.json()["errors"][0]["code"] == "InvalidJsonInput"
    bad_json = ct.api(
        "POST", "/channels", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["errors"][0]["code"] == "InvalidJsonInput"
