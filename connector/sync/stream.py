"""The ``Stream`` contract a batch module implements (small hooks only).

- ``pages(window)`` reads the source sorted and paged by cursor inside the window,
  resuming after ``window.after``; each ``Page`` carries the cursor to resume after it.
- ``plan(record)`` maps one source record to target entities (pure; may yield ``Skip``).
- ``write(batch, known)`` writes one batch of changed entities and reports per entity;
  it raises transient API errors (the run stops and resumes from the checkpoint) and
  returns permanent per-entity failures as ``failed`` outcomes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.store.fingerprints import Stored


@dataclass(frozen=True)
class Window:
    """Read records changed in (start, end]; ``start`` None = everything (full run)."""

    start: datetime | None
    end: datetime
    after: str | None = None  # resume cursor inside this window


@dataclass
class Page:
    records: list[Any]
    cursor: str | None  # resume after this page
    # the stored fingerprints of every key ``plan`` yields for these records, when the
    # stream already looked them up while reading the page (to prefetch existence):
    # the engine then does not look them up again. None: the engine looks them up.
    known: Mapping[str, Stored] | None = None


@dataclass
class Planned:
    """One target entity to write. ``level`` orders writes (parents before children)."""

    key: str
    payload: dict[str, Any]
    target_ref: str | None = None
    level: int = 0
    data: Any = None
    # a removal (deactivation, quantity 0, channel marked/deleted): listed apart in a
    # dry run and counted by the mass-removal guard; the text says what happens
    removal: str | None = None
    # keys of entities this one is written after (e.g. a variant: its standard
    # product); none and level > 0: after every lower-level entity in flight
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """A record (or part) deliberately not written, with the reason to report."""

    key: str
    reason: str


@dataclass
class WriteOutcome:
    key: str
    status: str  # created | updated | unchanged | failed
    target_ref: str | None = None
    error: str | None = None
    note: str | None = None  # written, but part of the source could not be (reported)


@dataclass
class StreamOptions:
    batch_size: int = 25
    max_in_flight: int = 4
    overlap: timedelta = field(default_factory=lambda: timedelta(minutes=2))
    # the mass-removal guard: a run removing more than this share of what the module
    # has written (its fingerprints) stops before writing unless forced
    max_removal_share: float = 0.10
    removal_guard_min: int = 5  # a run removing at most this many is never stopped


class Stream(ABC):
    """Base of a module's batch source. Subclasses set ``module`` and the hooks."""

    module: str = ""

    def __init__(self, options: StreamOptions | None = None) -> None:
        self.options = options or StreamOptions()

    @abstractmethod
    def scope(self) -> str:
        """Checkpoint scope, e.g. ``ct:<project-key>``."""

    @abstractmethod
    def pages(self, window: Window) -> Iterator[Page]:
        """Source pages inside ``window``, sorted, resuming after ``window.after``."""

    @abstractmethod
    def plan(self, record: Any) -> Iterable[Planned | Skip]:
        """Map one source record to the entities to write (pure)."""

    @abstractmethod
    def write(
        self, batch: list[Planned], known: Mapping[str, Stored]
    ) -> list[WriteOutcome]:
        """Write one batch; ``known`` holds stored fingerprints (entity exists)."""

    def estimate_total(self, window: Window) -> int | None:
        """Optional: number of source records in the window, for a progress bar."""
        return None

    def removal_base(self) -> int | None:
        """Optional: how many entities the removal share is measured against (None:
        every fingerprint of the module; see ``sync.removals``)."""
        return None

    def close(self) -> None:
        """Release resources at the end of a run (nothing by default)."""
        return None
