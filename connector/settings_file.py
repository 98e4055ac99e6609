"""The YAML settings file (`CONNECTOR_CONFIG`): routes, schedules, module options.

Validated with marshmallow so a malformed file fails with the file name and the field.
Routes follow Fluent's `application-connector.yml`: a name, the source it listens to,
the handler (a registered name like ``orders.create`` or a dotted path
``package.module:function``), and inclusion filters on message types and resource types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from connector import fluent_routes
from connector.config_keys import check_keys
from connector.errors import ConfigError

SOURCES = ("fluent", "commercetools", "external")


@dataclass(frozen=True)
class Route:
    """A message route. ``types`` empty means: for fluent/external, the route name itself."""

    name: str
    source: str
    handler: str
    types: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    queue: str = "events"
    options: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""  # "" = ours; connector/fluent_routes.py sets "Fluent route file"

    def matches(self, source: str, name: str, resource_type: str | None) -> bool:
        """Whether a message of ``source`` named ``name`` goes through this route."""
        if source != self.source:
            return False
        wanted = self.types or ((self.name,) if source != "commercetools" else ())
        if wanted and name not in wanted:
            return False
        if self.resource_types and resource_type not in self.resource_types:
            return False
        return True


@dataclass(frozen=True)
class RetrySettings:
    max_retries: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    max_deliveries: int = 10


@dataclass(frozen=True)
class SettingsFile:
    routes: list[Route]
    schedules: dict[str, float]
    modules: list[str] | None
    module_options: dict[str, dict[str, Any]]
    retry: RetrySettings
    extra: dict[str, Any]


class _RouteSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    handler = fields.String(required=True, validate=validate.Length(min=1))
    types = fields.List(fields.String(), load_default=list)
    resource_types = fields.List(fields.String(), load_default=list)
    queue = fields.String(
        load_default="events", validate=validate.OneOf(("events", "batch", "default"))
    )
    enabled = fields.Boolean(load_default=True)
    options = fields.Dict(keys=fields.String(), load_default=dict)


class _RetrySchema(Schema):
    class Meta:
        unknown = RAISE

    max_retries = fields.Integer(load_default=6, validate=validate.Range(min=0, max=50))
    backoff_base = fields.Float(load_default=2.0, validate=validate.Range(min=0))
    backoff_max = fields.Float(load_default=300.0, validate=validate.Range(min=0))
    max_deliveries = fields.Integer(load_default=10, validate=validate.Range(min=1))


class _FileSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other sections are kept in `extra` for their modules

    enabled_modules = fields.List(fields.String(), load_default=None, allow_none=True)
    routes = fields.List(fields.Nested(_RouteSchema), load_default=list)
    schedules = fields.Dict(
        keys=fields.String(),
        values=fields.Float(validate=validate.Range(min=0)),
        load_default=dict,
    )
    modules = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    retry = fields.Nested(_RetrySchema, load_default=lambda: {})


def _describe(errors: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.extend(_describe(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        out.append(f"{prefix}: {' '.join(errors)}")
    elif isinstance(errors, list):
        for item in errors:
            out.extend(_describe(item, prefix))
    else:
        out.append(f"{prefix}: {errors}")
    return out


def _known_modules(extra: list[Any]) -> set[str]:
    from connector.config import DEFAULT_MODULES

    return set(DEFAULT_MODULES) | {str(m) for m in extra}


def load_settings_file(path: Path) -> SettingsFile:
    """Read and validate the YAML file; ConfigError names the file and the bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"CONNECTOR_CONFIG: file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"CONNECTOR_CONFIG: cannot read {path}: {exc}") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    enabled = raw.get("enabled_modules")
    extra_modules = enabled if isinstance(enabled, list) else []
    check_keys(path, raw, _known_modules(extra_modules))
    raw, fluent = fluent_routes.split(raw, path)  # Fluent's application-connector.yml
    try:
        data = _FileSchema().load(raw)
    except ValidationError as exc:
        details = "; ".join(_describe(exc.messages))
        raise ConfigError(f"{path}: invalid settings: {details}") from None
    routes = [
        Route(
            name=r["name"],
            source=r["source"],
            handler=r["handler"],
            types=tuple(r["types"]),
            resource_types=tuple(r["resource_types"]),
            queue=r["queue"],
            options=r["options"],
        )
        for r in data["routes"]
        if r["enabled"]
    ]
    routes += [
        Route(
            **{
                **spec,
                "types": tuple(spec["types"]),
                "resource_types": tuple(spec["resource_types"]),
            }
        )
        for spec in fluent.routes
    ]
    names = [r.name for r in routes]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{path}: duplicate route name(s): {', '.join(dupes)}")
    known = set(_FileSchema().fields)
    extra = {k: v for k, v in raw.items() if k not in known}
    return SettingsFile(
        routes=routes,
        schedules=dict(data["schedules"]),
        modules=data["enabled_modules"],
        module_options={k: dict(v) for k, v in data["modules"].items()},
        retry=RetrySettings(**data["retry"]),
        extra=extra,
    )
