"""``connector config show``: every effective value and where it came from.

Sources: ``env`` (a variable or the .env file), ``Fluent setting <name> (<context>
<id>): <path>``, ``YAML <file>: <key>`` or ``default``. Secrets are masked. Module
options are listed as set in the YAML file (their defaults live in each module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from connector.fluent_connect import effective
from connector.runtime import Runtime

SECRETS = frozenset(
    {
        "CTP_CLIENT_SECRET",
        "FLUENT_CLIENT_SECRET",
        "FLUENT_PASSWORD",
        "CONNECTOR_API_TOKENS",
    }
)
URL_SECRETS = frozenset({"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"})


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    source: str


def mask(name: str, value: str) -> str:
    if not value:
        return value
    if name in SECRETS:
        return "***" + (f" ({len(value.split(','))} values)" if "," in value else "")
    if name in URL_SECRETS:
        from sqlalchemy.engine import make_url

        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:  # not a URL sqlalchemy understands: hide it all
            return "***"
    return value


def _yaml(path: Any) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return raw if isinstance(raw, dict) else {}


def rows(runtime: Runtime, env: Mapping[str, str]) -> list[Row]:
    """The effective configuration; reads Fluent's settings (refresh) first."""
    from connector.fluent_connect import settings as fs

    snapshot = effective.refresh(runtime)
    config = runtime.config
    from_settings = effective.apply(runtime.env_config, snapshot or fs.Snapshot())[1]
    file = config.config_file
    raw = _yaml(file)
    out: list[Row] = []

    def add(name: str, value: Any, default_source: str = "default") -> None:
        text = "" if value is None else str(value)
        if env.get(name):
            source = "env"
        elif name in from_settings:
            source = from_settings[name]
        else:
            source = default_source if text else "not set"
        out.append(Row(name, mask(name, text), source))

    ct, fl = config.ct, config.fluent
    for name, value in (
        ("CTP_PROJECT_KEY", ct.project_key),
        ("CTP_CLIENT_ID", ct.client_id),
        ("CTP_CLIENT_SECRET", ct.client_secret),
        ("CTP_SCOPES", ct.scopes),
        ("CTP_API_URL", ct.api_url),
        ("CTP_AUTH_URL", ct.auth_url),
        ("CTP_INVENTORY_CHANNEL_KEY", ct.inventory_channel_key),
        ("FLUENT_API_URL", fl.api_url),
        ("FLUENT_ACCOUNT_ID", fl.account_id),
        ("FLUENT_RETAILER_ID", fl.retailer_id),
        ("FLUENT_CLIENT_ID", fl.client_id),
        ("FLUENT_CLIENT_SECRET", fl.client_secret),
        ("FLUENT_USERNAME", fl.username),
        ("FLUENT_PASSWORD", fl.password),
        ("FLUENT_CATALOGUE_REF", fl.catalogue_ref),
        ("FLUENT_VIRTUAL_CATALOGUE_REF", fl.virtual_catalogue_ref),
        ("FLUENT_NETWORK_REF", fl.network_ref),
        (
            "FLUENT_WEBHOOK_PUBLIC_KEYS",
            f"{len(fl.webhook_public_keys)} key(s)" if fl.webhook_public_keys else None,
        ),
        ("DATABASE_URL", config.database_url),
        ("CELERY_BROKER_URL", config.broker_url),
        ("CONNECTOR_API_TOKENS", ",".join(config.api_tokens)),
        ("CONNECTOR_MODULES", ",".join(config.modules)),
    ):
        source = "default"
        if name == "CONNECTOR_MODULES" and raw.get("enabled_modules") is not None:
            source = f"YAML {file}: enabled_modules"
        add(name, value, source)
    out.append(
        Row(
            "CONNECTOR_CONFIG",
            str(file),
            "env" if env.get("CONNECTOR_CONFIG") else "default",
        )
    )
    retry_yaml = raw.get("retry") or {}
    retries: tuple[tuple[str, str, float], ...] = (
        ("CONNECTOR_MAX_RETRIES", "max_retries", config.retry.max_retries),
        ("CONNECTOR_RETRY_BASE_SECONDS", "backoff_base", config.retry.backoff_base),
        ("CONNECTOR_RETRY_MAX_SECONDS", "backoff_max", config.retry.backoff_max),
    )
    for name, key, number in retries:
        yaml_source = f"YAML {file}: retry.{key}" if key in retry_yaml else "default"
        add(name, number, yaml_source)
    schedules_yaml = raw.get("schedules") or {}
    for spec in runtime.specs:
        entries = [(spec.name, spec.every_seconds)] if spec.batch else []
        entries += [(p.entry, p.every_seconds) for p in spec.periodic]
        for entry, default in entries:
            env_name = f"SYNC_{entry.replace('-', '_').upper()}_EVERY_SECONDS"
            every = config.schedules.get(entry, default)
            source = (
                f"YAML {file}: schedules.{entry}"
                if entry in schedules_yaml
                else "default"
            )
            row_source = "env" if env.get(env_name) else source
            out.append(Row(f"schedules.{entry}", str(every), row_source))
    for module, module_opts in sorted(config.module_options.items()):
        for key, option_value in sorted(module_opts.items()):
            out.append(
                Row(
                    f"modules.{module}.{key}",
                    _short(option_value),
                    f"YAML {file}: modules.{module}.{key}",
                )
            )
    opts = effective.options(runtime.env_config)
    fc_yaml = raw.get("fluent_connect") or {}
    switches: tuple[tuple[str, object], ...] = (
        ("read_settings", opts.read_settings),
        ("write_back", opts.write_back),
        ("settings_ttl_seconds", opts.settings_ttl_seconds),
    )
    for key, option in switches:
        source = f"YAML {file}: fluent_connect.{key}" if key in fc_yaml else "default"
        out.append(Row(f"fluent_connect.{key}", str(option).lower(), source))
    return out


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def render(found: list[Row]) -> str:
    width = max(len(r.name) for r in found)
    vwidth = min(48, max(len(r.value) for r in found))
    return "\n".join(
        f"{r.name.ljust(width)}  {r.value.ljust(vwidth)}  {r.source}" for r in found
    )
