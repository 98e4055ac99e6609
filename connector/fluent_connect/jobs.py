"""Fluent's connector job names, started the way ``POST /api/v1/jobs/<module>`` starts
a module's sync (a ``pending`` run row, then ``<module>.sync_batch`` on the batch queue;
the checkpoint lease keeps one run per module at a time).

- ``batch-product-catalogue-sync``: categories, then products (products is linked to
  the categories task and starts when it finishes; its run row is created then);
- ``batch-inventory-sync``: inventory; ``batch-location-sync``: locations;
- ``event-failure-summary-monitor``: the ``event_errors.summarize`` task (no run row).

A job whose first module already has a pending or running run answers that run
(``already_running``) instead of starting a second one.

No sync work here; the CLI runs the same steps in the foreground (``steps``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from connector.errors import ConfigError
from connector.models import utcnow
from connector.runtime import Runtime
from connector.store import runs
from connector.sync.engine import LEASE_TTL_SECONDS
from connector.version import APP_VERSION

log = logging.getLogger(__name__)

BATCH_QUEUE = "batch"
PENDING_SCOPE = ""
_start_lock = threading.Lock()


@dataclass(frozen=True)
class Job:
    name: str
    modules: tuple[str, ...] = ()  # batch modules, in order
    task: str | None = None  # a plain task instead (no run row)
    task_module: str | None = None  # the module that must be enabled for ``task``
    task_path: str | None = None  # foreground function ``(runtime) -> dict``


JOBS: Mapping[str, Job] = {
    j.name: j
    for j in (
        Job("batch-product-catalogue-sync", ("categories", "products")),
        Job("batch-inventory-sync", ("inventory",)),
        Job("batch-location-sync", ("locations",)),
        Job(
            "event-failure-summary-monitor",
            task="event_errors.summarize",
            task_module="event_errors",
            task_path="connector.modules.event_errors.service:summarize",
        ),
    )
}


class JobUnavailable(ConfigError):
    """The job needs a module that is not enabled."""


class BrokerDown(Exception):
    """The broker is unreachable; ``run_id`` (if any) was marked failed."""

    def __init__(self, run_id: int | None) -> None:
        super().__init__("the task broker is unreachable; the job was not started")
        self.run_id = run_id


def check_enabled(runtime: Runtime, job: Job) -> None:
    enabled = {s.name for s in runtime.specs}
    needed = list(job.modules) + ([job.task_module] if job.task_module else [])
    missing = [m for m in needed if m not in enabled]
    if missing:
        raise JobUnavailable(
            f"job {job.name!r} needs module(s) {', '.join(missing)}, not enabled"
        )


def active_run(runtime: Runtime, module: str) -> int | None:
    """A pending or running run of ``module`` younger than the lease, if any (other
    processes are kept to one run by the checkpoint lease)."""
    horizon = utcnow() - timedelta(seconds=LEASE_TTL_SECONDS)
    for run in runs.recent(runtime.store, module, 5):
        if run.status in ("pending", "running") and run.started_at >= horizon:
            return run.id
    return None


def start(
    runtime: Runtime, job: Job, *, full: bool, dry_run: bool, trigger: str
) -> dict[str, Any]:
    """Record and enqueue ``job``; ``BrokerDown`` when the broker is unreachable (the
    run row, if any, is then marked failed)."""
    check_enabled(runtime, job)
    if job.task is not None:
        if not runtime.enqueue(job.task, queue="default"):
            raise BrokerDown(None)
        return {"job": job.name, "task": job.task, "status": "queued"}
    first, rest = job.modules[0], job.modules[1:]
    with _start_lock:  # two calls at once in this process: the second joins the first
        active = active_run(runtime, first)
        if active is not None:
            return {
                "job": job.name,
                "run_id": active,
                "module": first,
                "status": "already_running",
            }
        run_id = runs.start(
            runtime.store,
            first,
            PENDING_SCOPE,
            trigger=trigger,
            full=full,
            dry_run=dry_run,
            app_version=APP_VERSION,
            status="pending",
        )
    args = {"full": full, "dry_run": dry_run, "trigger": trigger}
    link = None
    assert runtime.celery is not None
    for module in reversed(rest):  # products runs when categories has finished
        sig = runtime.celery.signature(
            f"{module}.sync_batch", kwargs=args, queue=BATCH_QUEUE, immutable=True
        )
        link = sig if link is None else sig.set(link=link)
    try:
        runtime.celery.send_task(
            f"{first}.sync_batch",
            kwargs={**args, "run_id": run_id},
            queue=BATCH_QUEUE,
            link=link,
            retry=False,
        )
    except Exception as exc:  # kombu raises many types for a dead broker
        log.warning(
            "broker.publish.failed", extra={"task": job.name, "error": str(exc)}
        )
        runs.finish(runtime.store, run_id, "failed", {}, "broker unreachable")
        raise BrokerDown(run_id) from None
    return {
        "job": job.name,
        "run_id": run_id,
        "module": first,
        "then": list(rest),
        "status": "pending",
        "full": full,
        "dry_run": dry_run,
    }
