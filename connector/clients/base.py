"""``ApiClient``: one session, a default timeout, one ``request()`` that maps failures.

No retry loops here: retries belong to the task (STYLE.md). The one exception is a
single token refresh on 401.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from connector.clients.auth import LOOPBACK_HOSTS, TokenAuth
from connector.clients.errors import (
    ApiError,
    ApiTimeout,
    AuthenticationError,
    BadRequest,
    NotFound,
    RateLimited,
    ServerError,
)
from connector.clients.jsoncodec import decode_json, request_body
from connector.clients.transport import Answer, DirectSend
from connector.errors import ConfigError

log = logging.getLogger(__name__)

# oauthlib warns when a server narrows the scopes asked for; we accept narrowed scopes.
# (http token URLs: only on loopback, see connector/clients/auth.py.)
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


def check_url(name: str, url: str) -> str:
    """Require https except on loopback; return the URL without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"{name} must use https (http is only allowed on loopback)")
    return url.rstrip("/")


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class EnvCachedSession(requests.Session):
    """A ``requests.Session`` that reads the environment once per host, not per request.

    With ``trust_env`` (the default, kept: HTTP(S)_PROXY, NO_PROXY and
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE still apply), requests recomputes the proxy
    settings on every request by scanning all of ``os.environ`` twice
    (``urllib.request.getproxies_environment``): ~140 µs per call with 60 variables,
    the largest single cost of a handler's API call against a nearby server.

    This session asks requests itself (``super().merge_environment_settings``) once per
    (scheme, host:port) and reuses the answer. Guards against drift: the cache is used
    only for calls with requests' defaults (no per-call proxies, stream, verify or cert;
    anything else is computed afresh), the session's own settings may not change after
    the first request (``ApiClient`` sets them once, in its constructor), and a process
    does not change its proxy environment while running. ``clear_env_cache()`` forgets
    the answers (tests that change the environment).
    """

    def __init__(self) -> None:
        super().__init__()
        self._env_lock = threading.Lock()
        self._env_cache: dict[tuple[str, str], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(
                url, proxies, stream, verify, cert
            )
        text = url.decode() if isinstance(url, bytes) else str(url or "")
        parts = urlsplit(text)
        key = (parts.scheme, parts.netloc)
        cached: Any = self._env_cache.get(key)
        if cached is None:
            cached = super().merge_environment_settings(url, {}, None, None, None)
            with self._env_lock:
                self._env_cache[key] = cached
        # a fresh outer dict and proxies dict: requests may mutate what it is given
        return {**cached, "proxies": dict(cached["proxies"])}

    def clear_env_cache(self) -> None:
        with self._env_lock:
            self._env_cache.clear()


class ApiClient:
    """Base of the platform clients."""

    service = "api"

    def __init__(
        self,
        base_url: str,
        auth: TokenAuth | None,
        *,
        timeout: float = 30.0,
        pool_size: int = 16,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.session = EnvCachedSession()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        self.request_count = 0
        self._direct = DirectSend()

    def url(self, path: str) -> str:
        return (
            path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        timeout: float | None = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one request; return the decoded JSON body or raise an ``ApiError``."""
        url = self.url(path)
        for attempt in (1, 2):
            try:
                resp = self.send(method, url, params, json, timeout or self.timeout)
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,  # the body cut short
            ) as exc:
                raise ApiTimeout(
                    f"{self.service} {method} {path}: {type(exc).__name__}",
                    service=self.service,
                ) from None
            self.request_count += 1
            if resp.status_code == 401 and self.auth is not None and attempt == 1:
                self.auth.invalidate()
                continue
            break
        if resp.status_code >= 300:  # redirects are not followed (``send``)
            raise self.error_for(method, path, _response(resp))
        if not expect_json or resp.status_code == 204 or not resp.content:
            return None
        try:
            return decode_json(resp.content, resp.encoding, lambda: _response(resp))
        except ValueError:
            raise ServerError(
                f"{self.service} {method} {path}: response is not JSON",
                status=resp.status_code,
                service=self.service,
            ) from None

    def send(
        self, method: str, url: str, params: Any, json: Any, timeout: float
    ) -> requests.Response | Answer:
        """One HTTP exchange, the body read before returning: on requests' urllib3
        connection pool (the session's adapter) through ``DirectSend`` where it
        sends what requests would (clients/transport.py), else through requests.

        Either way not ``session.request``: its Session layer costs ~30 % of a
        call's client CPU (~180 µs) for things these token-authenticated JSON APIs
        do not use: the session cookie jar, response hooks, redirects
        (``resolve_redirects``) and per-call merging of settings. What stays
        requests': URL and parameter encoding, the headers (``session.headers``),
        the auth object (``TokenAuth``), the proxy/CA environment
        (``merge_environment_settings``, cached per host), the adapter's pool, TLS
        verification, timeouts and its exceptions. Guards against drift: a redirect
        is not followed, so a 3xx answer is an error (neither API redirects), and
        cookies are neither kept nor sent (neither API sets any).
        """
        prep = requests.PreparedRequest()
        headers, body = self.session.headers, None
        if json is not None and (body := request_body(json)) is not None:
            json = None  # the same JSON value, encoded by orjson (clients/jsoncodec.py)
        prep.prepare_method(method)
        prep.prepare_url(url, params)
        settings = self.session.merge_environment_settings(
            prep.url, {}, None, None, None
        )
        adapter = self.session.get_adapter(prep.url or url)
        auth = self.auth
        if (
            json is None
            and (auth is None or type(auth) is TokenAuth)
            and DirectSend.usable(adapter, settings, str(prep.url))
        ):
            # the headers ``prepare_headers``, ``prepare_body`` and ``TokenAuth`` set
            sent = dict(headers)
            if body is not None:
                if not any(k.lower() == "content-type" for k in sent):
                    sent["Content-Type"] = "application/json"
                sent["Content-Length"] = str(len(body))
            elif prep.method not in ("GET", "HEAD"):
                sent["Content-Length"] = "0"
            if auth is not None:
                sent["Authorization"] = f"Bearer {auth.token()}"
            return self._direct.send(
                adapter, prep, sent, body, timeout, settings["verify"]
            )
        if body is not None:
            headers = requests.structures.CaseInsensitiveDict(headers)
            headers.setdefault("Content-Type", "application/json")
        # ``prep.prepare`` without its cookie and hook steps (~10 % of the call's
        # client CPU: an empty cookie jar built and asked for a Cookie header on
        # every call); the same request otherwise, in requests' order
        prep.prepare_headers(headers)
        prep.prepare_body(body, None, json)
        prep.prepare_auth(auth, url)
        resp = adapter.send(prep, timeout=timeout, **settings)
        resp.content  # noqa: B018 - read now: errors surface here, the connection is freed
        return resp

    def error_for(self, method: str, path: str, resp: requests.Response) -> ApiError:
        """Translate an HTTP error response (subclasses add platform error codes)."""
        body = _json_or_text(resp)
        status = resp.status_code
        detail = self.describe_error(body)
        message = f"{self.service} {method} {path} -> {status}: {detail}"
        kw = {"status": status, "body": body, "service": self.service}
        if status == 429:
            return RateLimited(
                message,
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                **kw,
            )
        if status >= 500:
            return ServerError(
                message,
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                **kw,
            )
        if status in (401, 403):
            return AuthenticationError(message, **kw)
        if status == 404:
            return NotFound(message, **kw)
        return BadRequest(message, **kw)

    def describe_error(self, body: Any) -> str:
        if isinstance(body, dict):
            return str(body.get("message") or body.get("error_description") or body)[
                :500
            ]
        return str(body)[:500]


def _response(resp: requests.Response | Answer) -> requests.Response:
    return resp if isinstance(resp, requests.Response) else resp.response()


def _json_or_text(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text[:2000]
