"""The batch run's collector pace: raised inside, restored after the last run."""

from __future__ import annotations

import gc
import threading

import pytest

from connector.sync.gc_policy import relaxed_gc


@pytest.fixture
def default_threshold():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_raised_inside_and_restored_after(default_threshold) -> None:
    with relaxed_gc(50_000):
        assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_on_error(default_threshold) -> None:
    with pytest.raises(RuntimeError), relaxed_gc(50_000):
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_concurrent_runs_restore_when_the_last_ends(default_threshold) -> None:
    entered, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with relaxed_gc(50_000):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other_run)
    thread.start()
    entered.wait(5)
    with relaxed_gc(50_000):
        pass
    assert gc.get_threshold()[0] == 50_000  # the other run is still going
    release.set()
    thread.join(5)
    assert gc.get_threshold() == (700, 10, 10)


def test_never_lowers_nor_enables(default_threshold) -> None:
    gc.set_threshold(100_000, 10, 10)
    with relaxed_gc(50_000):
        assert gc.get_threshold()[0] == 100_000
    gc.set_threshold(0, 10, 10)  # automatic collection off
    with relaxed_gc(50_000):
        assert gc.get_threshold()[0] == 0
