"""The cyclic GC's pace while sandbox servers run (sandbox/common.py ``serving_gc``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from flask import Flask

from sandbox import common
from sandbox.common import SERVING_GC_THRESHOLD, SandboxServer, _ServingGc


@pytest.fixture
def threshold() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_relaxed_while_any_server_runs_then_restored(
    threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a pace of its own: other tests' servers (session fixtures) may be running
    monkeypatch.setattr(common, "serving_gc", _ServingGc())
    first = SandboxServer(Flask("a")).start()
    second = SandboxServer(Flask("b")).start()
    assert gc.get_threshold() == (SERVING_GC_THRESHOLD, 10, 10)
    first.stop()
    first.stop()  # a second stop does not release the other server's hold
    assert gc.get_threshold() == (SERVING_GC_THRESHOLD, 10, 10)
    second.stop()
    assert gc.get_threshold() == (700, 10, 10)


def test_never_stricter_and_a_disabled_collector_stays_disabled(
    threshold: None,
) -> None:
    pace = _ServingGc()
    for setting in ((0, 10, 10), (100_000, 5, 5)):
        gc.set_threshold(*setting)
        pace.enter()
        assert gc.get_threshold() == setting
        pace.exit()
        assert gc.get_threshold() == setting
