"""Settings (mapping configuration, reference §3.10).

A setting is unique by (context, contextId, name); a clash fails like Fluent's
``ConstraintViolationException``. JSON/LOB values travel in ``lobValue``, others in
``value``. Resolution order (RETAILER, then ACCOUNT) is the reader's job, not the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from .common import FluentError, Row, connection, filter_rows, require_text, sandbox
from .registry import mutation, query

if TYPE_CHECKING:
    from ..state import FluentSandbox

VALUE_TYPES = {"LOB", "STRING", "INTEGER", "BOOLEAN", "JSON"}
CONTEXTS = {"ACCOUNT", "RETAILER", "AGENT", "CUSTOMER"}
FILTERS = {
    name: name for name in ("name", "valueType", "value", "context", "contextId")
}


def _validate(data: Mapping[str, Any]) -> None:
    require_text(data, "name")
    if data["valueType"] not in VALUE_TYPES:
        raise FluentError(
            f"valueType: must be one of {', '.join(sorted(VALUE_TYPES))}", "C0120E"
        )
    if data["context"] not in CONTEXTS:
        raise FluentError(
            f"context: must be one of {', '.join(sorted(CONTEXTS))}", "C0120E"
        )


def _clash(name: str, context: str, context_id: int) -> FluentError:
    return FluentError(
        "could not execute statement; nested exception is "
        "org.hibernate.exception.ConstraintViolationException: setting "
        f"[{name}] already exists in context [{context}:{context_id}]",
        "C0121E",
    )


def create_setting(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    _validate(data)
    key = (data["context"], int(data["contextId"]), data["name"])
    if state.data.settings.find(key) is not None:
        raise _clash(data["name"], key[0], key[1])
    return state.data.settings.add(
        {
            "__typename": "Setting",
            "name": data["name"],
            "valueType": data["valueType"],
            "value": data.get("value"),
            "lobValue": data.get("lobValue"),
            "context": data["context"],
            "contextId": int(data["contextId"]),
        },
        key=key,
    )


def update_setting(state: FluentSandbox, data: Mapping[str, Any]) -> Row:
    table = state.data.settings
    row = table.get(data["id"])
    if row is None:
        raise FluentError(f"Setting with id [{data['id']}] not found", "C0120E")
    merged = {**row, **{k: v for k, v in data.items() if v is not None}}
    _validate(merged)
    old_key = (row["context"], row["contextId"], row["name"])
    new_key = (merged["context"], int(merged["contextId"]), merged["name"])
    if new_key != old_key:
        if table.find(new_key) is not None:
            raise _clash(new_key[2], new_key[0], new_key[1])
        del table.by_key[old_key]
        table.by_key[new_key] = row
    for key in ("name", "valueType", "context"):
        row[key] = merged[key]
    row["contextId"] = int(merged["contextId"])
    if "value" in data:
        row["value"] = data["value"]
    if "lobValue" in data:
        row["lobValue"] = data["lobValue"]
    return row


@mutation("createSetting")
def m_create_setting(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return create_setting(sandbox(info), input)


@mutation("updateSetting")
def m_update_setting(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Row:
    return update_setting(sandbox(info), input)


@query("setting")
def q_setting(_: Any, info: GraphQLResolveInfo, id: str | None = None) -> Row | None:
    return sandbox(info).data.settings.get(id)


@query("settings")
def q_settings(_: Any, info: GraphQLResolveInfo, **args: Any) -> Row:
    rows = sandbox(info).data.settings.rows()
    return connection(filter_rows(rows, args, FILTERS), args)
