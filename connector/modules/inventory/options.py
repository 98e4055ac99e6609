"""Options of the inventory module (YAML ``modules.inventory``); unknown keys are
rejected naming the section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.modules.inventory.mapping import MISSING_POLICIES
from connector.options import STREAM_KEYS, Options
from connector.sync.stream import StreamOptions


@dataclass(frozen=True)
class InventoryOptions:
    stream: StreamOptions
    inactive_statuses: tuple[str, ...] = ("INACTIVE",)
    page_size: int = 5000
    group_ref: str | None = None
    on_missing: str = "zero"  # what an entry without a position gets (mapping)

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> InventoryOptions:
        opts = Options("inventory", section, KEYS)
        return cls(
            stream=opts.stream(batch_size=25, max_in_flight=8, overlap_seconds=120),
            inactive_statuses=opts.texts(
                "inactive_statuses", ("INACTIVE",), allow_empty=True
            ),
            page_size=opts.integer("page_size", 5000, 1, 5000),
            group_ref=opts.text("group_ref", None),
            on_missing=opts.choice("on_missing", "zero", MISSING_POLICIES),
        )


# the keys ``modules.inventory`` may hold: the engine's and the fields but ``stream``
KEYS = (
    *STREAM_KEYS,
    *(f for f in InventoryOptions.__dataclass_fields__ if f != "stream"),
)
