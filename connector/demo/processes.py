"""The demo's moving parts: sandboxes, receivers, web app, worker (+ beat), Flower."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from connector.loopback import LoopbackServer

# Variables of a real deployment that must not leak into the embedded demo.
SCRUBBED_PREFIXES = ("CTP_", "FLUENT_", "CONNECTOR_", "SYNC_")
SCRUBBED = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "PROMETHEUS_MULTIPROC_DIR",
}


def clean_environ() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in SCRUBBED and not k.startswith(SCRUBBED_PREFIXES)
    }


@dataclass
class Receiver:
    """A local HTTP endpoint that records what it receives (partner system, Slack)."""

    server: LoopbackServer
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url

    def items(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received.get(name, []))


def start_receiver() -> Receiver:
    app = Flask("demo_receiver")
    receiver: Receiver

    @app.post("/<name>")
    def receive(name: str) -> Any:
        entry = {
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": request.get_data(as_text=True),
        }
        with receiver.lock:
            receiver.received.setdefault(name, []).append(entry)
        return jsonify(status="ok")

    receiver = Receiver(LoopbackServer(app))
    receiver.server.start()
    return receiver


def _die_with_parent() -> None:
    """Linux: the child is sent SIGTERM when the process that started it dies, even by
    SIGKILL (a test's timeout, an operator's kill -9), instead of running on as an
    orphan with its own pool and beat. (The signal follows the *thread* that started
    the child: the demo starts its children from its main thread.)"""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not glibc / not Linux: best effort
        pass


PR_SET_PDEATHSIG = 1


class Child:
    """A child process in its own session, logging to a file, stopped with its group
    (and, on Linux, sent SIGTERM if this process dies without stopping it)."""

    def __init__(self, cmd: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.cmd = cmd
        self.env = dict(env)
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def worker(env: Mapping[str, str], data_dir: Path) -> Child:
    """A real Celery worker with embedded beat (``celery worker -B``), every queue."""
    cmd = [
        sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "-B",
        "-s", str(data_dir / "celerybeat-schedule"),
        "-Q", "events,batch,default", "-c", "3", "-E",
        "--without-mingle", "--without-gossip", "-l", "info",
    ]  # fmt: skip
    return Child(cmd, env, data_dir / "worker.log")


def flower(env: Mapping[str, str], data_dir: Path, port: int) -> Child:
    """Flower on the demo's broker (only with --keep-running)."""
    cmd = [
        sys.executable, "-m", "celery", "-A", "tasks.worker", "flower",
        f"--port={port}", "--address=127.0.0.1",
    ]  # fmt: skip
    return Child(cmd, env, data_dir / "flower.log")


def wait_until(predicate: Any, timeout: float, interval: float = 0.25) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def export(env: Mapping[str, str], names: tuple[str, ...]) -> None:
    """Put the named variables into this process's environment too."""
    for name in names:
        os.environ[name] = env[name]
