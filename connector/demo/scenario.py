"""The demo's context (sandboxes, web app, clients) and the loop over its steps
(connector/demo/steps.py); each step reports one ``Outcome`` per module."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from connector.demo.processes import Receiver, wait_until
from connector.demo.settings import TOKEN
from connector.runtime import Runtime


@dataclass
class Outcome:
    modules: str
    ok: bool
    summary: str
    seconds: float = 0.0


@dataclass
class Demo:
    runtime: Runtime
    web_url: str
    ct_url: str
    fluent_url: str
    receiver: Receiver
    step_timeout: float = 30.0
    http: requests.Session = field(default_factory=requests.Session)
    notes: dict[str, Any] = field(default_factory=dict)

    # -- helpers -------------------------------------------------------------------------
    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", **kw.pop("headers", {})}
        return self.http.request(
            method, self.web_url + path, headers=headers, timeout=30, **kw
        )

    def fluent(self, path: str, **kw: Any) -> Any:
        resp = self.http.get(f"{self.fluent_url}/_sandbox/{path}", timeout=30, **kw)
        return resp.json() if resp.status_code == 200 else None

    def fluent_count(self, table: str) -> int:
        return int((self.fluent(f"entities/{table}?limit=1") or {}).get("total", 0))

    def ct_query(self, resource: str, where: str | None = None) -> list[dict[str, Any]]:
        page = self.runtime.ct().query(resource, where=where, limit=500)
        return list(page["results"])

    def job(self, module: str) -> dict[str, Any]:
        """Start a batch sync through the jobs API and wait for its outcome."""
        resp = self.api("POST", f"/api/v1/jobs/{module}", json={"full": True})
        if resp.status_code != 202:
            return {"status": f"HTTP {resp.status_code}", "error": resp.text[:200]}
        run_id = resp.json()["run_id"]

        def finished() -> dict[str, Any] | None:
            body = self.api("GET", f"/api/v1/jobs/{run_id}").json()
            return body if body.get("status") not in ("pending", "running") else None

        return wait_until(finished, self.step_timeout) or {
            "status": "timeout",
            "run_id": run_id,
        }

    def wait(self, predicate: Callable[[], Any]) -> Any:
        return wait_until(predicate, self.step_timeout)


Step = Callable[[Demo], list[Outcome]]


def run_steps(
    d: Demo, steps: list[tuple[str, Step]], echo: Callable[[str], None]
) -> list[Outcome]:
    """Run every step, even after one failed: the table shows what did."""
    results: list[Outcome] = []
    for title, step in steps:
        echo(f"-> {title} ...")
        started = time.monotonic()
        try:
            outcomes = step(d)
        except Exception as exc:  # report and carry on: the table shows what failed
            outcomes = [Outcome(step.__name__, False, f"{type(exc).__name__}: {exc}")]
        for o in outcomes:
            o.seconds = time.monotonic() - started
        results.extend(outcomes)
    return results
