"""Existence answers the catalogue streams keep for the pages in flight (the pipelined
engine reads the next page while earlier ones are written). Owns only that cache."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from connector.catalogue.writer import Ident


class RecentExistence(Mapping[Ident, bool]):
    """Existence prefetched for the last few source pages. The pipelined engine reads
    (and prefetches) the next page while the batches of the previous ones are still
    being written, so one page's answers must not replace the others'. An entity of
    an older page than that is asked again by ``CatalogueWriter.write``."""

    def __init__(self, pages: int = 4) -> None:
        self._pages: deque[Mapping[Ident, bool]] = deque(maxlen=pages)

    def add(self, found: Mapping[Ident, bool]) -> None:
        self._pages.appendleft(found)

    def __getitem__(self, key: Ident) -> bool:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: Ident, default: Any = None) -> Any:
        for page in tuple(self._pages):  # a snapshot: another thread may add one
            found = page.get(key)
            if found is not None:
                return found
        return default

    def __iter__(self) -> Iterator[Ident]:
        seen: set[Ident] = set()
        for page in tuple(self._pages):
            seen.update(page)
        return iter(seen)

    def __len__(self) -> int:
        return sum(len(page) for page in tuple(self._pages))
