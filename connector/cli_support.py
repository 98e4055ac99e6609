"""Helpers shared by the CLI commands: friendly config errors and the runtime."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from connector.config import Config
from connector.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def load_runtime(*, with_celery: bool = False, check_schema: bool = True) -> Any:
    from connector.runtime import Runtime
    from connector.store.migrate import is_current

    config = Config.from_env()
    if check_schema and not is_current(config.database_url):
        raise ConfigError(
            f"the database at DATABASE_URL is not at the latest schema; "
            f"run `connector db upgrade` first ({safe_url(config.database_url)})"
        )
    runtime = Runtime(config)
    runtime.registry  # noqa: B018 - validate routes and handlers before doing anything
    if with_celery:
        from connector.extensions import make_celery

        make_celery(runtime)
    return runtime


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
