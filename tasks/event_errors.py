"""Task of the event_errors module: the failed-event summary."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from connector.modules.event_errors.service import summarize
from tasks.base import ConnectorTask


@shared_task(bind=True, base=ConnectorTask, name="event_errors.summarize")
def summarize_event_errors(self: ConnectorTask) -> dict[str, Any]:
    """Send one summary of Fluent's FAILED events since the last run."""
    return summarize(self.runtime)
