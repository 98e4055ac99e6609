"""The API clients' direct send (clients/transport.py) against a real loopback server:
the same requests, answers, errors and timeouts as requests' own ``HTTPAdapter.send``,
on one kept-alive connection; and it steps aside whenever the adapter could differ."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3 import HTTPConnectionPool
from urllib3.connection import HTTPConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from connector.clients import transport
from connector.clients.auth import TokenAuth
from connector.clients.base import ApiClient
from connector.clients.errors import (
    ApiError,
    ApiTimeout,
    AuthenticationError,
    BadRequest,
    NotFound,
    RateLimited,
    ServerError,
)
from tests.support.certs import make_cert


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        self._route()

    def do_DELETE(self) -> None:  # noqa: N802
        self._route()

    def _route(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = [(k.lower(), v) for k, v in self.headers.items()]
        server.requests.append((self.command, self.path, seen, body))
        auth = self.headers.get("Authorization")
        path = self.path.split("?", 1)[0]
        if "://" in path:  # asked as a proxy: the full URL
            path = "/" + path.split("://", 1)[1].split("/", 1)[1]
        if path == "/echo":
            echo = {"method": self.command, "path": self.path, "body": body.decode()}
            self._answer(
                200, json.dumps(echo).encode(), Content_Type="application/json"
            )
        elif path == "/status":
            status = int(self.path.split("code=", 1)[1].split("&", 1)[0])
            text = json.dumps({"message": f"status {status}"}).encode()
            self._answer(status, text, Retry_After="7", Content_Type="application/json")
        elif path == "/token-once":
            if auth == "Bearer t1":
                self._answer(401, b'{"message": "expired"}')
            else:
                self._answer(200, json.dumps({"token": auth}).encode())
        elif path == "/gzip":
            packed = gzip.compress(b'{"packed": true}')
            self._answer(200, packed, Content_Encoding="gzip")
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for part in (b'{"parts": ', b"[1, 2]}"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/cut":  # promises 100 bytes, sends 10 and hangs up
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"partial"')
            self.wfile.flush()
            self.close_connection = True
        elif path == "/empty":
            self._answer(204, b"")
        elif path == "/slow":
            server.release.wait(5)
            self._answer(200, b"{}")
        else:
            self._answer(404, b'{"message": "no such path"}')


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, list[tuple[str, str]], bytes]] = []
        self.connections = 0
        self.release = threading.Event()

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def _url(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


class _Spy:
    """Counts the calls the direct send took and those it left to requests
    (``off``: leaves every call to requests, the reference behaviour)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, off: bool = False) -> None:
        self.direct = 0
        self.declined = 0
        real = transport.DirectSend.usable

        def usable(*args: Any) -> bool:
            ok = not off and real(*args)
            if ok:
                self.direct += 1
            else:
                self.declined += 1
            return ok

        monkeypatch.setattr(transport.DirectSend, "usable", staticmethod(usable))


MODES = ("direct", "adapter")


@pytest.mark.parametrize("mode", MODES)
def test_json_answers_and_one_kept_alive_connection(
    server: _Server, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    spy = _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(_url(server), None)
    for i in range(5):
        got = client.request("POST", "echo", params={"n": i}, json={"i": i, "s": "é"})
        assert got == {
            "method": "POST",
            "path": f"/echo?n={i}",
            "body": '{"i":' + str(i) + ',"s":"é"}',
        }
    assert client.request("GET", "gzip") == {"packed": True}
    assert client.request("GET", "empty") is None
    assert server.connections == 1  # never reconnected
    assert (spy.direct, spy.declined) == ((7, 0) if mode == "direct" else (0, 7))


def test_same_request_on_the_wire_as_the_adapter(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}

    def fetch() -> dict[str, Any]:
        calls["n"] += 1
        return {"access_token": "tok", "expires_in": 3600}

    client = ApiClient(_url(server), TokenAuth(fetch, "test"), headers={"X-A": "b"})

    def calls_of_each_kind() -> None:
        client.request("POST", "echo", params={"q": "a b", "l": [1, 2]}, json={"k": 1})
        client.request("GET", "echo", params={"q": "ü"})
        client.request("DELETE", "echo", params={"version": 3})  # no body
        client.request("POST", "echo")

    spy = _Spy(monkeypatch)
    calls_of_each_kind()
    assert spy.direct == 4
    direct = server.requests[:]
    server.requests.clear()
    monkeypatch.undo()
    _Spy(monkeypatch, off=True)
    calls_of_each_kind()
    assert server.requests == direct  # the same method, target, headers in order, body
    method, path, headers, body = direct[0]
    assert (method, path, body) == ("POST", "/echo?q=a+b&l=1&l=2", b'{"k":1}')
    sent = dict(headers)
    assert sent["authorization"] == "Bearer tok"
    assert sent["content-type"] == "application/json"
    assert sent["x-a"] == "b" and sent["accept"] == "application/json"
    assert dict(direct[2][2])["content-length"] == "0"
    assert calls["n"] == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("status", "error", "retry_after"),
    [
        (429, RateLimited, 7.0),
        (503, ServerError, 7.0),
        (500, ServerError, 7.0),
        (404, NotFound, None),
        (400, BadRequest, None),
        (409, BadRequest, None),
        (403, AuthenticationError, None),
        (302, BadRequest, None),  # redirects are not followed
    ],
)
def test_error_classification(
    server: _Server,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    status: int,
    error: type[ApiError],
    retry_after: float | None,
) -> None:
    _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(_url(server), None)
    with pytest.raises(ApiError) as info:
        client.request("GET", "status", params={"code": status})
    err = info.value
    assert type(err) is error
    assert err.status == status
    assert err.retry_after == retry_after
    assert str(err) == f"api GET status -> {status}: status {status}"
    assert err.transient is (status == 429 or status >= 500)


@pytest.mark.parametrize("mode", MODES)
def test_chunked_answer_and_a_body_cut_short(
    server: _Server, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(_url(server), None)
    assert client.request("GET", "chunked") == {"parts": [1, 2]}
    # the connection broke mid-body: a transient error, retried by the task
    with pytest.raises(ApiTimeout) as info:
        client.request("GET", "cut")
    assert info.value.transient and "ChunkedEncodingError" in str(info.value)
    assert client.request("GET", "chunked") == {"parts": [1, 2]}  # a new connection


@pytest.mark.parametrize("mode", MODES)
def test_401_refreshes_the_token_once(
    server: _Server, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _Spy(monkeypatch, off=mode == "adapter")
    tokens = iter(["t1", "t2"])
    auth = TokenAuth(lambda: {"access_token": next(tokens)}, "test")
    client = ApiClient(_url(server), auth)
    assert client.request("GET", "token-once") == {"token": "Bearer t2"}
    assert auth.fetch_count == 2
    assert client.request_count == 2


@pytest.mark.parametrize("mode", MODES)
def test_read_timeout_is_a_transient_api_timeout(
    server: _Server, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(_url(server), None, timeout=0.2)
    with pytest.raises(ApiTimeout) as info:
        client.request("GET", "slow")
    assert str(info.value) == "api GET slow: ReadTimeout"
    assert info.value.transient


@pytest.mark.parametrize("mode", MODES)
def test_refused_connection_is_a_transient_api_timeout(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _Spy(monkeypatch, off=mode == "adapter")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    client = ApiClient(f"http://127.0.0.1:{port}", None, timeout=2)
    with pytest.raises(ApiTimeout) as info:
        client.request("GET", "x")
    assert str(info.value) == "api GET x: ConnectionError"


def test_closed_pool_is_looked_up_again(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    client = ApiClient(_url(server), None)
    assert client.request("GET", "gzip") == {"packed": True}
    client.session.close()  # closes the adapter's pools
    assert client.request("GET", "gzip") == {"packed": True}
    assert server.connections == 2
    assert spy.direct == 2


def test_declines_a_proxied_url(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", _url(server))  # the server answers as the proxy
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    spy = _Spy(monkeypatch)
    client = ApiClient("http://api.example.com", None)
    got = client.request("GET", "echo")
    assert got["path"] == "http://api.example.com/echo"  # the proxy saw the full URL
    assert (spy.direct, spy.declined) == (0, 1)


def test_declines_other_auth_and_bodies_only_requests_encodes(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(monkeypatch)
    client = ApiClient(_url(server), None)
    got = client.request("POST", "echo", json={"none": None})  # requests encodes it
    assert json.loads(got["body"]) == {"none": None}
    client.auth = requests.auth.HTTPBasicAuth("u", "p")  # type: ignore[assignment]
    client.request("GET", "echo")
    assert dict(server.requests[-1][2])["authorization"].startswith("Basic ")
    assert spy.direct == 0  # both left to requests


def test_declines_other_adapters(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Mounted(requests.adapters.HTTPAdapter):
        pass

    spy = _Spy(monkeypatch)
    client = ApiClient(_url(server), None)
    client.session.mount("http://", Mounted())
    assert client.request("GET", "gzip") == {"packed": True}
    assert (spy.direct, spy.declined) == (0, 1)


_POOL = HTTPConnectionPool("h.example")
_CONN = HTTPConnection("h.example")


def _prep() -> requests.PreparedRequest:
    return requests.Request("GET", "http://h.example/x").prepare()


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ReadTimeoutError(_POOL, "/x", "read timed out"), requests.ReadTimeout),
        (ProtocolError("aborted"), requests.ConnectionError),
        (ConnectionResetError("reset"), requests.ConnectionError),
        (
            MaxRetryError(_POOL, "/x", ConnectTimeoutError("slow connect")),
            requests.ConnectTimeout,
        ),
        (
            MaxRetryError(_POOL, "/x", NewConnectionError(_CONN, "refused")),
            requests.ConnectionError,
        ),
    ],
)
def test_urllib3_errors_become_the_adapters_exceptions(
    raised: Exception, expected: type
) -> None:
    got = transport.requests_error(raised, _prep())
    assert type(got) is expected
    other = ValueError("not urllib3's")
    assert transport.requests_error(other, _prep()) is other


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    context, cert = make_cert(tmp_path)
    srv = _Server()
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, cert
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("mode", MODES)
def test_https_with_the_environments_ca_bundle(
    tls_server: tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    srv, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    spy = _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(f"https://localhost:{srv.server_address[1]}", None)
    for _ in range(3):
        assert client.request("GET", "gzip") == {"packed": True}
    assert srv.connections == 1
    assert spy.direct == (3 if mode == "direct" else 0)


@pytest.mark.parametrize("mode", MODES)
def test_https_untrusted_certificate_is_refused(
    tls_server: tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    srv, _ = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    _Spy(monkeypatch, off=mode == "adapter")
    client = ApiClient(f"https://localhost:{srv.server_address[1]}", None)
    with pytest.raises(ApiTimeout) as info:
        client.request("GET", "gzip")
    assert str(info.value) == "api GET gzip: SSLError"
