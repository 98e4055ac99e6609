"""``connector sync`` in the foreground: progress bar, plan and summary around the one
sync runner (connector/sync/runner.py)."""

from __future__ import annotations

import sys
from typing import Any

import click

from connector.cli_errors import describe_failure
from connector.runtime import Runtime
from connector.sync.runner import RunResult, prepare_run, run_stream
from connector.sync.stats import SyncStats


def run_foreground(
    runtime: Runtime, module: str, *, full: bool, dry_run: bool, force: bool = False
) -> int:
    """Run one sync; return the process exit code (0 ok, 1 failed or partial).

    ``module`` may also be one of Fluent's connector job names (fluent_connect/jobs.py):
    its modules run in order, stopping at the first that does not succeed.
    """
    from connector.fluent_connect.jobs import JOBS, check_enabled
    from connector.specs import import_path

    job = JOBS.get(module)
    if job is not None:
        check_enabled(runtime, job)
        if job.task_path:
            result = import_path(job.task_path)(runtime)
            click.echo(f"{job.name}: {result}")
            return 0
        for step in job.modules:
            code = run_foreground(
                runtime, step, full=full, dry_run=dry_run, force=force
            )
            if code:
                return code
        return 0
    stream = prepare_run(runtime, module, trigger="cli")
    assert not isinstance(stream, RunResult)  # only beat runs are skipped early
    state: dict[str, Any] = {}

    def on_start(run_id: int, total: int | None) -> None:
        state["run_id"] = run_id
        label = f"{module} run {run_id}" + (" (dry run)" if dry_run else "")
        bar = click.progressbar(
            length=total or 0,
            label=label,
            show_pos=True,
            show_eta=bool(total),
            file=sys.stderr,
        )
        bar.__enter__()
        state["bar"] = bar
        state["done"] = 0

    def progress(stats: SyncStats) -> None:
        bar = state.get("bar")
        if bar is not None:
            bar.update(stats.read - int(state["done"]))
            state["done"] = stats.read

    try:
        result = run_stream(
            runtime,
            stream,
            full=full,
            dry_run=dry_run,
            force=force,
            trigger="cli",
            progress=progress,
            on_start=on_start,
        )
    except Exception as exc:  # show the reason in one line, keep the exit code honest
        _close(state)
        found = describe_failure(exc)
        if found is None:
            raise
        run = state.get("run_id")
        click.echo(
            f"error: {module}{f' run {run}' if run else ''} failed: {found[1]}",
            err=True,
        )
        return found[0]
    _close(state)
    if result.status == "skipped":
        click.echo(f"{module}: another run holds the lease; nothing done", err=True)
        return 0
    stats = result.stats
    if dry_run:
        click.echo(f"plan ({len(stats.plan)} shown):")
        for line in stats.plan:
            click.echo(f"  {line}")
        click.echo(
            f"planned removals ({stats.removed}, {len(stats.removal_plan)} shown):"
        )
        for line in stats.removal_plan:
            click.echo(f"  {line}")
        if stats.guard:
            click.echo(f"mass-removal guard: {stats.guard}")
    click.echo(f"{module}: run {result.run_id} {result.status}: {stats.summary()}")
    for reason, count in stats.skip_reasons.items():
        click.echo(f"  skipped {count}: {reason}")
    for failure in stats.failures:
        click.echo(f"  failed {failure['key']}: {failure['error']}")
    return 0 if result.status == "succeeded" else 1


def _close(state: dict[str, Any]) -> None:
    bar = state.pop("bar", None)
    if bar is not None:
        bar.__exit__(None, None, None)
