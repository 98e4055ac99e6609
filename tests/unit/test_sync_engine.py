"""The batch sync engine on a real (SQLite) store with an in-memory stream."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.clients.errors import ServerError
from connector.store import checkpoints, fingerprints, migrate, runs
from connector.store.db import Store
from connector.sync import Page, Planned, Skip, Stream, Window, WriteOutcome
from connector.sync.engine import SyncEngine
from connector.sync.stream import StreamOptions

T0 = datetime(2026, 11, 1, tzinfo=UTC)


class MemoryStream(Stream):
    module = "memory"

    def __init__(self, records: list[dict[str, Any]], page_size: int = 3) -> None:
        super().__init__(
            StreamOptions(batch_size=2, max_in_flight=2, overlap=timedelta(seconds=0))
        )
        self.records = records
        self.page_size = page_size
        self.writes: list[list[str]] = []
        self.fail_keys: set[str] = set()
        self.crash_on: set[str] = set()
        self.pages_read = 0

    def scope(self) -> str:
        return "test"

    def pages(self, window: Window) -> Iterator[Page]:
        rows = sorted(
            (
                r
                for r in self.records
                if (window.start is None or r["modified"] > window.start)
                and r["modified"] <= window.end
            ),
            key=lambda r: r["id"],
        )
        if window.after:
            rows = [r for r in rows if r["id"] > window.after]
        for i in range(0, len(rows), self.page_size):
            chunk = rows[i : i + self.page_size]
            self.pages_read += 1
            yield Page(chunk, chunk[-1]["id"])

    def plan(self, record: dict[str, Any]):
        if record.get("skip"):
            yield Skip(record["id"], "no sku")
            return
        yield Planned(
            record["id"], {"value": record["value"]}, level=record.get("level", 0)
        )

    def write(
        self, batch: list[Planned], known: Mapping[str, Any]
    ) -> list[WriteOutcome]:
        keys = [p.key for p in batch]
        if self.crash_on & set(keys):
            self.crash_on -= set(keys)
            raise ServerError("fluent 503", status=503)
        self.writes.append(keys)
        return [
            WriteOutcome(p.key, "failed", error="rejected")
            if p.key in self.fail_keys
            else WriteOutcome(
                p.key, "updated" if p.key in known else "created", f"ref-{p.key}"
            )
            for p in batch
        ]

    @property
    def written(self) -> list[str]:
        return [k for batch in self.writes for k in batch]


@pytest.fixture
def store(tmp_path) -> Store:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate.upgrade(url)
    return Store(url)


def records(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"id-{i:03d}", "value": i, "modified": T0 + timedelta(minutes=i)}
        for i in range(n)
    ]


def test_first_run_writes_all_then_nothing_changes(store):
    stream = MemoryStream(records(10))
    result = SyncEngine(store, stream).run()
    assert result.status == "succeeded"
    assert result.stats.created == 10 and result.stats.read == 10
    assert sorted(stream.written) == [f"id-{i:03d}" for i in range(10)]
    assert all(len(batch) <= 2 for batch in stream.writes)
    # full re-read with nothing changed: zero writes
    stream2 = MemoryStream(records(10))
    again = SyncEngine(store, stream2).run(full=True)
    assert again.stats.unchanged == 10 and stream2.writes == []
    row = runs.get(store, again.run_id)
    assert row.status == "succeeded" and row.counts["unchanged"] == 10


def test_incremental_window_and_single_change(store):
    data = records(10)
    SyncEngine(store, MemoryStream(data)).run()
    data[4] = {**data[4], "value": 99, "modified": datetime.now(UTC)}
    stream = MemoryStream(data)
    result = SyncEngine(store, stream).run()
    assert stream.written == ["id-004"]
    assert result.stats.read == 1 and result.stats.updated == 1


def test_crash_mid_run_resumes_from_checkpoint(store):
    data = records(9)
    stream = MemoryStream(data)
    stream.crash_on = {"id-004"}  # second page
    with pytest.raises(ServerError):
        SyncEngine(store, stream).run()
    cursor = checkpoints.get(store, "memory", "test").cursor
    assert cursor["run"]["after"] == "id-002" and "since" not in cursor
    resumed = MemoryStream(data)
    result = SyncEngine(store, resumed).run()
    assert result.status == "succeeded"
    assert resumed.pages_read == 2  # pages 2 and 3 only
    assert sorted(stream.written + resumed.written) == [d["id"] for d in data]
    assert checkpoints.get(store, "memory", "test").cursor["run"] is None


def test_lease_makes_runs_exclusive(store):
    assert checkpoints.acquire(store, "memory", "test", "someone-else", 60)
    stream = MemoryStream(records(3))
    result = SyncEngine(store, stream).run()
    assert result.status == "skipped" and stream.writes == []
    checkpoints.release(store, "memory", "test", "someone-else")
    assert SyncEngine(store, stream).run().status == "succeeded"


def test_dry_run_writes_nothing(store):
    stream = MemoryStream(records(4))
    result = SyncEngine(store, stream).run(dry_run=True)
    assert stream.writes == []
    assert result.stats.created == 4
    assert result.stats.plan == [f"create id-{i:03d}" for i in range(4)]
    assert fingerprints.lookup(store, "memory", ["id-000"]) == {}
    assert not (checkpoints.get(store, "memory", "test").cursor or {}).get("since")


def test_levels_skips_and_failures(store):
    data = records(6)
    data[0]["level"] = 1
    data[1]["skip"] = True
    stream = MemoryStream(data, page_size=10)
    stream.fail_keys = {"id-005"}
    result = SyncEngine(store, stream).run()
    assert result.status == "partial"
    assert result.stats.skipped == 1 and result.stats.skip_reasons == {"no sku": 1}
    assert result.stats.failed == 1
    assert result.stats.failures == [{"key": "id-005", "error": "rejected"}]
    assert stream.written[-1] == "id-000"  # level 1 after every level 0 entity
    # the failed entity has no fingerprint and the window did not advance, so the
    # next incremental run reads it again and writes only it
    retry = MemoryStream(data, page_size=10)
    result = SyncEngine(store, retry).run()
    assert retry.written == ["id-005"]
    assert result.status == "succeeded" and result.stats.unchanged == 4


def test_force_rewrites_unchanged_entities_as_updates(store):
    SyncEngine(store, MemoryStream(records(4))).run()
    forced = MemoryStream(records(4))
    result = SyncEngine(store, forced).run(full=True, force=True)
    assert sorted(forced.written) == [f"id-{i:03d}" for i in range(4)]
    assert result.stats.updated == 4 and result.stats.unchanged == 0


class KnownStream(MemoryStream):
    """Hands the engine the fingerprints it looked up while reading (Page.known)."""

    def __init__(self, records: list[dict[str, Any]], store: Store) -> None:
        super().__init__(records)
        self.store = store

    def pages(self, window: Window) -> Iterator[Page]:
        for page in super().pages(window):
            keys = [r["id"] for r in page.records if not r.get("skip")]
            known = fingerprints.lookup(self.store, self.module, keys)
            yield Page(page.records, page.cursor, known)


def test_page_known_replaces_the_engine_lookup(store, monkeypatch):
    SyncEngine(store, MemoryStream(records(6))).run()
    looked_up: list[list[str]] = []
    real = fingerprints.lookup

    def counting(st, module, keys):
        keys = list(keys)
        looked_up.append(keys)
        return real(st, module, keys)

    monkeypatch.setattr(fingerprints, "lookup", counting)
    data = records(6)
    data[2] = {**data[2], "value": 99}
    stream = KnownStream(data, store)
    result = SyncEngine(store, stream).run(full=True)
    # one lookup per page (the stream's), none by the engine; change detection holds
    assert len(looked_up) == stream.pages_read == 2
    assert stream.written == ["id-002"] and result.stats.unchanged == 5
