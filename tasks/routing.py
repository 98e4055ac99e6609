"""Task routes by name glob: traffic classes, not modules (STYLE.md).

Referenced by name from the Celery config (``tasks.routing.route_task``), so the web
process resolves it lazily and ``connector`` never imports ``tasks``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

ROUTES = (
    ("*.handle_event", "events"),
    ("*.sync_batch", "batch"),
    ("*", "default"),
)


def queue_for(name: str) -> str:
    for pattern, queue in ROUTES:
        if fnmatchcase(name, pattern):
            return queue
    return "default"


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str]:
    return {"queue": queue_for(name)}
