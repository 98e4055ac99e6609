"""The external webhook source: ``POST /webhooks/external/<name>`` from other systems.

``<name>`` is the name of a ``source: external`` route (unknown -> 404). Each route
authenticates on its own (options in connector/modules/external_in/options.py): HMAC
(connector/signing.py: ``v1`` HMAC-SHA256 over ``<timestamp>.<raw
body>`` with a timestamp tolerance) or a token (``Authorization: Bearer``,
``X-API-Token`` or a configured header; several accepted, constant-time compare).
Then the body must be a JSON object and pass the route's optional schema (400 naming
the field). The message id comes from a header or a body field, else the SHA-256 of
the raw body; it is stored as ``<name>:<id>`` under source ``external``, so duplicates
answer 200 ``duplicate``. No business logic and no outbound calls here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from connector import signing
from connector.inbound.jsonbody import BodyError, parse_object
from connector.inbound.pipeline import Inbound, Rejected
from connector.inbound.verifiers import HeaderMap, bearer_token, token_matches
from connector.modules.external_in.options import ExternalOptions, parse_options
from connector.payload import describe_errors, dotted
from connector.settings_file import Route

SOURCE = "external"
MAX_ID_CHARS = 200


class ExternalSource:
    """The pipeline ``Source`` of one external route."""

    name = SOURCE

    def __init__(self, route: Route) -> None:
        self.route = route
        self.options: ExternalOptions = parse_options(route.name, route.options)
        opts = self.options
        what = f"external route {route.name!r}"
        if opts.auth == "hmac":
            assert opts.secret_env
            self.secrets = signing.secrets_from_env(opts.secret_env, what)
        else:
            assert opts.tokens_env
            self.secrets = signing.secrets_from_env(opts.tokens_env, what)

    def verify(self, raw: bytes, headers: HeaderMap, args: Mapping[str, str]) -> None:
        opts = self.options
        if opts.auth == "hmac":
            problem = signing.verify(
                self.secrets,
                raw,
                headers,
                tolerance=opts.tolerance_seconds,
                signature_header=opts.signature_header,
                timestamp_header=opts.timestamp_header,
            )
            if problem:
                raise Rejected(401, "invalid_signature", problem)
            return
        if opts.token_header:
            lowered = {k.lower(): v for k, v in headers.items()}
            given = lowered.get(opts.token_header.lower())
        else:
            given = bearer_token(headers)
        if not token_matches(given, self.secrets):
            raise Rejected(401, "unauthorized", "missing or invalid token")

    def parse(self, raw: bytes, headers: HeaderMap) -> Inbound:
        try:
            body = parse_object(raw)
        except BodyError as exc:
            raise Rejected(400, "malformed_body", str(exc)) from None
        opts = self.options
        if opts.payload_schema is not None:
            try:
                opts.payload_schema.load(body)
            except ValidationError as exc:
                raise Rejected(
                    400, "invalid_payload", describe_errors(exc.messages)
                ) from None
        given = self._message_id(body, headers)
        message_id = given or "sha256:" + hashlib.sha256(raw).hexdigest()
        return Inbound(
            message_id=f"{self.route.name}:{message_id}",
            name=self.route.name,
            payload=body,
            resource_type=opts.resource_type,
            resource_id=given,
        )

    def _message_id(self, body: dict[str, Any], headers: HeaderMap) -> str | None:
        opts = self.options
        value: Any = None
        if opts.id_field:
            value = dotted(body, opts.id_field)
            if value is None or isinstance(value, (dict, list, bool)):
                raise Rejected(
                    400, "invalid_payload", f"{opts.id_field}: message id missing"
                )
        elif opts.id_header:
            lowered = {k.lower(): v for k, v in headers.items()}
            value = lowered.get(opts.id_header.lower())
        text = str(value).strip() if value is not None else ""
        if len(text) > MAX_ID_CHARS:
            raise Rejected(400, "invalid_payload", "message id longer than 200 chars")
        return text or None

    def authorize(self, inbound: Inbound) -> None:
        return None
