"""``connector config show``: the effective configuration and each value's source."""

from __future__ import annotations

import os

import click

from connector.cli_support import friendly_errors, load_runtime


@click.group("config")
def config_group() -> None:
    """Inspect the effective configuration."""


@config_group.command("show")
@friendly_errors
def config_show() -> None:
    """Print every effective value and where it came from (env, Fluent setting,
    YAML, default); secrets masked. Reads Fluent's settings when Fluent is set up."""
    from connector.fluent_connect.show import render, rows

    runtime = load_runtime(check_schema=False)
    click.echo(render(rows(runtime, os.environ)))
