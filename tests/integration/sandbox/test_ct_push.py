"""commercetools sandbox: subscription push (Platform and Pub/Sub formats) to a receiver."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, request

from sandbox.commercetools.testing import CtSandboxApi
from sandbox.common import SandboxServer
from sandbox.defaults import CT_PROJECT_KEY


class Receiver:
    """A tiny HTTP endpoint collecting POSTs; can fail the first N with 503."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.fail_next = 0
        app = Flask("ct_push_receiver")

        @app.post("/hook")
        def hook():
            with self.lock:
                if self.fail_next:
                    self.fail_next -= 1
                    return {"error": "busy"}, 503
                self.received.append(
                    {"headers": dict(request.headers), "body": request.get_json()}
                )
            return "", 204

        self.server = SandboxServer(app).start()
        self.url = f"{self.server.url}/hook"

    def bodies(self) -> list[dict]:
        with self.lock:
            return [r["body"] for r in self.received]


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.stop()


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    with receiver_server.lock:
        receiver_server.received.clear()
        receiver_server.fail_next = 0
    return receiver_server


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    return api


def test_platform_format_in_order_with_headers_and_filters(ct, receiver):
    ct.subscribe(
        url=receiver.url,
        format="platform",
        headers={"Authorization": "Bearer hook-secret"},
        messages=[{"resourceTypeId": "category", "types": ["CategoryCreated"]}],
    )
    for i in range(5):
        ct.ok(
            ct.post(
                "/categories",
                {"key": f"c{i}", "name": {"en": f"C{i}"}, "slug": {"en": f"c-{i}"}},
            ),
            201,
        )
    channel = ct.post("/channels", {"key": "not-subscribed"})
    assert channel.status_code == 201
    assert ct.drain()["drained"] is True
    bodies = receiver.bodies()
    assert [b["category"]["key"] for b in bodies] == ["c0", "c1", "c2", "c3", "c4"]
    first = bodies[0]
    assert first["notificationType"] == "Message"
    assert first["projectKey"] == CT_PROJECT_KEY
    assert first["type"] == "CategoryCreated"
    assert first["resource"]["typeId"] == "category"
    assert {"id", "version", "sequenceNumber", "resourceVersion", "createdAt"} <= set(
        first
    )
    assert receiver.received[0]["headers"]["Authorization"] == "Bearer hook-secret"
    log = ct.control("GET", "/subscriptions/deliveries")
    assert len(log["deliveries"]) == 5 and all(d["ok"] for d in log["deliveries"])
    assert log["pending"] == 0


def test_pubsub_envelope(ct, receiver):
    ct.subscribe(
        url=receiver.url,
        format="pubsub",
        subscription="projects/ct-connect-x/subscriptions/event-app-sub",
        messages=[{"resourceTypeId": "customer"}],
    )
    ct.ok(ct.post("/customers", {"email": "a@example.com", "password": "x"}), 201)
    assert ct.drain()["drained"] is True
    (envelope,) = receiver.bodies()
    assert (
        envelope["subscription"] == "projects/ct-connect-x/subscriptions/event-app-sub"
    )
    message = envelope["message"]
    assert message["messageId"] and message["publishTime"].endswith("Z")
    assert message["attributes"] == {}
    payload = json.loads(base64.b64decode(message["data"]))
    assert payload["notificationType"] == "Message"
    assert payload["type"] == "CustomerCreated"
    assert payload["customer"]["email"] == "a@example.com"


def test_change_notifications(ct, receiver):
    ct.subscribe(url=receiver.url, changes=[{"resourceTypeId": "category"}])
    cat = ct.ok(
        ct.post(
            "/categories", {"key": "k", "name": {"en": "K"}, "slug": {"en": "k-1"}}
        ),
        201,
    )
    ct.ok(
        ct.update(
            f"/categories/{cat['id']}",
            1,
            {"action": "changeName", "name": {"en": "K2"}},
        )
    )
    ct.api("DELETE", f"/categories/{cat['id']}", params={"version": 2})
    assert ct.drain()["drained"] is True
    kinds = [
        (b["notificationType"], b["version"], b.get("oldVersion"))
        for b in receiver.bodies()
    ]
    assert kinds == [
        ("ResourceCreated", 1, None),
        ("ResourceUpdated", 2, 1),
        ("ResourceDeleted", 3, None),
    ]
    updated = receiver.bodies()[1]
    assert updated["resourceUserProvidedIdentifiers"] == {
        "key": "k",
        "slug": {"en": "k-1"},
    }
    assert updated["projectKey"] == CT_PROJECT_KEY and updated["modifiedAt"].endswith(
        "Z"
    )


def test_failed_deliveries_are_retried(ct, receiver):
    receiver.fail_next = 2
    ct.subscribe(
        url=receiver.url,
        messages=[{"resourceTypeId": "category"}],
        retryDelays=[0.01, 0.01, 0.01],
    )
    ct.ok(ct.post("/categories", {"name": {"en": "A"}, "slug": {"en": "aa"}}), 201)
    ct.ok(ct.post("/categories", {"name": {"en": "B"}, "slug": {"en": "bb"}}), 201)
    assert ct.drain()["drained"] is True
    assert [b["category"]["name"]["en"] for b in receiver.bodies()] == ["A", "B"]
    attempts = [
        (d["attempt"], d["status"], d["ok"])
        for d in ct.control("GET", "/subscriptions/deliveries")["deliveries"]
    ]
    assert attempts == [
        (1, 503, False),
        (2, 503, False),
        (3, 204, True),
        (1, 204, True),
    ]


def test_unreachable_destination_gives_up_and_config_is_validated(ct):
    ct.subscribe(
        url="http://127.0.0.1:9/nothing",
        messages=[{"resourceTypeId": "category"}],
        retryDelays=[0.01],
    )
    ct.ok(ct.post("/categories", {"name": {"en": "A"}, "slug": {"en": "aa"}}), 201)
    assert ct.drain()["drained"] is True
    log = ct.control("GET", "/subscriptions/deliveries")["deliveries"]
    assert [d["ok"] for d in log] == [False, False] and log[0]["error"]
    bad = requests.post(
        f"{ct.url}/_sandbox/subscriptions", json={"url": "ftp://x"}, timeout=10
    )
    assert bad.status_code == 400
    nothing = requests.post(
        f"{ct.url}/_sandbox/subscriptions", json={"url": "http://x"}, timeout=10
    )
    assert nothing.status_code == 400
    ct.control("DELETE", "/subscriptions")
    assert ct.control("GET", "/subscriptions")["subscriptions"] == []
