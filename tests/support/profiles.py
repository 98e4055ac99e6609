"""Selecting the commercetools field profile (``ct_fields``) for one test."""

from __future__ import annotations

import dataclasses
from typing import Any


def use_profile(connected: Any, monkeypatch: Any, name: str, **keys: str) -> None:
    """Run the connected stack (web app and worker threads) with profile ``name``."""
    runtime = connected.runtime
    extra = {**runtime.config.extra, "ct_fields": name, "ct_field_keys": keys}
    monkeypatch.setattr(
        runtime, "config", dataclasses.replace(runtime.config, extra=extra)
    )
