"""The fault suite's system: a PRIVATE redis-server (restarted by tests, never the
shared one), a fresh PostgreSQL database on the shared server, gunicorn serving the app
and Celery worker subprocesses that tests kill. Short lease, sweep and limits keep every
test bounded; ``bench/bench_recovery.py`` measures the defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.models import InboundMessage
from connector.store import Store, messages, migrate
from tests.faults import procs
from tests.support import services, signing

TOKEN = "fault-token-1"


@dataclass
class System:
    tmp: Path
    env: dict[str, str]
    redis: procs.PrivateRedis
    store: Store
    web: Any
    workers: list[procs.Proc] = field(default_factory=list)

    # -- processes ----------------------------------------------------------------
    def start_worker(self, **env: str) -> procs.Proc:
        proc = procs.start_worker({**self.env, **env}, self.tmp)
        self.workers.append(proc)
        return proc

    def stop_workers(self) -> None:
        for proc in self.workers:
            proc.kill()
        self.workers.clear()

    # -- traffic ------------------------------------------------------------------
    def post_fluent(
        self, *, base: str | None = None, **fields: Any
    ) -> requests.Response:
        body = signing.fluent_body(**fields)
        return requests.post(
            f"{base or self.web.url}/api/v1/fluent-connect/webhook",
            data=body,
            headers=signing.signed_headers(body),
            timeout=10,
        )

    def accept(self, **fields: Any) -> int:
        resp = self.post_fluent(**fields)
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "accepted", resp.json()
        return int(resp.json()["id"])

    # -- observations -------------------------------------------------------------
    def row(self, row_id: int) -> InboundMessage:
        row = messages.get(self.store, row_id)
        assert row is not None
        return row

    def wait_status(
        self, row_id: int, statuses: tuple[str, ...], timeout: float
    ) -> InboundMessage:
        return procs.wait_until(
            lambda: (r := self.row(row_id)).status in statuses and r,
            timeout,
            f"message {row_id} reaching {statuses}",
        )

    def effects(self, ref: str) -> list[list[str]]:
        path = self.tmp / "effects.log"
        if not path.exists():
            return []
        lines = path.read_text().splitlines()
        return [line.split() for line in lines if line.split()[0] == ref]


def fault_env(tmp: Path, database_url: str, redis_url: str) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "PYTHONPATH": str(procs.REPO),
        "FAULTS_DIR": str(tmp),
        "CONNECTOR_DATA_DIR": str(tmp),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONNECTOR_REDIS_PREFIX": "",
        "CONNECTOR_CONFIG": str(Path(__file__).with_name("faults.yml")),
        "CONNECTOR_MODULES": "availability",  # no beat entries of its own
        "FLUENT_ACCOUNT_ID": "SANDBOX",
        "FLUENT_RETAILER_ID": "1",
        "FLUENT_WEBHOOK_PUBLIC_KEYS": signing.public_pem("primary"),
        "CONNECTOR_API_TOKENS": TOKEN,
        "CONNECTOR_RETRY_BASE_SECONDS": "0.2",
        "CONNECTOR_RETRY_MAX_SECONDS": "1",
        "CONNECTOR_MAX_RETRIES": "5",
        "CONNECTOR_MAX_DELIVERIES": "3",
        "CONNECTOR_LEASE_SECONDS": "4",
        "CONNECTOR_EVENT_TIME_LIMIT": "6",
        "CONNECTOR_SWEEP_AFTER_SECONDS": "1",
        "SYNC_MESSAGES_SWEEP_EVERY_SECONDS": "2",
    }


@pytest.fixture(scope="session")
def fault_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp = tmp_path_factory.mktemp("faults")
    redis = procs.PrivateRedis(tmp).start()
    url, name = services.create_pg_database()
    migrate.upgrade(url)
    env = fault_env(tmp, url, redis.url)
    store = Store(url)
    web = procs.start_web(env, tmp)
    system = System(tmp, env, redis, store, web)
    try:
        yield system
    finally:
        system.stop_workers()
        web.kill()
        redis.kill()
        store.dispose()
        services.drop_pg_database(name)


@pytest.fixture
def system(fault_system: System) -> Iterator[System]:
    """The system with no worker running; workers a test starts are killed after it."""
    fault_system.stop_workers()
    if not fault_system.redis.ping():
        fault_system.redis.start()
    yield fault_system
    fault_system.stop_workers()


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
