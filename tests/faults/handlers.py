"""Handlers of the fault tests; they run in a worker subprocess, so every attempt is
appended to ``$FAULTS_DIR/effects.log`` (``<ref> <attempt> <delivery> <time> <pid>``).

The Fluent envelope carries the knobs: ``sleep`` (seconds), ``url`` and ``timeout``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from connector.clients.base import ApiClient
from connector.clients.errors import ServerError


def _note(ctx: Any, tag: str = "") -> None:
    line = (
        f"{ctx.payload['entityRef']}{tag} {ctx.message.attempts} "
        f"{ctx.message.deliveries} {time.time():.3f} {os.getpid()}\n"
    )
    with Path(os.environ["FAULTS_DIR"], "effects.log").open("a") as out:
        out.write(line)


def record(ctx: Any) -> dict[str, Any]:
    """One effect per call."""
    _note(ctx)
    return {"ref": ctx.payload["entityRef"]}


def slow(ctx: Any) -> dict[str, Any]:
    """Sleeps ``sleep`` seconds on its first delivery, then records its effect."""
    _note(ctx, ":start")
    if ctx.message.deliveries == 1:
        time.sleep(float(ctx.payload.get("sleep", 5)))
    return record(ctx)


def busy(ctx: Any) -> dict[str, Any]:
    """An API answering 503 with Retry-After every time."""
    _note(ctx)
    raise ServerError(
        "fluent POST /graphql -> 503: over capacity",
        status=503,
        retry_after=float(ctx.payload.get("retry_after", 0.4)),
    )


def poison(ctx: Any) -> dict[str, Any]:
    """Kills its own worker child, every time (a segfaulting library, OOM kill)."""
    _note(ctx)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def blackhole(ctx: Any) -> dict[str, Any]:
    """Calls an API that accepts the connection and never answers."""
    _note(ctx)
    client = ApiClient(ctx.payload["url"], None, timeout=float(ctx.payload["timeout"]))
    client.request("GET", "/never")
    return {"answered": True}


def spin(ctx: Any) -> dict[str, Any]:
    """Never returns by itself (a call without timeout): only a time limit stops it."""
    _note(ctx)
    while True:
        time.sleep(0.05)
