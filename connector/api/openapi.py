"""The OpenAPI 3.1 description of the public endpoints (openapi.yml next to this file),
served at ``GET /api/v1/openapi.json`` without auth, and the means to keep it true:
``app_operations``/``documented_operations`` (compared by a test against the URL map)
and ``check`` (a small JSON Schema checker for the keywords the document uses, so tests
validate real answers without extra dependencies).

It must not describe what the app does not serve, nor hide what it serves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue

DOCUMENT = Path(__file__).with_name("openapi.yml")
METHODS = ("get", "put", "post", "delete", "patch")
AUTOMATIC = {"HEAD", "OPTIONS"}  # added by Flask to every rule
HTML_PREFIXES = ("/console",)  # the web console's pages are not part of the API

bp = Blueprint("openapi", __name__)


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    with DOCUMENT.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # type: ignore[no-any-return]


@bp.get("/api/v1/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())


def register_openapi(app: Flask) -> None:
    app.register_blueprint(bp)


# -- drift ------------------------------------------------------------------------------
def normalise(path: str) -> str:
    """``/jobs/<int:run_id>`` and ``/jobs/{job}`` both become ``/jobs/{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def app_operations(app: Flask) -> set[tuple[str, str]]:
    """(path, METHOD) served by the app, except static files and HEAD/OPTIONS."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith(HTML_PREFIXES):
            continue
        for method in (rule.methods or set()) - AUTOMATIC:
            found.add((normalise(rule.rule), method))
    return found


def documented_operations(doc: dict[str, Any] | None = None) -> set[tuple[str, str]]:
    doc = doc or document()
    return {
        (normalise(path), method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def operation(path: str, method: str, doc: dict[str, Any] | None = None) -> Any:
    """The operation object of a concrete path (``/api/v1/jobs/7``) and method."""
    doc = doc or document()
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise KeyError(f"{method.upper()} {path} is not documented")


def response_schema(
    path: str, method: str, status: int, doc: dict[str, Any] | None = None
) -> Any:
    """The JSON schema documented for this answer (KeyError if undocumented)."""
    doc = doc or document()
    responses = operation(path, method, doc)["responses"]
    response = responses.get(str(status)) or responses.get("default")
    if response is None:
        raise KeyError(f"{method.upper()} {path}: status {status} is not documented")
    response = resolve(response, doc)
    return response["content"]["application/json"]["schema"]


def response_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """Why a real answer does not match the document (empty list: it does)."""
    try:
        schema = response_schema(path.split("?")[0], method, status)
    except KeyError as exc:
        return [str(exc.args[0])]
    return check(body, schema)


# -- JSON Schema (the subset the document uses) -------------------------------------------
def resolve(node: Any, doc: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "null": value is None,
    }[name]


def check(
    value: Any, schema: Any, doc: dict[str, Any] | None = None, where: str = "$"
) -> list[str]:
    """Problems of ``value`` against ``schema`` (empty list: valid)."""
    doc = doc or document()
    schema = resolve(schema, doc)
    if schema is True or schema == {}:
        return []
    errors: list[str] = []
    for sub in schema.get("allOf", []):
        errors += check(value, sub, doc, where)
    if "oneOf" in schema:
        matches = [not check(value, sub, doc, where) for sub in schema["oneOf"]]
        if sum(matches) != 1:
            errors.append(f"{where}: matches {sum(matches)} of oneOf (want 1)")
    if "anyOf" in schema and not any(
        not check(value, sub, doc, where) for sub in schema["anyOf"]
    ):
        errors.append(f"{where}: matches none of anyOf")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_is_type(value, t) for t in types):
            return errors + [f"{where}: {type(value).__name__} is not {types}"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += check(item, schema["items"], doc, f"{where}[{i}]")
    if isinstance(value, dict):
        errors += _check_object(value, schema, doc, where)
    return errors


def _check_object(
    value: dict[str, Any], schema: dict[str, Any], doc: dict[str, Any], where: str
) -> list[str]:
    errors = [
        f"{where}: missing required {name!r}"
        for name in schema.get("required", [])
        if name not in value
    ]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            errors += check(item, properties[name], doc, f"{where}.{name}")
        elif extra is False:
            errors.append(f"{where}: unexpected property {name!r}")
        elif isinstance(extra, dict):
            errors += check(item, extra, doc, f"{where}.{name}")
    return errors
