"""The live display of ``monitor poll`` on a terminal (Rich). A module of its own so that Rich's progress
machinery is imported only by a poll that will show it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from monitor.ui import BAD, DIM, OK, plural


class _CountsColumn(ProgressColumn):
    """``12 ok · 2 failed · 57 new``: green and red only when there is something to count. For pages: read,
    kept the feed's text, stances found."""

    def render(self, task: Task) -> Text:
        ok, failed, new = task.fields.get("ok", 0), task.fields.get("failed", 0), task.fields.get("new", 0)
        pages = task.fields.get("kind") == "pages"
        out = Text()
        out.append(f"{ok} read" if pages else f"{ok} ok", style=OK if ok else DIM)
        out.append(" · ")
        out.append(f"{failed} kept feed text" if pages else f"{failed} failed", style=BAD if failed else DIM)
        out.append(" · ")
        out.append(plural(new, "stance", "stances") if pages else plural(new, "new article", "new articles"),
                   style="bold" if new else DIM)
        return out


class _RateColumn(ProgressColumn):
    """Feeds finished per second over the last few seconds (Rich's own speed estimate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} {task.fields.get('unit', 'feeds')}/s", style="cyan")


class _FeedColumn(ProgressColumn):
    """The feed that just finished, and how (a name from the config, so not read as markup)."""

    def render(self, task: Task) -> Text:
        name, failed = task.fields.get("last", ""), task.fields.get("last_failed", False)
        if not name:
            return Text("")
        return Text.assemble(("✗ " if failed else "✓ ", BAD if failed else OK), (name, ""))


class Finished(Protocol):
    """What the display needs of a finished poll (a ``monitor.pipeline.FeedReport``)."""

    @property
    def feed(self) -> str: ...

    @property
    def failed(self) -> bool: ...

    @property
    def new(self) -> int: ...


class FinishedPage(Protocol):
    """What the display needs of a fetched page (a ``monitor.pipeline.PageReport``)."""

    @property
    def url(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def stances(self) -> int: ...


class PollDisplay:
    """The live display of ``monitor poll`` on a terminal: a bar, feeds done of all, ok / failed / new counts,
    the current rate, a time remaining from that rate, and the feed that just finished. Rich redraws it ten
    times a second from its own thread; ``done`` is called from the event loop."""

    def __init__(self, total: int, stream: IO[str] | None = None, *, console: Console | None = None,
                 clock: Callable[[], float] | None = None):
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description:<7}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            _CountsColumn(),
            _RateColumn(),
            TimeRemainingColumn(elapsed_when_finished=True),
            _FeedColumn(),
            console=console or Console(file=sys.stderr if stream is None else stream, highlight=False),
            speed_estimate_period=10.0,
            get_time=clock,
        )
        self.task = self.progress.add_task("polling", total=total, ok=0, failed=0, new=0, last="",
                                           last_failed=False, unit="feeds")
        self._counts = {"ok": 0, "failed": 0, "new": 0}
        self._pages: TaskID | None = None
        self._page_counts = {"ok": 0, "failed": 0, "new": 0}

    def __enter__(self) -> PollDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def done(self, report: Finished) -> None:
        """One feed finished."""
        self._counts["failed" if report.failed else "ok"] += 1
        self._counts["new"] += report.new
        self.progress.update(self.task, advance=1, last=report.feed, last_failed=report.failed, **self._counts)

    def pages(self, queued: int) -> None:
        """Article pages the cycle queued (fetched beside it): a second bar, added when the first page is."""
        if self._pages is None:
            self._pages = self.progress.add_task("pages", total=queued, ok=0, failed=0, new=0, last="",
                                                 last_failed=False, kind="pages", unit="pages")
        else:
            self.progress.update(self._pages, total=queued)

    def page_done(self, report: FinishedPage) -> None:
        """One page fetched (its text read: ok) or not (kept the feed's text: failed, with the reason)."""
        if self._pages is None:
            self.pages(1)
        assert self._pages is not None
        self._page_counts["ok" if report.status == "ok" else "failed"] += 1
        self._page_counts["new"] += report.stances
        self.progress.update(self._pages, advance=1, last=report.url, last_failed=report.status != "ok",
                             **self._page_counts)


__all__ = ["Finished", "FinishedPage", "PollDisplay"]
