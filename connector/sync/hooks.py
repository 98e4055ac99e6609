"""Optional hooks a stream may carry (``stream.window_hooks``) to keep its batch window
somewhere besides our checkpoint, e.g. in Fluent's connector settings.

- ``first_since()``: where a run with no checkpoint of ours starts (None: the start);
- ``custom_range()``: a one-shot window to run instead of the delta window;
- ``after_run(window, custom, job_start, job_end)``: called after a successful,
  non-dry run; it must never raise (a failure is its own to log and retry).

Our checkpoint stays the source of truth: a custom window never moves it, and
``first_since`` is asked only when the checkpoint holds no window start.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from connector.sync.stream import Stream, Window


class WindowHooks(Protocol):
    def first_since(self) -> datetime | None: ...

    def custom_range(self) -> tuple[datetime, datetime] | None: ...

    def after_run(
        self, window: Window, custom: bool, job_start: datetime, job_end: datetime
    ) -> None: ...


def hooks_of(stream: Stream) -> WindowHooks | None:
    return getattr(stream, "window_hooks", None)


def plan_with_hooks(
    cursor: dict[str, Any],
    *,
    full: bool,
    overlap: timedelta,
    now: datetime,
    hooks: WindowHooks | None,
) -> tuple[Window, dict[str, Any]]:
    """``plan_window`` with the hooks: a pending run resumes; else a custom range;
    else, with no checkpoint, the window starts at ``first_since``."""
    from connector.sync.engine import plan_window

    pending = cursor.get("run")
    resumable = pending and bool(pending.get("full")) == full
    if hooks is not None and not full and not resumable:
        custom = hooks.custom_range()
        if custom is not None:
            start, end = custom
            run = {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "after": None,
                "full": False,
                "custom": True,
            }
            return Window(start, end), run
        if not cursor.get("since"):
            first = hooks.first_since()
            if first is not None:
                cursor = {**cursor, "since": first.isoformat()}
    return plan_window(cursor, full=full, overlap=overlap, now=now)


def next_since(cursor: dict[str, Any], run: dict[str, Any], status: str) -> Any:
    """The checkpoint's window start after a run (a custom window never moves it)."""
    if status == "succeeded" and not run.get("custom"):
        return run["to"]
    return cursor.get("since")
