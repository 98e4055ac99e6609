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
    """Seconds before retry ``attempt`` (1 = the first retry): full jitter.

    ``step = min(backoff_max, backoff_base * 2**(attempt - 1))``. Without a Retry-After
    the delay is ``uniform(0, step)`` (full jitter). With one (``ra``, capped at
    ``backoff_max``) it is ``ra + uniform(0, max(step, ra))``, the spread capped at
    ``backoff_max``: never earlier than the server asked, and a burst of 429s that all
    carry the same Retry-After comes back spread over a window at least as wide as the
    Retry-After itself instead of in lockstep.
    """
    draw = (rng or random).uniform
    step = min(policy.backoff_max, policy.backoff_base * (2 ** max(0, attempt - 1)))
    if retry_after is None or retry_after <= 0:
        return draw(0.0, step)
    wait = min(retry_after, policy.backoff_max)
    return wait + draw(0.0, min(policy.backoff_max, max(step, wait)))
