"""Real processes for the fault tests: a private redis-server, a Celery worker (prefork,
embedded beat), gunicorn. Each runs in its own session (process group) so a test can
kill exactly it; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.1
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


class Proc:
    """A child process in its own process group, output to a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path):
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        out = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: nothing runs its cleanup)."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)
        self.popen = None

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM the main process (warm shutdown) and wait for it."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        code = self.popen.wait(timeout=timeout)
        self.popen = None
        return code

    def children(self) -> list[int]:
        """Pids whose parent is this process (e.g. prefork pool children)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.pid:
                found.append(int(entry.name))
        return found


class PrivateRedis:
    """redis-server on a free port, no persistence: a restart loses everything."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.tmp),
        ]
        self.proc = Proc("redis", argv, os.environ, self.tmp / "redis.log").start()
        wait_until(self.ping, 10, "private redis answering")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()


def worker(env: Mapping[str, str], tmp: Path, *, concurrency: int = 2) -> Proc:
    """``celery worker -B`` as the Procfile runs it (events + default), with beat."""
    argv = [
        str(BIN / "celery"),
        "-A",
        "tasks.worker",
        "worker",
        "-B",
        "--schedule",
        str(tmp / "beat-schedule"),
        "-Q",
        "events,default",
        "-c",
        str(concurrency),
        "--prefetch-multiplier",
        "1",
        "-l",
        "info",
        "--without-mingle",
        "--without-gossip",
    ]
    return Proc("worker", argv, env, tmp / "worker.log")


def start_worker(env: Mapping[str, str], tmp: Path, **kw: Any) -> Proc:
    proc = worker(env, tmp, **kw)
    size = len(proc.output()) if proc.log.exists() else 0
    proc.start()
    wait_until(
        lambda: " ready." in proc.output()[size:] or not proc.alive(),
        60,
        "worker ready",
    )
    assert proc.alive(), proc.output()[-3000:]
    return proc


def start_web(env: Mapping[str, str], tmp: Path, *, workers: int = 2) -> Proc:
    port = free_port()
    argv = [
        str(BIN / "gunicorn"),
        "connector.wsgi:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        "2",
    ]
    proc = Proc("web", argv, env, tmp / f"web-{port}.log").start()
    proc.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]

    def up() -> bool:
        if not proc.alive():
            raise AssertionError(proc.output()[-3000:])
        try:
            return requests.get(f"{proc.url}/health", timeout=1).ok  # type: ignore[attr-defined]
        except requests.RequestException:
            return False

    wait_until(up, 30, "gunicorn answering")
    return proc
