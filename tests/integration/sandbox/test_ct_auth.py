"""commercetools sandbox: OAuth tokens, bearer checks, scopes and the project key."""

from __future__ import annotations

import requests

from sandbox.commercetools.testing import CtSandboxApi
from sandbox.defaults import CT_CLIENT_ID, CT_CLIENT_SECRET, CT_PROJECT_KEY


def _api(sandbox) -> CtSandboxApi:
    return CtSandboxApi(requests.Session(), sandbox.url)


def test_token_with_query_parameters_echoes_scope(ct_sandbox):
    scope = f"view_products:{CT_PROJECT_KEY} view_orders:{CT_PROJECT_KEY}"
    resp = _api(ct_sandbox).token(scope)
    assert resp.status_code == 200
    body = resp.json()
    assert body["scope"] == scope
    assert body["expires_in"] == 172800
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) >= 20


def test_token_with_form_body_and_default_scope(ct_sandbox):
    resp = requests.post(
        f"{ct_sandbox.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(CT_CLIENT_ID, CT_CLIENT_SECRET),
        timeout=10,
    )
    assert resp.status_code == 200
    assert resp.json()["scope"] == f"manage_project:{CT_PROJECT_KEY}"


def test_wrong_secret_is_invalid_client(ct_sandbox):
    resp = _api(ct_sandbox).token(secret="nope")
    assert resp.status_code == 401
    body = resp.json()
    assert body["error"] == "invalid_client"
    assert body["statusCode"] == 401
    assert body["errors"][0]["code"] == "invalid_client"


def test_token_rejects_unknown_grant_and_scope(ct_sandbox):
    auth = (CT_CLIENT_ID, CT_CLIENT_SECRET)
    url = f"{ct_sandbox.url}/oauth/token"
    resp = requests.post(url, params={"grant_type": "password"}, auth=auth, timeout=10)
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"
    resp = requests.post(
        url,
        params={"grant_type": "client_credentials", "scope": "manage_project:other"},
        auth=auth,
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_scope"


def test_api_requires_a_valid_bearer(ct_sandbox):
    url = f"{ct_sandbox.url}/{CT_PROJECT_KEY}/categories"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    body = missing.json()
    assert body["errors"][0]["code"] == "invalid_token"
    assert body["error"] == "invalid_token"
    bogus = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bogus.status_code == 401
    assert bogus.json()["statusCode"] == 401


def test_expired_tokens_get_401_and_a_new_token_works(ct_sandbox):
    api, other = _api(ct_sandbox), _api(ct_sandbox)
    token = api.login()
    other.login()
    assert api.get("/categories").status_code == 200
    assert api.control("POST", "/tokens/expire", {"token": token})["expired"] == 1
    assert api.get("/categories").status_code == 401
    assert other.get("/categories").status_code == 200  # only that token expired
    api.login()
    assert api.get("/categories").status_code == 200
    api.control("POST", "/reset")
    assert api.get("/categories").status_code == 200  # tokens survive a reset


def test_scopes_are_enforced(ct_sandbox):
    api = _api(ct_sandbox)
    api.login(f"view_products:{CT_PROJECT_KEY}")
    assert api.get("/product-projections").status_code == 200
    assert api.get("/inventory").status_code == 200
    denied = api.get("/orders")
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["code"] == "insufficient_scope"
    write = api.post("/channels", {"key": "store-x"})
    assert write.status_code == 403
    api.login(f"view_published_products:{CT_PROJECT_KEY}")
    assert api.get("/product-projections").status_code == 200
    assert api.get("/product-projections", staged="true").status_code == 403


def test_wrong_project_key_is_not_found(ct_sandbox):
    api = _api(ct_sandbox)
    api.login()
    resp = api.session.get(f"{ct_sandbox.url}/other-shop/categories", timeout=10)
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "ResourceNotFound"


def test_project_endpoint_and_messages_configuration(ct_sandbox):
    api = _api(ct_sandbox)
    api.login()
    project = api.ok(api.get(""))
    assert project["key"] == CT_PROJECT_KEY
    assert project["messages"]["enabled"] is True
    updated = api.ok(
        api.update(
            "",
            project["version"],
            {
                "action": "changeMessagesConfiguration",
                "messagesConfiguration": {
                    "enabled": False,
                    "deleteDaysAfterCreation": 30,
                },
            },
        )
    )
    assert updated["messages"] == {"enabled": False, "deleteDaysAfterCreation": 30}
    assert updated["version"] == project["version"] + 1
    stale = api.update("", project["version"], {"action": "changeName", "name": "x"})
    assert stale.status_code == 409


def test_control_api_needs_no_auth_and_responses_carry_correlation_id(ct_sandbox):
    resp = requests.get(f"{ct_sandbox.url}/_sandbox/stats", timeout=10)
    assert resp.status_code == 200
    assert resp.json()["counts"]["state"] == 1  # the built-in LineItemState Initial
    api = _api(ct_sandbox)
    api.login()
    assert api.get("/categories").headers["X-Correlation-ID"].startswith("projects-")
