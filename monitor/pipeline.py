"""The orchestrator, readable top to bottom: poll one feed = fetch -> parse -> store, then plan the next poll.

I/O sits at the edges: HTTP on the event loop, SQL on one dedicated thread (SQLite wants a single writer and the
loop must not block on it), and the CPU-bound middle (feedparser) on a process pool sized to the machine's cores.
One feed's failure is a ``FeedReport`` with an error, never an exception that stops the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any, TypeVar

from monitor import schedule
from monitor.analyse import Analysed, AnalysedPage, process_document, process_page, warm, worker_init
from monitor.config import FeedConfig, Settings
from monitor.errors import RejectedContent
from monitor.extract import PageText
from monitor.fetch import Fetcher, FetchRequest, FetchResult
from monitor.judge import Judgement
from monitor.logs import get_logger
from monitor.pages import PAGE_ACCEPT, PageQueue, Robots, lookback, wants_page
from monitor.parse import Entry, ParsedFeed
from monitor.store import FeedState, PageUpdate, PollUpdate, PollWrite, SaveResult, Store, StoreError

log = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class FeedReport:
    feed: str
    url: str
    status: str  # ok | not_modified | unchanged | error
    new: int = 0
    linked: int = 0
    entries: int = 0
    http_status: int | None = None
    error: str | None = None
    warning: str | None = None
    next_poll_at: datetime | None = None
    elapsed: float = 0.0
    new_article_ids: tuple[int, ...] = ()
    stances: int = 0  # stances stored with the new articles
    error_kind: str | None = None  # timeout connect blocked http too_large redirect protocol encoding parse database

    @property
    def failed(self) -> bool:
        return self.status == "error"

    def describe(self) -> str:
        """One line naming the feed by name and URL, for people reading a terminal or a log."""
        return f"{self.feed} <{self.url}>: {self.error or self.status}"


@dataclass(frozen=True)
class PageReport:
    article_id: int
    url: str
    feed_id: int | None
    status: str  # ok | too_short | consent | paywall | not_html | empty | robots | failed
    error: str | None = None
    merged_into: int | None = None  # the page's canonical URL was another stored article's: merged into it
    stances: int = 0
    elapsed: float = 0.0


@dataclass(frozen=True)
class CycleReport:
    reports: tuple[FeedReport, ...] = ()
    elapsed: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, reports: Sequence[FeedReport], elapsed: float) -> CycleReport:
        counts: dict[str, int] = {}
        for r in reports:
            counts[r.status] = counts.get(r.status, 0) + 1
        return cls(tuple(reports), elapsed, counts)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.reports)

    @property
    def failed(self) -> tuple[FeedReport, ...]:
        return tuple(r for r in self.reports if r.failed)

    def summary(self) -> str:
        ok = self.counts.get("ok", 0) + self.counts.get("unchanged", 0)
        feeds = "feed" if len(self.reports) == 1 else "feeds"
        articles = "article" if self.new == 1 else "articles"
        return (f"{len(self.reports)} {feeds}: {ok} ok, {self.counts.get('not_modified', 0)} not modified, "
                f"{self.counts.get('error', 0)} failed; {self.new} new {articles} in {self.elapsed:.1f}s")


def body_hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    """Owns the HTTP client, the worker processes and the database thread for the length of a run.

    ``workers``: processes for parsing; 0 parses on the database thread's sibling (no processes), which suits a
    single-feed poll where starting a pool would cost more than it saves.
    """

    def __init__(self, settings: Settings, store: Store, workers: int | None = None, manual: bool = False,
                 pages: bool = True):
        self.settings = settings
        self.store = store
        self.manual = manual  # `monitor poll` run by hand: see _poll for what it must not change
        self.pages = pages  # fetch the pages of candidate stories (monitor/pages.py); False: never queue one
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.on_page: Callable[[PageReport], None] | None = None
        # With a queue (monitor/queue/): who polls (recorded with each poll), and where queued pages go instead
        # of this process's own page workers.
        self.identity: str | None = None
        self.page_sink: Callable[[Sequence[int]], None] | None = None
        self._db: ThreadPoolExecutor | None = None
        self._cpu: Executor | None = None
        self._warming: asyncio.Future[None] | None = None
        self._fetcher: Fetcher | None = None
        self._slots: asyncio.Semaphore | None = None
        self._robots: Robots | None = None
        self._page_queue: PageQueue | None = None
        self._writes: list[tuple[PollWrite, asyncio.Future[SaveResult]]] = []
        self._writer: asyncio.Task[None] | None = None

    def reconfigure(self, settings: Settings) -> None:
        """A reloaded config: feeds, judge and the fetcher's trusted hosts follow it (HTTP limits and timeouts
        keep their values until a restart)."""
        self.settings = settings
        if self._fetcher is not None:
            self._fetcher.trust(settings.trusted_hosts)

    async def __aenter__(self) -> Pipeline:
        self._db = ThreadPoolExecutor(1, thread_name_prefix="monitor-db")
        self._cpu = self._make_cpu_pool()
        self._fetcher = Fetcher(self.settings.http, self.settings.trusted_hosts)
        # Bounds fetched-but-unparsed bodies in memory as well as requests in flight.
        self._slots = asyncio.Semaphore(self.settings.http.concurrency)
        self._robots = Robots(self._fetcher, self.settings.http.user_agent)
        self._page_queue = PageQueue(self._page_job, self.settings.fulltext.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._page_queue is not None:
            await self._page_queue.close()
        if self._fetcher is not None:
            await self._fetcher.aclose()
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)  # its thread still uses the pool
        if self._cpu is not None:
            self._cpu.shutdown(wait=True, cancel_futures=True)
        if self._db is not None:
            # Waits for a write already handed to the thread: a shutdown never leaves half a poll stored.
            await asyncio.get_running_loop().run_in_executor(None, self._db.shutdown, True)

    def _make_cpu_pool(self) -> Executor:
        if self.workers <= 0:
            return ThreadPoolExecutor(1, thread_name_prefix="monitor-parse")
        # forkserver: forking a process that already runs threads (the DB thread) can copy held locks.
        return ProcessPoolExecutor(self.workers, mp_context=get_context("forkserver"), initializer=worker_init,
                                   initargs=(os.getpid(),))

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._db is not None, "use the pipeline as an async context manager"
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def save(self, write: PollWrite) -> SaveResult:
        """``Store.save_poll`` through one writer that stores whatever polls finished while its last transaction
        ran in the next one: in a cold cycle hundreds of feeds finish within a second and a commit each (an fsync
        each on SQLite) was most of the database thread's time. A poll still waits for its own commit before its
        report says it is stored. ``RejectedContent`` raised here is this poll's alone."""
        future: asyncio.Future[SaveResult] = asyncio.get_running_loop().create_future()
        self._writes.append((write, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        return await future

    async def _write_batches(self) -> None:
        while self._writes:
            batch, self._writes = self._writes[:256], self._writes[256:]
            try:
                results = await self.db(self.store.save_polls, [w for w, _ in batch])
            except BaseException as exc:  # StoreError (database down), or cancelled: every waiting poll learns it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else StoreError(str(exc)))
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def warm_up(self) -> asyncio.Future[None]:
        """Start the workers and compile the lexicons in them, once, off the event loop (starting processes from
        the loop would stall every fetch in flight for the better part of a second). Started by the first document
        to parse rather than on entry: a cycle where every feed answers 304 needs no worker at all, and waiting for
        them made such a cycle a second longer. The daemon, which will parse sooner or later, awaits it before its
        first poll (see ``Daemon.run``)."""
        if self._warming is None:
            judge = self.settings.judge
            self._warming = asyncio.get_running_loop().run_in_executor(
                None, warm, self._cpu, max(1, self.workers), judge.topics, judge.actors)
        return self._warming

    async def _in_worker(self, fn: Callable[..., T], *args: Any) -> T:
        """Run the CPU-bound ``fn`` in the worker pool. ``BrokenProcessPool`` when a worker died on it (out of
        memory, a C-level crash): the pool is replaced for the next caller, and only this document fails."""
        assert self._cpu is not None
        pool = self._cpu
        try:
            await self.warm_up()
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            if self._cpu is pool:  # not yet replaced by another caller that saw the same crash
                self._cpu = self._make_cpu_pool()
                self._warming = None
            raise

    async def _parse(self, fetched: FetchResult, feed: FeedConfig) -> Analysed:
        assert fetched.body is not None
        judge = self.settings.judge
        try:
            return await self._in_worker(process_document, fetched.body, fetched.headers,
                                         fetched.final_url or feed.url, feed.language, judge.topics, judge.actors)
        except BrokenProcessPool:
            log.error("parse.worker_died", feed=feed.name, url=feed.url)
            return Analysed(ParsedFeed(error="parser worker crashed on this document"))

    # ------------------------------------------------------------------------------------------ polls

    async def poll_many(self, feeds: Sequence[FeedConfig],
                        on_done: Callable[[FeedReport], None] | None = None) -> CycleReport:
        started = time.monotonic()
        states = await self.db(self.store.feed_states, [f.name for f in feeds])

        async def one(feed: FeedConfig) -> FeedReport:
            report = await self.poll(feed, states.get(feed.name))
            if on_done is not None:
                on_done(report)
            return report

        reports = await asyncio.gather(*(one(f) for f in feeds))
        return CycleReport.of(reports, time.monotonic() - started)

    async def poll(self, feed: FeedConfig, state: FeedState | None = None) -> FeedReport:
        assert self._slots is not None and self._fetcher is not None
        async with self._slots:
            started = time.monotonic()
            try:
                if state is None:
                    state = await self.db(self.store.feed_state, feed.name)
                if state is None:
                    ids = await self.db(self.store.sync_feeds, [feed], utcnow())
                    state = FeedState(id=ids[feed.name], name=feed.name, url=feed.url, active=True)
                report = await self._poll(feed, state)
            except StoreError as exc:
                report = FeedReport(feed.name, feed.url, "error", error=str(exc), error_kind="database")
            report = replace(report, elapsed=time.monotonic() - started)
        fields = {"feed": feed.name, "url": feed.url, "status": report.status, "new": report.new,
                  "ms": round(report.elapsed * 1000)}
        if report.failed:
            log.warning("feed.failed", **fields, kind=report.error_kind, error=report.error)
        else:
            log.info("feed.polled", **fields)
        return report

    async def _poll(self, feed: FeedConfig, state: FeedState) -> FeedReport:
        assert self._fetcher is not None
        same_url = state.url == feed.url
        request = FetchRequest(feed.url, state.etag if same_url else None, state.last_modified if same_url else None)
        fetched = await self._fetcher.fetch(request)
        now = utcnow()

        parsed: ParsedFeed | None = None
        judgements: dict[str, tuple[Judgement, ...]] = {}
        readable: frozenset[str] = frozenset()
        digest: str | None = None
        error = fetched.error
        if fetched.outcome == "ok":
            digest = body_hash(fetched.body or b"")
            if digest == state.body_hash and same_url:
                status = "unchanged"  # the server ignored our validators but nothing changed: skip parsing
            else:
                analysed = await self._parse(fetched, feed)
                parsed, judgements, readable = analysed.parsed, analysed.judgements, analysed.readable
                status = "error" if parsed.error else "ok"
                error = parsed.error
        else:
            status = fetched.outcome

        failed = status == "error"
        failures = state.consecutive_failures + 1 if failed else 0
        ttl = parsed.ttl if parsed is not None else state.ttl_seconds
        plan = schedule.plan_next(feed.interval, failed=failed, failures=failures,
                                  max_backoff=self.settings.http.max_backoff, retry_after=fetched.retry_after,
                                  max_age=fetched.max_age, ttl=ttl)
        next_at = schedule.next_poll_at(now, plan)
        if failed and self.manual and state.consecutive_failures and state.next_poll_at is not None:
            # Someone retrying a failing feed by hand learns nothing the backoff did not already know: its count
            # and its planned retry stay where the schedule put them instead of doubling once per try.
            failures, next_at = state.consecutive_failures, state.next_poll_at
        update = PollUpdate(
            polled_at=now,
            status=status,
            next_poll_at=next_at,
            consecutive_failures=failures,
            http_status=fetched.status,
            error=error,
            warning=parsed.warning if parsed is not None else None,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            body_hash=digest,
            title=parsed.title if parsed is not None else None,
            site_url=parsed.link if parsed is not None else None,
            moved_to=fetched.permanent_redirect,
            ttl_seconds=int(parsed.ttl) if parsed is not None and parsed.ttl is not None else None,
            polled_by=self.identity,
        )
        entries = parsed.entries if parsed is not None and not failed else ()
        pages = self._wanted_pages(feed, entries, readable, now)
        try:
            saved = await self.save(PollWrite(state.id, update, tuple(entries), judgements, pages))
        except RejectedContent as exc:
            # The database is up but refused this feed's items: the feed fails and backs off (its validators are
            # not kept, so the items are fetched again once the feed or the database is fixed); the cycle goes on.
            failures = state.consecutive_failures + 1
            plan = schedule.plan_next(feed.interval, failed=True, failures=failures,
                                      max_backoff=self.settings.http.max_backoff)
            update = replace(update, status="error", error=str(exc), warning=None, consecutive_failures=failures,
                             next_poll_at=schedule.next_poll_at(now, plan))
            await self.db(self.store.save_poll, state.id, update)
            return FeedReport(feed=feed.name, url=feed.url, status="error", entries=len(entries),
                              http_status=fetched.status, error=str(exc), next_poll_at=update.next_poll_at,
                              error_kind="database")
        if saved.pages and self.page_sink is not None:
            await asyncio.to_thread(self.page_sink, saved.pages)
        elif saved.pages and self._page_queue is not None:
            self._page_queue.put(saved.pages)  # fetched beside the cycle, which does not wait for them
        return FeedReport(
            feed=feed.name, url=feed.url, status=status, new=saved.new, linked=saved.linked, entries=len(entries),
            http_status=fetched.status, error=error, warning=update.warning, next_poll_at=update.next_poll_at,
            new_article_ids=saved.new_article_ids, stances=saved.stances,
            error_kind=(fetched.error_kind or "parse") if failed else None,
        )

    # ------------------------------------------------------------------------------------------ pages

    def _wanted_pages(self, feed: FeedConfig, entries: Sequence[Entry], readable: frozenset[str],
                      now: datetime) -> frozenset[str]:
        if not self.pages or not entries or feed.fulltext == "never":
            return frozenset()
        full = self.settings.fulltext
        back = lookback(d.cron.period(now) for d in self.settings.digests)
        return frozenset(e.guid for e in entries
                         if wants_page(feed.fulltext, e.url, e.text or e.summary, e.guid in readable, e.published,
                                       now, full.min_words, back))

    def queue_pages(self, ids: Sequence[int]) -> int:
        """Queue pages recorded as pending (by an earlier run that stopped before fetching them)."""
        if not self.pages or self._page_queue is None:
            return 0
        return self._page_queue.put(ids)

    @property
    def pages_pending(self) -> int:
        return self._page_queue.pending if self._page_queue is not None else 0

    async def drain_pages(self) -> None:
        """Wait for every queued page (``monitor poll`` finishes the pages its cycle queued before it exits)."""
        if self._page_queue is not None:
            await self._page_queue.drain()

    async def _page_job(self, article_id: int) -> None:
        report = await self.fetch_page(article_id)
        if report is not None and self.on_page is not None:
            self.on_page(report)

    async def fetch_page(self, article_id: int) -> PageReport | None:
        """Fetch one queued page: robots.txt -> GET -> extract and judge (worker process) -> store. The page
        counterpart of ``poll``; None when the page is no longer queued (fetched by another run, or its article
        deleted)."""
        assert self._fetcher is not None and self._robots is not None
        tasks = await self.db(self.store.page_tasks, [article_id])
        if not tasks:
            return None
        task = tasks[0]
        started = time.monotonic()
        judgements: tuple[Judgement, ...] | None = None
        refusal = await self._robots.refusal(task.url)
        now = utcnow()
        if refusal is not None:
            update = PageUpdate(refusal[0], now, error=refusal[1])
        else:
            fetched = await self._fetcher.fetch(FetchRequest(task.url, accept=PAGE_ACCEPT,
                                                             max_bytes=self.settings.fulltext.max_body_bytes))
            now = utcnow()
            if fetched.outcome != "ok":
                update = PageUpdate("failed", now, final_url=fetched.final_url, http_status=fetched.status,
                                    error=fetched.error or f"HTTP {fetched.status}")
            else:
                judge = self.settings.judge
                try:
                    analysed = await self._in_worker(process_page, fetched.body or b"",
                                                     fetched.headers.get("content-type"),
                                                     fetched.final_url or task.url, task.title, judge.topics,
                                                     judge.actors, task.published)
                except BrokenProcessPool:
                    analysed = AnalysedPage(PageText("empty", reason="the worker crashed on this page"))
                page = analysed.page
                judgements = analysed.judgements
                update = PageUpdate(page.status, now, final_url=fetched.final_url, canonical_url=page.canonical_url,
                                    http_status=fetched.status, error=page.reason, method=page.method,
                                    text=page.text if page.ok else "", title=page.title, author=page.author,
                                    published=page.published, language=page.language)
        merged = await self.db(self.store.save_page, task, update, judgements, now)
        report = PageReport(article_id=task.article_id, url=task.url, feed_id=task.feed_id, status=update.status,
                            error=update.error, merged_into=merged, stances=sum(len(j.stances) for j in judgements)
                            if judgements else 0, elapsed=time.monotonic() - started)
        fields = {"article": task.article_id, "url": task.url, "status": report.status,
                  "ms": round(report.elapsed * 1000)}
        if update.status in ("ok", "robots"):
            log.info("page.fetched", **fields, stances=report.stances, merged_into=merged)
        else:
            log.info("page.kept_feed_text", **fields, detail=update.error)
        return report
