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
is held on the calling thread's autocommit connection (``Store.autocommit``); when that
connection dies the server releases the lock with it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connector.store.db import Store

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 10.0
_TRY = text("SELECT pg_try_advisory_lock(:key)")
_LOCK = text("SELECT pg_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
_LOCK_TIMEOUT = text("SELECT set_config('lock_timeout', :value, false)")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (the same in every process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _scalar(store: Store, statement: object, params: dict[str, object]) -> object:
    return store.autocommit(statement, params, lambda result: result.scalar())


def _wait_for(store: Store, key: int, wait: float) -> bool:
    """Block until the lock is ours or ``wait`` seconds passed (then False)."""
    try:
        _scalar(store, _LOCK_TIMEOUT, {"value": f"{max(1, int(wait * 1000))}ms"})
        _scalar(store, _LOCK, {"key": key})
        return True
    except DBAPIError as exc:  # lock_timeout (55P03), or the connection went away
        log.info("store.lock.not_taken", extra={"error": str(exc.orig)[:200]})
        return False
    finally:
        try:
            _scalar(store, _LOCK_TIMEOUT, {"value": "0"})
        except DBAPIError:
            pass  # a dead connection took the setting (and any lock) with it


@contextmanager
def resource_lock(
    store: Store, name: str, *, wait: float = DEFAULT_WAIT_SECONDS
) -> Iterator[bool]:
    """Hold the write lock of ``name`` while the block runs; yields whether it is held.

    One round trip when the lock is free (``pg_try_advisory_lock``), one more to
    release it. Re-entrant per thread (PostgreSQL counts session-level locks).
    """
    if store.dialect != "postgresql":
        yield False
        return
    key = lock_key(name)
    try:
        held = bool(_scalar(store, _TRY, {"key": key})) or _wait_for(store, key, wait)
    except DBAPIError as exc:  # the store is unwell: run unlocked, let others report
        log.warning("store.lock.failed", extra={"error": str(exc.orig)[:200]})
        held = False
    try:
        yield held
    finally:
        if held:
            try:
                _scalar(store, _UNLOCK, {"key": key})
            except DBAPIError:
                pass  # the connection is gone, and the lock with it
