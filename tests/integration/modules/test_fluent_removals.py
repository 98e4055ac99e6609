"""Removals on the Fluent -> commercetools side: a location deleted in Fluent has its
channel marked, stripped of its roles or deleted (``on_delete``); a position gone from
the virtual catalogue sets its CT entry to 0 or deletes it (``on_missing``). Only a full
run (which reads everything) sees them: an incremental run does not; a no-change full
run after them costs no commercetools call."""

from __future__ import annotations

import requests

from connector.modules.inventory.stream import build as build_inventory
from connector.modules.locations.stream import build as build_locations
from connector.sync.engine import SyncEngine
from tests.integration.modules.test_inventory_sync import ct_stock
from tests.integration.modules.test_locations_sync import (
    channels,
    ct_calls,
    reset_calls,
    seed_locations,
)
from tests.support.profiles import use_profile


def delete_fluent(connected, table: str, ref: str) -> None:
    url = f"{connected.fluent_url}/_sandbox/entities/{table}"
    rows = requests.get(url, params={"ref": ref}, timeout=10).json()["results"]
    assert len(rows) == 1, rows
    requests.delete(f"{url}/{rows[0]['id']}", timeout=10).raise_for_status()


def run(connected, build, overrides, *, full: bool):
    stream = build(connected.runtime, overrides)
    result = SyncEngine(connected.runtime.store, stream).run(full=full, trigger="test")
    assert result.status == "succeeded", result.stats.failures
    return result


def test_deleted_location_channel_marked_by_the_full_run(
    connected, monkeypatch
) -> None:
    use_profile(connected, monkeypatch, "connector")
    seed_locations(connected)
    assert connected.run_sync("locations").stats.created == 5
    delete_fluent(connected, "locations", "LOC-AMS")

    assert connected.run_sync("locations").stats.written == 0  # not seen incrementally
    assert channels(connected)["LOC-AMS"]["custom"]["fields"]["active"] is True

    full = connected.run_sync("locations", full=True)
    assert (full.stats.removed, full.stats.updated) == (1, 1)
    ams = channels(connected)["LOC-AMS"]
    assert ams["custom"]["fields"]["locationStatus"] == "DELETED"
    assert ams["custom"]["fields"]["active"] is False
    assert ams["roles"] == ["InventorySupply", "ProductDistribution"]  # mark only
    assert channels(connected)["LOC-SYD"]["custom"]["fields"]["active"] is True

    reset_calls(connected)
    again = connected.run_sync("locations", full=True)
    assert again.stats.written == 0 and ct_calls(connected) == {}


def test_deleted_location_marked_in_the_fluent_profile(connected) -> None:
    seed_locations(connected)
    assert connected.run_sync("locations").stats.created == 5
    delete_fluent(connected, "locations", "LOC-AMS")

    full = connected.run_sync("locations", full=True)
    assert (full.stats.removed, full.stats.updated) == (1, 1)
    fields = channels(connected)["LOC-AMS"]["custom"]["fields"]
    assert fields["flStatus"] == "DELETED"
    assert channels(connected)["LOC-SYD"]["custom"]["fields"]["flStatus"] == "ACTIVE"
    reset_calls(connected)
    assert connected.run_sync("locations", full=True).stats.written == 0
    assert ct_calls(connected) == {}


def test_deleted_location_roles_removed_or_channel_deleted(
    connected, monkeypatch
) -> None:
    use_profile(connected, monkeypatch, "connector")
    seed_locations(connected)
    run(connected, build_locations, {"on_delete": "remove_roles"}, full=False)
    delete_fluent(connected, "locations", "LOC-AMS")
    delete_fluent(connected, "locations", "LOC-DC")

    stripped = run(connected, build_locations, {"on_delete": "remove_roles"}, full=True)
    assert stripped.stats.removed == 2
    for key in ("LOC-AMS", "LOC-DC"):
        channel = channels(connected)[key]
        assert channel["roles"] == ["ProductDistribution"], key  # CT keeps one
        assert channel["custom"]["fields"]["locationStatus"] == "DELETED"

    # the other policy deletes the channel outright
    deleted = run(connected, build_locations, {"on_delete": "delete"}, full=True)
    assert deleted.stats.removed == 2
    assert {"LOC-AMS", "LOC-DC"}.isdisjoint(channels(connected))
    assert "LOC-SYD" in channels(connected)
    reset_calls(connected)
    again = run(connected, build_locations, {"on_delete": "delete"}, full=True)
    assert again.stats.written == 0 and ct_calls(connected) == {}


def seed_stock(connected) -> None:
    requests.post(
        f"{connected.fluent_url}/_sandbox/generate",
        json={"skus": 10, "locations": 2, "stock_min": 3},
        timeout=30,
    ).raise_for_status()


def position_ref(connected, sku: str) -> str:
    url = f"{connected.fluent_url}/_sandbox/entities/virtual_positions"
    rows = requests.get(url, params={"limit": 5000}, timeout=10).json()["results"]
    return next(r["ref"] for r in rows if r["productRef"] == sku)


def test_position_gone_zeroes_or_deletes_the_entry(connected) -> None:
    seed_stock(connected)
    assert connected.run_sync("inventory").stats.created == 10
    delete_fluent(connected, "virtual_positions", position_ref(connected, "P-00003-1"))

    assert connected.run_sync("inventory").stats.written == 0  # not seen
    assert ct_stock(connected)["P-00003-1"] > 0

    full = connected.run_sync("inventory", full=True)
    assert (full.stats.removed, full.stats.updated) == (1, 1)
    stock = ct_stock(connected)
    assert stock["P-00003-1"] == 0
    assert all(q > 0 for sku, q in stock.items() if sku != "P-00003-1")
    reset_calls(connected)
    again = connected.run_sync("inventory", full=True)
    assert again.stats.written == 0 and ct_calls(connected) == {}

    # by option the entry is deleted instead
    delete_fluent(connected, "virtual_positions", position_ref(connected, "P-00004-1"))
    deleted = run(connected, build_inventory, {"on_missing": "delete"}, full=True)
    assert deleted.stats.removed == 2  # both SKUs without a position
    assert {"P-00003-1", "P-00004-1"}.isdisjoint(ct_stock(connected))
    assert len(ct_stock(connected)) == 8
