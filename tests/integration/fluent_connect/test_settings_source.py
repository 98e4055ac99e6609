"""Fluent's connector settings as a configuration source, and batch windows kept in them.

The runtime's env lacks FLUENT_CATALOGUE_REF, CTP_INVENTORY_CHANNEL_KEY,
FLUENT_VIRTUAL_CATALOGUE_REF and FLUENT_NETWORK_REF; the Fluent sandbox holds Fluent's
own settings (created through GraphQL ``createSetting``, as on a real account).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from click.testing import CliRunner

from connector.cli import main
from connector.errors import ConfigError, MissingSetting
from connector.fluent_connect import settings as fs
from connector.fluent_connect.effective import check_at_start
from connector.sync.runner import run_sync
from tests.integration.fluent_connect.support import (
    create_setting,
    read_setting,
    runtime_for,
    settings_env,
)

INVENTORY_PROPS = {
    "ctChannelKey": "ct-fluent-channel",
    "fluentAggregateVirtualCatalogueRef": "BASE:1",
}


def generate_stock(fluent_url: str, skus: int, when: datetime) -> None:
    requests.post(
        f"{fluent_url}/_sandbox/generate",
        json={
            "skus": skus,
            "locations": 2,
            "stock_min": 1,
            "timestamp": when.isoformat(),
        },
        timeout=30,
    ).raise_for_status()


def ct_channel_skus(runtime, key: str) -> dict[str, int]:
    ct = runtime.ct()
    channel = ct.get(f"channels/key={key}")
    entries = ct.query(
        "inventory", where=f'supplyChannel(id = "{channel["id"]}")', limit=500
    )["results"]
    return {e["sku"]: e["quantityOnStock"] for e in entries}


def seed_all(runtime, previous_end: str | None = None, network: str = "BASE_NETWORK"):
    create_setting(
        runtime,
        fs.GENERAL,
        {"productCatalogue": {"entityRef": "PC:MASTER:1", "entitySubType": "MASTER"}},
    )
    inventory = {"props": dict(INVENTORY_PROPS)}
    if previous_end:
        inventory["previousEndDate"] = previous_end
    create_setting(runtime, fs.INVENTORY_JOB, inventory, "RETAILER", 1)
    create_setting(
        runtime,
        "fc.connect.commerce-tools.batch.batch-location-sync",
        {"props": {"fluentNetworkRef": network}},
    )


def test_syncs_use_the_settings_when_the_env_lacks_them(
    ct_sandbox, fluent_sandbox, tmp_path
):
    env = settings_env(ct_sandbox.url, fluent_sandbox.url, tmp_path)
    with runtime_for(env) as runtime:
        generate_stock(fluent_sandbox.url, 6, datetime.now(UTC) - timedelta(hours=1))
        # nothing in the env, nothing in Fluent: the same error as before
        with pytest.raises(MissingSetting, match="FLUENT_VIRTUAL_CATALOGUE_REF"):
            run_sync(runtime, "inventory")
        seed_all(runtime, network="NO_SUCH_NETWORK")

        inventory = run_sync(runtime, "inventory")
        assert inventory.status == "succeeded", inventory.stats.failures
        assert inventory.stats.created == 6
        assert len(ct_channel_skus(runtime, "ct-fluent-channel")) == 6

        locations = run_sync(runtime, "locations")
        assert locations.stats.read > 0
        assert set(locations.stats.skip_reasons) == {"not in network NO_SUCH_NETWORK"}

        products = run_sync(runtime, "products")
        assert products.status == "succeeded"
        assert runtime.config.fluent.catalogue_ref == "PC:MASTER:1"
        assert runtime.env_config.fluent.catalogue_ref is None

        cli = CliRunner().invoke(
            main, ["sync", "batch-product-catalogue-sync", "--dry-run"], env=env
        )
        assert cli.exit_code == 0, cli.output
        assert "categories: run" in cli.output and "products: run" in cli.output

        shown = CliRunner().invoke(main, ["config", "show"], env=env)
        assert shown.exit_code == 0, shown.output
        lines = {ln.split()[0]: ln for ln in shown.output.splitlines() if ln.strip()}
        assert "ct-fluent-channel" in lines["CTP_INVENTORY_CHANNEL_KEY"]
        assert (
            "Fluent setting fc.connect.commercetools.batch.batch-inventory-sync"
            " (RETAILER 1): props.ctChannelKey" in lines["CTP_INVENTORY_CHANNEL_KEY"]
        )
        assert "commerce-tools.batch.batch-location-sync" in lines["FLUENT_NETWORK_REF"]
        assert "env" in lines["CTP_PROJECT_KEY"]
        assert "YAML" in lines["CONNECTOR_MAX_RETRIES"]
        assert "default" in lines["schedules.inventory"]
        assert env["FLUENT_PASSWORD"] not in shown.output
        assert env["CTP_CLIENT_SECRET"] not in shown.output
        assert "***" in lines["FLUENT_PASSWORD"]


def test_the_env_wins_over_the_settings(ct_sandbox, fluent_sandbox, tmp_path):
    env = settings_env(
        ct_sandbox.url,
        fluent_sandbox.url,
        tmp_path,
        CTP_INVENTORY_CHANNEL_KEY="env-channel",
        FLUENT_VIRTUAL_CATALOGUE_REF="BASE:1",
    )
    with runtime_for(env) as runtime:
        generate_stock(fluent_sandbox.url, 3, datetime.now(UTC) - timedelta(hours=1))
        seed_all(runtime)
        result = run_sync(runtime, "inventory")
        assert result.status == "succeeded" and result.stats.created == 3
        assert len(ct_channel_skus(runtime, "env-channel")) == 3
        assert runtime.ct().get_or_none("channels/key=ct-fluent-channel") is None
        shown = CliRunner().invoke(main, ["config", "show"], env=env)
        line = next(
            ln for ln in shown.output.splitlines() if ln.startswith("CTP_INVENTORY")
        )
        assert "env-channel" in line and "env" in line and "Fluent" not in line


def test_account_mapping_mismatch_is_a_clear_error(
    ct_sandbox, fluent_sandbox, tmp_path
):
    env = settings_env(ct_sandbox.url, fluent_sandbox.url, tmp_path)
    with runtime_for(env) as runtime:
        seed_all(runtime)
        create_setting(
            runtime,
            fs.ACCOUNT_MAPPING,
            {
                "fluent": {"accountId": "SANDBOX", "retailerId": "1"},
                "externalAccount": {"projectKey": "another-project"},
            },
        )
        with pytest.raises(ConfigError, match="CTP_PROJECT_KEY.*demo-shop"):
            run_sync(runtime, "inventory")
        with pytest.raises(SystemExit, match="another-project"):
            check_at_start(runtime)  # the worker's start (tasks/worker.py)
        shown = CliRunner().invoke(main, ["config", "show"], env=env)
        assert shown.exit_code != 0 and "another-project" in shown.output


def test_previous_end_date_first_run_write_back_and_custom_range(
    ct_sandbox, fluent_sandbox, tmp_path
):
    env = settings_env(ct_sandbox.url, fluent_sandbox.url, tmp_path)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    with runtime_for(env) as runtime:
        generate_stock(fluent_sandbox.url, 8, two_hours_ago)
        previous_end = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        seed_all(runtime, previous_end=previous_end.replace("+00:00", "Z"))
        requests.post(
            f"{fluent_sandbox.url}/_sandbox/inventory",
            json={
                "items": [
                    {"productRef": "P-00003-1", "locationRef": "LOC-001", "delta": 4}
                ]
            },
            timeout=10,
        ).raise_for_status()

        first = run_sync(runtime, "inventory")
        assert first.status == "succeeded"
        assert (first.stats.read, first.stats.created) == (1, 1)  # only the change
        value = read_setting(runtime, fs.INVENTORY_JOB)
        assert value["props"] == INVENTORY_PROPS
        last = value["lastRun"]
        assert (
            last["status"] == "SUCCESSFUL" and last["param"]["props"] == INVENTORY_PROPS
        )
        assert value["previousEndDate"] == last["param"]["end"]
        assert datetime.fromisoformat(last["param"]["start"]) < datetime.fromisoformat(
            previous_end
        )
        assert last["jobStart"] <= last["jobEnd"]
        assert datetime.fromisoformat(
            value["previousEndDate"]
        ) > datetime.fromisoformat(previous_end)

        # a one-shot customDateRange re-reads that window, then is removed
        value["customDateRange"] = {
            "start": (two_hours_ago - timedelta(minutes=5)).isoformat(),
            "end": (two_hours_ago + timedelta(minutes=5)).isoformat(),
        }
        found = fs.load(runtime.fluent(), 0).get(fs.INVENTORY_JOB)
        fs.write(runtime.fluent(), found, value)
        custom = run_sync(runtime, "inventory")
        assert custom.stats.read == 7  # the 8 generated then, less the one changed now
        after = read_setting(runtime, fs.INVENTORY_JOB)
        assert "customDateRange" not in after
        assert after["previousEndDate"] == value["previousEndDate"]
        assert after["props"] == INVENTORY_PROPS
        assert after["lastRun"]["param"]["start"].startswith(
            (two_hours_ago - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
        )
        again = run_sync(runtime, "inventory")  # our checkpoint did not move back
        assert (again.stats.read, again.stats.written) == (1, 0)  # overlap only
