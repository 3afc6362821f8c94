"""The Celery app and the three tasks, run by ``monitor worker`` processes.

Each task is a thin shell around the stage function the single process calls, so there is one pipeline, not two:
``poll_feed`` runs ``Pipeline.poll``, ``fetch_page`` runs ``Pipeline.fetch_page`` and ``send_digest`` runs
``monitor.digest.run.send``. Tasks are acknowledged late and rejected when their worker dies, so a task killed
half way runs again elsewhere; they are idempotent (stories are stored once by their dedup keys, a page that is
no longer pending is skipped, a digest window is claimed once), so running again is safe.

A worker process keeps one runtime for its life (``Runtime``): the settings, a store, an event loop and a
pipeline entered once, parsing in the same process (Celery's prefork pool already runs one process per core).
With ``--pool threads`` each thread keeps its own: a process then waits on many slow publishers at once, which
is what polling over the internet needs (one feed at a time per process would leave the cores idle while
waiting); the parsing of those threads shares the process's one core.
It reads the config file again when the file changes, so a SIGHUP to the scheduler and an edited file reach the
workers too.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from celery import Celery, signals

from monitor import logs
from monitor.config import ConfigError, Settings, load_settings
from monitor.logs import get_logger
from monitor.metrics import Metrics

log = get_logger(__name__)
T = TypeVar("T")

POLL, PAGE, DIGEST = "monitor.poll_feed", "monitor.fetch_page", "monitor.send_digest"
QUEUES = {POLL: "feeds", PAGE: "pages", DIGEST: "digests"}
POLL_TIME_LIMIT = 600  # seconds; a poll is bounded by http.timeout, this only catches a stuck process
DIGEST_RETRY = 300.0  # seconds before a failed digest is tried again, doubling ...
DIGEST_RETRY_CAP = 3600.0  # ... up to this
BUSY_RETRY = 60.0  # a digest whose window another process holds: look again after this

app = Celery("monitor")


def configure(settings: Settings, target: Celery | None = None) -> Celery:
    """Point an app (the workers' ``app``, by default) at the config's broker, with the settings every sender and
    every worker share."""
    assert settings.queue is not None
    target = target or app
    target.conf.update(
        broker_url=settings.queue.broker,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        broker_transport_options={"visibility_timeout": settings.queue.visibility_timeout},
        task_acks_late=True,  # acknowledged when done: a worker killed mid-task leaves it on the queue
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a slow feed must not hold tasks another worker could run
        task_ignore_result=True,  # outcomes are in the database, not in a result backend
        task_serializer="json",
        accept_content=["json"],
        task_routes={name: {"queue": queue} for name, queue in QUEUES.items()},
        task_default_queue="feeds",
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return target


def sender(settings: Settings) -> Celery:
    """An app of its own for a scheduler to send tasks with (by name): its broker connections are its own, so
    two senders in one process, or a sender and a worker, never share a pool pointed at another broker."""
    return configure(settings, Celery("monitor-sender", set_as_current=False))


class Runtime:
    """What one worker process (or, with ``--pool threads``, one worker thread) keeps between tasks."""

    _local = threading.local()

    def __init__(self) -> None:
        from monitor.pipeline import Pipeline
        from monitor.store import open_store

        self.config_path = Path(os.environ.get("MONITOR_CONFIG", "config/monitor.yaml"))
        self.mtime = self._mtime()
        self.settings = load_settings(self.config_path)
        self.store = open_store(self.settings.database_url, upgrade=False)
        self.metrics = Metrics(multiprocess=True)
        self.pid = os.getpid()
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        self.loop = asyncio.new_event_loop()
        self.pipeline = Pipeline(self.settings, self.store, workers=0)
        self.pipeline.identity = self.identity
        self.pipeline.page_sink = self.enqueue_pages
        self.loop.run_until_complete(self.pipeline.__aenter__())

    @classmethod
    def get(cls) -> Runtime:
        current: Runtime | None = getattr(cls._local, "runtime", None)
        if current is None or current.pid != os.getpid():  # none yet, or inherited through a fork
            current = cls._local.runtime = cls()
        current.refresh()
        return current

    def _mtime(self) -> float:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return 0.0

    def refresh(self) -> None:
        """Read the config again when its file changed; a broken edit keeps the old settings (and says so)."""
        mtime = self._mtime()
        if mtime == self.mtime:
            return
        self.mtime = mtime
        try:
            settings = load_settings(self.config_path)
        except ConfigError as exc:
            log.error("config.reload_failed", error=str(exc), kept="previous configuration")
            return
        self.settings = settings
        self.pipeline.reconfigure(settings)
        log.info("config.reloaded", feeds=len(settings.feeds))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def enqueue_pages(self, ids: Sequence[int]) -> None:
        """The pipeline's page sink here: pages the poll queued go on the queue for any worker."""
        now = datetime.now(UTC)
        for aid in ids:
            app.send_task(PAGE, args=[aid, now.timestamp()], queue=QUEUES[PAGE])
        self.store.mark_pages_enqueued(ids, now)
        self.metrics.inc("tasks_enqueued_total", len(ids), task="fetch_page")


@signals.worker_process_init.connect
def _child_started(**_kwargs: Any) -> None:
    """A new worker process: its own runtime (never one inherited through fork), logging as configured."""
    Runtime._local = threading.local()
    level = os.environ.get("MONITOR_LOG_LEVEL", "info")
    logs.setup(level, os.environ.get("MONITOR_LOG_FORMAT", "kv"))


def _timed(task: str, enqueued: float, outcome_of: Any) -> Any:
    rt = Runtime.get()
    started = time.time()
    rt.metrics.observe("task_wait_seconds", max(0.0, started - enqueued), task=task)
    outcome = "failed"
    try:
        result = outcome_of(rt)
        outcome = result if isinstance(result, str) else "done"
        return result
    finally:
        rt.metrics.observe("task_run_seconds", time.time() - started, task=task)
        rt.metrics.inc("tasks_total", task=task, outcome=outcome)


@app.task(name=POLL, time_limit=POLL_TIME_LIMIT)
def poll_feed(name: str, enqueued: float) -> str:
    """Poll feed ``name`` unless another worker is polling it right now."""

    def work(rt: Runtime) -> str:
        try:
            feed = rt.settings.feed(name)
        except ConfigError:
            return "skipped"  # removed from the config since it was put on the queue
        state = rt.store.feed_state(feed.name)
        if state is None:
            return "skipped"
        with rt.store.feed_lock(state.id) as mine:
            if not mine:
                log.info("feed.skipped", feed=feed.name, reason="another worker is polling it")
                return "skipped"
            report = rt.run(rt.pipeline.poll(feed))
        m = rt.metrics
        m.inc("polls_total", outcome=report.status)
        if report.failed:
            m.inc("poll_failures_total", kind=report.error_kind or "unknown")
        else:
            m.set("last_successful_poll_timestamp_seconds", time.time())
        m.inc("articles_stored_total", report.new)
        m.inc("stances_stored_total", report.stances)
        return "done"

    return _timed("poll_feed", enqueued, work)


@app.task(name=PAGE, time_limit=POLL_TIME_LIMIT)
def fetch_page(article_id: int, enqueued: float) -> str:
    """Fetch one queued article page (skipped when it is no longer pending)."""

    def work(rt: Runtime) -> str:
        report = rt.run(rt.pipeline.fetch_page(article_id))
        if report is None:
            return "skipped"
        rt.metrics.inc("pages_total", outcome=report.status)
        rt.metrics.inc("stances_stored_total", report.stances)
        return "done"

    return _timed("fetch_page", enqueued, work)


@app.task(name=DIGEST, bind=True, max_retries=None)
def send_digest(self: Any, name: str, slot: str, enqueued: float) -> str:
    """Send digest ``name`` for its cron ``slot``: at most once (the run's claim decides), retried with a doubling
    delay after a failure until the next slot, and looked at again while another process holds its window."""
    from monitor.digest.run import send

    def work(rt: Runtime) -> str:
        try:
            digest = rt.settings.digest(name)
        except ConfigError:
            return "skipped"
        when = datetime.fromisoformat(slot)
        outcome = send(rt.settings, rt.store, digest, scheduled_for=when)
        if outcome.status == "sent":
            rt.metrics.inc("digests_sent_total")
            rt.metrics.set("last_successful_digest_timestamp_seconds", time.time())
        elif outcome.status == "failed":
            rt.metrics.inc("digests_failed_total")
            delay = min(DIGEST_RETRY * 2 ** self.request.retries, DIGEST_RETRY_CAP)
            if datetime.now(UTC) + timedelta(seconds=delay) < digest.cron.next_after(when):
                raise self.retry(countdown=delay)
        elif outcome.status == "busy" and self.request.retries < 60:
            raise self.retry(countdown=BUSY_RETRY)  # its holder may have died elsewhere: its claim expires
        return outcome.status

    return _timed("send_digest", enqueued, work)


__all__ = ["DIGEST", "PAGE", "POLL", "QUEUES", "Runtime", "app", "configure", "fetch_page", "poll_feed",
           "send_digest", "sender"]
