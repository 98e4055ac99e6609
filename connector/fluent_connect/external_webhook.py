"""``POST /api/v1/fluent-connect/external-system/webhook``: Fluent's external-system
webhook path, authenticated by the connector's API token (as Fluent's web-security
filter does), routed by the message's ``name`` to the external routes.

The body is a JSON object with a ``name``. A ``source: external`` route of that name
validates it (its schema, its message-id rule: inbound/external.py) and it is
recorded under source ``external`` exactly as ``/webhooks/external/<name>`` records it
(a duplicate is a no-op); a name no route takes is recorded as ``ignored`` (200), as
for every source. Nothing is stored for a request without a valid token (401).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from connector import webhooks  # a module: it imports this one (via connector.api)
from connector.api.auth import require_token
from connector.api.docs import ERROR, documented
from connector.errors import ConfigError
from connector.inbound.external import SOURCE
from connector.inbound.jsonbody import BodyError, parse_object
from connector.inbound.pipeline import Inbound, Rejected, receive
from connector.inbound.verifiers import HeaderMap
from connector.runtime import Runtime
from connector.webhooks.docs import ANSWERS

MAX_NAME_CHARS = 200


class ConnectExternalSource:
    """The pipeline ``Source`` of the external-system path (token checked before)."""

    name = SOURCE

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def verify(self, raw: bytes, headers: HeaderMap, args: Mapping[str, str]) -> None:
        return None  # the API token was checked by require_token

    def parse(self, raw: bytes, headers: HeaderMap) -> Inbound:
        try:
            body = parse_object(raw)
        except BodyError as exc:
            raise Rejected(400, "malformed_body", str(exc)) from None
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Rejected(400, "invalid_payload", "name: a message name is required")
        if len(name) > MAX_NAME_CHARS:
            raise Rejected(400, "invalid_payload", "name: longer than 200 characters")
        try:
            source = webhooks._source_for(self.runtime, name)
        except ConfigError as exc:
            raise Rejected(
                500, "route_misconfigured", f"external route {name!r}: {exc}"
            ) from None
        if source is not None:
            return source.parse(raw, headers)
        digest = hashlib.sha256(raw).hexdigest()
        return Inbound(message_id=f"{name}:sha256:{digest}", name=name, payload=body)

    def authorize(self, inbound: Inbound) -> None:
        return None


@documented(
    "fluentExternalSystemWebhook",
    "External-system webhook on Fluent's path, routed by the body's `name`",
    tags=["webhooks"],
    description=(
        "API token auth. The `source: external` route named by `name` validates and "
        "records the message as `/webhooks/external/<name>` does; a name no route "
        "takes is recorded as `ignored`."
    ),
    body={
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
    },
    responses={**ANSWERS, 500: ERROR},
)
@require_token
def external_system_webhook() -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    raw = request.get_data(cache=False)
    source = ConnectExternalSource(runtime)
    answer = receive(runtime, source, raw, request.headers, request.args)  # type: ignore[arg-type]
    return jsonify(answer.body), answer.status


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/api/v1/fluent-connect/external-system/webhook",
        "external_system_webhook",
        external_system_webhook,
        methods=["POST"],
    )
