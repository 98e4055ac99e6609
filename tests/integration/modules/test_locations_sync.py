"""Locations sync against both sandboxes: channels created, re-runs free, changes exact."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from connector.modules.locations.stream import build
from connector.store import fingerprints
from connector.sync.engine import SyncEngine
from tests.support.profiles import use_profile

FIXTURE = Path(__file__).parents[2] / "payloads" / "fluent" / "locations.json"
SYNCED = {"LOC-SYD", "LOC-AMS", "LOC-DC", "LOC-EU", "LOC-OLD"}


@pytest.fixture(autouse=True)
def connector_profile(connected, monkeypatch) -> None:
    """These tests assert the ``connector`` field profile's names."""
    use_profile(connected, monkeypatch, "connector")


def seed_locations(connected, *, only: set[str] | None = None, **changes) -> None:
    """Seed the fixture an hour in the past, or re-seed ``only`` (updatedOn = now)."""
    fixture = json.loads(FIXTURE.read_text())
    if only is None:
        fixture["timestamp"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    else:
        fixture = {
            "locations": [
                {**spec, **changes}
                for spec in fixture["locations"]
                if spec["ref"] in only
            ]
        }
    resp = requests.post(
        f"{connected.fluent_url}/_sandbox/seed", json=fixture, timeout=10
    )
    resp.raise_for_status()


def ct_calls(connected) -> dict[str, int]:
    counts = requests.get(f"{connected.ct_url}/_sandbox/calls", timeout=10).json()
    return {k: n for k, n in counts["counts"].items() if "/oauth/" not in k}


def reset_calls(connected) -> None:
    for url in (connected.ct_url, connected.fluent_url):
        requests.delete(f"{url}/_sandbox/calls", timeout=10).raise_for_status()


def channels(connected) -> dict[str, dict]:
    found = connected.runtime.ct().query("channels", limit=500)["results"]
    return {c["key"]: c for c in found}


def test_location_sync_creates_updates_and_marks_channels(connected):
    seed_locations(connected)
    result = connected.run_sync("locations")
    stats = result.stats
    assert result.status == "succeeded", stats.failures
    assert (stats.read, stats.created, stats.failed) == (6, 5, 0)
    assert stats.skip_reasons == {
        "not in network BASE_NETWORK": 1,
        "address not synced: country 'EU' is not an ISO 3166-1 code": 1,
    }

    type_id = connected.runtime.ct().get("types/key=fluent-location")["id"]
    by_key = channels(connected)
    assert set(by_key) == SYNCED
    syd = by_key["LOC-SYD"]
    assert syd["roles"] == ["InventorySupply", "ProductDistribution"]
    assert syd["name"] == {"en": "Sydney George St"}
    assert syd["address"]["country"] == "AU"
    assert syd["address"]["streetName"] == "100 George Street"
    assert syd["address"]["postalCode"] == "2000"
    assert syd["geoLocation"] == {"type": "Point", "coordinates": [151.2093, -33.8688]}
    assert syd["custom"]["type"]["id"] == type_id
    fields = syd["custom"]["fields"]
    assert fields["fluentLocationRef"] == "LOC-SYD" and fields["fluentLocationId"]
    assert (fields["locationType"], fields["locationStatus"]) == ("STORE", "ACTIVE")
    assert fields["active"] is True and fields["phone"] == "+61 2 9000 0001"
    assert fields["openingHours"] == (
        "Mo-We 09:00-17:30; Th 09:00-21:00; Fr 09:00-17:30; Sa 10:00-16:00; Su off"
    )
    assert by_key["LOC-DC"]["address"]["country"] == "AU"  # from alpha-3 "aus"
    assert by_key["LOC-DC"]["custom"]["fields"]["openingHours"] == "24/7"
    assert "address" not in by_key["LOC-EU"]  # invalid country: no address
    assert by_key["LOC-OLD"]["custom"]["fields"]["active"] is False

    # no change: a full re-read costs no commercetools call at all
    reset_calls(connected)
    again = connected.run_sync("locations", full=True)
    assert (again.stats.read, again.stats.unchanged, again.stats.written) == (6, 5, 0)
    assert ct_calls(connected) == {}

    # fingerprints lost (new store): channels are read back and compared, not written
    fingerprints.forget(connected.runtime.store, "locations")
    reset_calls(connected)
    reread = connected.run_sync("locations", full=True)
    assert (reread.stats.unchanged, reread.stats.written) == (5, 0)
    assert all(k.startswith("GET") for k in ct_calls(connected))

    # one location changed in Fluent (updatedOn moves): exactly its channel is updated
    versions = {k: c["version"] for k, c in channels(connected).items()}
    seed_locations(
        connected, only={"LOC-AMS"}, name="Amsterdam CS", supportPhoneNumber="+31 1"
    )
    reset_calls(connected)
    changed = connected.run_sync("locations")
    assert (changed.stats.read, changed.stats.updated, changed.stats.created) == (
        1,
        1,
        0,
    )
    assert ct_calls(connected) == {
        "GET /<project_key>/types/key=<key>": 1,  # the custom type, once per run
        "GET /<project_key>/channels": 1,  # one query for the batch
        "POST /<project_key>/channels/<res_id>": 1,  # the one update
    }
    after = channels(connected)
    assert after["LOC-AMS"]["name"] == {"en": "Amsterdam CS"}
    assert after["LOC-AMS"]["custom"]["fields"]["phone"] == "+31 1"
    assert after["LOC-AMS"]["address"]["phone"] == "+31 1"
    assert {k: c["version"] for k, c in after.items() if k != "LOC-AMS"} == {
        k: v for k, v in versions.items() if k != "LOC-AMS"
    }

    # deactivated in Fluent: the channel is marked, never deleted
    seed_locations(connected, only={"LOC-SYD"}, status="INACTIVE")
    deactivated = connected.run_sync("locations")
    assert deactivated.stats.updated == 1
    syd = channels(connected)["LOC-SYD"]
    assert syd["custom"]["fields"]["locationStatus"] == "INACTIVE"
    assert syd["custom"]["fields"]["active"] is False
    assert syd["roles"] == ["InventorySupply", "ProductDistribution"]


def test_location_sync_without_network_filter_and_removing_supply(connected):
    seed_locations(connected)
    options = {
        "network_filter": False,
        "inactive_remove_inventory_supply": True,
        "channel_key_prefix": "fl-",
        "locales": ["en", "de"],
    }
    result = SyncEngine(
        connected.runtime.store, build(connected.runtime, options)
    ).run()
    assert (result.stats.created, result.stats.failed) == (6, 0)
    by_key = channels(connected)
    assert set(by_key) == {f"fl-{ref}" for ref in SYNCED | {"LOC-OTHER"}}
    assert by_key["fl-LOC-OTHER"]["name"] == {
        "en": "Other Network Store",
        "de": "Other Network Store",
    }
    assert by_key["fl-LOC-OLD"]["roles"] == ["ProductDistribution"]

    seed_locations(connected, only={"LOC-OLD"}, status="ACTIVE")
    again = SyncEngine(connected.runtime.store, build(connected.runtime, options)).run()
    assert again.stats.updated == 1
    old = channels(connected)["fl-LOC-OLD"]
    assert old["roles"] == ["ProductDistribution", "InventorySupply"]
    assert old["custom"]["fields"]["active"] is True
