"""Write a few records now, through a stream's own plan/write and the fingerprint store:
the event path of the catalogue modules (a CT message -> the same mapping and
fingerprints as the batch sync, so an unchanged entity costs no Fluent call).

Mirrors what the sync engine does for one page (fingerprint compare, lower ``level``
first, batches of ``batch_size``, save what was written) without checkpoint or run row.
Transient API errors propagate (the event task retries with backoff).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.stats import SyncStats
from connector.sync.stream import Planned, Skip, Stream, WriteOutcome

WRITTEN = ("created", "updated", "unchanged")


def apply_records(store: Store, stream: Stream, records: Iterable[Any]) -> SyncStats:
    """Plan, compare and write ``records`` (already prepared by the stream)."""
    stats = SyncStats()
    planned: list[Planned] = []
    for record in records:
        stats.read += 1
        for item in stream.plan(record):
            if isinstance(item, Skip):
                stats.skip(item.key, item.reason)
            else:
                planned.append(item)
    module = stream.module
    known = fingerprints.lookup(store, module, (p.key for p in planned))
    hashes = {p.key: fingerprints.fingerprint(p.payload) for p in planned}
    changed = [
        p for p in planned if p.key not in known or known[p.key].hash != hashes[p.key]
    ]
    stats.unchanged += len(planned) - len(changed)
    size = max(1, stream.options.batch_size)
    for level in sorted({p.level for p in changed}):
        items = [p for p in changed if p.level == level]
        for start in range(0, len(items), size):
            batch = items[start : start + size]
            stats.batches += 1
            outcomes = stream.write(batch, known)
            by_key = {p.key: p for p in batch}
            saved = []
            for outcome in outcomes:
                _count(outcome, stats)
                done = by_key.get(outcome.key)
                if done is not None and outcome.status in WRITTEN:
                    ref = outcome.target_ref or done.target_ref
                    saved.append(Stored(done.key, ref, hashes[done.key]))
            fingerprints.save(store, module, saved)
    return stats


def _count(outcome: WriteOutcome, stats: SyncStats) -> None:
    if outcome.status == "created":
        stats.created += 1
    elif outcome.status == "updated":
        stats.updated += 1
    elif outcome.status == "unchanged":
        stats.unchanged += 1
    else:
        stats.fail(outcome.key, outcome.error or "write failed")


def result(stats: SyncStats, **extra: Any) -> dict[str, Any]:
    """A small JSON result for the message row."""
    counts = stats.as_dict()
    counts.pop("plan", None)
    out = {k: v for k, v in counts.items() if v not in (0, [], {})}
    return {**extra, **out}
