"""The batch sync engine: one run of one stream under the checkpoint lease.

Per page: map records, compare fingerprints (one lookup per page), write only changed
entities in batches of ``batch_size`` with at most ``max_in_flight`` requests at once
(a batch starts once what it depends on is written: ``sync.pipeline``), save
fingerprints of what was written, then advance the checkpoint to the page cursor. The
next page is read and planned while the current one is written; a page is
checkpointed only once all its writes are done. A crash resumes inside the same window
after the last saved page. Memory holds two pages at a time. The cycle collector runs
less often during a run (``sync.gc_policy``).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector.models import utcnow
from connector.store import checkpoints, runs
from connector.store.db import Store
from connector.sync.gc_policy import relaxed_gc
from connector.sync.hooks import hooks_of, next_since, plan_with_hooks
from connector.sync.pipeline import PageWork, WriteScheduler, finish_page
from connector.sync.removals import MassRemoval, RemovalGuard
from connector.sync.stats import SyncStats
from connector.sync.stream import Page, Planned, Skip, Stream, Window
from connector.sync.write import plan_write
from connector.version import APP_VERSION

log = logging.getLogger(__name__)

LEASE_TTL_SECONDS = 600.0

Progress = Callable[[SyncStats], None]


@dataclass
class RunResult:
    run_id: int | None
    status: str  # succeeded | partial | failed | skipped
    stats: SyncStats
    error: str | None = None


class LeaseLost(RuntimeError):
    """Another run took over the checkpoint (this one outlived its lease)."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def plan_window(
    cursor: dict[str, Any], *, full: bool, overlap: timedelta, now: datetime
) -> tuple[Window, dict[str, Any]]:
    """The window of this run: resume an unfinished one, or start a new one."""
    pending = cursor.get("run")
    if pending and bool(pending.get("full")) == full:
        window = Window(
            _parse(pending.get("from")),
            _parse(pending["to"]) or now,
            pending.get("after"),
        )
        return window, pending
    since = None if full else _parse(cursor.get("since"))
    start = since - overlap if since else None
    run = {"from": _iso(start), "to": _iso(now), "after": None, "full": full}
    return Window(start, now), run


class SyncEngine:
    def __init__(
        self, store: Store, stream: Stream, *, owner: str | None = None
    ) -> None:
        self.store = store
        self.stream = stream
        self.owner = (
            owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )

    def run(
        self,
        *,
        full: bool = False,
        dry_run: bool = False,
        force: bool = False,
        trigger: str = "cli",
        progress: Progress | None = None,
        on_start: Callable[[int, int | None], None] | None = None,
        run_id: int | None = None,
        force_removals: bool | None = None,
    ) -> RunResult:
        """Run once. ``run_id``: a `pending` run row created by the caller (jobs API).

        ``force`` writes every entity read, ignoring stored fingerprints (to repair
        targets edited by hand); it still tells the writer which entities exist.
        ``force_removals`` (default: ``force``) lets a run past the mass-removal guard.
        """
        module, scope = self.stream.module, self.stream.scope()
        stats = SyncStats()
        checkpoint = checkpoints.acquire(
            self.store, module, scope, self.owner, LEASE_TTL_SECONDS
        )
        if checkpoint is None:
            log.info(
                "sync.run.skipped",
                extra={"sync_module": module, "scope": scope, "reason": "lease held"},
            )
            reason = "another run holds the lease"
            if run_id is not None:
                runs.finish(self.store, run_id, "skipped", stats.as_dict(), reason)
            return RunResult(run_id, "skipped", stats, reason)
        cursor = dict(checkpoint.cursor or {})
        hooks, job_start = hooks_of(self.stream), utcnow()
        window, pending = plan_with_hooks(
            cursor,
            full=full,
            overlap=self.stream.options.overlap,
            now=job_start,
            hooks=hooks,
        )
        if run_id is None:
            run_id = runs.start(
                self.store,
                module,
                scope,
                trigger=trigger,
                full=full,
                dry_run=dry_run,
                app_version=APP_VERSION,
            )
        else:
            runs.mark_running(self.store, run_id, scope)
        try:
            if on_start is not None:
                on_start(run_id, self.stream.estimate_total(window))
            guard = RemovalGuard(
                self.store,
                self.stream,
                force=force if force_removals is None else force_removals,
            )
            with (
                relaxed_gc(),
                ThreadPoolExecutor(
                    max_workers=max(1, self.stream.options.max_in_flight),
                    thread_name_prefix=f"sync-{module}",
                ) as pool,
            ):
                scheduler = WriteScheduler(
                    pool, self.stream.write, self.stream.options.batch_size
                )

                def done(work: PageWork | None) -> None:
                    nonlocal pending
                    if work is not None:
                        pending = {**pending, "after": work.page.cursor}
                        self._save({**cursor, "run": pending})
                        runs.update_counts(self.store, run_id, stats.as_dict())
                    if progress is not None:
                        progress(stats)

                self._pipeline(window, stats, scheduler, dry_run, force, guard, done)
            status = "partial" if stats.failed else "succeeded"
            if not dry_run:
                # A partial run keeps the old window start, so entities that failed are
                # read again next time (unchanged ones cost a read, never a write).
                since = next_since(cursor, pending, status)
                self._save({"since": since, "run": None})
            runs.finish(self.store, run_id, status, stats.as_dict())
            if hooks is not None and not dry_run and status == "succeeded":
                custom = bool(pending.get("custom"))
                hooks.after_run(window, custom, job_start, utcnow())
            log.info(
                "sync.run.finished",
                extra={
                    "sync_module": module,
                    "scope": scope,
                    "run_id": run_id,
                    "status": status,
                    "summary": stats.summary(),
                },
            )
            return RunResult(run_id, status, stats)
        except Exception as exc:
            if isinstance(exc, MassRemoval):  # the next run starts this window over
                self._save({**cursor, "run": None})
            error = f"{type(exc).__name__}: {exc}"
            runs.finish(self.store, run_id, "failed", stats.as_dict(), error)
            log.warning(
                "sync.run.failed",
                extra={"sync_module": module, "run_id": run_id, "error": error},
            )
            raise
        finally:
            checkpoints.release(self.store, module, scope, self.owner)
            self.stream.close()

    def _save(self, cursor: dict[str, Any]) -> None:
        ok = checkpoints.save(
            self.store,
            self.stream.module,
            self.stream.scope(),
            self.owner,
            cursor,
            LEASE_TTL_SECONDS,
        )
        if not ok:
            raise LeaseLost(f"lease of {self.stream.module} lost to another run")

    def _pipeline(
        self,
        window: Window,
        stats: SyncStats,
        scheduler: WriteScheduler,
        dry_run: bool,
        force: bool,
        guard: RemovalGuard | None,
        done: Callable[[PageWork | None], None],
    ) -> None:
        """Plan page N+1 (its read and existence checks ran in ``pages``) while page
        N's batches are written; checkpoint a page once all its writes are done."""
        inflight: deque[PageWork] = deque()
        try:
            for page in self.stream.pages(window):
                work = self._plan(page, stats, dry_run, force, guard)
                if work is None:  # a dry run writes nothing
                    done(None)
                    continue
                stats.batches += len(scheduler.submit(work))
                stats.unchanged += work.in_flight
                inflight.append(work)
                while len(inflight) > 1:
                    finished = inflight.popleft()
                    finish_page(
                        self.store, self.stream.module, finished, stats, scheduler
                    )
                    done(finished)
            while inflight:
                finished = inflight.popleft()
                finish_page(self.store, self.stream.module, finished, stats, scheduler)
                done(finished)
        except BaseException:
            scheduler.stop()  # keep what started batches write; checkpoint stays
            while inflight:
                finish_page(
                    self.store,
                    self.stream.module,
                    inflight.popleft(),
                    stats,
                    scheduler,
                    drain=True,
                )
            raise

    def _plan(
        self,
        page: Page,
        stats: SyncStats,
        dry_run: bool,
        force: bool = False,
        guard: RemovalGuard | None = None,
    ) -> PageWork | None:
        """Map, compare fingerprints and guard one page; None in a dry run."""
        stats.read += len(page.records)
        planned: list[Planned] = []
        for record in page.records:
            try:
                for item in self.stream.plan(record):
                    if isinstance(item, Skip):
                        stats.skip(item.key, item.reason)
                    else:
                        planned.append(item)
            except Exception as exc:  # a mapping bug must not stop the run
                key = str(record.get("id") if isinstance(record, dict) else record)
                stats.fail(key, f"mapping failed: {type(exc).__name__}: {exc}")
        plan = plan_write(
            self.store,
            self.stream,
            planned,
            stats,
            dry_run=dry_run,
            force=force,
            guard=guard,
            known=page.known,
        )
        if plan is None:
            return None
        return PageWork(page, plan.known, plan.hashes, plan.changed)
