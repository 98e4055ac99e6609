"""A sync window in Fluent's terms: ``fluent_time`` (UTC ISO-8601 with milliseconds) and
``updated_on`` (the ``updatedOn`` DateRange filter of a window). Used by the Fluent -> CT
batch streams (locations, inventory).
"""

from __future__ import annotations

from datetime import UTC, datetime

from connector.sync.stream import Window


def fluent_time(value: datetime) -> str:
    """A datetime as Fluent's UTC ISO-8601 form with milliseconds."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def updated_on(window: Window) -> dict[str, str] | None:
    """The ``updatedOn`` DateRange of a window (None for a full run: no filter)."""
    if window.start is None:
        return None
    return {"from": fluent_time(window.start), "to": fluent_time(window.end)}
