"""Tasks of external_out: the ``external_out.send`` handler and outbox deliveries."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from connector.modules.external_out.deliver import deliver_due, deliver_one
from tasks.base import ConnectorTask, event_task

handle_event = event_task("external_out")


@shared_task(
    bind=True, base=ConnectorTask, name="external_out.deliver", max_retries=None
)
def deliver(self: ConnectorTask, delivery_id: int | None = None) -> dict[str, Any]:
    """One attempt of one delivery (re-run after its backoff), or, without an id,
    enqueue every due delivery (beat)."""
    if delivery_id is None:
        return deliver_due(self.runtime)
    attempt = deliver_one(self.runtime, delivery_id)
    if attempt.status == "retry":
        raise self.retry(
            countdown=attempt.retry_in,
            kwargs={"delivery_id": delivery_id},
            max_retries=None,
        )
    return {"delivery_id": delivery_id, "status": attempt.status}
