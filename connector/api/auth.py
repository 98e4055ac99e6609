"""API-token protection for the connector's own endpoints (availability, jobs).

Tokens come from CONNECTOR_API_TOKENS (comma-separated, several for rotation); the
token is read from ``Authorization: Bearer`` or ``X-API-Token`` and compared in
constant time against each.

``register_auth_limit`` turns failed attempts beyond the limit into 429 answers on every
endpoint (connector/ratelimit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, jsonify, request

from connector.inbound.verifiers import bearer_token, token_matches
from connector.ratelimit import FailedAuthLimiter

F = TypeVar("F", bound=Callable[..., Any])


def require_token(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tokens = current_app.extensions["connector"].config.api_tokens
        if not tokens:
            return jsonify(
                error="unauthorized",
                message="no API token configured (CONNECTOR_API_TOKENS)",
            ), 401
        if not token_matches(bearer_token(request.headers), tokens):
            response = jsonify(
                error="unauthorized", message="missing or invalid API token"
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, 401
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def register_auth_limit(app: Flask) -> None:
    """Count every 401 against its client; beyond the limit answer 429 instead."""
    config = app.extensions["connector"].config
    limiter = FailedAuthLimiter(
        config.redis_url, config.redis_key_prefix, limit=config.auth_failures_per_minute
    )
    app.extensions["auth_limiter"] = limiter

    @app.after_request
    def limit_failed_auth(response: Response) -> Response:
        if response.status_code != 401:
            return response
        limited = failed_auth_answer(limiter, request.remote_addr)
        if limited is None:
            return response
        body, headers = limited
        answer = jsonify(body)
        answer.status_code = 429
        answer.headers.update(headers)
        return answer

    app.extensions["auth_limit_hook"] = (
        limit_failed_auth  # mirrored by the webhook layer
    )


def failed_auth_answer(
    limiter: FailedAuthLimiter, remote_addr: str | None
) -> tuple[dict[str, str], dict[str, str]] | None:
    """Count one 401 against its client: the 429's (body, headers) when the client is
    over the limit, else None (the 401 stands). Flask's hook above and the webhook
    layer in front of Flask (connector/webhooks/fastpath.py) both use it."""
    if not limiter.limit:
        return None
    wait = limiter.failed(remote_addr or "unknown")
    if wait is None:
        return None
    return (
        {
            "error": "too_many_requests",
            "message": "too many failed authentication attempts; retry later",
        },
        {"Retry-After": str(int(wait))},
    )
