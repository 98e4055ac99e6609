"""Counts of one sync run (stored in ``sync_runs.counts``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_SAMPLES = 20


@dataclass
class SyncStats:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    batches: int = 0
    removed: int = 0  # planned removals written (deactivations, zeroed, marked)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    removal_plan: list[str] = field(default_factory=list)  # dry run: removals apart
    guard: str | None = None  # dry run: why the mass-removal guard would stop the run

    @property
    def written(self) -> int:
        return self.created + self.updated

    def fail(self, key: str, error: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_SAMPLES:
            self.failures.append({"key": key, "error": error[:500]})

    def skip(self, key: str, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "batches": self.batches,
            "removed": self.removed,
            "skip_reasons": dict(self.skip_reasons),
            "failures": list(self.failures),
        }

    def summary(self) -> str:
        return (
            f"read={self.read} created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} skipped={self.skipped} failed={self.failed}"
            + (f" removed={self.removed}" if self.removed else "")
        )
