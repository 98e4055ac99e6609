"""Control API, data side (no auth, under ``/_sandbox``; never counted or faulted).

  POST /_sandbox/seed                  JSON fixture (or ``{"fixture": "retailer"}``) -> counts
  POST /_sandbox/generate              generator parameters (see generator.py) -> counts
  POST /_sandbox/inventory             change stock: ``{"items": [...]}`` (see below)
  GET  /_sandbox/state                 account refs, entity counts, webhook queue
  GET  /_sandbox/keys                  ``{"public_key_pem", "public_key_der_b64"}``
  GET  /_sandbox/entities/<table>      rows of a table (``?ref=``, ``?limit=`` default 100)
  GET  /_sandbox/entities/<table>/<id> one row
  DELETE /_sandbox/entities/<table>/<id>  delete a row (a location, a virtual position)
  GET  /_sandbox/orders/<ref>          an order with items, fulfilments, articles,
                                       consignments and transactions, denormalised
  GET  /_sandbox/stock?productRef=&locationRef=   on-hand per location + aggregates

Inventory items: ``{"productRef", "locationRef", "onHand"}`` sets stock (``"delta"``
adds to it) and recomputes the aggregate virtual positions of that SKU;
``{"productRef", "quantity"}`` without a location sets the aggregate position directly.
Only positions whose quantity changes get a new ``updatedOn``, so an incremental sync sees
exactly them. Optional ``catalogueRef`` (inventory), ``virtualCatalogueRef``, ``timestamp``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from ..common import CONTROL_PREFIX
from .generator import generate
from .resolvers.common import FluentError
from .resolvers.inventory import (
    aggregate_catalogues,
    grid,
    recompute_aggregates,
    set_virtual_position,
    vc_or_error,
)
from .resolvers.products import item_product
from .seed import SeedError, seed
from .store import TABLES, now_ts, parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

FIXTURES = Path(__file__).with_name("fixtures")


def control_error(status: int, error: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": error, "message": message}), status


def public(row: Any) -> Any:
    """A row without internal (``_``) keys, recursively; ``__typename`` is kept."""
    if isinstance(row, Mapping):
        return {
            k: public(v)
            for k, v in row.items()
            if not k.startswith("_") or k == "__typename"
        }
    if isinstance(row, list):
        return [public(v) for v in row]
    return row


def body_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object body")
    return body


def change_inventory(state: FluentSandbox, body: Mapping[str, Any]) -> dict[str, int]:
    inventory_ref = body.get("catalogueRef", state.inventory_catalogue_ref)
    ts = parse_iso(body["timestamp"]) if body.get("timestamp") else now_ts()
    the_grid = grid(state, inventory_ref)
    changed_positions = 0
    touched: list[str] = []
    direct = 0
    for item in body.get("items") or []:
        sku = item["productRef"]
        if item.get("locationRef"):
            current = the_grid.get(sku, item["locationRef"]) or 0
            target = (
                current + int(item["delta"]) if "delta" in item else int(item["onHand"])
            )
            changed_positions += the_grid.set(sku, item["locationRef"], target, ts)
            touched.append(sku)
        else:
            vc = vc_or_error(
                state, body.get("virtualCatalogueRef", state.virtual_catalogue_ref)
            )
            direct += set_virtual_position(state, vc, sku, int(item["quantity"]), ts)[1]
    aggregated = recompute_aggregates(state, inventory_ref, dict.fromkeys(touched), ts)
    return {
        "changedPositions": changed_positions,
        "changedVirtualPositions": aggregated + direct,
    }


def _order_view(state: FluentSandbox, order: Mapping[str, Any]) -> dict[str, Any]:
    data = state.data
    view = public(order)
    view["items"] = [
        public(i) | {"productRef": _product_ref(state, i)}
        for i in data.order_items.many(order["_items"])
    ]
    view["customer"] = public(data.customers.get(order["_customer"]))
    view["financialTransactions"] = [
        public(t) for t in data.financial_transactions.many(order["_transactions"])
    ]
    fulfilments = []
    for f in data.fulfilments.many(order["_fulfilments"]):
        fv = public(f)
        fv["items"] = [public(i) for i in data.fulfilment_items.many(f["_items"])]
        fv["articles"] = []
        for a in data.articles.many(f["_articles"]):
            av = public(a)
            av["consignments"] = []
            for c in data.consignments.many(a["_consignments"]):
                carrier = data.carriers.get(c["_carrier"]) or {}
                av["consignments"].append(public(c) | {"carrier": public(carrier)})
            fv["articles"].append(av)
        fulfilments.append(fv)
    view["fulfilments"] = fulfilments
    return view


def _product_ref(state: FluentSandbox, item: Mapping[str, Any]) -> str | None:
    product = item_product(state, item)
    return product["ref"] if product else None


def data_control_blueprint(state: FluentSandbox) -> Blueprint:
    bp = Blueprint("fluent_control_data", __name__, url_prefix=CONTROL_PREFIX)

    @bp.post("/seed")
    def post_seed() -> tuple[Response, int]:
        try:
            body = body_object()
            if set(body) == {"fixture"}:
                path = FIXTURES / f"{Path(str(body['fixture'])).name}.json"
                if not path.is_file():
                    return control_error(404, "unknown_fixture", str(body["fixture"]))
                body = json.loads(path.read_text(encoding="utf-8"))
            with state.lock:
                counts = seed(state, body)
        except (SeedError, ValueError) as exc:
            return control_error(400, "invalid_fixture", str(exc))
        return jsonify({"status": "seeded", "counts": counts}), 201

    @bp.post("/generate")
    def post_generate() -> tuple[Response, int]:
        try:
            body = body_object()
            with state.lock:
                result = generate(state, body)
        except (FluentError, ValueError, TypeError) as exc:
            return control_error(
                400, "invalid_generate", getattr(exc, "message", str(exc))
            )
        return jsonify(result), 201

    @bp.post("/inventory")
    def post_inventory() -> tuple[Response, int]:
        try:
            with state.lock:
                result = change_inventory(state, body_object())
        except (FluentError, KeyError, ValueError, TypeError) as exc:
            return control_error(
                400, "invalid_inventory", getattr(exc, "message", repr(exc))
            )
        return jsonify(result), 200

    @bp.get("/state")
    def get_state() -> Response:
        with state.lock:
            return jsonify(state.describe())

    @bp.get("/keys")
    def get_keys() -> Response:
        return jsonify(
            {
                "public_key_pem": state.public_key_pem,
                "public_key_der_b64": state.public_key_der_b64,
            }
        )

    @bp.get("/entities/<table>")
    def get_entities(table: str) -> tuple[Response, int]:
        if table not in TABLES:
            return control_error(404, "unknown_table", f"tables: {', '.join(TABLES)}")
        limit = request.args.get("limit", 100, type=int)
        ref = request.args.get("ref")
        with state.lock:
            rows = [
                r
                for r in state.data.table(table).rows()
                if ref is None or r.get("ref") == ref
            ]
            return jsonify({"total": len(rows), "results": public(rows[:limit])}), 200

    @bp.get("/entities/<table>/<entity_id>")
    def get_entity(table: str, entity_id: str) -> tuple[Response, int]:
        if table not in TABLES:
            return control_error(404, "unknown_table", table)
        with state.lock:
            row = state.data.table(table).get(entity_id)
            if row is None:
                return control_error(404, "not_found", f"{table}/{entity_id}")
            return jsonify(public(row)), 200

    @bp.delete("/entities/<table>/<entity_id>")
    def delete_entity(table: str, entity_id: str) -> tuple[Response, int]:
        """Delete a row (e.g. a location or a virtual position gone from Fluent)."""
        if table not in TABLES:
            return control_error(404, "unknown_table", table)
        with state.lock:
            row = state.data.table(table).remove(entity_id)
            if row is None:
                return control_error(404, "not_found", f"{table}/{entity_id}")
            return jsonify(public(row)), 200

    @bp.get("/orders/<ref>")
    def get_order(ref: str) -> tuple[Response, int]:
        with state.lock:
            order = state.data.orders.find(ref)
            if order is None:
                return control_error(404, "not_found", f"order {ref}")
            return jsonify(_order_view(state, order)), 200

    @bp.get("/stock")
    def get_stock() -> tuple[Response, int]:
        sku = request.args.get("productRef", "")
        loc = request.args.get("locationRef")
        with state.lock:
            the_grid = grid(
                state, request.args.get("catalogueRef", state.inventory_catalogue_ref)
            )
            locations = [loc] if loc else list(the_grid.locs)
            per_location = {ref: the_grid.get(sku, ref) for ref in locations}
            aggregates = {
                vc["ref"]: [
                    public(vp)
                    for vp in state.data.vp_by_product.get((vc["ref"], sku), [])
                ]
                for vc in aggregate_catalogues(state, the_grid.catalogue_ref)
            }
        return jsonify(
            {"productRef": sku, "onHand": per_location, "virtualPositions": aggregates}
        ), 200

    return bp
