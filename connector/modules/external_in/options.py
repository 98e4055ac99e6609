"""Options of an external route (``routes[].options`` of a ``source: external`` route).

Parsed and checked with marshmallow; a bad option is a ConfigError naming the route and
the field. Secrets are env var NAMES (``secret_env``, ``tokens_env``), read when the
route is first used. The optional payload ``schema`` maps top-level field names to a
type (``string``, ``integer``, ``number``, ``boolean``, ``object``, ``list``, ``any``) or
to ``{type, required}``; a bare type means required. Unknown keys are errors, except the
handler's own: ``target`` and ``external_out`` (external_out.send) and
``handler_options`` (for a partner handler, read from ``ctx.route.options``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from connector import signing
from connector.errors import ConfigError
from connector.payload import describe_errors

TYPES: dict[str, tuple[type, ...] | None] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "list": (list,),
    "any": None,
}

# ``modules.external_in`` takes no keys: an external route's options are per route
KEYS: tuple[str, ...] = ()


class _OptionsSchema(Schema):
    class Meta:
        unknown = RAISE

    auth = fields.String(required=True, validate=validate.OneOf(("hmac", "token")))
    secret_env = fields.String(validate=validate.Length(min=1))
    tolerance_seconds = fields.Float(
        load_default=signing.DEFAULT_TOLERANCE, validate=validate.Range(min=1)
    )
    signature_header = fields.String(load_default=signing.SIGNATURE_HEADER)
    timestamp_header = fields.String(load_default=signing.TIMESTAMP_HEADER)
    tokens_env = fields.String(validate=validate.Length(min=1))
    token_header = fields.String(load_default=None, allow_none=True)
    id_header = fields.String(load_default=signing.DELIVERY_HEADER)
    id_field = fields.String(load_default=None, allow_none=True)
    resource_type = fields.String(load_default=None, allow_none=True)
    schema = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    # Options of the route's handler, not of the source: passed through unchecked.
    target = fields.Raw()
    external_out = fields.Raw()
    handler_options = fields.Raw()

    @validates_schema
    def _auth_needs_secret(self, data: dict[str, Any], **kw: Any) -> None:
        if data["auth"] == "hmac" and not data.get("secret_env"):
            raise ValidationError("auth hmac needs secret_env", "secret_env")
        if data["auth"] == "token" and not data.get("tokens_env"):
            raise ValidationError("auth token needs tokens_env", "tokens_env")


class TypedField(fields.Field):
    """A JSON value of one of the given Python types (no coercion: "12" is no integer)."""

    def __init__(self, kind: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind = kind

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> Any:
        allowed = TYPES[self.kind]
        if allowed is None:
            return value
        if isinstance(value, bool) and bool not in allowed:
            raise ValidationError(f"must be of type {self.kind}")
        if not isinstance(value, allowed):
            raise ValidationError(f"must be of type {self.kind}")
        return value


@dataclass(frozen=True)
class ExternalOptions:
    auth: str
    secret_env: str | None
    tolerance_seconds: float
    signature_header: str
    timestamp_header: str
    tokens_env: str | None
    token_header: str | None
    id_header: str | None
    id_field: str | None
    resource_type: str | None
    payload_schema: Schema | None


def _payload_schema(route: str, spec: Mapping[str, Any]) -> Schema:
    declared: dict[str, fields.Field] = {}
    for name, item in spec.items():
        if isinstance(item, str):
            kind, required = item, True
        elif isinstance(item, Mapping):
            kind, required = item.get("type", "any"), bool(item.get("required", True))
        else:
            raise ConfigError(
                f"route {route!r}: options.schema.{name}: type or mapping"
            )
        if kind not in TYPES:
            raise ConfigError(
                f"route {route!r}: options.schema.{name}: unknown type {kind!r} "
                f"(one of {', '.join(TYPES)})"
            )
        declared[name] = TypedField(kind, required=required, allow_none=not required)
    schema_cls = Schema.from_dict(declared, name=f"External_{route}")
    return schema_cls(unknown=INCLUDE)


def parse_options(route: str, raw: Mapping[str, Any]) -> ExternalOptions:
    """Validate a route's options; ConfigError names the route and the field."""
    try:
        data = _OptionsSchema().load(dict(raw))
    except ValidationError as exc:
        raise ConfigError(
            f"route {route!r}: invalid options: {describe_errors(exc.messages)}"
        ) from None
    schema = _payload_schema(route, data["schema"]) if data["schema"] else None
    return ExternalOptions(
        auth=data["auth"],
        secret_env=data.get("secret_env"),
        tolerance_seconds=data["tolerance_seconds"],
        signature_header=data["signature_header"],
        timestamp_header=data["timestamp_header"],
        tokens_env=data.get("tokens_env"),
        token_header=data["token_header"],
        id_header=data["id_header"] or None,
        id_field=data["id_field"],
        resource_type=data["resource_type"],
        payload_schema=schema,
    )
