"""One options pattern: each module with options has ``options.py`` whose frozen
dataclass rejects unknown keys, naming the section and the closest known key."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

import connector.modules
from connector.errors import ConfigError
from connector.modules.availability.options import AvailabilityOptions
from connector.modules.consignments.options import ConsignmentOptions
from connector.modules.event_errors.options import EventErrorsOptions
from connector.modules.fulfilments.options import FulfilmentOptions
from connector.modules.inventory.options import InventoryOptions
from connector.modules.locations.options import LocationsOptions
from connector.modules.order_status.options import OrderStatusOptions
from connector.modules.orders.options import OrderOptions
from connector.options import reject_unknown

BUILDERS = [
    (
        "availability",
        AvailabilityOptions.from_section,
        "cache_ttl_second",
        "cache_ttl_seconds",
    ),
    ("consignments", ConsignmentOptions.from_section, "parcel_type", "parcel_type_key"),
    ("event_errors", EventErrorsOptions.from_section, "event_type", "event_types"),
    ("fulfilments", FulfilmentOptions.from_section, "mod", "mode"),
    ("inventory", InventoryOptions.from_section, "page_sise", "page_size"),
    ("locations", LocationsOptions.from_section, "locale", "locales"),
    ("order_status", OrderStatusOptions.from_section, "status_ranks", "status_rank"),
    ("orders", OrderOptions.from_mapping, "ref_prefx", "ref_prefix"),
]


@pytest.mark.parametrize(("module", "build", "typo", "meant"), BUILDERS)
def test_unknown_key_names_section_and_suggests(module, build, typo, meant) -> None:
    with pytest.raises(ConfigError) as info:
        build({typo: 1})
    text = str(info.value)
    assert f"modules.{module}.{typo}" in text
    assert f"did you mean {meant!r}" in text


@pytest.mark.parametrize(("module", "build", "typo", "meant"), BUILDERS)
def test_defaults_build_a_frozen_dataclass(module, build, typo, meant) -> None:
    options = build({})
    assert dataclasses.is_dataclass(options)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(options, dataclasses.fields(options)[0].name, None)


def test_route_options_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"modules\.fulfilments\.stats"):
        FulfilmentOptions.from_section({}, {"stats": {}})
    assert (
        FulfilmentOptions.from_section({"mode": "states"}, {"mode": "both"}).mode
        == "both"
    )


def test_no_hint_for_a_key_like_nothing_known() -> None:
    with pytest.raises(ConfigError) as info:
        reject_unknown("modules.x", {"zzz": 1}, ["alpha", "beta"])
    assert "did you mean" not in str(info.value)
    assert "modules.x.zzz" in str(info.value)


def test_every_module_reading_its_section_has_an_options_module() -> None:
    """A module whose code reads ``config.options(...)`` keeps its options in options.py."""
    for info in pkgutil.iter_modules(connector.modules.__path__):
        package = f"connector.modules.{info.name}"
        reads = False
        for sub in pkgutil.iter_modules(importlib.import_module(package).__path__):
            source = importlib.util.find_spec(f"{package}.{sub.name}")
            assert source is not None and source.origin is not None
            with open(source.origin, encoding="utf-8") as handle:
                if "config.options(" in handle.read():
                    reads = True
        if reads:
            assert importlib.util.find_spec(f"{package}.options"), package
