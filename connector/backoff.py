"""Retry delays: exponential backoff with full jitter, honouring a server's Retry-After.

Used by stage-2 dispatch, batch task retries and outbound webhook deliveries.
"""

from __future__ import annotations

import random

from connector.config import RetryPolicy


def backoff_delay(
    attempt: int,
    policy: RetryPolicy,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Exponential backoff with full jitter; never below a server's Retry-After."""
    cap = min(policy.backoff_max, policy.backoff_base * (2 ** max(0, attempt - 1)))
    delay = (rng or random).uniform(cap / 2, cap)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.backoff_max))
    return delay
