"""Done-when of issue 11: a Fluent account seeded in the sandbox with only Fluent's own
connector settings (credentials in the env, no catalogue/channel/network variables)
syncs catalogue, locations and inventory through scheduler calls, takes an
external-system webhook, and writes ``lastRun`` back into the settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from connector.config import Config
from connector.fluent_connect import settings as fs
from connector.store import runs
from tests.integration.fluent_connect.support import FROM_SETTINGS, read_setting

TOKEN = {"Authorization": "Bearer test-token-1"}
SCHEDULER = "/api/v1/fluent-connect/scheduler/add/SANDBOX/1"


def test_account_with_only_fluent_settings(connected, monkeypatch):
    ct_url, fluent_url = connected.ct_url, connected.fluent_url
    requests.post(
        f"{fluent_url}/_sandbox/seed", json={"fixture": "fluent_connect"}, timeout=10
    ).raise_for_status()
    requests.post(
        f"{ct_url}/_sandbox/generate",
        json={"categories": 3, "products": 4, "variants_per_product": 2},
        timeout=30,
    ).raise_for_status()
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    requests.post(
        f"{fluent_url}/_sandbox/generate",
        json={"skus": 6, "locations": 3, "stock_min": 1, "timestamp": an_hour_ago},
        timeout=30,
    ).raise_for_status()
    # the running connector, with only credentials in its env (worker included)
    env = {k: v for k, v in connected.env.items() if k not in FROM_SETTINGS}
    monkeypatch.setattr(connected.runtime, "config", Config.from_env(env))
    fs.snapshot_cache(connected.runtime.caches).clear()  # read by earlier tests
    store = connected.runtime.store
    for job in (
        "batch-product-catalogue-sync",
        "batch-location-sync",
        "batch-inventory-sync",
    ):
        resp = connected.client.put(f"{SCHEDULER}/{job}", headers=TOKEN)
        assert resp.status_code == 202, resp.json

    wanted = ("categories", "products", "locations", "inventory")

    def all_done():
        latest = {r.module: r for r in runs.latest_per_module(store)}
        if all(
            m in latest and latest[m].status not in ("pending", "running")
            for m in wanted
        ):
            return latest
        return None

    latest = connected.wait_until(all_done, timeout=60, message="four runs")
    for module in wanted:
        run = latest[module]
        assert run.status == "succeeded", (module, run.error)
        assert run.trigger == "scheduler" and run.counts["read"] > 0
    assert latest["products"].started_at >= latest["categories"].finished_at

    runtime = connected.runtime
    assert runtime.env_config.fluent.catalogue_ref is None
    assert runtime.config.fluent.catalogue_ref == "PC:MASTER:1"
    assert runtime.config.ct.inventory_channel_key == "fluent-ats"
    for name in (
        fs.PRODUCT_CATALOGUE_JOB,
        fs.INVENTORY_JOB,
        "fc.connect.commerce-tools.batch.batch-location-sync",
    ):
        value = read_setting(runtime, name)
        assert value["lastRun"]["status"] == "SUCCESSFUL", name
        assert value["previousEndDate"] == value["lastRun"]["param"]["end"]
    assert read_setting(runtime, fs.INVENTORY_JOB)["props"] == {
        "ctChannelKey": "fluent-ats",
        "fluentAggregateVirtualCatalogueRef": "BASE:1",
    }

    resp = connected.client.post(
        "/api/v1/fluent-connect/external-system/webhook",
        json={"name": "no-such-route", "id": "x"},
        headers=TOKEN,
    )
    assert resp.status_code == 200 and resp.json["status"] == "ignored"
    fs.snapshot_cache(connected.runtime.caches).clear()
