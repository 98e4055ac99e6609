"""In-memory state of the commercetools sandbox: collections, versions, messages, changes.

Resources are plain dicts treated as immutable once stored: an update deep-copies the one
resource, applies all actions to the copy (atomically: any error discards it) and swaps it in.
Readers may therefore hold and serialise stored dicts without copying or locking. Collections
keep secondary indexes (key, sku, orderNumber, ...) and a lazily sorted id list so the id
cursor and key lookups stay cheap over tens of thousands of resources.

The store owns message and change-notification production (base fields of reference §6 and
§7); resource modules only say which messages an action produces.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .collection import Collection, Doc, IndexFn
from .errors import concurrent_modification, not_found
from .util import new_id, now_iso, ref

__all__ = ["Collection", "Doc", "IndexFn", "Store", "UpdateContext", "user_identifiers"]

Listener = Callable[[str, Doc], None]  # ("message" | "change", payload)


@dataclass
class UpdateContext:
    """What an update action sees: the working copy and where to put produced messages."""

    store: Store
    doc: Doc
    type_id: str = ""
    messages: list[tuple[str, Doc]] = field(default_factory=list)

    def emit(self, msg_type: str, payload: Doc) -> None:
        # snapshot now: later actions of the same request may change the working copy
        self.messages.append(
            (
                msg_type,
                {k: v if callable(v) else copy.deepcopy(v) for k, v in payload.items()},
            )
        )


class Store:
    """All sandbox data plus the message/change streams; one lock guards writes."""

    def __init__(self, project_key: str) -> None:
        self.project_key = project_key
        self.lock = threading.RLock()
        self.collections: dict[str, Collection] = {}
        self.changes: deque[Doc] = deque(maxlen=50_000)
        self.listeners: list[Listener] = []
        self.sequence: dict[str, int] = {}
        self.produce_messages = True
        self.extras: dict[str, Any] = {}
        self.project: Doc = {}

    def add_collection(self, collection: Collection) -> Collection:
        self.collections[collection.type_id] = collection
        return collection

    def coll(self, type_id: str) -> Collection:
        return self.collections[type_id]

    def clear(self) -> None:
        with self.lock:
            for name, collection in list(self.collections.items()):
                self.collections[name] = Collection(
                    collection.type_id,
                    {k: v for k, v in collection.index_fns.items() if k != "key"},
                    collection.derive,
                )
            self.changes.clear()
            self.sequence.clear()
            self.produce_messages = True
            self.extras.clear()

    # -- resource lifecycle -------------------------------------------------------------

    def resolve(self, type_id: str, ident: Doc) -> Doc | None:
        """Find a resource by a ResourceIdentifier (``id`` or ``key``)."""
        coll = self.collections.get(type_id)
        if coll is None:
            return None
        if isinstance(ident.get("id"), str):
            return coll.get(ident["id"])
        if isinstance(ident.get("key"), str):
            return coll.by_key(ident["key"])
        return None

    def insert(
        self, type_id: str, doc: Doc, messages: Iterable[tuple[str, Doc]] = ()
    ) -> Doc:
        """Store a new resource (version 1) and emit its messages and ResourceCreated."""
        with self.lock:
            stamp = now_iso()
            doc.setdefault("id", new_id())
            doc["version"] = 1
            doc.setdefault("createdAt", stamp)
            doc.setdefault("lastModifiedAt", doc["createdAt"])
            self.coll(type_id).put(doc)
            self._emit_all(type_id, doc, messages)
            self._change(
                "ResourceCreated",
                type_id,
                doc,
                {"version": 1, "modifiedAt": doc["createdAt"]},
            )
            return self.coll(type_id).items[doc["id"]]

    def update(
        self,
        type_id: str,
        res_id: str,
        version: int,
        apply: Callable[[UpdateContext], None],
        by: str = "ID",
    ) -> Doc:
        """Apply ``apply`` to a copy of the resource; 409 on a stale version."""
        with self.lock:
            current = self.coll(type_id).get(res_id)
            if current is None:
                raise not_found(res_id, by)
            if version != current["version"]:
                raise concurrent_modification(res_id, version, current["version"])
            ctx = UpdateContext(self, copy.deepcopy(current), type_id)
            apply(ctx)
            return self.commit(type_id, current, ctx)

    def commit(self, type_id: str, current: Doc, ctx: UpdateContext) -> Doc:
        """Bump version and lastModifiedAt of the working copy, store it, emit messages."""
        with self.lock:
            doc = ctx.doc
            # +1 per request whatever the action count [I]; clients must not rely on it
            doc["version"] = current["version"] + 1
            doc["lastModifiedAt"] = now_iso()
            self._emit_all(type_id, doc, ctx.messages)
            self.coll(type_id).put(doc)
            self._change(
                "ResourceUpdated",
                type_id,
                doc,
                {
                    "version": doc["version"],
                    "oldVersion": current["version"],
                    "modifiedAt": doc["lastModifiedAt"],
                },
            )
            return doc

    def delete(
        self,
        type_id: str,
        res_id: str,
        version: int,
        messages: Callable[[Doc], list[tuple[str, Doc]]] | None = None,
        by: str = "ID",
    ) -> Doc:
        with self.lock:
            current = self.coll(type_id).get(res_id)
            if current is None:
                raise not_found(res_id, by)
            if version != current["version"]:
                raise concurrent_modification(res_id, version, current["version"])
            produced = messages(current) if messages else []
            self.coll(type_id).remove(res_id)
            gone = {**current, "version": current["version"] + 1}
            self._emit_all(type_id, gone, produced)
            self._change(
                "ResourceDeleted",
                type_id,
                gone,
                {"version": gone["version"], "modifiedAt": now_iso()},
            )
            return current

    # -- messages and change notifications ------------------------------------------------

    def _emit_all(
        self, type_id: str, doc: Doc, messages: Iterable[tuple[str, Doc]]
    ) -> None:
        produced = list(messages)
        if type_id == "order" and produced and self.produce_messages:
            # set before emitting: message payloads may embed this very dict
            seq = self.sequence.get(f"{type_id}/{doc['id']}", 0)
            doc["lastMessageSequenceNumber"] = seq + len(produced)
        for msg_type, payload in produced:
            self.emit(type_id, doc, msg_type, payload)

    def emit(self, type_id: str, doc: Doc, msg_type: str, payload: Doc) -> Doc | None:
        """Produce one Message about ``doc`` (not stored when messages are switched off)."""
        if not self.produce_messages:
            return None
        seq_key = f"{type_id}/{doc['id']}"
        seq = self.sequence.get(seq_key, 0) + 1
        self.sequence[seq_key] = seq
        stamp = now_iso()
        message: Doc = {
            "id": new_id(),
            "version": 1,
            "sequenceNumber": seq,
            "resource": ref(type_id, doc["id"]),
            "resourceVersion": doc["version"],
            "resourceUserProvidedIdentifiers": user_identifiers(type_id, doc),
            "type": msg_type,
            # payload values may be callables: built from the final resource (e.g. projection)
            **{k: (v(doc) if callable(v) else v) for k, v in payload.items()},
            "createdAt": stamp,
            "lastModifiedAt": stamp,
        }
        if self.project.get("messages", {}).get("enabled", True):
            self.coll("message").put(message)
        for listener in self.listeners:
            listener("message", message)
        return message

    def _change(self, kind: str, type_id: str, doc: Doc, fields: Doc) -> None:
        if not self.produce_messages:
            return
        note: Doc = {
            "notificationType": kind,
            "projectKey": self.project_key,
            "resource": ref(type_id, doc["id"]),
            "resourceUserProvidedIdentifiers": user_identifiers(type_id, doc),
            **fields,
        }
        self.changes.append(note)
        for listener in self.listeners:
            listener("change", note)


_IDENTIFIER_FIELDS = ("key", "externalId", "orderNumber", "customerNumber", "sku")


def user_identifiers(type_id: str, doc: Doc) -> Doc:
    """``resourceUserProvidedIdentifiers`` of a resource (only the ones it has)."""
    found = {
        name: doc[name] for name in _IDENTIFIER_FIELDS if doc.get(name) is not None
    }
    slug = doc.get("slug")
    if type_id == "product":
        slug = doc.get("masterData", {}).get("staged", {}).get("slug")
    if slug is not None:
        found["slug"] = slug
    return found
