"""What one webhook's handler leaves for the next webhook of the same order
(connector.fluent_orders.order_cache, pair.with_order): the CT order its update
returned and the Fluent order it read. They save reads, and never let a decision rest
on a copy that is no longer current or a Fluent read older than the webhook."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from test_order_lifecycle_support import Scenario

from connector.fluent_orders.ct_types import ct_setup
from connector.fluent_orders.fetch import OrderKey, fetch_order
from connector.fluent_orders.order_cache import Copies, CtOrderCache, order_cache
from connector.fluent_orders.pair import CtOrderHandle, with_order
from connector.models import InboundMessage
from connector.store.messages import sequence_mark

BY_NUMBER = "GET /<project_key>/orders/order-number=<number>"
BY_ID = "GET /<project_key>/orders/<res_id>"
UPDATE = "POST /<project_key>/orders/<res_id>"
FLUENT_ORDER = "graphql:order"


@pytest.fixture
def scenario(connected) -> Scenario:
    if connected.stack.backend != "postgres":
        pytest.skip("the copy is kept only under the PostgreSQL order lock, in Redis")
    return Scenario(connected)


def _seed(scenario: Scenario, number: str) -> dict[str, Any]:
    order = scenario.seed(number, notify_received=False)
    scenario.settle()
    _forget_calls(scenario)
    return order


def _forget_calls(scenario: Scenario) -> None:
    scenario.ct_control("DELETE", "/calls")
    scenario.fluent("DELETE", "/calls")


def _calls(scenario: Scenario) -> dict[str, int]:
    counts = scenario.ct_control("GET", "/calls").json()["counts"]
    return {k: counts.get(k, 0) for k in (BY_NUMBER, BY_ID, UPDATE)}


def _fluent_reads(scenario: Scenario) -> int:
    return scenario.fluent("GET", "/calls").json()["counts"].get(FLUENT_ORDER, 0)


def _moved_behind_our_back(scenario: Scenario, number: str, state: str) -> dict:
    """Another client updates the order (the copy is no longer current); the calls
    counted so far are forgotten. Returns the order as it was before."""
    current = scenario.order(number)
    scenario.ct.update(
        f"orders/{current['id']}",
        current["version"],
        [{"action": "changeShipmentState", "shipmentState": state}],
    )
    _forget_calls(scenario)
    return current


def _webhook(number: str, row_id: int = 0) -> InboundMessage:
    """A stored Fluent ORDER webhook (``row_id`` 0: older than any Fluent read)."""
    return InboundMessage(
        id=row_id, payload={"entityType": "ORDER", "entityRef": number}
    )


def _set_state(runtime: Any, state: str, seen: list[dict[str, Any]] | None = None):
    """A handler's work: move the order to ``state`` (no action when it is there)."""

    def work(order: dict[str, Any], handle: CtOrderHandle) -> dict[str, Any]:
        assert order["ref"] == handle.body["orderNumber"]
        if seen is not None:
            seen.append({"is_copy": handle.is_copy, "version": handle.body["version"]})

        def build(current: dict[str, Any]) -> list[dict[str, Any]]:
            if current.get("shipmentState") == state:
                return []
            return [{"action": "changeShipmentState", "shipmentState": state}]

        updated, applied = handle.update(build, ct_setup(runtime.caches))
        return {"version": updated["version"], "actions": len(applied)}

    return work


def _first_handled(scenario: Scenario, number: str, state: str = "Pending"):
    """Seed ``number``, run a first handler that moves it to ``state`` (which leaves
    the copies); the connector's runtime and the webhook, for the next handlers."""
    runtime = scenario.connected.runtime
    _seed(scenario, number)
    ref = _webhook(number)
    with_order(runtime, ref, _set_state(runtime, state))
    return runtime, ref


def test_the_next_webhook_of_an_order_starts_from_the_copy(scenario) -> None:
    runtime = scenario.connected.runtime
    order = _seed(scenario, "CT-COPY-1")
    ref = _webhook("CT-COPY-1")
    seen: list[dict[str, Any]] = []
    first = with_order(runtime, ref, _set_state(runtime, "Pending", seen))
    second = with_order(runtime, ref, _set_state(runtime, "Ready", seen))
    third = with_order(runtime, ref, _set_state(runtime, "Shipped", seen))
    assert [first["actions"], second["actions"], third["actions"]] == [1, 1, 1]
    assert third["version"] == order["version"] + 3
    # one read for three updates: the 2nd and 3rd started from the copy
    assert _calls(scenario) == {BY_NUMBER: 1, BY_ID: 0, UPDATE: 3}
    assert [s["is_copy"] for s in seen] == [False, True, True]
    assert scenario.order("CT-COPY-1")["shipmentState"] == "Shipped"


def test_a_copy_changed_behind_our_back_is_refused_and_read_again(scenario) -> None:
    runtime, ref = _first_handled(scenario, "CT-COPY-2")
    # someone else (the merchant center, another app) moves the order on
    current = _moved_behind_our_back(scenario, "CT-COPY-2", "Delayed")
    result = with_order(runtime, ref, _set_state(runtime, "Ready"))
    # the copy's version got a 409 (a POST that added no version), then one re-read
    assert _calls(scenario) == {BY_NUMBER: 0, BY_ID: 1, UPDATE: 2}
    after = scenario.order("CT-COPY-2")
    assert after["shipmentState"] == "Ready"
    assert result["version"] == current["version"] + 2


def test_no_change_on_a_copy_is_confirmed_on_a_fresh_read(scenario) -> None:
    runtime, ref = _first_handled(scenario, "CT-COPY-3", "Ready")
    # behind our back the order leaves Ready: the copy still says Ready
    _moved_behind_our_back(scenario, "CT-COPY-3", "Backorder")
    result = with_order(runtime, ref, _set_state(runtime, "Ready"))
    # on the copy there was nothing to do; the fresh read showed otherwise
    assert result["actions"] == 1
    assert _calls(scenario) == {BY_NUMBER: 0, BY_ID: 1, UPDATE: 1}
    assert scenario.order("CT-COPY-3")["shipmentState"] == "Ready"
    # and a real no-op: one fresh read, no write
    _forget_calls(scenario)
    assert with_order(runtime, ref, _set_state(runtime, "Ready"))["actions"] == 0
    assert _calls(scenario) == {BY_NUMBER: 0, BY_ID: 1, UPDATE: 0}


def test_a_block_that_returns_without_writing_decides_again_on_a_fresh_read(
    scenario,
) -> None:
    runtime, ref = _first_handled(scenario, "CT-COPY-4")
    runs: list[bool] = []

    def early_return(order: dict[str, Any], handle: CtOrderHandle) -> str:
        runs.append(handle.is_copy)
        return "nothing to write"

    _forget_calls(scenario)
    assert with_order(runtime, ref, early_return) == "nothing to write"
    assert runs == [True, False]
    assert _calls(scenario) == {BY_NUMBER: 1, BY_ID: 0, UPDATE: 0}


def test_a_copy_of_an_order_that_is_gone_is_read_again(scenario) -> None:
    runtime, ref = _first_handled(scenario, "CT-COPY-5")
    cache = order_cache(runtime)
    assert cache is not None
    kept = cache.get("CT-COPY-5")
    assert kept.ct is not None
    kept.ct = {**kept.ct, "id": "00000000-0000-0000-0000-000000000000"}
    cache.put("CT-COPY-5", kept)
    result = with_order(runtime, ref, _set_state(runtime, "Ready"))
    assert result["actions"] == 1
    assert scenario.order("CT-COPY-5")["shipmentState"] == "Ready"


def test_a_failed_block_drops_the_copy(scenario) -> None:
    runtime, ref = _first_handled(scenario, "CT-COPY-6")
    cache = order_cache(runtime)
    assert cache is not None and cache.get("CT-COPY-6").ct is not None

    def fails(order: dict[str, Any], handle: CtOrderHandle) -> None:
        raise RuntimeError("the handler broke")

    with pytest.raises(RuntimeError):
        with_order(runtime, ref, fails)
    assert cache.get("CT-COPY-6").empty


def test_the_copy_in_redis_is_encrypted_and_expires(scenario) -> None:
    runtime = scenario.connected.runtime
    order = _seed(scenario, "CT-COPY-7")
    with_order(runtime, _webhook("CT-COPY-7"), _set_state(runtime, "Pending"))
    cache = order_cache(runtime)
    assert isinstance(cache, CtOrderCache)
    client = redis.Redis.from_url(runtime.config.redis_url)
    raw = client.get(cache.key("CT-COPY-7"))
    assert raw is not None
    for secret in ("CT-COPY-7", order["customerEmail"], order["id"]):
        assert secret.encode() not in raw
    assert 0 < client.pttl(cache.key("CT-COPY-7")) <= cache.ttl * 1000
    # another secret (rotated) cannot read it: a miss, not an error
    config = runtime.config
    other = CtOrderCache(
        cache.cache.backend,
        "another-secret",
        f"{config.ct.project_key}:{config.fluent.account_id}",
        cache.ttl,
        prefix=config.redis_key_prefix,
    )
    assert other.key("CT-COPY-7") == cache.key("CT-COPY-7")
    assert other.get("CT-COPY-7").empty
    kept = cache.get("CT-COPY-7")
    assert kept.ct is not None and kept.ct["shipmentState"] == "Pending"
    assert kept.fluent is not None and kept.fluent["ref"] == "CT-COPY-7"


def test_a_fluent_read_serves_the_webhooks_stored_before_it_started(scenario) -> None:
    runtime = scenario.connected.runtime
    _seed(scenario, "CT-COPY-8")
    before = sequence_mark(runtime.store)
    assert before is not None
    with_order(runtime, _webhook("CT-COPY-8", before), _set_state(runtime, "Pending"))
    assert _fluent_reads(scenario) == 1
    # a webhook stored before that read: the read already shows what it announced
    with_order(runtime, _webhook("CT-COPY-8", before), _set_state(runtime, "Ready"))
    assert _fluent_reads(scenario) == 1
    # one stored after it (a newer id): Fluent is read again
    with_order(
        runtime, _webhook("CT-COPY-8", before + 1), _set_state(runtime, "Shipped")
    )
    assert _fluent_reads(scenario) == 2
    # the handlers also shared the CT order: one read for three updates
    assert _calls(scenario) == {BY_NUMBER: 1, BY_ID: 0, UPDATE: 3}
    # a message that failed before (a replay after an operator's fix) reads afresh,
    # even though the kept read would cover it
    replayed = _webhook("CT-COPY-8", before)
    replayed.last_error = "TransientError: Fluent timed out"
    with_order(runtime, replayed, _set_state(runtime, "Pending"))
    assert _fluent_reads(scenario) == 3


def test_kept_fluent_order_serves_only_the_parts_it_was_read_with() -> None:
    order = {"ref": "F-1", "status": "BOOKED"}
    copies = Copies(fluent=order, fluent_parts=(True, False), fluent_mark=10)
    assert copies.fluent_for(10, (False, False)) is order
    assert copies.fluent_for(10, (True, False)) is order
    assert copies.fluent_for(10, (True, True)) is None  # no articles in it
    assert copies.fluent_for(11, (False, False)) is None  # stored after the read
    assert Copies(fluent=order, fluent_mark=None).fluent_for(1, (False, False)) is None


def test_a_webhook_naming_its_order_by_id_reads_it_first(scenario) -> None:
    runtime = scenario.connected.runtime
    _seed(scenario, "CT-COPY-9")
    found = fetch_order(runtime.fluent(), OrderKey(ref="CT-COPY-9"))
    assert found is not None
    fluent_id = found["id"]
    _forget_calls(scenario)
    by_id = InboundMessage(
        id=0,
        payload={
            "entityType": "FULFILMENT",
            "rootEntityType": "ORDER",
            "rootEntityId": fluent_id,
        },
    )
    seen: list[dict[str, Any]] = []
    with_order(runtime, by_id, _set_state(runtime, "Pending", seen))
    with_order(runtime, by_id, _set_state(runtime, "Ready", seen))
    # each read Fluent (the lock is named by the ref the read gives), the CT copy
    # still served the second
    assert _fluent_reads(scenario) == 2
    assert [s["is_copy"] for s in seen] == [False, True]
    assert scenario.order("CT-COPY-9")["shipmentState"] == "Ready"
