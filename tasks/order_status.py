"""Tasks of the order_status module (Fluent order status webhooks, stage 2)."""

from __future__ import annotations

from tasks.base import event_task

handle_event = event_task("order_status")
