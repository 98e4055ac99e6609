"""``update_with_retry``: a fresh read is trusted; a kept copy (``current_is_copy``) is
trusted only by a versioned write that CT accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from connector.clients.commercetools import CommercetoolsClient
from connector.clients.errors import ConcurrentModification

API = "https://api.example.test"
ORDER = f"{API}/shop/orders/o1"


class FakeOrder:
    """One CT order: GET answers it, POST applies ``changeShipmentState`` if the
    version matches (else 409, as commercetools does)."""

    def __init__(self, state: str, version: int = 5) -> None:
        self.body = {"id": "o1", "version": version, "shipmentState": state}
        self.gets = 0
        self.posts: list[int] = []
        self.conflicts = 0

    def get(self, request: Any) -> tuple[int, dict, str]:
        self.gets += 1
        return 200, {}, json.dumps(self.body)

    def post(self, request: Any) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        self.posts.append(sent["version"])
        if sent["version"] != self.body["version"] or self.conflicts:
            self.conflicts = max(0, self.conflicts - 1)
            error = {"code": "ConcurrentModification", "currentVersion": 9}
            return 409, {}, json.dumps({"statusCode": 409, "errors": [error]})
        for action in sent["actions"]:
            self.body["shipmentState"] = action["shipmentState"]
        self.body["version"] += 1
        return 200, {}, json.dumps(self.body)


def to(state: str):
    def build(current: dict[str, Any]) -> list[dict[str, Any]]:
        if current["shipmentState"] == state:
            return []
        return [{"action": "changeShipmentState", "shipmentState": state}]

    return build


def run(order: FakeOrder, current: dict | None, state: str, **kw: Any):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            "https://auth.example.test/oauth/token",
            json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"},
        )
        mock.add_callback(responses.GET, ORDER, callback=order.get)
        mock.add_callback(responses.POST, ORDER, callback=order.post)
        ct = CommercetoolsClient(API, "https://auth.example.test", "shop", "i", "s")
        return ct.update_with_retry("orders/o1", to(state), current, **kw)


def test_a_current_copy_is_written_without_a_read() -> None:
    order = FakeOrder("Pending")
    updated, applied = run(order, dict(order.body), "Ready", current_is_copy=True)
    assert (order.gets, order.posts, updated["version"]) == (0, [5], 6)
    assert applied[0]["shipmentState"] == "Ready"


def test_a_stale_copy_gets_a_409_then_one_read_not_counted_as_an_attempt() -> None:
    order = FakeOrder("Delayed", version=7)
    copy = {"id": "o1", "version": 5, "shipmentState": "Pending"}
    updated, _ = run(order, copy, "Ready", current_is_copy=True, attempts=1)
    assert (order.gets, order.posts) == (1, [5, 7])
    assert updated["shipmentState"] == "Ready"


def test_no_actions_on_a_copy_is_checked_on_a_fresh_read() -> None:
    order = FakeOrder("Backorder", version=8)
    copy = {"id": "o1", "version": 5, "shipmentState": "Ready"}
    updated, applied = run(order, copy, "Ready", current_is_copy=True)
    assert (order.gets, order.posts, len(applied)) == (1, [8], 1)
    assert updated["shipmentState"] == "Ready"


def test_no_actions_on_a_copy_and_on_the_fresh_read_is_a_no_op() -> None:
    order = FakeOrder("Ready")
    updated, applied = run(order, dict(order.body), "Ready", current_is_copy=True)
    assert (order.gets, order.posts, applied) == (1, [], [])
    assert updated == order.body


def test_no_actions_on_a_fresh_read_is_trusted() -> None:
    order = FakeOrder("Ready")
    _, applied = run(order, dict(order.body), "Ready")
    assert (order.gets, order.posts, applied) == (0, [], [])


def test_conflicts_on_fresh_reads_stay_bounded() -> None:
    order = FakeOrder("Pending")
    order.conflicts = 10
    with pytest.raises(ConcurrentModification):
        run(order, dict(order.body), "Ready", attempts=3)
    assert (order.gets, len(order.posts)) == (2, 3)
    # a copy adds one write, not an unbounded loop
    order = FakeOrder("Pending")
    order.conflicts = 10
    with pytest.raises(ConcurrentModification):
        run(order, dict(order.body), "Ready", attempts=3, current_is_copy=True)
    assert (order.gets, len(order.posts)) == (3, 4)
