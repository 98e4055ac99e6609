"""Leases of running messages: a row `processing` belongs to the task that renews it.

The task running a row renews its lease (the row's ``updated_at``) from a heartbeat
thread every ``lease / 4`` seconds. When the worker dies the renewals stop, and after
``lease`` seconds the row may be claimed again (``messages.claim``) or re-published by
the sweeper: recovery in seconds, and a live lease is never taken over.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from sqlalchemy import select, update

from connector.models import InboundMessage, utcnow
from connector.store.db import Store

log = logging.getLogger(__name__)


def lease_left(store: Store, row_id: int, *, lease: float) -> float | None:
    """Seconds until the live lease of a `processing` row expires; None if not held."""
    with store.session() as session:
        row = session.execute(
            select(InboundMessage.status, InboundMessage.updated_at).where(
                InboundMessage.id == row_id
            )
        ).one_or_none()
    if row is None or row[0] != "processing":
        return None
    return max(0.0, lease - (utcnow() - row[1]).total_seconds())


def renew(store: Store, row_id: int) -> bool:
    """Renew the lease of a row being run (False once it left `processing`)."""
    with store.session() as session:
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == row_id, InboundMessage.status == "processing")
            .values(updated_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class Heartbeat:
    """``with Heartbeat(store, row_id, lease):`` renews the lease while the block runs."""

    def __init__(self, store: Store, row_id: int, lease: float) -> None:
        self.store = store
        self.row_id = row_id
        self.every = max(0.2, lease / 4)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"lease-{row_id}", daemon=True
        )

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not renew(self.store, self.row_id):
                    return
            except Exception as exc:  # a store blip: the next beat tries again
                log.warning(
                    "message.lease.renew_failed",
                    extra={"message_row": self.row_id, "error": str(exc)[:200]},
                )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
