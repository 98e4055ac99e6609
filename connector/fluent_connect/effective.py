"""Fluent's connector settings as a configuration source under the environment.

Precedence per value: an environment variable when set, else the Fluent setting, else
absent (the caller's ``require_*`` then fails with the same message as before).
``refresh`` rebuilds ``runtime.config`` from the env-only config and the (cached)
settings before a batch run or handler, so a changed setting applies within the TTL.
``fc.connect.commercetools.account-mapping`` names the Fluent account/retailer and the
commercetools project the deployment serves: a mismatch with the env is a ConfigError.
The YAML section ``fluent_connect`` switches reading and writing back.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connector.clients.errors import ApiError
from connector.config import Config
from connector.errors import ConfigError, MissingSetting
from connector.fluent_connect import settings as fs
from connector.options import reject_unknown

if TYPE_CHECKING:
    from connector.context import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    env: str
    section: str  # "ct" | "fluent": the Config attribute holding it
    attr: str
    setting: str
    path: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field(
        "CTP_PROJECT_KEY",
        "ct",
        "project_key",
        fs.ACCOUNT_MAPPING,
        ("externalAccount", "projectKey"),
    ),
    Field(
        "FLUENT_CATALOGUE_REF",
        "fluent",
        "catalogue_ref",
        fs.GENERAL,
        ("productCatalogue", "entityRef"),
    ),
    Field(
        "CTP_INVENTORY_CHANNEL_KEY",
        "ct",
        "inventory_channel_key",
        fs.INVENTORY_JOB,
        ("props", "ctChannelKey"),
    ),
    Field(
        "FLUENT_VIRTUAL_CATALOGUE_REF",
        "fluent",
        "virtual_catalogue_ref",
        fs.INVENTORY_JOB,
        ("props", "fluentAggregateVirtualCatalogueRef"),
    ),
    Field(
        "FLUENT_NETWORK_REF",
        "fluent",
        "network_ref",
        fs.LOCATION_JOB,
        ("props", "fluentNetworkRef"),
    ),
)


@dataclass(frozen=True)
class Options:
    """The YAML ``fluent_connect`` section (unknown keys are an error)."""

    read_settings: bool = True  # use Fluent's settings as a configuration source
    write_back: bool = True  # write previousEndDate/lastRun back after each run
    settings_ttl_seconds: float = fs.DEFAULT_TTL_SECONDS


def options(config: Config) -> Options:
    raw = config.extra.get("fluent_connect") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{config.config_file}: fluent_connect must be a mapping")
    known = [f.name for f in dataclasses.fields(Options)]
    reject_unknown(f"{config.config_file}: fluent_connect", raw, known)
    for key in ("read_settings", "write_back"):
        if key in raw and not isinstance(raw[key], bool):
            raise ConfigError(
                f"{config.config_file}: fluent_connect.{key} must be true or false"
            )
    ttl = raw.get("settings_ttl_seconds", fs.DEFAULT_TTL_SECONDS)
    if not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or ttl < 0:
        raise ConfigError(
            f"{config.config_file}: fluent_connect.settings_ttl_seconds must be a "
            "number >= 0"
        )
    return Options(
        read_settings=raw.get("read_settings", True),
        write_back=raw.get("write_back", True),
        settings_ttl_seconds=float(ttl),
    )


def fluent_ready(config: Config) -> bool:
    """Whether the Fluent credentials needed to read settings are all in the env."""
    try:
        config.require_fluent("Fluent settings")
    except MissingSetting:
        return False
    return True


def check_account(config: Config, snapshot: fs.Snapshot) -> None:
    """A ConfigError when the account-mapping setting names another deployment."""
    setting = snapshot.get(fs.ACCOUNT_MAPPING)
    if setting is None:
        return
    fluent = setting.value.get("fluent") or {}
    external = setting.value.get("externalAccount") or {}
    pairs = (
        (
            "fluent.accountId",
            fluent.get("accountId"),
            "FLUENT_ACCOUNT_ID",
            config.fluent.account_id,
        ),
        (
            "fluent.retailerId",
            fluent.get("retailerId"),
            "FLUENT_RETAILER_ID",
            config.fluent.retailer_id,
        ),
        (
            "externalAccount.projectKey",
            external.get("projectKey"),
            "CTP_PROJECT_KEY",
            config.ct.project_key,
        ),
    )
    for key, expected, env_name, actual in pairs:
        if expected in (None, "") or actual in (None, ""):
            continue
        if str(expected) != str(actual):
            raise ConfigError(
                f"{setting.where} says {key} = {expected!r} but {env_name} is "
                f"{actual!r}: this deployment serves another account; fix the env "
                "or the setting"
            )


def apply(config: Config, snapshot: fs.Snapshot) -> tuple[Config, dict[str, str]]:
    """``config`` with unset values filled from the settings, and where each came from."""
    sources: dict[str, str] = {}
    changes: dict[str, dict[str, Any]] = {"ct": {}, "fluent": {}}
    for field in FIELDS:
        current = getattr(getattr(config, field.section), field.attr)
        if current:
            continue
        found = snapshot.lookup(field.setting, field.path)
        if found is None:
            continue
        value, setting = found
        changes[field.section][field.attr] = str(value)
        sources[field.env] = f"{setting.where}: {'.'.join(field.path)}"
    return (
        dataclasses.replace(
            config,
            ct=dataclasses.replace(config.ct, **changes["ct"]),
            fluent=dataclasses.replace(config.fluent, **changes["fluent"]),
        ),
        sources,
    )


_lock = threading.Lock()
APPLIED = "_fluent_connect_applied"  # runtime attribute: (base, built, snapshot)


def base_config(runtime: Services) -> Config:
    """The config without Fluent settings: ``runtime.config`` unless it is the one
    ``refresh`` built (a config set by anyone else, e.g. a test, is taken as is)."""
    applied = runtime.__dict__.get(APPLIED)
    if applied is not None and runtime.config is applied[1]:
        return applied[0]  # type: ignore[no-any-return]
    return runtime.config


def load_snapshot(runtime: Services) -> fs.Snapshot | None:
    """The settings (cached), or None when reading them is off or impossible."""
    with _lock:
        base = base_config(runtime)
    opts = options(base)
    if not opts.read_settings or not fluent_ready(base):
        return None
    return fs.load(
        runtime.fluent(), opts.settings_ttl_seconds, fs.snapshot_cache(runtime.caches)
    )


def refresh(runtime: Services) -> fs.Snapshot | None:
    """Rebuild ``runtime.config`` from the env config and the settings.

    A Fluent error while reading is logged and the env-only config stays in force (the
    run then fails only if it needs a value the env lacks, with the usual message).
    Thread-safe; nothing is rebuilt while the cached snapshot is unchanged.
    """
    try:
        snapshot = load_snapshot(runtime)
    except ApiError as exc:
        log.warning(
            "fluent_connect.settings.unavailable", extra={"error": str(exc)[:300]}
        )
        snapshot = None
    with _lock:
        base = base_config(runtime)
        applied = runtime.__dict__.get(APPLIED)
        if (
            applied is not None
            and applied[0] is base
            and applied[2] is snapshot
            and runtime.config is applied[1]
        ):
            return snapshot
        built = base
        if snapshot is not None:
            check_account(base, snapshot)
            built = apply(base, snapshot)[0]
        runtime.env_config = base
        runtime.config = built
        runtime.__dict__[APPLIED] = (base, built, snapshot)
    return snapshot


def check_at_start(runtime: Services) -> None:
    """Worker start: an account-mapping mismatch stops the process (SystemExit naming
    both values); Fluent being unreachable does not. Uses its own short-lived client,
    so nothing with open sockets is inherited by forked pool children."""
    from connector.clients.fluent import FluentClient

    base = base_config(runtime)
    opts = options(base)
    if not opts.read_settings or not fluent_ready(base):
        return
    client = FluentClient.from_config(base, "Fluent settings check", timeout=10.0)
    try:
        snapshot = fs.load(client, 0)
        check_account(base, snapshot)
    except ApiError as exc:
        log.warning(
            "fluent_connect.settings.unavailable", extra={"error": str(exc)[:300]}
        )
    except ConfigError as exc:
        log.critical("fluent_connect.account.mismatch", extra={"error": str(exc)})
        raise SystemExit(f"error: {exc}") from None
    finally:
        client.session.close()
