"""The ``connector`` command line (click).

Every command builds its runtime from the environment; configuration problems end with
a message naming the variable or file and exit code 2, failures with exit code 1.
"""

from __future__ import annotations

import logging
import sys

import click

from connector.cli_config import config_group
from connector.cli_errors import configure_cli_logging
from connector.cli_messages import messages
from connector.cli_sandbox import seed_sandboxes
from connector.cli_support import SyncCommand, friendly_errors, load_runtime, safe_url
from connector.config import Config
from connector.listeners.cli import listen


@click.group()
@click.version_option(
    package_name="ct-fluent-connector",
    prog_name="connector",
    message="%(prog)s %(version)s",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also show informational log lines."
)
def main(verbose: bool) -> None:
    """commercetools <-> Fluent Commerce connector."""
    configure_cli_logging(verbose)


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
    click.echo(f"database {safe_url(config.database_url)} is at {revision}")


@db.command("downgrade")
@click.argument("revision")
@friendly_errors
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` drops everything)."""
    from connector.store import migrate

    config = Config.from_env()
    migrate.downgrade(config.database_url, revision)
    click.echo(f"database {safe_url(config.database_url)} is at {revision}")


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
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@friendly_errors
def status(as_json: bool) -> None:
    """Checkpoints, last runs, messages by status, outbox and queue depth."""
    import json

    from connector.status import collect_status, render_status

    runtime = load_runtime(with_celery=True)
    data = collect_status(runtime)
    if as_json:
        click.echo(json.dumps(data, default=str, indent=2, sort_keys=True))
    else:
        click.echo(render_status(data))


# -- sync -----------------------------------------------------------------------------
@main.command(cls=SyncCommand)
@click.argument("module")
@click.option("--full", is_flag=True, help="Ignore the checkpoint: read everything.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Write every entity read, even unchanged ones (repairs hand-edited targets); "
    "also lets a run past the mass-removal guard.",
)
@friendly_errors
def sync(module: str, full: bool, dry_run: bool, force: bool) -> None:
    """Run MODULE's batch sync in the foreground."""
    from connector.sync_cli import run_foreground

    runtime = load_runtime()
    sys.exit(run_foreground(runtime, module, full=full, dry_run=dry_run, force=force))


# -- sandboxes and demo --------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--ct-port", default=8480, show_default=True, type=int)
@click.option("--fluent-port", default=8481, show_default=True, type=int)
@click.option(
    "--seed",
    metavar="demo|N",
    help="Seed them: `demo` (the demo retailer) or N generated products.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="One line per request on stderr (werkzeug's); off for benchmarks.",
)
@click.option(
    "--server",
    "server",
    type=click.Choice(["evented", "threaded"]),
    default="evented",
    show_default=True,
    help="evented: one asyncio loop thread (httptools), latencies on timers; "
    "threaded: werkzeug's server, a thread per connection. Same answers.",
)
def sandbox(
    host: str,
    ct_port: int,
    fluent_port: int,
    seed: str | None,
    access_log: bool,
    server: str,
) -> None:
    """Serve the commercetools and Fluent sandboxes until interrupted.

    They start empty unless --seed is given. Prints the environment variables that
    point the connector at them.
    """
    if not access_log:  # the server skips the line when the logger drops INFO
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if seed is not None and seed != "demo" and not (seed.isdigit() and int(seed) > 0):
        raise click.BadParameter("`demo` or a number of products", param_hint="--seed")
    import time

    try:  # the sandbox is its own package, not a dependency of the connector
        from sandbox.serve import shell_exports, start_sandboxes
    except ImportError as exc:
        click.echo(f"error: {exc}; install it with: pip install -e ./sandbox", err=True)
        sys.exit(2)

    try:
        boxes = start_sandboxes(host, ct_port, fluent_port, server=server)
    except OSError as exc:
        click.echo(
            f"error: cannot listen on {host}: {exc} (use --ct-port/--fluent-port)",
            err=True,
        )
        sys.exit(2)
    click.echo(f"commercetools sandbox: {boxes.ct.url}   (control API: /_sandbox)")
    click.echo(f"Fluent sandbox:        {boxes.fluent.url}   (control API: /_sandbox)")
    if seed is None:
        click.echo("empty; `connector sandbox --seed demo` (or --seed N) seeds them")
    else:
        try:
            click.echo(seed_sandboxes(boxes, seed))
        except Exception as exc:  # report in one line, keep serving
            click.echo(f"error: seeding failed: {exc}", err=True)
            boxes.stop()
            sys.exit(1)
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


main.add_command(messages)
main.add_command(listen)
main.add_command(config_group)

if __name__ == "__main__":
    main()
