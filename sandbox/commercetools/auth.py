"""OAuth of the commercetools sandbox: the client-credentials token endpoint and bearer checks.

Owns ``POST /oauth/token`` (Basic auth; ``grant_type``/``scope`` as query parameters or form
body, reference §1), ``POST /oauth/introspect``, token expiry and scope checks per endpoint
(403 ``insufficient_scope``). It does not know about resources beyond the scope names.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from dataclasses import dataclass

from flask import Request

from .errors import CtError, oauth_error

TOKEN_LIFETIME_S = 172_800

# Scope names the sandbox knows (reference §1); anything else is invalid_scope.
KNOWN_SCOPES = frozenset(
    {
        "manage_project",
        "view_project_settings",
        "manage_project_settings",
        "view_products",
        "manage_products",
        "view_published_products",
        "view_categories",
        "manage_categories",
        "view_channels",
        "manage_channels",
        "view_orders",
        "manage_orders",
        "view_customers",
        "manage_customers",
        "view_states",
        "manage_states",
        "view_types",
        "manage_types",
        "view_shipping_methods",
        "manage_shipping_methods",
        "view_tax_categories",
        "manage_tax_categories",
        "view_messages",
        "manage_subscriptions",
        "view_import_containers",
        "manage_import_containers",
    }
)


@dataclass
class Token:
    value: str
    client_id: str
    scopes: frozenset[str]  # scope names without the project key
    scope_text: str
    expires_at: float


class Auth:
    """API clients, issued tokens and the scope rules of the sandbox project."""

    def __init__(self, project_key: str, client_id: str, client_secret: str) -> None:
        self.project_key = project_key
        self.clients = {client_id: client_secret}
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def expire(self, value: str | None = None) -> int:
        """Invalidate one token (or all when ``value`` is None) to exercise refresh-on-401.

        Returns how many tokens were expired.
        """
        with self._lock:
            tokens = (
                list(self._tokens.values())
                if value is None
                else [t for t in (self._tokens.get(value),) if t is not None]
            )
            for token in tokens:
                token.expires_at = 0.0
            return len(tokens)

    def issue(self, request: Request) -> dict[str, object]:
        client_id = self._client(request)
        # spec: query parameters; OAuth clients send a form body [I]: accept both
        grant = request.args.get("grant_type") or request.form.get("grant_type")
        if grant is None:
            raise oauth_error(
                400, "invalid_request", "Missing required parameter: grant_type."
            )
        if grant != "client_credentials":
            raise oauth_error(
                400, "unsupported_grant_type", f"Unsupported grant type '{grant}'."
            )
        scope_text = request.args.get("scope") or request.form.get("scope") or ""
        requested = scope_text.split() or [f"manage_project:{self.project_key}"]
        names = set()
        for item in requested:
            name, _, project = item.partition(":")
            if name not in KNOWN_SCOPES or project != self.project_key:
                raise oauth_error(400, "invalid_scope", f"Invalid scope: {item}.")
            names.add(name)
        value = secrets.token_urlsafe(24)
        text = " ".join(requested)
        with self._lock:
            self._tokens[value] = Token(
                value, client_id, frozenset(names), text, time.time() + TOKEN_LIFETIME_S
            )
        return {
            "access_token": value,
            "expires_in": TOKEN_LIFETIME_S,
            "scope": text,
            "token_type": "Bearer",
        }

    def _client(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        message = (
            "Please provide valid client credentials using HTTP Basic Authentication."
        )
        if scheme.lower() != "basic" or not encoded:
            raise oauth_error(401, "invalid_client", message)
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise oauth_error(401, "invalid_client", message) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep or self.clients.get(client_id) != secret:
            raise oauth_error(401, "invalid_client", message)
        return client_id

    def introspect(self, request: Request) -> dict[str, object]:
        self._client(request)
        value = request.args.get("token") or request.form.get("token") or ""
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.expires_at <= time.time():
            return {"active": False}
        return {
            "active": True,
            "scope": token.scope_text,
            "exp": int(token.expires_at * 1000),
        }

    def check_bearer(self, request: Request) -> Token:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise oauth_error(401, "invalid_token", "Missing access token.")
        with self._lock:
            token = self._tokens.get(value.strip())
        if token is None or token.expires_at <= time.time():
            raise oauth_error(
                401, "invalid_token", "The provided access token is invalid."
            )
        return token


def check_scope(
    token: Token, view: tuple[str, ...], manage: tuple[str, ...], write: bool
) -> None:
    """403 unless the token holds manage_project or one of the fitting scopes."""
    if "manage_project" in token.scopes:
        return
    allowed = manage if write else view + manage
    if token.scopes.intersection(allowed):
        return
    message = (
        "Insufficient scope. One of the following scopes is missing: "
        + ", ".join(allowed)
        + "."
    )
    err = CtError(403, "insufficient_scope", message)
    err.oauth_error = "insufficient_scope"
    raise err
