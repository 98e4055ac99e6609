"""API failures, each flagged transient (worth retrying) or permanent.

Timeouts, connection errors, 429 and 5xx are transient; commercetools 409
(ConcurrentModification) is transient too. Other 4xx are permanent.
"""

from __future__ import annotations

from typing import Any

from connector.errors import ConnectorError


class ApiError(ConnectorError):
    """An API call failed. ``transient`` says whether retrying may help."""

    transient = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        service: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.service = service
        self.retry_after = retry_after


class TransientApiError(ApiError):
    transient = True


class ApiTimeout(TransientApiError):
    """The request timed out or the connection failed."""


class RateLimited(TransientApiError):
    """HTTP 429."""


class ServerError(TransientApiError):
    """HTTP 5xx."""


class ConcurrentModification(TransientApiError):
    """commercetools 409: the resource version changed; re-read and rebuild."""

    def __init__(
        self, message: str, *, current_version: int | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.current_version = current_version


class PermanentApiError(ApiError):
    transient = False


class AuthenticationError(PermanentApiError):
    """Credentials rejected (after one token refresh)."""


class NotFound(PermanentApiError):
    """HTTP 404."""


class BadRequest(PermanentApiError):
    """HTTP 400 and other 4xx: the request itself is wrong."""


class GraphQLError(PermanentApiError):
    """A GraphQL response carried `errors` (HTTP 200). ``errors`` is the raw list."""

    def __init__(self, message: str, errors: list[dict[str, Any]], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = errors
