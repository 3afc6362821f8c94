"""One digest run, end to end: claim -> read -> select -> render -> record -> deliver (with retries) -> mark.

The rules that make digests trustworthy live here:

* **Window.** A run covers what arrived since the previous *successful* run of the same digest (sent, or found
  nothing to send), so a failed or interrupted run loses nothing: the next one covers its window too. Arrival is
  told by article ids up to a watermark that lags uncommitted writes (``Store.claim_digest_run``), so a story
  stored while a digest was being read reaches the next one instead of neither. The very first run looks one
  schedule period back (a day for a daily cron, three days on a weekday cron's Monday), from its first attempt
  if that failed.
* **One sender per window.** The window is claimed under a lock per digest: a second sender (a manual
  ``digest send`` beside the daemon, a second daemon on the same database) finds the run in flight and sends
  nothing, or finds its cron slot covered. A claim whose process died is failed at once on its own host, and
  everywhere once it outlives its expiry (building plus every SMTP attempt and wait).
* **Record, then send.** The run and the articles it covers are stored before the message leaves, and marked
  ``sent`` only once the SMTP server accepted it. A crash in between leaves a ``pending`` run that a later run
  calls failed; the reader may then get that window twice, but never zero times.
* **No repeats.** Stories the last delivered digest of the same name carried, and their copies from other
  outlets, are left out of the next one.
* **Nothing new, no email**, unless ``send_empty``; the empty run is still recorded, so the next window starts
  where this one ended.
* **Retries.** Transient failures are retried with a doubling delay; after the last attempt the run is marked
  failed and the caller (the command, or the daemon) reports it. A ``stop`` event cuts the waiting short.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from monitor.config import DEFAULT_SENDER, DigestConfig, Settings
from monitor.digest.cron import local_time
from monitor.digest.deliver import Delivered, DeliveryError, build_message, send_smtp, write_outbox
from monitor.digest.render import Rendered, render
from monitor.digest.select import DigestData, DigestInput, build
from monitor.digest.tilemap import TileLayout, load_layout
from monitor.logs import get_logger
from monitor.store import DigestRun, Store, owner_id

log = get_logger(__name__)
LATE_FLOOR = timedelta(days=2)  # a story published this long before its window (or a window's length) is backlog
BUILD_BUDGET = timedelta(minutes=10)  # reading and rendering, however large the window: part of a claim's expiry


class Stop(Protocol):
    """A ``threading.Event`` or, in the digest process, a ``multiprocessing`` one."""

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    after_id: int | None = None  # articles with after_id < id <= upto_id; None: by arrival time from ``start``
    upto_id: int | None = None

    @classmethod
    def of(cls, run: DigestRun) -> Window:
        return cls(run.window_start, run.window_end, run.from_article_id, run.to_article_id)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous_start(self) -> datetime:
        return self.start - self.length

    def floor(self, start: datetime) -> datetime:
        """The oldest publication date a story may have to count in a window starting at ``start``."""
        return start - max(self.length, LATE_FLOOR)


def expiry(settings: Settings, now: datetime) -> datetime:
    """When a run claimed at ``now`` must have finished: building, then every SMTP attempt (connecting and
    sending, each bounded by the timeout) and every wait between them. Pending past this, its sender died."""
    budget = BUILD_BUDGET
    smtp = settings.smtp
    if smtp is not None:
        waits = sum(smtp.retry_delay * 2**i for i in range(smtp.attempts - 1))
        budget += timedelta(seconds=smtp.attempts * 2 * smtp.timeout + waits)
    return now + budget


@dataclass(frozen=True)
class Prepared:
    digest: DigestConfig
    window: Window
    data: DigestData
    rendered: Rendered


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | empty | failed | busy (another sender has the window) | covered (the slot was done)
    message: str  # one line for the user
    run: DigestRun | None = None
    attempts: int = 0
    where: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def topic_of(settings: Settings, digest: DigestConfig) -> tuple[str, str]:
    """The stored name and the display label of the digest's topic."""
    from monitor.judge import topic_header

    return topic_header(digest.topic or settings.judge.topics[0])


def first_start(digest: DigestConfig, now: datetime) -> datetime:
    return now - digest.cron.period(now)


def gather(settings: Settings, store: Store, digest: DigestConfig, win: Window) -> DigestInput:
    """The reading half of ``prepare``: everything the digest is built from, for a window already decided."""
    topic, label = topic_of(settings, digest)
    last_sent = store.last_digest_run(digest.name, ("sent",))
    covered = store.digest_run_articles(last_sent.id) if last_sent is not None else []
    articles = store.digest_articles(topic, win.start, None, win.floor(win.start), after_id=win.after_id,
                                     upto_id=win.upto_id)
    previous = store.digest_articles(topic, win.previous_start, win.start, win.floor(win.previous_start),
                                     with_feeds=False)  # only counted
    enabled = [f.name for f in settings.enabled_feeds]
    states = store.feed_states(enabled)
    names = {st.id: st.name for st in store.feed_states().values()}
    pages = {names[fid]: counts for fid, counts in store.page_counts(win.start, win.end).items() if fid in names}
    return DigestInput(
        name=digest.name, title=label, start=win.start, end=win.end, timezone=digest.timezone,
        articles=articles, previous=previous, covered=covered, feeds=[states[n] for n in enabled if n in states],
        pages=pages,
        countries=digest.countries, min_confidence=digest.min_confidence, max_stories=digest.max_stories,
        config_path=str(settings.path) if settings.path else None,  # None: built from text (the demo), no file
    )


def preview_window(store: Store, digest: DigestConfig, now: datetime) -> Window:
    """The window a run started now would claim, read without claiming it."""
    start, after, upto = store.digest_window(digest.name, now, first_start(digest, now))
    return Window(start, now, after, upto)


def prepare(settings: Settings, store: Store, digest: DigestConfig, now: datetime, win: Window | None = None,
            layout: TileLayout | None = None) -> Prepared:
    """Read what the digest needs and build both parts; nothing is written. Without ``win``, the window a run
    would claim now (``digest preview``)."""
    win = win or preview_window(store, digest, now)
    data = build(gather(settings, store, digest, win), layout or load_layout())
    return Prepared(digest, win, data, render(data, digest.subject))


def send(settings: Settings, store: Store, digest: DigestConfig, now: datetime | None = None, *,
         scheduled_for: datetime | None = None, stop: Stop | None = None,
         sleep: Callable[[float], bool] | None = None) -> Outcome:
    """Claim the digest's window, build the digest and deliver it; see the module's docstring for the rules.
    Never raises for delivery problems (they are the outcome); database problems raise ``StoreError`` as
    everywhere else, after failing the claimed run where the database still answers."""
    now = now or datetime.now(UTC)
    stop = stop or threading.Event()
    wait = sleep or stop.wait  # returns True when told to stop
    claim = store.claim_digest_run(digest.name, now, first_start=first_start(digest, now),
                                   expires_at=expiry(settings, now), owner=owner_id(), scheduled_for=scheduled_for,
                                   recipients=digest.recipients)
    if claim.holder is not None:
        h = claim.holder
        log.info("digest.busy", digest=digest.name, run=h.id, owner=h.owner)
        return Outcome("busy", f"{digest.name}: not sent: run {h.id}, claimed by {h.owner or 'another process'} at "
                               f"{local_time(h.created_at, digest.timezone)}, is delivering this window", h)
    if claim.done is not None:
        d = claim.done
        log.info("digest.covered", digest=digest.name, run=d.id, slot=scheduled_for)
        return Outcome("covered", f"{digest.name}: this slot was already covered by run {d.id} ({d.status})", d)
    run = claim.run
    assert run is not None
    try:
        return _deliver(settings, store, digest, run, now, wait)
    except BaseException as exc:
        try:  # a crash while building (a bug, the database gone): the window is free again at once if possible
            store.finish_digest_run(run.id, "failed", datetime.now(UTC),
                                    error=f"interrupted: {type(exc).__name__}: {exc}"[:500])
        except Exception:
            log.warning("digest.unrecorded_failure", digest=digest.name, run=run.id)
        raise


def _deliver(settings: Settings, store: Store, digest: DigestConfig, run: DigestRun, now: datetime,
             wait: Callable[[float], bool]) -> Outcome:
    prep = prepare(settings, store, digest, now, Window.of(run))
    data, win = prep.data, prep.window
    if data.empty and not digest.send_empty:
        done = store.finish_digest_run(run.id, "empty", now)
        log.info("digest.empty", digest=digest.name, run=run.id, since=win.start.isoformat())
        return Outcome("empty", f"{digest.name}: nothing new since {local_time(win.start, digest.timezone)}; no email "
                                f"(send_empty is off)", done)

    smtp = settings.smtp
    sender = smtp.sender if smtp else DEFAULT_SENDER
    store.record_digest_items(run.id, sorted(data.article_ids), data.stories_count)
    msg = build_message(sender=sender, recipients=digest.recipients, subject=prep.rendered.subject,
                        text=prep.rendered.text, html=prep.rendered.html, name=digest.name,
                        date=now.astimezone(digest.cron.tz), idstring=f"{digest.name}.{run.id}")
    attempts = smtp.attempts if smtp else 1
    delay = smtp.retry_delay if smtp else 0.0
    error: DeliveryError | None = None
    for attempt in range(1, attempts + 1):
        try:
            if smtp is not None:
                delivered: Delivered = send_smtp(msg, smtp)
            else:
                stamp = now.strftime("%Y%m%dT%H%M%SZ")
                delivered = write_outbox(msg, prep.rendered.html, Path(settings.outbox),
                                         f"{digest.name}-{stamp}-{run.id}")
        except DeliveryError as exc:
            error = exc
            final = attempt == attempts or not exc.transient
            log.warning("digest.attempt_failed", digest=digest.name, run=run.id, attempt=attempt, error=str(exc),
                        retry_in=None if final else delay)
            if final or wait(delay):
                break
            delay *= 2
            continue
        finished = datetime.now(UTC)
        note = f"refused: {', '.join(delivered.refused)}" if delivered.refused else None
        done = store.finish_digest_run(run.id, "sent", finished, attempts=attempt,
                                       message_id=str(msg["Message-ID"]), delivery=delivered.where, error=note)
        log.info("digest.sent", digest=digest.name, run=run.id, stories=data.stories_count,
                 recipients=len(digest.recipients), via=delivered.where, attempts=attempt)
        if smtp is None:
            message = f"{digest.name}: wrote {data.stories_count} stories to {delivered.where} (no smtp section)"
        else:
            message = (f"{digest.name}: sent {data.stories_count} stories to {len(digest.recipients)} recipient(s) "
                       f"via {delivered.where}" + (f" ({note})" if note else ""))
        return Outcome("sent", message, done, attempt, delivered.where)
    assert error is not None
    failed = store.finish_digest_run(run.id, "failed", datetime.now(UTC), attempts=attempt, error=str(error))
    log.error("digest.failed", digest=digest.name, run=run.id, attempts=attempt, error=str(error))
    return Outcome("failed", f"{digest.name}: not delivered after {attempt} attempt(s): {error}", failed, attempt)


__all__ = ["LATE_FLOOR", "Outcome", "Prepared", "Window", "expiry", "gather", "prepare", "preview_window", "send",
           "topic_of"]
