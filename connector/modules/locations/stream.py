"""Batch sync of Fluent locations into commercetools channels (Fluent -> CT).

Reads ``locations(updatedOn: {from, to}, first, after)`` inside the run window (a full
run reads every location), maps each through ``mapping.plan_location`` and writes the
changed ones: one ``key in (...)`` channel query per batch, then a create for a missing
channel or one update with only the actions that differ. The engine's fingerprints make
an unchanged location cost no commercetools call at all. A location that is no longer
ACTIVE is marked (its status custom field, optionally without role InventorySupply). A
location gone from Fluent (seen only by a run that read every location) is handled per
``on_delete`` (see ``gone``). Field names follow the profile (connector.ct_fields). This
module must not write to Fluent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from connector.clients.commercetools import CommercetoolsClient, ct_in
from connector.clients.errors import ApiError
from connector.clients.fluent import FluentClient
from connector.context import Services
from connector.ct_fields import FieldProfile, profile_of
from connector.modules.locations.actions import channel_actions, channel_draft
from connector.modules.locations.custom_type import ensure_type, profile_fields
from connector.modules.locations.gone import (
    gone_actions,
    gone_fields,
    plan_gone,
    vanished,
)
from connector.modules.locations.mapping import (
    LocationRules,
    in_network,
    plan_location,
)
from connector.modules.locations.options import LocationsOptions
from connector.options import require_settings
from connector.store import fingerprints
from connector.store.db import Store
from connector.store.fingerprints import Stored
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

LOCATION_FIELDS = """
  id ref name type status supportPhoneNumber updatedOn
  primaryAddress {
    street street2 city state postcode country region latitude longitude
    timeZone companyName email
  }
  openingSchedule {
    allHours monStart monEnd tueStart tueEnd wedStart wedEnd thuStart thuEnd
    friStart friEnd satStart satEnd sunStart sunEnd
  }
  attributes { name type value }
"""
NETWORKS_FIELD = "networks(first: 100) { edges { node { ref } } }"


def locations_query(with_networks: bool) -> str:
    """The search query; the networks of each location only when filtering by one.

    The network filter is applied to ``networks`` client-side, as Fluent's own
    connector does (the top-level ``locations`` search has the ``updatedOn`` filter).
    """
    fields = LOCATION_FIELDS + (NETWORKS_FIELD if with_networks else "")
    return (
        "query ConnectorLocations($updatedOn: DateRange, $first: Int, $after: String) {"
        " locations(updatedOn: $updatedOn, first: $first, after: $after) {"
        " edges { cursor node {" + fields + "} }"
        " pageInfo { hasNextPage } } }"
    )


class LocationsStream(Stream):
    module = "locations"

    def __init__(
        self,
        ct: CommercetoolsClient,
        fluent: FluentClient,
        rules: LocationRules,
        options: StreamOptions | None = None,
        *,
        page_size: int = 100,
        incremental: bool = True,
        store: Store | None = None,
        on_delete: str = "mark",
        profile: FieldProfile | None = None,
    ) -> None:
        super().__init__(options)
        self.ct = ct
        self.fluent = fluent
        self.rules = rules
        self.profile = profile
        self.field_names = tuple(name for name, _, _ in profile_fields(profile))
        self.page_size = page_size
        self.incremental = incremental
        self.store = store  # fingerprints of the deletion sweep (None: no sweep)
        self.on_delete = on_delete
        self._type_id: str | None = None
        self._lock = threading.Lock()
        self._other_types: dict[str, frozenset[str]] = {}

    def scope(self) -> str:
        network = self.rules.network_ref or "*"
        return f"fluent:{self.fluent.account_id}/{network}->ct:{self.ct.project_key}"

    def pages(self, window: Window) -> Iterator[Page]:
        # incremental: false reads every location each run (fingerprints keep it free)
        range_ = updated_on(window) if self.incremental else None
        variables: dict[str, Any] = {"updatedOn": range_}
        # a read of every location from the start sees which ones are gone
        sweep = range_ is None and window.after is None and self.store is not None
        seen: set[str] = set()
        cursor: str | None = window.after
        for nodes, cursor in self.fluent.iter_connection(
            locations_query(bool(self.rules.network_ref)),
            variables,
            ("locations",),
            page_size=self.page_size,
            after=window.after,
        ):
            if sweep:
                seen.update(n["ref"] for n in nodes if self._in_scope(n))
            yield Page(nodes, cursor)
        if sweep and self.store is not None:
            entries = fingerprints.entries(self.store, self.module)
            gone = list(vanished(entries, seen, self.rules, self.on_delete))
            for start in range(0, len(gone), self.page_size):
                yield Page(gone[start : start + self.page_size], cursor)

    def _in_scope(self, node: Mapping[str, Any]) -> bool:
        if not node.get("ref"):
            return False
        network = self.rules.network_ref
        return not network or in_network(node, network)

    def plan(self, record: Mapping[str, Any]) -> Iterable[Planned | Skip]:
        if record.get("_gone"):
            return [plan_gone(record, self.rules, self.on_delete)]
        return plan_location(record, self.rules)

    # -- writing -----------------------------------------------------------------------
    def type_id(self) -> str:
        """The custom type id, ensured once per run (first batch that writes)."""
        with self._lock:
            if self._type_id is None:
                self._type_id = ensure_type(
                    self.ct, self.rules.custom_type_key, self.profile
                )
            return self._type_id

    def write(
        self, batch: list[Planned], known: Mapping[str, Stored]
    ) -> list[WriteOutcome]:
        type_id = self.type_id()
        keys = [p.payload["key"] for p in batch]
        found = self.ct.query(
            "channels", where=f"key in {ct_in(keys)}", limit=len(keys)
        )["results"]
        by_key = {c["key"]: c for c in found}
        return [
            self._write_one(p, by_key.get(p.payload["key"]), type_id) for p in batch
        ]

    def _other_type_fields(
        self, channel: Mapping[str, Any], type_id: str
    ) -> frozenset[str] | None:
        """Field names of another custom type the channel carries (cached per run), so
        a type that has all our fields is written field by field, not replaced."""
        other = ((channel.get("custom") or {}).get("type") or {}).get("id")
        if not other or other == type_id:
            return None
        with self._lock:
            if other in self._other_types:
                return self._other_types[other]
        doc = self.ct.get_or_none(f"types/{other}")
        names = frozenset(d["name"] for d in (doc or {}).get("fieldDefinitions") or [])
        with self._lock:
            self._other_types[other] = names
        return names

    def _write_one(
        self, item: Planned, current: dict[str, Any] | None, type_id: str
    ) -> WriteOutcome:
        draft = item.payload
        if draft.get("_gone"):
            return self._write_gone(item, current, type_id)
        try:
            if current is None:
                created = self.ct.create("channels", channel_draft(draft, type_id))
                return WriteOutcome(item.key, "created", created["key"])
            _, applied = self.ct.update_with_retry(
                f"channels/{current['id']}",
                lambda channel: channel_actions(
                    channel,
                    draft,
                    type_id,
                    self.field_names,
                    self._other_type_fields(channel, type_id),
                ),
                current,
            )
        except ApiError as exc:
            return _rejected(item, exc)
        return WriteOutcome(
            item.key, "updated" if applied else "unchanged", draft["key"]
        )

    def _write_gone(
        self, item: Planned, current: dict[str, Any] | None, type_id: str
    ) -> WriteOutcome:
        """Mark, strip or delete the channel of a location gone from Fluent."""
        key = item.payload["key"]
        if current is None:
            return WriteOutcome(item.key, "unchanged", key)
        try:
            if item.payload["_gone"] == "delete":
                self.ct.delete(f"channels/{current['id']}", current["version"])
                return WriteOutcome(item.key, "updated", key)
            policy = item.payload["_gone"]
            _, applied = self.ct.update_with_retry(
                f"channels/{current['id']}",
                lambda channel: gone_actions(
                    channel, policy, type_id, gone_fields(self.rules)
                ),
                current,
            )
        except ApiError as exc:
            return _rejected(item, exc)
        return WriteOutcome(item.key, "updated" if applied else "unchanged", key)


def _rejected(item: Planned, exc: ApiError) -> WriteOutcome:
    """A channel write commercetools refused: the entity fails, the run goes on
    (a transient error is raised again for the task's retry)."""
    if exc.transient:
        raise exc
    log.warning(
        "locations.channel.rejected",
        extra={"location_ref": item.key, "error": str(exc)[:300]},
    )
    return WriteOutcome(item.key, "failed", error=str(exc))


def rules_from(runtime: Services, opts: LocationsOptions) -> LocationRules:
    network = runtime.config.fluent.network_ref
    if not opts.network_filter:
        network = None
    profile = profile_of(runtime.config)
    type_key = profile.key("channel_type")
    fluent_keys = (
        {k: v for k, v in profile.keys.items() if k.startswith("store_")}
        if profile.fluent
        else {}
    )
    return LocationRules(
        channel_key_prefix=opts.channel_key_prefix,
        locales=opts.locales,
        custom_type_key=opts.custom_type_key or type_key,
        fluent_keys=fluent_keys,
        network_ref=network,
        active_statuses=opts.active_statuses,
        inactive_remove_inventory_supply=opts.inactive_remove_inventory_supply,
    )


def build(
    runtime: Services, overrides: Mapping[str, Any] | None = None
) -> LocationsStream:
    """The stream factory of SPEC.batch; ``overrides`` replace YAML options (tests)."""
    config = runtime.config
    require_settings(config, "locations sync")
    opts = LocationsOptions.from_section(
        {**config.options("locations"), **(overrides or {})}
    )
    return LocationsStream(
        runtime.ct(),
        runtime.fluent(),
        rules_from(runtime, opts),
        opts.stream,
        page_size=opts.page_size,
        incremental=opts.incremental,
        store=runtime.store,
        on_delete=opts.on_delete,
        profile=profile_of(config),
    )
