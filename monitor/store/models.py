"""SQLAlchemy models. The schema itself is owned by the Alembic migrations next to this file; a test keeps the two
in step. Nothing outside ``monitor.store`` imports these: other stages see the records in ``records.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python on every backend; SQLite has no time zones, so UTC is stored naive."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, the stored text straight to an aware datetime with ``fromisoformat`` (C): SQLAlchemy's own
        SQLite conversion is a regular expression per value, which was a tenth of reading a large digest."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            return self.process_result_value(value, dialect)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # in the config and enabled
    title: Mapped[str | None] = mapped_column(Text)
    site_url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[str | None] = mapped_column(String(20))
    http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    moved_to: Mapped[str | None] = mapped_column(Text)  # last permanent redirect target, shown to the user
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)  # the feed's own <ttl>: a floor even after a 304
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # With a queue: when the scheduler last put a poll of this feed on it (a poll not done long after was lost
    # with the broker, and is put on again), and which worker process polled it last.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    polled_by: Mapped[str | None] = mapped_column(String(200))


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_published_at", "published_at"),
                      Index("ix_articles_first_seen_at", "first_seen_at"),
                      Index("ix_articles_title_key", "title_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str | None] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the feed's date, or first seen without one
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleFeed(Base):
    """Which feeds carried an article, under which guid: one story, many outlets or feeds."""

    __tablename__ = "article_feeds"
    __table_args__ = (UniqueConstraint("feed_id", "guid"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True, index=True)
    guid: Mapped[str] = mapped_column(String(512))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JudgementRow(Base):
    """One article judged against one topic: relevance, and which classifier version said so."""

    __tablename__ = "judgements"
    __table_args__ = (Index("ix_judgements_topic_relevant", "topic", "relevant"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)
    relevant: Mapped[bool] = mapped_column(Boolean)
    relevance: Mapped[float] = mapped_column(Float)
    version: Mapped[str] = mapped_column(String(100))
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StanceRow(Base):
    """A member state's stance in one article, with the sentence that proves it and the cues that fired."""

    __tablename__ = "stances"
    __table_args__ = (UniqueConstraint("article_id", "topic", "country"),
                      Index("ix_stances_topic_country", "topic", "country"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    label: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    cues: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the lexicon entries that fired
    version: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(8), default="feed", server_default="feed")  # feed | page


class DigestRunRow(Base):
    """One attempt to build and deliver a digest. Recorded *before* sending, so a crash mid-send leaves a trace;
    ``status`` moves to ``sent`` only once the SMTP server (or the outbox folder) accepted the message."""

    __tablename__ = "digest_runs"
    __table_args__ = (Index("ix_digest_runs_name_created_at", "name", "created_at"),
                      # one run in flight per digest, whatever process or machine claimed it
                      Index("uq_digest_runs_pending_name", "name", unique=True,
                            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # pending | sent | empty | failed
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the cron slot; None when sent by hand
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    stories: Mapped[int] = mapped_column(Integer, default=0)
    articles: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str | None] = mapped_column(String(300))
    delivery: Mapped[str | None] = mapped_column(Text)  # "smtp host:port" or the .eml file written
    error: Mapped[str | None] = mapped_column(Text)
    # The run covers articles with from_article_id < id <= to_article_id: ids in commit order, so a story stored
    # while a run was being read lands in the next window instead of between two (from is None on a digest's
    # first run, which goes back one schedule period by arrival time instead).
    from_article_id: Mapped[int | None] = mapped_column(Integer)
    to_article_id: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # pending past this: the sender died
    owner: Mapped[str | None] = mapped_column(String(200))  # "host:pid" of the process that claimed the run


class DigestItemRow(Base):
    """The articles a digest run covered: the next run of the same digest leaves them (and their copies) out."""

    __tablename__ = "digest_items"

    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class PageRow(Base):
    """An article's page: queued when a poll stores a candidate story, then fetched, extracted and kept
    (``body``, zlib-compressed, until ``fulltext.keep``) with what became of it (``status``)."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_status", "status"), Index("ix_pages_canonical_url", "canonical_url"),
                      Index("ix_pages_feed_id", "feed_id"))

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))  # whose poll queued it
    url: Mapped[str] = mapped_column(Text)
    # pending | ok | too_short | consent | paywall | not_html | empty | robots | failed | duplicate
    status: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    final_url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(20))
    length: Mapped[int | None] = mapped_column(Integer)  # characters of extracted text
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # with a queue: when its task was sent
