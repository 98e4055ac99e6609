"""The commercetools field profile: keys per profile, overrides, adoption checks, and
what the fluent profile writes (fulfilment metadata, store details, pickup field)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from connector.ct_fields import (
    CONNECTOR_KEYS,
    FLUENT_KEYS,
    IncompatibleType,
    check_compatible,
    incompatible_fields,
    profile_from,
)
from connector.errors import ConfigError
from connector.fluent_orders.ct_orders import match_line_items
from connector.modules.fulfilments.mapping import (
    custom_field_actions,
    is_stale,
    line_progress,
)
from connector.modules.locations.custom_type import profile_fields, type_draft
from connector.modules.locations.mapping import LocationRules, custom_fields
from connector.modules.orders.mapping import plan_fulfilment
from connector.modules.orders.options import OrderOptions


def test_default_is_fluent_and_keys_are_overridable() -> None:
    fluent = profile_from({})
    assert fluent.fluent and fluent.keys == FLUENT_KEYS
    assert fluent.label("parcel_type") == "Fluent Article"
    connector = profile_from({"ct_fields": "connector"})
    assert (
        not connector.fluent and connector.key("line_item_type") == "fluent-line-item"
    )
    assert set(CONNECTOR_KEYS) <= set(FLUENT_KEYS)
    custom = profile_from({"ct_field_keys": {"tracking_url": "flTrackingURL"}})
    assert custom.key("tracking_url") == "flTrackingURL"
    assert custom.key("parcel_type") == "flArticle"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"ct_fields": "fluentish"}, "ct_fields"),
        ({"ct_field_keys": {"nope": "x"}}, "ct_field_keys.nope"),
        ({"ct_field_keys": {"tracking_url": ""}}, "ct_field_keys.tracking_url"),
        ({"ct_fields": "connector", "ct_field_keys": {"store_email": "e"}},
         "ct_field_keys.store_email"),
        ({"ct_field_keys": ["x"]}, "ct_field_keys"),
    ],
)  # fmt: skip
def test_bad_settings_name_the_key(extra, named) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        profile_from(extra)


def test_incompatible_field_is_named_and_compatible_ones_pass() -> None:
    profile = profile_from({})
    wanted = type_draft("flStoreDetails", profile)["fieldDefinitions"]
    existing = {
        "key": "flStoreDetails",
        "fieldDefinitions": [
            {"name": "flType", "type": {"name": "String"}},
            {"name": "flLatitude", "type": {"name": "String"}},
            {"name": "flAttributes", "type": {"name": "Set",
                                              "elementType": {"name": "String"}}},
            {"name": "shopOnly", "type": {"name": "Boolean"}},
        ],
    }  # fmt: skip
    problems = incompatible_fields(existing, wanted)
    assert len(problems) == 2
    assert "'flStoreDetails' field 'flLatitude' is String" in problems[0]
    assert "needs Number" in problems[0]
    assert "'flAttributes' is ('Set', 'String')" in problems[1]
    with pytest.raises(IncompatibleType, match="flLatitude"):
        check_compatible(existing, wanted)
    check_compatible(
        {"key": "t", "fieldDefinitions": existing["fieldDefinitions"][:1]}, wanted
    )


SPLIT = {
    "ref": "O-1",
    "items": [{"id": "1", "ref": "L1", "productRef": "A"}],
    "fulfilments": [
        {"id": "11", "ref": "O-1-F1", "status": "PICK_PACK", "fromLocationRef": "DC",
         "updatedOn": "2026-11-29T10:00:00Z",
         "items": [{"orderItemId": "1", "status": "FULFILLED", "requestedQuantity": 1,
                    "filledQuantity": 1, "rejectedQuantity": 0}]},
        {"id": "12", "ref": "O-1-F2", "status": "AWAITING_WAVE",
         "fromLocationRef": "SHOP", "updatedOn": "2026-11-29T11:00:00Z",
         "items": [{"orderItemId": "1", "status": "CREATED", "requestedQuantity": 2,
                    "filledQuantity": 0, "rejectedQuantity": 0}]},
    ],
}  # fmt: skip


def test_fulfilment_metadata_has_one_entry_per_fulfilment() -> None:
    ct_order = {"lineItems": [{"id": "L1", "quantity": 3, "variant": {"sku": "A"}}]}
    progress = line_progress(SPLIT, match_line_items(ct_order, SPLIT["items"]))["L1"]
    value = progress.metadata({"DC": "Berlin DC", "SHOP": "Potsdam"})
    entries = json.loads(value)
    assert [(e["fulfilmentId"], e["fulfilmentLocationRef"]) for e in entries] == [
        ("11", "DC"),
        ("12", "SHOP"),
    ]
    assert entries[1] == {
        "fulfilmentId": "12", "fulfilmentRef": "O-1-F2",
        "fulfilmentLocationRef": "SHOP", "fulfilmentLocationName": "Potsdam",
        "fulfilmentStatus": "AWAITING_WAVE", "fulfilmentItemStatus": "CREATED",
        "requestedQuantity": 2, "filledQuantity": 0, "rejectedQuantity": 0,
        "updatedOn": "2026-11-29T11:00:00Z",
    }  # fmt: skip
    names = frozenset({"flFulfilmentMetadata"})
    wanted = {"flFulfilmentMetadata": value}
    [create] = custom_field_actions({"id": "L1"}, progress, "T", None, wanted, names)
    assert create["action"] == "setLineItemCustomType"
    # our type with a storefront value in another field: only our field is set
    line = {"id": "L1", "custom": {"type": {"id": "T"},
                                   "fields": {"flFulfilmentMetadata": "[]", "x": 1}}}  # fmt: skip
    [update] = custom_field_actions(line, progress, "T", None, wanted, names)
    assert update == {"action": "setLineItemCustomField", "lineItemId": "L1",
                      "name": "flFulfilmentMetadata", "value": value}  # fmt: skip
    written = {"id": "L1", "custom": {"type": {"id": "T"}, "fields": wanted}}
    assert custom_field_actions(written, progress, "T", None, wanted, names) == []
    newer = json.dumps([{"updatedOn": "2030-01-01T00:00:00Z"}])
    stale = {"custom": {"fields": {"flFulfilmentMetadata": newer}}}
    assert is_stale(stale, progress, "flFulfilmentMetadata")
    assert not is_stale(written, progress, "flFulfilmentMetadata")


def test_store_details_fields() -> None:
    profile = profile_from({})
    keys = {k: v for k, v in profile.keys.items() if k.startswith("store_")}
    location = {
        "id": "7", "ref": "S", "type": "STORE", "status": "ACTIVE",
        "supportPhoneNumber": "+61 2", "attributes": [{"name": "cc", "type": "BOOLEAN",
                                                       "value": True}],
        "primaryAddress": {"email": "s@x.example", "latitude": -33.1, "longitude": 151.2,
                           "timeZone": "Australia/Sydney"},
        "openingSchedule": {"allHours": True},
    }  # fmt: skip
    fields, _ = custom_fields(location, LocationRules(fluent_keys=keys))
    assert fields["flEmail"] == "s@x.example"
    assert (fields["flLatitude"], fields["flLongitude"]) == (-33.1, 151.2)
    assert json.loads(fields["flAttributes"]) == location["attributes"]
    assert json.loads(fields["flOpeningSchedule"])["allHours"] is True
    assert set(fields) <= {name for name, _, _ in profile_fields(profile)}


def test_pickup_from_fluent_custom_field_first() -> None:
    opts = dataclasses.replace(
        OrderOptions(), profile_pickup_field="flPickupLocationRef"
    )
    both = {
        "custom": {"fields": {"flPickupLocationRef": "S1", "pickupLocationRef": "S2"}}
    }
    plan = plan_fulfilment(both, opts)
    assert (plan.type, plan.pickup_location_ref) == ("CC", "S1")
    assert plan.source == "custom field flPickupLocationRef"
    ours = {"custom": {"fields": {"pickupLocationRef": "S2"}}}
    assert plan_fulfilment(ours, opts).pickup_location_ref == "S2"
    with pytest.raises(ConfigError, match="profile_pickup_field"):
        OrderOptions.from_mapping({"profile_pickup_field": "x"})


def test_a_bad_profile_stops_the_process_at_start(tmp_path) -> None:
    from connector.config import Config
    from connector.runtime import Runtime

    path = tmp_path / "connector.yml"
    path.write_text("ct_fields: fluentish\n")
    config = Config.from_env({"CONNECTOR_CONFIG": str(path)}, read_dotenv=False)
    with pytest.raises(ConfigError, match="ct_fields must be one of fluent, connector"):
        Runtime(config)
    path.write_text("ct_fields: connector\nct_field_keys: {tracking_url: url}\n")
    Runtime(Config.from_env({"CONNECTOR_CONFIG": str(path)}, read_dotenv=False))


def test_channel_with_another_type_having_our_fields_is_written_field_by_field():
    from connector.modules.locations.actions import custom_actions

    names = ("flEmail", "flType")
    draft = {"custom": {"fields": {"flEmail": "a@b.example", "flType": "STORE"}}}
    current = {
        "custom": {
            "type": {"id": "shop-type"},
            "fields": {"flType": "STORE", "pickup": True},
        }
    }
    both = frozenset({"flEmail", "flType", "pickup"})
    assert custom_actions(current, draft, "ours", names, both) == [
        {"action": "setCustomField", "name": "flEmail", "value": "a@b.example"}
    ]
    lacking = frozenset({"flType", "pickup"})
    [replace] = custom_actions(current, draft, "ours", names, lacking)
    assert replace["action"] == "setCustomType"
