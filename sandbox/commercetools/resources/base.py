"""Generic REST plumbing for a commercetools resource: query, get, create, update, delete.

A resource module describes itself with a ``Kind`` (path, typeId, scopes, draft builder,
update actions, delete messages); ``register`` mounts the real URL layout of reference §2 on a
blueprint: ``/{projectKey}/{path}``, ``/{id}``, ``/key={key}`` (GET, HEAD, POST update,
DELETE ``?version=``). Update requests are validated here (version, actions list, unknown
action -> 400 InvalidInput) and applied atomically through the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request

from ..context import json_body, respond, respond_page, state
from ..errors import invalid_input, invalid_json, not_found
from ..query import expand, parse_query, run
from ..store import Doc, Store, UpdateContext
from ..util import check_type

Message = tuple[str, Doc]
ActionFn = Callable[[UpdateContext, Doc], None]
MAX_ACTIONS = 500


@dataclass
class Kind:
    path: str
    type_id: str
    view_scopes: tuple[str, ...]
    manage_scopes: tuple[str, ...]
    create: Callable[[Store, Doc], tuple[Doc, list[Message]]] | None = None
    actions: dict[str, ActionFn] = field(default_factory=dict)
    delete_messages: Callable[[Doc], list[Message]] | None = None
    created_body: Callable[[Doc], Doc] = lambda doc: doc
    by_key: bool = True
    after_actions: Callable[[UpdateContext], None] | None = None


def apply_actions(ctx: UpdateContext, kind: Kind, actions: list[Any]) -> None:
    """Apply each action to ``ctx.doc`` in order; any error aborts the whole request."""
    for i, action in enumerate(actions):
        check_type(action, dict, f"actions[{i}]")
        name = action.get("action")
        if not isinstance(name, str):
            raise invalid_json(f"actions[{i}] -> action: Missing required value")
        handler = kind.actions.get(name)
        if handler is None:
            raise invalid_input(
                f"Unknown update action '{name}' for {kind.type_id}. "
                f"Known actions: {', '.join(sorted(kind.actions))}."
            )
        handler(ctx, action)
    if kind.after_actions is not None:
        kind.after_actions(ctx)


def parse_update(body: Doc) -> tuple[int, list[Any]]:
    version = body.get("version")
    if version is None:
        raise invalid_json("version: Missing required value")
    check_type(version, int, "version")
    actions = body.get("actions")
    if actions is None:
        raise invalid_json("actions: Missing required value")
    check_type(actions, list, "actions")
    if len(actions) > MAX_ACTIONS:
        raise invalid_input(
            f"Too many update actions: {len(actions)} (max {MAX_ACTIONS})."
        )
    return version, actions


def update_resource(kind: Kind, res_id: str, by: str = "ID") -> Doc:
    version, actions = parse_update(json_body())
    store = state().store
    with store.lock:
        current = store.coll(kind.type_id).get(res_id)
        if current is not None and not actions and version == current["version"]:
            return current
        return store.update(
            kind.type_id,
            res_id,
            version,
            lambda ctx: apply_actions(ctx, kind, actions),
            by,
        )


def find(
    kind: Kind, res_id: str | None = None, key: str | None = None
) -> tuple[Doc, str]:
    coll = state().store.coll(kind.type_id)
    if key is not None:
        doc = coll.by_key(key)
        if doc is None:
            raise not_found(key, "key")
        return doc, "key"
    doc = coll.get(res_id or "")
    if doc is None:
        raise not_found(res_id or "")
    return doc, "ID"


def delete_version() -> int:
    raw = request.args.get("version")
    if raw is None:
        raise invalid_input("Malformed parameter: version: Missing required value.")
    try:
        return int(raw)
    except ValueError:
        raise invalid_input(
            f"Malformed parameter: version: Invalid int '{raw}'."
        ) from None


def query_response(kind: Kind) -> Response:
    spec = parse_query(request.args)
    st = state()
    with st.store.lock:
        body = run(spec, st.store.coll(kind.type_id), store=st.store)
    if request.method == "HEAD":
        return Response(status=200 if body["results"] else 404)
    return respond_page(body, st.store.coll(kind.type_id), cache=not spec.expand)


def single_response(doc: Doc) -> Response:
    paths = request.args.getlist("expand")
    return respond(expand(state().store, doc, paths) if paths else doc)


def register(bp: Blueprint, kind: Kind) -> None:
    """Mount the standard endpoints of ``kind`` on ``bp`` and record their scopes."""
    base = f"/<project_key>/{kind.path}"
    name = kind.path.replace("-", "_")
    scopes = (kind.view_scopes, kind.manage_scopes)

    def query(project_key: str) -> Response:
        return query_response(kind)

    def create(project_key: str) -> Response:
        if kind.create is None:
            raise invalid_input(
                f"Creating {kind.path} is not supported by the sandbox."
            )
        st = state()
        with st.store.lock:
            doc, messages = kind.create(st.store, json_body())
            stored = st.store.insert(kind.type_id, doc, messages)
        return respond(kind.created_body(stored), 201)

    def by_id(project_key: str, res_id: str) -> Response:
        return _one(kind, res_id=res_id)

    def by_key(project_key: str, key: str) -> Response:
        return _one(kind, key=key)

    rules: list[tuple[str, str, Callable[..., Response], list[str]]] = [
        (base, "query", query, ["GET", "HEAD"]),
        (base, "create", create, ["POST"]),
        (f"{base}/<res_id>", "by_id", by_id, ["GET", "HEAD", "POST", "DELETE"]),
    ]
    if kind.by_key:
        rules.append(
            (f"{base}/key=<key>", "by_key", by_key, ["GET", "HEAD", "POST", "DELETE"])
        )
    for rule, suffix, view, methods in rules:
        endpoint = f"{name}_{suffix}"
        bp.add_url_rule(rule, endpoint, view, methods=methods)
        state_scopes[f"{bp.name}.{endpoint}"] = scopes


# endpoint name -> (view scopes, manage scopes); read by the app's auth hook
state_scopes: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _one(kind: Kind, res_id: str | None = None, key: str | None = None) -> Response:
    st = state()
    if request.method in ("GET", "HEAD"):
        doc, _ = find(kind, res_id, key)
        return single_response(doc)
    with st.store.lock:
        doc, by = find(kind, res_id, key)
        if request.method == "POST":
            return single_response(update_resource(kind, doc["id"], by))
        deleted = st.store.delete(
            kind.type_id, doc["id"], delete_version(), kind.delete_messages, by
        )
    return respond(deleted)


def action_value(
    action: Doc, name: str, kind: type | tuple[type, ...], required: bool = True
) -> Any:
    """Read ``action[name]`` with InvalidJsonInput on a missing or ill-typed value."""
    value = action.get(name)
    if value is None:
        if required:
            raise invalid_json(f"actions -> {name}: Missing required value")
        return None
    return check_type(value, kind, f"actions -> {name}")
