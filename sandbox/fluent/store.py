"""In-memory data of the Fluent sandbox: tables indexed by id and natural key, timestamps.

Entities are plain dicts whose keys are the GraphQL field names (so graphql-core's default
resolver reads them directly); relations live under ``_``-prefixed keys (ids or refs) and
are resolved by the type resolvers. ``_seq`` is a per-table, strictly increasing number
used for ordering and paging cursors; ``_c``/``_u`` hold createdOn/updatedOn as epoch
seconds for fast DateRange filtering. This module owns storage only, never validation.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import uuid
from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

_last_ts = 0.0
_ts_lock = threading.Lock()


def now_ts() -> float:
    """Current time in epoch seconds, millisecond precision, never going backwards."""
    global _last_ts
    with _ts_lock:
        ts = round(time.time(), 3)
        if ts < _last_ts:
            ts = _last_ts
        _last_ts = ts
        return ts


# The last instant formatted by ``iso`` and its text: a batch write stamps dozens of
# rows and events within one millisecond (``now_ts``'s precision), so most calls are
# answered from here instead of ``strftime`` (one tuple, replaced whole: thread-safe).
_last_iso: tuple[float, str] = (math.nan, "")


def iso(ts: float) -> str:
    """Epoch seconds -> Fluent's UTC ISO-8601 form, e.g. ``2025-05-01T10:00:00.000Z``."""
    global _last_iso
    last_ts, text = _last_iso
    if ts == last_ts:
        return text
    dt = datetime.fromtimestamp(ts, tz=UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    _last_iso = (ts, text)
    return text


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 date/time (``Z`` or offset; naive means UTC) to epoch seconds."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":" and "T" in value:
        value = value[:-2] + ":" + value[-2:]  # +0000 -> +00:00
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def stamp(
    row: dict[str, Any], ts: float | None = None, *, created: bool = False
) -> None:
    """Set updatedOn (and createdOn when ``created``) on an entity row."""
    ts = now_ts() if ts is None else ts
    text = iso(ts)
    if created:
        row["createdOn"] = text
        row["_c"] = ts
    row["updatedOn"] = text
    row["_u"] = ts


class Table:
    """Rows of one entity type, in insertion (= ``_seq``) order, indexed by id and key."""

    def __init__(self, name: str, *, uuid_ids: bool = False) -> None:
        self.name = name
        self.uuid_ids = uuid_ids
        self._seq = itertools.count(1)
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_key: dict[Hashable, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.by_id.values()))

    def add(
        self, row: dict[str, Any], key: Hashable | None = None, ts: float | None = None
    ) -> dict[str, Any]:
        """Insert ``row``: assign ``id``/``_seq``, stamp timestamps, index by ``key``."""
        seq = next(self._seq)
        row["_seq"] = seq
        if "id" not in row:
            row["id"] = str(uuid.uuid4()) if self.uuid_ids else str(seq)
        if "_u" not in row:
            stamp(row, ts, created=True)
        self.by_id[row["id"]] = row
        if key is not None:
            self.by_key[key] = row
        return row

    def get(self, entity_id: Any) -> dict[str, Any] | None:
        return None if entity_id is None else self.by_id.get(str(entity_id))

    def find(self, key: Hashable) -> dict[str, Any] | None:
        return self.by_key.get(key)

    def remove(self, entity_id: Any) -> dict[str, Any] | None:
        """Drop a row (and its key index entries); the removed row or None."""
        row = self.by_id.pop(str(entity_id), None)
        if row is not None:
            for key in [k for k, v in self.by_key.items() if v is row]:
                del self.by_key[key]
        return row

    def rows(self) -> list[dict[str, Any]]:
        return list(self.by_id.values())

    def many(self, ids: Iterable[Any]) -> list[dict[str, Any]]:
        """The rows with these ids, in the given order, skipping unknown ids."""
        found = (self.by_id.get(str(i)) for i in ids)
        return [row for row in found if row is not None]


TABLES: dict[str, bool] = {
    # name -> uuid ids (newer Fluent entities use UUID ids, legacy ones integers)
    "retailers": False,
    "networks": False,
    "locations": False,
    "addresses": False,
    "carriers": False,
    "product_catalogues": False,
    "categories": True,
    "standard_products": True,
    "variant_products": True,
    "customers": False,
    "orders": False,
    "order_items": False,
    "fulfilments": False,
    "fulfilment_items": False,
    "articles": False,
    "consignments": False,
    "financial_transactions": False,
    "settings": False,
    "inventory_catalogues": False,
    "virtual_catalogues": False,
    "virtual_positions": False,
    "fulfilment_options": True,
    "fulfilment_plans": True,
}


class DataStore:
    """All tables plus secondary indexes; ``reset`` empties everything."""

    retailers: Table
    networks: Table
    locations: Table
    addresses: Table
    carriers: Table
    product_catalogues: Table
    categories: Table
    standard_products: Table
    variant_products: Table
    customers: Table
    orders: Table
    order_items: Table
    fulfilments: Table
    fulfilment_items: Table
    articles: Table
    consignments: Table
    financial_transactions: Table
    settings: Table
    inventory_catalogues: Table
    virtual_catalogues: Table
    virtual_positions: Table
    fulfilment_options: Table
    fulfilment_plans: Table

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        for name, uuid_ids in TABLES.items():
            setattr(self, name, Table(name, uuid_ids=uuid_ids))
        # (catalogueRef, productRef) -> virtual position rows of that product
        self.vp_by_product: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # inventory catalogue ref -> InventoryGrid (see grid.py)
        self.grids: dict[str, Any] = {}

    # typed accessors keep call sites readable and mypy happy
    def table(self, name: str) -> Table:
        table = getattr(self, name)
        assert isinstance(table, Table)
        return table

    def counts(self) -> dict[str, int]:
        out = {name: len(self.table(name)) for name in TABLES}
        out["inventory_positions"] = sum(
            g.position_count() for g in self.grids.values()
        )
        return out
