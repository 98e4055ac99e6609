"""Channels config, HTTP body templates, the Notifier's isolation of channel failures,
failure grouping and the two summary texts (failures, Fluent failed events)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from connector.config import Config
from connector.errors import ConfigError
from connector.modules.event_errors.grouping import (
    build_summary,
    group_events,
    parse_generated_on,
)
from connector.modules.notifications.failures import FailureReport, error_kind, group
from connector.modules.notifications.flush import build_notification
from connector.notify import Notifier
from connector.notify_channels import Notification, build_channels

NOTE = Notification("2 messages failed", ("a · PermanentError × 2", "b"), "failures", 2)


@pytest.mark.parametrize(
    ("channel", "problem"),
    [
        ({"type": "pager"}, "type: one of slack, http, email"),
        ({"type": "slack"}, "url_env"),
        ({"type": "slack", "url_env": "X", "url": "https://hooks"}, "url: Unknown"),
        ({"type": "slack", "url_env": "X", "kinds": ["all"]}, "kinds"),
        ({"type": "http", "url_env": "X", "format": "xml"}, "format"),
    ],
)
def test_channel_config_errors(channel, problem):
    with pytest.raises(ConfigError, match=problem):
        build_channels({"channels": [channel]})


def test_duplicate_names_and_empty_section():
    assert build_channels(None) == [] and build_channels({}) == []
    twice = {"type": "slack", "url_env": "X", "name": "a"}
    with pytest.raises(ConfigError, match="duplicate"):
        build_channels({"channels": [twice, twice]})


def test_http_channel_templates(monkeypatch):
    monkeypatch.setenv("TEST_KEY", "k-1")
    form, text, default = build_channels(
        {
            "channels": [
                {
                    "type": "http",
                    "url_env": "U",
                    "format": "form",
                    "max_chars": 20,
                    "headers_env": {"X-Key": "TEST_KEY"},
                    "body": {"to": "+1555", "msg": "$text", "n": "$total $kind"},
                },
                {"type": "http", "url_env": "U", "format": "text", "body": "$title!"},
                {"type": "http", "url_env": "U"},
            ]
        }
    )
    data, headers = form.request_parts(NOTE)
    assert data == {"to": "+1555", "msg": "2 messages failed\na…", "n": "2 failures"}
    assert headers == {"X-Key": "k-1"}
    data, headers = text.request_parts(NOTE)
    assert data == b"2 messages failed!" and headers["Content-Type"].startswith("text/")
    data, headers = default.request_parts(NOTE)
    assert headers["Content-Type"] == "application/json"
    assert b'"total": "2"' in data and b'"kind": "failures"' in data
    monkeypatch.delenv("TEST_KEY")
    with pytest.raises(ConfigError, match="TEST_KEY"):
        form.request_parts(NOTE)


def config_with(section) -> Config:
    config = Config.from_env({"CONNECTOR_DATA_DIR": "/tmp/notify-unit"})
    return Config(**{**config.__dict__, "extra": {"notifications": section}})


class LogCatcher(logging.Handler):
    """Collects record messages of ``connector.notify`` (whatever propagation is)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(record.getMessage())

    def __enter__(self) -> LogCatcher:
        logging.getLogger("connector.notify").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("connector.notify").removeHandler(self)


class Recorder:
    def __init__(self, name, kinds=(), fail=False):
        self.name, self.kinds, self.fail, self.got = name, tuple(kinds), fail, []

    def send(self, notification):
        if self.fail:
            raise RuntimeError("channel down")
        self.got.append(notification)


def test_notifier_isolates_failures_and_filters_kinds():
    notifier = Notifier.from_config(config_with(None))
    down, events, ok = (
        Recorder("down", fail=True),
        Recorder("ev", ["event_errors"]),
        Recorder("ok"),
    )
    notifier._channels = [down, events, ok]
    with LogCatcher() as logs:
        report = notifier.send(NOTE)
    assert (report.sent, report.failed, report.skipped) == (["ok"], ["down"], ["ev"])
    assert report.ok and ok.got == [NOTE] and events.got == []
    assert "notify.channel.failed" in logs.names
    notifier._channels = [down]
    assert not notifier.summary("t", ["x"], kind="failures").ok
    notifier._channels = []
    assert notifier.summary("t", []).ok  # log-only: nothing to retry
    # The dispatcher's hooks only log (the flush sends the grouped summary).
    notifier._channels = [ok]
    notifier.message_failed(message_id=1, route="r", error="PermanentError: x")
    notifier.sync_failed(module="products", run_id=2, error="boom")
    assert ok.got == [NOTE]


def test_broken_section_means_log_only():
    notifier = Notifier.from_config(config_with({"channels": [{"type": "fax"}]}))
    with LogCatcher() as logs:
        assert notifier.channels == []
    assert "notify.config.invalid" in logs.names and "type" in notifier.problem


def test_error_kinds_and_groups():
    assert error_kind("PermanentError: product P-1 unknown") == "PermanentError"
    assert error_kind("connector.errors.TransientError: x") == "TransientError"
    assert error_kind("delivered 11 times without finishing") == (
        "delivered # times without finishing"
    )
    assert error_kind(None) == "unknown error"
    groups = group(
        "messages",
        [
            (1, "orders", "PermanentError: a"),
            (2, "orders", "PermanentError: b"),
            (3, "orders", "ServerError: c"),
            (4, None, "route 'x' is no longer configured"),
        ],
    )
    assert [(g.key, g.kind, g.count, g.sample_id) for g in groups] == [
        ("orders", "PermanentError", 2, 1),
        ("(no route)", "route '…' is no longer configured", 1, 4),
        ("orders", "ServerError", 1, 3),
    ]


def test_failure_summary_text_is_bounded():
    rows = [(i, f"route-{i % 40}", f"PermanentError: e{i}") for i in range(200)]
    report = FailureReport(group("messages", rows), {"messages": 200, "runs": 0})
    report.groups += group("runs", [(9, "products", "ApiTimeout: slow")])
    report.totals["runs"] = 1
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    note = build_notification(report, when, when, max_groups=10)
    assert note.title.startswith("Connector: 200 messages, 1 sync runs failed")
    assert note.total == 201 and note.kind == "failures"
    assert sum(1 for line in note.lines if line.startswith("  ")) == 10
    assert "… and 31 more groups" in note.lines
    assert note.lines[-1].startswith("Replay:")


def test_fluent_event_grouping():
    def event(i, entity="ORDER", rule="r.Rule", msg="Boom\nstack", ref=None):
        return {
            "id": f"e{i}",
            "name": "CREATE",
            "context": {"entityType": entity, "rootEntityRef": ref or f"O-{i}"},
            "attributes": [
                {"name": "message", "value": msg},
                {"name": "ruleName", "value": rule},
            ],
        }

    events = [event(i) for i in range(5)] + [
        event(9, "FULFILMENT", msg="Carrier"),
        {"id": "x", "name": "Ev", "context": {}, "attributes": {"message": "m"}},
    ]
    groups = group_events(events)
    assert [(g.entity_type, g.rule, g.message, g.count) for g in groups] == [
        ("ORDER", "r.Rule", "Boom", 5),
        ("FULFILMENT", "r.Rule", "Carrier", 1),
        ("UNKNOWN", "Ev", "m", 1),
    ]
    assert groups[0].refs == ["O-0", "O-1", "O-2"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    note = build_summary(groups, start, start, max_groups=2)
    assert (
        note.title.startswith("Fluent: 7 failed events") and note.kind == "event_errors"
    )
    assert note.lines[-1] == "… and 1 more groups"
    assert parse_generated_on("2025-05-01T10:00:00.000+0000") == datetime(
        2025, 5, 1, 10, tzinfo=UTC
    )
    assert parse_generated_on("nope") is None
