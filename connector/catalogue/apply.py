"""Write a few records now, through a stream's own plan/write and the fingerprint store:
the event path of the catalogue modules (a CT message -> the same mapping and
fingerprints as the batch sync, so an unchanged entity costs no Fluent call).

Plans the records, then ``write_planned`` (connector/sync/write.py, the engine's own
write half: fingerprint compare, lower ``level`` first, batches of ``batch_size``, save
what was written), without checkpoint or run row.
Transient API errors propagate (the event task retries with backoff).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.store.db import Store
from connector.sync.stats import SyncStats
from connector.sync.stream import Planned, Skip, Stream
from connector.sync.write import write_planned


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
    write_planned(store, stream, planned, stats)
    return stats


def result(stats: SyncStats, **extra: Any) -> dict[str, Any]:
    """A small JSON result for the message row."""
    counts = stats.as_dict()
    counts.pop("plan", None)
    out = {k: v for k, v in counts.items() if v not in (0, [], {})}
    return {**extra, **out}
