"""Task defaults and the two task shapes every module uses.

- ``event_task(module)``: ``<module>.handle_event(message_id)`` -> dispatch.process;
  transient failures re-publish the task with the backoff the store computed.
- ``batch_task(module)``: ``<module>.sync_batch(full, dry_run, trigger)`` -> sync engine;
  the checkpoint lease makes it exclusive, and a beat-triggered run is skipped when the
  previous one started less than half an interval ago (two beats never double a run).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task

from connector.clients.errors import ApiError
from connector.dispatch import backoff_delay, process
from connector.errors import ConnectorError, TransientError
from connector.extensions import BATCH_TIME_LIMIT, ConnectorCelery
from connector.models import utcnow
from connector.runtime import Runtime
from connector.store import checkpoints, runs

log = logging.getLogger(__name__)


class MessageFailed(Exception):
    """Raised after a message row is marked ``failed`` and notified, so the task ends in
    state FAILURE (Flower's Failed view lists it with the row id). Listed in ``throws``:
    logged without a traceback; never retried (no autoretry) and acked (acks_late acks
    failures), so it is not redelivered. ``connector messages replay`` re-drives the row."""


class ConnectorTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    typing = True
    throws = (MessageFailed,)

    @property
    def runtime(self) -> Runtime:
        app = self.app
        assert isinstance(app, ConnectorCelery), "tasks need the connector Celery app"
        return app.runtime


def run_event(task: ConnectorTask, message_id: int) -> dict[str, Any]:
    outcome = process(task.runtime, message_id)
    if outcome.status == "retry":
        raise task.retry(
            countdown=outcome.retry_in,
            max_retries=None,
            kwargs={"message_id": message_id},
        )
    if outcome.status == "failed":
        first_line = (outcome.error or "").splitlines()[0:1] or [""]
        raise MessageFailed(f"message {message_id} failed: {first_line[0][:300]}")
    return {"message_id": message_id, "status": outcome.status}


def event_task(module: str) -> Any:
    @shared_task(bind=True, base=ConnectorTask, name=f"{module}.handle_event")
    def handle_event(self: ConnectorTask, message_id: int) -> dict[str, Any]:
        return run_event(self, message_id)

    return handle_event


def run_batch(
    task: ConnectorTask,
    module: str,
    *,
    full: bool,
    dry_run: bool,
    trigger: str,
    run_id: int | None = None,
) -> dict[str, Any]:
    from connector.sync.engine import SyncEngine
    from connector.sync.runner import build_stream

    runtime = task.runtime
    try:
        stream = build_stream(runtime, module)
    except ConnectorError as exc:  # e.g. a missing credential: fail the run, say why
        if run_id is not None:
            runs.finish(runtime.store, run_id, "failed", {}, str(exc))
        raise
    interval = (
        runtime.config.schedule_seconds(module) or runtime.spec(module).every_seconds
    )
    if trigger == "beat" and interval:
        last = checkpoints.last_started(runtime.store, module, stream.scope())
        if last and utcnow() - last < timedelta(seconds=interval / 2):
            return {"module": module, "status": "skipped", "reason": "ran recently"}
    try:
        result = SyncEngine(runtime.store, stream).run(
            full=full, dry_run=dry_run, trigger=trigger, run_id=run_id
        )
    except (TransientError, ApiError) as exc:
        transient = isinstance(exc, TransientError) or exc.transient
        if transient and task.request.retries < runtime.config.retry.max_retries:
            delay = backoff_delay(
                task.request.retries + 1,
                runtime.config.retry,
                getattr(exc, "retry_after", None),
            )
            raise task.retry(countdown=delay, exc=exc) from exc
        runtime.notifier.sync_failed(module=module, run_id=-1, error=str(exc))
        raise
    return {
        "module": module,
        "status": result.status,
        "run_id": result.run_id,
        **result.stats.as_dict(),
    }


def batch_task(module: str) -> Any:
    @shared_task(
        bind=True,
        base=ConnectorTask,
        name=f"{module}.sync_batch",
        time_limit=BATCH_TIME_LIMIT,
        soft_time_limit=BATCH_TIME_LIMIT - 60,
        max_retries=None,
    )
    def sync_batch(
        self: ConnectorTask,
        full: bool = False,
        dry_run: bool = False,
        trigger: str = "beat",
        run_id: int | None = None,
    ) -> dict[str, Any]:
        return run_batch(
            self, module, full=full, dry_run=dry_run, trigger=trigger, run_id=run_id
        )

    return sync_batch
