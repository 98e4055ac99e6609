"""API-token protection for the connector's own endpoints (availability, jobs).

Tokens come from CONNECTOR_API_TOKENS (comma-separated, several for rotation); the
token is read from ``Authorization: Bearer`` or ``X-API-Token`` and compared in
constant time against each.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, jsonify, request

from connector.inbound.verifiers import bearer_token, token_matches

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
