"""Batch source of the products module: CT products (their current data by default) ->
Fluent standard and variant products of ``FLUENT_CATALOGUE_REF``.

The batch reads the ``products`` endpoint, not the projections: it returns unpublished
products too (``masterData.published``; unpublishing moves ``lastModifiedAt``, so an
incremental run sees it) and the mapping deactivates them (``on_unpublish``). An
unpublish is never inferred from a product missing from a page. Deleted products
(``on_delete``): a full run that started from the beginning ends with the
fingerprinted products it did not see, double-checked with one ``id in (...)`` query
per 100, and sets the ones commercetools no longer has INACTIVE with their variants.

Per page (``prepare``, also used by the event handler): resolve the page's category ids
to Fluent refs (cache, then the categories module's fingerprints, then one CT ``id in``
query for the rest), then ask Fluent once which planned entities without a fingerprint
already exist. Price-rule channel / customer-group keys are resolved once per process.
The mapping itself (``mapping.map_product``) is pure; writes go through
``CatalogueWriter`` (several mutations per request, bounded requests in flight).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from connector.catalogue.existence import RecentExistence
from connector.catalogue.mapping import ACTIVE, category_ref
from connector.catalogue.reading import window_pages, window_total
from connector.catalogue.writer import CatalogueWriter, chunks
from connector.clients.commercetools import CommercetoolsClient, ct_in
from connector.context import Services
from connector.errors import ConfigError
from connector.models import utcnow
from connector.store import fingerprints
from connector.store.fingerprints import Stored
from connector.sync.stream import Page, Planned, Skip, Stream, Window, WriteOutcome

from .followups import Notes, details, make_followups
from .mapping import (
    MappingContext,
    deleted_product,
    map_product,
    product_record,
    product_ref,
)
from .options import PriceRule, ProductOptions

log = logging.getLogger(__name__)

MODULE = "products"
RESOURCE = "product-projections"  # the event path reads one projection
BATCH_RESOURCE = (
    "products"  # the batch sees unpublished products (masterData.published)
)
GONE_CHUNK = 100  # ids per existence check (keeps the URL short)
_resolved_lock = threading.Lock()
KeyIds = dict[tuple[str, str, str], str]  # (project, resource, key) -> id


def resolve_keys(
    ct: CommercetoolsClient, resource: str, keys: Sequence[str], _resolved: KeyIds
) -> dict[str, str]:
    """Ids of ``resource`` keys (cached in ``_resolved``); ConfigError for unknown keys."""
    with _resolved_lock:
        missing = [k for k in keys if (ct.project_key, resource, k) not in _resolved]
    if missing:
        found = ct.query(resource, where=f"key in {ct_in(missing)}", limit=len(missing))
        with _resolved_lock:
            for item in found["results"]:
                _resolved[(ct.project_key, resource, item["key"])] = item["id"]
    out: dict[str, str] = {}
    for key in keys:
        value = _resolved.get((ct.project_key, resource, key))
        if value is None:
            raise ConfigError(
                f"modules.products.prices: {resource} key {key!r} not found in "
                "commercetools"
            )
        out[key] = value
    return out


class ProductStream(Stream):
    module = MODULE

    def __init__(self, runtime: Services, options: ProductOptions) -> None:
        super().__init__(options.stream)
        self.runtime = runtime
        self._key_ids: KeyIds = runtime.caches.get("products.key_ids", dict)
        self.opts = options
        self.ct = runtime.ct()
        self.notes = Notes()  # prices/attributes Fluent keeps (reported per entity)
        self.writer = CatalogueWriter(
            runtime.fluent(),
            options.catalogue,
            runtime.store,
            MODULE,
            details=details(options),
            followups=make_followups(options, self.notes),
        )
        self.status = ACTIVE  # the event path maps unpublished products as INACTIVE
        self.now = utcnow()  # price validity is judged at the start of the run
        self._category_refs: dict[str, str] = {}
        self._rules: tuple[PriceRule, ...] | None = None
        self._ctx: MappingContext | None = None
        self._exists = RecentExistence()
        # id(record) -> (record, plan) of the current page
        self._planned: dict[int, tuple[Any, list[Planned | Skip]]] = {}
        self._known: dict[str, Stored] | None = None  # fingerprints of that page

    def scope(self) -> str:
        return f"ct:{self.ct.project_key}"

    @property
    def query_extra(self) -> dict[str, str]:
        return {"staged": "true" if self.opts.projection == "staged" else "false"}

    def estimate_total(self, window: Window) -> int | None:
        return window_total(self.ct, BATCH_RESOURCE, window)

    def removal_base(self) -> int:
        """The guard measures removals against the standard products synced."""
        return fingerprints.count(self.runtime.store, MODULE, "p:")

    # -- reading -------------------------------------------------------------------------
    def pages(self, window: Window) -> Iterator[Page]:
        sweep = (
            window.start is None
            and window.after is None
            and self.opts.on_delete == "deactivate"
        )
        seen: set[str] = set()
        refs: set[str] = set()  # a ref of a live product is never deactivated
        last = window.after
        for results in window_pages(
            self.ct, BATCH_RESOURCE, window, page_size=self.opts.page_size
        ):
            if sweep:
                seen.update(p["id"] for p in results)
                refs.update(product_ref(p) for p in results)
            last = results[-1]["id"]
            records = [product_record(p, self.opts.projection) for p in results]
            yield Page(self.prepare(records), last, self._known)
        if sweep:
            for gone in self._vanished(seen, refs):
                yield Page(self.prepare_gone(gone), last, self._known)

    def _vanished(
        self, seen: set[str], refs: set[str]
    ) -> Iterator[list[tuple[str, str]]]:
        """(id, ref) of fingerprinted products this full run did not see and CT no
        longer has; those already deactivated as deleted are left out, and a
        fingerprint whose ref now belongs to another live product is dropped."""
        candidates: list[tuple[str, str]] = []
        stale: list[str] = []
        for entry in fingerprints.entries(self.runtime.store, MODULE, "p:"):
            product_id = entry.source_key[2:]
            if product_id in seen:
                continue
            ref = entry.target_ref or product_id
            if ref in refs:
                stale.append(entry.source_key)
                continue
            stone = deleted_product(product_id, ref, self.opts.catalogue).payload
            if entry.hash != fingerprints.fingerprint(stone):
                candidates.append((product_id, ref))
        if stale:
            fingerprints.forget(self.runtime.store, MODULE, stale)
        for chunk in chunks(candidates, GONE_CHUNK):
            ids = [pid for pid, _ in chunk]
            alive = self.ct.query(
                BATCH_RESOURCE, where=f"id in {ct_in(ids)}", limit=len(ids)
            )["results"]
            present = {p["id"] for p in alive}
            gone = [pair for pair in chunk if pair[0] not in present]
            if gone:
                yield gone

    def prepare(self, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Resolve what the mapping needs for these products and prefetch existence."""
        self._resolve_categories(products)
        self._ctx = MappingContext(
            options=self.opts,
            now=self.now,
            category_refs=self._category_refs,
            rules=self._price_rules(),
            status=self.status,
        )
        self._prefetch(products)
        return products

    def prepare_deleted(self, product_id: str, ref: str) -> list[dict[str, Any]]:
        return self.prepare_gone([(product_id, ref)])

    def prepare_gone(self, gone: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Records deactivating deleted products: (CT id, Fluent ref) pairs."""
        records = [{"id": pid, "deleted": True, "ref": ref} for pid, ref in gone]
        self._prefetch(records)
        return records

    def _prefetch(self, records: list[dict[str, Any]]) -> None:
        self._planned = {}
        plans: dict[int, tuple[Any, list[Planned | Skip]]] = {}
        for record in records:
            try:
                plans[id(record)] = (record, self.plan(record))
            except Exception:  # noqa: BLE001 - the engine's own plan call reports it
                log.debug("products.plan.failed", extra={"record": record.get("id")})
        self._planned = plans  # the engine plans the same record objects next
        planned = [
            p for _, items in plans.values() for p in items if isinstance(p, Planned)
        ]
        known = fingerprints.lookup(
            self.runtime.store, MODULE, (p.key for p in planned)
        )
        self._known = known  # the page's Page.known: the engine does not ask again
        self._exists.add(self.writer.prefetch(planned, known))

    def _resolve_categories(self, products: list[dict[str, Any]]) -> None:
        wanted = {
            ref["id"]
            for product in products
            for ref in product.get("categories") or []
            if isinstance(ref, dict) and ref.get("id")
        } - set(self._category_refs)
        if not wanted:
            return
        for cid, stored in fingerprints.lookup(
            self.runtime.store, "categories", wanted
        ).items():
            if stored.target_ref:
                self._category_refs[cid] = stored.target_ref
        rest = sorted(wanted - set(self._category_refs))
        for chunk in chunks(rest, 100):
            found = self.ct.query(
                "categories", where=f"id in {ct_in(chunk)}", limit=len(chunk)
            )
            for category in found["results"]:
                self._category_refs[category["id"]] = category_ref(category)

    def _price_rules(self) -> tuple[PriceRule, ...]:
        if self._rules is None:
            rules = self.opts.prices
            channels = [r.channel for r in rules if r.channel]
            groups = [r.customer_group for r in rules if r.customer_group]
            channel_ids = (
                resolve_keys(self.ct, "channels", channels, self._key_ids)
                if channels
                else {}
            )
            group_ids = (
                resolve_keys(self.ct, "customer-groups", groups, self._key_ids)
                if groups
                else {}
            )
            self._rules = tuple(
                replace(
                    r,
                    channel_id=channel_ids.get(r.channel or "", r.channel_id),
                    customer_group_id=group_ids.get(
                        r.customer_group or "", r.customer_group_id
                    ),
                )
                for r in rules
            )
        return self._rules

    # -- mapping -------------------------------------------------------------------------
    def plan(self, record: dict[str, Any]) -> list[Planned | Skip]:
        """The mapping of one record (memoised for the records of the current page,
        which ``prepare`` already mapped to prefetch existence)."""
        cached = self._planned.get(id(record))
        if cached is not None and cached[0] is record:
            return cached[1]
        if record.get("deleted"):
            return [deleted_product(record["id"], record["ref"], self.opts.catalogue)]
        if self._ctx is None:
            raise RuntimeError("ProductStream.plan before prepare")
        return map_product(record, self._ctx)

    # -- writing -------------------------------------------------------------------------
    def write(
        self, batch: list[Planned], known: Mapping[str, Stored]
    ) -> list[WriteOutcome]:
        outcomes = self.writer.write(batch, known, self._exists)
        by_key = {p.key: p for p in batch}
        for outcome in outcomes:
            item = by_key.get(outcome.key)
            if item is not None:
                outcome.note = self.notes.pop(item.payload["kind"], item.payload["ref"])
        return outcomes


def build(runtime: Services) -> ProductStream:
    """Factory named by the SPEC; MissingSetting names an absent variable."""
    config = runtime.config
    config.require_ct("products sync")
    fluent = config.require_fluent("products sync", "FLUENT_CATALOGUE_REF")
    assert fluent.catalogue_ref
    options = ProductOptions.from_mapping(
        config.options("products"), fluent.catalogue_ref
    )
    return ProductStream(runtime, options)
