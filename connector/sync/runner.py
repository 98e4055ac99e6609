"""The one way to run a module's batch sync: beat and the jobs API (through the
``<module>.sync_batch`` task), ``connector sync`` and the tests all call ``run_sync``.

It builds the stream from the module's spec (a run that cannot start, e.g. for a
missing setting, fails its ``run_id`` row saying why), skips a beat-triggered run when
the previous one started less than half an interval ago, and runs the engine.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connector.context import Services
from connector.errors import ConfigError, ConnectorError
from connector.fluent_connect.windows import prepare
from connector.models import utcnow
from connector.specs import ModuleSpec, import_path
from connector.store import checkpoints, runs
from connector.sync.engine import Progress, RunResult, SyncEngine
from connector.sync.stats import SyncStats
from connector.sync.stream import Stream


def batch_spec(runtime: Services, module: str) -> ModuleSpec:
    for spec in runtime.specs:
        if spec.name == module and spec.batch:
            return spec
    enabled = ", ".join(s.name for s in runtime.specs if s.batch) or "none"
    if any(s.name == module for s in runtime.specs):
        raise ConfigError(f"module {module!r} has no batch sync")
    raise ConfigError(f"module {module!r} is not enabled (batch modules: {enabled})")


def build_stream(runtime: Services, module: str) -> Stream:
    spec = batch_spec(runtime, module)
    assert spec.batch is not None
    factory = import_path(spec.batch)
    hooks = prepare(runtime, module)  # Fluent's connector settings (config, windows)
    stream = factory(runtime)
    if not isinstance(stream, Stream):
        raise ConfigError(f"{spec.batch} did not return a sync.Stream")
    if hooks is not None:
        stream.window_hooks = hooks  # type: ignore[attr-defined]
    return stream


RAN_RECENTLY = "ran recently"


def prepare_run(
    runtime: Services,
    module: str,
    *,
    trigger: str,
    run_id: int | None = None,
    full: bool = False,
) -> Stream | RunResult:
    """The stream to run, or a ``skipped`` result for a beat run that came too soon
    (a scheduled full run always runs).

    A stream that cannot be built (e.g. a missing setting) fails ``run_id`` and raises.
    """
    try:
        stream = build_stream(runtime, module)
    except ConnectorError as exc:
        if run_id is not None:
            runs.finish(runtime.store, run_id, "failed", {}, str(exc))
        raise
    if trigger == "beat" and not full:
        spec = batch_spec(runtime, module)
        interval = runtime.config.schedule_seconds(module) or spec.every_seconds
        last = checkpoints.last_started(runtime.store, module, stream.scope())
        if interval and last and utcnow() - last < timedelta(seconds=interval / 2):
            return RunResult(None, "skipped", SyncStats(), RAN_RECENTLY)
    return stream


def run_sync(
    runtime: Services,
    module: str,
    *,
    full: bool = False,
    dry_run: bool = False,
    trigger: str = "cli",
    run_id: int | None = None,
    progress: Progress | None = None,
    **kw: Any,
) -> RunResult:
    """Run ``module``'s sync once (``kw``: ``force``, ``on_start`` of the engine)."""
    prepared = prepare_run(runtime, module, trigger=trigger, run_id=run_id, full=full)
    if isinstance(prepared, RunResult):
        return prepared
    return run_stream(
        runtime,
        prepared,
        full=full,
        dry_run=dry_run,
        trigger=trigger,
        run_id=run_id,
        progress=progress,
        **kw,
    )


def run_stream(runtime: Services, stream: Stream, **kw: Any) -> RunResult:
    """Run a prepared stream with the engine (``kw``: ``SyncEngine.run`` arguments)."""
    return SyncEngine(runtime.store, stream).run(**kw)
