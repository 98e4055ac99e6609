"""Helpers of the external_in/external_out/notifications/event_errors tests (no tests).

- ``Receiver``: a tiny Flask app on loopback (LoopbackServer) that records every request
  and answers from a script of statuses (then 200), or with a 307 for given paths.
- ``reconfigure``: give the RUNNING connector (its web app AND its worker thread share
  one Runtime) the routes and options of a YAML text for one test: the config, the
  registry and the notifier are swapped with monkeypatch and restored afterwards.
  (A second app on the same store would do for stage 1, but its messages would be
  handled by the worker of the first app, which would not know the routes.)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from connector import signing
from connector.config import Config
from connector.inbound.routing import Registry
from connector.loopback import LoopbackServer
from connector.notify import Notifier


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str]
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.script: list[int] = []
        self.redirects: dict[str, str] = {}  # path -> Location of a 307
        self._lock = threading.Lock()
        app = Flask("receiver")

        @app.route("/<path:path>", methods=["POST", "GET"])
        def anything(path: str) -> Response:
            with self._lock:
                location = self.redirects.get("/" + path)
                if location:
                    status = 307
                else:
                    status = self.script.pop(0) if self.script else 200
                self.hits.append(
                    Hit(
                        "/" + path,
                        dict(request.headers),
                        request.get_data(),
                        request.form.to_dict(),
                        status,
                    )
                )
            resp = Response("{}", status=status, mimetype="application/json")
            if location:
                resp.headers["Location"] = location
            if status == 503:
                resp.headers["Retry-After"] = "0"
            return resp

        self.server = LoopbackServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def posts(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if path is None or h.path == path]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while len(self.posts(path)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"receiver got {len(self.posts(path))} of {count} requests"
                )
            time.sleep(0.05)
        return self.posts(path)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.server.start()
    try:
        yield receiver
    finally:
        receiver.server.stop()


def reconfigure(connected: Any, monkeypatch: Any, tmp_path: Path, text: str) -> Config:
    path = tmp_path / "connector-test.yml"
    path.write_text(text)
    config = Config.from_env({**connected.env, "CONNECTOR_CONFIG": str(path)})
    runtime = connected.runtime
    monkeypatch.setattr(runtime, "config", config)
    monkeypatch.setitem(
        runtime.__dict__, "registry", Registry(runtime.specs, config.routes)
    )
    monkeypatch.setitem(runtime.__dict__, "notifier", Notifier.from_config(config))
    monkeypatch.setitem(connected.stack.app.extensions, "external_sources", {})
    return config


def signed(body: Any, secret: str, *, now: float | None = None) -> tuple[bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        **signing.sign([secret], raw, now=now),
    }
    return raw, headers
