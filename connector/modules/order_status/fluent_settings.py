"""Reading the three status mappings from Fluent settings, cached with a TTL.

One GraphQL ``settings`` query reads all three names in both contexts; per name the
RETAILER setting (contextId = FLUENT_RETAILER_ID) wins over the ACCOUNT one; an absent or
unreadable setting means the default of its kind. The result is cached per process for
``settings_ttl_seconds`` (default 300), so a changed mapping applies within that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from connector.clients.fluent import FluentClient
from connector.modules.order_status.mapping import (
    KINDS,
    SETTING_NAMES,
    Mappings,
    parse_setting_value,
)

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
SETTINGS_QUERY = (
    "query ConnectorMappingSettings($names: [String], $first: Int) {"
    ' settings(name: $names, context: ["RETAILER", "ACCOUNT"], first: $first) {'
    " edges { node { name context contextId value lobValue } } } }"
)

_lock = threading.Lock()
MappingsCache = dict[tuple[str, str], tuple[float, Mappings]]


def resolve(
    nodes: list[dict[str, Any]],
    retailer_id: str,
    defaults: Mapping[str, Mapping[str, str]],
) -> Mappings:
    """Pick RETAILER then ACCOUNT per setting name, else the default (pure)."""
    chosen: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    for kind in KINDS:
        name = SETTING_NAMES[kind]
        candidates = [n for n in nodes if n.get("name") == name]
        retailer = [
            n
            for n in candidates
            if n.get("context") == "RETAILER" and str(n.get("contextId")) == retailer_id
        ]
        account = [n for n in candidates if n.get("context") == "ACCOUNT"]
        for context, found in (("RETAILER", retailer), ("ACCOUNT", account)):
            if not found:
                continue
            node = found[0]
            raw = node.get("lobValue")
            if raw is None:
                raw = node.get("value")
            mapping = parse_setting_value(kind, raw)
            if mapping is None:
                log.warning(
                    "order_status.setting.unreadable",
                    extra={"setting": name, "context": context},
                )
                continue
            chosen[kind], sources[kind] = mapping, context
            break
        else:
            chosen[kind], sources[kind] = dict(defaults[kind]), "default"
    return Mappings(
        order=chosen["order"],
        payment=chosen["payment"],
        shipment=chosen["shipment"],
        sources=sources,
    )


def load_mappings(
    fluent: FluentClient,
    defaults: Mapping[str, Mapping[str, str]],
    ttl: float = DEFAULT_TTL_SECONDS,
    cache: MappingsCache | None = None,
) -> Mappings:
    """The mappings in force (cached in ``cache`` for ``ttl`` seconds per Fluent
    account/retailer; no cache: read every time)."""
    _cache: MappingsCache = {} if cache is None else cache
    key = (fluent.base_url, str(fluent.retailer_id))
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
    data = fluent.graphql(
        SETTINGS_QUERY, {"names": list(SETTING_NAMES.values()), "first": 100}
    )
    edges = ((data.get("settings") or {}).get("edges")) or []
    nodes = [e["node"] for e in edges if e and e.get("node")]
    mappings = resolve(nodes, str(fluent.retailer_id), defaults)
    with _lock:
        _cache[key] = (now + ttl, mappings)
    return mappings
