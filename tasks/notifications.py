"""Task of the notifications module: the grouped failure summary."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from connector.modules.notifications.flush import flush
from tasks.base import ConnectorTask


@shared_task(bind=True, base=ConnectorTask, name="notifications.flush")
def flush_notifications(self: ConnectorTask) -> dict[str, Any]:
    """Send one summary of what failed since the last flush."""
    return flush(self.runtime)
