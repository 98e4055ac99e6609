"""The write pipeline of a batch run: batches start as soon as what they depend on is
written, and the next page is read while the current one is being written.

``WriteScheduler`` owns the batches in flight. A page's changed entities are cut into
batches per ``level``; a batch goes to the pool (``max_in_flight`` threads) once the
batches holding its dependencies are done: the keys named in ``Planned.after`` (a
variant waits for the batch of its standard product only), or, for an entity of level
> 0 that names none, every lower-level batch still in flight (children after parents,
also across pages). A batch whose dependency failed is not written (it fails with
``DependencyFailed``), so a child is never written before its parent.

``PageWork`` is one page between its plan (``sync.write.plan_write``: fingerprint
lookup, change detection, mass-removal guard) and its checkpoint. The engine keeps at most
two pages in flight: it submits page N+1's batches (read and planned while page N was
being written), then waits for page N, saves the fingerprints of what page N wrote and
only then advances the checkpoint past it. On an error every batch already started is
drained and what it wrote is fingerprinted, but the checkpoint stays before the first
unfinished page, so a resumed run re-reads it and writes only what has no fingerprint.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.stats import SyncStats
from connector.sync.stream import Page, Planned, WriteOutcome
from connector.sync.write import record_written

WriteFn = Callable[[list[Planned], Mapping[str, Stored]], list[WriteOutcome]]


class DependencyFailed(RuntimeError):
    """A batch was not written because a batch it depends on failed."""


class Stopped(RuntimeError):
    """A batch was not started because the run is stopping."""


@dataclass(eq=False)
class Batch:
    items: list[Planned]
    level: int
    known: Mapping[str, Stored]
    hashes: Mapping[str, str]
    done: Future[list[WriteOutcome]] = field(default_factory=Future)
    waiting: int = 0


@dataclass(eq=False)
class PageWork:
    """One page from its plan to its checkpoint."""

    page: Page
    known: Mapping[str, Stored]
    hashes: dict[str, str]
    changed: list[Planned]
    batches: list[Batch] = field(default_factory=list)
    in_flight: int = 0  # entities an earlier page in flight writes the same way


class WriteScheduler:
    """Starts batches on the pool as their dependencies complete."""

    def __init__(self, pool: ThreadPoolExecutor, write: WriteFn, size: int) -> None:
        self.pool = pool
        self.write = write
        self.size = max(1, size)
        self._lock = threading.RLock()  # a callback may run inside submit
        self._by_key: dict[str, Batch] = {}  # entity key -> its batch (in flight)
        self._open: list[Batch] = []  # batches of the pages in flight
        self._stopping = False

    def submit(self, work: PageWork) -> list[Batch]:
        """Cut the page's changed entities into batches and start (or queue) them.

        An entity an earlier page in flight already writes with the same content (a
        category carried as the ancestor of several pages) is dropped from this page
        (``work.in_flight`` counts them); with other content it waits for that write.
        """
        batches: list[Batch] = []
        ready: list[Batch] = []
        with self._lock:
            kept = []
            for item in work.changed:
                earlier = self._by_key.get(item.key)
                if (
                    earlier is not None
                    and earlier.hashes.get(item.key) == (work.hashes[item.key])
                ):
                    work.in_flight += 1
                else:
                    kept.append(item)
            work.changed = kept
            for level in sorted({p.level for p in work.changed}):
                items = [p for p in work.changed if p.level == level]
                for i in range(0, len(items), self.size):
                    batch = Batch(
                        items[i : i + self.size], level, work.known, work.hashes
                    )
                    deps = self._dependencies(batch)
                    for item in batch.items:
                        self._by_key[item.key] = batch
                    self._open.append(batch)
                    batches.append(batch)
                    pending = [d for d in deps if not d.done.done()]
                    batch.waiting = len(pending)
                    if not pending:
                        ready.append(batch)
                    for dep in pending:
                        dep.done.add_done_callback(
                            functools.partial(self._dependency_done, batch)
                        )
        for batch in ready:
            self._start(batch)
        work.batches = batches
        return batches

    def _dependencies(self, batch: Batch) -> set[Batch]:
        deps: set[Batch] = set()
        fallback = False
        for item in batch.items:
            earlier = self._by_key.get(item.key)  # the same entity, other content
            if earlier is not None:
                deps.add(earlier)
            if item.after:
                deps.update(self._by_key[k] for k in item.after if k in self._by_key)
            elif item.level > 0:
                fallback = True
        if fallback:
            deps.update(b for b in self._open if b.level < batch.level)
        deps.discard(batch)
        return deps

    def _dependency_done(self, batch: Batch, dep: Future[list[WriteOutcome]]) -> None:
        failed = dep.cancelled() or dep.exception() is not None
        with self._lock:
            batch.waiting -= 1
            start = batch.waiting == 0
        if failed and not batch.done.done():
            batch.done.set_exception(DependencyFailed("a batch it depends on failed"))
        if start and not batch.done.done():
            self._start(batch)

    def _start(self, batch: Batch) -> None:
        if self._stopping:
            batch.done.set_exception(Stopped("the run is stopping"))
            return
        try:
            future = self.pool.submit(self.write, batch.items, batch.known)
        except RuntimeError as exc:  # the pool is shutting down
            batch.done.set_exception(exc)
            return
        future.add_done_callback(lambda f: self._finished(batch, f))

    @staticmethod
    def _finished(batch: Batch, future: Future[list[WriteOutcome]]) -> None:
        error = future.exception()
        if error is not None:
            batch.done.set_exception(error)
        else:
            batch.done.set_result(future.result())

    def stop(self) -> None:
        """Start no more batches (those running finish; the others fail Stopped)."""
        self._stopping = True

    def release(self, work: PageWork) -> None:
        """Forget a finished page's batches (its dependents are all started)."""
        with self._lock:
            gone = set(work.batches)
            self._open = [b for b in self._open if b not in gone]
            for batch in work.batches:
                for item in batch.items:
                    if self._by_key.get(item.key) is batch:
                        del self._by_key[item.key]


def finish_page(
    store: Store,
    module: str,
    work: PageWork,
    stats: SyncStats,
    scheduler: WriteScheduler,
    drain: bool = False,
) -> None:
    """Wait for a page's batches, count them and save the fingerprints of what was
    written; raise the first error (unless draining after one)."""
    saved: list[Stored] = []
    error: BaseException | None = None
    for batch in work.batches:
        try:
            results = batch.done.result()
        except Exception as exc:  # keep what other batches wrote, then stop
            error = error or exc
            continue
        saved.extend(record_written(batch.items, results, work.hashes, stats))
    fingerprints.save(store, module, saved)
    scheduler.release(work)
    if error is not None and not drain:
        raise error
