"""Batch source of the categories module: CT categories -> Fluent categories of
``FLUENT_CATALOGUE_REF``.

Parents before children: CT pages are sorted by id, so a child may come before its
parent. Each page is read with ``expand=ancestors[*]``; an ancestor that is not in the
page travels with the first record that needs it, and every entity's ``level`` is its
depth, so the engine writes (or finds unchanged) the whole ancestor chain before the
child. Deleted categories (``on_delete: deactivate``): a full run that started from the
beginning ends with the fingerprinted categories CT no longer has (double-checked with
one ``id in (...)`` query per 500) and sets them INACTIVE. Owns reading and planning;
writes go through ``catalogue.CatalogueWriter``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connector.catalogue.existence import RecentExistence
from connector.catalogue.mapping import category_ref
from connector.catalogue.reading import window_pages, window_total
from connector.catalogue.writer import CatalogueWriter
from connector.clients.commercetools import ct_in
from connector.context import Services
from connector.store import fingerprints
from connector.store.fingerprints import Stored
from connector.sync.stream import Page, Planned, Skip, Stream, Window, WriteOutcome

from .mapping import inactive_payload, page_records, plan_record
from .options import CategoryOptions

log = logging.getLogger(__name__)

EXPAND = ("ancestors[*]",)
MODULE = "categories"


class CategoryStream(Stream):
    module = MODULE

    def __init__(self, runtime: Services, options: CategoryOptions) -> None:
        super().__init__(options.stream)
        self.runtime = runtime
        self.opts = options
        self.ct = runtime.ct()
        self.writer = CatalogueWriter(
            runtime.fluent(), options.catalogue, runtime.store, MODULE
        )
        self._refs: dict[str, str] = {}
        self._exists = RecentExistence()

    def scope(self) -> str:
        return f"ct:{self.ct.project_key}"

    def estimate_total(self, window: Window) -> int | None:
        return window_total(self.ct, "categories", window)

    # -- reading -------------------------------------------------------------------------
    def pages(self, window: Window) -> Iterator[Page]:
        sweep = (
            window.start is None
            and window.after is None
            and self.opts.on_delete == "deactivate"
        )
        seen: set[str] = set()
        refs: set[str] = set()  # a ref of a live category is never deactivated
        last = window.after
        for results in window_pages(
            self.ct, "categories", window, expand=EXPAND, page_size=self.opts.page_size
        ):
            if sweep:
                seen.update(c["id"] for c in results)
                refs.update(category_ref(c) for c in results)
            last = results[-1]["id"]
            yield Page(self.prepare(results), last)
        if sweep:
            for chunk in self._vanished(seen, refs):
                yield Page(self.prepare_deleted(chunk), last)

    def prepare(self, categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Records of one page (see ``mapping.page_records``); also prefetches which
        planned categories without a fingerprint already exist in Fluent."""
        records, self._refs = page_records(categories)
        self._prefetch(records)
        return records

    def prepare_deleted(self, gone: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Records deactivating deleted categories: (CT id, Fluent ref) pairs."""
        records = [{"id": cid, "deleted": True, "ref": ref} for cid, ref in gone]
        self._prefetch(records)
        return records

    def _prefetch(self, records: list[dict[str, Any]]) -> None:
        planned: list[Planned] = []
        for record in records:
            try:
                planned.extend(p for p in self.plan(record) if isinstance(p, Planned))
            except Exception:  # noqa: BLE001 - the engine's own plan call reports it
                log.debug("categories.plan.failed", extra={"record": record.get("id")})
        known = fingerprints.lookup(
            self.runtime.store, MODULE, (p.key for p in planned)
        )
        self._exists.add(self.writer.prefetch(planned, known))

    def _vanished(
        self, seen: set[str], refs: set[str]
    ) -> Iterator[list[tuple[str, str]]]:
        """Fingerprinted categories not seen in this full run and gone from CT. A
        fingerprint whose ref now belongs to another live category (deleted and
        recreated with the same key, e.g. to move it to the root) is dropped."""
        tombstone: dict[str, str] = {}
        candidates: list[tuple[str, str]] = []
        stale: list[str] = []
        for entry in fingerprints.entries(self.runtime.store, MODULE):
            if entry.source_key in seen:
                continue
            ref = entry.target_ref or entry.source_key
            if ref in refs:
                stale.append(entry.source_key)
                continue
            stone = inactive_payload("category", ref, self.opts.catalogue)
            tombstone.setdefault(ref, fingerprints.fingerprint(stone))
            if entry.hash != tombstone[ref]:
                candidates.append((entry.source_key, ref))
        if stale:
            fingerprints.forget(self.runtime.store, MODULE, stale)
        for start in range(0, len(candidates), 100):  # keeps the URL short
            chunk = candidates[start : start + 100]
            ids = [cid for cid, _ in chunk]
            alive = self.ct.query(
                "categories", where=f"id in {ct_in(ids)}", limit=len(ids)
            )["results"]
            present = {c["id"] for c in alive}
            gone = [pair for pair in chunk if pair[0] not in present]
            if gone:
                yield gone

    # -- mapping -------------------------------------------------------------------------
    def plan(self, record: dict[str, Any]) -> list[Planned | Skip]:
        return list(
            plan_record(
                record,
                self._refs,
                catalogue=self.opts.catalogue,
                locales=self.opts.locales,
                type_=self.opts.type,
            )
        )

    # -- writing -------------------------------------------------------------------------
    def write(
        self, batch: list[Planned], known: Mapping[str, Stored]
    ) -> list[WriteOutcome]:
        return self.writer.write(batch, known, self._exists)


def build(runtime: Services) -> CategoryStream:
    """Factory named by the SPEC; MissingSetting names an absent variable."""
    config = runtime.config
    config.require_ct("categories sync")
    fluent = config.require_fluent("categories sync", "FLUENT_CATALOGUE_REF")
    assert fluent.catalogue_ref
    options = CategoryOptions.from_mapping(
        config.options("categories"), fluent.catalogue_ref
    )
    return CategoryStream(runtime, options)
