"""Pure parts of the Fluent-connector compatibility: setting resolution, the value
written back, config precedence, the account check, window planning with hooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.config import Config
from connector.errors import ConfigError
from connector.fluent_connect import effective
from connector.fluent_connect import settings as fs
from connector.fluent_connect.windows import fluent_time, next_value, parse_time
from connector.sync.hooks import next_since, plan_with_hooks
from connector.sync.stream import Window

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def node(name, value, context="ACCOUNT", context_id=0, **kw):
    return {
        "id": f"{name}-{context}",
        "name": name,
        "context": context,
        "contextId": context_id,
        "valueType": "JSON",
        "lobValue": value,
        **kw,
    }


def test_retailer_wins_then_account_and_the_other_spelling():
    nodes = [
        node(fs.INVENTORY_JOB, {"props": {"ctChannelKey": "acct"}}),
        node(fs.INVENTORY_JOB, {"props": {"ctChannelKey": "ret"}}, "RETAILER", 1),
        node(fs.INVENTORY_JOB, {"props": {"ctChannelKey": "other"}}, "RETAILER", 2),
        node(
            "fc.connect.commerce-tools.batch.batch-location-sync",
            {"props": {"fluentNetworkRef": "N"}},
        ),
        node(fs.GENERAL, "not json {", "RETAILER", 1),
        node(fs.GENERAL, '{"productCatalogue": {"entityRef": "PC:1"}}'),
    ]
    snap = fs.resolve(nodes, "1")
    assert snap.lookup(fs.INVENTORY_JOB, ("props", "ctChannelKey"))[0] == "ret"
    found = snap.get(fs.LOCATION_JOB)
    assert found.name == "fc.connect.commerce-tools.batch.batch-location-sync"
    assert snap.lookup(fs.GENERAL, ("productCatalogue", "entityRef"))[0] == "PC:1"
    assert (
        fs.resolve(nodes, "2").lookup(fs.INVENTORY_JOB, ("props", "ctChannelKey"))[0]
        == "other"
    )
    assert snap.get(fs.ACCOUNT_MAPPING) is None


def test_written_value_keeps_other_keys_and_drops_a_custom_range():
    value = {"props": {"a": 1}, "keep": True, "customDateRange": {"start": "x"}}
    window = Window(T0, T0 + timedelta(hours=1))
    done = next_value(value, window, False, T0, T0 + timedelta(seconds=3))
    assert done["keep"] is True and done["customDateRange"] == {"start": "x"}
    assert done["previousEndDate"] == "2026-12-01T11:00:00.000Z"
    assert done["lastRun"] == {
        "param": {
            "start": "2026-12-01T10:00:00.000Z",
            "end": "2026-12-01T11:00:00.000Z",
            "props": {"a": 1},
        },
        "jobStart": "2026-12-01T10:00:00.000Z",
        "jobEnd": "2026-12-01T10:00:03.000Z",
        "status": "SUCCESSFUL",
    }
    custom = next_value(value, window, True, T0, T0)
    assert "customDateRange" not in custom and "previousEndDate" not in custom
    assert value["customDateRange"]  # input untouched
    assert parse_time("2022-10-10T01:10:56.00Z") == datetime(
        2022, 10, 10, 1, 10, 56, tzinfo=UTC
    )
    assert parse_time("nonsense") is None and fluent_time(None) is None


def config(tmp_path: Path, **env: str) -> Config:
    base = {
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "FLUENT_ACCOUNT_ID": "ACME",
        "FLUENT_RETAILER_ID": "1",
        "CTP_PROJECT_KEY": "shop",
    }
    return Config.from_env({**base, **env}, read_dotenv=False)


def test_env_wins_and_sources_are_named(tmp_path):
    snap = fs.resolve(
        [
            node(
                fs.INVENTORY_JOB,
                {
                    "props": {
                        "ctChannelKey": "set",
                        "fluentAggregateVirtualCatalogueRef": "ATS:1",
                    }
                },
                "RETAILER",
                1,
            )
        ],
        "1",
    )
    applied, sources = effective.apply(
        config(tmp_path, CTP_INVENTORY_CHANNEL_KEY="env"), snap
    )
    assert applied.ct.inventory_channel_key == "env"
    assert applied.fluent.virtual_catalogue_ref == "ATS:1"
    assert sources == {
        "FLUENT_VIRTUAL_CATALOGUE_REF": "Fluent setting "
        f"{fs.INVENTORY_JOB} (RETAILER 1): props.fluentAggregateVirtualCatalogueRef"
    }


def test_account_mapping_must_match_the_env(tmp_path):
    def mapping(account, retailer, project):
        return fs.resolve(
            [
                node(
                    fs.ACCOUNT_MAPPING,
                    {
                        "fluent": {"accountId": account, "retailerId": retailer},
                        "externalAccount": {"projectKey": project},
                    },
                )
            ],
            "1",
        )

    effective.check_account(config(tmp_path), mapping("ACME", "1", "shop"))
    with pytest.raises(ConfigError, match="FLUENT_ACCOUNT_ID"):
        effective.check_account(config(tmp_path), mapping("OTHER", "1", "shop"))
    with pytest.raises(ConfigError, match="FLUENT_RETAILER_ID"):
        effective.check_account(config(tmp_path), mapping("ACME", 2, "shop"))


def test_fluent_connect_options_reject_unknown_keys(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("fluent_connect: {write_back: false, writeback: true}\n")
    with pytest.raises(ConfigError, match="writeback"):
        effective.options(config(tmp_path, CONNECTOR_CONFIG=str(path)))
    path.write_text("fluent_connect: {write_back: false}\n")
    opts = effective.options(config(tmp_path, CONNECTOR_CONFIG=str(path)))
    assert opts.write_back is False and opts.read_settings is True


class Hooks:
    def __init__(self, first=None, custom=None):
        self.first, self.custom = first, custom

    def first_since(self):
        return self.first

    def custom_range(self):
        return self.custom

    def after_run(self, *a):  # pragma: no cover - not called by the planner
        raise AssertionError


def test_window_planning_with_hooks():
    overlap, now = timedelta(minutes=2), T0 + timedelta(days=1)
    window, run = plan_with_hooks(
        {}, full=False, overlap=overlap, now=now, hooks=Hooks(first=T0)
    )
    assert window == Window(T0 - overlap, now)
    assert next_since({}, run, "succeeded") == now.isoformat()
    assert next_since({}, run, "partial") is None  # re-read from previousEndDate
    # our checkpoint wins over previousEndDate
    ours = {"since": (T0 + timedelta(hours=5)).isoformat(), "run": None}
    window, _ = plan_with_hooks(
        ours, full=False, overlap=overlap, now=now, hooks=Hooks(first=T0)
    )
    assert window.start == T0 + timedelta(hours=5) - overlap
    # a custom range runs as given and never moves the checkpoint
    custom = (T0 - timedelta(days=3), T0 - timedelta(days=2))
    window, run = plan_with_hooks(
        ours, full=False, overlap=overlap, now=now, hooks=Hooks(custom=custom)
    )
    assert (window.start, window.end) == custom and run["custom"] is True
    assert next_since(ours, run, "succeeded") == ours["since"]
    # --full ignores both
    window, _ = plan_with_hooks(
        {}, full=True, overlap=overlap, now=now, hooks=Hooks(first=T0, custom=custom)
    )
    assert window.start is None


def test_a_failed_write_back_is_logged_not_raised():
    from connector.fluent_connect.windows import SettingWindow

    class DownRuntime:
        def fluent(self):
            raise ConnectionError("Fluent is down")

    found = fs.resolve([node(fs.INVENTORY_JOB, {"props": {}})], "1").get(
        fs.INVENTORY_JOB
    )
    hooks = SettingWindow(DownRuntime(), "inventory", found, write_back=True, ttl=0)
    hooks.after_run(Window(T0, T0), False, T0, T0)  # does not raise
    reader = SettingWindow(DownRuntime(), "categories", found, write_back=True, ttl=0)
    assert reader.write_back is False  # products writes the shared setting
