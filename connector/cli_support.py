"""Helpers shared by the CLI commands: one-line errors and the runtime."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from connector.cli_errors import describe_failure
from connector.config import Config
from connector.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            found = describe_failure(exc)
            if found is None:
                raise
            code, line = found
            click.echo(f"error: {line}", err=True)
            sys.exit(code)

    return wrapper  # type: ignore[return-value]


def load_runtime(*, with_celery: bool = False, check_schema: bool = True) -> Any:
    from connector.runtime import Runtime

    config = Config.from_env()
    if check_schema:
        check_schema_current(config.database_url)
    runtime = Runtime(config)
    runtime.registry  # noqa: B018 - validate routes and handlers before doing anything
    if with_celery:
        from connector.extensions import make_celery

        make_celery(runtime)
    return runtime


def check_schema_current(database_url: str) -> None:
    """ConfigError saying which store lacks which schema, and what to run."""
    import os

    from connector.store import migrate
    from connector.store.db import make_engine

    engine = make_engine(database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision(database_url)
    if current == head:
        return
    if os.environ.get("DATABASE_URL"):
        where = f"the database at DATABASE_URL ({safe_url(database_url)})"
    else:
        where = (
            f"the embedded SQLite store {database_url.removeprefix('sqlite:///')} "
            "(DATABASE_URL is not set)"
        )
    state = "has no tables yet" if current is None else f"is at {current}, not {head}"
    raise ConfigError(f"{where} {state}; run `connector db upgrade` first")


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class SyncCommand(click.Command):
    """``connector sync``, whose help lists the modules that have a batch sync."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Modules"):
            formatter.write_text(", ".join(batch_modules()) or "none enabled")
        super().format_epilog(ctx, formatter)


def batch_modules() -> list[str]:
    """Enabled modules with a batch sync (the shipped ones if the config is broken)."""
    from connector.config import DEFAULT_MODULES
    from connector.specs import load_specs

    try:
        names: tuple[str, ...] = Config.from_env().modules
    except Exception:  # help must render even with a broken configuration
        names = DEFAULT_MODULES
    try:
        return sorted(spec.name for spec in load_specs(names) if spec.batch)
    except Exception:
        return sorted(s.name for s in load_specs(DEFAULT_MODULES) if s.batch)
