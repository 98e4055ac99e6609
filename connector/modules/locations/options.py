"""Options of the locations module (YAML ``modules.locations``); unknown keys are
rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.modules.locations.gone import POLICIES
from connector.options import STREAM_KEYS, Options
from connector.sync.stream import StreamOptions


@dataclass(frozen=True)
class LocationsOptions:
    stream: StreamOptions
    network_filter: bool = True
    channel_key_prefix: str = ""
    locales: tuple[str, ...] = ("en",)
    custom_type_key: str | None = (
        None  # None: the field profile's (connector.ct_fields)
    )
    active_statuses: tuple[str, ...] = ("ACTIVE",)
    inactive_remove_inventory_supply: bool = False
    page_size: int = 100
    incremental: bool = True
    on_delete: str = "mark"  # what a gone location's channel gets (see ``gone``)

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> LocationsOptions:
        opts = Options("locations", section, KEYS)
        return cls(
            stream=opts.stream(batch_size=25, max_in_flight=4, overlap_seconds=120),
            network_filter=opts.flag("network_filter", True),
            channel_key_prefix=opts.text("channel_key_prefix", "") or "",
            locales=opts.texts("locales", ("en",)),
            custom_type_key=opts.text("custom_type_key", None) or None,
            active_statuses=opts.texts("active_statuses", ("ACTIVE",)),
            inactive_remove_inventory_supply=opts.flag(
                "inactive_remove_inventory_supply", False
            ),
            page_size=opts.integer("page_size", 100, 1, 5000),
            incremental=opts.flag("incremental", True),
            on_delete=opts.choice("on_delete", "mark", POLICIES),
        )


# the keys ``modules.locations`` may hold: the engine's and the fields but ``stream``
KEYS = (
    *STREAM_KEYS,
    *(f for f in LocationsOptions.__dataclass_fields__ if f != "stream"),
)
