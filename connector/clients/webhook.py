"""Plain HTTP POSTs to configured URLs (external_out deliveries, notification channels).

``WebhookClient.post`` sends one request and maps failures to ``ApiError``s (timeouts,
connection errors, 408/425/429/5xx transient; other 4xx permanent); no retry loop here.

SSRF rule (``AddressPolicy``): with a policy, every connection (the first request and
every redirect hop) resolves the host, checks EVERY resolved address and refuses the
whole host if one of them is loopback, private, link-local, multicast, reserved,
unspecified or shared (CGNAT) space, unless it is inside an allow-listed network or the
host name is allow-listed. The socket is then connected to one of the addresses that
were checked (no second DNS lookup, so DNS rebinding cannot slip past the check), and
environment proxies are ignored. A refusal raises ``AddressRefused`` before any packet
is sent to the refused address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from connector.clients.base import parse_retry_after
from connector.clients.errors import (
    ApiTimeout,
    BadRequest,
    PermanentApiError,
    RateLimited,
    ServerError,
)
from connector.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
TRANSIENT_4XX = (408, 425, 429)
MAX_REDIRECTS = 3
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class AddressRefused(PermanentApiError):
    """The URL's host resolves to an address the SSRF policy refuses."""


class _Refused(Exception):
    """Raised inside urllib3 (not an OSError, so nothing wraps or retries it)."""


def forbidden_reason(addr: IPAddress) -> str | None:
    """Why ``addr`` is not a public unicast address, or None if it is one."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return forbidden_reason(addr.ipv4_mapped)
    for attr, reason in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(addr, attr):
            return reason
    if isinstance(addr, ipaddress.IPv4Address) and addr in CGNAT:
        return "shared (CGNAT)"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which destination addresses outbound POSTs may reach (see module docstring)."""

    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_options(
        cls, networks: Iterable[str] = (), hosts: Iterable[str] = ()
    ) -> AddressPolicy:
        """Build from config lists; ConfigError names a malformed entry."""
        parsed: list[IPNetwork] = []
        for entry in networks:
            try:
                parsed.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"allow_networks: {entry!r} is not an IP address or network"
                ) from None
        return cls(tuple(parsed), frozenset(h.strip().lower() for h in hosts))

    def check_address(self, addr: IPAddress) -> str | None:
        """None if ``addr`` may be reached, else the refusal reason."""
        reason = forbidden_reason(addr)
        if reason is None:
            return None
        plain = addr.ipv4_mapped if isinstance(addr, ipaddress.IPv6Address) else None
        for net in self.allow_networks:
            if addr in net or (plain is not None and plain in net):
                return None
        return f"{addr} is {reason}"

    def resolve(self, host: str, port: int) -> list[tuple[Any, ...]]:
        """getaddrinfo results for ``host`` if every address passes; else _Refused."""
        name = host.strip("[]").rstrip(".").lower()
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise  # urllib3 turns it into a (transient) name resolution error
        if not infos:
            raise _Refused(f"{name} does not resolve")
        if name in self.allow_hosts:
            return infos
        for info in infos:
            addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            reason = self.check_address(addr)
            if reason:
                raise _Refused(f"refused {name}: {reason} (not allow-listed)")
        return infos


class _GuardedMixin:
    policy: AddressPolicy
    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        infos = self.policy.resolve(self._dns_host, self.port)
        original = self._dns_host
        last: Exception | None = None
        try:
            for info in infos:
                self._dns_host = info[4][0]  # connect to the checked address only
                try:
                    return super()._new_conn()  # type: ignore[misc, no-any-return]
                except OSError as exc:  # urllib3 errors: try the next address
                    last = exc
        finally:
            self._dns_host = original
        assert last is not None
        raise last


def _guarded_adapter(policy: AddressPolicy) -> HTTPAdapter:
    http_conn = type("GuardedHTTPConnection", (_GuardedMixin, HTTPConnection), {})
    https_conn = type("GuardedHTTPSConnection", (_GuardedMixin, HTTPSConnection), {})
    http_conn.policy = https_conn.policy = policy  # type: ignore[attr-defined]
    http_pool = type("GuardedHTTPPool", (HTTPConnectionPool,), {})
    https_pool = type("GuardedHTTPSPool", (HTTPSConnectionPool,), {})
    http_pool.ConnectionCls = http_conn  # type: ignore[attr-defined]
    https_pool.ConnectionCls = https_conn  # type: ignore[attr-defined]
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {
        "http": http_pool,
        "https": https_pool,
    }
    return adapter


@dataclass(frozen=True)
class PostResult:
    status: int
    text: str


def check_webhook_url(url: str, what: str = "url") -> str:
    """Require an http(s) URL with a host (the address check happens at send time)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be an http(s) URL")
    return url


class WebhookClient:
    """One session; ``policy`` None means no address check (operator-trusted URLs)."""

    service = "webhook"

    def __init__(
        self, *, policy: AddressPolicy | None = None, timeout: float = 10.0
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.session = requests.Session()
        if policy is not None:
            self.session.trust_env = False  # a proxy would bypass the address check
            adapter = _guarded_adapter(policy)
        else:
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def post(
        self,
        url: str,
        *,
        data: bytes | Mapping[str, str] | str,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        auth: tuple[str, str] | None = None,
    ) -> PostResult:
        """POST once; 2xx -> PostResult, else an ApiError (``transient`` flag set).

        Only 307/308 redirects are followed (they keep the method and body), at most
        MAX_REDIRECTS, each hop checked by the address policy; 301/302/303 would turn
        the POST into a GET and are errors.
        """
        where = _describe(url)
        for _hop in range(MAX_REDIRECTS + 1):
            resp = self._send(url, where, data, headers, timeout, auth)
            status = resp.status_code
            location = resp.headers.get("Location")
            if status not in (307, 308) or not location:
                break
            url = urljoin(url, location)
            where = _describe(url)
        else:
            raise BadRequest(
                f"POST {where}: more than {MAX_REDIRECTS} redirects",
                service=self.service,
            )
        text = resp.text[:500]
        if status < 300:
            return PostResult(status, text)
        message = f"POST {where} -> {status}"
        kw: dict[str, Any] = {"status": status, "body": text, "service": self.service}
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(message, retry_after=retry_after, **kw)
        if status >= 500 or status in TRANSIENT_4XX:
            raise ServerError(message, retry_after=retry_after, **kw)
        raise BadRequest(message, **kw)

    def _send(
        self,
        url: str,
        where: str,
        data: bytes | Mapping[str, str] | str,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        auth: tuple[str, str] | None,
    ) -> requests.Response:
        try:
            return self.session.post(
                url,
                data=data,
                headers=dict(headers or {}),
                timeout=timeout or self.timeout,
                auth=auth,
                allow_redirects=False,
            )
        except _Refused as exc:
            raise AddressRefused(str(exc), service=self.service) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            refused = _find_refusal(exc)
            if refused is not None:
                raise AddressRefused(str(refused), service=self.service) from None
            raise ApiTimeout(
                f"POST {where}: {type(exc).__name__}", service=self.service
            ) from None
        except requests.RequestException as exc:
            raise BadRequest(
                f"POST {where}: {type(exc).__name__}", service=self.service
            ) from None

    def close(self) -> None:
        self.session.close()


def _find_refusal(exc: BaseException | None) -> _Refused | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _Refused):
            return exc
        for arg in getattr(exc, "args", ()):
            if isinstance(arg, BaseException):
                found = _find_refusal(arg)
                if found:
                    return found
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _describe(url: str) -> str:
    """Scheme, host and port only: paths and queries of webhook URLs hold secrets."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…"
