"""Tasks of the customers module: ``customers.handle_event`` (one inbound message)."""

from __future__ import annotations

from tasks.base import event_task

handle_event = event_task("customers")
