"""moto's SQS server on a free loopback port, and helpers to talk to it."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_sqs() -> Iterator[str]:
    """A real SQS-compatible HTTP server (moto server mode); yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def make_queue(sqs: Any, *, visibility: int = 2, max_receives: int = 3) -> str:
    """A fresh queue with a dead-letter queue (redrive after ``max_receives``)."""
    name = f"ct-queue-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return str(
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
                ),
            },
        )["QueueUrl"]
    )


def depth(sqs: Any, queue_url: str) -> int:
    """Messages on the queue, visible or in flight."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def eventbridge(notification: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": notification.get("type", "Message"),
        "source": "aws.partner/commercetools.com/demo-shop/ct-queue",
        "account": "123456789012",
        "time": "2026-12-05T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": notification,
    }


def sns(notification: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ct-topic",
        "Message": json.dumps(notification),
        "Timestamp": "2026-12-05T10:00:00.000Z",
        "SignatureVersion": "1",
    }
