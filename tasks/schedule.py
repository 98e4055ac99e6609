"""The beat schedule, generated from what the enabled modules declare."""

from __future__ import annotations

from typing import Any

from connector.runtime import Runtime

# every 15 s: with the 20 s lease a dead worker's message runs again within ~35 s
SWEEP_EVERY_SECONDS = 15.0


def build_schedule(runtime: Runtime) -> dict[str, dict[str, Any]]:
    config = runtime.config
    sweep_every = config.schedule_seconds("messages-sweep") or SWEEP_EVERY_SECONDS
    schedule: dict[str, dict[str, Any]] = {
        "messages-sweep": {  # SYNC_MESSAGES_SWEEP_EVERY_SECONDS
            "task": "messages.sweep",
            "schedule": sweep_every,
            "options": {"expires": sweep_every, "queue": "default"},
        }
    }
    for spec in runtime.specs:
        if spec.batch:
            every = config.schedule_seconds(spec.name)
            if every is None:
                every = spec.every_seconds
            if every:  # 0 disables the beat entry (CLI/API only)
                schedule[f"{spec.name}-sync-batch"] = {
                    "task": f"{spec.name}.sync_batch",
                    "schedule": float(every),
                    "kwargs": {"trigger": "beat"},
                    "options": {"expires": float(every), "queue": "batch"},
                }
            full_every = config.schedule_seconds(f"{spec.name}-full")
            if full_every is None:
                full_every = spec.full_every_seconds
            if full_every:  # the full run that sees hard deletions (0 disables it)
                schedule[f"{spec.name}-sync-full"] = {
                    "task": f"{spec.name}.sync_batch",
                    "schedule": float(full_every),
                    "kwargs": {"trigger": "beat", "full": True},
                    "options": {"expires": float(full_every), "queue": "batch"},
                }
        for periodic in spec.periodic:
            every = config.schedule_seconds(periodic.entry)
            if every is None:
                every = periodic.every_seconds
            if every:  # 0 disables the entry
                schedule[periodic.entry] = {
                    "task": periodic.task,
                    "schedule": float(every),
                    "kwargs": dict(periodic.kwargs),
                    "options": {"expires": float(every), "queue": periodic.queue},
                }
    return schedule
