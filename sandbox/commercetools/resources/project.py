"""The project resource (``GET/POST /{projectKey}``) and the Messages API (reference §6).

Messages are stored (queryable) only while ``messages.enabled`` is true; they are produced
for subscriptions either way. The sandbox starts with querying enabled so the connector's
polling works out of the box; ``changeMessagesConfiguration`` switches it as on a real project.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..context import json_body, respond, respond_page, state
from ..errors import concurrent_modification, invalid_input, invalid_json, not_found
from ..query import parse_query, run
from ..store import Collection, Doc
from ..util import check_type, now_iso, require
from .base import parse_update, state_scopes

MESSAGE_SCOPES = (("view_messages", "view_orders"), ())
PROJECT_SCOPES = (("view_project_settings",), ("manage_project_settings",))


def _type_index(doc: Doc) -> list[str]:
    return [doc["type"]]


def message_collection() -> Collection:
    return Collection("message", {"type": _type_index})


def default_project(project_key: str) -> Doc:
    return {
        "key": project_key,
        "name": f"{project_key} (sandbox)",
        "version": 1,
        "countries": ["DE", "NL", "US", "GB"],
        "currencies": ["EUR", "USD", "GBP"],
        "languages": ["en", "de"],
        "createdAt": now_iso(),
        "createdBy": {},
        "messages": {"enabled": True, "deleteDaysAfterCreation": 15},
        "carts": {
            "countryTaxRateFallbackEnabled": False,
            "deleteDaysAfterLastModification": 90,
        },
        "shoppingLists": {"deleteDaysAfterLastModification": 360},
        "searchIndexing": {},
    }


def _apply_project_action(project: Doc, action: Doc) -> None:
    check_type(action, dict, "actions")
    name = action.get("action")
    if name == "changeMessagesConfiguration":
        config = require(action, "messagesConfiguration", dict, "actions -> ")
        enabled = require(
            config, "enabled", bool, "actions -> messagesConfiguration -> "
        )
        days = config.get("deleteDaysAfterCreation", 15)
        check_type(
            days, int, "actions -> messagesConfiguration -> deleteDaysAfterCreation"
        )
        if not 1 <= days <= 90:
            raise invalid_json(
                "actions -> messagesConfiguration -> deleteDaysAfterCreation: "
                "must be between 1 and 90"
            )
        project["messages"] = {"enabled": enabled, "deleteDaysAfterCreation": days}
    elif name == "changeName":
        project["name"] = require(action, "name", str, "actions -> ")
    elif name in ("changeCountries", "changeCurrencies", "changeLanguages"):
        field = name[6:].lower()
        project[field] = list(require(action, field, list, "actions -> "))
    else:
        raise invalid_input(f"Unknown update action '{name}' for project.")


def register_project(bp: Blueprint) -> None:
    def project(project_key: str) -> Response:
        st = state()
        if request.method in ("GET", "HEAD"):
            return respond(st.store.project)
        version, actions = parse_update(json_body())
        with st.store.lock:
            current = st.store.project
            if version != current["version"]:
                raise concurrent_modification(project_key, version, current["version"])
            updated = dict(current)
            for action in actions:
                _apply_project_action(updated, action)
            if actions:
                updated["version"] = current["version"] + 1
            st.store.project = updated
        return respond(updated)

    def messages(project_key: str) -> Response:
        spec = parse_query(request.args)
        st = state()
        with st.store.lock:
            body = run(spec, st.store.coll("message"), store=st.store)
        if request.method == "HEAD":
            return Response(status=200 if body["results"] else 404)
        return respond_page(body, st.store.coll("message"), cache=not spec.expand)

    def message(project_key: str, res_id: str) -> Response:
        doc = state().store.coll("message").get(res_id)
        if doc is None:
            raise not_found(res_id)
        return respond(doc)

    bp.add_url_rule(
        "/<project_key>", "project", project, methods=["GET", "HEAD", "POST"]
    )
    bp.add_url_rule(
        "/<project_key>/messages", "messages_query", messages, methods=["GET", "HEAD"]
    )
    bp.add_url_rule(
        "/<project_key>/messages/<res_id>",
        "messages_by_id",
        message,
        methods=["GET", "HEAD"],
    )
    state_scopes[f"{bp.name}.project"] = PROJECT_SCOPES
    state_scopes[f"{bp.name}.messages_query"] = MESSAGE_SCOPES
    state_scopes[f"{bp.name}.messages_by_id"] = MESSAGE_SCOPES
