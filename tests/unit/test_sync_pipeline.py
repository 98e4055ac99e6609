"""The pipelined batch engine: dependencies, overlap of pages, crash and resume."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest

from connector.clients.errors import ServerError
from connector.store import checkpoints, fingerprints, migrate
from connector.store.db import Store
from connector.sync import Page, Planned, Stream, Window, WriteOutcome
from connector.sync.engine import SyncEngine
from connector.sync.stream import StreamOptions


class ProductLike(Stream):
    """Records of a parent (level 0) and its children (level 1, ``after`` the parent);
    every write is timed and may sleep or fail."""

    module = "pipe"

    def __init__(
        self, n: int, children: int = 3, page_size: int = 4, in_flight: int = 3
    ) -> None:
        super().__init__(
            StreamOptions(
                batch_size=2, max_in_flight=in_flight, overlap=timedelta(seconds=0)
            )
        )
        self.ids = [f"p{i:03d}" for i in range(n)]
        self.children = children
        self.page_size = page_size
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}  # key -> (start, end)
        self.writes: list[str] = []
        self.delay: dict[str, float] = {}  # key in batch -> sleep (seconds)
        self.crash_on: set[str] = set()
        self.pages_read: list[str] = []

    def scope(self) -> str:
        return "test"

    def pages(self, window: Window) -> Iterator[Page]:
        ids = [i for i in self.ids if window.after is None or i > window.after]
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start : start + self.page_size]
            self.pages_read.append(chunk[0])
            yield Page([{"id": i} for i in chunk], chunk[-1])

    def plan(self, record: dict[str, Any]):
        parent = record["id"]
        yield Planned(parent, {"v": parent}, level=0)
        for c in range(self.children):
            yield Planned(f"{parent}.{c}", {"v": c}, level=1, after=(parent,))

    def write(
        self, batch: list[Planned], known: Mapping[str, Any]
    ) -> list[WriteOutcome]:
        keys = [p.key for p in batch]
        start = time.monotonic()
        with self.lock:
            crash = self.crash_on & set(keys)
            self.crash_on -= crash
        if crash:
            raise ServerError("fluent 503", status=503)
        time.sleep(max([self.delay.get(k, 0.0) for k in keys] + [0.002]))
        end = time.monotonic()
        with self.lock:
            self.writes.extend(keys)
            for key in keys:
                self.spans[key] = (start, end)
        return [WriteOutcome(k, "updated" if k in known else "created") for k in keys]


@pytest.fixture
def store(tmp_path) -> Store:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    migrate.upgrade(url)
    return Store(url)


def test_variant_never_written_before_its_standard_product(store):
    stream = ProductLike(12, page_size=4)
    # the second parent batch of every page is slow: children of the first parent
    # batch must not wait for it, children of the slow one must
    for i in range(12):
        if i % 4 in (2, 3):
            stream.delay[f"p{i:03d}"] = 0.15
    result = SyncEngine(store, stream).run()
    assert result.status == "succeeded" and result.stats.created == 48
    for i in range(12):
        parent = f"p{i:03d}"
        for c in range(3):
            assert stream.spans[f"{parent}.{c}"][0] >= stream.spans[parent][1]
    # pipelined: a child of a fast parent was written while the slow parent batch
    # of the same page was still being written
    assert stream.spans["p000.0"][1] < stream.spans["p002"][1]


def test_child_of_a_failed_parent_batch_is_not_written(store):
    stream = ProductLike(4, children=2, page_size=4)
    stream.crash_on = {"p002"}
    with pytest.raises(ServerError):
        SyncEngine(store, stream).run()
    assert not any(k.startswith(("p002.", "p003.")) for k in stream.writes)
    assert {"p000", "p001"} <= set(stream.writes)


def test_next_page_is_written_while_the_current_one_finishes(store):
    stream = ProductLike(8, children=0, page_size=4, in_flight=2)
    stream.delay["p002"] = 0.2  # the tail of page 1 is slow
    SyncEngine(store, stream).run()
    assert stream.spans["p004"][0] < stream.spans["p002"][1]


def test_crash_mid_pipelined_run_resumes_without_loss_or_double_write(store):
    stream = ProductLike(12, children=1, page_size=4, in_flight=2)
    stream.delay["p004"] = 0.2  # page 2 is slow while page 3 is written
    stream.crash_on = {"p005"}  # page 2 fails
    with pytest.raises(ServerError):
        SyncEngine(store, stream).run()
    cursor = checkpoints.get(store, "pipe", "test").cursor
    assert cursor["run"]["after"] == "p003"  # only page 1 is fully written
    assert "p008" in stream.writes  # page 3 was written before the crash
    # what page 3 wrote is fingerprinted, so it is not written again
    assert "p008" in fingerprints.lookup(store, "pipe", ["p008"])

    resumed = ProductLike(12, children=1, page_size=4, in_flight=2)
    result = SyncEngine(store, resumed).run()
    assert result.status == "succeeded"
    assert resumed.pages_read == ["p004", "p008"]
    everything = stream.writes + resumed.writes
    assert sorted(everything) == sorted(set(everything))  # none written twice
    assert len(everything) == 24  # none lost: 12 parents + 12 children
    assert checkpoints.get(store, "pipe", "test").cursor["run"] is None


def test_no_change_run_writes_nothing_and_reads_each_page_once(store):
    SyncEngine(store, ProductLike(10, page_size=4)).run()
    again = ProductLike(10, page_size=4)
    result = SyncEngine(store, again).run(full=True)
    assert again.writes == [] and result.stats.unchanged == 40
    assert again.pages_read == ["p000", "p004", "p008"]
    assert result.stats.batches == 0


class Carried(ProductLike):
    """Every page carries the same ancestor ``root`` (as the categories stream
    carries the ancestors of a page's categories) before its own records."""

    def pages(self, window: Window) -> Iterator[Page]:
        for page in super().pages(window):
            yield Page([{"id": "root"}, *page.records], page.cursor)

    def plan(self, record: dict[str, Any]):
        if record["id"] == "root":
            yield Planned("root", {"v": "root"}, level=0)
            return
        yield Planned(record["id"], {"v": record["id"]}, level=1)


def test_entity_carried_by_pages_in_flight_is_written_once(store):
    stream = Carried(8, children=0, page_size=2, in_flight=2)
    stream.delay["root"] = 0.1  # still in flight when the next pages are planned
    result = SyncEngine(store, stream).run()
    assert result.status == "succeeded"
    assert stream.writes.count("root") == 1
    assert sorted(k for k in stream.writes if k != "root") == stream.ids
    # level-1 entities without ``after`` wait for the lower level in flight
    assert all(stream.spans[k][0] >= stream.spans["root"][1] for k in stream.ids)
