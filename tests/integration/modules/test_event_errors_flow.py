"""Fluent FAILED events -> one grouped summary per run, checkpointed; nothing twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

from connector.modules.event_errors.service import summarize
from connector.store import checkpoints
from tests.integration.modules.test_external_support import (
    reconfigure,
    running_receiver,
)

CONFIG = """
notifications:
  channels:
    - {type: slack, name: ops-slack, url_env: TEST_SLACK_URL, kinds: [event_errors]}
modules:
  event_errors:
    event_types: [ORCHESTRATION_AUDIT]
    overlap_seconds: 60
    first_lookback_seconds: 3600
"""


def inject(connected, **body):
    resp = requests.post(
        f"{connected.fluent_url}/_sandbox/events/failed", json=body, timeout=10
    )
    resp.raise_for_status()


def test_failed_event_summary_once_per_run(connected, monkeypatch, tmp_path):
    runtime = connected.runtime
    with running_receiver() as receiver:
        monkeypatch.setenv("TEST_SLACK_URL", f"{receiver.url}/slack")
        reconfigure(connected, monkeypatch, tmp_path, CONFIG)

        assert summarize(runtime) == {"status": "nothing", "events": 0}
        old = datetime.now(UTC) - timedelta(hours=3)
        inject(  # before the first run's window: never reported
            connected,
            entityType="ORDER",
            entityRef="CT-OLD",
            message="ancient",
            generatedOn=old.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        )
        inject(
            connected,
            entityType="ORDER",
            entityRef="CT-1001",
            name="CREATE",
            rule="acme.rule.ReserveStock",
            message="No stock at location 12",
            count=3,
        )
        inject(
            connected,
            entityType="FULFILMENT",
            entityRef="F-9",
            rootEntityType="ORDER",
            rootEntityRef="CT-1002",
            name="FulfilmentCreated",
            message="Carrier down\njava stack...",
            count=2,
        )

        # Through the worker: one summary of the 5 audit records (the 5 failed
        # ORCHESTRATION source events are not of the configured type).
        assert runtime.enqueue("event_errors.summarize", queue="default")
        [post] = receiver.wait_for(1, "/slack")
        text = post.json()["text"]
        assert text.startswith("*Fluent: 5 failed events between ")
        assert (
            "ORDER · acme.rule.ReserveStock · No stock at location 12 × 3 (e.g. CT-1001)"
            in text
        )
        assert (
            "FULFILMENT · sandbox.rule.FailedRule · Carrier down × 2 (e.g. CT-1002)"
            in text
        )
        assert "ancient" not in text and "java stack" not in text

        def moved() -> bool:
            cp = checkpoints.get(
                runtime.store, "event_errors", "fluent:SANDBOX:1"
            )  # written after sending
            return bool(cp and cp.cursor.get("since") and not cp.lease_owner)

        connected.wait_until(moved, message="checkpoint advanced")

        # Second run: the same events are inside the overlap window but were
        # reported: nothing is sent.
        assert summarize(runtime) == {"status": "nothing", "events": 0}
        time.sleep(0.2)
        assert len(receiver.posts()) == 1

        # One new failure while Slack is down: kept, then sent alone.
        inject(
            connected, entityType="ORDER", entityRef="CT-1003", message="Bad address"
        )
        receiver.script = [502]
        assert summarize(runtime) == {"status": "unsent", "events": 1}
        assert summarize(runtime)["status"] == "sent"
        posts = receiver.posts("/slack")
        assert [p.status for p in posts] == [200, 502, 200]
        last = posts[-1].json()["text"]
        assert "Fluent: 1 failed event between" in last
        assert (
            "ORDER · sandbox.rule.FailedRule · Bad address × 1 (e.g. CT-1003)" in last
        )
        assert summarize(runtime)["status"] == "nothing"
        assert len(receiver.posts()) == 3
