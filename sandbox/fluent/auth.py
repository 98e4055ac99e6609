"""Fluent's OAuth endpoint (password and refresh grants) and the Bearer check.

``POST /oauth/token`` accepts its parameters as a form body or as query parameters (both
work on Fluent, reference §2). Error bodies follow Fluent's documented examples: bad user
credentials answer 400 ``{"error": "invalid_grant", "error_description": "Bad
credentials"}``; a reused refresh token 400 ``invalid_grant`` / ``Invalid refresh token``;
every other call without a valid token answers 401 with Fluent's ``errors`` body.
Tokens survive ``/_sandbox/reset`` so long-lived clients keep working across tests.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request

from .. import defaults
from ..common import CONTROL_PREFIX

DEFAULT_EXPIRES_IN = 86400


@dataclass
class Credentials:
    client_id: str = defaults.FLUENT_CLIENT_ID
    client_secret: str = defaults.FLUENT_CLIENT_SECRET
    username: str = defaults.FLUENT_USERNAME
    password: str = defaults.FLUENT_PASSWORD
    retailer_id: str = defaults.FLUENT_RETAILER_ID


class TokenStore:
    """Issued access and refresh tokens (refresh tokens are single-use)."""

    def __init__(self, expires_in: int = DEFAULT_EXPIRES_IN) -> None:
        self._lock = threading.Lock()
        self.expires_in = expires_in
        self.refresh_enabled = True
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self.issued = 0

    def reset_settings(self) -> None:
        """Default lifetime and refresh behaviour; issued tokens stay valid."""
        with self._lock:
            self.expires_in = DEFAULT_EXPIRES_IN
            self.refresh_enabled = True

    def issue(self) -> tuple[str, int, str | None]:
        token = secrets.token_hex(16)
        with self._lock:
            self._access[token] = time.time() + self.expires_in
            refresh = secrets.token_hex(16) if self.refresh_enabled else None
            if refresh:
                self._refresh.add(refresh)
            self.issued += 1
            return token, self.expires_in, refresh

    def use_refresh(self, refresh: str) -> bool:
        with self._lock:
            if refresh in self._refresh:
                self._refresh.discard(refresh)
                return True
            return False

    def check(self, token: str) -> str:
        """``"ok"``, ``"expired"`` or ``"unknown"``."""
        with self._lock:
            expires = self._access.get(token)
        if expires is None:
            return "unknown"
        return "ok" if time.time() < expires else "expired"

    def expire(self, token: str | None = None) -> int:
        """Expire one access token, or every token (and refresh token) if None."""
        with self._lock:
            if token is not None:
                if token not in self._access:
                    return 0
                self._access[token] = 0.0
                return 1
            for known in self._access:
                self._access[known] = 0.0
            self._refresh.clear()
            return len(self._access)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            now = time.time()
            live = sum(1 for t in self._access.values() if t > now)
            return {
                "expires_in": self.expires_in,
                "refresh_tokens": self.refresh_enabled,
                "issued": self.issued,
                "live": live,
            }


def _oauth_error(status: int, error: str, description: str) -> tuple[Response, int]:
    return jsonify({"error": error, "error_description": description}), status


def _token_response(tokens: TokenStore, creds: Credentials) -> tuple[Response, int]:
    token, expires_in, refresh = tokens.issue()
    retailer: Any = (
        int(creds.retailer_id) if creds.retailer_id.isdigit() else creds.retailer_id
    )
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": "api",
        "Retailer_id": retailer,
        "FirstName": "Sandbox",
        "LastName": "Integration",
        "Roles": ["RETAILER"],
    }
    if refresh:
        body["refresh_token"] = refresh
    return jsonify(body), 200


def auth_blueprint(tokens: TokenStore, creds: Credentials) -> Blueprint:
    bp = Blueprint("fluent_oauth", __name__)

    @bp.post("/oauth/token")
    def token() -> tuple[Response, int]:
        params = {**request.args.to_dict(), **request.form.to_dict()}
        grant = params.get("grant_type", "")
        if grant not in ("password", "refresh_token"):
            return _oauth_error(
                400, "unsupported_grant_type", f"Unsupported grant type: {grant}"
            )
        if (params.get("client_id"), params.get("client_secret")) != (
            creds.client_id,
            creds.client_secret,
        ):
            return _oauth_error(401, "invalid_client", "Bad client credentials")
        if grant == "refresh_token":
            if not tokens.use_refresh(params.get("refresh_token", "")):
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
            return _token_response(tokens, creds)
        if params.get("scope", "api") != "api":
            return _oauth_error(
                400, "invalid_scope", f"Invalid scope: {params['scope']}"
            )
        if (params.get("username"), params.get("password")) != (
            creds.username,
            creds.password,
        ):
            return _oauth_error(400, "invalid_grant", "Bad credentials")
        return _token_response(tokens, creds)

    return bp


def install_bearer_check(app: Flask, tokens: TokenStore) -> None:
    """Require a valid Bearer token everywhere except /oauth/token and /_sandbox."""

    @app.before_request
    def _require_bearer() -> tuple[Response, int] | None:
        path = request.path
        if path.startswith(CONTROL_PREFIX) or path == "/oauth/token":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        state = tokens.check(value.strip()) if scheme.lower() == "bearer" else "unknown"
        if state == "ok":
            return None
        if state == "expired":
            resp = jsonify(
                {"error": "invalid_token", "error_description": "Access token expired"}
            )
        else:
            resp = jsonify(
                {
                    "errors": [
                        {
                            "code": "401",
                            "message": "Invalid user, Authorization header value "
                            "does not belong to a valid user",
                        }
                    ]
                }
            )
        resp.headers["WWW-Authenticate"] = 'Bearer realm="oauth", error="invalid_token"'
        return resp, 401
