"""Declaring an endpoint in the OpenAPI document: ``@documented(...)`` on its view.

The document (``GET /api/v1/openapi.json``, built by openapi_build.py) is generated from
the app's URL map: every Flask rule whose view carries ``@documented`` becomes an
operation; its path and path parameters come from the rule, its query parameters and
request body from the marshmallow schemas the handler itself loads, its answers from
``responses``. A rule without ``@documented`` fails the drift test. Adding an endpoint
is: a marshmallow schema for its input + one decorator::

    @bp.get("/api/v1/things")
    @require_token
    @documented(
        "listThings", "Things, newest first", tags=["operations"],
        query=ThingQuerySchema,                       # the schema the view loads
        responses={200: json_response("Things", ThingListSchema), 400: INVALID},
    )
    def things(): ...

Pages for people rather than programs (the web console) are marked
``@not_in_api("why")`` instead, and blueprint static files are skipped.

``responses`` values: a name of a shared response in openapi.yml (``"Error"``,
``"InvalidParameter"``, ``"Unavailable"``, ``"WebhookAnswer"``, ``"Ready"``), a
marshmallow schema (class or instance), or a response object from ``json_response``.
Must not import views: the views import this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from marshmallow import Schema

F = TypeVar("F", bound=Callable[..., Any])
SchemaLike = type[Schema] | Schema
Body = SchemaLike | Sequence[SchemaLike] | Mapping[str, Any]

TOKEN: tuple[dict[str, list[str]], ...] = ({"bearerToken": []}, {"apiTokenHeader": []})
PUBLIC: tuple[dict[str, list[str]], ...] = ()
ERROR = "Error"
INVALID = "InvalidParameter"
UNAVAILABLE = "Unavailable"
ATTRIBUTE = "__openapi__"
HIDDEN = "__openapi_hidden__"


@dataclass(frozen=True)
class Operation:
    """What the document says about one view (for the methods it serves)."""

    operation_id: str
    summary: str
    tags: tuple[str, ...] = ()
    description: str = ""
    query: SchemaLike | None = None
    body: Body | None = None
    body_required: bool = True
    path_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    responses: Mapping[int | str, Any] = field(default_factory=dict)
    security: Sequence[Mapping[str, list[str]]] = TOKEN


def documented(
    operation_id: str,
    summary: str,
    *,
    methods: Sequence[str] | None = None,
    tags: Sequence[str] = (),
    description: str = "",
    query: SchemaLike | None = None,
    body: Body | None = None,
    body_required: bool = True,
    path_params: Mapping[str, Mapping[str, Any]] | None = None,
    responses: Mapping[int | str, Any],
    security: Sequence[Mapping[str, list[str]]] = TOKEN,
) -> Callable[[F], F]:
    """Attach an operation to a view (``methods``: only those; default all it serves).

    ``path_params`` adds to what the rule says of a path parameter, e.g.
    ``{"source_name": {"schema": {"enum": [...]}, "description": "..."}}``.
    """
    op = Operation(
        operation_id=operation_id,
        summary=summary,
        tags=tuple(tags),
        description=description,
        query=query,
        body=body,
        body_required=body_required,
        path_params=dict(path_params or {}),
        responses=dict(responses),
        security=tuple(security),
    )

    def attach(view: F) -> F:
        table: dict[str, Operation] = dict(getattr(view, ATTRIBUTE, {}))
        for method in methods or ("*",):
            table[method.upper()] = op
        setattr(view, ATTRIBUTE, table)
        return view

    return attach


def not_in_api(reason: str) -> Callable[[F], F]:
    """Keep a view out of the document on purpose (e.g. HTML pages of the console)."""

    def mark(view: F) -> F:
        setattr(view, HIDDEN, reason)
        return view

    return mark


def is_hidden(endpoint: str, view: Callable[..., Any]) -> bool:
    """Static files and views marked ``not_in_api`` are not API operations."""
    return endpoint == "static" or endpoint.endswith(".static") or hasattr(view, HIDDEN)


def operations_of(view: Callable[..., Any]) -> Mapping[str, Operation]:
    """METHOD (or ``*``) -> Operation of a view; empty when undocumented."""
    return getattr(view, ATTRIBUTE, {})  # type: ignore[no-any-return]


def json_response(
    description: str,
    schema: SchemaLike | Mapping[str, Any] | str,
    *,
    headers: Mapping[str, Any] | None = None,
    content_type: str = "application/json",
) -> dict[str, Any]:
    """A response object; ``schema`` may be a marshmallow schema, a JSON Schema
    mapping, or ``"#Name"`` for a schema of openapi.yml's components."""
    if isinstance(schema, str) and schema.startswith("#"):
        schema = {"$ref": f"#/components/schemas/{schema[1:]}"}
    out: dict[str, Any] = {
        "description": description,
        "content": {content_type: {"schema": schema}},
    }
    if headers:
        out["headers"] = {k: {"schema": v} for k, v in headers.items()}
    return out
