"""Checks and safe display of the service URLs (``DATABASE_URL``, the broker URL).

A URL that cannot work (not a URL, a misspelt or unsupported scheme) is a ConfigError
naming the variable, raised when the configuration is built, before anything connects.
Displayed URLs never show a password. Must not connect to anything.
"""

from __future__ import annotations

import difflib
from urllib.parse import urlsplit

from connector.errors import ConfigError

DATABASE_SCHEMES = ("postgresql", "postgres", "sqlite")


def mask(url: str) -> str:
    """``url`` with any password replaced by ``***`` (unparseable: the scheme only)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc[-1]}").geturl()


def host_of(url: str) -> str:
    """``host:port`` of a URL (or its path for SQLite), for one-line messages."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    if parts.hostname:
        return f"{parts.hostname}:{port}" if port else parts.hostname
    return parts.path or url


def _scheme_hint(scheme: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(scheme, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}://?)" if close else ""


def check_database_url(url: str, variable: str = "DATABASE_URL") -> None:
    """ConfigError unless ``url`` is a PostgreSQL or SQLite SQLAlchemy URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"{variable} is not a database URL: {mask(url)!r} (expected "
            "postgresql://user:password@host:5432/name or sqlite:///path/to/file.db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in DATABASE_SCHEMES:
        raise ConfigError(
            f"{variable}: unsupported database {backend!r} in {mask(url)!r}"
            f"{_scheme_hint(backend, DATABASE_SCHEMES)}; the connector supports "
            "PostgreSQL (postgresql://) and SQLite (sqlite:///)"
        )
    if backend == "postgresql" and not parsed.database:
        raise ConfigError(
            f"{variable}: no database name in {mask(url)!r} "
            "(postgresql://user:password@host:5432/<name>)"
        )


def check_broker_url(url: str, variable: str) -> None:
    """ConfigError unless ``url`` has a scheme one of kombu's transports serves."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        scheme = ""
    if not scheme or "://" not in url:
        raise ConfigError(
            f"{variable} is not a broker URL: {mask(url)!r} "
            "(expected redis://host:6379/0 or amqp://user:password@host:5672//)"
        )
    from kombu.transport import TRANSPORT_ALIASES

    transports = tuple(sorted(TRANSPORT_ALIASES))
    if scheme.split("+")[0] not in transports:
        raise ConfigError(
            f"{variable}: unsupported broker scheme {scheme!r} in {mask(url)!r}"
            f"{_scheme_hint(scheme, transports)}"
        )
