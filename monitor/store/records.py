"""What the store hands out and takes in: plain frozen dataclasses, never ORM rows, so callers may live in
another thread, process or machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.judge import Judgement, Stance
from monitor.parse import Entry


@dataclass(frozen=True)
class FeedState:
    id: int
    name: str
    url: str
    active: bool
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_status: str | None = None
    http_status: int | None = None
    last_error: str | None = None
    last_warning: str | None = None
    consecutive_failures: int = 0
    moved_to: str | None = None
    ttl_seconds: int | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    next_poll_at: datetime | None = None
    title: str | None = None
    article_count: int = 0
    polled_by: str | None = None  # with a queue: the worker process that polled it last


@dataclass(frozen=True)
class PollUpdate:
    """The outcome of one poll, as the feed's row should record it."""

    polled_at: datetime
    status: str  # ok | not_modified | unchanged | error
    next_poll_at: datetime
    consecutive_failures: int
    http_status: int | None = None
    error: str | None = None
    warning: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    title: str | None = None
    site_url: str | None = None
    moved_to: str | None = None
    ttl_seconds: int | None = None
    polled_by: str | None = None  # with a queue: the worker process that polled

    @property
    def success(self) -> bool:
        return self.status != "error"


@dataclass(frozen=True)
class PollWrite:
    """One poll to store (``Store.save_polls`` takes several at once)."""

    feed_id: int
    poll: PollUpdate
    entries: tuple[Entry, ...] = ()
    judgements: Mapping[str, Sequence[Judgement]] | None = None
    pages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SaveResult:
    new_article_ids: tuple[int, ...] = ()
    linked: int = 0  # existing articles newly linked to this feed (the same story in another feed)
    seen: int = 0  # entries this feed had already delivered
    stances: int = 0  # stances stored with the new articles
    pages: tuple[int, ...] = ()  # new articles whose page was queued for fetching

    @property
    def new(self) -> int:
        return len(self.new_article_ids)


@dataclass(frozen=True)
class StoredStance(Stance):
    """A stance as stored: with where its evidence was read, the feed's own text or the article's page."""

    source: str = "feed"  # feed | page


@dataclass(frozen=True)
class PageTask:
    """What a page worker needs about an article whose page is queued."""

    article_id: int
    url: str
    title: str
    text: str  # the feed's text: judged again together with the page's
    feed_id: int | None
    attempts: int = 0
    published: datetime | None = None  # the judge reads who was in office then (monitor/judge/offices.py)


@dataclass(frozen=True)
class PageUpdate:
    """What fetching and extracting a page came to. ``text`` is kept only for ``status == "ok"``."""

    status: str  # ok | too_short | consent | paywall | not_html | empty | robots | failed
    fetched_at: datetime
    final_url: str | None = None
    canonical_url: str | None = None
    http_status: int | None = None
    error: str | None = None
    method: str | None = None
    text: str = ""
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class ArticleRecord:
    id: int
    url: str | None
    title: str
    summary: str
    published: datetime
    first_seen: datetime
    language: str | None
    feeds: tuple[str, ...]
    relevant: bool | None = None  # None: not judged for the requested topic
    relevance: float | None = None
    stances: tuple[Stance, ...] = ()
    text_source: str = "feed"  # feed | page: the text the judgement read
    text: str | None = None  # that text, when asked for (``Store.articles(with_text=True)``)


@dataclass(frozen=True)
class StanceFact:
    """One state's stance in one relevant article: the unit that summaries and digests count."""

    article_id: int
    country: str
    stance: str
    confidence: float
    evidence: str
    cues: tuple[str, ...]
    title: str
    url: str | None
    published: datetime


# Sent, or nothing to send: either way the next run of the digest starts where this one ended.
SUCCESSFUL_RUNS = ("sent", "empty")


@dataclass(frozen=True)
class DigestRun:
    """One recorded digest run: the window it covered and whether the message got out."""

    id: int
    name: str
    status: str  # pending | sent | empty | failed
    window_start: datetime
    window_end: datetime
    created_at: datetime
    scheduled_for: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    stories: int = 0
    articles: int = 0
    recipients: tuple[str, ...] = ()
    message_id: str | None = None
    delivery: str | None = None
    error: str | None = None
    from_article_id: int | None = None  # the window's article ids: from (exclusive) ...
    to_article_id: int | None = None  # ... to (inclusive)
    expires_at: datetime | None = None
    owner: str | None = None


@dataclass(frozen=True)
class DigestClaim:
    """What ``Store.claim_digest_run`` decided: the caller owns ``run``, or another sender is at it (``holder``),
    or another process already covered this cron slot (``done``)."""

    run: DigestRun | None
    holder: DigestRun | None = None
    done: DigestRun | None = None


@dataclass(frozen=True)
class CoveredArticle:
    """An article an earlier digest run included, as much as is needed to recognise its copies."""

    id: int
    title: str
    url: str | None
    published: datetime
