"""Financial transactions of orders (payments captured in commercetools, reference §3.6).

``createFinancialTransaction`` needs an existing order; ``type`` is limited to 25 and
``currency`` to 3 characters; a second transaction with the same ``ref`` on the same order
is rejected [I: makes replays idempotent; Fluent's exact behaviour is not documented].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from .common import (
    FluentError,
    Row,
    check_lengths,
    connection,
    filter_rows,
    require_text,
    sandbox,
)
from .registry import field, mutation

if TYPE_CHECKING:
    from ..state import FluentSandbox

TX_FILTERS = {
    name: name
    for name in (
        "ref",
        "type",
        "status",
        "total",
        "currency",
        "externalTransactionCode",
        "externalTransactionId",
        "cardType",
        "paymentMethod",
        "paymentProviderName",
        "workflowRef",
        "workflowVersion",
    )
}


def create_transaction(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    require_text(data, "ref", "type", "currency", "paymentMethod")
    check_lengths(data, {"type": 25, "currency": 3, "ref": 100})
    order = state.data.orders.get(data["order"]["id"])
    if order is None:
        raise FluentError(f"Order with id [{data['order']['id']}] not found", "C0120E")
    for tx in state.data.financial_transactions.many(order["_transactions"]):
        if tx["ref"] == data["ref"]:
            raise FluentError(
                f"FinancialTransaction with ref [{data['ref']}] already exists",
                "C0121E",
            )
    row = state.data.financial_transactions.add(
        {
            "__typename": "FinancialTransaction",
            "ref": data["ref"],
            "type": data["type"],
            "status": "CREATED",
            "workflowRef": order["workflowRef"],
            "workflowVersion": 1,
            "total": data["amount"],
            "currency": data["currency"],
            "externalTransactionCode": data.get("externalTransactionCode"),
            "externalTransactionId": data.get("externalTransactionId"),
            "cardType": data.get("cardType"),
            "paymentMethod": data["paymentMethod"],
            "paymentProviderName": data.get("paymentProvider"),
            "_order": order["id"],
        }
    )
    order["_transactions"].append(row["id"])
    state.events.entity_event("CREATE", "FINANCIAL_TRANSACTION", row, "ORDER", order)
    return row


@mutation("createFinancialTransaction")
def m_create_tx(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return create_transaction(sandbox(info), input)


@field("Order", "financialTransactions")
def order_transactions(order: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    table = sandbox(info).data.financial_transactions
    rows = table.many(order["_transactions"])
    return connection(filter_rows(rows, args, TX_FILTERS), args)


@field("FinancialTransaction", "order")
def tx_order(tx: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.orders.get(tx.get("_order"))
