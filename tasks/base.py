"""Task defaults and the two task shapes every module uses.

- ``event_task(module)``: ``<module>.handle_event(message_id)`` -> dispatch.process;
  transient failures re-publish the task with the backoff the store computed.
- ``batch_task(module)``: ``<module>.sync_batch(full, dry_run, trigger)`` -> sync engine;
  the checkpoint lease makes it exclusive, and a beat-triggered run is skipped when the
  previous one started less than half an interval ago (two beats never double a run);
  a scheduled full run is never skipped so, and retried later when the lease is held.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from celery import Task, shared_task

from connector.backoff import backoff_delay
from connector.clients.errors import ApiError
from connector.errors import TransientError
from connector.extensions import BATCH_TIME_LIMIT, ConnectorCelery, is_amqp
from connector.inbound.dispatch import process
from connector.runtime import Runtime

log = logging.getLogger(__name__)
FULL_RUN_RETRY_SECONDS = 300.0  # a scheduled full run that found the lease held


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
    # Celery's own retry counter never cuts a schedule short (its default is 3): the one
    # bound is ``RetryPolicy.max_retries``, checked by ``dispatch.process`` against the
    # row's attempt count in the store (and by ``run_batch`` for batch syncs).
    max_retries = None

    def retry(self, *args: Any, countdown: float | None = None, **kw: Any) -> Any:
        # RabbitMQ's native delayed delivery takes whole seconds and refuses 0 < x < 1:
        # round up (never shorter than the backoff or a Retry-After)
        if countdown and is_amqp(str(self.app.conf.broker_url or "")):
            countdown = float(math.ceil(countdown))
        return super().retry(*args, countdown=countdown, **kw)

    throws = (MessageFailed,)

    @property
    def runtime(self) -> Runtime:
        app = self.app
        assert isinstance(app, ConnectorCelery), "tasks need the connector Celery app"
        return app.runtime


def run_event(task: ConnectorTask, message_id: int) -> dict[str, Any]:
    outcome = process(task.runtime, message_id)
    if outcome.status in ("retry", "busy"):
        # "busy": another delivery holds a live lease; look again when it would expire
        raise task.retry(
            countdown=outcome.retry_in,
            # explicit: the policy (dispatch.process, on the row's attempts) already
            # allowed this retry; Celery's own counter must never refuse it
            max_retries=task.request.retries + 1,
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
    force: bool = False,
) -> dict[str, Any]:
    from connector.sync.runner import RunResult, prepare_run, run_stream

    runtime = task.runtime
    stream = prepare_run(runtime, module, trigger=trigger, run_id=run_id, full=full)
    if isinstance(stream, RunResult):  # a beat run too soon after the last one
        return {"module": module, "status": stream.status, "reason": stream.error}
    try:
        result = run_stream(
            runtime,
            stream,
            full=full,
            dry_run=dry_run,
            force=force,
            trigger=trigger,
            run_id=run_id,
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
    if result.status == "skipped" and full and trigger == "beat":
        # the scheduled full run (it alone sees hard deletions) must not be lost to an
        # incremental run holding the lease: try again a little later, bounded
        if task.request.retries < runtime.config.retry.max_retries:
            raise task.retry(countdown=FULL_RUN_RETRY_SECONDS)
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
        force: bool = False,
    ) -> dict[str, Any]:
        return run_batch(
            self,
            module,
            full=full,
            dry_run=dry_run,
            trigger=trigger,
            run_id=run_id,
            force=force,
        )

    return sync_batch
