"""Advisory write locks per resource: one writer of a resource at a time, across
processes (PostgreSQL ``pg_advisory_lock``).

An optimisation, never a guarantee: correctness stays with whatever protects the
resource itself (commercetools' resource versions and the 409 re-read). Three Fluent
webhooks of one order (fulfilment, consignment, status) arrive together and each
updates the same commercetools order; run at the same time, all but one fail with a
409 and pay a re-read and a second update. Holding the order's lock from the read to
the write makes them take turns instead.

So nothing here may fail a handler: a lock not obtained within ``wait`` seconds (its
holder is stuck on a slow call) or a database without advisory locks (SQLite, the
embedded single-process default) runs the block without it (``yield False``). The lock
is held on the calling thread's autocommit connection (``driver.run``); when that
connection dies the server releases the lock with it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connector.store import driver
from connector.store.db import Store

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 10.0
# ONE statement (server-prepared on psycopg). The materialized CTE runs first and sets
# lock_timeout for this statement's transaction only (``set_config(..., true)``; in
# autocommit the statement is its transaction), then the lock is waited for: a
# timeout (55P03) or the end of the statement puts lock_timeout back.
_LOCK = text(
    "WITH wait AS MATERIALIZED"
    " (SELECT set_config('lock_timeout', :timeout, true))"
    " SELECT pg_advisory_lock(:key) FROM wait"
)
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (the same in every process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def resource_lock(
    store: Store, name: str, *, wait: float = DEFAULT_WAIT_SECONDS
) -> Iterator[bool]:
    """Hold the write lock of ``name`` while the block runs; yields whether it is held.

    One statement to take the lock (waiting if another process holds it), one to
    release it. Re-entrant per thread (PostgreSQL counts session-level locks).
    """
    if store.dialect != "postgresql":
        yield False
        return
    key = lock_key(name)
    timeout = f"{max(1, int(wait * 1000)):d}ms"
    try:
        driver.run(store, _LOCK, {"timeout": timeout, "key": key}, _nothing)
        held = True
    except DBAPIError as exc:  # not within ``wait`` (55P03), or the store is unwell
        log.info("store.lock.not_taken", extra={"error": str(exc.orig)[:200]})
        held = False
    try:
        yield held
    finally:
        if held:
            try:
                driver.run(store, _UNLOCK, {"key": key}, _nothing)
            except DBAPIError:
                pass  # the connection is gone, and the lock with it


def _nothing(result: object) -> None:
    return None
