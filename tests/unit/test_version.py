"""The version recorded on sync runs is the installed package's, not a literal."""

from __future__ import annotations

from importlib.metadata import version

from connector.sync import engine
from connector.version import APP_VERSION


def test_version_comes_from_package_metadata() -> None:
    assert APP_VERSION == version("ct-fluent-connector")
    assert engine.APP_VERSION == APP_VERSION
