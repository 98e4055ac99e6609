"""Orders and order items (Order Sync, reference §3.6-3.7; payments: payments.py).

``createOrder`` validates everything before writing anything: unique ``ref``; existing
retailer and customer; at least one item; every item's product must exist in its
``productCatalogueRef`` (default: the legacy ``COMPATIBILITY:<retailerId>`` catalogue,
which the sandbox does not have, so omitting it fails as the reference warns); a CC order
needs ``pickupLocationRef`` of an existing location and an HD order a ``deliveryAddress``
[I: Fluent leaves this to the workflow; the sandbox checks it eagerly]. The order is
stored ``CREATED``, a ``CREATE`` event is logged, and the sandbox's stand-in for the ORDER
workflow moves it to ``RECEIVED`` right after the mutation returns (the mutation answer
still shows ``CREATED``, as on Fluent where orchestration runs asynchronously).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..store import stamp
from .choices import build_choice, check_choice
from .common import (
    FluentError,
    Row,
    attributes_in,
    check_lengths,
    connection,
    exact_values,
    filter_rows,
    require_text,
    sandbox,
    upsert_attributes,
)
from .customers import create_customer, retailer_or_error
from .fulfilments import FULFILMENT_FILTERS
from .products import find_product, item_product
from .registry import field, mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

ITEM_SCALARS = (
    "quantity",
    "paidPrice",
    "currency",
    "price",
    "taxPrice",
    "taxType",
    "totalPrice",
    "totalTaxPrice",
    "fulfilmentChoiceRef",
)
ORDER_FILTERS = {
    "ref": "ref",
    "type": "type",
    "status": "status",
    "workflowRef": "workflowRef",
    "workflowVersion": "workflowVersion",
    "totalPrice": "totalPrice",
    "totalTaxPrice": "totalTaxPrice",
}
ITEM_FILTERS = {name: name for name in ("ref", "status") + ITEM_SCALARS[:-1]}


def _prepare_items(state: FluentSandbox, items: list[Mapping[str, Any]]) -> list[Row]:
    if not items:
        raise FluentError("items: must not be empty", "C0120E")
    prepared = []
    default_cat = f"COMPATIBILITY:{state.retailer_id}"
    for item in items:
        require_text(item, "ref", "productRef")
        catalogue = item.get("productCatalogueRef") or default_cat
        product = find_product(state, catalogue, item["productRef"])
        if product is None:
            raise FluentError(
                f"Product with ref [{item['productRef']}] not found in catalogue "
                f"[{catalogue}]",
                "C0120E",
            )
        if item["quantity"] <= 0:
            raise FluentError(f"quantity: must be greater than 0 (item {item['ref']})")
        row: Row = {
            "__typename": "OrderItem",
            "ref": item["ref"],
            "status": "CREATED",
            "attributes": attributes_in(item.get("attributes")),
            "_product": (product["__typename"], product["id"]),
        }
        for key in ITEM_SCALARS:
            row[key] = item.get(key)
        prepared.append(row)
    return prepared


def create_order(
    state: FluentSandbox, data: Mapping[str, Any], customer_input: Any = None
) -> Row:
    """createOrder (``customer_input`` set: createOrderAndCustomer)."""
    require_text(data, "ref", "type")
    check_lengths(data, {"ref": 100, "type": 50})
    if state.data.orders.find(data["ref"]) is not None:
        raise FluentError(f"Order with ref [{data['ref']}] already exists", "C0121E")
    retailer = retailer_or_error(state, data.get("retailer"))
    customer = None
    if customer_input is None:
        customer = state.data.customers.get((data.get("customer") or {}).get("id"))
        if customer is None:
            raise FluentError(
                f"Customer with id [{(data.get('customer') or {}).get('id')}] not found",
                "C0120E",
            )
    choice_input = data.get("fulfilmentChoice") or next(
        iter(data.get("fulfilmentChoices") or []), None
    )
    check_choice(state, data["type"], choice_input or {})
    items = _prepare_items(state, data.get("items") or [])
    if customer is None:
        # [I] an existing username is reused instead of failing
        customer = state.data.customers.find(customer_input["username"]) or (
            create_customer(state, customer_input)
        )
    order = state.data.orders.add(
        {
            "__typename": "Order",
            "ref": data["ref"],
            "type": data["type"],
            "status": "CREATED",
            "workflowRef": f"ORDER::{data['type']}",
            "workflowVersion": 1,
            "attributes": attributes_in(data.get("attributes")),
            "totalPrice": data.get("totalPrice"),
            "totalTaxPrice": data.get("totalTaxPrice"),
            "fulfilmentChoice": build_choice(state, choice_input),
            "_retailer": retailer["id"],
            "_customer": customer["id"],
            "_items": [],
            "_fulfilments": [],
            "_transactions": [],
        },
        key=data["ref"],
    )
    for item in items:
        item["_order"] = order["id"]
        order["_items"].append(state.data.order_items.add(item)["id"])
    state.events.entity_event(
        "CREATE", "ORDER", order, "ORDER", order, subtype=order["type"]
    )
    answer = dict(order)  # the mutation answers CREATED; the workflow then runs
    state.lifecycle.order_created(order)
    return answer


def update_order(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    order = state.data.orders.get(data["id"])
    if order is None:
        raise FluentError(f"Order with id [{data['id']}] not found", "C0120E")
    for key in ("status", "totalPrice", "totalTaxPrice"):
        if data.get(key) is not None:
            order[key] = data[key]
    order["attributes"] = upsert_attributes(order["attributes"], data.get("attributes"))
    for change in data.get("items") or []:
        item = state.data.order_items.get(change["id"])
        if item is None or item["_order"] != order["id"]:
            raise FluentError(f"OrderItem with id [{change['id']}] not found", "C0120E")
        for key in ("ref", "status") + ITEM_SCALARS:
            if change.get(key) is not None:
                item[key] = change[key]
        item["attributes"] = upsert_attributes(
            item["attributes"], change.get("attributes")
        )
        stamp(item)
    stamp(order)
    return order


@mutation("createOrder")
def m_create_order(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return create_order(sandbox(info), input)


@mutation("createOrderAndCustomer")
def m_create_order_and_customer(
    _: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Row:
    state = sandbox(info)
    create_input = dict(input)
    customer_input = create_input.pop("customer")
    return create_order(state, create_input, customer_input=customer_input)


@mutation("updateOrder")
def m_update_order(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return update_order(sandbox(info), input)


@query("orderById")
def q_order_by_id(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.orders.get(id)


@query("order")
def q_order(
    _: Any, info: GraphQLResolveInfo, id: str | None = None, ref: str | None = None
) -> Row | None:
    orders = sandbox(info).data.orders
    if id is not None:
        row = orders.get(id)
        return row if row is not None and ref in (None, row["ref"]) else None
    return orders.find(ref) if ref is not None else None


@query("orders")
def q_orders(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    table = sandbox(info).data.orders
    refs = exact_values(args.get("ref"))
    if refs:
        rows = sorted((r for r in map(table.find, refs) if r), key=lambda r: r["_seq"])
    else:
        rows = table.rows()
    return connection(filter_rows(rows, args, ORDER_FILTERS), args)


def _children(state: FluentSandbox, table: str, ids: list[str]) -> list[Row]:
    rows = [state.data.table(table).get(i) for i in ids]
    return [r for r in rows if r is not None]


@field("Order", "items")
def order_items(order: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _children(sandbox(info), "order_items", order["_items"])
    return connection(filter_rows(rows, args, ITEM_FILTERS), args)


@field("Order", "fulfilments")
def order_fulfilments(order: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _children(sandbox(info), "fulfilments", order["_fulfilments"])
    return connection(filter_rows(rows, args, FULFILMENT_FILTERS), args)


@field("Order", "customer")
def order_customer(order: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.customers.get(order.get("_customer"))


@field("Order", "retailer")
def order_retailer(order: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.retailers.get(order.get("_retailer"))


@field("OrderItem", "product")
def order_item_product(item: Row, info: GraphQLResolveInfo) -> Row | None:
    return item_product(sandbox(info), item)


@field("OrderItem", "order")
def item_order(item: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.orders.get(item.get("_order"))
