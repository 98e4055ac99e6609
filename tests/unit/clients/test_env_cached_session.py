"""The API clients' session reads the proxy/CA environment once per host, and answers
exactly what requests itself computes from it."""

from __future__ import annotations

import pytest
import requests
import responses

from connector.clients import base
from connector.clients.base import ApiClient, EnvCachedSession

URLS = (
    "https://api.europe-west1.gcp.commercetools.com/p/orders",
    "https://acme.sandbox.api.fluentretail.com/graphql",
    "http://127.0.0.1:8480/p/orders",
    "http://internal.example.com:8080/x",
)


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.com:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,internal.example.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")


@pytest.mark.parametrize("url", URLS)
def test_same_settings_as_requests(proxy_env: None, url: str) -> None:
    ours = EnvCachedSession()
    theirs = requests.Session()
    expected = theirs.merge_environment_settings(url, {}, None, None, None)
    assert ours.merge_environment_settings(url, {}, None, None, None) == expected
    # cached answer, still the same (and a copy: mutating it changes nothing)
    again = ours.merge_environment_settings(url, {}, None, None, None)
    assert again == expected
    again["proxies"]["https"] = "mutated"
    assert ours.merge_environment_settings(url, {}, None, None, None) == expected


def test_environment_read_once_per_host(
    proxy_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = requests.sessions.get_environ_proxies

    def counting(url: str, no_proxy: str | None = None) -> dict[str, str]:
        calls.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counting)
    session = EnvCachedSession()
    for _ in range(3):
        for path in ("a", "b?x=1"):
            session.merge_environment_settings(
                f"https://h1.example.com/{path}", {}, None, None, None
            )
        session.merge_environment_settings(
            "https://h2.example.com/", {}, None, None, None
        )
    assert len(calls) == 2
    session.clear_env_cache()
    session.merge_environment_settings("https://h1.example.com/", {}, None, None, None)
    assert len(calls) == 3


def test_per_call_settings_bypass_the_cache(proxy_env: None) -> None:
    session = EnvCachedSession()
    url = URLS[0]
    session.merge_environment_settings(url, {}, None, None, None)
    got = session.merge_environment_settings(url, {}, None, "/other.pem", None)
    assert got["verify"] == "/other.pem"
    got = session.merge_environment_settings(
        url, {"https": "http://other:1"}, None, None, None
    )
    assert got["proxies"]["https"] == "http://other:1"


@responses.activate(assert_all_requests_are_fired=True)
def test_api_client_requests_go_through_the_cached_session() -> None:
    responses.get("https://api.example.com/things", json={"ok": True})
    client = ApiClient("https://api.example.com", None)
    assert isinstance(client.session, base.EnvCachedSession)
    assert client.request("GET", "things") == {"ok": True}
    assert client.request("GET", "things") == {"ok": True}
