"""The anti-backwards rule: a late, older view of a Fluent order never moves the CT
order back (pure).

The handler never trusts the status in a webhook; it reads the order from Fluent. What
it last applied is the *watermark* (Fluent status + the order's ``updatedOn``), kept on
the CT order (custom fields ``fluentOrderStatus``/``fluentUpdatedOn``, written in the
same versioned update as the states, so two racing workers cannot both win) and in the
connector store. A fresh read is ignored as stale when:

1. the watermark's status is final (COMPLETE, CANCELLED by default) and the read's
   status differs: a final status is never left;
2. else, both ``updatedOn`` are known and the read's is older than the watermark's;
3. else (same or unknown ``updatedOn``), both statuses are ranked and the read's rank is
   lower (``status_rank``; unranked statuses such as ESCALATED are ordered by time only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.errors import ConfigError

DEFAULT_RANKS: dict[str, int] = {
    "CREATED": 0,
    "RECEIVED": 10,
    "PENDING_PAYMENT": 10,
    "BOOKED": 20,
    "PICK_PACK": 30,
    "PICK_PACK_CC": 30,
    "AWAITING_COURIER_COLLECTION": 40,
    "AWAITING_CUSTOMER_COLLECTION": 40,
    "PARTIALLY_FULFILLED": 40,
    "SHIPPED": 50,
    "COMPLETE": 100,
    "CANCELLED": 100,
}
DEFAULT_FINAL = ("COMPLETE", "CANCELLED")


def parse_time(text: Any) -> datetime | None:
    """Fluent timestamps (``...Z``, ``+0000``, ``+00:00``, with or without millis)."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00")
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]  # +0000 -> +00:00
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Watermark:
    """What was applied (or is about to be): a Fluent status and its updatedOn."""

    status: str | None
    updated_on: str | None = None

    def encode(self) -> str:
        """Compact form for the store (fits its 64-character column)."""
        return f"{self.updated_on or ''}|{self.status or ''}"[:64]

    @classmethod
    def decode(cls, text: str | None) -> Watermark | None:
        if not text or "|" not in text:
            return None
        updated_on, _, status = text.partition("|")
        return cls(status or None, updated_on or None)


@dataclass(frozen=True)
class OrderingRule:
    ranks: Mapping[str, int]
    final: frozenset[str]

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> OrderingRule:
        ranks = options.get("status_rank", DEFAULT_RANKS)
        if not isinstance(ranks, Mapping) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in ranks.values()
        ):
            raise ConfigError(
                "modules.order_status.status_rank must map Fluent statuses to integers"
            )
        final = options.get("final_statuses", DEFAULT_FINAL)
        if isinstance(final, str) or not isinstance(final, (list, tuple)):
            raise ConfigError("modules.order_status.final_statuses must be a list")
        return cls(
            {str(k).upper(): int(v) for k, v in ranks.items()},
            frozenset(str(s).upper() for s in final),
        )

    def stale_reason(
        self, incoming: Watermark, applied: Watermark | None
    ) -> str | None:
        """Why ``incoming`` must not be applied over ``applied`` (None: apply it)."""
        if applied is None or not applied.status or not incoming.status:
            return None
        new, old = incoming.status.upper(), applied.status.upper()
        if old in self.final and new != old:
            return f"order already {old} (final status)"
        t_new, t_old = parse_time(incoming.updated_on), parse_time(applied.updated_on)
        if t_new is not None and t_old is not None:
            if t_new < t_old:
                return f"{new} of {incoming.updated_on} is older than {old} applied"
            if t_new > t_old:
                return None
        r_new, r_old = self.ranks.get(new), self.ranks.get(old)
        if r_new is not None and r_old is not None and r_new < r_old:
            return f"{new} ranks below {old} applied (same updatedOn)"
        return None


def newest(*marks: Watermark | None) -> Watermark | None:
    """The most recent of several recorded watermarks (by updatedOn, then presence)."""
    best: Watermark | None = None
    for mark in marks:
        if mark is None or not mark.status:
            continue
        if best is None:
            best = mark
            continue
        t_best, t_mark = parse_time(best.updated_on), parse_time(mark.updated_on)
        if t_mark is not None and (t_best is None or t_mark > t_best):
            best = mark
    return best
