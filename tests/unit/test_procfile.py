"""The Procfile's process names and defaults, and Flower's bind rule (flowerconfig.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_process_names_and_worker_names() -> None:
    procs = procfile()
    assert {"release", "web", "worker", "worker_batch", "beat", "flower"} <= set(procs)
    assert "-n events@%h" in procs["worker"]
    assert "-n batch@%h" in procs["worker_batch"]
    assert procs["web"].startswith("gunicorn -c gunicorn.conf.py")
    assert "--access-logfile" not in procs["web"]  # the config's redacting logger does
    assert "--conf=flowerconfig.py" in procs["flower"]


def test_event_worker_pool_is_sized_for_io() -> None:
    worker = procfile()["worker"]
    assert "-P prefork" in worker
    assert "-c ${WORKER_CONCURRENCY:-16}" in worker


def flower(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in ("FLOWER_BASIC_AUTH", "FLOWER_ADDRESS", "FLOWER_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "flowerconfig.py"))


def test_flower_without_auth_listens_on_loopback_only(monkeypatch) -> None:
    conf = flower(monkeypatch, FLOWER_ADDRESS="0.0.0.0")
    assert conf["address"] == "127.0.0.1"
    assert "basic_auth" not in conf
    assert conf["port"] == 5555


def test_flower_with_auth_listens_publicly_and_requires_it(monkeypatch) -> None:
    conf = flower(
        monkeypatch, FLOWER_BASIC_AUTH="ops:pw1,admin:pw2", FLOWER_PORT="6000"
    )
    assert conf["address"] == "0.0.0.0"
    assert conf["basic_auth"] == ["ops:pw1", "admin:pw2"]
    assert conf["port"] == 6000


def test_flower_refuses_malformed_auth(monkeypatch) -> None:
    with pytest.raises(SystemExit, match="FLOWER_BASIC_AUTH"):
        flower(monkeypatch, FLOWER_BASIC_AUTH="justauser")
