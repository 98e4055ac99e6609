"""Batch windows kept where Fluent's connector keeps them: in its batch settings.

Per module, the setting of its Fluent job (``JOB_SETTING``):
- a first run with no checkpoint of ours starts at the setting's ``previousEndDate``;
- a ``customDateRange`` ``{"start", "end"}`` runs that window once (our checkpoint
  does not move) and is then removed from the setting;
- after each successful run the setting gets ``previousEndDate`` = the window's end and
  ``lastRun`` = ``{"param": {"start", "end", "props"}, "jobStart", "jobEnd",
  "status": "SUCCESSFUL"}``; its other keys are kept (the setting is re-read first).

categories and products share ``batch-product-catalogue-sync``: only products (the
job's last step) writes back, so the categories step never moves the products start.
A failed write-back is logged and not raised; the next successful run writes again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connector.fluent_connect import settings as fs
from connector.sync.stream import Window

if TYPE_CHECKING:
    from connector.context import Services

log = logging.getLogger(__name__)

JOB_SETTING: Mapping[str, str] = {
    "categories": fs.PRODUCT_CATALOGUE_JOB,
    "products": fs.PRODUCT_CATALOGUE_JOB,
    "inventory": fs.INVENTORY_JOB,
    "locations": fs.LOCATION_JOB,
}
WRITERS = frozenset({"products", "inventory", "locations"})


def fluent_time(value: datetime | None) -> str | None:
    """UTC ``2022-10-10T01:10:56.000Z``, the shape of Fluent's examples."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SettingWindow:
    """The ``WindowHooks`` of one module backed by its Fluent batch setting."""

    def __init__(
        self,
        runtime: Services,
        module: str,
        setting: fs.Found | None,
        *,
        write_back: bool,
        ttl: float,
    ) -> None:
        self.runtime = runtime
        self.module = module
        self.setting = setting
        self.write_back = write_back and module in WRITERS
        self.ttl = ttl

    def first_since(self) -> datetime | None:
        if self.setting is None:
            return None
        return parse_time(self.setting.value.get("previousEndDate"))

    def custom_range(self) -> tuple[datetime, datetime] | None:
        if self.setting is None:
            return None
        custom = self.setting.value.get("customDateRange")
        if not isinstance(custom, Mapping):
            return None
        start, end = parse_time(custom.get("start")), parse_time(custom.get("end"))
        if start is None or end is None or end <= start:
            log.warning(
                "fluent_connect.custom_range.invalid",
                extra={"setting": self.setting.name, "sync_module": self.module},
            )
            return None
        return start, end

    def after_run(
        self, window: Window, custom: bool, job_start: datetime, job_end: datetime
    ) -> None:
        if not self.write_back or self.setting is None:
            return
        try:
            fluent = self.runtime.fluent()
            # a fresh read keeps keys changed since the run started
            fresh = fs.load(fluent, 0).get(JOB_SETTING[self.module])
            current = fresh or self.setting
            value = next_value(current.value, window, custom, job_start, job_end)
            fs.write(fluent, current, value)
            fs.snapshot_cache(self.runtime.caches).clear()
            log.info(
                "fluent_connect.writeback.done",
                extra={"setting": current.name, "sync_module": self.module},
            )
        except Exception as exc:  # never fails the sync; the next run writes again
            log.warning(
                "fluent_connect.writeback.failed",
                extra={
                    "setting": self.setting.name,
                    "sync_module": self.module,
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                },
            )


def next_value(
    value: Mapping[str, Any],
    window: Window,
    custom: bool,
    job_start: datetime,
    job_end: datetime,
) -> dict[str, Any]:
    """The setting after a successful run (pure): other keys kept."""
    out = dict(value)
    if custom:
        out.pop("customDateRange", None)
    else:
        out["previousEndDate"] = fluent_time(window.end)
    out["lastRun"] = {
        "param": {
            "start": fluent_time(window.start),
            "end": fluent_time(window.end),
            "props": out.get("props", {}),
        },
        "jobStart": fluent_time(job_start),
        "jobEnd": fluent_time(job_end),
        "status": "SUCCESSFUL",
    }
    return out


def prepare(runtime: Services, module: str) -> SettingWindow | None:
    """Refresh the config from the settings; the window hooks of ``module``, if any."""
    from connector.fluent_connect import effective

    snapshot = effective.refresh(runtime)
    name = JOB_SETTING.get(module)
    if snapshot is None or name is None:
        return None
    opts = effective.options(runtime.env_config)
    return SettingWindow(
        runtime,
        module,
        snapshot.get(name),
        write_back=opts.write_back,
        ttl=opts.settings_ttl_seconds,
    )
