"""Fulfilments, fulfilment items, articles and consignments (reference §3.7).

These are created by the lifecycle driver (``lifecycle.py``), never by the connector.
Consignments hang off articles through ``consignmentArticles`` exactly as in Fluent, so the
reference's "suggested status query" runs unchanged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from .common import Row, connection, filter_rows, sandbox
from .registry import field, query

FULFILMENT_FILTERS = {
    name: name
    for name in (
        "ref",
        "status",
        "type",
        "deliveryType",
        "eta",
        "workflowRef",
        "workflowVersion",
    )
}
FULFILMENT_ITEM_FILTERS = {
    name: name
    for name in (
        "ref",
        "status",
        "requestedQuantity",
        "filledQuantity",
        "rejectedQuantity",
    )
}
ARTICLE_FILTERS = {
    name: name
    for name in (
        "ref",
        "type",
        "status",
        "description",
        "height",
        "length",
        "name",
        "weight",
        "width",
        "quantity",
        "workflowRef",
        "workflowVersion",
    )
}
CONSIGNMENT_FILTERS = {
    name: name
    for name in (
        "ref",
        "status",
        "consignmentReference",
        "trackingLabel",
        "labelUrl",
        "orderSummaryUrl",
        "workflowRef",
        "workflowVersion",
    )
}


def _rows(info: GraphQLResolveInfo, table: str, ids: list[str]) -> list[Row]:
    tab = sandbox(info).data.table(table)
    rows = [tab.get(i) for i in ids]
    return sorted((r for r in rows if r is not None), key=lambda r: r["_seq"])


@query("fulfilmentById")
def q_fulfilment(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.fulfilments.get(id)


@query("fulfilments")
def q_fulfilments(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.fulfilments.rows()
    return connection(filter_rows(rows, args, FULFILMENT_FILTERS), args)


@query("articleById")
def q_article(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.articles.get(id)


@query("consignmentById")
def q_consignment(_: Any, info: GraphQLResolveInfo, id: str) -> Row | None:
    return sandbox(info).data.consignments.get(id)


@query("consignments")
def q_consignments(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.consignments.rows()
    return connection(filter_rows(rows, args, CONSIGNMENT_FILTERS), args)


@field("Fulfilment", "order")
def fulfilment_order(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.orders.get(row.get("_order"))


@field("Fulfilment", "user")
def fulfilment_user(row: Row, info: GraphQLResolveInfo) -> Row | None:
    data = sandbox(info).data
    order = data.orders.get(row.get("_order"))
    return data.customers.get(order["_customer"]) if order else None


@field("Fulfilment", "items")
def fulfilment_items(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows(info, "fulfilment_items", row["_items"])
    return connection(filter_rows(rows, args, FULFILMENT_ITEM_FILTERS), args)


@field("Fulfilment", "articles")
def fulfilment_articles(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows(info, "articles", row["_articles"])
    return connection(filter_rows(rows, args, ARTICLE_FILTERS), args)


@field("FulfilmentItem", "fulfilment")
def item_fulfilment(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.fulfilments.get(row.get("_fulfilment"))


@field("FulfilmentItem", "orderItem")
def item_order_item(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.order_items.get(row.get("_order_item"))


@field("Article", "items")
def article_items(row: Row, _info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = filter_rows(
        row["_items"], args, {"quantity": "quantity", "barcode": "barcode"}
    )
    return connection(rows, args)


@field("ArticleItem", "article")
def article_item_article(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.articles.get(row.get("_article"))


@field("Article", "fulfilments")
def article_fulfilments(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = _rows(info, "fulfilments", row["_fulfilments"])
    return connection(filter_rows(rows, args, FULFILMENT_FILTERS), args)


@field("Article", "consignmentArticles")
def article_consignments(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    links = [
        {"_seq": con["_seq"], "article": row, "consignment": con}
        for con in _rows(info, "consignments", row["_consignments"])
    ]
    return connection(links, args)


@field("Consignment", "consignmentArticles")
def consignment_articles(row: Row, info: GraphQLResolveInfo, **args: Any) -> Row:
    links = [
        {"_seq": art["_seq"], "article": art, "consignment": row}
        for art in _rows(info, "articles", row["_articles"])
    ]
    return connection(links, args)


@field("Consignment", "carrier")
def consignment_carrier(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.carriers.get(row.get("_carrier"))


@field("Consignment", "retailer")
def consignment_retailer(row: Row, info: GraphQLResolveInfo) -> Row | None:
    return sandbox(info).data.retailers.get(row.get("_retailer"))
