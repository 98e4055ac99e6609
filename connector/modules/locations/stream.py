"""Batch sync of Fluent locations into commercetools channels (Fluent -> CT).

Reads ``locations(updatedOn: {from, to}, first, after)`` inside the run window (a full
run reads every location), maps each through ``mapping.plan_location`` and writes the
changed ones: one ``key in (...)`` channel query per batch, then a create for a missing
channel or one update with only the actions that differ. The engine's fingerprints make
an unchanged location cost no commercetools call at all. Channels are never deleted: a
location that is no longer ACTIVE is marked (``locationStatus``/``active`` custom fields,
optionally without role InventorySupply). This module must not write to Fluent.
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
from connector.modules.locations.actions import channel_actions, channel_draft
from connector.modules.locations.custom_type import ensure_type
from connector.modules.locations.mapping import LocationRules, plan_location
from connector.modules.locations.options import LocationsOptions
from connector.options import require_settings
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
    ) -> None:
        super().__init__(options)
        self.ct = ct
        self.fluent = fluent
        self.rules = rules
        self.page_size = page_size
        self.incremental = incremental
        self._type_id: str | None = None
        self._lock = threading.Lock()

    def scope(self) -> str:
        network = self.rules.network_ref or "*"
        return f"fluent:{self.fluent.account_id}/{network}->ct:{self.ct.project_key}"

    def pages(self, window: Window) -> Iterator[Page]:
        # incremental: false reads every location each run (fingerprints keep it free)
        range_ = updated_on(window) if self.incremental else None
        variables: dict[str, Any] = {"updatedOn": range_}
        for nodes, cursor in self.fluent.iter_connection(
            locations_query(bool(self.rules.network_ref)),
            variables,
            ("locations",),
            page_size=self.page_size,
            after=window.after,
        ):
            yield Page(nodes, cursor)

    def plan(self, record: Mapping[str, Any]) -> Iterable[Planned | Skip]:
        return plan_location(record, self.rules)

    # -- writing -----------------------------------------------------------------------
    def type_id(self) -> str:
        """The custom type id, ensured once per run (first batch that writes)."""
        with self._lock:
            if self._type_id is None:
                self._type_id = ensure_type(self.ct, self.rules.custom_type_key)
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

    def _write_one(
        self, item: Planned, current: dict[str, Any] | None, type_id: str
    ) -> WriteOutcome:
        draft = item.payload
        try:
            if current is None:
                created = self.ct.create("channels", channel_draft(draft, type_id))
                return WriteOutcome(item.key, "created", created["key"])
            _, applied = self.ct.update_with_retry(
                f"channels/{current['id']}",
                lambda channel: channel_actions(channel, draft, type_id),
                current,
            )
        except ApiError as exc:
            if exc.transient:
                raise
            log.warning(
                "locations.channel.rejected",
                extra={"location_ref": item.key, "error": str(exc)[:300]},
            )
            return WriteOutcome(item.key, "failed", error=str(exc))
        return WriteOutcome(
            item.key, "updated" if applied else "unchanged", draft["key"]
        )


def rules_from(runtime: Services, opts: LocationsOptions) -> LocationRules:
    network = runtime.config.fluent.network_ref
    if not opts.network_filter:
        network = None
    return LocationRules(
        channel_key_prefix=opts.channel_key_prefix,
        locales=opts.locales,
        custom_type_key=opts.custom_type_key,
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
    )
