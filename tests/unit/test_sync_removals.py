"""Removals in the sync engine: same batches as the rest, listed apart in a dry run, the
mass-removal guard (share, floor, force), and the scheduled full run of batch modules."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from connector.store import runs
from connector.sync import Planned
from connector.sync.engine import SyncEngine
from connector.sync.removals import MassRemoval
from tests.unit.test_sync_engine import MemoryStream, records, store  # noqa: F401


class RemovingStream(MemoryStream):
    """Records with ``gone`` plan a removal (a deactivation payload)."""

    def __init__(self, data: list[dict[str, Any]], **options: Any) -> None:
        super().__init__(data, page_size=100)
        self.options = replace(self.options, **options)

    def plan(self, record: dict[str, Any]):
        if record.get("gone"):
            yield Planned(record["id"], {"status": "INACTIVE"}, removal="deactivate")
            return
        yield from super().plan(record)


def gone(data: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [{**r, "gone": True} if i < count else r for i, r in enumerate(data)]


def test_removals_share_batches_and_a_no_change_run_writes_nothing(store):  # noqa: F811
    data = records(20)
    SyncEngine(store, RemovingStream(data)).run()
    stream = RemovingStream(gone(data, 2))
    result = SyncEngine(store, stream).run(full=True)
    assert result.status == "succeeded"
    assert result.stats.removed == 2 and result.stats.updated == 2
    assert stream.writes == [["id-000", "id-001"]]  # one batch of the page
    again = RemovingStream(gone(data, 2))
    assert SyncEngine(store, again).run(full=True).stats.written == 0
    assert again.writes == []


def test_guard_stops_half_the_catalogue_and_force_lets_it_through(store):  # noqa: F811
    data = records(20)
    SyncEngine(store, RemovingStream(data)).run()

    dry = SyncEngine(store, RemovingStream(gone(data, 10))).run(full=True, dry_run=True)
    assert dry.stats.removed == 10 and dry.stats.updated == 0
    assert dry.stats.removal_plan[:2] == ["deactivate id-000", "deactivate id-001"]
    assert dry.stats.plan == []
    assert dry.stats.guard and "10 of 20" in dry.stats.guard

    blocked = RemovingStream(gone(data, 10))
    with pytest.raises(MassRemoval, match=r"remove 10 of 20 .*\(50%\).*--force"):
        SyncEngine(store, blocked).run(full=True)
    assert blocked.writes == []
    row = runs.recent(store, "memory", limit=1)[0]
    assert row.status == "failed" and "max_removal_share 10%" in row.error

    forced = RemovingStream(gone(data, 10))
    result = SyncEngine(store, forced).run(full=True, force_removals=True)
    assert result.status == "succeeded" and result.stats.removed == 10
    assert sorted(forced.written) == [f"id-{i:03d}" for i in range(10)]


def test_guard_share_and_floor_are_options(store):  # noqa: F811
    data = records(20)
    SyncEngine(store, RemovingStream(data)).run()
    # 3 of 20 = 15 %: within the floor of 5 by default
    assert SyncEngine(store, RemovingStream(gone(data, 3))).run(full=True).status == (
        "succeeded"
    )
    # 5 more (the 3 already removed are unchanged): above 10 % without the floor
    strict = RemovingStream(gone(data, 8), removal_guard_min=0, max_removal_share=0.1)
    with pytest.raises(MassRemoval, match="5 of 20"):
        SyncEngine(store, strict).run(full=True)
    loose = RemovingStream(gone(data, 8), removal_guard_min=0, max_removal_share=0.5)
    assert SyncEngine(store, loose).run(full=True).stats.removed == 5


def test_batch_modules_have_a_nightly_full_run(tmp_path, monkeypatch):
    from connector.config import Config
    from connector.runtime import Runtime
    from tasks.schedule import build_schedule

    env = {
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "SYNC_INVENTORY_FULL_EVERY_SECONDS": "0",
    }
    env["SYNC_PRODUCTS_FULL_EVERY_SECONDS"] = "3600"
    runtime = Runtime(Config.from_env(env))
    schedule = build_schedule(runtime)
    entry = schedule["categories-sync-full"]
    assert entry["task"] == "categories.sync_batch"
    assert entry["kwargs"] == {"trigger": "beat", "full": True}
    assert entry["schedule"] == timedelta(days=1).total_seconds()
    assert schedule["products-sync-full"]["schedule"] == 3600.0
    assert "inventory-sync-full" not in schedule  # 0 disables it
    assert schedule["inventory-sync-batch"]["schedule"] == 120.0


def test_a_stopped_run_starts_over_so_the_forced_run_sees_every_page(store):  # noqa: F811
    data = records(20)
    SyncEngine(store, RemovingStream(data)).run()
    late = [{**r, "gone": True} if i >= 12 else r for i, r in enumerate(data)]
    stopped = RemovingStream(late)
    stopped.page_size = 4  # the removals sit in the last pages, after saved pages
    with pytest.raises(MassRemoval):
        SyncEngine(store, stopped).run(full=True)
    assert stopped.pages_read == 5  # 4 removals of page 4 allowed, page 5 stopped
    assert sorted(stopped.written) == [f"id-{i:03d}" for i in range(12, 16)]
    forced = RemovingStream(late)
    forced.page_size = 4
    result = SyncEngine(store, forced).run(full=True, force_removals=True)
    assert forced.pages_read == 5  # from the start again, not from the saved page
    assert result.stats.removed == 4  # page 4's were written before


def test_scheduled_full_run_retries_when_the_lease_is_held(tmp_path):
    from types import SimpleNamespace

    from connector.config import Config
    from connector.runtime import Runtime
    from connector.store import checkpoints, migrate
    from tasks.base import FULL_RUN_RETRY_SECONDS, run_batch
    from tests.unit.modules.test_inventory_mapping import FULL

    env = {**FULL, "CONNECTOR_DATA_DIR": str(tmp_path), "CONNECTOR_MODULES": "products"}
    env["FLUENT_CATALOGUE_REF"] = "PC:1"
    runtime = Runtime(Config.from_env(env, read_dotenv=False))
    migrate.upgrade(runtime.config.database_url)
    assert checkpoints.acquire(runtime.store, "products", "ct:p", "incremental", 60)

    class Retry(Exception):
        pass

    retried: list[float] = []

    def retry(countdown: float) -> Exception:
        retried.append(countdown)
        return Retry()

    task: Any = SimpleNamespace(
        runtime=runtime, request=SimpleNamespace(retries=0), retry=retry
    )
    with pytest.raises(Retry):
        run_batch(task, "products", full=True, dry_run=False, trigger="beat")
    assert retried == [FULL_RUN_RETRY_SECONDS]
    # an incremental beat run that finds the lease held is simply skipped
    out = run_batch(task, "products", full=False, dry_run=False, trigger="beat")
    assert out["status"] == "skipped" and retried == [FULL_RUN_RETRY_SECONDS]
    task.request.retries = runtime.config.retry.max_retries  # bounded
    out = run_batch(task, "products", full=True, dry_run=False, trigger="beat")
    assert out["status"] == "skipped"
