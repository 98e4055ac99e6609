"""The console's session and CSRF rules over HTTP (no browser, no worker): cookie flags,
no token in the cookie, sessions end when their token is removed, CSRF on every POST,
no open redirect after sign-in."""

from __future__ import annotations

import re

import pytest

from connector import create_app
from connector.config import Config
from connector.store import migrate

SECRET = "console-test-secret"


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate.upgrade(url)
    return {
        "DATABASE_URL": url,
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "CONNECTOR_API_TOKENS": "tok-one,tok-two",
        "CONNECTOR_SECRET_KEY": SECRET,
    }


def csrf_of(client, path="/console/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, token="tok-one", next_=""):
    return client.post(
        "/console/login",
        data={"token": token, "csrf_token": csrf_of(client), "next": next_},
    )


def test_cookie_flags_and_no_token_inside(env):
    app = create_app(Config.from_env(env))
    client = app.test_client()
    resp = sign_in(client)
    assert resp.status_code == 302 and resp.headers["Location"] == "/console/"
    cookie = next(
        c for c in resp.headers.getlist("Set-Cookie") if "connector_console=" in c
    )
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/console", "Expires="):
        assert flag in cookie, cookie
    assert "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    data = app.session_interface.get_signing_serializer(app).loads(value)
    assert "tok-one" not in str(data)
    assert client.get("/console/").status_code == 200
    secure = create_app(Config.from_env({**env, "CONNECTOR_COOKIE_SECURE": "true"}))
    resp = sign_in(secure.test_client())
    assert "Secure" in next(
        c for c in resp.headers.getlist("Set-Cookie") if "connector_console=" in c
    )


def test_session_ends_when_its_token_is_removed(env):
    app = create_app(Config.from_env(env))
    client = app.test_client()
    sign_in(client, "tok-one")
    cookie = client.get_cookie("connector_console", path="/console").value
    rotated = create_app(Config.from_env({**env, "CONNECTOR_API_TOKENS": "tok-two"}))
    other = rotated.test_client()
    other.set_cookie("connector_console", cookie, path="/console")
    resp = other.get("/console/")
    assert resp.status_code == 302 and "/console/login" in resp.headers["Location"]
    kept = create_app(Config.from_env(env)).test_client()  # another worker, same config
    kept.set_cookie("connector_console", cookie, path="/console")
    assert kept.get("/console/").status_code == 200


def test_every_post_needs_the_csrf_token(env):
    client = create_app(Config.from_env(env)).test_client()
    client.get("/console/login")
    refused = client.post("/console/login", data={"token": "tok-one"})
    assert refused.status_code == 400 and b"CSRF token is missing" in refused.data
    sign_in(client)
    for path in (
        "/console/messages/1/replay",
        "/console/messages/replay",
        "/console/logout",
    ):
        resp = client.post(path, data={"csrf_token": "nope"})
        assert resp.status_code == 400, path
    assert client.get("/console/").status_code == 200  # still signed in
    token = csrf_of(client, "/console/")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


def test_wrong_token_and_no_open_redirect(env):
    client = create_app(Config.from_env(env)).test_client()
    bad = sign_in(client, "tok-three")
    assert bad.status_code == 401 and b"not valid" in bad.data
    resp = sign_in(client, next_="//evil.example/console")
    assert resp.headers["Location"] == "/console/"
    client2 = create_app(Config.from_env(env)).test_client()
    resp = sign_in(client2, next_="/console/runs")
    assert resp.headers["Location"] == "/console/runs"
