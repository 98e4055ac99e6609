"""An API client's request sent on requests' urllib3 connection pool, without the rest
of requests' per-request machinery.

Why: against a nearby server an API call cost ~310 µs of client CPU through requests
(``PreparedRequest`` headers, body and auth steps, ``HTTPAdapter.send`` looking up the
pool and re-applying TLS settings, ``build_response`` with its cookie jar, the body
read through ``iter_content``), ~190 µs through urllib3's ``urlopen`` alone
(micro-benchmark, CT sandbox GET); the event path makes three per message.

What ``DirectSend`` does, per call, is what ``ApiClient.send`` did through requests:
the URL is requests' (``PreparedRequest.prepare_url``: parameter encoding, quoting,
IDNA); the headers are the session's, then ``Content-Type`` and ``Content-Length`` as
``prepare_body`` sets them, then the bearer token as ``TokenAuth`` sets it; the pool is
the adapter's (its pool manager, the pool-key attributes computed once per host, its
TLS settings applied by ``cert_verify``); ``urlopen`` gets the adapter's arguments (no
redirects, its retry setting, connect and read timeouts); urllib3's exceptions become
the exceptions ``HTTPAdapter.send`` and ``Response.content`` raise for them
(``requests_error``, ``body_error``). The answer is an ``Answer`` (status, headers,
body, encoding) that becomes a ``requests.Response`` where requests' own reading is
wanted (error bodies, JSON orjson leaves to requests).

``ApiClient.send`` falls back to requests for anything this does not cover
(``DirectSend.usable``): an adapter other than requests' own ``HTTPAdapter`` (a mounted
subclass, or ``HTTPAdapter.send`` replaced, as the ``responses`` library does in
tests), an auth object other than ``TokenAuth``, a proxy for the URL, a client
certificate, streaming, credentials in the URL, or a JSON body only requests encodes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    InvalidHeader,
    InvalidURL,
    ProxyError,
    ReadTimeout,
    RetryError,
    SSLError,
)
from requests.structures import CaseInsensitiveDict
from requests.utils import select_proxy
from urllib3 import BaseHTTPResponse, HTTPConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import InvalidHeader as _InvalidHeader
from urllib3.exceptions import ProxyError as _ProxyError
from urllib3.exceptions import SSLError as _SSLError
from urllib3.util import Timeout

_REQUESTS_SEND = HTTPAdapter.send


@dataclass(slots=True)
class Answer:
    """An HTTP answer read to the end: what ``ApiClient.request`` reads of it, and the
    ``requests.Response`` requests would have returned (``response()``)."""

    status_code: int
    headers: Any  # urllib3's HTTPHeaderDict (case-insensitive)
    content: bytes
    encoding: str | None
    reason: str | None
    url: str

    def response(self) -> requests.Response:
        resp = requests.Response()
        resp.status_code = self.status_code
        resp.headers = CaseInsensitiveDict(self.headers)
        resp.encoding = self.encoding
        resp.reason = self.reason or ""
        resp.url = self.url
        resp._content = self.content
        return resp


class DirectSend:
    """Per client: the adapter's pool-key attributes by (scheme, host:port, verify)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attributes: dict[tuple[str, str, Any], Any] = {}

    @staticmethod
    def usable(adapter: Any, settings: dict[str, Any], url: str) -> bool:
        """Whether ``send`` sends what the adapter would (see the module doc)."""
        if (
            type(adapter) is not HTTPAdapter
            or HTTPAdapter.send is not _REQUESTS_SEND
            or settings.get("stream")
            or settings.get("cert") is not None
            or "@" in url.partition("://")[2].split("/", 1)[0]
        ):
            return False
        proxies = settings.get("proxies")
        return not (proxies and select_proxy(url, proxies) is not None)

    def send(
        self,
        adapter: Any,
        prep: requests.PreparedRequest,
        headers: dict[str, Any],
        body: bytes | None,
        timeout: float,
        verify: Any,
    ) -> Answer:
        """One exchange on the adapter's pool; ``prep`` holds the method and the URL
        (requests' ``prepare_method`` / ``prepare_url``), ``headers`` all headers."""
        url = str(prep.url)
        pool = self._pool(adapter, prep, url, verify)
        try:
            raw = pool.urlopen(
                method=str(prep.method),
                url=prep.path_url,
                body=body,
                headers=headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=adapter.max_retries,
                timeout=Timeout(connect=timeout, read=timeout),
                chunked=False,
            )
        except Exception as exc:
            mapped = requests_error(exc, prep)
            if mapped is exc:
                raise
            raise mapped from None
        content = read_body(raw)
        rheaders = raw.headers
        return Answer(
            raw.status,
            rheaders,
            content,
            requests.utils.get_encoding_from_headers(rheaders),  # type: ignore[arg-type]
            raw.reason,
            url,
        )

    def _pool(
        self,
        adapter: HTTPAdapter,
        prep: requests.PreparedRequest,
        url: str,
        verify: Any,
    ) -> HTTPConnectionPool:
        """The pool ``adapter.send`` uses for ``url`` without a proxy: the adapter's
        pool manager asked on every call (a closed or evicted pool is replaced as for
        the adapter), with the pool key's attributes (URL parsing, TLS context)
        computed once per (scheme, host:port, verify); TLS settings applied per call
        (``cert_verify``), as the adapter does."""
        scheme, _, rest = url.partition("://")
        key = (scheme.lower(), rest.split("/", 1)[0].split("?", 1)[0], verify)
        attributes = self._attributes.get(key)
        if attributes is None:
            try:
                attributes = adapter.build_connection_pool_key_attributes(
                    prep, verify, None
                )
            except ValueError as exc:
                raise InvalidURL(exc, request=prep) from None
            with self._lock:
                self._attributes[key] = attributes
        host_params, pool_kwargs = attributes
        try:
            pool = adapter.poolmanager.connection_from_host(
                **host_params, pool_kwargs=pool_kwargs
            )
        except LocationValueError as exc:
            raise InvalidURL(exc, request=prep) from None
        adapter.cert_verify(pool, url, verify, None)
        return pool


def read_body(raw: BaseHTTPResponse) -> bytes:
    """The whole (decoded) body, as ``Response.content`` reads it, with its
    exceptions; the connection goes back to the pool once the body is read."""
    try:
        return raw.read(decode_content=True)
    except Exception as exc:
        mapped = body_error(exc)
        if mapped is exc:
            raise
        raise mapped from None


def body_error(exc: Exception) -> Exception:
    """The exception ``Response.iter_content`` raises for ``exc`` read from urllib3."""
    if isinstance(exc, ProtocolError):
        return ChunkedEncodingError(exc)
    if isinstance(exc, DecodeError):
        return ContentDecodingError(exc)
    if isinstance(exc, ReadTimeoutError):
        return ConnectionError(exc)
    if isinstance(exc, _SSLError):
        return SSLError(exc)
    return exc


def requests_error(exc: Exception, prep: requests.PreparedRequest) -> Exception:
    """The exception ``HTTPAdapter.send`` raises for ``exc`` from ``urlopen`` (the same
    classes in the same order; anything else unchanged)."""
    if isinstance(exc, (ProtocolError, OSError)):
        return ConnectionError(exc, request=prep)
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(
            reason, NewConnectionError
        ):
            return ConnectTimeout(exc, request=prep)
        if isinstance(reason, ResponseError):
            return RetryError(exc, request=prep)
        if isinstance(reason, _ProxyError):
            return ProxyError(exc, request=prep)
        if isinstance(reason, _SSLError):
            return SSLError(exc, request=prep)
        return ConnectionError(exc, request=prep)
    if isinstance(exc, ClosedPoolError):
        return ConnectionError(exc, request=prep)
    if isinstance(exc, _ProxyError):
        return ProxyError(exc)
    if isinstance(exc, _SSLError):
        return SSLError(exc, request=prep)
    if isinstance(exc, ReadTimeoutError):
        return ReadTimeout(exc, request=prep)
    if isinstance(exc, _InvalidHeader):
        return InvalidHeader(exc, request=prep)
    return exc
