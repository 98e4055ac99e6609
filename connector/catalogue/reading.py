"""Reading commercetools for the catalogue streams: the sync window as query predicates,
the id-cursor pages inside it, and a total for the progress bar.

Paging is the client's id cursor (``limit=500``, ``withTotal=false``, ``sort=id asc``,
``id > last``); the window adds ``lastModifiedAt > start`` (incremental runs only) and
``lastModifiedAt <= end`` (the upper bound fixed when the run started). Must not map.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from connector.clients.commercetools import CommercetoolsClient, ct_str
from connector.sync.stream import Window

PAGE_SIZE = 500


def ct_time(value: datetime) -> str:
    """A datetime as commercetools prints it (UTC, milliseconds, ``Z``)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def window_where(window: Window) -> list[str]:
    clauses = [f"lastModifiedAt <= {ct_str(ct_time(window.end))}"]
    if window.start is not None:
        clauses.insert(0, f"lastModifiedAt > {ct_str(ct_time(window.start))}")
    return clauses


def window_pages(
    ct: CommercetoolsClient,
    resource: str,
    window: Window,
    *,
    expand: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[list[dict[str, Any]]]:
    """Pages of ``resource`` changed inside ``window``, resuming after ``window.after``."""
    yield from ct.iter_pages(
        resource,
        where=window_where(window),
        after_id=window.after,
        page_size=page_size,
        expand=expand,
        extra=extra,
    )


def window_total(
    ct: CommercetoolsClient,
    resource: str,
    window: Window,
    extra: dict[str, Any] | None = None,
) -> int | None:
    """How many records the window holds (one counted query; for the progress bar)."""
    where = window_where(window)
    if window.after is not None:
        where.append(f"id > {ct_str(window.after)}")
    page = ct.query(resource, where=where, limit=1, with_total=True, extra=extra)
    total = page.get("total")
    return int(total) if isinstance(total, int) else None
