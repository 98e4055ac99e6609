"""Stage 1 of every inbound webhook, as one reusable piece.

verify (401) -> parse + validate the envelope (400) -> authorize (403) -> route ->
record with a unique (source, message id) -> commit -> enqueue the row id -> answer.
A duplicate answers 200 and enqueues nothing; a message no route accepts is recorded
as ``ignored`` and answered 200; a dead broker leaves the row ``received`` for the
sweeper and still answers 200 (the message is in the store).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from connector import metrics
from connector.context import Services
from connector.inbound.verifiers import HeaderMap
from connector.store import messages
from connector.store.messages import NewMessage

log = logging.getLogger(__name__)


class Rejected(Exception):
    """Refuse the delivery with an HTTP status and a JSON error body."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


@dataclass(frozen=True)
class Inbound:
    """A validated inbound message, ready to route and record."""

    message_id: str
    name: str
    payload: dict[str, Any]
    resource_type: str | None = None
    resource_id: str | None = None


class Source(Protocol):
    """What a webhook source provides; each step raises ``Rejected``."""

    name: str

    def verify(
        self, raw: bytes, headers: HeaderMap, args: Mapping[str, str]
    ) -> None: ...

    def parse(self, raw: bytes, headers: HeaderMap) -> Inbound: ...

    def authorize(self, inbound: Inbound) -> None: ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def accept(runtime: Services, source_name: str, inbound: Inbound) -> Answer:
    """Route, record and enqueue one validated message (also used by pollers)."""
    route = runtime.registry.route_for(source_name, inbound.name, inbound.resource_type)
    new = NewMessage(
        source=source_name,
        message_id=inbound.message_id,
        name=inbound.name,
        payload=inbound.payload,
        resource_type=inbound.resource_type,
        resource_id=inbound.resource_id,
        route=route.name if route else None,
        handler=route.handler if route else None,
        status="queued" if route else "ignored",
    )
    row_id = messages.record(runtime.store, new)
    if row_id is None:
        metrics.DUPLICATES.labels(source_name).inc()
        return Answer(200, {"status": "duplicate"})
    if route is None:
        metrics.IGNORED.labels(source_name).inc()
        log.debug(
            "webhook.message.ignored",
            extra={"source": source_name, "name": inbound.name},
        )
        return Answer(200, {"status": "ignored", "id": row_id})
    metrics.RECEIVED.labels(source_name).inc()
    if not runtime.enqueue(
        runtime.registry.task_for(route), queue=route.queue, message_id=row_id
    ):
        messages.set_status(runtime.store, row_id, "received", only_from=("queued",))
        metrics.PUBLISH_FAILED.labels(source_name).inc()
    return Answer(200, {"status": "accepted", "id": row_id})


def receive(
    runtime: Services,
    source: Source,
    raw: bytes,
    headers: HeaderMap,
    args: Mapping[str, str],
) -> Answer:
    """Run stage 1 for one delivery; ``Rejected`` becomes a 4xx answer."""
    try:
        source.verify(raw, headers, args)
        inbound = source.parse(raw, headers)
        source.authorize(inbound)
    except Rejected as exc:
        metrics.REJECTED.labels(source.name, exc.error).inc()
        log.info(
            "webhook.delivery.rejected",
            extra={"source": source.name, "reason": exc.error},
        )
        return Answer(exc.status, {"error": exc.error, "message": exc.message})
    return accept(runtime, source.name, inbound)
