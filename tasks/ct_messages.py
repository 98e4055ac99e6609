"""Task of the commercetools Messages poller."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from connector.modules.ct_messages.poller import poll
from tasks.base import ConnectorTask


@shared_task(bind=True, base=ConnectorTask, name="ct_messages.poll")
def poll_messages(self: ConnectorTask) -> dict[str, Any]:
    """Read new commercetools Messages into the store and enqueue their routes."""
    return poll(self.runtime)
