"""Carriers (AUSPOST, DHL, POSTNL, ... seeded per account) used by consignments.

A seed spec's ``trackingUrl`` (``{label}`` = tracking label) is kept as the carrier
attribute ``trackingUrl`` [I: Fluent has no tracking-URL field; attributes are where an
account would keep one].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from .common import Row, attributes_in, connection, filter_rows, sandbox
from .registry import field, query

if TYPE_CHECKING:
    from ..state import FluentSandbox


def upsert_carrier(state: FluentSandbox, spec: Mapping[str, Any]) -> Row:
    data = state.data
    row = data.carriers.find(spec["ref"])
    if row is None:
        row = data.carriers.add(
            {"__typename": "Carrier", "ref": spec["ref"]}, key=spec["ref"]
        )
    row["name"] = spec.get("name", spec["ref"])
    row["type"] = spec.get("type", "DEFAULT")
    row["status"] = spec.get("status", "ACTIVE")
    row["workflowRef"] = "CARRIER::DEFAULT"
    row["workflowVersion"] = 1
    row["attributes"] = attributes_in(spec.get("attributes"))
    if spec.get("trackingUrl"):  # tracking page template, {label} = tracking label
        row["attributes"].append(
            {"name": "trackingUrl", "type": "STRING", "value": spec["trackingUrl"]}
        )
    row["_retailer"] = state.retailer_id
    return row


@query("carrierById")
def q_carrier_by_id(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.carriers.get(id)


@query("carrier")
def q_carrier(_: Any, info: GraphQLResolveInfo, ref: str) -> Row | None:
    return sandbox(info).data.carriers.find(ref)


@query("carriers")
def q_carriers(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.carriers.rows()
    spec = {"name": "name", "type": "type", "ref": "ref", "status": "status"}
    return connection(filter_rows(rows, args, spec), args)


@field("Carrier", "retailer")
def carrier_retailer(carrier: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.retailers.get(carrier.get("_retailer"))
