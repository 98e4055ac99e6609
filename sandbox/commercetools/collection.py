"""A collection of resources of one typeId: items, secondary indexes, derived views.

Owns the lookup structures that keep queries cheap: indexes (value -> id, or a set of ids
when shared), a lazily sorted id list for the id cursor, insertion positions, derived views
(product projections) and a per-resource JSON cache. Stored documents are never mutated in
place; ``put`` replaces them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any

Doc = dict[str, Any]
IndexFn = Callable[[Doc], Iterable[Any]]


class Collection:
    """Resources of one typeId with secondary indexes and optional derived views."""

    def __init__(
        self,
        type_id: str,
        indexes: dict[str, IndexFn] | None = None,
        derive: Callable[[Doc], dict[str, Doc | None]] | None = None,
    ) -> None:
        self.type_id = type_id
        self.items: dict[str, Doc] = {}
        self.index_fns: dict[str, IndexFn] = {"key": _key_index, **(indexes or {})}
        # value -> id, or a set of ids when several resources share the value (saves memory:
        # most indexed values are unique)
        self.indexes: dict[str, dict[Any, str | set[str]]] = {
            n: {} for n in self.index_fns
        }
        self.derive = derive
        self.views: dict[str, dict[str, Doc | None]] = {}
        self._sorted_ids: list[str] | None = None
        # (view, id) -> (doc, its JSON): stored docs are immutable, so the text stays valid
        # while the cached doc is the stored one (see context.respond_page)
        self.json_cache: dict[tuple[str, str], tuple[Doc, str]] = {}
        self._positions: dict[str, int] = {}
        self._next_position = 0

    def __len__(self) -> int:
        return len(self.items)

    def get(self, res_id: str) -> Doc | None:
        return self.items.get(res_id)

    def lookup(self, index: str, value: Any) -> set[str]:
        found = self.indexes[index].get(value)
        if found is None:
            return set()
        return {found} if isinstance(found, str) else set(found)

    def by_key(self, key: str) -> Doc | None:
        ids = self.lookup("key", key)
        return self.items.get(next(iter(ids))) if ids else None

    def view(self, name: str, res_id: str) -> Doc | None:
        return self.views[name].get(res_id)

    def put(self, doc: Doc) -> None:
        res_id = doc["id"]
        old = self.items.get(res_id)
        if old is None:
            self._sorted_ids = None
            self._positions[res_id] = self._next_position
            self._next_position += 1
        else:
            self._unindex(old)
        self.items[res_id] = doc
        for name, fn in self.index_fns.items():
            idx = self.indexes[name]
            for value in fn(doc):
                found = idx.get(value)
                if found is None or found == res_id:
                    idx[value] = res_id
                elif isinstance(found, str):
                    idx[value] = {found, res_id}
                else:
                    found.add(res_id)
        if self.derive is not None:
            for name, view in self.derive(doc).items():
                self.views.setdefault(name, {})[res_id] = view

    def position(self, res_id: str) -> int:
        """Insertion rank of a resource (queries without an id sort keep this order)."""
        return self._positions.get(res_id, -1)

    def remove(self, res_id: str) -> None:
        old = self.items.pop(res_id)
        self._positions.pop(res_id, None)
        self._unindex(old)
        for view in self.views.values():
            view.pop(res_id, None)
        for name in ("", *self.views):
            self.json_cache.pop((name, res_id), None)
        self._sorted_ids = None

    def _unindex(self, doc: Doc) -> None:
        for name, fn in self.index_fns.items():
            idx = self.indexes[name]
            for value in fn(doc):
                found = idx.get(value)
                if found == doc["id"]:
                    del idx[value]
                elif isinstance(found, set):
                    found.discard(doc["id"])
                    if len(found) == 1:
                        idx[value] = next(iter(found))

    def sorted_ids(self) -> list[str]:
        if self._sorted_ids is None:
            self._sorted_ids = sorted(self.items)
        return self._sorted_ids

    def ids_after(self, lower: str, inclusive: bool) -> list[str]:
        ids = self.sorted_ids()
        pos = (bisect.bisect_left if inclusive else bisect.bisect_right)(ids, lower)
        return ids[pos:]


def _key_index(doc: Doc) -> Iterable[Any]:
    key = doc.get("key")
    return (key,) if key is not None else ()
