"""Handlers used by the foundation tests (partner-style dotted paths).

The worker runs in a thread of the test process, so effects are recorded in memory.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from connector.clients.errors import ServerError
from connector.errors import PermanentError

_lock = threading.Lock()
EFFECTS: Counter[str] = Counter()
FIXED: set[str] = set()


def reset() -> None:
    with _lock:
        EFFECTS.clear()
        FIXED.clear()


def echo(ctx: Any) -> dict[str, Any]:
    """Counts one effect per handled message, keyed by the entity ref."""
    with _lock:
        EFFECTS[ctx.payload["entityRef"]] += 1
    return {"ref": ctx.payload["entityRef"]}


def flaky(ctx: Any) -> dict[str, Any]:
    """Fails with a transient error on the first two attempts, then succeeds."""
    if ctx.message.attempts <= 2:
        raise ServerError("fluent POST /graphql -> 503: over capacity", status=503)
    return echo(ctx)


def broken(ctx: Any) -> dict[str, Any]:
    """Fails permanently until the test marks the entity fixed."""
    if ctx.payload["entityRef"] not in FIXED:
        raise PermanentError(f"product {ctx.payload['entityRef']} is unknown to Fluent")
    return echo(ctx)
