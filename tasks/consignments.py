"""Tasks of the consignments module (Fluent consignment webhooks, stage 2)."""

from __future__ import annotations

from tasks.base import event_task

handle_event = event_task("consignments")
