"""Marshmallow schemas of the ops API (messages, replay, runs, status): the query and
body arguments it accepts (unknown ones are refused) and the answers it gives (dumped
through these schemas, so the OpenAPI document can be checked against them)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from connector.store.messages import STATUSES

RUN_STATUSES = ("pending", "running", "succeeded", "partial", "failed", "skipped")
MAX_PAGE = 200
MAX_REPLAY = 500


class Cursor(fields.Field):
    """An opaque page cursor (urlsafe base64 of ``<kind>:<id>``) <-> the id to go below."""

    def __init__(self, kind: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind = kind

    def _serialize(self, value: Any, attr: Any, obj: Any, **kw: Any) -> str | None:
        if value is None:
            return None
        raw = f"{self.kind}:{int(value)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> int:
        if not isinstance(value, str):
            raise ValidationError("not a cursor given by this endpoint")
        text = value
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            kind, _, number = raw.partition(":")
            if kind != self.kind or not number.isdigit():
                raise ValueError(raw)
            return int(number)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationError("not a cursor given by this endpoint") from exc


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class MessageFilterSchema(_Strict):
    """Filter of the listing and of the bulk replay (times are ``received_at``)."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    source = fields.String(validate=validate.Length(min=1, max=32))
    route = fields.String(validate=validate.Length(min=1, max=200))
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC)

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("must be later than since", "until")


class MessageListQuerySchema(MessageFilterSchema):
    cursor = Cursor("m")
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=MAX_PAGE)
    )


class ReplayFilterSchema(MessageFilterSchema):
    """Bulk replay: the oldest ``limit`` matching messages (status defaults to failed)."""

    status = fields.String(
        load_default="failed",
        validate=validate.OneOf(("failed", "received", "queued", "retrying")),
    )
    limit = fields.Integer(
        load_default=100, validate=validate.Range(min=1, max=MAX_REPLAY)
    )


class RunListQuerySchema(_Strict):
    module = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=validate.OneOf(RUN_STATUSES))
    cursor = Cursor("r")
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=MAX_PAGE)
    )


# -- answers ----------------------------------------------------------------------------
class MessageSummarySchema(Schema):
    id = fields.Integer()
    source = fields.String()
    message_id = fields.String()
    name = fields.String()
    resource_type = fields.String(allow_none=True)
    resource_id = fields.String(allow_none=True)
    route = fields.String(allow_none=True)
    handler = fields.String(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    deliveries = fields.Integer()
    error = fields.String(allow_none=True)
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class MessagePageSchema(Schema):
    messages = fields.List(fields.Nested(MessageSummarySchema))
    next_cursor = Cursor("m", allow_none=True)


class TimelineEventSchema(Schema):
    at = fields.DateTime()
    event = fields.String()
    detail = fields.String(allow_none=True)


class MessageDetailSchema(MessageSummarySchema):
    result = fields.Dict(allow_none=True)
    payload = fields.Raw()
    timeline = fields.List(fields.Nested(TimelineEventSchema))


class ReplayOneSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    message = fields.String()


class ReplayBulkSchema(Schema):
    matched = fields.Integer()
    selected = fields.Integer()
    replayed = fields.Integer()
    deferred = fields.Integer()
    not_replayable = fields.List(fields.Integer())
    remaining = fields.Integer()
    limit = fields.Integer()


class RunSchema(Schema):
    run_id = fields.Integer(attribute="id")
    module = fields.String()
    scope = fields.String()
    trigger = fields.String()
    status = fields.String()
    full = fields.Boolean()
    dry_run = fields.Boolean()
    counts = fields.Dict(keys=fields.String())  # numbers, skip_reasons, failures
    error = fields.String(allow_none=True)
    app_version = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class RunPageSchema(Schema):
    runs = fields.List(fields.Nested(RunSchema))
    next_cursor = Cursor("r", allow_none=True)


class CheckpointSchema(Schema):
    module = fields.String()
    scope = fields.String()
    since = fields.Method("_since")
    lease_owner = fields.String(allow_none=True)
    lease_expires_at = fields.DateTime(allow_none=True)
    last_started_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()

    def _since(self, cp: Any) -> str | None:
        return (cp.cursor or {}).get("since")


class OutboxTargetSchema(Schema):
    target = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    oldest_pending_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class StatusSchema(Schema):
    """``connector status`` as JSON."""

    checkpoints = fields.List(fields.Nested(CheckpointSchema))
    runs = fields.List(fields.Nested(RunSchema))
    messages = fields.Dict(keys=fields.String(), values=fields.Integer())
    outbox = fields.List(fields.Nested(OutboxTargetSchema))
    queues = fields.Dict(keys=fields.String(), values=fields.Raw())
