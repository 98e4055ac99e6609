"""Stand-in rulesets for events posted to the Event API.

Fluent runs the account's workflow for each event; the sandbox has none, so it logs the
event and applies a few effects a typical reference workflow would have:

* ``UPSERT_PRODUCT`` / ``UPSERT_CATEGORY`` on ``PRODUCT_CATALOGUE`` (the Orium connector's
  pattern, reference §4.3): create or update the product/category from ``attributes``;
* ``CancelOrder`` (also ``CANCEL_ORDER``, ``OrderCancel``) on ``ORDER``: cancel through the
  lifecycle driver, with its webhooks;
* any other name matches nothing in particular and completes [I: configurable with
  ``POST /_sandbox/events/config {"unmatched": "NO_MATCH"}``].

An event for an ORDER that does not exist ends ``NO_MATCH``. Rules added with
``/_sandbox/events/fail-next`` make the next matching event ``FAILED`` with an
``ORCHESTRATION_AUDIT`` exception record, as a failing rule would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .events import CONTEXT_KEYS
from .resolvers.catalog import create_category, update_category
from .resolvers.common import FluentError
from .resolvers.products import create_product, update_product

if TYPE_CHECKING:
    from .state import FluentSandbox

CANCEL_NAMES = {"CancelOrder", "CANCEL_ORDER", "OrderCancel"}


def _upsert_product(state: FluentSandbox, body: Mapping[str, Any]) -> bool:
    attrs = dict(body.get("attributes") or {})
    catalogue = {"ref": body.get("entityRef") or body.get("rootEntityRef")}
    kind = "VariantProduct" if attrs.get("type") == "VARIANT" else "StandardProduct"
    data: dict[str, Any] = {
        "ref": attrs.get("ref"),
        "catalogue": catalogue,
        "type": attrs.get("type"),
        "gtin": attrs.get("gtin"),
        "name": attrs.get("name"),
        "summary": attrs.get("summary"),
        "prices": attrs.get("prices"),
        "attributes": attrs.get("attributes"),
        "categories": [
            {"ref": r, "catalogue": catalogue} for r in attrs.get("categoryRefs") or []
        ],
    }
    if kind == "VariantProduct" and attrs.get("standardProductRef"):
        data["product"] = {"ref": attrs["standardProductRef"], "catalogue": catalogue}
    table = state.data.table(
        "variant_products" if kind == "VariantProduct" else "standard_products"
    )
    if table.find((catalogue["ref"], data["ref"])) is None:
        create_product(state, kind, data)
    update_product(state, kind, {**data, "status": attrs.get("status")})
    return True


def _upsert_category(state: FluentSandbox, body: Mapping[str, Any]) -> bool:
    attrs = dict(body.get("attributes") or {})
    catalogue = {"ref": body.get("entityRef") or body.get("rootEntityRef")}
    data: dict[str, Any] = {
        "ref": attrs.get("ref"),
        "catalogue": catalogue,
        "type": attrs.get("type", "DEFAULT"),
        "name": attrs.get("name"),
        "summary": attrs.get("summary"),
        "attributes": attrs.get("attributes"),
    }
    if attrs.get("parentRef"):
        data["parentCategory"] = {"ref": attrs["parentRef"], "catalogue": catalogue}
    if state.data.categories.find((catalogue["ref"], data["ref"])) is None:
        create_category(state, data)
    update_category(state, {**data, "status": attrs.get("status")})
    return True


def _cancel_order(state: FluentSandbox, body: Mapping[str, Any]) -> bool:
    order = _find_order(state, body)
    if order is None:
        return False
    state.lifecycle.advance(order["ref"], "CANCELLED")
    return True


HANDLERS: dict[tuple[str, str], Callable[[FluentSandbox, Mapping[str, Any]], bool]] = {
    ("PRODUCT_CATALOGUE", "UPSERT_PRODUCT"): _upsert_product,
    ("PRODUCT_CATALOGUE", "UPSERT_CATEGORY"): _upsert_category,
    **{("ORDER", name): _cancel_order for name in CANCEL_NAMES},
}


def _find_order(state: FluentSandbox, body: Mapping[str, Any]) -> dict[str, Any] | None:
    orders = state.data.orders
    if body.get("entityId"):
        return orders.get(body["entityId"])
    return orders.find(body.get("entityRef"))


def process_event(
    state: FluentSandbox, body: Mapping[str, Any]
) -> tuple[dict[str, Any], str, str | None]:
    """Log ``body`` as an event, run its stand-in ruleset; (record, status, message)."""
    name, entity_type = str(body["name"]), str(body["entityType"])
    context = {k: body.get(k) for k in CONTEXT_KEYS}
    order = _find_order(state, body) if entity_type == "ORDER" else None
    if order is not None:
        context.update(
            entityId=order["id"],
            entityRef=order["ref"],
            rootEntityType="ORDER",
            rootEntityId=order["id"],
            rootEntityRef=order["ref"],
        )
    record = state.events.record(
        name,
        context,
        status="PENDING",
        attributes=body.get("attributes") or {},
        retailer_id=str(body["retailerId"]),
    )
    message: str | None = None
    rule = state.events.take_fail_rule(name, entity_type)
    if rule is not None:
        status = "FAILED"
        message = rule.get("message") or f"Event {name} failed (injected by sandbox)"
        state.events.failure(record, message, rule.get("rule"))
    elif entity_type == "ORDER" and order is None:
        status = "NO_MATCH"
    else:
        handler = HANDLERS.get((entity_type, name))
        try:
            if handler is None:
                status = state.events.unmatched_status
            else:
                status = "COMPLETE" if handler(state, body) else "NO_MATCH"
        except (FluentError, KeyError, TypeError, ValueError) as exc:
            status, message = "FAILED", str(getattr(exc, "message", exc))
            state.events.failure(record, message, f"sandbox.rule.{name}")
    record["eventStatus"] = status
    return record, status, message
