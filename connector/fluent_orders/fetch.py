"""Reading a Fluent order back after a webhook (webhooks carry little: reference §5.1).

``order_key`` finds which order a webhook is about (the ORDER entity itself, or the root
entity of a fulfilment/consignment webhook); ``fetch_order`` reads it in ONE GraphQL
request with only the parts the caller needs, and flattens the connections into plain
dicts. Page sizes stay small enough for Fluent's query complexity limit (< 11,111).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.clients.fluent import FluentClient
from connector.errors import PermanentError

log = logging.getLogger(__name__)
_names_lock = threading.Lock()

MAX_ITEMS = 100
MAX_FULFILMENTS = 20
MAX_ARTICLES = 20
MAX_CONSIGNMENTS_PER_ARTICLE = 5

_ORDER_ITEMS = (
    f"items(first: {MAX_ITEMS}) {{ pageInfo {{ hasNextPage }} edges {{ node {{"
    " id ref quantity"
    " product { ... on VariantProduct { ref } ... on StandardProduct { ref } }"
    " } } }"
)
_FULFILMENT_ITEMS = (
    f"items(first: {MAX_ITEMS}) {{ edges {{ node {{"
    " id ref status requestedQuantity filledQuantity rejectedQuantity"
    " orderItem { id ref } } } }"
)
_ARTICLES = (
    f"articles(first: {MAX_ARTICLES}) {{ edges {{ node {{ id ref status"
    f" consignmentArticles(first: {MAX_CONSIGNMENTS_PER_ARTICLE}) {{ edges {{ node {{"
    " consignment { id ref status consignmentReference trackingLabel labelUrl"
    " updatedOn carrier { id ref name } } } } } } } }"
)


@dataclass(frozen=True)
class OrderKey:
    """How to find the order: by ref (preferred) or by id."""

    ref: str | None = None
    id: str | None = None

    def describe(self) -> str:
        return f"ref {self.ref}" if self.ref else f"id {self.id}"


def order_key(payload: Mapping[str, Any]) -> OrderKey:
    """The order a webhook is about: the ORDER entity, else the ORDER root entity."""
    entity_type = str(payload.get("entityType") or "").upper()
    if entity_type == "ORDER":
        return OrderKey(_text(payload.get("entityRef")), _text(payload.get("entityId")))
    root_type = str(payload.get("rootEntityType") or "").upper()
    ref, ident = _text(payload.get("rootEntityRef")), _text(payload.get("rootEntityId"))
    if root_type in ("ORDER", "") and (ref or ident):
        return OrderKey(ref, ident)
    raise PermanentError(
        f"webhook for {entity_type or 'an entity'} names no ORDER root entity "
        "(rootEntityType/rootEntityRef/rootEntityId)"
    )


LOCATION_NAMES_TTL_SECONDS = 300.0
LocationNamesCache = dict[tuple[str, str], tuple[float, str | None]]


def location_names(
    fluent: FluentClient,
    refs: list[str],
    cache: LocationNamesCache | None = None,
    ttl: float = LOCATION_NAMES_TTL_SECONDS,
) -> dict[str, str]:
    """Location ref -> name for the given refs (unknown refs left out).

    One query for the refs not in ``cache`` (a dict kept by the caller, e.g. in the
    runtime's caches): names, and refs Fluent does not know, are remembered for
    ``ttl`` seconds per Fluent account, so a renamed location shows its new name
    within that time (as the status mappings of Fluent settings do).
    """
    wanted = sorted({r for r in refs if r})
    if not wanted:
        return {}
    account = f"{fluent.base_url}#{fluent.account_id}"
    now = time.monotonic()
    known: dict[str, str | None] = {}
    if cache is not None:
        with _names_lock:
            for ref in wanted:
                entry = cache.get((account, ref))
                if entry is not None and entry[0] > now:
                    known[ref] = entry[1]
    missing = [r for r in wanted if r not in known]
    if missing:
        data = fluent.graphql(
            "query ConnectorLocationNames($ref: [String], $first: Int) {"
            " locations(ref: $ref, first: $first) { edges { node { ref name } } } }",
            {"ref": missing, "first": len(missing)},
        )
        found = {
            n["ref"]: n["name"] for n in _nodes(data.get("locations")) if n.get("name")
        }
        for ref in missing:
            known[ref] = found.get(ref)
        if cache is not None:
            with _names_lock:
                for ref in missing:
                    cache[(account, ref)] = (now + ttl, found.get(ref))
    return {ref: name for ref, name in known.items() if name}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def order_query(*, fulfilments: bool, consignments: bool) -> str:
    """The order query with the parts asked for (items come with fulfilments)."""
    parts = ["id ref type status updatedOn"]
    if fulfilments or consignments:
        parts.append(_ORDER_ITEMS)
        inner = ["id ref status type updatedOn fromLocation { ref }", _FULFILMENT_ITEMS]
        if consignments:
            inner.append(_ARTICLES)
        parts.append(
            f"fulfilments(first: {MAX_FULFILMENTS}) {{ edges {{ node {{"
            f" {' '.join(inner)} }} }} }}"
        )
    return (
        "query ConnectorOrder($ref: String, $id: ID) {"
        f" order(ref: $ref, id: $id) {{ {' '.join(parts)} }} }}"
    )


def fetch_order(
    fluent: FluentClient,
    key: OrderKey,
    *,
    fulfilments: bool = False,
    consignments: bool = False,
) -> dict[str, Any] | None:
    """The order as a plain dict (None when Fluent does not know it).

    Shape: ``{id, ref, type, status, updatedOn, items: [{id, ref, quantity,
    productRef}], fulfilments: [{id, ref, status, type, updatedOn, fromLocationRef, items: [{id, ref,
    status, requestedQuantity, filledQuantity, rejectedQuantity, orderItemId,
    orderItemRef}], consignments: [{id, ref, status, trackingLabel, labelUrl,
    consignmentReference, updatedOn, carrierRef, carrierName}]}]}``.
    """
    variables = {"ref": key.ref} if key.ref else {"id": key.id}
    data = fluent.graphql(
        order_query(fulfilments=fulfilments, consignments=consignments), variables
    )
    order = data.get("order")
    if not order:
        return None
    return flatten_order(order)


def _nodes(connection: Any) -> list[dict[str, Any]]:
    edges = (connection or {}).get("edges") or []
    return [e["node"] for e in edges if e and e.get("node")]


def flatten_order(order: dict[str, Any]) -> dict[str, Any]:
    """Connections -> lists; consignments de-duplicated per fulfilment."""
    out = {k: order.get(k) for k in ("id", "ref", "type", "status", "updatedOn")}
    if (((order.get("items") or {}).get("pageInfo")) or {}).get("hasNextPage"):
        log.warning("fluent.order.items_truncated", extra={"order": order.get("ref")})
    out["items"] = [
        {
            "id": str(item.get("id")),
            "ref": item.get("ref"),
            "quantity": item.get("quantity"),
            "productRef": (item.get("product") or {}).get("ref"),
        }
        for item in _nodes(order.get("items"))
    ]
    out["fulfilments"] = [_fulfilment(f) for f in _nodes(order.get("fulfilments"))]
    return out


def _fulfilment(node: dict[str, Any]) -> dict[str, Any]:
    items = []
    for item in _nodes(node.get("items")):
        order_item = item.get("orderItem") or {}
        items.append(
            {
                "id": str(item.get("id")),
                "ref": item.get("ref"),
                "status": item.get("status"),
                "requestedQuantity": int(item.get("requestedQuantity") or 0),
                "filledQuantity": int(item.get("filledQuantity") or 0),
                "rejectedQuantity": int(item.get("rejectedQuantity") or 0),
                "orderItemId": _text(order_item.get("id")),
                "orderItemRef": order_item.get("ref"),
            }
        )
    consignments: dict[str, dict[str, Any]] = {}
    for article in _nodes(node.get("articles")):
        for link in _nodes(article.get("consignmentArticles")):
            con = link.get("consignment")
            if not con or not con.get("ref") or con["ref"] in consignments:
                continue
            carrier = con.get("carrier") or {}
            consignments[con["ref"]] = {
                "id": _text(con.get("id")),
                "ref": con["ref"],
                "status": con.get("status"),
                "trackingLabel": con.get("trackingLabel"),
                "labelUrl": con.get("labelUrl"),
                "consignmentReference": con.get("consignmentReference"),
                "updatedOn": con.get("updatedOn"),
                "carrierRef": carrier.get("ref"),
                "carrierName": carrier.get("name"),
            }
    return {
        "id": _text(node.get("id")),
        "ref": node.get("ref"),
        "status": node.get("status"),
        "type": node.get("type"),
        "updatedOn": node.get("updatedOn"),
        "fromLocationRef": (node.get("fromLocation") or {}).get("ref"),
        "items": items,
        "consignments": list(consignments.values()),
    }
