"""``connector listen sqs``: the ct-queue listener process (Procfile ``ct_queue``)."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import click

from connector.cli_support import friendly_errors, load_runtime

log = logging.getLogger(__name__)


@click.group()
def listen() -> None:
    """Read commercetools messages from a cloud queue into the inbox."""


@listen.command("sqs")
@click.option(
    "--queue-url",
    envvar="CTP_QUEUE_URL",
    help="The SQS queue of the commercetools subscription [env: CTP_QUEUE_URL].",
)
@click.option(
    "--endpoint-url",
    envvar="AWS_ENDPOINT_URL_SQS",
    help="Another SQS endpoint (tests, LocalStack) [env: AWS_ENDPOINT_URL_SQS].",
)
@click.option("--region", envvar="AWS_REGION", help="[env: AWS_REGION]")
@click.option("--wait-seconds", default=20, show_default=True, type=int)
@click.option("--batch-size", default=10, show_default=True, type=int)
@click.option(
    "--max-batches", type=int, default=None, help="Stop after this many polls."
)
@friendly_errors
def listen_sqs(
    queue_url: str | None,
    endpoint_url: str | None,
    region: str | None,
    wait_seconds: int,
    batch_size: int,
    max_batches: int | None,
) -> None:
    """Long-poll the SQS queue; each message is accepted like a webhook delivery."""
    from connector.errors import ConfigError
    from connector.listeners.sqs import SqsListener, describe, make_client

    if not queue_url:
        raise ConfigError("connector listen sqs needs CTP_QUEUE_URL to be set")
    runtime = load_runtime(with_celery=True)
    listener = SqsListener(
        runtime,
        make_client(queue_url, endpoint_url, region),
        queue_url,
        wait_seconds=wait_seconds,
        batch_size=batch_size,
    )

    def _stop(signum: int, _frame: Any) -> None:
        log.info("sqs.listener.stopping", extra={"signal": signum})
        listener.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"listening on {queue_url}", err=True)
    stats = listener.run(max_batches=max_batches)
    click.echo(describe(stats))
    runtime.store.dispose()
    sys.exit(0)
