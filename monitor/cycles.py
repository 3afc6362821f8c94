"""Poll cycles in the daemon's log: one summary line per cycle, and one line when the network seems down.

The daemon polls each feed on its own timer (see ``monitor.daemon``), so its scheduler has no cycle; without
one, a log shows a line per feed and never the picture: did the last round work? A cycle here is the stretch
in which every enabled feed has been polled once (a feed polled twice meanwhile counts twice). It closes early
after ``MAX_CYCLE``, so that a feed polled once a day, or one backing off for hours, does not hold back the
summary of the feeds polled every fifteen minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from monitor.failures import OFFLINE_HINT, offline
from monitor.logs import get_logger
from monitor.pipeline import FeedReport

log = get_logger("monitor.daemon")
MAX_CYCLE = 3600.0  # seconds


@dataclass
class _Cycle:
    started: float
    feeds: set[str] = field(default_factory=set)
    reports: list[FeedReport] = field(default_factory=list)


@dataclass(frozen=True)
class CycleSummary:
    feeds: int  # distinct feeds polled
    polls: int
    ok: int  # new content or an unchanged body
    not_modified: int
    failed: int
    new: int  # articles stored
    stances: int  # stances stored with them
    seconds: float
    offline: str | None  # the shared network cause when every poll failed for the network's reasons


class Cycles:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_length: float = MAX_CYCLE):
        self._clock = clock
        self._max = max_length
        self._cycle: _Cycle | None = None

    def record(self, report: FeedReport, enabled: Collection[str]) -> CycleSummary | None:
        """Count one finished poll; when that closes the cycle, log its summary and return it."""
        now = self._clock()
        cycle = self._cycle = self._cycle or _Cycle(now)
        cycle.feeds.add(report.feed)
        cycle.reports.append(report)
        if not (set(enabled) <= cycle.feeds or now - cycle.started >= self._max):
            return None
        self._cycle = None
        reports = cycle.reports
        failed = [r for r in reports if r.failed]
        down = None
        if len(failed) == len(reports) and len(cycle.feeds) > 1:
            down = offline([r.error_kind for r in failed], [r.error for r in failed])
        summary = CycleSummary(
            feeds=len(cycle.feeds), polls=len(reports),
            ok=sum(1 for r in reports if r.status in ("ok", "unchanged")),
            not_modified=sum(1 for r in reports if r.status == "not_modified"), failed=len(failed),
            new=sum(r.new for r in reports), stances=sum(r.stances for r in reports),
            seconds=round(now - cycle.started, 1), offline=down)
        fields = {k: v for k, v in summary.__dict__.items() if k != "offline"}
        log.info("poll.cycle", **fields, enabled=len(enabled))
        if down is not None:
            # ``detail`` rather than ``message``: the logging module reserves that name for itself
            log.warning("poll.offline", feeds=summary.feeds, cause=down,
                        detail=f"every feed failed ({summary.feeds}): {down}; {OFFLINE_HINT}")
        return summary


__all__ = ["MAX_CYCLE", "CycleSummary", "Cycles"]
