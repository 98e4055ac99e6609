"""Build the OpenAPI 3.1 document of an app from its URL map (apispec + marshmallow).

openapi.yml holds what code cannot say: info, tags, security schemes and the shared
responses/schemas of answers. Every operation comes from a Flask rule whose view is
``@documented`` (docs.py): the path and its parameters from the rule, query parameters
and request bodies from the handler's marshmallow schemas (apispec's MarshmallowPlugin).
So the document describes exactly what this app serves, with this configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from marshmallow import Schema, fields

from connector.api.docs import Operation, is_hidden, operations_of

BASE = Path(__file__).with_name("openapi.yml")
AUTOMATIC = {"HEAD", "OPTIONS"}  # added by Flask to every rule
_CONVERTERS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
}
_RULE_PART = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@lru_cache(maxsize=1)
def base() -> dict[str, Any]:
    with BASE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # type: ignore[no-any-return]


def _schema_name(schema: Any) -> str:
    cls: Any = resolve_schema_cls(schema)
    name = str(cls.__name__).lstrip("_")
    return (
        name[: -len("Schema")] if name.endswith("Schema") and name != "Schema" else name
    )


def _id_field(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """Fields named ``*IdField`` accept a string or an integer (Fluent's ids)."""
    if type(field).__name__ == "IdField":
        types = ["string", "integer"] + (["null"] if field.allow_none else [])
        return {"type": types, "minLength": 1}
    return {}


def _spec(version: str) -> APISpec:
    doc = base()
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=doc["info"]["title"],
        version=version,
        openapi_version=doc["openapi"],
        plugins=[plugin],
        info={k: v for k, v in doc["info"].items() if k not in ("title", "version")},
        servers=doc.get("servers", []),
        tags=doc.get("tags", []),
    )
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(_id_field)
    components = doc.get("components", {})
    for name, item in components.get("securitySchemes", {}).items():
        spec.components.security_scheme(name, item)
    for name, item in components.get("schemas", {}).items():
        spec.components.schema(name, item)
    for name, item in components.get("responses", {}).items():
        spec.components.response(name, item)
    return spec


def _path(rule: str, extra: Mapping[str, Mapping[str, Any]]) -> tuple[str, list[Any]]:
    params = []
    for match in _RULE_PART.finditer(rule):
        name = match["name"]
        default: dict[str, Any] = {"type": "string"}
        schema: dict[str, Any] = dict(_CONVERTERS.get(match["conv"] or "", default))
        param: dict[str, Any] = {"name": name, "in": "path", "required": True}
        more = dict(extra.get(name, {}))
        schema.update(more.pop("schema", {}))
        param.update(more)
        param["schema"] = schema
        params.append(param)
    return _RULE_PART.sub(lambda m: "{" + m["name"] + "}", rule), params


def _response(value: Any) -> Any:
    if isinstance(value, str):
        return {"$ref": f"#/components/responses/{value}"}
    if isinstance(value, Schema) or (
        isinstance(value, type) and issubclass(value, Schema)
    ):
        cls: Any = resolve_schema_cls(value)
        doc = (cls.__doc__ or "").strip().splitlines()
        return {
            "description": doc[0] if doc else "OK",
            "content": {"application/json": {"schema": value}},
        }
    return value


def _body(body: Any) -> Any:
    if isinstance(body, (list, tuple)):
        return {"anyOf": list(body)}
    return body


def _responses(responses: Mapping[int | str, Any]) -> dict[str, Any]:
    """The operation's answers; one that can answer 401 can also answer 429 (too many
    failed authentication attempts from this client, api/auth.py)."""
    out = {str(k): _response(v) for k, v in responses.items()}
    if "401" in out and "429" not in out:
        out["429"] = _response("Error")
    return out


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "responses": _responses(op.responses),
        "security": [dict(s) for s in op.security],
    }
    if op.tags:
        out["tags"] = list(op.tags)
    if op.description:
        out["description"] = op.description
    if op.query is not None:
        out["parameters"] = [{"in": "query", "schema": op.query}]
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": _body(op.body)}},
        }
    return out


def build(app: Flask, version: str) -> dict[str, Any]:
    """The document of ``app``: one operation per documented (rule, method)."""
    spec = _spec(version)
    paths: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        if is_hidden(rule.endpoint, view):
            continue
        table = operations_of(view)
        if not table:
            continue
        first = next(iter(table.values()))
        path, params = _path(rule.rule, first.path_params)
        ops, known = paths.setdefault(path, ({}, []))
        for param in params:
            if param["name"] not in {p["name"] for p in known}:
                known.append(param)
        for method in sorted((rule.methods or set()) - AUTOMATIC):
            op = table.get(method) or table.get("*")
            if op is not None:
                ops[method.lower()] = _operation(op)
    for path, (ops, params) in paths.items():
        spec.path(path=path, operations=ops, parameters=params)
    return spec.to_dict()
