"""Generic message tasks: the dispatcher for partner handlers and the sweeper."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from connector.inbound.sweeper import sweep
from tasks.base import ConnectorTask, event_task

handle_event = event_task("messages")


@shared_task(bind=True, base=ConnectorTask, name="messages.sweep")
def sweep_messages(self: ConnectorTask) -> dict[str, Any]:
    """Re-publish rows the broker may not hold (broker down, lost, worker died)."""
    return sweep(self.runtime)
