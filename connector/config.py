"""Configuration: environment variables (12-factor, `.env` read if present) plus a YAML file.

The one place that reads the environment. Env holds identities, secrets and URLs
(names in DESIGN.md §5); the YAML file (`CONNECTOR_CONFIG`, default the shipped
`connector.yml`) holds routes, mappings, schedules and module options. Anything that
needs a credential asks for it with ``require_ct``/``require_fluent`` so a missing one
fails with a message naming the variable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector.errors import ConfigError, MissingSetting
from connector.settings_file import Route, load_settings_file
from connector.urls import check_broker_url, check_database_url

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = PACKAGE_DIR / "connector.yml"

# Modules enabled by default. Adding a module: its files, plus one line here.
DEFAULT_MODULES: tuple[str, ...] = (
    "ct_messages",
    "categories",
    "products",
    "customers",
    "orders",
    "locations",
    "inventory",
    "order_status",
    "fulfilments",
    "consignments",
    "availability",
    "external_in",
    "external_out",
    "notifications",
    "event_errors",
)


@dataclass(frozen=True)
class CommercetoolsSettings:
    project_key: str | None
    client_id: str | None
    client_secret: str | None
    scopes: str | None
    api_url: str
    auth_url: str
    inventory_channel_key: str | None


@dataclass(frozen=True)
class FluentSettings:
    api_url: str | None
    account_id: str | None
    retailer_id: str | None
    client_id: str | None
    client_secret: str | None
    username: str | None
    password: str | None
    catalogue_ref: str | None
    virtual_catalogue_ref: str | None
    network_ref: str | None
    webhook_public_keys: tuple[str, ...]
    allow_md5_signature: bool


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient errors: base * 2**(attempt-1), capped, with full jitter."""

    max_retries: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    max_deliveries: int = 10  # redeliveries after worker loss before a row is failed
    # a running message renews its lease every lease/4 s; a lease older than this means
    # its worker died: the row is claimed again / re-published (recovery in seconds)
    lease_seconds: float = 20.0


@dataclass(frozen=True)
class Config:
    database_url: str
    broker_url: str
    redis_url: str | None
    redis_key_prefix: str
    embedded_broker: bool
    data_dir: Path
    api_tokens: tuple[str, ...]
    config_file: Path
    modules: tuple[str, ...]
    ct: CommercetoolsSettings
    fluent: FluentSettings
    routes: tuple[Route, ...]
    schedules: Mapping[str, float]
    module_options: Mapping[str, Mapping[str, Any]]
    retry: RetryPolicy
    max_body_bytes: int
    sweep_after_seconds: float
    requeue_after_seconds: float
    extra: Mapping[str, Any] = field(default_factory=dict)
    auth_failures_per_minute: int = 60  # per client, then 429 (0: no limit)
    event_time_limit: float = 120.0  # hard limit of an event task; soft = hard - 15 s
    # console session signing (CONNECTOR_SECRET_KEY; derived from the API tokens if unset)
    secret_key: str = ""
    cookie_secure: bool = (
        False  # CONNECTOR_COOKIE_SECURE: console cookie over HTTPS only
    )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, read_dotenv: bool = True
    ) -> Config:
        """Build the config from ``env`` (default: ``os.environ`` after reading `.env`)."""
        if env is None:
            if read_dotenv:
                _load_dotenv()
            env = os.environ
        return _build(env)

    # -- credentials ------------------------------------------------------------
    def require_ct(self, purpose: str) -> CommercetoolsSettings:
        """The commercetools settings, or MissingSetting naming what is absent."""
        missing = [
            name
            for name, value in (
                ("CTP_PROJECT_KEY", self.ct.project_key),
                ("CTP_CLIENT_ID", self.ct.client_id),
                ("CTP_CLIENT_SECRET", self.ct.client_secret),
            )
            if not value
        ]
        if missing:
            raise MissingSetting(missing, purpose)
        return self.ct

    def require_fluent(self, purpose: str, *extra: str) -> FluentSettings:
        """The Fluent settings, or MissingSetting naming what is absent.

        ``extra`` names further variables the caller needs (e.g. FLUENT_CATALOGUE_REF).
        """
        values = {
            "FLUENT_API_URL": self.fluent.api_url,
            "FLUENT_ACCOUNT_ID": self.fluent.account_id,
            "FLUENT_RETAILER_ID": self.fluent.retailer_id,
            "FLUENT_CLIENT_ID": self.fluent.client_id,
            "FLUENT_CLIENT_SECRET": self.fluent.client_secret,
            "FLUENT_USERNAME": self.fluent.username,
            "FLUENT_PASSWORD": self.fluent.password,
            "FLUENT_CATALOGUE_REF": self.fluent.catalogue_ref,
            "FLUENT_VIRTUAL_CATALOGUE_REF": self.fluent.virtual_catalogue_ref,
            "FLUENT_NETWORK_REF": self.fluent.network_ref,
        }
        wanted = [
            "FLUENT_API_URL",
            "FLUENT_ACCOUNT_ID",
            "FLUENT_RETAILER_ID",
            "FLUENT_CLIENT_ID",
            "FLUENT_CLIENT_SECRET",
            "FLUENT_USERNAME",
            "FLUENT_PASSWORD",
            *extra,
        ]
        missing = [name for name in wanted if not values.get(name)]
        if missing:
            raise MissingSetting(missing, purpose)
        return self.fluent

    def options(self, module: str) -> Mapping[str, Any]:
        """The YAML `modules.<module>` section (empty mapping when absent)."""
        return self.module_options.get(module, {})

    def schedule_seconds(self, module: str) -> float | None:
        """Beat interval of a module's batch sync, or None when it has none."""
        return self.schedules.get(module)


def _load_dotenv() -> None:
    from dotenv import find_dotenv, load_dotenv

    path = find_dotenv(usecwd=True)
    if path:
        load_dotenv(path, override=False)


def _env_list(value: str | None, sep: str = ",") -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item.strip() for item in value.split(sep) if item.strip())


def _env_bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


def split_public_keys(raw: str | None) -> tuple[str, ...]:
    """Split FLUENT_WEBHOOK_PUBLIC_KEYS: PEM blocks and/or base64 DER separated by , ; or newlines."""
    if not raw:
        return ()
    text = raw.replace("\\n", "\n")
    keys: list[str] = []
    rest = text
    marker_end = "-----END PUBLIC KEY-----"
    while "-----BEGIN PUBLIC KEY-----" in rest:
        start = rest.index("-----BEGIN PUBLIC KEY-----")
        end = rest.find(marker_end, start)
        if end < 0:
            raise ConfigError(
                "FLUENT_WEBHOOK_PUBLIC_KEYS has a PEM block without END line"
            )
        head, block = rest[:start], rest[start : end + len(marker_end)]
        keys.extend(_split_der(head))
        keys.append(block)
        rest = rest[end + len(marker_end) :]
    keys.extend(_split_der(rest))
    return tuple(keys)


def _split_der(text: str) -> list[str]:
    parts = text.replace(";", ",").replace("\n", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


def _build(env: Mapping[str, str]) -> Config:
    data_dir = Path(env.get("CONNECTOR_DATA_DIR") or "var").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'connector.db'}"
    check_database_url(database_url)
    if database_url.startswith("postgres://"):  # Heroku-style URL
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = env.get("REDIS_URL") or None
    broker_url = env.get("CELERY_BROKER_URL") or redis_url
    embedded = broker_url is None
    if broker_url is not None:
        check_broker_url(
            broker_url,
            "CELERY_BROKER_URL" if env.get("CELERY_BROKER_URL") else "REDIS_URL",
        )
    if broker_url is None:
        broker_url = f"sqla+sqlite:///{data_dir / 'broker.db'}"

    config_file = Path(env.get("CONNECTOR_CONFIG") or DEFAULT_CONFIG_FILE)
    settings = load_settings_file(config_file)

    modules = _env_list(env.get("CONNECTOR_MODULES")) or tuple(
        settings.modules if settings.modules is not None else DEFAULT_MODULES
    )
    schedules: dict[str, float] = dict(settings.schedules)
    for key in list(env):
        if key.startswith("SYNC_") and key.endswith("_EVERY_SECONDS"):
            name = key[len("SYNC_") : -len("_EVERY_SECONDS")].lower()
            seconds = _env_number(env, key, 0)
            # a module (``products``) or a beat entry (``ct-messages-poll``)
            schedules[name] = seconds
            schedules[name.replace("_", "-")] = seconds

    ct_api = env.get("CTP_API_URL") or "https://api.europe-west1.gcp.commercetools.com"
    ct = CommercetoolsSettings(
        project_key=env.get("CTP_PROJECT_KEY") or None,
        client_id=env.get("CTP_CLIENT_ID") or None,
        client_secret=env.get("CTP_CLIENT_SECRET") or None,
        scopes=env.get("CTP_SCOPES") or None,
        api_url=ct_api.rstrip("/"),
        auth_url=(
            env.get("CTP_AUTH_URL") or "https://auth.europe-west1.gcp.commercetools.com"
        ).rstrip("/"),
        inventory_channel_key=env.get("CTP_INVENTORY_CHANNEL_KEY") or None,
    )
    fluent = FluentSettings(
        api_url=(env.get("FLUENT_API_URL") or "").rstrip("/") or None,
        account_id=env.get("FLUENT_ACCOUNT_ID") or None,
        retailer_id=env.get("FLUENT_RETAILER_ID") or None,
        client_id=env.get("FLUENT_CLIENT_ID") or None,
        client_secret=env.get("FLUENT_CLIENT_SECRET") or None,
        username=env.get("FLUENT_USERNAME") or None,
        password=env.get("FLUENT_PASSWORD") or None,
        catalogue_ref=env.get("FLUENT_CATALOGUE_REF") or None,
        virtual_catalogue_ref=env.get("FLUENT_VIRTUAL_CATALOGUE_REF") or None,
        network_ref=env.get("FLUENT_NETWORK_REF") or None,
        webhook_public_keys=split_public_keys(env.get("FLUENT_WEBHOOK_PUBLIC_KEYS")),
        allow_md5_signature=_env_bool(env, "FLUENT_ALLOW_MD5_SIGNATURE"),
    )
    retry = RetryPolicy(
        max_retries=int(
            _env_number(env, "CONNECTOR_MAX_RETRIES", settings.retry.max_retries)
        ),
        backoff_base=_env_number(
            env, "CONNECTOR_RETRY_BASE_SECONDS", settings.retry.backoff_base
        ),
        backoff_max=_env_number(
            env, "CONNECTOR_RETRY_MAX_SECONDS", settings.retry.backoff_max
        ),
        max_deliveries=int(
            _env_number(env, "CONNECTOR_MAX_DELIVERIES", settings.retry.max_deliveries)
        ),
        lease_seconds=_env_number(env, "CONNECTOR_LEASE_SECONDS", 20.0),
    )
    return Config(
        database_url=database_url,
        broker_url=broker_url,
        redis_url=redis_url,
        redis_key_prefix=env.get("CONNECTOR_REDIS_PREFIX", ""),
        embedded_broker=embedded,
        data_dir=data_dir,
        api_tokens=_env_list(env.get("CONNECTOR_API_TOKENS")),
        config_file=config_file,
        modules=modules,
        ct=ct,
        fluent=fluent,
        routes=tuple(settings.routes),
        schedules=schedules,
        module_options=settings.module_options,
        retry=retry,
        max_body_bytes=int(_env_number(env, "CONNECTOR_MAX_BODY_BYTES", 1024 * 1024)),
        sweep_after_seconds=_env_number(env, "CONNECTOR_SWEEP_AFTER_SECONDS", 30),
        requeue_after_seconds=_env_number(env, "CONNECTOR_REQUEUE_AFTER_SECONDS", 900),
        extra=settings.extra,
        auth_failures_per_minute=int(
            _env_number(env, "CONNECTOR_AUTH_FAILURES_PER_MINUTE", 60)
        ),
        event_time_limit=_env_number(env, "CONNECTOR_EVENT_TIME_LIMIT", 120.0),
        secret_key=env.get("CONNECTOR_SECRET_KEY", ""),
        cookie_secure=_env_bool(env, "CONNECTOR_COOKIE_SECURE"),
    )
