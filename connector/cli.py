"""The ``connector`` command line (click).

Every command builds its runtime from the environment; configuration problems end with
a message naming the variable or file and exit code 2, failures with exit code 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from connector.config import Config
from connector.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def load_runtime(*, with_celery: bool = False, check_schema: bool = True) -> Any:
    from connector.runtime import Runtime
    from connector.store.migrate import is_current

    config = Config.from_env()
    if check_schema and not is_current(config.database_url):
        raise ConfigError(
            f"the database at DATABASE_URL is not at the latest schema; "
            f"run `connector db upgrade` first ({_safe_url(config.database_url)})"
        )
    runtime = Runtime(config)
    runtime.registry  # noqa: B018 - validate routes and handlers before doing anything
    if with_celery:
        from connector.extensions import make_celery

        make_celery(runtime)
    return runtime


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group()
def main() -> None:
    """commercetools <-> Fluent Commerce connector."""


# -- db -------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from connector.store import migrate

    config = Config.from_env()
    migrate.upgrade(config.database_url, revision)
    click.echo(f"database {_safe_url(config.database_url)} is at {revision}")


@db.command("downgrade")
@click.argument("revision")
@friendly_errors
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` drops everything)."""
    from connector.store import migrate

    config = Config.from_env()
    migrate.downgrade(config.database_url, revision)
    click.echo(f"database {_safe_url(config.database_url)} is at {revision}")


@db.command("current")
@friendly_errors
def db_current() -> None:
    """Show the applied and the latest revision."""
    from connector.store import migrate
    from connector.store.db import make_engine

    config = Config.from_env()
    engine = make_engine(config.database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        f"current: {current or 'none'}  head: {migrate.head_revision(config.database_url)}"
    )


# -- status ---------------------------------------------------------------------------
@main.command()
@friendly_errors
def status() -> None:
    """Checkpoints, last runs, messages by status, outbox and queue depth."""
    from connector.status import collect_status, render_status

    runtime = load_runtime(with_celery=True)
    click.echo(render_status(collect_status(runtime)))


# -- messages -------------------------------------------------------------------------
@main.group()
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
@friendly_errors
def messages_list(
    status_: str | None, source: str | None, route: str | None, limit: int
) -> None:
    """Newest messages first."""
    from connector.store import messages as store_messages

    runtime = load_runtime()
    rows = store_messages.list_messages(
        runtime.store, status=status_, source=source, route=route, limit=limit
    )
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
    from connector.store import messages as store_messages

    if not message_rows and not all_failed:
        raise click.UsageError("give message ids or --failed")
    runtime = load_runtime(with_celery=True)
    ids = list(message_rows)
    if all_failed:
        ids += store_messages.failed_ids(runtime.store, route=route)
    ready = store_messages.prepare_replay(runtime.store, ids)
    skipped = sorted(set(ids) - set(ready))
    published = 0
    for row_id in ready:
        row = store_messages.get(runtime.store, row_id)
        route_obj = runtime.registry.route(row.route or "") if row else None
        if route_obj is None:
            click.echo(
                f"{row_id}: route {row.route if row else '?'} no longer configured"
            )
            continue
        if runtime.enqueue(
            runtime.registry.task_for(route_obj),
            queue=route_obj.queue,
            message_id=row_id,
        ):
            published += 1
        else:
            store_messages.set_status(
                runtime.store, row_id, "received", only_from=("queued",)
            )
    click.echo(
        f"replayed {published} message(s)"
        + (f"; not replayable (done, ignored or unknown): {skipped}" if skipped else "")
    )
    if published < len(ready):
        click.echo(
            "broker unreachable: the rest stay `received` and the sweeper will "
            "publish them",
            err=True,
        )
        sys.exit(1)


# -- sync -----------------------------------------------------------------------------
@main.command()
@click.argument("module")
@click.option("--full", is_flag=True, help="Ignore the checkpoint: read everything.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Write every entity read, even unchanged ones (repairs hand-edited targets).",
)
@friendly_errors
def sync(module: str, full: bool, dry_run: bool, force: bool) -> None:
    """Run MODULE's batch sync in the foreground."""
    from connector.sync_cli import run_foreground

    runtime = load_runtime()
    sys.exit(run_foreground(runtime, module, full=full, dry_run=dry_run, force=force))


# -- not built yet --------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--ct-port", default=8480, show_default=True, type=int)
@click.option("--fluent-port", default=8481, show_default=True, type=int)
def sandbox(host: str, ct_port: int, fluent_port: int) -> None:
    """Serve the commercetools and Fluent sandboxes until interrupted.

    Prints the environment variables that point the connector at them.
    """
    import time

    from connector.sandbox.serve import shell_exports, start_sandboxes

    try:
        boxes = start_sandboxes(host, ct_port, fluent_port)
    except OSError as exc:
        click.echo(
            f"error: cannot listen on {host}: {exc} (use --ct-port/--fluent-port)",
            err=True,
        )
        sys.exit(2)
    click.echo(f"commercetools sandbox: {boxes.ct.url}   (control API: /_sandbox)")
    click.echo(f"Fluent sandbox:        {boxes.fluent.url}   (control API: /_sandbox)")
    click.echo("\n# point the connector at them:")
    click.echo(shell_exports(boxes.env()))
    click.echo("\nCtrl-C stops both.", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        boxes.stop()


@main.command()
@click.option(
    "--keep-running",
    is_flag=True,
    help="Leave everything up afterwards (web, Flower, sandboxes) to explore.",
)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    help="Seconds within which everything must converge.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Where the SQLite store/broker and logs go (default: a temp dir).",
)
@click.option("--flower-port", default=5555, show_default=True)
@friendly_errors
def demo(
    keep_running: bool, timeout: float, data_dir: str | None, flower_port: int
) -> None:
    """Run every module end to end on the embedded default (no Redis/PostgreSQL).

    Starts both sandboxes, the web app, a real Celery worker with beat, seeds a small
    retailer, drives catalog, stores, stock, orders (HD and CC), the Fluent lifecycle,
    availability, external webhooks and the failed-event summary; prints what each
    module did and exits 0 only if everything converged.
    """
    from pathlib import Path

    from connector.demo.runner import run_demo

    code = run_demo(
        keep_running=keep_running,
        timeout=timeout,
        data_dir=Path(data_dir) if data_dir else None,
        flower_port=flower_port,
        echo=click.echo,
    )
    sys.exit(code)


if __name__ == "__main__":
    main()
