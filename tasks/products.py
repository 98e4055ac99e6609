"""Tasks of the products module: ``products.handle_event`` (CT product messages) and
``products.sync_batch`` (the batch sync, beat or on demand)."""

from __future__ import annotations

from tasks.base import batch_task, event_task

handle_event = event_task("products")
sync_batch = batch_task("products")
