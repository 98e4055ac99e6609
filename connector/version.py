"""The connector's version, read from the installed distribution's metadata (setup.cfg)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "ct-fluent-connector"


def app_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a checkout that was never pip-installed
        return "0+unknown"


APP_VERSION = app_version()
