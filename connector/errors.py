"""Errors shared across the connector: configuration problems and handler outcomes.

API failures live in ``connector.clients.errors``; this module holds what is not HTTP.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class of the connector's own errors."""


class ConfigError(ConnectorError):
    """Configuration is missing or invalid; the message names the variable or file."""


class MissingSetting(ConfigError):
    """A required setting (environment variable) is absent."""

    def __init__(self, names: list[str], purpose: str) -> None:
        self.names = names
        joined = ", ".join(names)
        super().__init__(
            f"{purpose} needs {joined} to be set (environment variable or .env file)"
        )


class PermanentError(ConnectorError):
    """A handler failure that retrying cannot fix (bad data, rejected by the target)."""


class TransientError(ConnectorError):
    """A handler failure worth retrying (timeouts, 429, 5xx, version conflicts)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
