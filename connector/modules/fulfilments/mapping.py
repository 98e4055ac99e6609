"""Fluent fulfilments -> per-line-item progress on the CT order (pure).

Per CT line item (matched through the Fluent order item, see fluent_orders.ct_orders):
the refs of the fulfilments holding it, the status of the latest fulfilment and of its
fulfilment item, and requested/filled/rejected quantities summed over the fulfilments.
Written either as custom fields or as line item states (filled quantity -> state
``fluent-filled``, rejected -> ``fluent-rejected``, the rest where it was), or both.
Custom fields follow the field profile (connector.ct_fields): ``connector`` writes the
fields below on ``fluent-line-item``; ``fluent`` writes one field ``flFulfilmentMetadata``
on ``flFulfilment``: a JSON array with one entry per fulfilment holding the line (id, ref,
location ref and name, statuses, quantities), so a line split over two locations shows
both. Only differences produce actions (per field), so a replay writes nothing and
values the storefront keeps in other fields of the type stay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.fluent_orders.ordering import parse_time

FIELD_REFS = "fluentFulfilmentRef"
FIELD_FULFILMENT_STATUS = "fluentFulfilmentStatus"
FIELD_ITEM_STATUS = "fluentItemStatus"
FIELD_REQUESTED = "fluentRequestedQuantity"
FIELD_FILLED = "fluentFilledQuantity"
FIELD_REJECTED = "fluentRejectedQuantity"
FIELD_UPDATED_ON = "fluentUpdatedOn"
FIELDS = (
    (FIELD_REFS, "String", "Fluent fulfilment ref(s)"),
    (FIELD_FULFILMENT_STATUS, "String", "Fluent fulfilment status"),
    (FIELD_ITEM_STATUS, "String", "Fluent fulfilment item status"),
    (FIELD_REQUESTED, "Number", "Requested quantity"),
    (FIELD_FILLED, "Number", "Filled quantity"),
    (FIELD_REJECTED, "Number", "Rejected quantity"),
    (FIELD_UPDATED_ON, "String", "Fluent fulfilment updatedOn"),
)
FIELD_NAMES = frozenset(name for name, _, _ in FIELDS)


@dataclass(frozen=True)
class LineProgress:
    fulfilment_refs: tuple[str, ...]
    fulfilment_status: str | None
    item_status: str | None
    requested: int
    filled: int
    rejected: int
    updated_on: str | None
    entries: tuple[Mapping[str, Any], ...] = ()

    def metadata(self, location_names: Mapping[str, str]) -> str:
        """The Fluent profile's ``flFulfilmentMetadata`` value (JSON, stable order)."""
        out = []
        for entry in self.entries:
            ref = entry.get("fulfilmentLocationRef")
            item = {**entry, "fulfilmentLocationName": location_names.get(ref or "")}
            out.append({k: v for k, v in item.items() if v is not None})
        return json.dumps(out, sort_keys=True, separators=(",", ":"))

    def fields(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            FIELD_REFS: ",".join(self.fulfilment_refs),
            FIELD_FULFILMENT_STATUS: self.fulfilment_status,
            FIELD_ITEM_STATUS: self.item_status,
            FIELD_REQUESTED: self.requested,
            FIELD_FILLED: self.filled,
            FIELD_REJECTED: self.rejected,
            FIELD_UPDATED_ON: self.updated_on,
        }
        return {k: v for k, v in values.items() if v is not None}


def line_progress(
    order: Mapping[str, Any], match: Mapping[str, str]
) -> dict[str, LineProgress]:
    """CT line item id -> progress, for every line item some fulfilment holds."""
    id_by_ref = {i["ref"]: i["id"] for i in order.get("items") or [] if i.get("ref")}
    grouped: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for fulfilment in order.get("fulfilments") or []:
        for item in fulfilment.get("items") or []:
            order_item = item.get("orderItemId") or id_by_ref.get(
                item.get("orderItemRef")
            )
            line_id = match.get(str(order_item)) if order_item else None
            if line_id:
                grouped.setdefault(line_id, []).append((fulfilment, item))
    out = {}
    for line_id, entries in grouped.items():
        latest_f, latest_i = max(
            enumerate(entries),
            key=lambda e: (_ts(e[1][0].get("updatedOn")), e[0]),
        )[1]
        times = [f.get("updatedOn") for f, _ in entries if f.get("updatedOn")]
        out[line_id] = LineProgress(
            fulfilment_refs=tuple(dict.fromkeys(f["ref"] for f, _ in entries)),
            fulfilment_status=latest_f.get("status"),
            item_status=latest_i.get("status"),
            requested=sum(i["requestedQuantity"] for _, i in entries),
            filled=sum(i["filledQuantity"] for _, i in entries),
            rejected=sum(i["rejectedQuantity"] for _, i in entries),
            updated_on=max(times, key=_ts) if times else None,
            entries=_entries(entries),
        )
    return out


def _entries(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
) -> tuple[dict[str, Any], ...]:
    """One entry per fulfilment (items of one fulfilment for the same line summed)."""
    by_fulfilment: dict[str, dict[str, Any]] = {}
    for fulfilment, item in pairs:
        key = str(fulfilment.get("id") or fulfilment.get("ref"))
        entry = by_fulfilment.get(key)
        if entry is None:
            by_fulfilment[key] = {
                "fulfilmentId": fulfilment.get("id"),
                "fulfilmentRef": fulfilment.get("ref"),
                "fulfilmentLocationRef": fulfilment.get("fromLocationRef"),
                "fulfilmentStatus": fulfilment.get("status"),
                "fulfilmentItemStatus": item.get("status"),
                "requestedQuantity": item["requestedQuantity"],
                "filledQuantity": item["filledQuantity"],
                "rejectedQuantity": item["rejectedQuantity"],
                "updatedOn": fulfilment.get("updatedOn"),
            }
            continue
        for name in ("requestedQuantity", "filledQuantity", "rejectedQuantity"):
            entry[name] += item[name]
    return tuple(by_fulfilment.values())


def stored_updated_on(line: Mapping[str, Any], metadata_field: str | None) -> Any:
    """The newest fulfilment read the line shows (either profile)."""
    fields = (line.get("custom") or {}).get("fields") or {}
    if metadata_field is None:
        return fields.get(FIELD_UPDATED_ON)
    try:
        entries = json.loads(fields.get(metadata_field) or "[]")
    except (TypeError, ValueError):
        return None
    times = [e.get("updatedOn") for e in entries if isinstance(e, dict)]
    times = [t for t in times if t]
    return max(times, key=_ts) if times else None


def _ts(text: Any) -> float:
    parsed = parse_time(text)
    return parsed.timestamp() if parsed else 0.0


def is_stale(
    line: Mapping[str, Any], progress: LineProgress, metadata_field: str | None = None
) -> bool:
    """The line already shows a newer fulfilment read (a late read must not win)."""
    stored = stored_updated_on(line, metadata_field)
    old, new = parse_time(stored), parse_time(progress.updated_on)
    return old is not None and new is not None and new < old


def custom_field_actions(
    line: Mapping[str, Any],
    progress: LineProgress,
    our_type_id: str,
    other_type_fields: frozenset[str] | None,
    desired: Mapping[str, Any] | None = None,
    names: frozenset[str] = FIELD_NAMES,
) -> list[dict[str, Any]] | None:
    """Actions writing ``desired`` (default: the connector profile's fields of
    ``progress``) on the line: the type only when the line has none, else one
    setLineItemCustomField per changed field, so other fields keep their values
    ([] = up to date; None = another custom type lacking our fields)."""
    custom = line.get("custom") or {}
    current = dict(custom.get("fields") or {})
    desired = dict(progress.fields() if desired is None else desired)
    type_id = (custom.get("type") or {}).get("id")
    if type_id is None:
        return [
            {
                "action": "setLineItemCustomType",
                "lineItemId": line["id"],
                "type": {"typeId": "type", "id": our_type_id},
                "fields": desired,
            }
        ]
    if type_id != our_type_id and (
        not other_type_fields or not names <= other_type_fields
    ):
        return None
    return [
        {
            "action": "setLineItemCustomField",
            "lineItemId": line["id"],
            "name": name,
            "value": desired.get(name),
        }
        for name in sorted(names)
        if current.get(name) != desired.get(name)
    ]


def state_transitions(
    line: Mapping[str, Any],
    targets: Mapping[str, int],
    initial_id: str,
) -> list[dict[str, Any]]:
    """transitionLineItemState actions bringing the managed states (``targets``: state
    id -> wanted quantity) to their quantities; excess goes back to ``initial_id``,
    missing quantity comes from other managed states, then Initial, then any other."""
    have: dict[str, int] = {}
    for entry in line.get("state") or []:
        sid = entry["state"]["id"]
        have[sid] = have.get(sid, 0) + int(entry["quantity"])
    total = int(line.get("quantity") or sum(have.values()))
    want = dict(targets)
    overflow = sum(want.values()) - total
    for sid in reversed(list(want)):  # never ask for more than the line holds
        cut = min(max(overflow, 0), want[sid])
        want[sid] -= cut
        overflow -= cut
    moves: list[tuple[str, str, int]] = []
    excess = {s: have.get(s, 0) - q for s, q in want.items() if have.get(s, 0) > q}
    others = sorted(
        (s for s in have if s not in want and s != initial_id),
        key=lambda s: -have[s],
    )
    sources = [*excess, initial_id, *others]
    for sid, qty in want.items():
        need = qty - have.get(sid, 0)
        for src in sources:
            if need <= 0:
                break
            available = excess.get(src, 0) if src in excess else have.get(src, 0)
            take = min(need, available)
            if take <= 0:
                continue
            moves.append((src, sid, take))
            need -= take
            if src in excess:
                excess[src] -= take
            else:
                have[src] -= take
    for sid, qty in excess.items():
        if qty > 0:
            moves.append((sid, initial_id, qty))
    return [
        {
            "action": "transitionLineItemState",
            "lineItemId": line["id"],
            "quantity": qty,
            "fromState": {"typeId": "state", "id": src},
            "toState": {"typeId": "state", "id": dst},
        }
        for src, dst, qty in moves
    ]
