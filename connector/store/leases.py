"""Leases of running messages: a row `processing` belongs to the task that renews it.

The task running a row renews its lease (the row's ``updated_at``) every ``lease / 4``
seconds: one ``LeaseKeeper`` thread per process renews all the rows it runs (a row
done within ``lease / 4`` seconds of its claim is never renewed). When the
worker dies the renewals stop, and after ``lease`` seconds the row may be claimed again (``messages.claim``) or re-published by
the sweeper: recovery in seconds, and a live lease is never taken over.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import select, update

from connector.models import InboundMessage, utcnow
from connector.store.db import Store
from connector.store.messages import CLAIMABLE

log = logging.getLogger(__name__)


def lease_left(store: Store, row_id: int, *, lease: float) -> float | None:
    """Seconds until a row that could not be claimed may be claimed: the live lease of
    a `processing` row, or the backoff (``retry_at``) of a row waiting to be retried.
    None when neither holds it (the row is finished, or gone).

    0.0, not None, for a row whose lease or backoff ended since the claim refused it:
    the claim compared with its own ``now``, a moment earlier, and a delivery that
    arrived just before ``retry_at`` (a broker's ETA timer firing a few ms early) must
    look again, not be dropped as finished (the row would wait for the sweeper)."""
    with store.session() as session:
        row = session.execute(
            select(
                InboundMessage.status,
                InboundMessage.updated_at,
                InboundMessage.retry_at,
            ).where(InboundMessage.id == row_id)
        ).one_or_none()
    if row is None:
        return None
    status, updated_at, retry_at = row
    now = utcnow()
    if status == "processing":
        return max(0.0, lease - (now - updated_at).total_seconds())
    if status in CLAIMABLE and retry_at is not None:
        return max(0.0, (retry_at - now).total_seconds())
    return None


def renew(store: Store, row_id: int) -> bool:
    """Renew the lease of a row being run (False once it left `processing`)."""
    return renew_many(store, [row_id]) > 0


def renew_many(store: Store, row_ids: Collection[int]) -> int:
    """Renew the leases of the given rows still `processing`; how many were renewed."""
    if not row_ids:
        return 0
    with store.session() as session:
        result = session.execute(
            update(InboundMessage)
            .where(
                InboundMessage.id.in_(list(row_ids)),
                InboundMessage.status == "processing",
            )
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


IDLE_BEATS = 3  # a keeper thread with nothing to renew for this many beats ends


class LeaseKeeper:
    """Renews the leases of every row this process is running, from one thread.

    ``with keeper.hold(row_id):`` registers the row while the block runs. One daemon
    thread per process renews the held rows (a thread per message cost a thread start
    and join on every message): each row ``lease / 4`` seconds after it was registered
    (the claim just before set its lease) and every ``lease / 4`` seconds after that,
    rows due at about the same time in one UPDATE. A message finished sooner (most
    take well under a second) is never renewed: no statement at all. When the process
    dies the renewals stop and after ``lease`` seconds the row may be claimed again.
    After a fork the child starts its own thread (a thread does not survive ``fork``).
    """

    def __init__(self, store: Store, lease: float) -> None:
        self.store = store
        self.every = max(0.2, lease / 4)
        self._lock = threading.Lock()
        self._held: dict[int, int] = {}  # row id -> blocks holding it
        self._due: dict[int, float] = {}  # row id -> when to renew it (monotonic)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    @contextmanager
    def hold(self, row_id: int) -> Iterator[None]:
        with self._lock:
            count = self._held.get(row_id, 0)
            self._held[row_id] = count + 1
            if not count:
                # due no sooner than the thread's next wake-up (it waits at most
                # ``every``), so the thread need not be woken for it
                self._due[row_id] = time.monotonic() + self.every
            self._ensure_thread()
        try:
            yield
        finally:
            with self._lock:
                left = self._held.pop(row_id, 1) - 1
                if left > 0:
                    self._held[row_id] = left
                else:
                    self._due.pop(row_id, None)

    def held(self) -> list[int]:
        with self._lock:
            return list(self._held)

    def _ensure_thread(self) -> None:
        pid = os.getpid()
        if self._thread is not None and self._pid == pid and self._thread.is_alive():
            return  # (a thread started before a fork is not alive in the child)
        self._pid = pid
        self._thread = threading.Thread(
            target=self._run, name="lease-keeper", daemon=True
        )
        self._thread.start()

    def _next(self) -> tuple[list[int], float]:
        """(rows to renew now, seconds to wait before looking again). Rows due within
        half a beat are renewed with those due now (early is always safe)."""
        now = time.monotonic()
        with self._lock:
            if not self._due:
                return [], self.every
            soon = now + self.every / 2
            rows = [r for r, due in self._due.items() if due <= soon]
            for row in rows:
                self._due[row] = now + self.every
            first = min(self._due.values())
        return rows, max(0.0, first - now)

    def _run(self) -> None:
        idle = 0
        wait = self.every
        while not self._wake.wait(wait):
            rows, wait = self._next()
            if not self.held():
                idle += 1
                with self._lock:  # idle for a while: end (``hold`` starts a new one)
                    if idle >= IDLE_BEATS and not self._held:
                        self._thread = None
                        return
                continue
            idle = 0
            if not rows:
                continue
            try:
                renew_many(self.store, rows)
            except Exception as exc:  # a store blip: the next beat tries again
                log.warning(
                    "message.lease.renew_failed",
                    extra={"message_rows": rows[:20], "error": str(exc)[:200]},
                )
