"""A burst of failures -> ONE grouped summary per flush, on every channel (Slack, email,
SMS/HTTP); a channel outage delays the summary instead of losing it."""

from __future__ import annotations

import json
import time

from connector.errors import PermanentError
from connector.modules.notifications.flush import flush
from connector.store import messages
from tests.integration.modules.test_external_support import (
    reconfigure,
    running_receiver,
)
from tests.unit.modules.test_notifications_smtp import SmtpServer

FAILING = "tests.integration.modules.test_notifications_flow"


def rejects_order(ctx):
    raise PermanentError(f"ERP rejected order {ctx.payload['n']}")


def explodes(ctx):
    raise KeyError("sku")


def config(smtp_port: int) -> str:
    return f"""
notifications:
  settle_seconds: 0
  channels:
    - type: slack
      name: ops-slack
      url_env: TEST_SLACK_URL
    - type: email
      name: ops-mail
      host: 127.0.0.1
      port: {smtp_port}
      security: none
      from: connector@example.test
      to: [ops@example.test]
    - type: http
      name: oncall-sms
      url_env: TEST_SMS_URL
      format: form
      headers_env: {{X-Gateway-Key: TEST_SMS_KEY}}
      max_chars: 70
      body: {{To: "+15550100", Body: "$text", Count: "$total"}}
    - type: slack
      name: unset-slack
      url_env: TEST_UNSET_SLACK_URL
    - type: slack
      name: events-only
      url_env: TEST_SLACK_URL
      kinds: [event_errors]
routes:
  - name: erp-orders
    source: external
    handler: {FAILING}:rejects_order
    options: {{auth: token, tokens_env: TEST_BURST_TOKENS}}
  - name: erp-stock
    source: external
    handler: {FAILING}:explodes
    options: {{auth: token, tokens_env: TEST_BURST_TOKENS}}
"""


def test_burst_of_failures_sends_one_grouped_summary(connected, monkeypatch, tmp_path):
    runtime = connected.runtime
    store = runtime.store
    with running_receiver() as receiver, SmtpServer() as smtp:
        monkeypatch.setenv("TEST_SLACK_URL", f"{receiver.url}/slack")
        monkeypatch.setenv("TEST_SMS_URL", f"{receiver.url}/sms")
        monkeypatch.setenv("TEST_SMS_KEY", "gw-key")
        monkeypatch.setenv("TEST_BURST_TOKENS", "burst-token")
        monkeypatch.delenv("TEST_UNSET_SLACK_URL", raising=False)
        reconfigure(connected, monkeypatch, tmp_path, config(smtp.port))

        ids = []
        for n in range(30):
            route = "erp-orders" if n < 20 else "erp-stock"
            resp = connected.client.post(
                f"/webhooks/external/{route}",
                data=json.dumps({"n": n}),
                headers={"Authorization": "Bearer burst-token"},
            )
            assert resp.json["status"] == "accepted"
            ids.append(resp.json["id"])
        for row_id in ids:
            assert connected.wait_for(row_id).status == "failed"
        assert messages.counts_by_status(store) == {"failed": 30}
        time.sleep(0.3)
        assert receiver.posts() == [] and smtp.messages == []  # no per-failure noise

        # The flush runs through the worker: ONE summary per channel, grouped.
        assert runtime.enqueue("notifications.flush", queue="default")
        slack = receiver.wait_for(1, "/slack")
        sms = receiver.wait_for(1, "/sms")
        time.sleep(0.5)
        # One POST: "unset-slack" failed (logged, others unaffected) and
        # "events-only" takes event_errors summaries only.
        assert len(receiver.posts("/slack")) == 1 and len(receiver.posts("/sms")) == 1
        assert len(smtp.messages) == 1
        text = slack[0].json()["text"]
        assert text.startswith("*Connector: 30 messages failed between ")
        assert "erp-orders · PermanentError × 20" in text
        assert "erp-stock · KeyError × 10" in text
        assert text.index("erp-orders") < text.index("erp-stock")  # biggest first
        mail = smtp.parsed()
        assert mail["Subject"].startswith("[connector] Connector: 30 messages failed")
        assert "erp-stock · KeyError × 10" in mail.get_payload(decode=True).decode()
        assert sms[0].form["To"] == "+15550100" and sms[0].form["Count"] == "30"
        assert len(sms[0].form["Body"]) <= 70
        assert sms[0].headers["X-Gateway-Key"] == "gw-key"

        # A second, smaller burst: the next flush reports only the new failures.
        for n in range(30, 33):
            resp = connected.client.post(
                "/webhooks/external/erp-orders",
                data=json.dumps({"n": n}),
                headers={"X-API-Token": "burst-token"},
            )
            assert connected.wait_for(resp.json["id"]).status == "failed"
        assert flush(runtime)["status"] == "sent"
        text = receiver.wait_for(2, "/slack")[1].json()["text"]
        assert "3 messages failed" in text
        assert "erp-orders · PermanentError × 3" in text and "erp-stock" not in text

        # Nothing new: nothing sent.
        assert flush(runtime)["status"] == "nothing"
        assert len(receiver.posts()) == 4 and len(smtp.messages) == 2


def test_outage_keeps_summary_until_a_channel_takes_it(
    connected, monkeypatch, tmp_path
):
    runtime = connected.runtime
    with running_receiver() as receiver:
        monkeypatch.setenv("TEST_SLACK_URL", f"{receiver.url}/slack")
        monkeypatch.setenv("TEST_BURST_TOKENS", "burst-token")
        reconfigure(
            connected,
            monkeypatch,
            tmp_path,
            f"""
notifications:
  settle_seconds: 0
  channels: [{{type: slack, name: ops-slack, url_env: TEST_SLACK_URL}}]
routes:
  - name: erp-orders
    source: external
    handler: {FAILING}:rejects_order
    options: {{auth: token, tokens_env: TEST_BURST_TOKENS}}
""",
        )
        ids = []
        for n in range(30):
            resp = connected.client.post(
                "/webhooks/external/erp-orders",
                data=json.dumps({"n": n}),
                headers={"Authorization": "Bearer burst-token"},
            )
            ids.append(resp.json["id"])
        for row_id in ids:
            assert connected.wait_for(row_id).status == "failed"

        receiver.script = [503]
        assert flush(runtime) == {"status": "unsent", "failures": 30}
        result = flush(runtime)
        assert result["status"] == "sent" and result["failures"] == 30
        posts = receiver.posts("/slack")
        assert [p.status for p in posts] == [503, 200]
        text = posts[1].json()["text"]
        assert text.count("erp-orders · PermanentError × 30") == 1
        assert "e.g. #" in text and "ERP rejected order" in text
        assert flush(runtime)["status"] == "nothing"
        assert len(receiver.posts("/slack")) == 2
