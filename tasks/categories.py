"""Tasks of the categories module: ``categories.handle_event`` (CT category messages)
and ``categories.sync_batch`` (the batch sync, beat or on demand)."""

from __future__ import annotations

from tasks.base import batch_task, event_task

handle_event = event_task("categories")
sync_batch = batch_task("categories")
