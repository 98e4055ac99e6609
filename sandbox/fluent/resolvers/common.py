"""Shared resolver machinery: errors, Relay-style paging, search filters, attributes.

Paging follows Fluent (reference §3.1): ``first``/``last`` default 10 and are clamped to
5000, ``after``/``before`` take the opaque cursor of an edge, and ``pageInfo`` carries only
``hasNextPage``/``hasPreviousPage``. Search filters are lists (match any) and ``%`` is a
wildcard in string filters; ``createdOn``/``updatedOn`` take a ``DateRange`` with
inclusive bounds, at least one of which must be given.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

if TYPE_CHECKING:
    from ..state import FluentSandbox

Row = dict[str, Any]
MAX_PAGE = 5000
DEFAULT_PAGE = 10


class FluentError(Exception):
    """A business error reported in the GraphQL ``errors`` array (the field becomes null)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def sandbox(info: GraphQLResolveInfo) -> FluentSandbox:
    """The sandbox state of the current request."""
    return info.context["state"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- paging
def encode_cursor(seq: int) -> str:
    return base64.b64encode(f"cursor:{seq}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "cursor":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise FluentError(f"Invalid cursor '{cursor}'", "C0140E") from exc


def _size(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise FluentError(f"'{name}' must be a positive number", "C0140E")
    return min(value, MAX_PAGE)


def page_window(
    args: Mapping[str, Any],
) -> tuple[int | None, int | None, int, int | None]:
    """(after_seq, before_seq, first, last) from connection arguments."""
    after = args.get("after")
    before = args.get("before")
    first = _size(args.get("first"), "first")
    last = _size(args.get("last"), "last")
    if first is None and last is None:
        first = DEFAULT_PAGE
    return (
        decode_cursor(after) if after else None,
        decode_cursor(before) if before else None,
        first if first is not None else MAX_PAGE,
        last,
    )


def connection(items: list[Row], args: Mapping[str, Any]) -> Row:
    """Page ``items`` (sorted by ``_seq``) into ``{edges, pageInfo}``."""
    after, before, first, last = page_window(args)
    if after is not None:
        items = items[bisect_right(items, after, key=lambda r: r["_seq"]) :]
    if before is not None:
        items = items[: bisect_left(items, before, key=lambda r: r["_seq"])]
    page = items[:first]
    has_next = len(items) > first
    has_prev = after is not None
    if last is not None:
        has_prev = has_prev or len(page) > last
        page = page[len(page) - last :] if last else []
    edges = [{"node": node, "cursor": encode_cursor(node["_seq"])} for node in page]
    return {
        "edges": edges,
        "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_prev},
    }


def empty_connection() -> Row:
    return {"edges": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}


# ---------------------------------------------------------------------------- filters
def _value_matcher(values: list[Any]) -> Callable[[Any], bool]:
    texts = [v for v in values if isinstance(v, str)]
    if any("%" in v for v in texts):
        parts = [
            "^" + ".*".join(re.escape(p) for p in v.split("%")) + "$" for v in texts
        ]
        pattern = re.compile("|".join(parts), re.DOTALL)
        exact = {v for v in values if not isinstance(v, str)}
        return lambda x: x in exact or (isinstance(x, str) and bool(pattern.match(x)))
    wanted = set(values)
    return lambda x: x in wanted


def date_bounds(
    value: Mapping[str, Any] | None, arg: str
) -> tuple[float, float] | None:
    """(from, to) epoch bounds of a DateRange argument; both given is not required."""
    if value is None:
        return None
    lower, upper = value.get("from"), value.get("to")
    if lower is None and upper is None:
        raise FluentError(
            f"'{arg}' needs at least one of 'from' or 'to' (C0101E)", "C0101E"
        )
    return (
        float("-inf") if lower is None else float(lower),
        float("inf") if upper is None else float(upper),
    )


def _field_pred(
    match: Callable[[Any], bool], field: str | Callable[[Row], Any]
) -> Callable[[Row], bool]:
    if callable(field):
        return lambda row: match(field(row))
    return lambda row: match(row.get(field))


def _date_pred(key: str, lo: float, hi: float) -> Callable[[Row], bool]:
    return lambda row: lo <= row.get(key, 0.0) <= hi


def row_predicate(
    args: Mapping[str, Any], spec: Mapping[str, str | Callable[[Row], Any]]
) -> Callable[[Row], bool] | None:
    """A predicate for every given filter argument (None when nothing filters)."""
    preds: list[Callable[[Row], bool]] = []
    for arg, field in spec.items():
        values = args.get(arg)
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        if not values:
            continue
        preds.append(_field_pred(_value_matcher(values), field))
    for arg, key in (("createdOn", "_c"), ("updatedOn", "_u")):
        bounds = date_bounds(args.get(arg), arg)
        if bounds is not None:
            preds.append(_date_pred(key, *bounds))
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    return lambda r: all(p(r) for p in preds)


def filter_rows(
    rows: Iterable[Row],
    args: Mapping[str, Any],
    spec: Mapping[str, str | Callable[[Row], Any]],
) -> list[Row]:
    """Rows matching every given filter argument; ``spec`` maps argument -> row field."""
    pred = row_predicate(args, spec)
    return list(rows) if pred is None else [r for r in rows if pred(r)]


def exact_values(values: list[Any] | None) -> list[Any] | None:
    """The values of a list filter if they can be looked up in an index (no wildcard)."""
    if not values:
        return None
    if any(isinstance(v, str) and "%" in v for v in values):
        return None
    return values


# ---------------------------------------------------------------------------- inputs
def attributes_in(items: list[Mapping[str, Any]] | None) -> list[Row]:
    return [
        {"name": a["name"], "type": a["type"], "value": a["value"]} for a in items or []
    ]


def upsert_attributes(
    current: list[Row], items: list[Mapping[str, Any]] | None
) -> list[Row]:
    """Attributes are upserted by ``name`` (Fluent's documented update semantics)."""
    out = {a["name"]: a for a in current}
    for attr in attributes_in(items):
        out[attr["name"]] = attr
    return list(out.values())


def upsert_prices(
    current: list[Row], items: list[Mapping[str, Any]] | None
) -> list[Row]:
    """Prices are upserted by (``type``, ``currency``)."""
    out = {(p["type"], p["currency"]): p for p in current}
    for price in items or []:
        out[(price["type"], price["currency"])] = {
            "type": price["type"],
            "currency": price["currency"],
            "value": price["value"],
        }
    return list(out.values())


def check_lengths(data: Mapping[str, Any], limits: Mapping[str, int]) -> None:
    """Enforce Fluent's maximum field lengths (bean-validation style message [I])."""
    for field, limit in limits.items():
        value = data.get(field)
        if isinstance(value, str) and len(value) > limit:
            raise FluentError(
                f"{field}: size must be between 0 and {limit} (was {len(value)})",
                "C0120E",
            )


def require_text(data: Mapping[str, Any], *fields: str) -> None:
    for field in fields:
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise FluentError(f"{field}: must not be blank", "C0120E")


def copy_fields(data: Mapping[str, Any], fields: Iterable[str], target: Row) -> None:
    """Copy the given (present) scalar fields from an input onto an entity row."""
    for field in fields:
        if field in data:
            target[field] = data[field]
