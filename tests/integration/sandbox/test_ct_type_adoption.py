"""commercetools sandbox: the update actions that adopt an existing Type without
breaking it — ``addFieldDefinition`` and ``set…CustomField`` on channels, orders, line
items, deliveries and parcels keep every other field's value."""

from __future__ import annotations

from tests.integration.sandbox.ct_order_support import _error, _order


def _field(name: str, kind: str = "String") -> dict:
    return {"name": name, "type": {"name": kind}, "label": {"en": name},
            "required": False}  # fmt: skip


def _make_type(ct, key: str, resource: str, *names: str) -> dict:
    return ct.ok(
        ct.post(
            "/types",
            {"key": key, "name": {"en": key}, "resourceTypeIds": [resource],
             "fieldDefinitions": [_field(n) for n in names]},
        ),
        201,
    )  # fmt: skip


def test_add_field_definition_appends_and_keeps_values(ct_orders):
    ct = ct_orders
    type_doc = _make_type(ct, "store-details", "channel", "flType", "shopNote")
    channel = ct.ok(
        ct.post(
            "/channels",
            {"key": "shop-1", "roles": ["InventorySupply"],
             "custom": {"type": {"key": "store-details"},
                        "fields": {"flType": "STORE", "shopNote": "keep me"}}},
        ),
        201,
    )  # fmt: skip
    added = ct.ok(
        ct.update(
            f"/types/{type_doc['id']}",
            type_doc["version"],
            {"action": "addFieldDefinition", "fieldDefinition": _field("flEmail")},
            {"action": "addFieldDefinition",
             "fieldDefinition": _field("flLatitude", "Number")},
        )
    )  # fmt: skip
    assert added["version"] == type_doc["version"] + 1
    assert [d["name"] for d in added["fieldDefinitions"]] == [
        "flType", "shopNote", "flEmail", "flLatitude",
    ]  # fmt: skip
    dup = ct.update(
        f"/types/{added['id']}",
        added["version"],
        {"action": "addFieldDefinition", "fieldDefinition": _field("flType")},
    )
    assert _error(dup) == (400, "DuplicateField")

    updated = ct.ok(
        ct.update(
            f"/channels/{channel['id']}",
            channel["version"],
            {"action": "setCustomField", "name": "flEmail", "value": "a@b.example"},
            {"action": "setCustomField", "name": "flLatitude", "value": -33.86},
        )
    )
    assert updated["custom"]["fields"] == {
        "flType": "STORE", "shopNote": "keep me", "flEmail": "a@b.example",
        "flLatitude": -33.86,
    }  # fmt: skip
    wrong = ct.update(
        f"/channels/{channel['id']}",
        updated["version"],
        {"action": "setCustomField", "name": "flLatitude", "value": "north"},
    )
    assert _error(wrong) == (400, "InvalidField")


def test_set_custom_field_on_order_parts_keeps_other_fields(ct_orders):
    ct = ct_orders
    _make_type(ct, "fl-order", "order", "flPickupLocationRef", "shopNote")
    _make_type(ct, "fl-line", "line-item", "flFulfilmentMetadata", "shopNote")
    _make_type(ct, "fl-delivery", "order-delivery", "flConsignmentRef", "shopNote")
    _make_type(ct, "fl-parcel", "order-parcel", "flTrackingUrl", "shopNote")
    note = {"shopNote": "keep me"}
    order = _order(ct, custom={"type": {"key": "fl-order"}, "fields": dict(note)})
    line = order["lineItems"][0]["id"]
    path = f"/orders/{order['id']}"
    order = ct.ok(
        ct.update(
            path,
            order["version"],
            {"action": "setLineItemCustomType", "lineItemId": line,
             "type": {"key": "fl-line"}, "fields": dict(note)},
            {"action": "addDelivery", "deliveryKey": "d1",
             "items": [{"id": line, "quantity": 1}],
             "parcels": [{"key": "p1", "custom": {"type": {"key": "fl-parcel"},
                                                  "fields": dict(note)}}],
             "custom": {"type": {"key": "fl-delivery"}, "fields": dict(note)}},
        )
    )  # fmt: skip
    order = ct.ok(
        ct.update(
            path,
            order["version"],
            {"action": "setCustomField", "name": "flPickupLocationRef", "value": "S1"},
            {"action": "setLineItemCustomField", "lineItemId": line,
             "name": "flFulfilmentMetadata", "value": "[]"},
            {"action": "setDeliveryCustomField", "deliveryKey": "d1",
             "name": "flConsignmentRef", "value": "C1"},
            {"action": "setParcelCustomField", "parcelKey": "p1",
             "name": "flTrackingUrl", "value": "https://t.example/1"},
        )
    )  # fmt: skip
    [delivery] = order["shippingInfo"]["deliveries"]
    [parcel] = delivery["parcels"]
    [first] = [li for li in order["lineItems"] if li["id"] == line]
    assert order["custom"]["fields"] == {**note, "flPickupLocationRef": "S1"}
    assert first["custom"]["fields"] == {**note, "flFulfilmentMetadata": "[]"}
    assert delivery["custom"]["fields"] == {**note, "flConsignmentRef": "C1"}
    assert parcel["custom"]["fields"] == {
        **note,
        "flTrackingUrl": "https://t.example/1",
    }
