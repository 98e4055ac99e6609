"""Customers (Customer Sync, reference §3.5).

``CreateCustomerInput`` has no ``ref``: the customer's ``ref`` is its ``username``
[I: Fluent's example shows ref == username; the reference asks to verify]. Usernames are
therefore unique. Field limits follow the 2023-24 schema typings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..store import stamp
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
from .registry import field, mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

LIMITS = {
    "username": 250,
    "firstName": 50,
    "lastName": 50,
    "primaryEmail": 250,
    "timezone": 32,
    "title": 50,
    "country": 100,
    "primaryPhone": 20,
}
SCALARS = (
    "title",
    "department",
    "country",
    "firstName",
    "lastName",
    "primaryEmail",
    "primaryPhone",
    "timezone",
    "promotionOptIn",
)
FILTERS = {name: name for name in ("ref", "status", "username") + SCALARS}


def retailer_or_error(state: FluentSandbox, key: Mapping[str, Any] | None) -> Row:
    retailer_id = (key or {}).get("id")
    row = state.data.retailers.get(retailer_id)
    if row is None:
        raise FluentError(f"Retailer with id [{retailer_id}] not found", "C0120E")
    return row


def create_customer(
    state: FluentSandbox, data: Mapping[str, Any], ts: float | None = None
) -> Row:
    require_text(data, "username", "firstName", "primaryEmail")
    check_lengths(data, LIMITS)
    retailer = retailer_or_error(state, data.get("retailer"))
    username = data["username"]
    if state.data.customers.find(username) is not None:
        raise FluentError(
            f"Customer with username [{username}] already exists", "C0121E"
        )
    row: Row = {
        "__typename": "Customer",
        "ref": username,
        "username": username,
        "status": "ACTIVE",
        "attributes": attributes_in(data.get("attributes")),
        "_retailer": retailer["id"],
    }
    for key in SCALARS:
        row[key] = data.get(key)
    return state.data.customers.add(row, key=username, ts=ts)


def update_customer(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    row = state.data.customers.get(data["id"])
    if row is None:
        raise FluentError(f"Customer with id [{data['id']}] not found", "C0120E")
    check_lengths(data, LIMITS)
    for key in SCALARS + ("status",):
        if key in data and data[key] is not None:
            row[key] = data[key]
    row["attributes"] = upsert_attributes(row["attributes"], data.get("attributes"))
    stamp(row)
    return row


@mutation("createCustomer")
def m_create_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return create_customer(sandbox(info), input)


@mutation("updateCustomer")
def m_update_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return update_customer(sandbox(info), input)


@query("customerById")
def q_customer_by_id(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.customers.get(id)


@query("customer")
def q_customer(_: Any, info: GraphQLResolveInfo, ref: str) -> Row | None:
    return sandbox(info).data.customers.find(ref)


@query("customers")
def q_customers(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    table = sandbox(info).data.customers
    refs = exact_values(args.get("ref")) or exact_values(args.get("username"))
    if refs:
        found = [table.find(r) for r in refs]
        rows = sorted((r for r in found if r), key=lambda r: r["_seq"])
    else:
        rows = table.rows()
    return connection(filter_rows(rows, args, FILTERS), args)


@field("Customer", "retailer")
def customer_retailer(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.retailers.get(row.get("_retailer"))
