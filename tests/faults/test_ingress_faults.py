"""Ingress under faults: the store down answers 503 + Retry-After and publishes
nothing; every malformed body is a 4xx on PostgreSQL (gunicorn) and SQLite; failed
token attempts are limited per client across gunicorn workers (shared in Redis)."""

from __future__ import annotations

import base64
import json
import time

import pytest
import redis
import requests

from tests.faults import procs
from tests.faults.conftest import TOKEN
from tests.support import signing


def test_store_down_answers_503_with_retry_after_and_publishes_nothing(system):
    port = procs.free_port()  # nothing listens there: connection refused
    env = {
        **system.env,
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/none",
    }
    web = procs.start_web(env, system.tmp, workers=1)
    try:
        client = redis.Redis.from_url(system.redis.url)
        before = client.llen("events")
        resp = system.post_fluent(base=web.url, id="db-down-1", name="fault.record")
        assert resp.status_code == 503, resp.text
        assert resp.headers["Retry-After"] == "5"
        assert resp.json()["error"] == "store_unavailable"
        ct = requests.post(
            f"{web.url}/webhooks/commercetools",
            json=_ct_message("ct-db-down-1"),
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert ct.status_code == 503 and "Retry-After" in ct.headers
        for path in ("/api/v1/jobs", "/api/v1/jobs/1"):
            api = requests.get(
                f"{web.url}{path}", headers={"X-API-Token": TOKEN}, timeout=10
            )
            assert api.status_code == 503, (path, api.text)
            assert api.headers["Retry-After"] == "5"
        assert client.llen("events") == before  # nothing published
        assert "Traceback" not in web.output()
    finally:
        web.kill()


def _ct_message(message_id: str, **over) -> dict:
    body = {
        "notificationType": "Message",
        "id": message_id,
        "type": "OrderCreated",
        "resource": {"typeId": "order", "id": "o-1"},
        "resourceVersion": 1,
        "sequenceNumber": 1,
        "projectKey": "any",
    }
    body.update(over)
    return body


def _fluent_raw(text: str) -> bytes:
    """A Fluent envelope whose entityRef is given as raw JSON string text."""
    body = signing.fluent_body(id="bad-1", name="fault.record", entityRef="X")
    return body.replace(b'"entityRef": "X"', f'"entityRef": "{text}"'.encode())


MALFORMED_FLUENT = [
    (_fluent_raw("A\\u0000B"), "entityRef"),
    (_fluent_raw("A\\ud800B"), "entityRef"),
    (signing.fluent_body(id="bad-2", name=12345), "name"),
    (signing.fluent_body(id=12345, name="fault.record"), "id"),
    (signing.fluent_body(id="bad-3", entityType="X" * 100), "entityType"),
    (b'{"id": "bad-4", "a": {"\\u0000": 1}}', "$.a"),
]
MALFORMED_CT = [
    (_ct_message("ct\\u0000id"), "id"),
    (_ct_message("ct-ok", resource={"typeId": "order", "id": "o\\ud800"}), "id"),
    (_ct_message(12345), "id"),
    (_ct_message("ct-ok-2", type=7), "type"),
]


def _raw_ct(body: dict) -> bytes:
    # keep escapes literal: json.dumps would double the backslash of "\\u0000"
    return json.dumps(body).replace("\\\\u", "\\u").encode()


def _check_malformed(post_fluent, post_ct) -> None:
    for raw, field in MALFORMED_FLUENT:
        status, body = post_fluent(raw)
        assert status == 400, (raw[:80], status, body)
        assert field in body["message"], (field, body)
    for message, field in MALFORMED_CT:
        raw = _raw_ct(message)
        status, body = post_ct(raw)
        assert status == 400, (raw[:80], status, body)
        assert field in body["message"], (field, body)
        envelope = {"message": {"data": base64.b64encode(raw).decode()}}
        status, body = post_ct(json.dumps(envelope).encode())  # Pub/Sub push form
        assert status == 400, (status, body)


def test_malformed_bodies_are_4xx_on_postgresql(system):
    def post_fluent(raw: bytes):
        resp = requests.post(
            f"{system.web.url}/webhooks/fluent",
            data=raw,
            headers=signing.signed_headers(raw),
            timeout=10,
        )
        return resp.status_code, resp.json()

    def post_ct(raw: bytes):
        resp = requests.post(
            f"{system.web.url}/webhooks/commercetools?token={TOKEN}",
            data=raw,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        return resp.status_code, resp.json()

    _check_malformed(post_fluent, post_ct)
    assert "Traceback" not in system.web.output()


def test_malformed_bodies_are_4xx_on_sqlite(system, tmp_path):
    from connector import create_app
    from connector.config import Config
    from connector.store import migrate

    env = {**system.env, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    env.pop("REDIS_URL")
    env["CONNECTOR_DATA_DIR"] = str(tmp_path)
    migrate.upgrade(env["DATABASE_URL"])
    client = create_app(Config.from_env(env)).test_client()

    def post_fluent(raw: bytes):
        resp = client.post(
            "/webhooks/fluent", data=raw, headers=signing.signed_headers(raw)
        )
        return resp.status_code, resp.json

    def post_ct(raw: bytes):
        resp = client.post(
            "/webhooks/commercetools",
            data=raw,
            headers={"X-API-Token": TOKEN, "Content-Type": "application/json"},
        )
        return resp.status_code, resp.json

    _check_malformed(post_fluent, post_ct)


@pytest.mark.parametrize("path", ["/webhooks/commercetools", "/api/v1/jobs"])
def test_failed_tokens_beyond_60_a_minute_get_429_across_workers(system, path):
    client = redis.Redis.from_url(system.redis.url)
    for key in client.scan_iter("connector:auth-failures:*"):
        client.delete(key)
    session = requests  # a new connection per call: both gunicorn workers answer

    def call(token: str) -> requests.Response:
        if path.startswith("/webhooks"):
            return session.post(
                f"{system.web.url}{path}?token={token}",
                json=_ct_message("rl-1"),
                timeout=10,
            )
        return session.get(
            f"{system.web.url}{path}", headers={"X-API-Token": token}, timeout=10
        )

    if time.time() % 60 > 52:  # let the burst fit in one fixed one-minute window
        time.sleep(60.5 - time.time() % 60)
    statuses = [call(f"wrong-{i}").status_code for i in range(65)]
    assert statuses == [401] * 60 + [429] * 5, statuses
    counted = sum(int(client.get(k) or 0) for k in client.scan_iter("connector:auth-*"))
    assert counted >= 65  # one count shared by every worker process, in Redis
    limited = call("wrong-again")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"] == "too_many_requests"
    good = call(TOKEN)
    assert good.status_code == 200, good.text  # a correct token is never held up
    assert good.elapsed.total_seconds() < 1
