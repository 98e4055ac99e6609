"""Batch sync of Fluent aggregate stock into commercetools inventory entries.

Reads ``virtualPositions(catalogue: {ref}, updatedOn: {from, to}, first, after)`` of
``FLUENT_VIRTUAL_CATALOGUE_REF`` in pages of up to 5000 (a full run reads all). The
engine drops positions whose fingerprint is unchanged (no CT call at all); for each batch
of the rest this reads the CT entries in one query (``sku in (...) and
supplyChannel(id = ...)``), creates the missing ones and sends ``changeQuantity`` (with
the entry's version; 409 -> re-read, rebuild) only where the quantity differs. CT has no
bulk write: batches run concurrently, at most ``max_in_flight`` at a time.

The supply channel ``CTP_INVENTORY_CHANNEL_KEY`` is created on the first write when it
does not exist (role InventorySupply; the role is added to an existing channel that
lacks it). A position gone from the virtual catalogue (seen only by a full run, which
reads every position) sets its entry's quantity to 0 (``on_missing: zero``, default),
deletes the entry (``delete``) or leaves it (``ignore``). This module never writes to
Fluent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connector.clients.commercetools import CommercetoolsClient, ct_in, ct_str
from connector.clients.errors import ApiError
from connector.clients.fluent import FluentClient
from connector.context import Services
from connector.modules.inventory.mapping import (
    MISSING_LABELS,
    InventoryRules,
    gone_payload,
    plan_position,
)
from connector.modules.inventory.options import InventoryOptions
from connector.options import require_settings
from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored, fingerprint
from connector.sync.stream import (
    Page,
    Planned,
    Skip,
    Stream,
    StreamOptions,
    Window,
    WriteOutcome,
)
from connector.sync.windows import updated_on

log = logging.getLogger(__name__)

READ_CHUNK = 500  # commercetools' maximum page size
INVENTORY_SUPPLY = "InventorySupply"


def positions_query(with_group: bool) -> str:
    group_var = ", $groupRef: [String]" if with_group else ""
    group_arg = ", groupRef: $groupRef" if with_group else ""
    return (
        "query ConnectorVirtualPositions($catalogue: VirtualCatalogueKey!,"
        f" $updatedOn: DateRange{group_var}, $first: Int, $after: String) {{"
        " virtualPositions(catalogue: $catalogue, updatedOn: $updatedOn"
        f"{group_arg}, first: $first, after: $after) {{"
        " edges { cursor node { ref productRef quantity status groupRef updatedOn } }"
        " pageInfo { hasNextPage } } }"
    )


def ensure_channel(ct: CommercetoolsClient, key: str, catalogue_ref: str) -> str:
    """The id of supply channel ``key``; created (role InventorySupply) if missing."""
    channel = ct.get_or_none(f"channels/key={key}")
    if channel is None:
        draft = {
            "key": key,
            "roles": [INVENTORY_SUPPLY],
            "name": {"en": f"Fluent available-to-sell ({catalogue_ref})"},
        }
        channel = ct.create("channels", draft)
        log.info("inventory.channel.created", extra={"channel_key": key})
    elif INVENTORY_SUPPLY not in channel.get("roles", []):
        channel = ct.update(
            f"channels/{channel['id']}",
            channel["version"],
            [{"action": "addRoles", "roles": [INVENTORY_SUPPLY]}],
        )
    return str(channel["id"])


class InventoryStream(Stream):
    module = "inventory"

    def __init__(
        self,
        ct: CommercetoolsClient,
        fluent: FluentClient,
        catalogue_ref: str,
        rules: InventoryRules,
        options: StreamOptions | None = None,
        *,
        page_size: int = 5000,
        group_ref: str | None = None,
        store: Store | None = None,
        on_missing: str = "zero",
    ) -> None:
        super().__init__(options)
        self.ct = ct
        self.fluent = fluent
        self.catalogue_ref = catalogue_ref
        self.rules = rules
        self.page_size = page_size
        self.group_ref = group_ref
        self.store = store  # fingerprints of the full-run sweep (None: no sweep)
        self.on_missing = on_missing
        self._channel_id: str | None = None
        self._lock = threading.Lock()

    def scope(self) -> str:
        return (
            f"fluent:{self.fluent.account_id}/{self.catalogue_ref}"
            f"->ct:{self.ct.project_key}/{self.rules.channel_key}"
        )

    def pages(self, window: Window) -> Iterator[Page]:
        variables: dict[str, Any] = {
            "catalogue": {"ref": self.catalogue_ref},
            "updatedOn": updated_on(window),
        }
        if self.group_ref:
            variables["groupRef"] = [self.group_ref]
        sweep = (
            window.start is None
            and window.after is None
            and self.store is not None
            and self.on_missing != "ignore"
        )
        seen: set[str] = set()
        cursor: str | None = window.after
        for nodes, cursor in self.fluent.iter_connection(
            positions_query(bool(self.group_ref)),
            variables,
            ("virtualPositions",),
            page_size=self.page_size,
            after=window.after,
        ):
            if sweep:
                seen.update(str(n.get("productRef")) for n in nodes)
            yield Page(nodes, cursor)
        if sweep:
            gone = self._vanished(seen)
            for start in range(0, len(gone), self.page_size):
                yield Page(gone[start : start + self.page_size], cursor)

    def _vanished(self, seen: set[str]) -> list[dict[str, Any]]:
        """Records of fingerprinted SKUs without a position in this full read."""
        assert self.store is not None
        out: list[dict[str, Any]] = []
        for entry in fingerprints.entries(self.store, self.module):
            if entry.source_key in seen:
                continue
            stone = gone_payload(
                entry.source_key, self.rules.channel_key, self.on_missing
            )
            if entry.hash != fingerprint(stone):
                out.append({"productRef": entry.source_key, "_gone": True})
        return out

    def plan(self, record: Mapping[str, Any]) -> Iterable[Planned | Skip]:
        if record.get("_gone"):
            sku = str(record["productRef"])
            payload = gone_payload(sku, self.rules.channel_key, self.on_missing)
            label = MISSING_LABELS[self.on_missing]
            return [Planned(sku, payload, sku, removal=label)]
        return plan_position(record, self.rules)

    # -- writing -----------------------------------------------------------------------
    def channel_id(self) -> str:
        """The supply channel id, ensured once per run (first batch that writes)."""
        with self._lock:
            if self._channel_id is None:
                self._channel_id = ensure_channel(
                    self.ct, self.rules.channel_key, self.catalogue_ref
                )
            return self._channel_id

    def read_entries(self, skus: list[str], channel_id: str) -> dict[str, Any]:
        """Current entries of ``skus`` in the channel: one query per 500 SKUs."""
        found: dict[str, Any] = {}
        for start in range(0, len(skus), READ_CHUNK):
            chunk = skus[start : start + READ_CHUNK]
            where = (
                f"sku in {ct_in(chunk)} and supplyChannel(id = {ct_str(channel_id)})"
            )
            page = self.ct.query("inventory", where=where, limit=READ_CHUNK)
            found.update((e["sku"], e) for e in page["results"])
        return found

    def write(
        self, batch: list[Planned], known: Mapping[str, Stored]
    ) -> list[WriteOutcome]:
        channel_id = self.channel_id()
        entries = self.read_entries([p.key for p in batch], channel_id)
        return [self._write_one(p, entries.get(p.key), channel_id) for p in batch]

    def _write_one(
        self, item: Planned, entry: dict[str, Any] | None, channel_id: str
    ) -> WriteOutcome:
        if item.payload.get("_gone") == "delete":
            return self._delete(item, entry)
        if entry is None and item.payload.get("_gone"):
            return WriteOutcome(item.key, "unchanged", item.key)
        quantity = item.payload["quantityOnStock"]

        def actions(current: dict[str, Any]) -> list[dict[str, Any]]:
            if current.get("quantityOnStock") == quantity:
                return []
            return [{"action": "changeQuantity", "quantity": quantity}]

        try:
            if entry is None:
                created = self.ct.create(
                    "inventory",
                    {
                        "sku": item.key,
                        "quantityOnStock": quantity,
                        "supplyChannel": {"typeId": "channel", "id": channel_id},
                    },
                )
                return WriteOutcome(item.key, "created", created["id"])
            _, applied = self.ct.update_with_retry(
                f"inventory/{entry['id']}", actions, entry
            )
        except ApiError as exc:
            if exc.transient:
                raise
            log.warning(
                "inventory.entry.rejected",
                extra={"sku": item.key, "error": str(exc)[:300]},
            )
            return WriteOutcome(item.key, "failed", error=str(exc))
        return WriteOutcome(
            item.key, "updated" if applied else "unchanged", entry["id"]
        )

    def _delete(self, item: Planned, entry: dict[str, Any] | None) -> WriteOutcome:
        if entry is None:
            return WriteOutcome(item.key, "unchanged", item.key)
        try:
            self.ct.delete(f"inventory/{entry['id']}", entry["version"])
        except ApiError as exc:
            if exc.transient:
                raise
            return WriteOutcome(item.key, "failed", error=str(exc))
        return WriteOutcome(item.key, "updated", entry["id"])


def build(
    runtime: Services, overrides: Mapping[str, Any] | None = None
) -> InventoryStream:
    """The stream factory of SPEC.batch; ``overrides`` replace YAML options (tests)."""
    config = runtime.config
    require_settings(
        config,
        "inventory sync",
        fluent=("FLUENT_VIRTUAL_CATALOGUE_REF",),
        others={"CTP_INVENTORY_CHANNEL_KEY": config.ct.inventory_channel_key},
    )
    opts = InventoryOptions.from_section(
        {**config.options("inventory"), **(overrides or {})}
    )
    assert config.fluent.virtual_catalogue_ref and config.ct.inventory_channel_key
    rules = InventoryRules(
        channel_key=config.ct.inventory_channel_key,
        inactive_statuses=opts.inactive_statuses,
    )
    return InventoryStream(
        runtime.ct(),
        runtime.fluent(),
        config.fluent.virtual_catalogue_ref,
        rules,
        opts.stream,
        page_size=opts.page_size,
        group_ref=opts.group_ref,
        store=runtime.store,
        on_missing=opts.on_missing,
    )
