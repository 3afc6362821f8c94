"""Scheduling rules, table-driven: interval, publisher hints as floors, backoff with a cap, Retry-After, jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.schedule import JITTER_CAP, JITTER_FRACTION, PollPlan, is_due, jittered, next_poll_at, plan_next

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0

PLANS = [
    # (interval, failed, failures, max_backoff, retry_after, max_age, ttl) -> (delay, reason)
    pytest.param(15 * MIN, False, 0, DAY, None, None, None, 15 * MIN, "interval", id="plain-interval"),
    # publisher hints only ever lengthen the interval
    pytest.param(15 * MIN, False, 0, DAY, None, 30 * MIN, None, 30 * MIN, "max-age", id="max-age-floor"),
    pytest.param(15 * MIN, False, 0, DAY, None, 5 * MIN, None, 15 * MIN, "interval", id="short-max-age-ignored"),
    pytest.param(15 * MIN, False, 0, DAY, None, 0.0, None, 15 * MIN, "interval", id="max-age-zero"),
    pytest.param(15 * MIN, False, 0, DAY, None, None, HOUR, HOUR, "ttl", id="ttl-floor"),
    pytest.param(15 * MIN, False, 0, DAY, None, None, 10 * MIN, 15 * MIN, "interval", id="short-ttl-ignored"),
    pytest.param(15 * MIN, False, 0, DAY, None, 30 * MIN, HOUR, HOUR, "ttl", id="larger-of-max-age-and-ttl"),
    pytest.param(15 * MIN, False, 0, DAY, None, 2 * HOUR, HOUR, 2 * HOUR, "max-age", id="max-age-beats-ttl"),
    pytest.param(15 * MIN, False, 0, DAY, None, 365 * DAY, None, DAY, "max-age", id="hint-capped-at-max-backoff"),
    pytest.param(15 * MIN, False, 0, DAY, HOUR, None, None, 15 * MIN, "interval", id="retry-after-only-on-fail"),
    # failures: doubling from the interval, capped
    pytest.param(15 * MIN, True, 1, DAY, None, None, None, 15 * MIN, "backoff", id="first-failure"),
    pytest.param(15 * MIN, True, 2, DAY, None, None, None, 30 * MIN, "backoff", id="second-failure"),
    pytest.param(15 * MIN, True, 3, DAY, None, None, None, HOUR, "backoff", id="third-failure"),
    pytest.param(15 * MIN, True, 4, DAY, None, None, None, 2 * HOUR, "backoff", id="fourth-failure"),
    pytest.param(15 * MIN, True, 7, DAY, None, None, None, 16 * HOUR, "backoff", id="seventh-failure"),
    pytest.param(15 * MIN, True, 8, DAY, None, None, None, DAY, "backoff", id="capped-at-24h"),
    pytest.param(15 * MIN, True, 500, DAY, None, None, None, DAY, "backoff", id="huge-failure-count-capped"),
    pytest.param(15 * MIN, True, 5, 2 * HOUR, None, None, None, 2 * HOUR, "backoff", id="custom-cap"),
    pytest.param(15 * MIN, True, 0, DAY, None, None, None, 15 * MIN, "backoff", id="zero-failures-no-shrink"),
    # failures with publisher hints: max-age/ttl don't apply, Retry-After does
    pytest.param(15 * MIN, True, 1, DAY, None, 6 * HOUR, 6 * HOUR, 15 * MIN, "backoff", id="hints-ignored-on-fail"),
    pytest.param(15 * MIN, True, 1, DAY, 2 * HOUR, None, None, 2 * HOUR, "retry-after", id="retry-after"),
    pytest.param(15 * MIN, True, 3, DAY, 10 * MIN, None, None, HOUR, "backoff", id="retry-after-below-backoff"),
    pytest.param(15 * MIN, True, 1, DAY, 3 * DAY, None, None, DAY, "retry-after", id="retry-after-capped"),
    pytest.param(15 * MIN, True, 1, DAY, 0.0, None, None, 15 * MIN, "backoff", id="retry-after-zero"),
    pytest.param(90.0, True, 2, DAY, 120.0, None, None, 180.0, "backoff", id="retry-after-equal-or-less"),
]


@pytest.mark.parametrize(
    ("interval", "failed", "failures", "max_backoff", "retry_after", "max_age", "ttl", "delay", "reason"), PLANS)
def test_plan_next(interval: float, failed: bool, failures: int, max_backoff: float, retry_after: float | None,
                   max_age: float | None, ttl: float | None, delay: float, reason: str) -> None:
    plan = plan_next(interval, failed=failed, failures=failures, max_backoff=max_backoff, retry_after=retry_after,
                     max_age=max_age, ttl=ttl)
    assert plan == PollPlan(delay, reason)


def test_backoff_doubles_then_stays_at_the_cap() -> None:
    delays = [plan_next(10 * MIN, failed=True, failures=n, max_backoff=DAY).delay for n in range(1, 12)]
    assert delays == [600.0, 1200.0, 2400.0, 4800.0, 9600.0, 19200.0, 38400.0, 76800.0, DAY, DAY, DAY]


@pytest.mark.parametrize(
    ("delay", "spread"),
    [(900.0, 45.0), (60.0, 3.0), (3600.0, JITTER_CAP), (DAY, JITTER_CAP), (2.0, 0.1)],
)
def test_jitter_is_bounded(delay: float, spread: float) -> None:
    assert spread == min(delay * JITTER_FRACTION, JITTER_CAP)
    rng = random.Random(1234)
    values = [jittered(delay, rng) for _ in range(4000)]
    assert all(delay - spread <= v <= delay + spread for v in values)
    # it does spread: both halves of the range are used, close to the edges
    assert min(values) < delay - spread * 0.9
    assert max(values) > delay + spread * 0.9


@pytest.mark.parametrize("delay", [900.0, 7200.0, 60.0])
def test_jitter_is_symmetric(delay: float) -> None:
    rng = random.Random(42)
    values = [jittered(delay, rng) for _ in range(20000)]
    spread = min(delay * JITTER_FRACTION, JITTER_CAP)
    mean = sum(values) / len(values)
    assert abs(mean - delay) < spread * 0.03  # the average interval is the configured one
    below = sum(v < delay for v in values)
    assert 0.47 < below / len(values) < 0.53


def test_jitter_never_below_one_second() -> None:
    rng = random.Random(0)
    assert all(jittered(0.5, rng) == 1.0 for _ in range(100))
    assert all(jittered(0.0, rng) == 1.0 for _ in range(100))


def test_jitter_uses_the_given_rng() -> None:
    assert jittered(900.0, random.Random(7)) == jittered(900.0, random.Random(7))


def test_next_poll_at() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    rng = random.Random(3)
    for _ in range(200):
        when = next_poll_at(now, PollPlan(900.0, "interval"), rng)
        assert now + timedelta(seconds=855) <= when <= now + timedelta(seconds=945)
        assert when.tzinfo == UTC


NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("next_poll", "due"),
    [
        (None, True),  # never polled
        (NOW, True),
        (NOW - timedelta(seconds=1), True),
        (NOW - timedelta(days=3), True),
        (NOW + timedelta(seconds=1), False),
        (NOW + timedelta(hours=2), False),
    ],
)
def test_is_due(next_poll: datetime | None, due: bool) -> None:
    assert is_due(next_poll, NOW) is due
