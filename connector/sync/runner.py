"""Build a module's stream from its spec and run it (used by tasks, CLI and the API)."""

from __future__ import annotations

from typing import Any

from connector.errors import ConfigError
from connector.runtime import Runtime
from connector.specs import import_path
from connector.sync.engine import Progress, RunResult, SyncEngine
from connector.sync.stream import Stream


def build_stream(runtime: Runtime, module: str) -> Stream:
    try:
        spec = runtime.spec(module)
    except KeyError:
        enabled = ", ".join(s.name for s in runtime.specs if s.batch) or "none"
        raise ConfigError(
            f"module {module!r} is not enabled (batch modules: {enabled})"
        ) from None
    if not spec.batch:
        raise ConfigError(f"module {module!r} has no batch sync")
    factory = import_path(spec.batch)
    stream = factory(runtime)
    if not isinstance(stream, Stream):
        raise ConfigError(f"{spec.batch} did not return a sync.Stream")
    return stream


def run_sync(
    runtime: Runtime,
    module: str,
    *,
    full: bool = False,
    dry_run: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    **kw: Any,
) -> RunResult:
    stream = build_stream(runtime, module)
    return SyncEngine(runtime.store, stream).run(
        full=full, dry_run=dry_run, trigger=trigger, progress=progress, **kw
    )
