"""Per-location stock of one inventory catalogue, stored as compact arrays.

10,000 SKUs x 20 locations are 200,000 inventory positions; as dicts they would cost
hundreds of MB, so the grid keeps one ``array('l')`` of on-hand quantities (and one
``array('d')`` of update times) per location column, indexed by SKU row, and builds the
``InventoryPosition`` dicts only when a query returns them. ``-1`` marks "no position".

Position refs follow ``<productRef>:<locationRef>`` [I: Fluent does not mandate a ref
scheme; this is a common convention].
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from .store import iso

NO_POSITION = -1
_COL_BITS = 16  # up to 65,536 locations per catalogue


class InventoryGrid:
    """Stock on hand per (SKU, location) for one inventory catalogue."""

    def __init__(self, catalogue_ref: str, created_ts: float) -> None:
        self.catalogue_ref = catalogue_ref
        self.created_ts = created_ts
        self.skus: list[str] = []
        self.sku_index: dict[str, int] = {}
        self.locs: list[str] = []
        self.loc_index: dict[str, int] = {}
        self.qty: list[array] = []  # one column per location
        self.upd: list[array] = []
        self.status: dict[tuple[int, int], str] = {}
        self._count = 0

    # ------------------------------------------------------------------ shape
    def position_count(self) -> int:
        return self._count

    def add_sku(self, sku: str) -> int:
        row = self.sku_index.get(sku)
        if row is None:
            row = len(self.skus)
            self.skus.append(sku)
            self.sku_index[sku] = row
            for col in range(len(self.locs)):
                self.qty[col].append(NO_POSITION)
                self.upd[col].append(0.0)
        return row

    def add_location(self, loc: str) -> int:
        col = self.loc_index.get(loc)
        if col is None:
            col = len(self.locs)
            self.locs.append(loc)
            self.loc_index[loc] = col
            self.qty.append(array("l", [NO_POSITION]) * len(self.skus))
            self.upd.append(array("d", [0.0]) * len(self.skus))
        return col

    def bulk_column(self, loc: str, values: list[int], ts: float) -> None:
        """Set a whole location column at once (generator fast path)."""
        col = self.add_location(loc)
        if len(values) != len(self.skus):
            raise ValueError("column length must equal the number of SKUs")
        before = sum(1 for v in self.qty[col] if v != NO_POSITION)
        self.qty[col] = array("l", values)
        self.upd[col] = array("d", [ts]) * len(values)
        self._count += sum(1 for v in values if v != NO_POSITION) - before

    # ------------------------------------------------------------------ cells
    def get(self, sku: str, loc: str) -> int | None:
        row, col = self.sku_index.get(sku), self.loc_index.get(loc)
        if row is None or col is None:
            return None
        value = self.qty[col][row]
        return None if value == NO_POSITION else value

    def set(self, sku: str, loc: str, on_hand: int, ts: float) -> bool:
        """Create or update a position; returns True if anything changed."""
        row, col = self.add_sku(sku), self.add_location(loc)
        old = self.qty[col][row]
        value = max(0, int(on_hand))
        if old == value:
            return False
        if old == NO_POSITION:
            self._count += 1
        self.qty[col][row] = value
        self.upd[col][row] = ts
        return True

    def total(self, sku: str, cols: Iterable[int] | None = None) -> int:
        """Sum of positive stock of ``sku`` over ``cols`` (all locations by default)."""
        row = self.sku_index.get(sku)
        if row is None:
            return 0
        columns = range(len(self.locs)) if cols is None else cols
        total = 0
        for col in columns:
            value = self.qty[col][row]
            if value > 0 and self.status.get((row, col), "ACTIVE") == "ACTIVE":
                total += value
        return total

    # ------------------------------------------------------------------ positions
    @staticmethod
    def seq(row: int, col: int) -> int:
        return (row << _COL_BITS) | col

    @staticmethod
    def unseq(seq: int) -> tuple[int, int]:
        return seq >> _COL_BITS, seq & ((1 << _COL_BITS) - 1)

    def locate_ref(self, ref: str) -> tuple[int, int] | None:
        for col, loc in enumerate(self.locs):
            suffix = ":" + loc
            if ref.endswith(suffix):
                row = self.sku_index.get(ref[: -len(suffix)])
                if row is not None and self.qty[col][row] != NO_POSITION:
                    return row, col
        return None

    def iter_cells(
        self,
        rows: Iterable[int] | None = None,
        cols: Iterable[int] | None = None,
        start_seq: int = -1,
    ) -> Iterator[tuple[int, int]]:
        """Existing positions in (row, col) order, strictly after ``start_seq``."""
        row_list = sorted(rows) if rows is not None else range(len(self.skus))
        col_list = sorted(cols) if cols is not None else list(range(len(self.locs)))
        qty = self.qty
        for row in row_list:
            if (row << _COL_BITS) | 0xFFFF <= start_seq:
                continue
            for col in col_list:
                if qty[col][row] != NO_POSITION and self.seq(row, col) > start_seq:
                    yield row, col

    def position(self, row: int, col: int) -> dict[str, Any]:
        """Materialise the InventoryPosition dict of one cell."""
        sku, loc = self.skus[row], self.locs[col]
        updated = self.upd[col][row] or self.created_ts
        return {
            "__typename": "InventoryPosition",
            "id": str(self.seq(row, col) + 1),
            "_seq": self.seq(row, col),
            "ref": f"{sku}:{loc}",
            "type": "DEFAULT",
            "status": self.status.get((row, col), "ACTIVE"),
            "workflowRef": "INVENTORY_CATALOGUE::DEFAULT",
            "workflowVersion": 1,
            "attributes": [],
            "productRef": sku,
            "locationRef": loc,
            "onHand": self.qty[col][row],
            "createdOn": iso(self.created_ts),
            "updatedOn": iso(updated),
            "_c": self.created_ts,
            "_u": updated,
            "_catalogue": self.catalogue_ref,
        }
