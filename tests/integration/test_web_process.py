"""The `web` process as the Procfile runs it (gunicorn -c gunicorn.conf.py, 2 workers):
no token, signature, Authorization header or customer e-mail in any log line (access log
and app log), and Prometheus counters that agree whichever worker answers the scrape."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from connector.store import migrate

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
TOKEN = "tok-" + uuid.uuid4().hex  # the API token under test
WRONG = "wrong-" + uuid.uuid4().hex
SIGNATURE = base64.b64encode(b"sig-" + uuid.uuid4().bytes).decode()
EMAIL = f"jane.{uuid.uuid4().hex[:8]}@example.com"
REJECTED = re.compile(
    r'^connector_webhooks_rejected_total\{reason="unauthorized",'
    r'source="commercetools"\} (\S+)$',
    re.M,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ct_message() -> bytes:
    return json.dumps(
        {
            "notificationType": "Message",
            "id": str(uuid.uuid4()),
            "version": 1,
            "sequenceNumber": 1,
            "resource": {"typeId": "customer", "id": str(uuid.uuid4())},
            "resourceVersion": 1,
            "type": "CustomerCreated",
            "createdAt": "2026-12-05T10:00:00.000Z",
            "customer": {"email": EMAIL, "firstName": "Jane"},
        }
    ).encode()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("web")
    database_url = f"sqlite:///{tmp / 'connector.db'}"
    migrate.upgrade(database_url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONNECTOR_DATA_DIR": str(tmp),
        "CONNECTOR_API_TOKENS": f"{TOKEN},other-token",
        "CONNECTOR_LOG_LEVEL": "DEBUG",
        "CONNECTOR_MODULES": "customers",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
        # these tests send hundreds of unauthenticated requests on purpose (until both
        # workers answered): the failed-auth limit (tests/faults) would turn them to 429
        "CONNECTOR_AUTH_FAILURES_PER_MINUTE": "0",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    log_path = tmp / "web.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        yield {"url": url, "proc": proc, "log": log_path}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def post(url: str, path: str, **kw) -> requests.Response:
    # a new connection per request, so both workers answer some of them
    with requests.Session() as s:
        return s.post(f"{url}{path}", timeout=10, **kw)


def pids_serving(log: Path, request: str) -> set[str]:
    pattern = re.escape(f'"{request} HTTP/1.1"') + r".*pid=<(\d+)>"
    return set(re.findall(pattern, log.read_text()))


def test_two_workers_report_one_consistent_counter(web) -> None:
    url, log = web["url"], web["log"]
    before = REJECTED.search(requests.get(f"{url}/metrics", timeout=10).text)
    base = float(before.group(1)) if before else 0.0
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        # until both workers have counted some (the kernel picks who accepts)
        while len(pids_serving(log, "POST /webhooks/commercetools")) < 2:
            assert sent < 2000, "one worker answered everything"
            codes = set(
                pool.map(
                    lambda _: post(url, "/webhooks/commercetools", data=b"{}"),
                    range(40),
                )
            )
            assert {r.status_code for r in codes} == {401}
            sent += 40
            time.sleep(0.3)  # the access line is written after the response
    seen: dict[float, int] = {}
    for _ in range(200):
        with requests.Session() as s:
            match = REJECTED.search(s.get(f"{url}/metrics", timeout=10).text)
        assert match
        value = float(match.group(1)) - base
        seen[value] = seen.get(value, 0) + 1
        if len(pids_serving(log, "GET /metrics")) >= 2 and sum(seen.values()) >= 10:
            break
    assert len(pids_serving(log, "GET /metrics")) >= 2
    assert list(seen) == [float(sent)], seen


def test_no_token_signature_or_email_in_any_log_line(web) -> None:
    url = web["url"]
    accepted = post(
        url,
        f"/webhooks/commercetools?token={TOKEN}",
        data=ct_message(),
        headers={
            "Content-Type": "application/json",
            "Referer": f"{url}/?token={TOKEN}",
        },
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    refused = post(url, f"/webhooks/commercetools?x=1&token={WRONG}", data=ct_message())
    assert refused.status_code == 401
    by_header = post(
        url,
        "/webhooks/commercetools",
        data=ct_message(),
        headers={"Authorization": f"Bearer {TOKEN}", "X-API-Token": TOKEN},
    )
    assert by_header.status_code == 200, by_header.text
    bad_sig = post(
        url,
        "/api/v1/fluent-connect/webhook",
        data=b'{"id": "1", "name": "x"}',
        headers={"fluent-signature": SIGNATURE, "Authorization": f"Basic {SIGNATURE}"},
    )
    assert bad_sig.status_code == 401
    time.sleep(0.5)
    # stop gunicorn so every line is flushed, then read the whole output
    os.killpg(web["proc"].pid, signal.SIGTERM)
    web["proc"].wait(timeout=20)
    text = web["log"].read_text()
    # the lines are there (the check below is not vacuous) ...
    assert '/webhooks/commercetools?token=[redacted] HTTP/1.1" 200' in text, text
    assert '/webhooks/commercetools?x=1&token=[redacted] HTTP/1.1" 401' in text
    assert "webhook.delivery.rejected" in text  # the app log is in the same output
    # ... and no secret or personal data in any of them
    for secret in (TOKEN, WRONG, SIGNATURE, EMAIL):
        leaked = [line for line in text.splitlines() if secret in line]
        assert not leaked, leaked
