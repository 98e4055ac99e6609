"""Removals inside a batch run: the mass-removal guard and the dry-run removal list.

A stream marks a planned entity as a removal (``Planned.removal``: a deactivation, a
quantity set to 0, a channel marked or deleted). Removals travel in the same pages and
batches as every other write; this module only counts them. The guard measures the
share of the catalogue a run would remove: removals of top-level entities (level 0)
the connector has written before (they have a fingerprint) against
``Stream.removal_base()`` (default: every fingerprint of the module). Before a page is written, the run's removals so far
plus the page's must stay within ``max_removal_share`` (default 10 %; a run removing
at most ``removal_guard_min`` entities, default 5, is never stopped); otherwise the
run stops before writing that page with ``MassRemoval`` naming the figures (the engine
then drops the unfinished window, so the next run reads it from the start again and a
full run's end-of-run sweep is not skipped), and only ``force`` (``connector sync
--force``) lets it through. Must not write anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.stats import SyncStats
from connector.sync.stream import Planned, Stream

MAX_REMOVAL_LINES = 200


class MassRemoval(RuntimeError):
    """A run would remove more than the configured share: nothing more is written."""


def counts(item: Planned, known: Mapping[str, Stored]) -> bool:
    """A removal the guard counts: a top-level entity (level 0: a category, a
    standard product, a channel, an inventory entry) the connector has written."""
    return bool(item.removal) and item.level == 0 and item.key in known


class RemovalGuard:
    """Counts the removals of one run and stops it past the allowed share."""

    def __init__(self, store: Store, stream: Stream, *, force: bool) -> None:
        self.store = store
        self.stream = stream
        self.force = force
        self.share = stream.options.max_removal_share
        self.counted = 0
        self._base: int | None = None

    def base(self) -> int:
        """Entities the share is measured against (read once per run)."""
        if self._base is None:
            base = self.stream.removal_base()
            if base is None:
                base = fingerprints.count(self.store, self.stream.module)
            self._base = base
        return self._base

    def check(self, changed: Iterable[Planned], known: Mapping[str, Stored]) -> None:
        """Count the page's removals of known entities; raise past the share."""
        removals = sum(1 for p in changed if counts(p, known))
        if not removals:
            return
        total = self.counted + removals
        base = self.base()
        allowed = max(
            math.floor(self.share * base), self.stream.options.removal_guard_min
        )
        if total > allowed and not self.force:
            raise MassRemoval(
                f"{self.stream.module}: this run would remove {total} of {base} "
                f"synced entities ({total / max(base, 1):.0%}), more than "
                f"max_removal_share {self.share:.0%} (at most {allowed}); the run "
                "stopped before writing them. Check the source (`--dry-run` lists the "
                "removals), then run again with --force to let it through"
            )
        self.counted = total


def guard_page(
    guard: RemovalGuard,
    changed: list[Planned],
    known: Mapping[str, Stored],
    stats: SyncStats,
    dry_run: bool,
) -> list[Planned]:
    """The engine's hook before a page is written: check the guard (a dry run notes
    why it would stop instead of stopping) and, in a dry run, list removals apart."""
    if not dry_run:
        guard.check(changed, known)
        return changed
    try:
        guard.check(changed, known)
    except MassRemoval as exc:
        stats.guard = str(exc)
        guard.counted += sum(1 for p in changed if counts(p, known))
    return note_dry_run(changed, known, stats)


def note_dry_run(
    changed: Iterable[Planned], known: Mapping[str, Stored], stats: SyncStats
) -> list[Planned]:
    """Record the removals of a dry-run page apart; return the other entities."""
    rest: list[Planned] = []
    for p in changed:
        if not p.removal:
            rest.append(p)
            continue
        stats.removed += 1
        if len(stats.removal_plan) < MAX_REMOVAL_LINES:
            unsure = "" if p.key in known else " (if present)"
            stats.removal_plan.append(f"{p.removal} {p.target_ref or p.key}{unsure}")
    return rest


def count_written(
    batch: Iterable[Planned], statuses: Mapping[str, str], stats: SyncStats
) -> None:
    """Count removals that were written (created/updated outcomes)."""
    for p in batch:
        if p.removal and statuses.get(p.key) in ("created", "updated"):
            stats.removed += 1
