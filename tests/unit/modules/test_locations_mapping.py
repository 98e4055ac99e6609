"""Location -> channel mapping and the channel update actions (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.modules.locations.actions import channel_actions
from connector.modules.locations.hours import InvalidSchedule, hhmm, opening_hours
from connector.modules.locations.mapping import (
    LocationRules,
    map_address,
    map_geo,
    plan_location,
)
from connector.sync.stream import Planned, Skip

FIXTURE = Path(__file__).parents[2] / "payloads" / "fluent" / "locations.json"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def location(ref: str) -> dict:
    """A fixture location shaped like the GraphQL answer (networks as a connection)."""
    spec = next(
        s for s in json.loads(FIXTURE.read_text())["locations"] if s["ref"] == ref
    )
    node = {**spec, "id": "42"}
    node["networks"] = {"edges": [{"node": {"ref": r}} for r in spec["networks"]]}
    return node


def plan(loc: dict, **rules) -> tuple[Planned | None, list[Skip]]:
    items = list(plan_location(loc, LocationRules(**rules)))
    planned = [i for i in items if isinstance(i, Planned)]
    return (planned[0] if planned else None), [i for i in items if isinstance(i, Skip)]


def schedule(**days: tuple[int, int]) -> dict:
    out: dict = {"allHours": False}
    for day in WEEK:
        start, end = days.get(day, (0, 0))
        out[f"{day}Start"], out[f"{day}End"] = start, end
    return out


# -- addresses ---------------------------------------------------------------------------
def test_address_fields_and_phone():
    address, reason = map_address(
        {
            "street": " 100 George Street ",
            "street2": "Level 2",
            "city": "Sydney",
            "state": "NSW",
            "postcode": "2000",
            "country": "AU",
            "region": "",
            "companyName": "Acme",
            "email": "store@example.com",
            "latitude": -33.8,
        },
        "+61 2 9000 0001",
    )
    assert reason is None
    assert address == {
        "country": "AU",
        "streetName": "100 George Street",
        "additionalStreetInfo": "Level 2",
        "postalCode": "2000",
        "city": "Sydney",
        "state": "NSW",
        "company": "Acme",
        "email": "store@example.com",
        "phone": "+61 2 9000 0001",
    }


@pytest.mark.parametrize(
    "raw, code",
    [("au", "AU"), (" NL ", "NL"), ("AUS", "AU"), ("deu", "DE"), ("UK", "GB")],
)
def test_country_normalised_to_alpha2(raw, code):
    address, reason = map_address({"country": raw, "city": "X"}, None)
    assert reason is None and address["country"] == code


@pytest.mark.parametrize("raw", ["EU", "Australia", "", None, "XX", 61])
def test_invalid_country_skips_address_with_reason(raw):
    address, reason = map_address({"country": raw, "city": "X"}, None)
    assert address is None
    assert "ISO 3166-1" in reason


def test_invalid_country_channel_still_planned_without_address():
    planned, skips = plan(location("LOC-EU"), network_ref="BASE_NETWORK")
    assert planned is not None and "address" not in planned.payload
    assert planned.payload["geoLocation"]["coordinates"] == [13.4132, 52.5219]
    assert [(s.key, "country 'EU'" in s.reason) for s in skips] == [
        ("LOC-EU#address", True)
    ]


# -- coordinates -------------------------------------------------------------------------
def test_geo_is_longitude_then_latitude():
    geo, reason = map_geo({"latitude": -33.8688, "longitude": 151.2093})
    assert reason is None
    assert geo == {"type": "Point", "coordinates": [151.2093, -33.8688]}


@pytest.mark.parametrize(
    "lat, lon, reason",
    [
        (None, 151.2, None),
        (0, 0, None),
        (0.0, 0.0, None),
        (95.0, 10.0, "out of range"),
        (10.0, -181.0, "out of range"),
        ("-33.8", "151.2", "not numbers"),
        (True, 1.0, "not numbers"),
    ],
)
def test_missing_or_bad_coordinates(lat, lon, reason):
    geo, why = map_geo({"latitude": lat, "longitude": lon})
    assert geo is None
    assert (why is None) if reason is None else (reason in why)


# -- opening hours -----------------------------------------------------------------------
def test_opening_hours_groups_consecutive_days():
    sched = location("LOC-SYD")["openingSchedule"]
    assert opening_hours(sched) == (
        "Mo-We 09:00-17:30; Th 09:00-21:00; Fr 09:00-17:30; Sa 10:00-16:00; Su off"
    )


@pytest.mark.parametrize(
    "sched, text",
    [
        ({"allHours": True}, "24/7"),
        (schedule(), "off"),
        (schedule(sat=(900, 1200), sun=(900, 1200)), "Mo-Fr off; Sa,Su 09:00-12:00"),
        (schedule(fri=(2200, 200)), "Mo-Th off; Fr 22:00-02:00; Sa,Su off"),
        (schedule(mon=(0, 2359)), "Mo 00:00-23:59; Tu-Su off"),
        (None, None),
    ],
)
def test_opening_hours_encoding(sched, text):
    assert opening_hours(sched) == text


@pytest.mark.parametrize("value", [975, 2500, -1, "0900", 2401])
def test_invalid_hhmm(value):
    with pytest.raises(InvalidSchedule):
        hhmm(value)


def test_invalid_schedule_keeps_raw_and_reports():
    loc = location("LOC-SYD")
    loc["openingSchedule"] = {**loc["openingSchedule"], "monEnd": 1775}
    planned, skips = plan(loc)
    fields = planned.payload["custom"]["fields"]
    assert "openingHours" not in fields
    assert json.loads(fields["openingSchedule"])["monEnd"] == 1775
    assert [s.key for s in skips] == ["LOC-SYD#openingHours"]


# -- statuses, roles, network ------------------------------------------------------------
def test_active_location_draft():
    planned, skips = plan(location("LOC-SYD"), locales=("en", "en-AU"))
    assert skips == []
    draft = planned.payload
    assert planned.key == "LOC-SYD" and draft["key"] == "LOC-SYD"
    assert draft["roles"] == ["InventorySupply", "ProductDistribution"]
    assert draft["name"] == {"en": "Sydney George St", "en-AU": "Sydney George St"}
    assert draft["custom"]["type"] == {"typeId": "type", "key": "fluent-location"}
    fields = draft["custom"]["fields"]
    assert fields["locationStatus"] == "ACTIVE" and fields["active"] is True
    assert fields["locationType"] == "STORE"
    assert (
        fields["fluentLocationId"] == "42" and fields["fluentLocationRef"] == "LOC-SYD"
    )
    assert fields["phone"] == "+61 2 9000 0001"
    assert fields["timeZone"] == "Australia/Sydney"


def test_inactive_location_is_marked_and_optionally_loses_inventory_supply():
    planned, _ = plan(location("LOC-OLD"))
    fields = planned.payload["custom"]["fields"]
    assert fields["locationStatus"] == "INACTIVE" and fields["active"] is False
    assert planned.payload["roles"] == ["InventorySupply", "ProductDistribution"]
    planned, _ = plan(location("LOC-OLD"), inactive_remove_inventory_supply=True)
    assert planned.payload["roles"] == ["ProductDistribution"]


def test_network_filter_and_key_prefix():
    planned, skips = plan(location("LOC-OTHER"), network_ref="BASE_NETWORK")
    assert planned is None and skips == [
        Skip("LOC-OTHER", "not in network BASE_NETWORK")
    ]
    planned, _ = plan(location("LOC-OTHER"), channel_key_prefix="fl-")
    assert planned.payload["key"] == "fl-LOC-OTHER" and planned.key == "LOC-OTHER"


def test_location_without_ref_is_skipped():
    assert plan({"id": "9", "ref": None}) == (None, [Skip("9", "location without ref")])


@pytest.mark.parametrize("ref", ["LOC:SYD", "LOC SYD", "X", "L" * 257])
def test_ref_that_is_no_valid_channel_key_is_skipped(ref):
    loc = {**location("LOC-SYD"), "ref": ref}
    planned, [skip] = plan(loc)
    assert planned is None and skip.key == ref and "valid channel key" in skip.reason


# -- update actions ----------------------------------------------------------------------
def channel_from(draft: dict, type_id: str = "type-1") -> dict:
    """What commercetools holds after creating ``draft``."""
    return {
        "id": "ch-1",
        "version": 3,
        "key": draft["key"],
        "roles": list(draft["roles"]),
        "name": dict(draft["name"]),
        "address": {"id": "addr-1", **draft["address"]},
        "geoLocation": draft["geoLocation"],
        "custom": {
            "type": {"typeId": "type", "id": type_id},
            "fields": dict(draft["custom"]["fields"]),
        },
    }


def test_unchanged_channel_needs_no_action():
    planned, _ = plan(location("LOC-SYD"))
    assert (
        channel_actions(channel_from(planned.payload), planned.payload, "type-1") == []
    )


def test_only_the_changed_parts_get_actions():
    planned, _ = plan(location("LOC-SYD"))
    current = channel_from(planned.payload)
    current["name"]["de"] = "Sydney (de)"
    loc = location("LOC-SYD")
    loc["name"] = "Sydney Town Hall"
    loc["supportPhoneNumber"] = "+61 2 9000 9999"
    loc["primaryAddress"]["latitude"] = -33.87
    new, _ = plan(loc)
    actions = channel_actions(current, new.payload, "type-1")
    assert [a["action"] for a in actions] == [
        "changeName",
        "setAddress",
        "setGeoLocation",
        "setCustomField",
    ]
    assert actions[0]["name"] == {"en": "Sydney Town Hall", "de": "Sydney (de)"}
    assert actions[1]["address"]["phone"] == "+61 2 9000 9999"
    assert actions[2]["geoLocation"]["coordinates"] == [151.2093, -33.87]
    assert actions[3] == {
        "action": "setCustomField",
        "name": "phone",
        "value": "+61 2 9000 9999",
    }


def test_roles_and_foreign_custom_type():
    planned, _ = plan(location("LOC-OLD"), inactive_remove_inventory_supply=True)
    current = channel_from(planned.payload, type_id="someone-elses")
    current["roles"] = ["InventorySupply", "Primary"]
    actions = channel_actions(current, planned.payload, "type-1")
    assert actions[0] == {"action": "addRoles", "roles": ["ProductDistribution"]}
    assert actions[1] == {"action": "removeRoles", "roles": ["InventorySupply"]}
    assert actions[2]["action"] == "setCustomType"
    assert actions[2]["type"] == {"typeId": "type", "id": "type-1"}
    assert actions[2]["fields"]["active"] is False


def test_cleared_field_is_unset_and_missing_address_left_alone():
    planned, _ = plan(location("LOC-SYD"))
    current = channel_from(planned.payload)
    loc = location("LOC-SYD")
    loc["supportPhoneNumber"] = None
    loc["primaryAddress"]["country"] = "EU"
    new, _ = plan(loc)
    actions = channel_actions(current, new.payload, "type-1")
    assert actions == [{"action": "setCustomField", "name": "phone"}]
