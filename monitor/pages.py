"""Article pages: which stories get theirs fetched, robots.txt, and the queue that fetches them beside polling.

The fetch itself (one page = robots check -> GET -> extract and judge -> store) is ``Pipeline.fetch_page``, the
page counterpart of ``Pipeline.poll``; this module holds the policies around it, as pure functions where they
can be, and the small asynchronous machinery:

* ``wants_page``: a new story's page is fetched when its feed says ``always``, or ``auto`` (the default) and the
  feed's text is short and the story is a candidate (relevant, or a member state and the topic); never for a
  story older than the digests look back, which no digest would show.
* ``Robots``: robots.txt per origin, parsed with Protego (Scrapy's parser; Google's rules, RFC 9309), cached for a
  day. A robots.txt that does not exist (4xx) allows everything; one that cannot be read (5xx, timeouts) disallows
  everything for an hour, as RFC 9309 asks. ``Crawl-delay`` is honoured up to ``MAX_CRAWL_DELAY``.
* ``PageQueue``: a few workers taking article ids from a queue; a feed's cycle only puts ids in and never waits.
  The ids are also ``pending`` rows in the database (written with the articles), so pages queued before a stop
  are fetched after the restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from monitor.fetch import Fetcher, FetchRequest
from monitor.logs import get_logger

log = get_logger(__name__)
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
ROBOTS_TTL = 86400.0
ROBOTS_UNREACHABLE_TTL = 3600.0
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB
MAX_CRAWL_DELAY = 10.0  # a site asking for more is still fetched, this often at most
MIN_LOOKBACK = timedelta(days=2)


def words(text: str) -> int:
    return len(text.split())


def wants_page(mode: str, url: str | None, text: str, readable: bool, published: datetime | None, now: datetime,
               min_words: int, lookback: timedelta) -> bool:
    """Whether a new story's page should be fetched (see the module's docstring)."""
    if mode == "never" or not url:
        return False
    if published is not None and published < now - lookback:
        return False
    if mode == "always":
        return True
    return readable and words(text) < min_words


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: ``monitor`` in ``monitor/0.1 (+url)``."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


@dataclass
class _Rules:
    expires: float
    parser: object | None  # a protego.Protego, or None: everything allowed
    deny_all: bool = False
    reason: str = ""
    delay: float = 0.0
    next_at: float = 0.0  # crawl-delay: the earliest time of the next fetch from this origin


class Robots:
    """robots.txt per origin, fetched through the pipeline's fetcher (same politeness, same private-network
    guard) and cached; concurrent questions about one origin share one fetch."""

    def __init__(self, fetcher: Fetcher, user_agent: str, clock: Callable[[], float] = time.monotonic):
        self.fetcher = fetcher
        self.agent = agent_token(user_agent)
        self.clock = clock
        self._rules: dict[str, _Rules] = {}
        self._loading: dict[str, asyncio.Future[_Rules]] = {}

    async def refusal(self, url: str) -> tuple[str, str] | None:
        """Why ``url`` may not be fetched, as (status, reason): ``robots`` when robots.txt disallows it,
        ``failed`` when robots.txt could not be read (the site is down or erring: RFC 9309 says to fetch
        nothing then). None when it may be fetched, after any crawl delay it asks for (this call waits it out)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = await self._get(origin)
        if rules.deny_all:
            return "failed", rules.reason
        if rules.parser is not None and not rules.parser.can_fetch(url, self.agent):  # type: ignore[attr-defined]
            return "robots", "disallowed by robots.txt"
        if rules.delay:
            now = self.clock()
            wait = rules.next_at - now
            rules.next_at = max(now, rules.next_at) + rules.delay
            if wait > 0:
                await asyncio.sleep(wait)
        return None

    async def _get(self, origin: str) -> _Rules:
        cached = self._rules.get(origin)
        if cached is not None and cached.expires > self.clock():
            return cached
        loading = self._loading.get(origin)
        if loading is None:
            loading = asyncio.ensure_future(self._load(origin))
            self._loading[origin] = loading
            loading.add_done_callback(lambda _f: self._loading.pop(origin, None))
        rules = await asyncio.shield(loading)
        self._rules[origin] = rules
        return rules

    async def _load(self, origin: str) -> _Rules:
        import protego

        result = await self.fetcher.fetch(FetchRequest(f"{origin}/robots.txt", accept="text/plain,*/*;q=0.5",
                                                       max_bytes=ROBOTS_MAX_BYTES))
        now = self.clock()
        if result.outcome == "ok":
            text = (result.body or b"").decode("utf-8", "replace")
            try:
                parser = protego.Protego.parse(text)
            except Exception:  # an unreadable robots.txt says nothing: allowed, as for a missing one
                return _Rules(now + ROBOTS_TTL, None)
            delay = min(float(parser.crawl_delay(self.agent) or 0.0), MAX_CRAWL_DELAY)
            return _Rules(now + ROBOTS_TTL, parser, delay=delay)
        if result.status is not None and 400 <= result.status < 500:
            return _Rules(now + ROBOTS_TTL, None)  # no robots.txt: everything allowed
        return _Rules(now + ROBOTS_UNREACHABLE_TTL, None, deny_all=True,
                      reason=f"robots.txt unreachable ({result.error}); not fetched for now")


class PageQueue:
    """``workers`` tasks running ``handle(article_id)`` for ids put in, each id once while queued."""

    def __init__(self, handle: Callable[[int], Awaitable[None]], workers: int):
        self.handle = handle
        self.workers = workers
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def put(self, ids: Iterable[int]) -> int:
        added = 0
        for aid in ids:
            if aid not in self._queued:
                self._queued.add(aid)
                self._queue.put_nowait(aid)
                added += 1
        if added and not self._tasks:
            self._tasks = [asyncio.create_task(self._work(), name=f"page-worker-{i}") for i in range(self.workers)]
        return added

    @property
    def pending(self) -> int:
        return len(self._queued)

    async def drain(self) -> None:
        """Wait until every id put in so far has been handled."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop the workers; a page being written finishes its write (the store call runs on its own thread),
        those not started stay ``pending`` in the database for the next run."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        while True:
            aid = await self._queue.get()
            try:
                await self.handle(aid)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug costs one page, not the queue
                log.error("page.crashed", exc_info=True, article=aid, error=f"{type(exc).__name__}: {exc}")
            finally:
                self._queued.discard(aid)
                self._queue.task_done()


def lookback(digest_periods: Iterable[timedelta]) -> timedelta:
    """How old a story may be and still reach a digest: the longest digest period, at least two days."""
    return max([MIN_LOOKBACK, *digest_periods])


__all__ = ["PAGE_ACCEPT", "PageQueue", "Robots", "agent_token", "lookback", "wants_page", "words"]
