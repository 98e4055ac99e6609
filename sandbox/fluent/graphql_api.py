"""``POST /graphql``: graphql-core execution against the Fluent SDL, Fluent-style answers.

Fluent runs graphql-java, which answers HTTP 200 for every GraphQL-level problem; the
sandbox does the same: syntax errors (``classification: InvalidSyntax``), validation
errors such as an invented field or a misspelt argument (``ValidationError``) and
resolver errors (``DataFetchingException``, message ``Exception while fetching data
(/path) : ...``, field set to null, other fields and mutations unaffected) all come back
as 200 with an ``errors`` array. Only a body that is not a GraphQL request at all (not
JSON, no ``query`` string) is answered 400. The parsed schema is built once per process;
parsed and validated documents are cached by query text, each with its execution plan
(``graphql_plan.py``: the operation, fragments and compiled variable coercers;
``graphql_exec.py``: the operation compiled for execution).

Besides ``POST /graphql`` in the call log, each request records ``graphql:query`` or
``graphql:mutation`` once and ``graphql:<rootField>`` per root field selected (aliases
count separately), so benchmarks can count write requests and per-mutation totals.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import Blueprint, Response, request
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    build_schema,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.utilities import get_operation_ast

from .graphql_plan import DocumentPlan, InputCoercers, execute_planned
from .resolvers import FluentError, bind
from .store import iso, parse_iso

if TYPE_CHECKING:
    from .state import FluentSandbox

log = logging.getLogger(__name__)
SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
DOC_CACHE_SIZE = 512
ROOT_FIELDS_PER_DOCUMENT = 16  # operation names remembered per cached document


def _serialize_datetime(value: Any) -> str:
    return iso(value) if isinstance(value, (int, float)) else str(value)


def _parse_datetime(value: Any) -> float:
    if not isinstance(value, str):
        raise GraphQLError("C0100E: DateTime must be an ISO-8601 UTC string")
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise GraphQLError(f"C0100E: invalid UTC date '{value}'") from exc


def _parse_datetime_literal(node: Any, _variables: Any = None) -> float:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("C0100E: DateTime must be an ISO-8601 UTC string")
    return _parse_datetime(node.value)


def _identity(value: Any) -> Any:
    return value


def _json_literal(node: Any, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    """The executable schema: SDL + scalars + bound resolvers (built once)."""
    built = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    dt = built.type_map["DateTime"]
    js = built.type_map["Json"]
    assert isinstance(dt, GraphQLScalarType) and isinstance(js, GraphQLScalarType)
    # graphql-core 3.3 names (coerce_*) and 3.2 names (serialize/parse_*)
    hooks = (
        (dt, ("coerce_output_value", "serialize"), _serialize_datetime),
        (dt, ("coerce_input_value", "parse_value"), _parse_datetime),
        (dt, ("coerce_input_literal", "parse_literal"), _parse_datetime_literal),
        (js, ("coerce_output_value", "serialize"), _identity),
        (js, ("coerce_input_value", "parse_value"), _identity),
        (js, ("coerce_input_literal", "parse_literal"), _json_literal),
    )
    for scalar, names, fn in hooks:
        for name in names:
            if hasattr(scalar, name):
                setattr(scalar, name, fn)
    bind(built)
    return built


class CachedDocument(NamedTuple):
    document: DocumentNode
    errors: list[GraphQLError]
    plan: DocumentPlan | None  # None when the document is invalid
    root_fields: dict[str | None, list[str]]  # per operation name (call log keys)


class DocumentCache:
    """Query text -> parsed document, validation errors and plan; thread-safe LRU."""

    def __init__(self, size: int = DOC_CACHE_SIZE) -> None:
        self._lock = threading.Lock()
        self._docs: OrderedDict[str, CachedDocument] = OrderedDict()
        self._size = size
        self._coercers: InputCoercers | None = None

    def get(self, text: str) -> CachedDocument:
        with self._lock:
            hit = self._docs.get(text)
            if hit is not None:
                self._docs.move_to_end(text)
                return hit
        built = schema()
        document = parse(text)  # raises GraphQLError on syntax errors
        errors = validate(built, document)
        plan = None
        if not errors:
            if self._coercers is None or self._coercers.schema is not built:
                self._coercers = InputCoercers(built)
            plan = DocumentPlan(built, self._coercers, document)
        entry = CachedDocument(document, errors, plan, {})
        with self._lock:
            self._docs[text] = entry
            if len(self._docs) > self._size:
                self._docs.popitem(last=False)
        return entry


def _root_fields(
    selection_set: SelectionSetNode,
    document: DocumentNode,
    seen: set[str] | None = None,
) -> list[str]:
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    seen = seen or set()
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if not selection.name.value.startswith("__"):
                names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names.extend(_root_fields(selection.selection_set, document, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                names.extend(
                    _root_fields(fragments[name].selection_set, document, seen)
                )
    return names


def format_error(error: GraphQLError, classification: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    extensions: dict[str, Any] = dict(out.get("extensions") or {})
    if original is not None and error.path:
        path = "/" + "/".join(str(p) for p in error.path)
        if isinstance(original, FluentError):
            detail = original.message
            if original.code:
                extensions["errorCode"] = original.code
        else:
            log.exception("sandbox resolver failed", exc_info=original)
            detail = f"{type(original).__name__}: {original}"
        out["message"] = f"Exception while fetching data ({path}) : {detail}"
    extensions["classification"] = classification
    out["extensions"] = extensions
    return out


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def graphql_blueprint(state: FluentSandbox) -> Blueprint:
    bp = Blueprint("fluent_graphql", __name__)
    cache = DocumentCache()

    @bp.post("/graphql")
    def graphql_endpoint() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _json(
                {
                    "errors": [
                        {
                            "message": "Request body must be a JSON object "
                            "with a 'query' string"
                        }
                    ]
                },
                400,
            )
        variables = body.get("variables") or {}
        operation_name = body.get("operationName")
        if not isinstance(variables, dict):
            return _json(
                {"errors": [{"message": "'variables' must be an object"}]}, 400
            )
        try:
            document, errors, plan, root_fields = cache.get(body["query"])
        except GraphQLError as exc:
            return _json({"errors": [format_error(exc, "InvalidSyntax")]})
        if errors or plan is None:
            return _json(
                {"errors": [format_error(e, "ValidationError") for e in errors]}
            )
        cacheable = operation_name is None or isinstance(operation_name, str)
        names = root_fields.get(operation_name) if cacheable else None
        if names is None:
            operation = get_operation_ast(document, operation_name)
            names = []
            if isinstance(operation, OperationDefinitionNode):
                names.append(operation.operation.value)
                names.extend(_root_fields(operation.selection_set, document))
            if cacheable and len(root_fields) < ROOT_FIELDS_PER_DOCUMENT:
                root_fields[operation_name] = names
        for name in names:
            state.calls.record(f"graphql:{name}", path="/graphql")
        with state.lock:
            result = execute_planned(
                plan, document, variables, operation_name, {"state": state}
            )
        answer: dict[str, Any] = {}
        if result.errors:
            kind = (
                "DataFetchingException"
                if result.data is not None
                else "ValidationError"
            )
            answer["errors"] = [format_error(e, kind) for e in result.errors]
        if result.data is not None or not result.errors:
            answer["data"] = result.data
        return _json(answer)

    return bp
