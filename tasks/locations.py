"""Tasks of the locations module: ``locations.sync_batch`` (beat and jobs API)."""

from __future__ import annotations

from tasks.base import batch_task

sync_batch = batch_task("locations")
