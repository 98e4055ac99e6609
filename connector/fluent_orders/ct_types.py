"""Custom types and line item states in commercetools, created when missing.

``ct_setup(caches)`` caches, per runtime and for ``TTL_SECONDS``, the types and states the modules
use (by key) and the field names of other types (by id). A type that exists but lacks
some of our fields gets them added (``addFieldDefinition``), never removed or retyped: a
field of ours with another field type stops with IncompatibleType (type and field named,
nothing added). When CT no
longer knows a cached type or state (it was deleted, or a sandbox was reset), the update
fails with ReferencedResourceNotFound: ``update_order`` then drops the cache and raises a
TransientError so the retry re-creates it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connector.clients.commercetools import CommercetoolsClient
from connector.clients.errors import BadRequest
from connector.context import Caches
from connector.ct_fields import check_compatible
from connector.errors import TransientError
from connector.fluent_orders.ct_orders import order_path

TTL_SECONDS = 600.0
SETUP_ERROR_CODES = {"ReferencedResourceNotFound", "InvalidField", "RequiredField"}


def field_def(name: str, kind: str, label: str) -> dict[str, Any]:
    """A FieldDefinition (``kind``: String, Number, Boolean, DateTime, ...)."""
    return {
        "name": name,
        "label": {"en": label},
        "required": False,
        "type": {"name": kind},
        "inputHint": "SingleLine",
    }


def type_draft(
    key: str, name: str, resource_type_ids: Sequence[str], fields: Sequence[dict]
) -> dict[str, Any]:
    return {
        "key": key,
        "name": {"en": name},
        "description": {"en": "Created by the commercetools-Fluent connector"},
        "resourceTypeIds": list(resource_type_ids),
        "fieldDefinitions": list(fields),
    }


@dataclass(frozen=True)
class CtType:
    id: str
    key: str | None
    fields: frozenset[str]


def _fields(type_doc: dict[str, Any]) -> frozenset[str]:
    return frozenset(d["name"] for d in type_doc.get("fieldDefinitions") or [])


class CtSetup:
    """Thread-safe, TTL-bounded cache of types and states (one per runtime)."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}

    def _get(self, key: tuple[str, str]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry and entry[0] > time.monotonic():
                return entry[1]
        return None

    def _put(self, key: tuple[str, str], value: Any) -> Any:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()

    def ensure_type(
        self,
        ct: CommercetoolsClient,
        draft: dict[str, Any],
        fetched: dict[str, Any] | None = None,
    ) -> CtType:
        """The type of ``draft['key']``: created if missing, missing fields added.
        ``fetched``: the type as just read by the caller (not read again)."""
        cached = self._get(("type-key", draft["key"]))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        path = f"types/key={quote(draft['key'], safe='')}"
        doc = fetched if fetched is not None else ct.get_or_none(path)
        if doc is None:
            try:
                doc = ct.create("types", draft)
            except BadRequest:  # created concurrently by another worker
                doc = ct.get_or_none(path)
                if doc is None:
                    raise
        check_compatible(doc, draft["fieldDefinitions"])  # before anything is added
        missing = [
            d for d in draft["fieldDefinitions"] if d["name"] not in _fields(doc)
        ]
        if missing:
            doc, _ = ct.update_with_retry(
                f"types/{doc['id']}",
                lambda current: [
                    {"action": "addFieldDefinition", "fieldDefinition": d}
                    for d in missing
                    if d["name"] not in _fields(current)
                ],
                current=doc,
            )
        found = CtType(doc["id"], doc.get("key"), _fields(doc))
        self._put(("type-id", found.id), found)
        return self._put(("type-key", draft["key"]), found)  # type: ignore[no-any-return]

    def ensure_types(
        self, ct: CommercetoolsClient, drafts: Sequence[dict[str, Any]]
    ) -> list[CtType]:
        """``ensure_type`` for several types, all checked for compatibility first (an
        incompatible one stops before any of them is created or extended). Each type
        not cached is read once (the check's read is the one ``ensure_type`` uses)."""
        fetched: dict[str, dict[str, Any]] = {}
        for draft in drafts:
            if self._get(("type-key", draft["key"])) is None:
                doc = ct.get_or_none(f"types/key={quote(draft['key'], safe='')}")
                if doc is not None:
                    check_compatible(doc, draft["fieldDefinitions"])
                    fetched[draft["key"]] = doc
        return [
            self.ensure_type(ct, draft, fetched.get(draft["key"])) for draft in drafts
        ]

    def type_by_id(self, ct: CommercetoolsClient, type_id: str) -> CtType | None:
        """Any type (e.g. a custom type the retailer already set), by id."""
        cached = self._get(("type-id", type_id))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        doc = ct.get_or_none(f"types/{type_id}")
        if doc is None:
            return None
        return self._put(  # type: ignore[no-any-return]
            ("type-id", type_id), CtType(doc["id"], doc.get("key"), _fields(doc))
        )

    def ensure_state(
        self, ct: CommercetoolsClient, key: str, state_type: str = "LineItemState"
    ) -> str:
        """The id of state ``key`` (created with no transition rules if missing)."""
        cached = self._get(("state", key))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        path = f"states/key={quote(key, safe='')}"
        doc = ct.get_or_none(path)
        if doc is None:
            draft = {
                "key": key,
                "type": state_type,
                "name": {"en": key},
                "initial": False,
            }
            try:
                doc = ct.create("states", draft)
            except BadRequest:
                doc = ct.get_or_none(path)
                if doc is None:
                    raise
        return self._put(("state", key), doc["id"])  # type: ignore[no-any-return]


def ct_setup(caches: Caches) -> CtSetup:
    """The types-and-states cache of these services (created on first use)."""
    return caches.get("ct_types", CtSetup)


def is_setup_error(exc: BadRequest) -> bool:
    body = exc.body if isinstance(exc.body, dict) else {}
    codes = {e.get("code") for e in body.get("errors") or [] if isinstance(e, dict)}
    return bool(codes & SETUP_ERROR_CODES)


def update_order(
    ct: CommercetoolsClient,
    order: dict[str, Any],
    build: Callable[[dict[str, Any]], list[dict[str, Any]]],
    setup: CtSetup,
    *,
    is_copy: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``update_with_retry`` on the order; a forgotten type/state -> TransientError.
    ``is_copy``: ``order`` is a kept copy (``order_cache``), not a fresh read."""
    try:
        return ct.update_with_retry(
            order_path(order), build, current=order, current_is_copy=is_copy
        )
    except BadRequest as exc:
        if is_setup_error(exc):
            setup.invalidate()
            raise TransientError(
                f"commercetools rejected a cached type or state, re-reading: {exc}"
            ) from exc
        raise
