"""Done-when of issue 11: a Fluent account seeded in the sandbox with only Fluent's own
connector settings (credentials in the env, no catalogue/channel/network variables)
syncs catalogue, locations and inventory through scheduler calls, takes an
external-system webhook, and writes ``lastRun`` back into the settings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

from connector.fluent_connect import settings as fs
from connector.store import runs
from tests.integration.fluent_connect.support import read_setting, settings_env
from tests.support.stack import running_stack

TOKEN = {"Authorization": "Bearer t-1"}
SCHEDULER = "/api/v1/fluent-connect/scheduler/add/SANDBOX/1"


def test_account_with_only_fluent_settings(ct_sandbox, fluent_sandbox, tmp_path):
    for url, body in (
        (fluent_sandbox.url, {"fixture": "fluent_connect"}),
        (ct_sandbox.url, None),
    ):
        if body is not None:
            requests.post(
                f"{url}/_sandbox/seed", json=body, timeout=10
            ).raise_for_status()
    requests.post(
        f"{ct_sandbox.url}/_sandbox/generate",
        json={"categories": 3, "products": 4, "variants_per_product": 2},
        timeout=30,
    ).raise_for_status()
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    requests.post(
        f"{fluent_sandbox.url}/_sandbox/generate",
        json={"skus": 6, "locations": 3, "stock_min": 1, "timestamp": an_hour_ago},
        timeout=30,
    ).raise_for_status()
    env = settings_env(ct_sandbox.url, fluent_sandbox.url, tmp_path)
    env.pop("CONNECTOR_DATA_DIR")
    env.pop("DATABASE_URL")
    with running_stack("sqlite", tmp_path, env) as stack:
        store = stack.runtime.store
        for job in (
            "batch-product-catalogue-sync",
            "batch-location-sync",
            "batch-inventory-sync",
        ):
            resp = stack.client.put(f"{SCHEDULER}/{job}", headers=TOKEN)
            assert resp.status_code == 202, resp.json

        def all_done():
            latest = {r.module: r for r in runs.latest_per_module(store)}
            wanted = ("categories", "products", "locations", "inventory")
            if all(
                m in latest and latest[m].status not in ("pending", "running")
                for m in wanted
            ):
                return latest
            return None

        deadline = datetime.now(UTC) + timedelta(seconds=60)
        latest = None
        while latest is None and datetime.now(UTC) < deadline:
            latest = all_done()
            time.sleep(0.2)
        assert latest is not None, [
            (r.module, r.status) for r in runs.recent(store, limit=20)
        ]
        for module, run in latest.items():
            if module in ("categories", "products", "locations", "inventory"):
                assert run.status == "succeeded", (module, run.error)
                assert run.trigger == "scheduler" and run.counts["read"] > 0
        assert latest["products"].started_at >= latest["categories"].finished_at

        runtime = stack.runtime
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

        resp = stack.client.post(
            "/api/v1/fluent-connect/external-system/webhook",
            json={"name": "no-such-route", "id": "x"},
            headers=TOKEN,
        )
        assert resp.status_code == 200 and resp.json["status"] == "ignored"
