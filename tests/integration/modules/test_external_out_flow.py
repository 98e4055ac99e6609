"""external_out end to end: an external webhook goes in, is shaped, put in the outbox
and POSTed signed to a receiver, with retries; SSRF refusals; `connector status`."""

from __future__ import annotations

import time

from click.testing import CliRunner

from connector import signing
from connector.cli import main
from connector.context import HandlerContext
from connector.modules.external_out.service import queue_delivery, send
from connector.store import messages, outbox
from tests.integration.modules.test_external_support import (
    reconfigure,
    running_receiver,
    signed,
)

IN_SECRET = "inbound-secret"
OUT_SECRET = "outbound-secret"


def config(receiver_url: str, allow: bool = True) -> str:
    allow_list = "allow_networks: [127.0.0.1/32]" if allow else "allow_networks: []"
    return f"""
modules:
  external_out:
    {allow_list}
    backoff_base: 0.05
    backoff_max: 0.2
    max_attempts: 5
    timeout_seconds: 5
    targets:
      private-a: {{url: "http://10.20.30.40/hook", secret_env: TEST_OUT_SECRET}}
      private-b: {{url: "http://192.168.1.5:8080/hook", secret_env: TEST_OUT_SECRET}}
      metadata: {{url: "http://169.254.169.254/latest", secret_env: TEST_OUT_SECRET}}
      by-name: {{url: "http://localhost:9/hook", secret_env: TEST_OUT_SECRET}}
      bounce: {{url: "{receiver_url}/bounce", secret_env: TEST_OUT_SECRET}}
      erp: {{url: "{receiver_url}/erp/orders", secret_env: TEST_OUT_SECRET}}
routes:
  - name: orders-out
    source: external
    handler: external_out.send
    options:
      auth: hmac
      secret_env: TEST_IN_SECRET
      id_field: id
      target: erp
      external_out:
        headers: {{X-Partner: acme}}
        template:
          orderRef: "${{order.ref}}"
          amount: "${{order.total}}"
          lines: "${{order.lines}}"
          summary: "Order ${{order.ref}} via ${{_meta.source}}"
"""


def test_signed_delivery_retries_then_succeeds_once(connected, monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_IN_SECRET", IN_SECRET)
    monkeypatch.setenv("TEST_OUT_SECRET", OUT_SECRET)
    store = connected.runtime.store
    with running_receiver() as receiver:
        reconfigure(connected, monkeypatch, tmp_path, config(receiver.url))
        receiver.script = [503, 503]  # then 200
        order = {"ref": "CT-1", "total": 99.5, "lines": [{"sku": "A", "qty": 2}]}
        raw, headers = signed({"id": "e-1", "order": order}, IN_SECRET)
        resp = connected.client.post(
            "/webhooks/external/orders-out", data=raw, headers=headers
        )
        assert resp.status_code == 200 and resp.json["status"] == "accepted"
        row = connected.wait_for(resp.json["id"])
        assert row.status == "done", row.last_error
        delivery_id = row.result["delivery_id"]

        connected.wait_until(
            lambda: outbox.get(store, delivery_id).status != "pending",
            message="delivery finished",
        )
        delivery = outbox.get(store, delivery_id)
        assert delivery.status == "delivered", delivery.last_error
        assert delivery.attempts == 3
        assert delivery.response_status == 200
        assert delivery.target == "orders-out"
        assert delivery.inbound_message_id == row.id

        hits = receiver.posts("/erp/orders")
        assert [h.status for h in hits] == [503, 503, 200]
        accepted = hits[-1]
        assert accepted.json() == {
            "orderRef": "CT-1",
            "amount": 99.5,
            "lines": [{"sku": "A", "qty": 2}],
            "summary": "Order CT-1 via external",
        }
        assert accepted.headers["X-Partner"] == "acme"
        # The receiver verifies exactly as external_in does.
        assert signing.verify([OUT_SECRET], accepted.body, accepted.headers) is None
        assert signing.verify(["other"], accepted.body, accepted.headers)
        # Each attempt is signed afresh; the delivery id is stable across attempts.
        assert len({h.headers["X-Connector-Delivery"] for h in hits}) == 1

        [status] = outbox.status_by_target(store)
        assert (status.target, status.counts) == ("orders-out", {"delivered": 1})
        assert status.oldest_pending_at is None
        assert status.last_error.startswith("ServerError: POST http://127.0.0.1:")

        # The same message handled again (replay, redelivery): no second POST.
        route = connected.runtime.registry.route("orders-out")
        again = send(
            HandlerContext(connected.runtime, messages.get(store, row.id), route)
        )
        assert again == {"delivery_id": delivery_id, "created": False}
        time.sleep(0.5)
        assert len(receiver.posts()) == 3

    result = CliRunner().invoke(main, ["status"], env=connected.env)
    assert result.exit_code == 0, result.output
    assert "delivered=1" in result.output


def test_ssrf_loopback_private_link_local_and_redirects_refused(
    connected, monkeypatch, tmp_path
):
    monkeypatch.setenv("TEST_IN_SECRET", IN_SECRET)
    monkeypatch.setenv("TEST_OUT_SECRET", OUT_SECRET)
    store = connected.runtime.store
    runtime = connected.runtime
    with running_receiver() as receiver:
        # No allow-list: the loopback receiver is refused, nothing reaches it.
        reconfigure(connected, monkeypatch, tmp_path, config(receiver.url, allow=False))
        raw, headers = signed({"id": "e-2", "order": {}}, IN_SECRET)
        resp = connected.client.post(
            "/webhooks/external/orders-out", data=raw, headers=headers
        )
        row = connected.wait_for(resp.json["id"])
        delivery_id = row.result["delivery_id"]
        connected.wait_until(
            lambda: outbox.get(store, delivery_id).status == "failed",
            message="loopback delivery refused",
        )
        refused = outbox.get(store, delivery_id)
        assert refused.attempts == 1  # refusal is permanent: no retries
        assert "127.0.0.1 is loopback" in refused.last_error
        assert refused.last_error.startswith("AddressRefused")
        for name, reason in (
            ("private-a", "10.20.30.40 is private"),
            ("private-b", "192.168.1.5 is private"),
            ("metadata", "169.254.169.254 is link-local"),
            ("by-name", "is loopback"),
            ("bounce", "127.0.0.1 is loopback"),
        ):
            queued = queue_delivery(runtime, name, {"n": name}, f"ssrf:{name}")
            did = queued["delivery_id"]
            connected.wait_until(
                lambda did=did: outbox.get(store, did).status == "failed",
                message=f"{name} refused",
            )
            assert reason in outbox.get(store, did).last_error, name

        # Allow-listed loopback receiver that redirects to a private address: the
        # redirect hop is checked like the first request and refused.
        reconfigure(connected, monkeypatch, tmp_path, config(receiver.url, allow=True))
        receiver.redirects["/bounce"] = "http://10.0.0.7/internal"
        did = queue_delivery(runtime, "bounce", {"n": 1}, "ssrf:redirect")[
            "delivery_id"
        ]
        connected.wait_until(
            lambda: outbox.get(store, did).status == "failed", message="redirect"
        )
        assert "10.0.0.7 is private" in outbox.get(store, did).last_error
        assert [(h.path, h.status) for h in receiver.posts()] == [("/bounce", 307)]

        # A 307 to an allowed address is followed with the same signed POST.
        receiver.redirects["/bounce"] = "/landing"
        did = queue_delivery(runtime, "bounce", {"n": 2}, "ssrf:follow")["delivery_id"]
        connected.wait_until(
            lambda: outbox.get(store, did).status == "delivered", message="followed"
        )
        landing = receiver.posts("/landing")
        assert [h.status for h in landing] == [200] and landing[0].json() == {"n": 2}
        assert signing.verify([OUT_SECRET], landing[0].body, landing[0].headers) is None
