"""Persistent HTTP/1.1 connections of the sandboxes' servers: the threaded one
(sandbox/serving.py) and the evented one (sandbox/evented.py, the default)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import flask
import pytest
from flask import Flask

from sandbox.common import SERVERS, SandboxServer
from tests.support.wsgi_apps import fail_on_raw_path


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    app = Flask("serving_test")

    @app.post("/echo")
    def echo() -> dict:
        return {"body": flask.request.get_data(as_text=True)}

    @app.post("/ignore")
    def ignore() -> tuple[str, int]:
        return "", 401  # answers without reading the body

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    srv = SandboxServer(fail_on_raw_path(app), server=request.param).start()
    yield srv
    srv.stop()


def connect(server: SandboxServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(server.host, server.port, timeout=5)


def test_many_calls_share_one_connection(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("GET", "/hello")
    first = conn.getresponse()
    assert first.read() == b"hello"
    assert first.getheader("Connection") is None
    sock = conn.sock
    for i in range(5):
        conn.request("POST", "/echo", body=f"n={i}".encode())
        resp = conn.getresponse()
        assert json.loads(resp.read()) == {"body": f"n={i}"}
    assert conn.sock is sock  # never reconnected
    conn.close()


def test_unread_body_does_not_leak_into_the_next_request(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("POST", "/ignore", body=b"GET /hello HTTP/1.1\r\n\r\n" * 50)
    resp = conn.getresponse()
    assert resp.status == 401
    resp.read()
    conn.request("POST", "/echo", body=b"after")
    assert json.loads(conn.getresponse().read()) == {"body": "after"}
    conn.close()


def test_head_has_no_body_and_keeps_the_connection(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("HEAD", "/hello")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.read() == b""
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello"
    conn.close()


def test_flask_error_answers_500_on_the_open_connection(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("GET", "/boom")
    resp = conn.getresponse()
    assert resp.status == 500
    resp.read()
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello"
    conn.close()


def test_error_reaching_the_server_answers_500_and_closes(
    server: SandboxServer,
) -> None:
    conn = connect(server)
    conn.request("POST", "/raw", body=b"x" * 100)
    resp = conn.getresponse()
    assert resp.status == 500
    resp.read()
    assert resp.will_close


def test_chunked_body_is_werkzeugs_and_closes(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("POST", "/echo", body=iter([b"a", b"bc"]), encode_chunked=True)
    resp = conn.getresponse()
    assert json.loads(resp.read()) == {"body": "abc"}
    assert resp.getheader("Connection") == "close"


def test_client_asking_to_close_gets_werkzeugs_answer(server: SandboxServer) -> None:
    conn = connect(server)
    conn.request("GET", "/hello", headers={"Connection": "close"})
    resp = conn.getresponse()
    assert resp.read() == b"hello"
    assert resp.getheader("Connection") == "close"
