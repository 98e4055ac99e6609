"""Re-drive messages through their handler (ops API and console; the same steps as
``connector messages replay``): reset replayable rows to ``queued`` with a fresh retry
budget, then publish each to its route's task. A row whose publish fails goes back to
``received``, so the sweeper publishes it when the broker is back: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from connector.runtime import Runtime
from connector.store import messages


@dataclass
class ReplayResult:
    requested: int = 0
    published: list[int] = field(default_factory=list)
    not_replayable: list[int] = field(default_factory=list)  # done, ignored, unknown
    unrouted: list[int] = field(default_factory=list)  # route no longer configured
    deferred: list[int] = field(default_factory=list)  # broker down: sweeper later


def replay(runtime: Runtime, ids: Sequence[int]) -> ReplayResult:
    result = ReplayResult(requested=len(ids))
    ready = messages.prepare_replay(runtime.store, list(ids))
    result.not_replayable = sorted(set(ids) - set(ready))
    for row_id in ready:
        row = messages.get(runtime.store, row_id)
        route = runtime.registry.route(row.route or "") if row else None
        if route is None:
            messages.finish(
                runtime.store,
                row_id,
                "failed",
                error=f"route {row.route if row else None!r} is no longer configured",
            )
            result.unrouted.append(row_id)
            continue
        task = runtime.registry.task_for(route)
        if runtime.enqueue(task, queue=route.queue, message_id=row_id):
            result.published.append(row_id)
        else:
            messages.set_status(
                runtime.store, row_id, "received", only_from=("queued",)
            )
            result.deferred.append(row_id)
    return result
