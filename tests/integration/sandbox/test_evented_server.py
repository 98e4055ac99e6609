"""The sandboxes' evented server (sandbox/evented.py) against the threaded one.

Each test serves a small instrumented Flask app (calls counted, faults injected, as the
sandboxes are) with ``SandboxServer(app, server=...)``; the equivalence tests run the
same requests against both servers and compare the answers byte for byte (bodies) and
header for header (all but Date and Server).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request

from sandbox import evented
from sandbox.common import (
    CONTROL_PREFIX,
    CallLog,
    FaultRule,
    Faults,
    SandboxServer,
    install_instrumentation,
)
from tests.support.wsgi_apps import fail_on_raw_path

ENV_KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "REQUEST_URI",
    "HTTP_X_DUP",
    "HTTP_X_UNDER",
    "HTTP_TRANSFER_ENCODING",
    "wsgi.url_scheme",
    "wsgi.input_terminated",
)


def make_app() -> Flask:
    app = Flask("evented_test")
    calls, faults = CallLog(), Faults(seed=1)
    app.extensions["test_state"] = (calls, faults)
    app.extensions["writes"] = []
    install_instrumentation(
        app,
        calls=calls,
        faults=faults,
        error_body=lambda status, message: {"status": status, "message": message},
    )

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    @app.get("/slow")
    def slow() -> str:
        return "slow"

    @app.post("/echo")
    def echo() -> dict:
        data = request.get_data()
        return {
            "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "head": data[:20].decode("latin-1"),
        }

    @app.post("/ignore")
    def ignore() -> tuple[str, int]:
        return "", 401  # answers without reading the body

    @app.route("/env", methods=["GET", "POST"])
    @app.get("/env/<path:rest>")
    def env(rest: str = "") -> dict:
        values = {key: request.environ.get(key) for key in ENV_KEYS}
        return {"env": values, "args": request.args.to_dict(flat=False), "rest": rest}

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.post("/write")
    def write() -> str:
        app.extensions["writes"].append(request.get_data())
        return "written"

    @app.get("/empty")
    def empty() -> tuple[str, int]:
        return "", 204

    @app.get(f"{CONTROL_PREFIX}/block")
    def block() -> str:  # a control endpoint that blocks (as the drains do)
        time.sleep(float(request.args.get("s", "0.5")))
        return "unblocked"

    return fail_on_raw_path(app)


def serve(kind: str) -> SandboxServer:
    return SandboxServer(make_app(), server=kind).start()


@pytest.fixture(scope="module")
def evented_server() -> Iterator[SandboxServer]:
    srv = serve("evented")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def threaded_server() -> Iterator[SandboxServer]:
    srv = serve("threaded")
    yield srv
    srv.stop()


@pytest.fixture(params=["evented", "threaded"])
def server(
    request: pytest.FixtureRequest,
    evented_server: SandboxServer,
    threaded_server: SandboxServer,
) -> SandboxServer:
    srv = evented_server if request.param == "evented" else threaded_server
    calls, faults = srv.app.extensions["test_state"]
    calls.reset()
    faults.clear()
    return srv


@pytest.fixture
def fresh(evented_server: SandboxServer) -> SandboxServer:
    calls, faults = evented_server.app.extensions["test_state"]
    calls.reset()
    faults.clear()
    return evented_server


def state(srv: SandboxServer) -> tuple[CallLog, Faults]:
    return srv.app.extensions["test_state"]  # type: ignore[no-any-return]


def connect(srv: SandboxServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(srv.host, srv.port, timeout=10)


class _Reader(io.BufferedReader):
    """A socket reader that http.client's responses share (and must not close)."""

    def close(self) -> None:
        pass


class _Responses:
    """Reads the answers to requests written raw on one socket, in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.reader = _Reader(socket.SocketIO(sock, "rb"))  # type: ignore[arg-type]

    def makefile(self, *_: Any, **__: Any) -> _Reader:
        return self.reader

    def next(self, method: str = "GET") -> tuple[int, list[tuple[str, str]], bytes]:
        resp = http.client.HTTPResponse(self, method=method)  # type: ignore[arg-type]
        resp.begin()
        return resp.status, resp.getheaders(), resp.read()


def raw(srv: SandboxServer) -> socket.socket:
    return socket.create_connection((srv.host, srv.port), timeout=10)


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def comparable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in headers if k.lower() not in ("date", "server")]


# -- what the evented server does ------------------------------------------------------


def test_many_requests_share_one_connection(fresh: SandboxServer) -> None:
    conn = connect(fresh)
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello"
    sock = conn.sock
    for i in range(200):
        body = f"n={i}".encode()
        conn.request("POST", "/echo", body=body)
        resp = conn.getresponse()
        assert resp.getheader("Connection") is None
        assert json.loads(resp.read())["head"] == f"n={i}"
    assert conn.sock is sock  # never reconnected
    conn.close()
    assert state(fresh)[0].counts() == {"GET /hello": 1, "POST /echo": 200}


def test_pipelined_requests_are_answered_in_order(fresh: SandboxServer) -> None:
    # the first answer waits 300 ms; the two behind it must not overtake it
    state(fresh)[1].add(FaultRule(endpoint="GET /hello", latency_ms=300, count=1))
    sock = raw(fresh)
    sock.sendall(
        b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
        b"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /env?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    answers = _Responses(sock)
    started = time.monotonic()
    assert answers.next()[2] == b"hello"
    assert time.monotonic() - started >= 0.25
    assert json.loads(answers.next()[2])["head"] == "first"
    status, headers, body = answers.next("HEAD")
    assert (status, body, dict(headers)["Content-Length"]) == (200, b"", "5")
    assert json.loads(answers.next()[2])["args"] == {"q": ["1"]}
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")  # still open
    assert answers.next()[2] == b"hello"
    sock.close()


def test_garbage_is_400_and_closes(fresh: SandboxServer) -> None:
    # (werkzeug answers this one without a status line: HTTP/0.9's error page)
    sock = raw(fresh)
    sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    status, headers, _ = _Responses(sock).next()
    assert status == 400
    assert dict(headers).get("Connection") == "close"
    assert closed_by_peer(sock)
    sock.close()


def test_garbage_after_a_good_request_answers_both(fresh: SandboxServer) -> None:
    sock = raw(fresh)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01garbage\r\n\r\n")
    answers = _Responses(sock)
    assert answers.next()[:1] == (200,)
    assert answers.next()[0] == 400
    assert closed_by_peer(sock)
    sock.close()


def test_body_over_the_limit_is_413_and_closes(
    fresh: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evented, "MAX_BODY", 1000)
    sock = raw(fresh)
    sock.sendall(b"POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
    assert _Responses(sock).next()[0] == 413
    assert closed_by_peer(sock)
    sock.close()
    # counted when its headers arrived, as the threaded server counts before the body
    assert state(fresh)[0].counts() == {"POST /echo": 1}


def test_big_body(server: SandboxServer) -> None:
    data = bytes(range(256)) * (8 * 4096)  # 8 MiB
    conn = connect(server)
    conn.request("POST", "/echo", body=data)
    answer = json.loads(conn.getresponse().read())
    assert answer["length"] == len(data)
    assert answer["sha256"] == hashlib.sha256(data).hexdigest()
    conn.request("GET", "/hello")  # the connection is still usable
    assert conn.getresponse().read() == b"hello"
    conn.close()


def test_connection_close_is_honoured(server: SandboxServer) -> None:
    sock = raw(server)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = _Responses(sock).next()
    assert (status, body, dict(headers)["Connection"]) == (200, b"hello", "close")
    assert closed_by_peer(sock)
    sock.close()


def test_latency_of_one_endpoint_does_not_delay_another(
    server: SandboxServer,
) -> None:
    state(server)[1].add(FaultRule(endpoint="GET /slow", latency_ms=800))
    slow_done: list[float] = []

    def call_slow() -> None:
        conn = connect(server)
        conn.request("GET", "/slow")
        assert conn.getresponse().read() == b"slow"
        slow_done.append(time.monotonic())
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=call_slow) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.1)  # the slow calls are waiting now
    conn = connect(server)
    for _ in range(5):
        conn.request("GET", "/hello")
        assert conn.getresponse().read() == b"hello"
    fast = time.monotonic() - started
    conn.close()
    for t in threads:
        t.join(5)
    assert fast < 0.5
    assert len(slow_done) == 4
    assert min(slow_done) - started >= 0.75


def test_a_blocking_control_call_does_not_stop_the_api(fresh: SandboxServer) -> None:
    done: list[bytes] = []

    def block() -> None:
        conn = connect(fresh)
        conn.request("GET", f"{CONTROL_PREFIX}/block?s=0.8")
        done.append(conn.getresponse().read())
        conn.close()

    thread = threading.Thread(target=block)
    started = time.monotonic()
    thread.start()
    time.sleep(0.1)
    conn = connect(fresh)
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello"
    assert time.monotonic() - started < 0.5
    assert not done  # still blocked
    thread.join(5)
    assert done == [b"unblocked"]
    conn.close()


def test_an_app_without_the_hook_runs_off_the_loop() -> None:
    app = Flask("plain")

    @app.get("/sleep")
    def sleep() -> str:
        time.sleep(0.8)
        return "slept"

    @app.get("/hi")
    def hi() -> str:
        return "hi"

    srv = SandboxServer(app, server="evented").start()
    try:
        thread = threading.Thread(
            target=lambda: connect(srv).request("GET", "/sleep"), daemon=True
        )
        started = time.monotonic()
        thread.start()
        time.sleep(0.1)
        conn = connect(srv)
        conn.request("GET", "/hi")
        assert conn.getresponse().read() == b"hi"
        assert time.monotonic() - started < 0.5
        conn.close()
    finally:
        srv.stop()


def test_timeout_fault_answers_504_after_its_delay(server: SandboxServer) -> None:
    rule = {"endpoint": "GET /hello", "rate_timeout": 1.0, "timeout_seconds": 0.4}
    state(server)[1].add(FaultRule.from_json({**rule, "latency_ms": 100, "count": 1}))
    conn = connect(server)
    started = time.monotonic()
    conn.request("GET", "/hello")
    resp = conn.getresponse()
    body = json.loads(resp.read())
    assert resp.status == 504
    assert body == {"status": 504, "message": "Gateway timeout (injected)"}
    assert time.monotonic() - started >= 0.45  # latency + timeout
    started = time.monotonic()
    conn.request("GET", "/hello")  # the rule is spent
    assert conn.getresponse().read() == b"hello"
    assert time.monotonic() - started < 0.3
    conn.close()
    assert state(server)[0].counts() == {"GET /hello": 2}


def test_429_fault_and_retry_after(server: SandboxServer) -> None:
    state(server)[1].add(
        FaultRule(endpoint="GET /hello", rate_429=1.0, retry_after=7, count=1)
    )
    conn = connect(server)
    conn.request("GET", "/hello")
    resp = conn.getresponse()
    assert (resp.status, resp.getheader("Retry-After")) == (429, "7")
    resp.read()
    conn.close()


def test_call_counts_are_exact_under_concurrency(server: SandboxServer) -> None:
    calls, faults = state(server)
    faults.add(FaultRule(endpoint="*", latency_ms=30))
    faults.add(FaultRule(endpoint="GET /hello", rate_5xx=0.5))

    def client(n: int) -> None:
        conn = connect(server)
        for i in range(10):
            conn.request("GET", "/hello" if i % 2 else f"/env/{n}/{i}")
            conn.getresponse().read()
        conn.request("GET", f"{CONTROL_PREFIX}/calls")  # never counted
        conn.getresponse().read()
        conn.request("GET", "/nowhere")
        conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert calls.counts() == {
        "GET /hello": 40,
        "GET /env/<path:rest>": 40,
        "GET /nowhere": 8,
    }
    assert len(calls.entries()) == 88
    injected = faults.injected["503"]
    assert 0 < injected < 40  # decided once per call (seeded), not twice


# -- the same answers from both servers ----------------------------------------------

SAME_ANSWERS: list[tuple[str, bytes]] = [
    ("GET", b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("HEAD", b"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("GET", b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n"),
    (
        "POST",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 11\r\n\r\nhello world",
    ),
    (
        "GET",
        b"GET /env/caf%C3%A9/a%2Fb?x=1&y=%20z&x=2 HTTP/1.1\r\nHost: x\r\n"
        b"X-Dup: a\r\nX-Dup: b\r\nX_Under: dropped\r\n\r\n",
    ),
    (
        "POST",
        b"POST /env HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}",
    ),
    ("GET", b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("DELETE", b"DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("GET", b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("GET", b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("POST", b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
    ("GET", b"GET /hello HTTP/1.0\r\nHost: x\r\n\r\n"),
    (
        "POST",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    ),
    (
        "POST",
        b"POST /env HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\na\r\n0\r\n\r\n",
    ),
    (
        "POST",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        b"Content-Length: 4\r\n\r\nbody",
    ),
    ("GET", b"GET http://example.test/env?a=b HTTP/1.1\r\nHost: x\r\n\r\n"),
]


def _answer(srv: SandboxServer, method: str, data: bytes) -> tuple[Any, ...]:
    sock = raw(srv)
    sock.sendall(data)
    status, headers, body = _Responses(sock).next(method)
    sock.close()
    return status, comparable(headers), body


@pytest.mark.parametrize(("method", "data"), SAME_ANSWERS, ids=lambda v: repr(v)[:40])
def test_both_servers_give_the_same_answer(
    evented_server: SandboxServer,
    threaded_server: SandboxServer,
    method: str,
    data: bytes,
) -> None:
    for srv in (evented_server, threaded_server):
        state(srv)[0].reset()
        state(srv)[1].clear()
    assert _answer(evented_server, method, data) == _answer(
        threaded_server, method, data
    )


def test_environ_follows_pep_3333(fresh: SandboxServer) -> None:
    sock = raw(fresh)
    sock.sendall(
        b"GET /env/caf%C3%A9?x=%C3%A9 HTTP/1.1\r\nHost: x\r\nX-Dup: a\r\n"
        b"X-Dup: b\r\nContent-Type: text/x\r\n\r\n"
    )
    env = json.loads(_Responses(sock).next()[2])
    sock.close()
    values = env["env"]
    assert values["PATH_INFO"] == "/env/caf\u00c3\u00a9"  # the UTF-8 bytes as latin-1
    assert env["rest"] == "caf\u00e9"
    assert values["QUERY_STRING"] == "x=%C3%A9"
    assert values["HTTP_X_DUP"] == "a,b"
    assert values["CONTENT_TYPE"] == "text/x"
    assert values["SCRIPT_NAME"] == ""
    assert values["REMOTE_ADDR"] == "127.0.0.1"
    assert values["HTTP_X_UNDER"] is None


def test_stop_closes_connections_and_the_port() -> None:
    srv = serve("evented")
    conn = connect(srv)
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello"
    srv.stop()
    with pytest.raises(OSError):
        conn.request("GET", "/hello")
        conn.getresponse()
    with pytest.raises(OSError):
        socket.create_connection((srv.host, srv.port), timeout=2)


def test_stop_right_after_start_and_twice() -> None:
    srv = serve("evented")
    srv.stop()
    srv.stop()
    SandboxServer(make_app(), server="evented").stop()  # never started


def test_unknown_server_kind() -> None:
    with pytest.raises(ValueError, match="evented, threaded"):
        SandboxServer(make_app(), server="forking")


def test_a_client_that_half_closes_still_gets_its_answers(
    server: SandboxServer,
) -> None:
    state(server)[1].add(FaultRule(endpoint="GET /hello", latency_ms=200))
    sock = raw(server)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
    sock.shutdown(socket.SHUT_WR)
    answers = _Responses(sock)
    assert answers.next()[2] == b"hello"
    assert answers.next()[2] == b"hello"
    assert closed_by_peer(sock)
    sock.close()


def test_a_delayed_write_lands_although_the_client_left(server: SandboxServer) -> None:
    # as under the threaded server: the latency elapses, then the app runs
    state(server)[1].add(FaultRule(endpoint="POST /write", latency_ms=300))
    writes = server.app.extensions["writes"]
    writes.clear()
    sock = raw(server)
    sock.sendall(b"POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nonce")
    time.sleep(0.05)
    sock.close()
    deadline = time.monotonic() + 3
    while not writes and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writes == [b"once"]
    assert state(server)[0].counts() == {"POST /write": 1}


def test_the_latency_runs_while_the_body_arrives(server: SandboxServer) -> None:
    # as under the threaded server, whose sleep comes before the app reads the body
    state(server)[1].add(FaultRule(endpoint="POST /echo", latency_ms=300))
    sock = raw(server)
    started = time.monotonic()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
    time.sleep(0.2)
    sock.sendall(b"body")
    status, _, body = _Responses(sock).next()
    elapsed = time.monotonic() - started
    sock.close()
    assert (status, json.loads(body)["head"]) == (200, "body")
    assert 0.29 <= elapsed < 0.45
