"""Options of external_out: the module options, named targets and route options.

``modules.external_out`` holds the SSRF allow-list (``allow_networks``, ``allow_hosts``),
defaults (``timeout_seconds``, ``max_attempts``, ``backoff_base``, ``backoff_max``,
``batch_size``) and named ``targets``. A route with handler ``external_out.send`` names
a target with ``options.target`` and/or gives one inline in ``options.external_out``
(``url`` or ``url_env``, ``secret_env``, ``template``, ``headers``,
``timeout_seconds``, ``max_attempts``; inline keys win). Nesting keeps these apart from
the options of the route's source (an external route's ``secret_env`` is the INBOUND
secret). The signing secret is an env var NAME (comma-separated values
sign with each, for rotation).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from connector import signing
from connector.clients.webhook import AddressPolicy, check_webhook_url
from connector.config import RetryPolicy
from connector.context import Services
from connector.errors import ConfigError
from connector.modules.external_out.template import check_template
from connector.options import reject_unknown
from connector.payload import describe_errors

MODULE = "external_out"
HANDLER = "external_out.send"


class _TargetSchema(Schema):
    class Meta:
        unknown = RAISE

    url = fields.String()
    url_env = fields.String()
    secret_env = fields.String()
    template = fields.Raw(allow_none=True)
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    timeout_seconds = fields.Float(validate=validate.Range(min=0.1, max=60))
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=50))


class _ModuleSchema(Schema):
    class Meta:
        unknown = RAISE

    allow_networks = fields.List(fields.String(), load_default=list)
    allow_hosts = fields.List(fields.String(), load_default=list)
    timeout_seconds = fields.Float(
        load_default=10.0, validate=validate.Range(min=0.1, max=60)
    )
    max_attempts = fields.Integer(load_default=8, validate=validate.Range(min=1))
    backoff_base = fields.Float(load_default=2.0, validate=validate.Range(min=0))
    backoff_max = fields.Float(load_default=600.0, validate=validate.Range(min=0))
    batch_size = fields.Integer(load_default=100, validate=validate.Range(min=1))
    targets = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


KEYS = tuple(_ModuleSchema().fields)


@dataclass(frozen=True)
class ModuleSettings:
    policy: AddressPolicy
    timeout_seconds: float
    max_attempts: int
    backoff: RetryPolicy
    batch_size: int
    targets: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    secret_env: str
    template: Any
    headers: Mapping[str, str]
    timeout_seconds: float
    max_attempts: int

    def secrets(self) -> tuple[str, ...]:
        return signing.secrets_from_env(self.secret_env, f"external_out {self.name!r}")


def module_settings(runtime: Services) -> ModuleSettings:
    raw = dict(runtime.config.options(MODULE))
    reject_unknown(f"modules.{MODULE}", raw, KEYS)
    try:
        data = _ModuleSchema().load(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"modules.external_out: {describe_errors(exc.messages)}"
        ) from None
    return ModuleSettings(
        policy=AddressPolicy.from_options(data["allow_networks"], data["allow_hosts"]),
        timeout_seconds=data["timeout_seconds"],
        max_attempts=data["max_attempts"],
        backoff=RetryPolicy(
            max_retries=data["max_attempts"],
            backoff_base=data["backoff_base"],
            backoff_max=data["backoff_max"],
        ),
        batch_size=data["batch_size"],
        targets=data["targets"],
    )


def _load(what: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(_TargetSchema().load(dict(raw)))
    except ValidationError as exc:
        raise ConfigError(f"{what}: {describe_errors(exc.messages)}") from None


def resolve_target(runtime: Services, name: str) -> Target:
    """The target of route ``name`` (handler external_out.send), else named target."""
    settings = module_settings(runtime)
    route = runtime.registry.route(name)
    merged: dict[str, Any] = {}
    if route is not None and route.handler == HANDLER:
        ref = route.options.get("target")
        if ref is not None:
            if ref not in settings.targets:
                raise ConfigError(
                    f"route {name!r}: unknown external_out target {ref!r}"
                )
            where = f"modules.external_out.targets.{ref}"
            merged.update(_load(where, settings.targets[ref]))
        inline = route.options.get("external_out") or {}
        if not isinstance(inline, Mapping):
            raise ConfigError(f"route {name!r}: options.external_out must be a mapping")
        merged.update(_load(f"route {name!r} options.external_out", inline))
    elif name in settings.targets:
        merged = _load(f"modules.external_out.targets.{name}", settings.targets[name])
    else:
        raise ConfigError(f"no external_out route or target named {name!r}")
    url = merged.get("url")
    if merged.get("url_env"):
        url = os.environ.get(merged["url_env"], "")
        if not url:
            raise ConfigError(
                f"external_out {name!r} needs the environment variable "
                f"{merged['url_env']} to be set"
            )
    if not url:
        raise ConfigError(f"external_out {name!r}: url or url_env is required")
    check_webhook_url(url, f"external_out {name!r} url")
    if not merged.get("secret_env"):
        raise ConfigError(f"external_out {name!r}: secret_env is required (signing)")
    template = merged.get("template")
    if template is not None:
        if not isinstance(template, (Mapping, list)):
            raise ConfigError(
                f"external_out {name!r}: template must be a mapping or list"
            )
        check_template(template)
    return Target(
        name=name,
        url=url,
        secret_env=merged["secret_env"],
        template=template,
        headers=merged.get("headers") or {},
        timeout_seconds=merged.get("timeout_seconds", settings.timeout_seconds),
        max_attempts=merged.get("max_attempts", settings.max_attempts),
    )
