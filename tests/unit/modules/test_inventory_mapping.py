"""Virtual position -> inventory quantity, stream options and missing settings (pure)."""

from __future__ import annotations

import pytest

from connector.config import Config
from connector.errors import ConfigError, MissingSetting
from connector.modules.inventory import stream as inventory_stream
from connector.modules.inventory.mapping import InventoryRules, plan_position
from connector.modules.locations import stream as locations_stream
from connector.runtime import Runtime
from connector.sync.stream import Planned, Skip

RULES = InventoryRules(channel_key="fluent-ats")


def position(**kw) -> dict:
    return {
        "ref": "SKU-1:BASE_NETWORK",
        "productRef": "SKU-1",
        "quantity": 12,
        "status": "ACTIVE",
        "groupRef": "BASE_NETWORK",
        **kw,
    }


def test_ats_quantity_becomes_quantity_on_stock():
    [planned] = plan_position(position(), RULES)
    assert planned == Planned(
        key="SKU-1",
        payload={"sku": "SKU-1", "quantityOnStock": 12, "channel": "fluent-ats"},
        target_ref="SKU-1",
    )


@pytest.mark.parametrize(
    "changes, quantity",
    [
        ({"quantity": -4}, 0),
        ({"quantity": 0}, 0),
        ({"status": "INACTIVE"}, 0),
        ({"status": "CREATED"}, 12),
    ],
)
def test_quantity_semantics(changes, quantity):
    [planned] = plan_position(position(**changes), RULES)
    assert planned.payload["quantityOnStock"] == quantity


def test_inactive_statuses_are_configurable():
    rules = InventoryRules(channel_key="x", inactive_statuses=())
    [planned] = plan_position(position(status="INACTIVE"), rules)
    assert planned.payload["quantityOnStock"] == 12


def test_channel_is_part_of_the_fingerprinted_payload():
    [a] = plan_position(position(), RULES)
    [b] = plan_position(position(), InventoryRules(channel_key="other"))
    assert a.key == b.key and a.payload != b.payload


@pytest.mark.parametrize(
    "changes, skip",
    [
        ({"productRef": None}, Skip("SKU-1:BASE_NETWORK", "no productRef")),
        ({"productRef": " "}, Skip("SKU-1:BASE_NETWORK", "no productRef")),
        ({"quantity": None}, Skip("SKU-1", "no quantity")),
        ({"quantity": "7"}, Skip("SKU-1", "no quantity")),
    ],
)
def test_unusable_positions_are_skipped(changes, skip):
    assert list(plan_position(position(**changes), RULES)) == [skip]


# -- configuration -----------------------------------------------------------------------
def runtime(tmp_path, **env) -> Runtime:
    base = {"CONNECTOR_DATA_DIR": str(tmp_path), "CONNECTOR_MODULES": " "}
    return Runtime(Config.from_env({**base, **env}, read_dotenv=False))


FULL = {
    "CTP_PROJECT_KEY": "p",
    "CTP_CLIENT_ID": "c",
    "CTP_CLIENT_SECRET": "s",
    "CTP_API_URL": "http://127.0.0.1:9",
    "CTP_AUTH_URL": "http://127.0.0.1:9",
    "FLUENT_API_URL": "http://127.0.0.1:9",
    "FLUENT_ACCOUNT_ID": "A",
    "FLUENT_RETAILER_ID": "1",
    "FLUENT_CLIENT_ID": "c",
    "FLUENT_CLIENT_SECRET": "s",
    "FLUENT_USERNAME": "u",
    "FLUENT_PASSWORD": "p",
}


def test_inventory_names_every_missing_variable(tmp_path):
    with pytest.raises(MissingSetting) as exc:
        inventory_stream.build(runtime(tmp_path, **FULL))
    assert exc.value.names == [
        "FLUENT_VIRTUAL_CATALOGUE_REF",
        "CTP_INVENTORY_CHANNEL_KEY",
    ]
    assert "inventory sync needs FLUENT_VIRTUAL_CATALOGUE_REF" in str(exc.value)
    env = {k: v for k, v in FULL.items() if k not in ("CTP_CLIENT_SECRET",)}
    env["FLUENT_VIRTUAL_CATALOGUE_REF"] = "BASE:1"
    with pytest.raises(MissingSetting) as exc:
        inventory_stream.build(runtime(tmp_path, **env))
    assert exc.value.names == ["CTP_CLIENT_SECRET", "CTP_INVENTORY_CHANNEL_KEY"]


def test_locations_needs_credentials_only(tmp_path):
    env = {k: v for k, v in FULL.items() if k != "FLUENT_PASSWORD"}
    with pytest.raises(MissingSetting) as exc:
        locations_stream.build(runtime(tmp_path, **env))
    assert exc.value.names == ["FLUENT_PASSWORD"]
    stream = locations_stream.build(runtime(tmp_path, **FULL))
    assert stream.rules.network_ref is None  # FLUENT_NETWORK_REF unset: all locations
    assert stream.options.batch_size == 25 and stream.page_size == 100


def test_options_are_read_and_checked(tmp_path):
    env = {
        **FULL,
        "FLUENT_VIRTUAL_CATALOGUE_REF": "BASE:1",
        "CTP_INVENTORY_CHANNEL_KEY": "fluent-ats",
        "FLUENT_NETWORK_REF": "BASE_NETWORK",
    }
    rt = runtime(tmp_path, **env)
    inv = inventory_stream.build(
        rt, {"batch_size": 250, "max_in_flight": 8, "group_ref": "G"}
    )
    assert (inv.options.batch_size, inv.options.max_in_flight) == (250, 8)
    assert inv.page_size == 5000 and inv.group_ref == "G"
    assert inv.scope() == "fluent:A/BASE:1->ct:p/fluent-ats"
    loc = locations_stream.build(rt, {"network_filter": False, "locales": ["de"]})
    assert loc.rules.network_ref is None and loc.rules.locales == ("de",)
    assert locations_stream.build(rt).rules.network_ref == "BASE_NETWORK"
    with pytest.raises(ConfigError, match="modules.inventory.batch_size"):
        inventory_stream.build(rt, {"batch_size": 501})
    with pytest.raises(ConfigError, match="modules.locations.network_filter"):
        locations_stream.build(rt, {"network_filter": "yes"})


# -- source reads (what the streams ask Fluent for) ---------------------------------------
class FakeFluent:
    account_id = "A"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str | None]] = []

    def iter_connection(self, query, variables, path, *, page_size, after=None):
        self.calls.append((query, variables, after))
        yield [{"productRef": "SKU-1", "quantity": 1}], "cursor-1"


def test_streams_read_inside_the_window(tmp_path):
    from datetime import UTC, datetime

    from connector.sync.stream import Window

    env = {**FULL, "FLUENT_VIRTUAL_CATALOGUE_REF": "BASE:1"}
    env["CTP_INVENTORY_CHANNEL_KEY"] = "fluent-ats"
    rt = runtime(tmp_path, **env)
    window = Window(
        datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=UTC),
        datetime(2026, 1, 2, 4, 0, tzinfo=UTC),
        after="resume-here",
    )
    inv = inventory_stream.build(rt, {"group_ref": "BASE_NETWORK"})
    inv.fluent = fake = FakeFluent()
    [page] = inv.pages(window)
    assert page.cursor == "cursor-1"
    query, variables, after = fake.calls[0]
    assert after == "resume-here"
    assert variables == {
        "catalogue": {"ref": "BASE:1"},
        "updatedOn": {
            "from": "2026-01-02T03:04:05.678Z",
            "to": "2026-01-02T04:00:00.000Z",
        },
        "groupRef": ["BASE_NETWORK"],
    }
    assert "groupRef: $groupRef" in query and "first: $first" in query

    loc = locations_stream.build(rt)
    loc.fluent = fake = FakeFluent()
    loc.store = None  # no store tables here: no deletion sweep
    list(loc.pages(Window(None, window.end)))
    assert fake.calls[-1][1] == {"updatedOn": None}  # full run: no filter
    assert "networks(first: 100)" not in fake.calls[-1][0]  # no network filter
    list(loc.pages(window))
    assert fake.calls[-1][1]["updatedOn"]["from"] == "2026-01-02T03:04:05.678Z"
    loc = locations_stream.build(rt, {"incremental": False})
    loc.fluent = fake = FakeFluent()
    loc.store = None
    list(loc.pages(window))
    assert fake.calls[-1][1] == {"updatedOn": None}  # always reads every location
