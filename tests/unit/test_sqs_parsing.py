"""The ct-queue listener's parsing: raw, EventBridge- and SNS-wrapped notifications."""

from __future__ import annotations

import json

import pytest

from connector.config import Config
from connector.inbound.commercetools import CommercetoolsSource
from connector.inbound.pipeline import Rejected
from connector.listeners.sqs import parse_message, region_from_url, unwrap
from tests.support.sqs import eventbridge, sns

MESSAGE = {
    "notificationType": "Message",
    "projectKey": "demo-shop",
    "id": "m-1",
    "type": "OrderCreated",
    "resource": {"typeId": "order", "id": "o-1"},
    "version": 1,
}


@pytest.fixture
def source() -> CommercetoolsSource:
    return CommercetoolsSource(
        Config.from_env({"CTP_PROJECT_KEY": "demo-shop"}, read_dotenv=False)
    )


@pytest.mark.parametrize(
    "body",
    [MESSAGE, eventbridge(MESSAGE), sns(MESSAGE), sns(eventbridge(MESSAGE))],
    ids=["raw", "eventbridge", "sns", "sns-eventbridge"],
)
def test_every_wrapping_gives_the_same_inbound(body, source) -> None:
    inbound = parse_message(json.dumps(body), source)
    assert (inbound.message_id, inbound.name) == ("m-1", "OrderCreated")
    assert (inbound.resource_type, inbound.resource_id) == ("order", "o-1")
    assert inbound.payload == MESSAGE


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("{not json", "malformed_body"),
        ("[1, 2]", "malformed_body"),
        (json.dumps({"detail-type": "x", "detail": "text"}), "invalid_envelope"),
        (json.dumps({"Type": "Notification", "Message": "{bad"}), "invalid_envelope"),
        (json.dumps({**MESSAGE, "resource": {}}), "invalid_envelope"),
        (json.dumps({**MESSAGE, "projectKey": "other"}), "foreign_project"),
    ],
)
def test_unparseable_messages_are_rejected_with_a_reason(raw, error, source) -> None:
    with pytest.raises(Rejected) as rejected:
        parse_message(raw, source)
    assert rejected.value.error == error


def test_unwrap_leaves_a_plain_notification_alone() -> None:
    assert unwrap(dict(MESSAGE)) == MESSAGE


def test_region_from_queue_url() -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/ct-queue"
    assert region_from_url(url) == "eu-west-1"
    assert region_from_url("http://127.0.0.1:5000/123/q") is None
