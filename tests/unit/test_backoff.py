"""Retry delays of a burst: full jitter without Retry-After, spread above it with one."""

from __future__ import annotations

import random

import pytest

from connector.backoff import backoff_delay
from connector.config import RetryPolicy

DEFAULT = RetryPolicy()  # base 2 s, cap 300 s


def slice_shares(delays: list[float], low: float, high: float) -> list[float]:
    """Share of ``delays`` in each tenth of the window [low, high]."""
    counts = [0] * 10
    for d in delays:
        counts[min(9, int((d - low) / (high - low) * 10))] += 1
    return [c / len(delays) for c in counts]


@pytest.mark.parametrize("burst", [50, 500])
@pytest.mark.parametrize(
    ("policy", "retry_after"),
    [
        (DEFAULT, 2.0),  # the fault run: 50 x 429 with Retry-After: 2
        (DEFAULT, 30.0),
        (RetryPolicy(backoff_base=0.05, backoff_max=0.5), 2.0),  # Retry-After > cap
        (RetryPolicy(backoff_base=2.0, backoff_max=3.0), 2.0),
    ],
)
def test_retry_after_burst_is_spread_over_a_window_above_it(
    policy: RetryPolicy, retry_after: float, burst: int
) -> None:
    rng = random.Random(burst * 1000 + int(retry_after))
    delays = [backoff_delay(1, policy, retry_after, rng) for _ in range(burst)]
    wait = min(retry_after, policy.backoff_max)
    assert min(delays) >= wait  # never earlier than the server asked
    high = max(delays)
    assert high - wait >= 0.5 * min(wait, policy.backoff_max)  # a real window
    shares = slice_shares(delays, wait, high)
    assert max(shares) <= 0.25, shares  # no 10 % slice holds more than 25 %
    # and not in lockstep: the old formula gave every delay == Retry-After
    assert len({round(d, 6) for d in delays}) > burst * 0.9


def test_same_burst_with_the_old_formula_would_fail_the_check() -> None:
    """The check above is sharp: all-equal delays put 100 % in one slice."""
    delays = [2.0] * 49 + [2.06]
    assert max(slice_shares(delays, 2.0, 2.06)) > 0.25


@pytest.mark.parametrize("attempt", [1, 3, 6])
def test_without_retry_after_full_jitter_over_the_step(attempt: int) -> None:
    rng = random.Random(attempt)
    step = min(DEFAULT.backoff_max, DEFAULT.backoff_base * 2 ** (attempt - 1))
    delays = [backoff_delay(attempt, DEFAULT, None, rng) for _ in range(2000)]
    assert 0.0 <= min(delays) and max(delays) <= step
    # full jitter, not "equal jitter" [step/2, step]: about half fall below step/2
    below_half = sum(d < step / 2 for d in delays) / len(delays)
    assert 0.45 <= below_half <= 0.55
    assert min(delays) < step * 0.02
    assert max(slice_shares(delays, 0.0, step)) <= 0.13


def test_step_is_capped_and_zero_retry_after_means_none() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(30, DEFAULT, None, rng) for _ in range(500)]
    assert max(delays) <= DEFAULT.backoff_max
    assert max(delays) > DEFAULT.backoff_max * 0.9
    assert min(backoff_delay(1, DEFAULT, 0.0, rng) for _ in range(200)) < 0.1


def test_retry_after_is_capped_at_backoff_max() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=10.0)
    rng = random.Random(3)
    delays = [backoff_delay(1, policy, 3600.0, rng) for _ in range(200)]
    assert all(10.0 <= d <= 20.0 for d in delays)
