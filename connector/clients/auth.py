"""OAuth2 token handling for both platforms, on top of requests-oauthlib.

``TokenAuth`` is a ``requests`` auth object: it fetches a token on first use, caches it,
renews it shortly before expiry, and can be invalidated after a 401 (the client then
retries once). One fetch at a time per auth object (a lock), as Fluent asks.

oauthlib refuses a plain-http token URL; the sandboxes serve http on loopback, so the
check requests-oauthlib runs before fetching a token also accepts http to a loopback
host, and nothing else (no process-wide OAUTHLIB_INSECURE_TRANSPORT).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from oauthlib.oauth2 import (
    BackendApplicationClient,
    LegacyApplicationClient,
    OAuth2Error,
    is_secure_transport,
)
from requests_oauthlib import OAuth2Session, oauth2_session

from connector.clients.errors import (
    ApiTimeout,
    AuthenticationError,
    RateLimited,
    ServerError,
)

RENEW_BEFORE_SECONDS = 60.0
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def secure_or_loopback(uri: str) -> bool:
    """https (oauthlib's own rule), or plain http to a loopback host."""
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    return loopback or bool(is_secure_transport(uri))


# requests-oauthlib checks a token URL with this name before fetching.
oauth2_session.is_secure_transport = secure_or_loopback


class TokenAuth(requests.auth.AuthBase):
    """Bearer auth with a cached token from ``fetch`` (returns the token dict)."""

    def __init__(self, fetch: Callable[[], dict[str, Any]], service: str) -> None:
        self._fetch = fetch
        self._service = service
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetch_count = 0

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                data = self._fetch_guarded()
                self._token = str(data["access_token"])
                lifetime = float(data.get("expires_in") or 3600)
                self._expires_at = time.monotonic() + max(
                    lifetime - RENEW_BEFORE_SECONDS, lifetime / 2
                )
                self.fetch_count += 1
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token()}"
        return r

    def _fetch_guarded(self) -> dict[str, Any]:
        try:
            return self._fetch()
        except OAuth2Error as exc:
            status = getattr(exc, "status_code", None)
            if status and status >= 500:
                raise ServerError(
                    f"{self._service} token endpoint: {exc}",
                    status=status,
                    service=self._service,
                ) from None
            if status == 429:
                raise RateLimited(
                    f"{self._service} token endpoint rate limited",
                    status=429,
                    service=self._service,
                ) from None
            raise AuthenticationError(
                f"{self._service} rejected the credentials: {exc.description or exc.error}",
                status=status,
                service=self._service,
            ) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise ApiTimeout(
                f"{self._service} token endpoint unreachable: {exc}",
                service=self._service,
            ) from None
        except (ValueError, KeyError) as exc:
            # oauthlib raises plain errors for non-JSON bodies (e.g. an HTML 502 page)
            raise ServerError(
                f"{self._service} token endpoint answered garbage: {exc}",
                service=self._service,
            ) from None


def client_credentials(
    token_url: str,
    client_id: str,
    client_secret: str,
    scope: str | None,
    timeout: float,
) -> Callable[[], dict[str, Any]]:
    """commercetools: client credentials with HTTP Basic auth, scope in the body."""

    def fetch() -> dict[str, Any]:
        session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
        return dict(
            session.fetch_token(
                token_url,
                auth=requests.auth.HTTPBasicAuth(client_id, client_secret),
                scope=scope.split() if scope else None,
                timeout=timeout,
                include_client_id=False,
            )
        )

    return fetch


def password_grant(
    token_url: str,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    timeout: float,
    extra_headers: dict[str, str] | None = None,
) -> Callable[[], dict[str, Any]]:
    """Fluent: password grant with client id/secret in the form body, scope ``api``."""

    def fetch() -> dict[str, Any]:
        session = OAuth2Session(client=LegacyApplicationClient(client_id=client_id))
        return dict(
            session.fetch_token(
                token_url,
                username=username,
                password=password,
                client_id=client_id,
                client_secret=client_secret,
                include_client_id=True,
                scope=["api"],
                timeout=timeout,
                headers=extra_headers,
            )
        )

    return fetch
