"""Tasks of the orders module: ``orders.handle_event`` (one inbound message)."""

from __future__ import annotations

from tasks.base import event_task

handle_event = event_task("orders")
