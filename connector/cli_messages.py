"""``connector messages list|show|replay``: inspect and re-drive inbound messages."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from connector.cli_support import friendly_errors, load_runtime


@click.group()
def messages() -> None:
    """Inspect and replay inbound messages."""


@messages.command("list")
@click.option(
    "--status",
    "status_",
    help="received, queued, processing, retrying, done, failed or ignored",
)
@click.option("--source")
@click.option("--route")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@friendly_errors
def messages_list(
    status_: str | None,
    source: str | None,
    route: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Newest messages first."""
    from connector.store import messages as store_messages

    runtime = load_runtime()
    rows = store_messages.list_messages(
        runtime.store, status=status_, source=source, route=route, limit=limit
    )
    if as_json:
        click.echo(json.dumps([_row_json(r) for r in rows], indent=2, default=str))
        return
    if not rows:
        click.echo("no messages")
        return
    click.echo(
        f"{'id':>8}  {'status':<10} {'att':>3}  {'source':<13} {'name':<44} route"
    )
    for r in rows:
        click.echo(
            f"{r.id:>8}  {r.status:<10} {r.attempts:>3}  {r.source:<13} "
            f"{r.name[:44]:<44} {r.route or '-'}"
        )


@messages.command("show")
@click.argument("message_row", type=int)
@friendly_errors
def messages_show(message_row: int) -> None:
    """One message with its payload and last error."""
    from connector.store import messages as store_messages

    runtime = load_runtime()
    row = store_messages.get(runtime.store, message_row)
    if row is None:
        click.echo(f"no message with id {message_row}", err=True)
        sys.exit(1)
    for field in (
        "id",
        "source",
        "message_id",
        "name",
        "resource_type",
        "resource_id",
        "route",
        "handler",
        "status",
        "attempts",
        "deliveries",
        "received_at",
        "started_at",
        "finished_at",
    ):
        click.echo(f"{field:>14}: {getattr(row, field)}")
    if row.last_error:
        click.echo(f"{'last_error':>14}: {row.last_error}")
    if row.result:
        click.echo(f"{'result':>14}: {json.dumps(row.result)}")
    click.echo("payload:")
    click.echo(json.dumps(row.payload, indent=2, sort_keys=True))


@messages.command("replay")
@click.argument("message_rows", type=int, nargs=-1)
@click.option(
    "--failed", "all_failed", is_flag=True, help="Replay every failed message."
)
@click.option("--route", help="With --failed: only this route.")
@friendly_errors
def messages_replay(
    message_rows: tuple[int, ...], all_failed: bool, route: str | None
) -> None:
    """Re-drive failed (or stuck) messages through their handler."""
    from connector.replay import replay
    from connector.store import messages as store_messages

    if not message_rows and not all_failed:
        raise click.UsageError("give message ids or --failed")
    runtime = load_runtime(with_celery=True)
    ids = list(message_rows)
    if all_failed:
        ids += store_messages.failed_ids(runtime.store, route=route)
    unknown = [i for i in message_rows if store_messages.get(runtime.store, i) is None]
    for row_id in unknown:
        click.echo(f"error: no message with id {row_id}", err=True)
    result = replay(runtime, ids)
    skipped = sorted(set(result.not_replayable) - set(unknown))
    for row_id in result.unrouted:
        click.echo(f"{row_id}: its route is no longer configured (marked failed)")
    published = len(result.published)
    click.echo(
        f"replayed {published} message(s)"
        + (f"; not replayable (done or ignored): {skipped}" if skipped else "")
    )
    if unknown or set(message_rows) & set(skipped):
        sys.exit(1)
    if result.deferred:
        click.echo(
            "broker unreachable: the rest stay `received` and the sweeper will "
            "publish them",
            err=True,
        )
        sys.exit(1)


LIST_FIELDS = (
    "id",
    "source",
    "message_id",
    "name",
    "route",
    "status",
    "attempts",
    "last_error",
    "received_at",
    "finished_at",
)


def _row_json(row: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in LIST_FIELDS:
        value = getattr(row, name, None)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out
