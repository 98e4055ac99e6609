"""The write half of a sync: ``plan_write`` (per page of a batch run, before the
pipeline schedules its batches: connector/sync/pipeline.py), ``record_written`` (per
written batch) and ``write_planned`` (both in one go: the catalogue event path, a few
records now, connector/catalogue/apply.py).

Compares each planned entity's fingerprint with the stored one (``force``: write all),
writes what changed through the stream, lower ``level`` first, in batches of the stream's
``batch_size`` (in parallel on ``pool`` when given), and saves the fingerprints of what
was written. ``guard`` (a batch run's mass-removal guard) may stop the run before a
page's removals are written. A failed batch: the others' writes are kept, then its error is raised (in
sequence, nothing after it is written). ``dry_run`` only counts and lists the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.removals import RemovalGuard, count_written, guard_page
from connector.sync.stats import SyncStats
from connector.sync.stream import Planned, Stream, WriteOutcome

MAX_PLAN_LINES = 200
WRITTEN = ("created", "updated", "unchanged")


def count(outcome: WriteOutcome, stats: SyncStats) -> None:
    if outcome.note:
        stats.skip(outcome.key, outcome.note)
    if outcome.status == "created":
        stats.created += 1
    elif outcome.status == "updated":
        stats.updated += 1
    elif outcome.status == "unchanged":
        stats.unchanged += 1
    else:
        stats.fail(outcome.key, outcome.error or "write failed")


@dataclass
class WritePlan:
    """What a set of planned entities needs written: ``changed`` (after the guard),
    with the stored fingerprints (``known``) and the new ones (``hashes``)."""

    known: Mapping[str, Stored]
    hashes: dict[str, str]
    changed: list[Planned]


def plan_write(
    store: Store,
    stream: Stream,
    planned: Sequence[Planned],
    stats: SyncStats,
    *,
    dry_run: bool = False,
    force: bool = False,
    guard: RemovalGuard | None = None,
    known: Mapping[str, Stored] | None = None,
) -> WritePlan | None:
    """The planning half: one fingerprint lookup (unless ``known`` holds the stored
    fingerprints of every planned key: ``Page.known``), change detection, the
    mass-removal guard and, in a dry run, the plan listing (then None: nothing to
    write)."""
    if known is None:
        known = fingerprints.lookup(store, stream.module, (p.key for p in planned))
    hashes = {p.key: fingerprints.fingerprint(p.payload) for p in planned}
    changed = [
        p
        for p in planned
        if force or p.key not in known or known[p.key].hash != hashes[p.key]
    ]
    stats.unchanged += len(planned) - len(changed)
    if guard is not None:  # the mass-removal guard (sync.removals)
        changed = guard_page(guard, changed, known, stats, dry_run)
    if dry_run:
        for p in changed:
            action = "update" if p.key in known else "create"
            if action == "create":
                stats.created += 1
            else:
                stats.updated += 1
            if len(stats.plan) < MAX_PLAN_LINES:
                stats.plan.append(f"{action} {p.target_ref or p.key}")
        return None
    return WritePlan(known, hashes, changed)


def record_written(
    batch: Sequence[Planned],
    results: Sequence[WriteOutcome],
    hashes: Mapping[str, str],
    stats: SyncStats,
) -> list[Stored]:
    """Count a written batch's outcomes; the fingerprints to save for it."""
    by_key = {p.key: p for p in batch}
    count_written(batch, {o.key: o.status for o in results}, stats)
    saved: list[Stored] = []
    for outcome in results:
        count(outcome, stats)
        written = by_key.get(outcome.key)
        if written is not None and outcome.status in WRITTEN:
            ref = outcome.target_ref or written.target_ref
            saved.append(Stored(written.key, ref, hashes[written.key]))
    return saved


def write_planned(
    store: Store,
    stream: Stream,
    planned: Sequence[Planned],
    stats: SyncStats,
    *,
    pool: Executor | None = None,
    dry_run: bool = False,
    force: bool = False,
    guard: RemovalGuard | None = None,
) -> None:
    """Plan and write in one go, level by level (the event path's simple case)."""
    plan = plan_write(
        store, stream, planned, stats, dry_run=dry_run, force=force, guard=guard
    )
    if plan is None:
        return
    known, hashes, changed = plan.known, plan.hashes, plan.changed
    size = max(1, stream.options.batch_size)
    for level in sorted({p.level for p in changed}):
        items = [p for p in changed if p.level == level]
        batches = [items[i : i + size] for i in range(0, len(items), size)]
        stats.batches += len(batches)
        done: list[tuple[list[Planned], list[WriteOutcome]]] = []
        error: BaseException | None = None
        if pool is None:
            for batch in batches:
                try:
                    done.append((batch, stream.write(batch, known)))
                except Exception as exc:  # keep what was written, then stop
                    error = exc
                    break
        else:
            futures = [pool.submit(stream.write, b, known) for b in batches]
            for batch, future in zip(batches, futures, strict=True):
                try:
                    done.append((batch, future.result()))
                except Exception as exc:  # keep what other batches wrote, then stop
                    error = error or exc
        saved: list[Stored] = []
        for batch, results in done:
            saved.extend(record_written(batch, results, hashes, stats))
        fingerprints.save(store, stream.module, saved)
        if error is not None:
            raise error
