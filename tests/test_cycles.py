"""Cycle summaries: how the daemon's one-feed-at-a-time polls are counted into rounds (pure, clock injected)."""

from __future__ import annotations

from monitor.cycles import Cycles
from monitor.pipeline import FeedReport


def report(feed: str, status: str = "ok", new: int = 0, stances: int = 0, kind: str | None = None,
           error: str | None = None) -> FeedReport:
    return FeedReport(feed, f"https://{feed.lower()}.example/rss", status, new=new, stances=stances,
                      error_kind=kind, error=error)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cycle_closes_once_every_enabled_feed_was_polled() -> None:
    clock = Clock()
    cycles = Cycles(clock)
    enabled = ["A", "B", "C"]
    assert cycles.record(report("A", new=3, stances=2), enabled) is None
    clock.now = 5
    assert cycles.record(report("A", "not_modified"), enabled) is None  # polled twice: counted twice
    assert cycles.record(report("B", "unchanged"), enabled) is None
    clock.now = 12
    done = cycles.record(report("C", "error", kind="http", error="HTTP 500"), enabled)
    assert done is not None
    assert (done.feeds, done.polls, done.ok, done.not_modified, done.failed, done.new, done.stances) == (
        3, 4, 2, 1, 1, 3, 2)
    assert done.seconds == 12 and done.offline is None
    # the next cycle starts afresh
    assert cycles.record(report("A"), enabled) is None


def test_a_slow_feed_does_not_hold_back_the_summary_for_ever() -> None:
    clock = Clock()
    cycles = Cycles(clock, max_length=3600)
    enabled = ["Fast", "Daily"]
    for minute in range(0, 60, 15):
        clock.now = minute * 60
        assert cycles.record(report("Fast"), enabled) is None
    clock.now = 3600
    done = cycles.record(report("Fast"), enabled)
    assert done is not None and (done.feeds, done.polls) == (1, 5)


def test_every_feed_failing_for_the_network_is_named_with_its_cause() -> None:
    cycles = Cycles(Clock())
    enabled = ["A", "B"]
    dns = "cannot connect: [Errno -2] Name or service not known"
    cycles.record(report("A", "error", kind="connect", error=dns), enabled)
    done = cycles.record(report("B", "error", kind="connect", error=dns), enabled)
    assert done is not None and done.offline == "host not found"

    mixed = Cycles(Clock())
    mixed.record(report("A", "error", kind="timeout", error="timed out after 30s"), enabled)
    done = mixed.record(report("B", "error", kind="connect", error="cannot connect: [Errno 101] Network is "
                                                                   "unreachable"), enabled)
    assert done is not None and done.offline == "network errors"

    servers = Cycles(Clock())  # every feed failing, but each server said why: not the network
    servers.record(report("A", "error", kind="http", error="HTTP 503 Service Unavailable"), enabled)
    done = servers.record(report("B", "error", kind="connect", error=dns), enabled)
    assert done is not None and done.offline is None
