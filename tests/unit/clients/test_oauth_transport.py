"""Plain-http OAuth is allowed for loopback hosts only, not for the whole process."""

from __future__ import annotations

import os

import pytest
from oauthlib.oauth2 import BackendApplicationClient, InsecureTransportError
from requests_oauthlib import OAuth2Session

import connector.clients.base  # noqa: F401 - importing the clients sets nothing global
from connector.clients.auth import secure_or_loopback


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://auth.europe-west1.gcp.commercetools.com/oauth/token", True),
        ("http://127.0.0.1:8480/oauth/token", True),
        ("http://localhost/oauth/token", True),
        ("http://[::1]:8481/oauth/token", True),
        ("http://auth.example.com/oauth/token", False),
        ("http://127.0.0.1.example.com/oauth/token", False),
    ],
)
def test_http_only_on_loopback(url: str, allowed: bool) -> None:
    assert secure_or_loopback(url) is allowed


def test_no_process_wide_insecure_transport() -> None:
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_token_fetch_over_http_to_a_remote_host_is_refused() -> None:
    session = OAuth2Session(client=BackendApplicationClient(client_id="c"))
    with pytest.raises(InsecureTransportError):
        session.fetch_token("http://auth.example.com/oauth/token", client_secret="s")
