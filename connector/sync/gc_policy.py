"""The cyclic garbage collector's pace during a batch run.

A batch run allocates and drops containers by the hundred thousand per source page:
the decoded commercetools page (500 products, ~2.5 MB of JSON: ~150,000 dicts and
lists), the mapped payloads, the GraphQL requests and answers. CPython starts a young
collection every 700 container allocations (``gc.get_threshold()[0]``) and, every
100 of those, a full collection that traverses every live object of the process, the
pages in flight included. Measured on the products sync (10,000 products x 3
variants, no-change ``--full`` run): half of the worker's CPU went to the collector,
and decoding one page took 88 ms with the collector on against 26 ms with it off.

Nothing in a run relies on the cycle collector to free memory in time: its objects are
freed by reference counting as each page is dropped (a full products run of 40,000
entities leaves ~50 objects for the collector). ``relaxed_gc`` therefore raises the
young-generation threshold to ``RUN_THRESHOLD`` for the duration of a run, and
restores the previous setting when the last concurrent run ends (a thread-pool worker may
run several at once; the setting is process-wide). The threshold counts container
allocations minus deallocations: a run's young objects grow by about two source pages
before the older page is freed (~100,000 containers per products page), so at 200,000
a young collection is rare (1 in a 10,000-product run, where 50,000 made 19, each
traversing the pages in flight: ~0.5 s of the run's CPU). Collections still happen
(cyclic garbage waits at most that many allocations). The products benchmark checks
that the worker's peak RSS stays flat.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLD = 200_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def relaxed_gc(threshold: int = RUN_THRESHOLD) -> Iterator[None]:
    """Collect young objects every ``threshold`` allocations while inside (never
    more often than the process was already set to)."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            first, *rest = _saved
            if 0 < first < threshold:  # 0: the collector is off; leave it off
                gc.set_threshold(threshold, *rest)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
