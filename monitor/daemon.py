"""``monitor run``: APScheduler wiring, signals and config reload around the pipeline.

Each feed is its own one-shot job, re-armed after every poll for the exact time the poll planned (interval,
backoff, Retry-After, publisher hints). A global tick that polls "whatever is due" would alias: a feed due a few
seconds after a tick waits for the next one, so 15 minutes quietly becomes 30. The plan is also stored, so a
restart resumes the same schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import schedule
from monitor.config import ConfigError, DigestConfig, FeedConfig, Settings, load_settings
from monitor.cycles import Cycles
from monitor.digest.cron import missed_slot
from monitor.digest.process import DigestProcess
from monitor.logs import get_logger
from monitor.metrics import Metrics
from monitor.pipeline import FeedReport, PageReport, Pipeline
from monitor.store import FeedState, Store, StoreError, safe_url

if TYPE_CHECKING:
    from monitor.queue.leader import LeaderLock
    from monitor.queue.scheduler import QueueScheduler

log = get_logger(__name__)
STARTUP_SPREAD = 30.0  # seconds over which overdue feeds are spread at start, so a restart is not a stampede
SHUTDOWN_GRACE = 45.0  # seconds in-flight polls get to finish after SIGTERM (a fetch is capped at ~30 s)
DIGEST_CATCH_UP_DELAY = 5.0  # seconds after start before a missed digest goes out: let the first polls land
RETENTION_FIRST = timedelta(minutes=10)  # after start: out of the way of the start-up polls and catch-up digests
RETENTION_EVERY = timedelta(days=1)
REARM_MIN = timedelta(seconds=0.5)  # the soonest a feed's next poll is armed (see ``Daemon._arm``)
DIGEST_RETRY = 300.0  # seconds before a failed digest is tried again; doubles per failure ...
DIGEST_RETRY_CAP = 3600.0  # ... up to this, and never past the digest's next slot


def _now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    def __init__(self, settings: Settings, store: Store, config_path: Path | None = None,
                 http: tuple[str, int] | None = None, metrics: Metrics | None = None):
        self.settings = settings
        self.http = http
        self.metrics = metrics or Metrics()
        self._failing: dict[str, bool] = {}
        self.cycles = Cycles()
        self.store = store
        self.config_path = config_path
        self.feeds: dict[str, FeedConfig] = {f.name: f for f in settings.enabled_feeds}
        self.scheduler: AsyncIOScheduler | None = None
        self.pipeline: Pipeline | None = None
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._rng = random.Random()
        self.started_at: datetime | None = None
        self.digests: dict[str, DigestConfig] = {d.name: d for d in settings.digests}
        self._digest_failures: dict[str, int] = {}
        self._digester = DigestProcess()
        # With a queue (settings.queue): the scheduler that sends work, the leadership, the broker's state.
        self.queue: QueueScheduler | None = None
        self.leader: LeaderLock | None = None
        self._standing_by = settings.queue is not None
        self._broker_down: str | None = None
        self._ticks = 0

    # ------------------------------------------------------------------------------------------ lifecycle

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC,
                                          job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": None})
        async with Pipeline(self.settings, self.store) as pipeline:
            self.pipeline = pipeline
            pipeline.on_page = self._record_page
            server = None
            if self.http is not None:
                from monitor.httpd import HealthServer

                server = HealthServer(self.metrics, self.health)
                await server.start(*self.http)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop, sig.name)
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(self.reload()))
            try:
                if self.settings.queue is not None and not await self._lead():
                    return 0  # stopped while standing by
                if self.queue is None:
                    await self._warm_up(pipeline)
                await self._sync_and_schedule(initial=True)
                if self.queue is None:
                    resumed = pipeline.queue_pages(await pipeline.db(self.store.pending_pages))
                    if resumed:
                        log.info("pages.resumed", pages=resumed)
                await self._schedule_digests(initial=True)
                self.scheduler.add_job(self._retention_job, trigger=IntervalTrigger(
                    seconds=RETENTION_EVERY.total_seconds(), start_date=_now() + RETENTION_FIRST, timezone=UTC),
                    id="retention", name="retention")
                self.scheduler.start()
                self.started_at = _now()
                where = {"outbox": self.settings.outbox} if self.settings.smtp is None else {}
                if self.queue is not None:
                    where["queue"] = safe_url(self.settings.queue.broker)  # type: ignore[union-attr]
                log.info("daemon.started", feeds=len(self.feeds), digests=len(self.digests),
                         config=str(self.config_path.absolute()) if self.config_path else None,
                         database=safe_url(self.settings.database_url), **where)
                await self._stop.wait()
            finally:
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    loop.remove_signal_handler(sig)
                await self._shutdown()
                if server is not None:
                    await server.close()
        log.info("daemon.stopped")
        return 0

    def request_stop(self, reason: str = "stop") -> None:
        log.info("daemon.stopping", reason=reason)
        self._stop.set()
        self._digester.stop()  # cuts a digest's retry wait short

    async def health(self) -> tuple[bool, str]:
        """For ``/healthz``: the scheduler runs and the database answers (checked off the loop: a dead database
        can take seconds to refuse); with a queue, the broker took the last tasks, and a standby says so."""
        if self.settings.queue is not None and self._standing_by:
            return True, "standby (another scheduler leads)"
        if not self.running:
            return False, "scheduler not running"
        if not await asyncio.to_thread(self.store.ping):
            return False, "database unavailable"
        if self._broker_down is not None:
            return False, f"broker unavailable: {self._broker_down}"
        return True, "ok"

    # ------------------------------------------------------------------------------------------ queue

    async def _lead(self) -> bool:
        """With a queue: stand by until this scheduler holds the leadership (True), or until stopped (False)."""
        from monitor.queue.leader import RETRY, LeaderLock
        from monitor.queue.scheduler import QueueScheduler

        self.queue = QueueScheduler(self.settings, self.store)
        self.leader = LeaderLock(self.store)
        announced = False
        while not self._stop.is_set():
            try:
                if await asyncio.to_thread(self.leader.try_acquire):
                    self._standing_by = False
                    self.metrics.set("leader", 1)
                    log.info("scheduler.leading", broker=safe_url(self.settings.queue.broker))  # type: ignore[union-attr]
                    return True
            except StoreError as exc:
                log.warning("scheduler.database_unavailable", error=str(exc))
            except Exception as exc:  # the database refusing connections surfaces as a driver error here
                log.warning("scheduler.database_unavailable", error=f"{type(exc).__name__}: {exc}")
            if not announced:
                log.info("scheduler.standby", retry_every=RETRY)
                announced = True
            self.metrics.set("leader", 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=RETRY)
        return False

    async def _queue_tick(self) -> None:
        """Put what is due on the queue (monitor/queue/scheduler.py); keep the leadership or stop."""
        assert self.queue is not None and self.leader is not None
        if not await asyncio.to_thread(self.leader.still_held):
            log.error("scheduler.leadership_lost", detail="the database connection holding it closed")
            self.request_stop("leadership lost")
            return
        from monitor.queue.scheduler import BrokerDown

        now = _now()
        try:
            sent = await asyncio.to_thread(self.queue.enqueue_due, list(self.feeds), now)
            self._ticks += 1
            if self._ticks % 6 == 1:
                for queue, depth in (await asyncio.to_thread(self.queue.depths)).items():
                    self.metrics.set("queue_depth", depth, queue=queue)
        except BrokerDown as exc:
            if self._broker_down is None:
                log.error("queue.unavailable", error=str(exc), detail="the plan is kept; due work is sent again "
                          "when the broker is back")
            self._broker_down = str(exc)
            return
        except StoreError as exc:
            log.warning("queue.tick_failed", error=str(exc))
            return
        if self._broker_down is not None:
            log.info("queue.available", detail="sending due work again")
            self._broker_down = None
        if sent.feeds or sent.pages:
            self.metrics.inc("tasks_enqueued_total", sent.feeds, task="poll_feed")
            self.metrics.inc("tasks_enqueued_total", sent.pages, task="fetch_page")
            log.info("queue.sent", feeds=sent.feeds, pages=sent.pages, **({"requeued": sent.requeued}
                                                                          if sent.requeued else {}))

    def _record(self, report: FeedReport) -> None:
        m = self.metrics
        m.inc("polls_total", outcome=report.status)
        if report.failed:
            m.inc("poll_failures_total", kind=report.error_kind or "unknown")
        else:
            m.set("last_successful_poll_timestamp_seconds", _now().timestamp())
        m.inc("articles_stored_total", report.new)
        m.inc("stances_stored_total", report.stances)
        self._failing[report.feed] = report.failed
        failing = sum(1 for name, bad in self._failing.items() if bad and name in self.feeds)
        m.set("feeds", len(self.feeds) - failing, state="ok")
        m.set("feeds", failing, state="failing")

    def _record_page(self, report: PageReport) -> None:
        self.metrics.inc("pages_total", outcome=report.status)
        self.metrics.inc("stances_stored_total", report.stances)

    @property
    def running(self) -> bool:
        return self.scheduler is not None and self.scheduler.running and not self._stop.is_set()

    async def _shutdown(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            # Pause, don't shut down yet: APScheduler's asyncio executor cancels the job tasks still running on
            # shutdown, which would abandon in-flight polls before their write. Paused, no new poll starts.
            self.scheduler.pause()
            await asyncio.sleep(0)  # a poll handed to the loop just before the pause registers itself as in flight
        if self._inflight:
            # Let polls finish their fetch and, above all, their write; then give up on stragglers.
            _, pending = await asyncio.wait(set(self._inflight), timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await asyncio.to_thread(self._digester.close)
        if self.leader is not None:
            await asyncio.to_thread(self.leader.release)

    # ------------------------------------------------------------------------------------------ scheduling

    async def _sync_and_schedule(self, initial: bool = False, changed: set[str] | None = None) -> None:
        assert self.pipeline is not None and self.scheduler is not None
        now = _now()
        await self.pipeline.db(self.store.sync_feeds, self.settings.feeds, now)
        if self.queue is not None:  # the workers poll; the tick puts due feeds on the queue
            if self.scheduler.get_job("queue:tick") is None:
                from monitor.queue.scheduler import TICK

                self.scheduler.add_job(self._queue_tick, trigger=IntervalTrigger(seconds=TICK, timezone=UTC),
                                       id="queue:tick", name="queue tick", next_run_time=_now())
            return
        states = await self.pipeline.db(self.store.feed_states)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id[5:] not in self.feeds:
                job.remove()
        for name, feed in self.feeds.items():
            job = self.scheduler.get_job(f"feed:{name}")
            if job is not None and not initial and (changed is None or name not in changed):
                continue
            self._arm(feed, self._first_run(feed, states.get(name), now))

    def _first_run(self, feed: FeedConfig, state: FeedState | None, now: datetime) -> datetime:
        if state is None or state.last_polled_at is None:
            return now + timedelta(seconds=self._rng.uniform(0, min(STARTUP_SPREAD, feed.interval)))
        planned = state.next_poll_at
        if state.consecutive_failures == 0 or planned is None:
            # The interval may have changed since the stored plan was made: recompute from the last poll.
            plan = schedule.plan_next(feed.interval, failed=False, failures=0,
                                      max_backoff=self.settings.http.max_backoff, ttl=state.ttl_seconds)
            planned = state.last_polled_at + timedelta(seconds=plan.delay)
        if planned <= now:
            return now + timedelta(seconds=self._rng.uniform(0, min(STARTUP_SPREAD, feed.interval)))
        return planned

    @staticmethod
    async def _warm_up(pipeline: Pipeline) -> None:
        """The parser workers and the judge's tables, loaded before the first poll rather than during it: a first
        poll that also starts the workers (seconds on a slow machine) outlasts a short interval, and the feeds'
        first gaps would be the warm-up's, not their interval. A failure here is the first poll's to report."""
        try:
            await pipeline.warm_up()
        except Exception as exc:
            log.warning("pipeline.warm_up_failed", error=f"{type(exc).__name__}: {exc}")

    def _arm(self, feed: FeedConfig, when: datetime) -> None:
        """The feed's next poll, as a one-off job. Never sooner than ``REARM_MIN`` from now: a poll re-arms its feed
        before its own job has ended, and a run due at once would find that job still counted as running, be
        skipped (``max_instances``), and, being a one-off, never run: a poll that outlasted its interval stopped
        the feed for good."""
        assert self.scheduler is not None
        if self._stop.is_set():
            return
        when = max(when, _now() + REARM_MIN)
        self.scheduler.add_job(self._poll_job, trigger=DateTrigger(run_date=when, timezone=UTC),
                               args=[feed.name], id=f"feed:{feed.name}", name=feed.name, replace_existing=True)

    async def _poll_job(self, name: str) -> None:
        task = asyncio.current_task()
        assert task is not None and self.pipeline is not None
        self._inflight.add(task)
        feed = self.feeds.get(name)
        next_at: datetime | None = None
        try:
            if feed is None:
                return
            report = await self.pipeline.poll(feed)
            self._record(report)
            self.cycles.record(report, self.feeds)
            next_at = report.next_poll_at
        except Exception as exc:  # a bug must cost one poll, not the feed's whole future
            log.error("feed.poll_crashed", exc_info=True, feed=name, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._inflight.discard(task)
            feed = self.feeds.get(name)
            if feed is not None and not self._stop.is_set():
                if next_at is None:  # the database was down: nothing was planned or stored
                    plan = schedule.PollPlan(min(feed.interval, 300.0), "retry")
                    next_at = schedule.next_poll_at(_now(), plan, self._rng)
                self._arm(feed, next_at)

    async def _retention_job(self) -> None:
        """Daily: delete what the retention settings no longer keep, on a thread of its own (the deletes and a
        SQLite VACUUM take seconds; polls wait for the database meanwhile, but the loop does not)."""
        from monitor.retention import prune

        try:
            await asyncio.to_thread(prune, self.settings, self.store, _now())
        except StoreError as exc:
            log.error("retention.failed", error=str(exc))
        except Exception as exc:  # a bug must not stop the daemon; tomorrow's run tries again
            log.error("retention.crashed", exc_info=True, error=f"{type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------------------------------ reload

    async def reload(self) -> bool:
        """SIGHUP: re-read the config. An invalid file is logged and the running config kept."""
        if self.config_path is None:
            return False
        try:
            new = load_settings(self.config_path)
        except ConfigError as exc:
            log.error("config.reload_failed", error=str(exc), kept="previous configuration")
            return False
        for line in new.warnings:
            log.warning("config.warning", detail=line)
        problem = new.feed_problem()
        if problem:  # valid, so applied (digests still run), but the daemon will poll nothing
            log.warning("config.no_feeds", detail=problem)
        old = self.feeds
        new_feeds = {f.name: f for f in new.enabled_feeds}
        changed = {n for n, f in new_feeds.items() if old.get(n) != f}
        old_digests = self.digests
        self.digests = {d.name: d for d in new.digests}
        self.settings, self.feeds = new, new_feeds
        if self.pipeline is not None:
            self.pipeline.reconfigure(new)
        try:
            await self._sync_and_schedule(changed=changed)
            await self._schedule_digests(changed={n for n, d in self.digests.items() if old_digests.get(n) != d})
        except StoreError as exc:
            log.error("config.reload_failed", error=str(exc), kept="schedules of unchanged feeds")
            return False
        log.info("config.reloaded", feeds=len(new_feeds), changed=len(changed),
                 removed=len(set(old) - set(new_feeds)))
        return True

    # ------------------------------------------------------------------------------------------ digests

    async def _schedule_digests(self, initial: bool = False, changed: set[str] | None = None) -> None:
        """One one-shot job per digest, re-armed after each run for the next cron slot (computed by
        ``monitor.digest.cron``, which handles daylight-saving changes). At start, a digest whose latest slot
        passed while the daemon was down (or whose last run failed) goes out once, covering everything since its
        last successful run; the slots missed in between are not sent one by one."""
        assert self.scheduler is not None
        for job in self.scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id[7:] not in self.digests:
                job.remove()
        assert self.pipeline is not None
        now = _now()
        if initial:
            expired = await self.pipeline.db(self.store.expire_digest_runs, now)
            if expired:
                log.warning("digest.interrupted_runs_failed", runs=expired)
        for name, digest in self.digests.items():
            if not initial and self.scheduler.get_job(f"digest:{name}") is not None and name not in (changed or ()):
                continue  # unchanged: keep its plan, including a pending retry
            if initial:
                last = await self.pipeline.db(self.store.last_digest_run, name)
                slot = missed_slot(digest.cron, last.created_at if last else None, last.status if last else None,
                                   now)
                if slot is not None:
                    log.info("digest.catching_up", digest=name, slot=slot.isoformat())
                    self._arm_digest(name, now + timedelta(seconds=DIGEST_CATCH_UP_DELAY), slot)
                    continue
            when = digest.cron.next_after(now)
            log.info("digest.scheduled", digest=name, at=when.isoformat(), schedule=digest.schedule,
                     timezone=digest.timezone)
            self._arm_digest(name, when, when)

    def _arm_digest(self, name: str, when: datetime, slot: datetime) -> None:
        assert self.scheduler is not None
        if self._stop.is_set():
            return
        self.scheduler.add_job(self._digest_job, trigger=DateTrigger(run_date=when, timezone=UTC), args=[name, slot],
                               id=f"digest:{name}", name=f"digest {name}", replace_existing=True)

    async def _digest_job(self, name: str, slot: datetime) -> None:
        """Build and deliver one digest in the digest process (monitor/digest/process.py: off the event loop and
        off its interpreter, so polling keeps its pace), then plan the next run: the next slot, or sooner with
        backoff when this one failed."""
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        ok = False
        try:
            if self.digests.get(name) is None:
                return
            if self.queue is not None:  # a worker sends it, and retries it (monitor/queue/tasks.py)
                from monitor.queue.scheduler import BrokerDown

                try:
                    await asyncio.to_thread(self.queue.enqueue_digest, name, slot, _now())
                    self.metrics.inc("tasks_enqueued_total", task="send_digest")
                    ok = True
                except BrokerDown as exc:
                    log.error("queue.unavailable", error=str(exc), digest=name)
                return
            outcome = await self._digester.send(self.settings, name, slot)
            ok = outcome.ok
            if outcome.status == "sent":
                self.metrics.inc("digests_sent_total")
                self.metrics.set("last_successful_digest_timestamp_seconds", _now().timestamp())
            elif outcome.status == "failed":
                self.metrics.inc("digests_failed_total")
        except Exception as exc:  # the database down, or a bug: this run fails, the schedule goes on
            self.metrics.inc("digests_failed_total")
            log.error("digest.crashed", exc_info=True, digest=name, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._inflight.discard(task)
            digest = self.digests.get(name)
            if digest is not None and not self._stop.is_set():
                self._plan_after_digest(digest, slot, ok)

    def _plan_after_digest(self, digest: DigestConfig, slot: datetime, ok: bool) -> None:
        now = _now()
        upcoming = digest.cron.next_after(now)
        if ok:
            self._digest_failures.pop(digest.name, None)
            self._arm_digest(digest.name, upcoming, upcoming)
            return
        failures = self._digest_failures[digest.name] = self._digest_failures.get(digest.name, 0) + 1
        retry = now + timedelta(seconds=min(DIGEST_RETRY * 2 ** (failures - 1), DIGEST_RETRY_CAP))
        if retry < upcoming:
            log.info("digest.retry_planned", digest=digest.name, at=retry.isoformat(), failures=failures)
            self._arm_digest(digest.name, retry, slot)
        else:
            self._arm_digest(digest.name, upcoming, upcoming)
