"""The commercetools webhook source: subscription notifications, raw or in a Google
Pub/Sub push envelope (the commercetools Connect event-app format).

Auth: an API token (``Authorization: Bearer``, ``X-API-Token`` or, because Pub/Sub push
subscriptions cannot set headers, ``?token=``). ``inbound_from_notification`` is shared
with the Messages API poller so both paths dedupe on the same message id.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from connector.config import Config
from connector.inbound.fluent import describe_errors
from connector.inbound.jsonbody import BodyError, parse_object
from connector.inbound.pipeline import Inbound, Rejected
from connector.inbound.verifiers import HeaderMap, bearer_token, token_matches

CHANGE_TYPES = ("ResourceCreated", "ResourceUpdated", "ResourceDeleted")


class _ResourceSchema(Schema):
    class Meta:
        unknown = INCLUDE

    typeId = fields.String(required=True, validate=validate.Length(min=1, max=64))
    id = fields.String(required=True, validate=validate.Length(min=1, max=255))


class MessageSchema(Schema):
    """A commercetools Message (Messages API item or ``notificationType: Message``)."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    type = fields.String(required=True, validate=validate.Length(min=1, max=255))
    resource = fields.Nested(_ResourceSchema, required=True)
    resourceVersion = fields.Integer()
    sequenceNumber = fields.Integer()
    createdAt = fields.String()


class ChangeSchema(Schema):
    """A change notification (ResourceCreated/Updated/Deleted)."""

    class Meta:
        unknown = INCLUDE

    notificationType = fields.String(
        required=True, validate=validate.OneOf(CHANGE_TYPES)
    )
    resource = fields.Nested(_ResourceSchema, required=True)
    version = fields.Integer(required=True)
    modifiedAt = fields.String()


class PubSubMessageSchema(Schema):
    class Meta:
        unknown = INCLUDE

    data = fields.String(required=True)
    messageId = fields.String()


class PubSubEnvelopeSchema(Schema):
    class Meta:
        unknown = INCLUDE

    message = fields.Nested(PubSubMessageSchema, required=True)
    subscription = fields.String()


def inbound_from_notification(body: dict[str, Any]) -> Inbound:
    """Validate a Platform-format notification (or a Messages API item)."""
    kind = body.get("notificationType", "Message")
    try:
        if kind in CHANGE_TYPES:
            env = ChangeSchema().load(body)
            res = env["resource"]
            return Inbound(
                message_id=f"{kind}:{res['typeId']}:{res['id']}:{env['version']}",
                name=kind,
                payload=body,
                resource_type=res["typeId"],
                resource_id=res["id"],
            )
        if kind != "Message":
            raise Rejected(
                400, "invalid_envelope", f"notificationType: unsupported value {kind!r}"
            )
        env = MessageSchema().load(body)
    except ValidationError as exc:
        raise Rejected(400, "invalid_envelope", describe_errors(exc.messages)) from None
    res = env["resource"]
    return Inbound(
        message_id=env["id"],
        name=env["type"],
        payload=body,
        resource_type=res["typeId"],
        resource_id=res["id"],
    )


class CommercetoolsSource:
    name = "commercetools"

    def __init__(self, config: Config) -> None:
        self.tokens = config.api_tokens
        self.project_key = config.ct.project_key

    def verify(self, raw: bytes, headers: HeaderMap, args: Mapping[str, str]) -> None:
        if not self.tokens:
            raise Rejected(
                401, "unauthorized", "no API token configured (CONNECTOR_API_TOKENS)"
            )
        if not token_matches(bearer_token(headers) or args.get("token"), self.tokens):
            raise Rejected(401, "unauthorized", "missing or invalid API token")

    def parse(self, raw: bytes, headers: HeaderMap) -> Inbound:
        try:
            body = parse_object(raw)
        except BodyError as exc:
            raise Rejected(400, "malformed_body", str(exc)) from None
        if "message" in body and "notificationType" not in body:
            body = self._unwrap_pubsub(body)
        return inbound_from_notification(body)

    @staticmethod
    def _unwrap_pubsub(envelope: dict[str, Any]) -> dict[str, Any]:
        try:
            env = PubSubEnvelopeSchema().load(envelope)
        except ValidationError as exc:
            raise Rejected(
                400, "invalid_envelope", describe_errors(exc.messages)
            ) from None
        try:
            decoded = base64.b64decode(env["message"]["data"], validate=True)
        except (binascii.Error, ValueError):
            raise Rejected(
                400, "invalid_envelope", "message.data: not base64"
            ) from None
        try:
            return parse_object(decoded)
        except BodyError as exc:
            raise Rejected(400, "invalid_envelope", f"message.data: {exc}") from None

    def authorize(self, inbound: Inbound) -> None:
        key = inbound.payload.get("projectKey")
        if key and self.project_key and key != self.project_key:
            raise Rejected(
                403, "foreign_project", "projectKey does not match CTP_PROJECT_KEY"
            )
