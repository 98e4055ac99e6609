"""The sandbox's per-app state object and request helpers (JSON in, JSON out).

``SandboxState`` is what ``create_app`` stores at ``app.extensions["ct_sandbox"]``; route
handlers reach it through ``state()``. Request bodies are parsed strictly (invalid JSON, NaN
or absurd nesting answer 400 InvalidJsonInput) and responses are serialised without key
sorting for speed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response, current_app, request

from ..common import CallLog, Faults
from .auth import Auth
from .errors import invalid_json
from .store import Collection, Doc, Store

if TYPE_CHECKING:
    from .push import Pusher


@dataclass
class SandboxState:
    project_key: str
    store: Store
    auth: Auth
    calls: CallLog
    faults: Faults
    pusher: Pusher


def state() -> SandboxState:
    return current_app.extensions["ct_sandbox"]  # type: ignore[no-any-return]


def respond(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"unsupported JSON constant {name}")


def json_body(expect: type = dict) -> Any:
    """The request body as JSON of type ``expect`` or 400 InvalidJsonInput."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw or b"null", parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise invalid_json(f"Malformed JSON: {str(exc)[:200]}") from None
    if not isinstance(body, expect):
        raise invalid_json(
            "The request body must be a JSON "
            f"{'object' if expect is dict else 'array'}."
        )
    return body


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def respond_page(
    body: Doc, coll: Collection, view: str = "", cache: bool = True
) -> Response:
    """A paged response; each result's JSON is cached per (view, id) while unchanged."""
    parts = []
    store = coll.json_cache
    for doc in body["results"]:
        key = (view, doc["id"])
        hit = store.get(key) if cache else None
        if hit is not None and hit[0] is doc:
            parts.append(hit[1])
            continue
        text = _dumps(doc)
        if cache:
            store[key] = (doc, text)
        parts.append(text)
    head = _dumps({k: v for k, v in body.items() if k != "results"})
    text = f'{head[:-1]},"results":[{",".join(parts)}]}}'
    return Response(text, status=200, mimetype="application/json")
