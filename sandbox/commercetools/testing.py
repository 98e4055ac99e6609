"""A thin driver of the commercetools sandbox over HTTP, for tests, demos and benchmarks.

It takes a ``requests``-compatible session from the caller (this module imports no HTTP
library): get a token, call the API under ``/{projectKey}``, iterate with the id cursor, and
use the control API (seed, generate, orders, subscriptions). It is not the connector's CT
client and must not be used by connector code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from ..defaults import CT_CLIENT_ID, CT_CLIENT_SECRET, CT_PROJECT_KEY


class _Response(Protocol):
    status_code: int

    def json(self) -> Any: ...


class _Session(Protocol):
    headers: Any

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class SandboxError(AssertionError):
    """A control or API call that was expected to succeed did not."""


class CtSandboxApi:
    """Calls to one sandbox: ``api``/``get``/``post``/``update`` need a token (``login``)."""

    def __init__(
        self,
        session: _Session,
        url: str,
        project_key: str = CT_PROJECT_KEY,
        client_id: str = CT_CLIENT_ID,
        client_secret: str = CT_CLIENT_SECRET,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.project_key = project_key
        self.client = (client_id, client_secret)
        self.timeout = timeout

    def token(self, scope: str | None = None, secret: str | None = None) -> Any:
        """POST /oauth/token (query-parameter form); returns the raw response."""
        params = {"grant_type": "client_credentials"}
        if scope is not None:
            params["scope"] = scope
        auth = (self.client[0], secret if secret is not None else self.client[1])
        return self.session.request(
            "POST",
            f"{self.url}/oauth/token",
            params=params,
            auth=auth,
            timeout=self.timeout,
        )

    def login(self, scope: str | None = None) -> str:
        resp = self.token(scope)
        if resp.status_code != 200:
            raise SandboxError(f"token: {resp.status_code} {resp.text}")
        access = str(resp.json()["access_token"])
        self.session.headers["Authorization"] = f"Bearer {access}"
        return access

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(
            method, f"{self.url}/{self.project_key}{path}", **kwargs
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.api("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.api("POST", path, json=body)

    def update(self, path: str, version: int, *actions: dict[str, Any]) -> Any:
        return self.post(path, {"version": version, "actions": list(actions)})

    def ok(self, resp: Any, status: int = 200) -> Any:
        if resp.status_code != status:
            raise SandboxError(
                f"expected {status}, got {resp.status_code}: {resp.text}"
            )
        return resp.json()

    def query_all(
        self, path: str, where: str | None = None, page: int = 500
    ) -> Iterator[dict[str, Any]]:
        """All results of ``path`` via the id cursor (reference §2)."""
        last: str | None = None
        while True:
            clauses = [where] if where else []
            params: dict[str, Any] = {
                "limit": page,
                "withTotal": "false",
                "sort": "id asc",
            }
            if last is not None:
                clauses.append("id > :lastId")
                params["var.lastId"] = last
            params["where"] = clauses
            body = self.ok(self.get(path, **params))
            yield from body["results"]
            if len(body["results"]) < page:
                return
            last = body["results"][-1]["id"]

    def control(
        self, method: str, path: str, body: Any = None, status: int = 200
    ) -> Any:
        resp = self.session.request(
            method, f"{self.url}/_sandbox{path}", json=body, timeout=self.timeout
        )
        return self.ok(resp, status)

    def seed(self, fixture: dict[str, Any]) -> Any:
        return self.control("POST", "/seed", fixture, 201)

    def generate(self, **spec: Any) -> Any:
        return self.control("POST", "/generate", spec, 201)

    def place_order(self, fixture: dict[str, Any]) -> Any:
        return self.control("POST", "/orders", fixture, 201)

    def subscribe(self, **config: Any) -> Any:
        return self.control("POST", "/subscriptions", config, 201)

    def drain(self, timeout: float = 10) -> Any:
        return self.control("POST", "/subscriptions/drain", {"timeout": timeout})
