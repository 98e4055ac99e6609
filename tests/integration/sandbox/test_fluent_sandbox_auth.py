"""Fluent sandbox: OAuth password/refresh grants and the Bearer requirement."""

from __future__ import annotations

import requests
from test_fluent_sandbox_support import TOKEN_PARAMS, FluentClient

from sandbox.common import SandboxServer

LOCATIONS = "{ locations(first: 1) { edges { node { ref } } } }"


def test_password_grant_as_form_body_returns_fluent_token_shape(
    fluent_sandbox: SandboxServer,
) -> None:
    resp = requests.post(
        f"{fluent_sandbox.url}/oauth/token", data=TOKEN_PARAMS, timeout=5
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "api"
    assert body["expires_in"] > 3600
    assert body["Retailer_id"] == 1
    assert {"access_token", "FirstName", "LastName", "Roles"} <= set(body)


def test_password_grant_as_query_params_with_empty_body(
    fluent_sandbox: SandboxServer,
) -> None:
    resp = requests.post(
        f"{fluent_sandbox.url}/oauth/token", params=TOKEN_PARAMS, timeout=5
    )
    assert resp.status_code == 200
    assert resp.json()["access_token"]


def test_bad_password_is_invalid_grant(fluent_sandbox: SandboxServer) -> None:
    resp = requests.post(
        f"{fluent_sandbox.url}/oauth/token",
        data={**TOKEN_PARAMS, "password": "wrong"},
        timeout=5,
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "invalid_grant",
        "error_description": "Bad credentials",
    }


def test_bad_client_secret_is_401(fluent_sandbox: SandboxServer) -> None:
    resp = requests.post(
        f"{fluent_sandbox.url}/oauth/token",
        data={**TOKEN_PARAMS, "client_secret": "nope"},
        timeout=5,
    )
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"


def test_missing_or_unknown_bearer_is_401_everywhere(
    fluent_sandbox: SandboxServer,
) -> None:
    url = fluent_sandbox.url
    no_auth = requests.post(f"{url}/graphql", json={"query": LOCATIONS}, timeout=5)
    assert no_auth.status_code == 401
    assert no_auth.json()["errors"][0]["code"] == "401"
    bogus = requests.get(
        f"{url}/api/v4.1/event", headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert bogus.status_code == 401


def test_expired_token_is_rejected_then_a_new_one_works(
    fluent_sandbox: SandboxServer,
) -> None:
    client = FluentClient(fluent_sandbox.url)
    assert client.post_graphql(LOCATIONS).status_code == 200
    expire = {"access_token": client.token}  # only ours: others share this server
    assert client.control("POST", "/tokens/expire", json=expire).json()["expired"] == 1
    expired = client.post_graphql(LOCATIONS)
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"
    assert FluentClient(fluent_sandbox.url).post_graphql(LOCATIONS).status_code == 200


def test_refresh_tokens_are_single_use(fluent_sandbox: SandboxServer) -> None:
    url = f"{fluent_sandbox.url}/oauth/token"
    first = requests.post(url, data=TOKEN_PARAMS, timeout=5).json()
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": TOKEN_PARAMS["client_id"],
        "client_secret": TOKEN_PARAMS["client_secret"],
    }
    again = requests.post(url, data=refresh, timeout=5)
    assert again.status_code == 200
    assert again.json()["access_token"] != first["access_token"]
    reused = requests.post(url, data=refresh, timeout=5)
    assert reused.status_code == 400
    assert reused.json()["error_description"] == "Invalid refresh token"


def test_token_lifetime_is_configurable_and_reset_restores_it(
    fluent_sandbox: SandboxServer,
) -> None:
    url = fluent_sandbox.url
    requests.post(f"{url}/_sandbox/tokens/config", json={"expires_in": 5}, timeout=5)
    short = requests.post(f"{url}/oauth/token", data=TOKEN_PARAMS, timeout=5).json()
    assert short["expires_in"] == 5
    requests.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
    normal = requests.post(f"{url}/oauth/token", data=TOKEN_PARAMS, timeout=5).json()
    assert normal["expires_in"] == 86400
    headers = {"Authorization": f"Bearer {short['access_token']}"}
    still_valid = requests.post(
        f"{url}/graphql", json={"query": LOCATIONS}, headers=headers, timeout=5
    )
    assert still_valid.status_code == 200
