"""Fluent opening schedules -> text (the encoding stored on the CT channel).

Fluent's ``openingSchedule`` holds ``allHours`` and 14 integers ``monStart``..``sunEnd``.
Their encoding is not documented (reference §3.8 [I]); we read each integer as
``HHmm`` (``900`` = 09:00, ``1730`` = 17:30, ``2359`` = 23:59), which is what Fluent's
sample data and the sandbox use. A day whose start and end are both 0 is closed.

The channel gets two custom fields:

- ``openingHours``: a compact text in OpenStreetMap ``opening_hours`` style, e.g.
  ``Mo-Fr 09:00-17:30; Sa 09:00-17:00; Su off``; ``24/7`` when ``allHours`` is true,
  ``off`` when every day is closed. Consecutive days with equal hours are grouped
  (``Mo-We`` for three or more days, ``Sa,Su`` for two). An end before the start means
  the opening runs past midnight (``22:00-02:00``).
- ``openingSchedule``: the raw integers as compact JSON (lossless, for any other reader).

Pure functions; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DAYS = (
    ("mon", "Mo"),
    ("tue", "Tu"),
    ("wed", "We"),
    ("thu", "Th"),
    ("fri", "Fr"),
    ("sat", "Sa"),
    ("sun", "Su"),
)


class InvalidSchedule(ValueError):
    """A schedule value that is not an HHmm time."""


def hhmm(value: Any) -> str:
    """``930`` -> ``"09:30"``; raises InvalidSchedule for anything not HHmm."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSchedule(f"not an HHmm time: {value!r}")
    hours, minutes = divmod(value, 100)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidSchedule(f"not an HHmm time: {value!r}")
    return f"{hours:02d}:{minutes:02d}"


def _day_span(schedule: Mapping[str, Any], day: str) -> str | None:
    start, end = schedule.get(f"{day}Start"), schedule.get(f"{day}End")
    if start in (None, 0) and end in (None, 0):
        return None  # closed
    return f"{hhmm(start or 0)}-{hhmm(end or 0)}"


def _days_label(abbrs: list[str]) -> str:
    if len(abbrs) == 1:
        return abbrs[0]
    if len(abbrs) == 2:
        return f"{abbrs[0]},{abbrs[1]}"
    return f"{abbrs[0]}-{abbrs[-1]}"


def opening_hours(schedule: Mapping[str, Any] | None) -> str | None:
    """The ``openingHours`` text, None without a schedule; InvalidSchedule if bad."""
    if not schedule:
        return None
    if schedule.get("allHours"):
        return "24/7"
    spans = [(abbr, _day_span(schedule, day)) for day, abbr in DAYS]
    if all(span is None for _, span in spans):
        return "off"
    groups: list[tuple[list[str], str | None]] = []
    for abbr, span in spans:
        if groups and groups[-1][1] == span:
            groups[-1][0].append(abbr)
        else:
            groups.append(([abbr], span))
    return "; ".join(
        f"{_days_label(abbrs)} {span if span is not None else 'off'}"
        for abbrs, span in groups
    )


def raw_schedule(schedule: Mapping[str, Any] | None) -> str | None:
    """The schedule's integers as compact JSON in a fixed key order (None without one)."""
    if not schedule:
        return None
    raw: dict[str, Any] = {"allHours": bool(schedule.get("allHours"))}
    for day, _ in DAYS:
        raw[f"{day}Start"] = schedule.get(f"{day}Start")
        raw[f"{day}End"] = schedule.get(f"{day}End")
    return json.dumps(raw, separators=(",", ":"))
