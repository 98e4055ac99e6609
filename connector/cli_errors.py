"""What the CLI prints when something fails, and how it shows log records.

``describe_failure`` turns the errors an operator can cause or meet (a bad setting, a
database or broker that refuses, an API that is unreachable) into ONE line naming the
variable or the host (passwords masked) and an exit code: 2 for configuration, 1 for
a runtime failure. Anything else is a bug and keeps its traceback. ``HumanLogHandler``
renders ``area.thing.outcome`` log events as words with their ids, on stderr.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import click

from connector.errors import ConfigError
from connector.urls import host_of, mask

CONFIG = 2
RUNTIME = 1
_EVENT = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_DB_CONFIG_HINTS = (
    "does not exist",
    "authentication failed",
    "password",
    "role",
    "no password supplied",
    "unable to open database file",
)
_HOST = re.compile(r"host='([^']+)', port=(\d+)")


def database_label() -> str:
    """Which database the CLI used, safe to print."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "the embedded SQLite store (DATABASE_URL is not set)"
    return f"DATABASE_URL ({host_of(url)})"


def broker_label() -> str:
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        url = os.environ.get(name)
        if url:
            return f"{name} ({host_of(url)})"
    return "the embedded broker"


def _first_line(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    if "FATAL:" in text:
        text = text.split("FATAL:", 1)[1]
    return " ".join(text.split())[:300]


def _database(exc: Exception) -> tuple[int, str]:
    orig = getattr(exc, "orig", None) or exc
    reason = _first_line(str(orig))
    if "Connection refused" in str(orig):
        reason = "connection refused"
    code = CONFIG if any(h in reason for h in _DB_CONFIG_HINTS) else RUNTIME
    return code, f"database error at {database_label()}: {reason}"


def _api(exc: Exception) -> tuple[int, str]:
    text = str(exc)
    service = getattr(exc, "service", "") or "API"
    found = _HOST.search(text)
    status = getattr(exc, "status", None)
    auth = "auth" in service
    variable = (
        ("CTP_AUTH_URL" if auth else "CTP_API_URL")
        if service.startswith("commercetools")
        else "FLUENT_API_URL"
        if service.startswith("fluent")
        else ""
    )
    hint = f"; check {variable}" if variable else ""
    if found or status is None:
        where = f" at {found.group(1)}:{found.group(2)}" if found else ""
        reason = "connection refused" if "refused" in text else text.split(":")[0]
        return RUNTIME, f"{service} API unreachable{where}: {reason}{hint}"
    return RUNTIME, f"{service} API error (HTTP {status}): {_first_line(text)}"


def describe_failure(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for an expected failure, None for a bug."""
    if isinstance(exc, ConfigError):
        return CONFIG, str(exc)
    from kombu.exceptions import OperationalError as KombuOperationalError
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    from connector.clients.errors import ApiError

    if isinstance(exc, ApiError):
        return _api(exc)
    if isinstance(exc, DBAPIError):
        return _database(exc)
    if isinstance(exc, NoSuchModuleError):
        return CONFIG, f"DATABASE_URL: {exc}"
    if isinstance(exc, (KombuOperationalError, ConnectionError)):
        reason = (
            "connection refused" if "refused" in str(exc) else _first_line(str(exc))
        )
        return RUNTIME, f"cannot reach the broker at {broker_label()}: {reason}"
    return None


# -- logging --------------------------------------------------------------------------
class HumanLogHandler(logging.Handler):
    """One readable line per record on the current stderr (click's, in tests)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # never let logging break a command
            self.handleError(record)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if _EVENT.fullmatch(message):
            message = message.replace(".", " ").replace("_", " ")
        extra = {
            k: v for k, v in record.__dict__.items() if k not in _STANDARD and v != ""
        }
        details = ", ".join(f"{k}={_short(v)}" for k, v in extra.items())
        line = f"{record.levelname.lower()}: {message}"
        return f"{line} ({details})" if details else line


def _short(value: Any) -> str:
    text = mask(value) if isinstance(value, str) and "://" in value else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def configure_cli_logging(verbose: bool = False) -> None:
    """Show errors (``-v``: info and up) of the ``connector`` loggers as words.

    Only the handler's level is set, so tests capturing logs are unaffected.
    """
    logger = logging.getLogger("connector")
    handler = next((h for h in logger.handlers if isinstance(h, HumanLogHandler)), None)
    if handler is None:
        handler = HumanLogHandler()
        logger.addHandler(handler)
    handler.setLevel(logging.INFO if verbose else logging.ERROR)
    if verbose and logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    from connector import logs

    logs._configured = True  # the CLI's handler replaces the app's own
