"""Helpers for the Fluent sandbox tests: an authenticated client and a webhook receiver.

Kept in a ``test_fluent_*`` module (no tests of its own) so sibling test modules can
import it by name.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask, Response, request

from sandbox import defaults
from sandbox.common import SandboxServer

TOKEN_PARAMS = {
    "username": defaults.FLUENT_USERNAME,
    "password": defaults.FLUENT_PASSWORD,
    "client_id": defaults.FLUENT_CLIENT_ID,
    "client_secret": defaults.FLUENT_CLIENT_SECRET,
    "grant_type": "password",
    "scope": "api",
}
CATALOGUE = {"ref": defaults.FLUENT_CATALOGUE_REF}


class FluentClient:
    """A tiny Fluent API client for tests (real HTTP, Bearer token)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url
        resp = requests.post(f"{base_url}/oauth/token", data=TOKEN_PARAMS, timeout=10)
        resp.raise_for_status()
        self.token = resp.json()["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def post_graphql(
        self, query: str, variables: dict[str, Any] | None = None, **extra: Any
    ) -> requests.Response:
        body = {"query": query, "variables": variables or {}, **extra}
        return self.session.post(f"{self.url}/graphql", json=body, timeout=30)

    def gql(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run a query that must succeed; returns ``data``."""
        resp = self.post_graphql(query, variables)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.url}/_sandbox{path}", timeout=60, **kwargs
        )

    def seed_retailer(self) -> None:
        resp = self.control("POST", "/seed", json={"fixture": "retailer"})
        assert resp.status_code == 201, resp.text


class Receiver:
    """A loopback webhook receiver recording raw bodies and headers.

    ``fail_first`` answers 500 to that many requests before answering 200.
    """

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.fail_first = fail_first
        self._lock = threading.Lock()
        app = Flask("fluent_test_receiver")

        @app.post("/hook")
        def hook() -> Response:
            with self._lock:
                self.received.append((request.get_data(), dict(request.headers)))
                failing = self.fail_first > 0
                if failing:
                    self.fail_first -= 1
            return Response("boom" if failing else "ok", status=500 if failing else 200)

        self.server = SandboxServer(app).start()

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def stop(self) -> None:
        self.server.stop()
