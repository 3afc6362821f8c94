"""When to poll a feed next: small pure functions, table-tested, shared by ``monitor poll`` and the daemon.

The rules users of feed readers expect: the configured interval is the norm; the publisher's own hints
(``Cache-Control: max-age``, RSS ``<ttl>``, ``Retry-After``) can only make us poll *less* often; a failing feed
backs off exponentially but never beyond ``max_backoff``, so it is never silently given up on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

JITTER_FRACTION = 0.05
JITTER_CAP = 60.0  # seconds: enough to spread a thousand feeds, too little to matter to a reader


@dataclass(frozen=True)
class PollPlan:
    delay: float  # seconds until the next poll, before jitter
    reason: str  # interval | max-age | ttl | backoff | retry-after


def plan_next(
    interval: float,
    *,
    failed: bool,
    failures: int,
    max_backoff: float,
    retry_after: float | None = None,
    max_age: float | None = None,
    ttl: float | None = None,
) -> PollPlan:
    """``failures`` counts consecutive failures including this poll (1 after the first failure)."""
    if failed:
        delay = min(interval * 2 ** max(0, failures - 1), max_backoff)
        reason = "backoff"
        if retry_after is not None and min(retry_after, max_backoff) > delay:
            delay, reason = min(retry_after, max_backoff), "retry-after"
        return PollPlan(delay, reason)
    delay, reason = interval, "interval"
    for hint, name in ((max_age, "max-age"), (ttl, "ttl")):
        if hint is not None and min(hint, max_backoff) > delay:
            delay, reason = min(hint, max_backoff), name
    return PollPlan(delay, reason)


def jittered(delay: float, rng: random.Random | None = None) -> float:
    """Symmetric jitter: the average interval stays exactly the configured one."""
    spread = min(delay * JITTER_FRACTION, JITTER_CAP)
    return max(1.0, delay + (rng or random).uniform(-spread, spread))


def next_poll_at(now: datetime, plan: PollPlan, rng: random.Random | None = None) -> datetime:
    return now + timedelta(seconds=jittered(plan.delay, rng))


def is_due(next_poll: datetime | None, now: datetime) -> bool:
    return next_poll is None or next_poll <= now
