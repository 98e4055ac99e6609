"""Inventory sync against both sandboxes: create, free re-runs, one-SKU change, dry run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from click.testing import CliRunner

from connector.cli import main
from connector.store import fingerprints

CHANNEL_KEY = "fluent-ats"  # CTP_INVENTORY_CHANNEL_KEY of the test env


def ct_calls(connected) -> dict[str, int]:
    counts = requests.get(f"{connected.ct_url}/_sandbox/calls", timeout=10).json()
    return {k: n for k, n in counts["counts"].items() if "/oauth/" not in k}


def ct_writes(connected) -> int:
    return sum(n for k, n in ct_calls(connected).items() if not k.startswith("GET"))


def reset_calls(connected) -> None:
    for url in (connected.ct_url, connected.fluent_url):
        requests.delete(f"{url}/_sandbox/calls", timeout=10).raise_for_status()


def fluent_ats(connected) -> dict[str, int]:
    """SKU -> quantity of the aggregate positions, read from Fluent's GraphQL API."""
    query = (
        "query Q($first: Int, $after: String) { virtualPositions("
        'catalogue: {ref: "BASE:1"}, first: $first, after: $after) {'
        " edges { cursor node { productRef quantity } } pageInfo { hasNextPage } } }"
    )
    out: dict[str, int] = {}
    for nodes, _ in connected.runtime.fluent().iter_connection(
        query, {}, ("virtualPositions",), page_size=5000
    ):
        out.update((n["productRef"], n["quantity"]) for n in nodes)
    return out


def ct_stock(connected) -> dict[str, int]:
    ct = connected.runtime.ct()
    channel = ct.get(f"channels/key={CHANNEL_KEY}")
    assert "InventorySupply" in channel["roles"]
    entries = ct.query(
        "inventory", where=f'supplyChannel(id = "{channel["id"]}")', limit=500
    )["results"]
    return {e["sku"]: e["quantityOnStock"] for e in entries}


def change_stock(connected, sku: str, delta: int) -> None:
    resp = requests.post(
        f"{connected.fluent_url}/_sandbox/inventory",
        json={"items": [{"productRef": sku, "locationRef": "LOC-001", "delta": delta}]},
        timeout=10,
    )
    resp.raise_for_status()
    assert resp.json()["changedVirtualPositions"] == 1


def test_inventory_sync_full_no_change_and_one_sku(connected):
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    requests.post(
        f"{connected.fluent_url}/_sandbox/generate",
        json={"skus": 40, "locations": 3, "stock_min": 1, "timestamp": an_hour_ago},
        timeout=30,
    ).raise_for_status()

    result = connected.run_sync("inventory")
    assert result.status == "succeeded", result.stats.failures
    assert (result.stats.read, result.stats.created) == (40, 40)
    ats = fluent_ats(connected)
    assert len(ats) == 40 and ct_stock(connected) == ats

    # no change: neither a full re-read nor an incremental run costs a CT call
    reset_calls(connected)
    full = connected.run_sync("inventory", full=True)
    assert (full.stats.read, full.stats.unchanged, full.stats.written) == (40, 40, 0)
    incremental = connected.run_sync("inventory")
    assert (incremental.stats.read, incremental.stats.written) == (0, 0)
    assert ct_calls(connected) == {}

    # fingerprints lost (new store): entries are read in bulk and compared, not written
    fingerprints.forget(connected.runtime.store, "inventory")
    reread = connected.run_sync("inventory", full=True)
    assert (reread.stats.unchanged, reread.stats.written) == (40, 0)
    assert ct_writes(connected) == 0
    assert ct_calls(connected)["GET /<project_key>/inventory"] == 2  # 40 SKUs / 25

    # one SKU changes in Fluent: exactly one CT write (and one bulk read)
    change_stock(connected, "P-00007-1", 5)
    reset_calls(connected)
    one = connected.run_sync("inventory")
    assert (one.stats.read, one.stats.updated, one.stats.created) == (1, 1, 0)
    assert ct_calls(connected) == {
        "GET /<project_key>/channels/key=<key>": 1,
        "GET /<project_key>/inventory": 1,
        "POST /<project_key>/inventory/<res_id>": 1,
    }
    stock = ct_stock(connected)
    assert stock["P-00007-1"] == ats["P-00007-1"] + 5
    assert {k: v for k, v in stock.items() if k != "P-00007-1"} == {
        k: v for k, v in ats.items() if k != "P-00007-1"
    }


def test_inventory_dry_run_writes_nothing(connected):
    requests.post(
        f"{connected.fluent_url}/_sandbox/generate",
        json={"skus": 5, "locations": 2},
        timeout=30,
    ).raise_for_status()
    reset_calls(connected)
    runner = CliRunner()
    out = runner.invoke(main, ["sync", "inventory", "--dry-run"], env=connected.env)
    assert out.exit_code == 0, out.output
    assert "create P-00001-1" in out.output and "created=5" in out.output
    assert ct_calls(connected) == {}

    real = runner.invoke(main, ["sync", "inventory"], env=connected.env)
    assert real.exit_code == 0, real.output
    assert "created=5" in real.output
    assert len(ct_stock(connected)) == 5

    change_stock(connected, "P-00002-1", -1)
    reset_calls(connected)
    dry = runner.invoke(main, ["sync", "inventory", "--dry-run"], env=connected.env)
    assert dry.exit_code == 0, dry.output
    assert "update P-00002-1" in dry.output and "updated=1" in dry.output
    assert ct_writes(connected) == 0


def test_inventory_cli_names_missing_setting(connected):
    env = {**connected.env, "CTP_INVENTORY_CHANNEL_KEY": ""}
    out = CliRunner().invoke(main, ["sync", "inventory"], env=env)
    assert out.exit_code == 2
    assert "CTP_INVENTORY_CHANNEL_KEY" in out.output
