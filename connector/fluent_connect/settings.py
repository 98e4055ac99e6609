"""Fluent's connector settings: read (RETAILER, then ACCOUNT), cache, write back.

One GraphQL ``settings`` query reads every name this package knows in both contexts;
per name the RETAILER setting (contextId = FLUENT_RETAILER_ID) wins over the ACCOUNT
one. Values are JSON objects in ``lobValue`` (or a JSON string in ``value``); an
unreadable value is logged and treated as absent. The snapshot is cached per Fluent
account/retailer for ``ttl`` seconds. ``write`` sends ``updateSetting`` with the id of
the setting that was read, so a setting stays in the context it was found in.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.clients.fluent import FluentClient
from connector.context import Caches

log = logging.getLogger(__name__)

ACCOUNT_MAPPING = "fc.connect.commercetools.account-mapping"
GENERAL = "fc.connect.commercetools.general"
PRODUCT_CATALOGUE_JOB = "fc.connect.commercetools.batch.batch-product-catalogue-sync"
INVENTORY_JOB = "fc.connect.commercetools.batch.batch-inventory-sync"
LOCATION_JOB = "fc.connect.commercetools.batch.batch-location-sync"
# The docs spell the location setting both ways; the first found (in this order) is used.
ALIASES: Mapping[str, tuple[str, ...]] = {
    LOCATION_JOB: (LOCATION_JOB, "fc.connect.commerce-tools.batch.batch-location-sync"),
}
NAMES: tuple[str, ...] = (
    ACCOUNT_MAPPING,
    GENERAL,
    PRODUCT_CATALOGUE_JOB,
    INVENTORY_JOB,
    LOCATION_JOB,
)
DEFAULT_TTL_SECONDS = 60.0

SETTINGS_QUERY = (
    "query ConnectorConnectSettings($names: [String], $first: Int) {"
    ' settings(name: $names, context: ["RETAILER", "ACCOUNT"], first: $first) {'
    " edges { node { id name valueType context contextId value lobValue } } } }"
)
UPDATE_MUTATION = (
    "mutation ConnectorUpdateSetting($input: UpdateSettingInput) {"
    " updateSetting(input: $input) { id name } }"
)


@dataclass(frozen=True)
class Found:
    """One setting as read: where it lives and its JSON object value."""

    name: str
    id: str
    context: str
    context_id: int
    value_type: str
    value: Mapping[str, Any]
    in_lob: bool = True

    @property
    def where(self) -> str:
        return f"Fluent setting {self.name} ({self.context} {self.context_id})"


@dataclass(frozen=True)
class Snapshot:
    """The settings in force, by canonical name (absent names are missing)."""

    found: Mapping[str, Found] = field(default_factory=dict)

    def get(self, name: str) -> Found | None:
        return self.found.get(name)

    def lookup(self, name: str, path: tuple[str, ...]) -> tuple[Any, Found] | None:
        """The value at ``path`` inside setting ``name`` with the setting, or None."""
        setting = self.found.get(name)
        if setting is None:
            return None
        value: Any = setting.value
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        if value is None or value == "":
            return None
        return value, setting


def parse_value(node: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The JSON object of a setting node and whether it came from ``lobValue``."""
    for key, in_lob in (("lobValue", True), ("value", False)):
        raw = node.get(key)
        if raw is None or raw == "":
            continue
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return None, in_lob
        return (dict(raw) if isinstance(raw, dict) else None), in_lob
    return None, True


def resolve(nodes: list[Mapping[str, Any]], retailer_id: str) -> Snapshot:
    """Pick RETAILER (of this retailer) then ACCOUNT per name and spelling (pure)."""
    found: dict[str, Found] = {}
    for canonical in NAMES:
        for name in ALIASES.get(canonical, (canonical,)):
            if canonical in found:
                break
            named = [n for n in nodes if n.get("name") == name]
            ordered = [
                n
                for n in named
                if n.get("context") == "RETAILER"
                and str(n.get("contextId")) == retailer_id
            ] + [n for n in named if n.get("context") == "ACCOUNT"]
            for node in ordered:
                value, in_lob = parse_value(node)
                if value is None:
                    log.warning(
                        "fluent_connect.setting.unreadable",
                        extra={"setting": name, "context": node.get("context")},
                    )
                    continue
                found[canonical] = Found(
                    name=name,
                    id=str(node.get("id")),
                    context=str(node.get("context")),
                    context_id=int(node.get("contextId") or 0),
                    value_type=str(node.get("valueType") or "JSON"),
                    value=value,
                    in_lob=in_lob,
                )
                break
    return Snapshot(found)


class SnapshotCache:
    """Snapshots by Fluent account, each kept for the ``ttl`` it was loaded with. One
    per runtime (``snapshot_cache(runtime.caches)``): two runtimes share nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str], tuple[float, Snapshot]] = {}

    def get(self, key: tuple[str, str, str]) -> Snapshot | None:
        with self._lock:
            cached = self._items.get(key)
            return cached[1] if cached and cached[0] > time.monotonic() else None

    def put(self, key: tuple[str, str, str], ttl: float, snapshot: Snapshot) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, snapshot)

    def clear(self) -> None:
        """Forget every snapshot (after a write-back)."""
        with self._lock:
            self._items.clear()


def snapshot_cache(caches: Caches) -> SnapshotCache:
    """The settings cache of these services (created on first use)."""
    return caches.get("fluent_settings", SnapshotCache)


def load(
    fluent: FluentClient,
    ttl: float = DEFAULT_TTL_SECONDS,
    cache: SnapshotCache | None = None,
) -> Snapshot:
    """The settings in force: from ``cache`` when loaded less than ``ttl`` seconds ago,
    else read (and kept there); no cache or ``ttl`` 0 reads every time."""
    key = (fluent.base_url, str(fluent.account_id), str(fluent.retailer_id))
    if cache is not None and ttl > 0:
        cached = cache.get(key)
        if cached is not None:
            return cached
    names = [alias for n in NAMES for alias in ALIASES.get(n, (n,))]
    data = fluent.graphql(SETTINGS_QUERY, {"names": names, "first": 100})
    edges = ((data.get("settings") or {}).get("edges")) or []
    nodes = [e["node"] for e in edges if e and e.get("node")]
    snapshot = resolve(nodes, str(fluent.retailer_id))
    if cache is not None and ttl > 0:
        cache.put(key, ttl, snapshot)
    return snapshot


def write(fluent: FluentClient, setting: Found, value: Mapping[str, Any]) -> None:
    """Replace the value of ``setting`` (same id, name and context) with ``value``."""
    payload: dict[str, Any] = {
        "id": setting.id,
        "name": setting.name,
        "valueType": setting.value_type,
        "context": setting.context,
        "contextId": setting.context_id,
    }
    if setting.in_lob:
        payload["lobValue"] = dict(value)
    else:
        payload["value"] = json.dumps(value, separators=(",", ":"))
    fluent.graphql(UPDATE_MUTATION, {"input": payload})
