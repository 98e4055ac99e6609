"""Writes of Fluent product-catalogue entities (categories, standard and variant
products), shared by the categories and products modules.

Create or update without one Fluent read per entity: an entity with a stored
fingerprint for the same ref exists; for the others, ``existing`` asks Fluent in bulk
(one GraphQL request with a ``ref: [...]`` search per kind and chunk of 500 refs, made
once per source page). A batch becomes one ``mutate_batch`` request: creates first, then
the ``status`` updates of the created entities (status is only settable by update, and
mutations of one request run in order), then updates and their follow-ups. A create
that failed because the entity exists, or an update that failed because it does not,
is re-checked with one query and retried once the other way. Payload keys: ``kind``
(category | standard | variant), Fluent input fields, ``status``, and bookkeeping keys
starting with ``_`` (never sent). Must not decide what to write (that is the mapping).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.clients.fluent import FluentClient, Mutation, MutationResult
from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
from connector.sync.stream import Planned, WriteOutcome

log = logging.getLogger(__name__)

# Fluent rejects queries of complexity >= 11,111 (C0001E): existence searches select
# only ``ref`` (8 x 500 nodes per request); detail searches (nested connections of up
# to 50 + 100 nodes) go 25 refs per request.
REF_CHUNK = 500
PARTS_PER_QUERY = 8
DETAIL_CHUNK = 25
Ident = tuple[str, str]  # (kind, ref)
Existence = Mapping[Ident, bool]


@dataclass(frozen=True)
class KindSpec:
    entity: str  # Category | StandardProduct | VariantProduct
    search: str  # root search query

    @property
    def create(self) -> tuple[str, str]:
        return f"create{self.entity}", f"Create{self.entity}Input"

    @property
    def update(self) -> tuple[str, str]:
        return f"update{self.entity}", f"Update{self.entity}Input"


KINDS = {
    "category": KindSpec("Category", "categories"),
    "standard": KindSpec("StandardProduct", "standardProducts"),
    "variant": KindSpec("VariantProduct", "variantProducts"),
}


@dataclass(frozen=True)
class Followup:
    """An extra mutation after an update; ``forget`` = fingerprints to drop on success."""

    mutation: Mutation
    forget: tuple[str, ...] = ()


FollowupFn = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[Followup]]


def ident(item: Planned) -> Ident:
    return item.payload["kind"], item.payload["ref"]


def send_fields(payload: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    """The payload's Fluent input fields (without ``kind``, ``_`` keys and ``drop``)."""
    return {k: payload[k] for k in _sent_keys(tuple(payload), drop)}


@functools.lru_cache(maxsize=256)
def _sent_keys(keys: tuple[str, ...], drop: tuple[str, ...]) -> tuple[str, ...]:
    """The keys ``send_fields`` keeps, in payload order: once per payload shape (a
    sync maps thousands of entities to a few shapes)."""
    return tuple(
        k for k in keys if k != "kind" and not k.startswith("_") and k not in drop
    )


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class CatalogueWriter:
    """Writes batches of planned catalogue entities into one Fluent catalogue."""

    def __init__(
        self,
        fluent: FluentClient,
        catalogue: str,
        store: Store,
        module: str,
        *,
        details: Mapping[str, str] | None = None,
        followups: FollowupFn | None = None,
    ) -> None:
        self.fluent = fluent
        self.catalogue = catalogue
        self.store = store
        self.module = module
        self.details = dict(details or {})  # kind -> selection read before updates
        self.followups = followups

    # -- existence -------------------------------------------------------------------
    @staticmethod
    def known_exists(item: Planned, known: Mapping[str, Stored]) -> bool:
        stored = known.get(item.key)
        return stored is not None and stored.target_ref == item.payload["ref"]

    def prefetch(
        self, planned: Iterable[Planned], known: Mapping[str, Stored]
    ) -> dict[Ident, bool]:
        """Existence in Fluent of every planned entity without a matching fingerprint."""
        wanted = {ident(p) for p in planned if not self.known_exists(p, known)}
        found = self.existing(wanted)
        return {key: key in found for key in wanted}

    def existing(
        self, wanted: Iterable[Ident], *, details: bool = False
    ) -> dict[Ident, dict[str, Any]]:
        """The Fluent nodes of ``wanted`` that exist (bulk ``ref: [...]`` searches)."""
        by_kind: dict[str, list[str]] = {}
        for kind, ref in sorted(set(wanted)):
            by_kind.setdefault(kind, []).append(ref)
        parts: list[tuple[str, list[str], str]] = []
        for kind, refs in by_kind.items():
            extra = self.details.get(kind, "") if details else ""
            for chunk in chunks(refs, DETAIL_CHUNK if extra else REF_CHUNK):
                parts.append((kind, list(chunk), f"ref {extra}".strip()))
        found: dict[Ident, dict[str, Any]] = {}
        per_query = 1 if details else PARTS_PER_QUERY
        for group in chunks(parts, per_query):
            params = ["$c: ProductCatalogueKey"]
            fields: list[str] = []
            variables: dict[str, Any] = {"c": {"ref": self.catalogue}}
            for i, (kind, refs, selection) in enumerate(group):
                params.append(f"$r{i}: [String!], $n{i}: Int")
                fields.append(
                    f"q{i}: {KINDS[kind].search}(catalogue: $c, ref: $r{i}, "
                    f"first: $n{i}) {{ edges {{ node {{ {selection} }} }} }}"
                )
                variables[f"r{i}"], variables[f"n{i}"] = refs, len(refs)
            query = f"query Exists({', '.join(params)}) {{ {' '.join(fields)} }}"
            data = self.fluent.graphql(query, variables)
            for i, (kind, _refs, _sel) in enumerate(group):
                for edge in (data.get(f"q{i}") or {}).get("edges") or []:
                    node = (edge or {}).get("node")
                    if node and node.get("ref"):
                        found[(kind, node["ref"])] = node
        return found

    # -- writing ---------------------------------------------------------------------
    def _create(self, item: Planned) -> list[Mutation]:
        spec, payload = KINDS[item.payload["kind"]], item.payload
        name, input_type = spec.create
        update, update_type = spec.update
        status = {
            "ref": payload["ref"],
            "catalogue": payload["catalogue"],
            "status": payload["status"],
        }
        return [
            Mutation(name, input_type, send_fields(payload, "status"), "id ref"),
            Mutation(update, update_type, status, "id"),
        ]

    def _update(
        self, item: Planned, node: Mapping[str, Any] | None
    ) -> tuple[list[Mutation], tuple[str, ...]]:
        name, input_type = KINDS[item.payload["kind"]].update
        mutations = [Mutation(name, input_type, send_fields(item.payload), "id ref")]
        forget: tuple[str, ...] = ()
        if self.followups is not None and item.payload["kind"] in self.details:
            for followup in self.followups(item.payload, node):
                mutations.append(followup.mutation)
                forget += followup.forget
        return mutations, forget

    def write(
        self,
        batch: Sequence[Planned],
        known: Mapping[str, Stored],
        cache: Existence | None = None,
    ) -> list[WriteOutcome]:
        """Write one batch in one request (plus one re-check and retry on conflicts)."""
        exists: dict[str, bool] = {}
        unknown: list[Planned] = []
        for item in batch:
            if self.known_exists(item, known):
                exists[item.key] = True
                continue
            cached = cache.get(ident(item)) if cache is not None else None
            if cached is not None:
                exists[item.key] = cached
            else:
                unknown.append(item)
        if unknown:
            found = self.existing(ident(p) for p in unknown)
            for item in unknown:
                exists[item.key] = ident(item) in found
        need = [
            ident(p)
            for p in batch
            if exists[p.key] and p.payload["kind"] in self.details
        ]
        nodes = self.existing(need, details=True) if need and self.followups else {}
        outcomes: dict[str, WriteOutcome] = {}
        action: dict[str, str] = {}
        errors: dict[str, str] = {}
        forget: dict[str, tuple[str, ...]] = {}
        plan = self._plan(batch, exists, nodes, outcomes, action, forget)
        self._send(plan, errors)
        retry = [p for p in batch if p.key in errors]
        if retry:
            self._retry(retry, outcomes, action, errors, forget)
        dropped: list[str] = []
        result: list[WriteOutcome] = []
        for item in batch:
            ref = item.payload["ref"]
            if item.key in outcomes:
                result.append(outcomes[item.key])
            elif item.key in errors:
                result.append(WriteOutcome(item.key, "failed", ref, errors[item.key]))
            else:
                result.append(WriteOutcome(item.key, action[item.key], ref))
                dropped.extend(forget.get(item.key, ()))
        if dropped:
            fingerprints.forget(self.store, self.module, dropped)
        return result

    def _plan(
        self,
        batch: Sequence[Planned],
        exists: Mapping[str, bool],
        nodes: Mapping[Ident, Mapping[str, Any]],
        outcomes: dict[str, WriteOutcome],
        action: dict[str, str],
        forget: dict[str, tuple[str, ...]],
    ) -> list[tuple[str, Mutation]]:
        creates: list[tuple[str, Mutation]] = []
        statuses: list[tuple[str, Mutation]] = []
        updates: list[tuple[str, Mutation]] = []
        for item in batch:
            if exists[item.key]:
                mutations, forget[item.key] = self._update(item, nodes.get(ident(item)))
                updates.extend((item.key, m) for m in mutations)
                action[item.key] = "updated"
            elif item.payload.get("_only_if_exists"):
                outcomes[item.key] = WriteOutcome(
                    item.key, "unchanged", item.payload["ref"]
                )
            else:
                create, status = self._create(item)
                creates.append((item.key, create))
                statuses.append((item.key, status))
                action[item.key] = "created"
        return creates + statuses + updates

    def _send(self, plan: list[tuple[str, Mutation]], errors: dict[str, str]) -> None:
        if not plan:
            return
        results: list[MutationResult] = self.fluent.mutate_batch([m for _, m in plan])
        for (key, mutation), res in zip(plan, results, strict=True):
            if not res.ok and key not in errors:
                errors[key] = f"{mutation.name}: {res.error}"

    def _retry(
        self,
        items: list[Planned],
        outcomes: dict[str, WriteOutcome],
        action: dict[str, str],
        errors: dict[str, str],
        forget: dict[str, tuple[str, ...]],
    ) -> None:
        """Re-check existence of failed entities and retry the other way once."""
        found = self.existing((ident(p) for p in items), details=bool(self.details))
        again: list[Planned] = []
        now_exists: dict[str, bool] = {}
        for item in items:
            present = ident(item) in found
            if present == (action.get(item.key) == "updated"):
                continue  # not an existence problem: keep Fluent's error
            if not present and item.payload.get("_only_if_exists"):
                errors.pop(item.key)
                outcomes[item.key] = WriteOutcome(
                    item.key, "unchanged", item.payload["ref"]
                )
                continue
            errors.pop(item.key)
            now_exists[item.key] = present
            again.append(item)
        if again:
            log.info(
                "catalogue.write.retry",
                extra={"sync_module": self.module, "count": len(again)},
            )
            plan = self._plan(again, now_exists, found, outcomes, action, forget)
            self._send(plan, errors)
