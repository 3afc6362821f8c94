"""The one place that talks SQL. Every method is a short transaction with plain records in and out.

Deduplication lives here because it needs what is already stored: an entry is the same story as a stored article
when (1) this feed already delivered its guid, even if the URL changed since; (2) any feed delivered its canonical
URL; or (3) this feed posted the same title within ``REPOST_WINDOW`` (re-posts with a fresh guid and URL).
"""

from __future__ import annotations

import json
import os
import socket
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import FeedConfig
from monitor.errors import RejectedContent, StoreError
from monitor.judge import Judgement, Stance
from monitor.parse import Entry, title_key
from monitor.sanitize import clean_line
from monitor.store.models import (
    Article,
    ArticleFeed,
    DigestItemRow,
    DigestRunRow,
    Feed,
    JudgementRow,
    PageRow,
    StanceRow,
)
from monitor.store.records import (
    SUCCESSFUL_RUNS,
    ArticleRecord,
    CoveredArticle,
    DigestClaim,
    DigestRun,
    FeedState,
    PageTask,
    PageUpdate,
    PollUpdate,
    PollWrite,
    SaveResult,
    StanceFact,
    StoredStance,
)

MIGRATIONS = Path(__file__).parent / "migrations"
REPOST_WINDOW = timedelta(days=3)
MIN_REPOST_KEY = 20  # shorter titles ("Live updates", "Morning briefing") repeat without being re-posts
FEED_LOCK_CLASS = 0x6D6F6E  # "mon": the first key of the advisory locks on feeds (the second is the feed's id)
LEGACY_PENDING = timedelta(hours=1)  # runs recorded before runs had an expiry: pending this long, the sender died
CHUNK = 500  # IN (...) lists are kept below every backend's parameter limit


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets `monitor export` read while the daemon writes; NORMAL is durable across app crashes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # prepare_threshold=None: psycopg would otherwise turn a statement run five times into a server-side prepared
    # statement, whose generic plan PostgreSQL keeps until the table is next analysed. Planned while the tables
    # were empty (the first minutes of a new database, every cold poll), the URL and GUID lookups stayed
    # sequential scans as the tables grew and made storing cost 3x the whole rest of a poll. Planning each
    # statement anew costs tens of microseconds; it also keeps the store usable behind PgBouncer's transaction mode.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"connect_timeout": 10, "application_name": "monitor",
                                       "prepare_threshold": None})


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        self.dialect = self.engine.dialect.name
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._session() as s, s.begin():
                yield s
        except OperationalError as exc:
            raise StoreError(f"database {safe_url(self.url)} unavailable: {_first_line(exc.orig or exc)}") from exc

    def _insert(self, table: Any) -> Any:
        """INSERT that ignores rows already there; both backends spell it ON CONFLICT DO NOTHING."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()

    # ------------------------------------------------------------------------------------------ schema

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent, cheap when already there)."""
        from alembic import command

        cfg = _alembic_config()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise StoreError(f"database {safe_url(self.url)} unavailable: {_first_line(exc.orig or exc)}") from exc

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    # ------------------------------------------------------------------------------------------ feeds

    def sync_feeds(self, feeds: Sequence[FeedConfig], now: datetime) -> dict[str, int]:
        """Mirror the config's feeds into the table. Feeds removed from the config keep their rows (and their
        articles) but become inactive. A changed URL forgets the old validators and body hash."""
        with self.session() as s:
            rows = {f.name: f for f in s.scalars(select(Feed))}
            wanted = {f.name: f for f in feeds}
            for name, cfg in wanted.items():
                row = rows.get(name)
                if row is None:
                    row = Feed(name=name, url=cfg.url, active=cfg.enabled, created_at=now, consecutive_failures=0)
                    s.add(row)
                    rows[name] = row
                    continue
                if row.url != cfg.url:
                    row.url = cfg.url
                    row.etag = row.last_modified = row.body_hash = row.moved_to = None
                    row.next_poll_at = None
                row.active = cfg.enabled
            for name, row in rows.items():
                if name not in wanted:
                    row.active = False
            s.flush()
            return {name: row.id for name, row in rows.items()}

    def feed_states(self, names: Sequence[str] | None = None, with_counts: bool = False) -> dict[str, FeedState]:
        with self.session() as s:
            query = select(Feed)
            if names is not None:
                query = query.where(Feed.name.in_(list(names)))
            feeds = list(s.scalars(query))
            counts: dict[int, int] = {}
            if with_counts:
                counts = dict(s.execute(select(ArticleFeed.feed_id, func.count()).group_by(ArticleFeed.feed_id)).all())
            return {f.name: _feed_state(f, counts.get(f.id, 0)) for f in feeds}

    def feed_state(self, name: str) -> FeedState | None:
        return self.feed_states([name]).get(name)

    # ------------------------------------------------------------------------------------------ polls

    def save_poll(self, feed_id: int, poll: PollUpdate, entries: Sequence[Entry] = (),
                  judgements: Mapping[str, Sequence[Judgement]] | None = None,
                  pages: Collection[str] = ()) -> SaveResult:
        """Store a poll's entries, the judgements of the new ones (by guid), the page fetches queued for the new
        ones whose guid is in ``pages``, and the feed's new state in one transaction: a crash leaves none of them.

        ``RejectedContent`` when the database refuses the entries themselves (a value it cannot hold, a constraint
        that still fails after the retries): the caller records that as this feed's failure."""
        for attempt in range(3):
            try:
                with self.session() as s:
                    result = (self._save_entries(s, feed_id, entries, poll.polled_at, judgements or {}, pages)
                              if entries else SaveResult())
                    self._update_feed(s, feed_id, poll)
                return result
            except IntegrityError as exc:
                # Another writer (a manual `monitor poll` beside the daemon) stored the same story between our
                # lookups and our insert; the retry's lookups see it.
                if attempt == 2:
                    raise RejectedContent(f"database refused the feed's items: {_db_reason(exc)}") from exc
            except (DBAPIError, StatementError) as exc:  # DataError (NUL in text, out of range), bad encodings
                raise RejectedContent(f"database refused the feed's items: {_db_reason(exc)}") from exc
        raise AssertionError("unreachable")

    def save_polls(self, writes: Sequence[PollWrite]) -> list[SaveResult | StoreError]:
        """Several polls' ``save_poll`` in one transaction: one commit (and one round of lookups per feed, not a
        transaction each) when many feeds finish together, as they do in a cold poll. If the transaction fails on
        one feed's content, each poll is saved alone, so that one feed's refusal stays that feed's
        (``RejectedContent`` in its place in the list); the database being down raises for all of them."""
        if len(writes) > 1:
            try:
                with self.session() as s:
                    out: list[SaveResult | StoreError] = []
                    for w in writes:
                        out.append(self._save_entries(s, w.feed_id, w.entries, w.poll.polled_at, w.judgements or {},
                                                      w.pages) if w.entries else SaveResult())
                        self._update_feed(s, w.feed_id, w.poll)
                return out
            except (IntegrityError, DBAPIError, StatementError):
                pass  # below, one by one
        results: list[SaveResult | StoreError] = []
        for w in writes:
            try:
                results.append(self.save_poll(w.feed_id, w.poll, w.entries, w.judgements, w.pages))
            except RejectedContent as exc:
                results.append(exc)
        return results

    def _update_feed(self, s: Session, feed_id: int, poll: PollUpdate) -> None:
        values: dict[str, Any] = {
            "last_polled_at": poll.polled_at,
            "last_status": poll.status,
            "http_status": poll.http_status,
            "next_poll_at": poll.next_poll_at,
            "consecutive_failures": poll.consecutive_failures,
            "last_error": poll.error,
        }
        if poll.polled_by is not None:
            values["polled_by"] = poll.polled_by
        if poll.success:
            values["last_success_at"] = poll.polled_at
            values["last_warning"] = poll.warning
            values["etag"] = poll.etag
            values["last_modified"] = poll.last_modified
            values["moved_to"] = poll.moved_to
            if poll.body_hash is not None:
                values["body_hash"] = poll.body_hash
            if poll.title:
                values["title"] = poll.title
            if poll.site_url:
                values["site_url"] = poll.site_url
            if poll.status == "ok":  # a parsed document: its <ttl> (or its absence) is current
                values["ttl_seconds"] = poll.ttl_seconds
        # Core UPDATE: the session holds no Feed objects, so the ORM's synchronisation would be pure overhead.
        s.execute(update(Feed.__table__).where(Feed.__table__.c.id == feed_id).values(**values))

    def _save_entries(self, s: Session, feed_id: int, entries: Sequence[Entry], now: datetime,
                      judgements: Mapping[str, Sequence[Judgement]], pages: Collection[str] = ()) -> SaveResult:
        batch: list[Entry] = []
        guids: set[str] = set()
        urls: set[str] = set()
        for e in entries:  # the same item twice in one document
            if e.guid in guids or (e.url and e.url in urls):
                continue
            guids.add(e.guid)
            if e.url:
                urls.add(e.url)
            batch.append(e)

        known: dict[str, int] = {}
        for part in _chunks([e.guid for e in batch]):
            known.update(s.execute(select(ArticleFeed.guid, ArticleFeed.article_id)
                                   .where(ArticleFeed.feed_id == feed_id, ArticleFeed.guid.in_(part))).all())
        fresh = [e for e in batch if e.guid not in known]
        if not fresh:
            return SaveResult(seen=len(batch))

        by_url: dict[str, int] = {}
        for part in _chunks([e.url for e in fresh if e.url]):
            # A page's canonical URL is a dedup key too: an aggregator's link to a story already stored under
            # the publisher's own URL is the same story.
            by_url.update(s.execute(select(PageRow.canonical_url, PageRow.article_id)
                                    .where(PageRow.canonical_url.in_(part))).all())
            by_url.update(s.execute(select(Article.url, Article.id).where(Article.url.in_(part))).all())
        already_linked: set[int] = set()
        for part in _chunks(list(by_url.values())):
            already_linked.update(s.scalars(select(ArticleFeed.article_id).where(
                ArticleFeed.feed_id == feed_id, ArticleFeed.article_id.in_(part))))

        keys = {e.guid: title_key(e.title) for e in fresh}
        candidates: dict[str, list[tuple[int, datetime]]] = {}
        wanted_keys = [k for e in fresh if e.url not in by_url and len(k := keys[e.guid]) >= MIN_REPOST_KEY]
        if wanted_keys:
            oldest = min((e.published or now) for e in fresh) - REPOST_WINDOW
            for part in _chunks(sorted(set(wanted_keys))):
                rows = s.execute(
                    select(Article.title_key, Article.id, Article.published_at)
                    .join(ArticleFeed, ArticleFeed.article_id == Article.id)
                    .where(ArticleFeed.feed_id == feed_id, Article.title_key.in_(part),
                           Article.published_at >= oldest)
                )
                for key, aid, published in rows:
                    candidates.setdefault(key, []).append((aid, published))

        new_rows: list[dict[str, Any]] = []
        new_guids: list[str] = []
        pending_keys: dict[str, int] = {}  # title key -> index into new_rows, for re-posts inside this batch
        links: list[tuple[int | None, int | None, str]] = []  # (article id, new row index, guid)
        linked = 0
        for e in fresh:
            key = keys[e.guid]
            published = e.published or now
            if e.url and e.url in by_url:
                aid = by_url[e.url]
                if aid not in already_linked:
                    linked += 1
                    already_linked.add(aid)
                links.append((aid, None, e.guid))
                continue
            repost = _repost_of(candidates.get(key, ()), published) if len(key) >= MIN_REPOST_KEY else None
            if repost is not None:
                links.append((repost, None, e.guid))
                continue
            if len(key) >= MIN_REPOST_KEY and key in pending_keys:
                links.append((None, pending_keys[key], e.guid))
                continue
            if len(key) >= MIN_REPOST_KEY:
                pending_keys[key] = len(new_rows)
            links.append((None, len(new_rows), e.guid))
            new_guids.append(e.guid)
            new_rows.append({
                "url": e.url, "title": e.title, "title_key": key[:300], "summary": e.summary, "text": e.text,
                "language": e.language, "published_at": published, "first_seen_at": now,
            })

        new_ids = self._insert_articles(s, new_rows) if new_rows else []
        link_rows = [
            {"article_id": aid if aid is not None else new_ids[idx], "feed_id": feed_id, "guid": guid,
             "first_seen_at": now}
            for aid, idx, guid in links
        ]
        if link_rows:
            s.execute(self._insert(ArticleFeed.__table__), link_rows)
        stances = 0
        if judgements:
            stances = self._insert_judgements(s, [(aid, judgements.get(guid, ()))
                                                  for aid, guid in zip(new_ids, new_guids, strict=True)], now)
        queued = [(aid, row["url"]) for aid, guid, row in zip(new_ids, new_guids, new_rows, strict=True)
                  if guid in pages and row["url"]]
        if queued:
            s.execute(insert(PageRow.__table__), [{"article_id": aid, "feed_id": feed_id, "url": url,
                                                   "status": "pending", "queued_at": now, "attempts": 0}
                                                  for aid, url in queued])
        return SaveResult(stances=stances, new_article_ids=tuple(new_ids), linked=linked, seen=len(batch) - len(fresh),
                          pages=tuple(aid for aid, _ in queued))

    @staticmethod
    def _insert_articles(s: Session, rows: list[dict[str, Any]]) -> list[int]:
        """Insert new articles and return their ids in the order of ``rows``.

        ``INSERT ... RETURNING`` with ids in parameter order is one statement per row on SQLite (SQLAlchemy cannot
        batch it there), which made storing the biggest cost of a cold poll. Rows with a URL (nearly all) go in as
        one executemany and their ids are read back by URL, which is unique; the rare rows without one are
        inserted one by one.
        """
        table = Article.__table__
        with_url = [r for r in rows if r["url"]]
        by_url: dict[str, int] = {}
        if with_url:
            s.execute(insert(table), with_url)
            for part in _chunks([r["url"] for r in with_url]):
                by_url.update(s.execute(select(Article.url, Article.id).where(Article.url.in_(part))).all())
        return [by_url[r["url"]] if r["url"] else s.execute(insert(table).returning(table.c.id), r).scalar_one()
                for r in rows]

    # ------------------------------------------------------------------------------------------ judgements

    @staticmethod
    def _insert_judgements(s: Session, items: Sequence[tuple[int, Sequence[Judgement]]], now: datetime,
                           feed_texts: Mapping[int, str] | None = None) -> int:
        """``feed_texts``: for articles judged on their page, the feed's own text (title and summary): a stance
        whose evidence is not in it was read on the page."""
        judged: list[dict[str, Any]] = []
        stances: list[dict[str, Any]] = []
        for aid, js in items:
            feed_text = feed_texts.get(aid) if feed_texts is not None else None
            for j in js:
                judged.append({"article_id": aid, "topic": j.topic, "relevant": j.relevant,
                               "relevance": float(j.relevance), "version": j.version, "judged_at": now})
                stances.extend({"article_id": aid, "topic": j.topic, "country": st.country, "label": st.stance,
                                "confidence": float(st.confidence), "evidence": st.evidence,
                                "cues": json.dumps(list(st.cues), ensure_ascii=False), "version": j.version,
                                "source": evidence_source(st.evidence, feed_text)}
                               for st in j.stances)
        if judged:
            s.execute(insert(JudgementRow.__table__), judged)
        if stances:
            s.execute(insert(StanceRow.__table__), stances)
        return len(stances)

    def replace_judgements(self, items: Sequence[tuple[int, Sequence[Judgement]]], now: datetime,
                           feed_texts: Mapping[int, str] | None = None) -> None:
        """Re-judged articles (``monitor reclassify``, or a page that arrived): their old judgements for these
        topics are replaced. ``feed_texts`` as for ``_insert_judgements``."""
        if not items:
            return
        with self.session() as s:
            self._replace_judgements(s, items, now, feed_texts)

    def _replace_judgements(self, s: Session, items: Sequence[tuple[int, Sequence[Judgement]]], now: datetime,
                            feed_texts: Mapping[int, str] | None = None) -> None:
        topics = sorted({j.topic for _, js in items for j in js})
        ids = [aid for aid, _ in items]
        for part in _chunks(ids):
            s.execute(delete(StanceRow.__table__).where(StanceRow.article_id.in_(part),
                                                        StanceRow.topic.in_(topics)))
            s.execute(delete(JudgementRow.__table__).where(JudgementRow.article_id.in_(part),
                                                           JudgementRow.topic.in_(topics)))
        self._insert_judgements(s, items, now, feed_texts)

    def texts(self, since: datetime | None = None
              ) -> Iterator[list[tuple[int, str, str, str | None, datetime | None]]]:
        """(id, title, text, feed text, published) of stored articles in chunks, for re-judging: the text is the
        page's where one was extracted (the feed text is then given too, to tell where evidence was read), else
        the feed's (and the fourth field is None)."""
        with self.session() as s:
            query = (select(Article.id, Article.title, Article.text, PageRow.body, Article.published_at)
                     .outerjoin(PageRow, (PageRow.article_id == Article.id) & (PageRow.status == "ok"))
                     .order_by(Article.id))
            if since is not None:
                query = query.where(Article.published_at >= since)
            for part in s.execute(query.execution_options(yield_per=CHUNK)).partitions():
                yield [(row.id, row.title, unpack(row.body), row.text, row.published_at)
                       if row.body is not None else (row.id, row.title, row.text, None, row.published_at)
                       for row in part]

    # ------------------------------------------------------------------------------------------ pages

    def page_tasks(self, ids: Sequence[int]) -> list[PageTask]:
        """What the page workers need for the queued pages among ``ids``."""
        out: list[PageTask] = []
        with self.session() as s:
            for part in _chunks(list(ids)):
                rows = s.execute(select(PageRow.article_id, PageRow.url, PageRow.feed_id, PageRow.attempts,
                                        Article.title, Article.text, Article.published_at)
                                 .join(Article, Article.id == PageRow.article_id)
                                 .where(PageRow.article_id.in_(part), PageRow.status == "pending"))
                out.extend(PageTask(r.article_id, r.url, r.title, r.text, r.feed_id, r.attempts or 0,
                                    r.published_at) for r in rows)
        return out

    def pending_pages(self, limit: int = 10_000) -> list[int]:
        """Pages still queued (a daemon stopped before it fetched them), oldest first."""
        with self.session() as s:
            return list(s.scalars(select(PageRow.article_id).where(PageRow.status == "pending")
                                  .order_by(PageRow.queued_at, PageRow.article_id).limit(limit)))

    def save_page(self, task: PageTask, page: PageUpdate, judgements: Sequence[Judgement] | None,
                  now: datetime) -> int | None:
        """Record what became of a page and, when its text was read, the article's new judgements (the stances
        whose evidence is not in the feed's text say ``source = page``).

        A canonical URL that another stored article already has (or had as its page's canonical URL) means the
        two are one story reached through two links: this article's feed links move to that one, this article
        goes, and the other's id is returned. Otherwise None."""
        values: dict[str, Any] = {
            "status": page.status, "fetched_at": page.fetched_at, "final_url": page.final_url,
            "canonical_url": page.canonical_url, "http_status": page.http_status, "error": page.error,
            "method": page.method, "length": len(page.text) if page.text else None,
            "body": pack(page.text) if page.status == "ok" and page.text else None,
            "title": page.title, "author": page.author, "published_at": page.published, "language": page.language,
            "attempts": task.attempts + 1,
        }
        with self.session() as s:
            if s.get(Article, task.article_id) is None:
                return None  # deleted meanwhile (retention, or merged into another copy)
            if page.canonical_url:
                other = s.scalar(select(Article.id).where(Article.url == page.canonical_url,
                                                          Article.id != task.article_id))
                if other is None:
                    other = s.scalar(select(PageRow.article_id).where(PageRow.canonical_url == page.canonical_url,
                                                                      PageRow.article_id != task.article_id))
                if other is not None:
                    self._merge_article(s, task.article_id, other)
                    return other
            s.execute(update(PageRow.__table__).where(PageRow.__table__.c.article_id == task.article_id)
                      .values(**values))
            if judgements is not None:
                self._replace_judgements(s, [(task.article_id, judgements)], now,
                                         {task.article_id: f"{task.title}\n{task.text}"})
        return None

    @staticmethod
    def _merge_article(s: Session, duplicate: int, into: int) -> None:
        """Move ``duplicate``'s feed links to ``into`` and delete it (judgements, stances and page go with it)."""
        links = s.execute(select(ArticleFeed.feed_id, ArticleFeed.guid, ArticleFeed.first_seen_at)
                          .where(ArticleFeed.article_id == duplicate)).all()
        taken = set(s.scalars(select(ArticleFeed.feed_id).where(ArticleFeed.article_id == into)))
        s.execute(delete(Article.__table__).where(Article.__table__.c.id == duplicate))
        moved = [{"article_id": into, "feed_id": feed_id, "guid": guid, "first_seen_at": first_seen}
                 for feed_id, guid, first_seen in links if feed_id not in taken]
        if moved:
            s.execute(insert(ArticleFeed.__table__), moved)

    def page_counts(self, since: datetime | None = None, until: datetime | None = None) -> dict[int, dict[str, int]]:
        """Pages per feed (the feed whose poll queued them) and status: {feed id: {status: count}}; with
        ``since``/``until``, only pages fetched in that period."""
        with self.session() as s:
            query = (select(PageRow.feed_id, PageRow.status, func.count()).where(PageRow.feed_id.is_not(None))
                     .group_by(PageRow.feed_id, PageRow.status))
            if since is not None:
                query = query.where(PageRow.fetched_at >= since)
            if until is not None:
                query = query.where(PageRow.fetched_at < until)
            out: dict[int, dict[str, int]] = {}
            for feed_id, status, n in s.execute(query):
                out.setdefault(feed_id, {})[status] = n
            return out

    def page_text(self, article_id: int) -> str | None:
        with self.session() as s:
            body = s.scalar(select(PageRow.body).where(PageRow.article_id == article_id, PageRow.status == "ok"))
            return unpack(body) if body is not None else None

    def prune_page_bodies(self, before: datetime, dry_run: bool = False) -> int:
        """Drop the text of pages fetched before ``before``; the page's status stays, and so do the stances
        read from it (``fulltext.keep``)."""
        table = PageRow.__table__
        where = (table.c.fetched_at < before) & table.c.body.is_not(None)
        with self.session() as s:
            if dry_run:
                return s.scalar(select(func.count()).select_from(table).where(where)) or 0
            return s.execute(update(table).where(where).values(body=None)).rowcount or 0  # type: ignore[attr-defined]

    def stance_facts(self, topic: str, since: datetime | None = None, until: datetime | None = None,
                     countries: Sequence[str] | None = None, min_confidence: float = 0.0) -> list[StanceFact]:
        """Every stance of relevant articles in a period, newest first, with the article it comes from."""
        with self.session() as s:
            query = (select(StanceRow.article_id, StanceRow.country, StanceRow.label, StanceRow.confidence,
                            StanceRow.evidence, StanceRow.cues, Article.title, Article.url, Article.published_at)
                     .join(Article, Article.id == StanceRow.article_id)
                     .join(JudgementRow, (JudgementRow.article_id == StanceRow.article_id)
                           & (JudgementRow.topic == StanceRow.topic))
                     .where(StanceRow.topic == topic, JudgementRow.relevant.is_(True),
                            StanceRow.confidence >= min_confidence)
                     .order_by(Article.published_at.desc(), StanceRow.article_id.desc()))
            if since is not None:
                query = query.where(Article.published_at >= since)
            if until is not None:
                query = query.where(Article.published_at < until)
            if countries:
                query = query.where(StanceRow.country.in_([c.upper() for c in countries]))
            return [StanceFact(article_id=r.article_id, country=r.country, stance=r.label,
                               confidence=r.confidence, evidence=r.evidence, cues=_cues(r.cues),
                               title=r.title, url=r.url, published=r.published_at)
                    for r in s.execute(query)]

    # ------------------------------------------------------------------------------------------ reading

    def articles(self, since: datetime | None = None, until: datetime | None = None,
                 topic: str | None = None, with_text: bool = False) -> Iterator[ArticleRecord]:
        """Articles by publication time, oldest first, streamed in chunks (exports can be large); with ``topic``,
        each carries its judgement for that topic; with ``with_text``, the text the judge read (the page's, where
        one was extracted and is still kept, else the feed's)."""
        with self.session() as s:
            columns = [Article.id, Article.url, Article.title, Article.summary, Article.published_at,
                       Article.first_seen_at, Article.language]
            if with_text:
                columns += [Article.text, PageRow.body]
            query = select(*columns).order_by(Article.published_at, Article.id)
            if with_text:
                query = query.outerjoin(PageRow, (PageRow.article_id == Article.id) & (PageRow.status == "ok"))
            if since is not None:
                query = query.where(Article.published_at >= since)
            if until is not None:
                query = query.where(Article.published_at < until)
            result = s.execute(query.execution_options(yield_per=CHUNK))
            for part in result.partitions():
                ids = [row.id for row in part]
                names = _feed_names(s, ids)
                judged: dict[int, tuple[bool, float]] = {}
                stances: dict[int, list[Stance]] = {}
                if topic is not None:
                    for aid, relevant, relevance in s.execute(
                            select(JudgementRow.article_id, JudgementRow.relevant, JudgementRow.relevance)
                            .where(JudgementRow.article_id.in_(ids), JudgementRow.topic == topic)):
                        judged[aid] = (relevant, relevance)
                    stances = _stances(s, ids, topic)
                paged = _text_sources(s, ids)
                for row in part:
                    relevant, relevance = judged.get(row.id, (None, None))
                    yield ArticleRecord(id=row.id, url=row.url, title=row.title, summary=row.summary,
                                        published=row.published_at, first_seen=row.first_seen_at,
                                        language=row.language, feeds=tuple(names.get(row.id, ())),
                                        relevant=relevant, relevance=relevance,
                                        stances=tuple(stances.get(row.id, ())),
                                        text_source="page" if row.id in paged else "feed",
                                        text=(unpack(row.body) if row.body is not None else row.text)
                                        if with_text else None)

    def count_articles(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(Article)) or 0

    # ------------------------------------------------------------------------------------------ digests

    def digest_articles(self, topic: str, since: datetime, until: datetime | None = None,
                        published_since: datetime | None = None, with_feeds: bool = True, *,
                        after_id: int | None = None, upto_id: int | None = None) -> list[ArticleRecord]:
        """Relevant articles that arrived in a window, newest first, with their stances and feeds.

        A digest window is about what arrived since the last one, not what was published: a story published at
        06:50 but fetched at 07:10 belongs to the next morning's digest. Arrival is told by the article id where
        the run claimed an id range (``after_id < id <= upto_id``): ids are handed out in commit order up to the
        claim's watermark, so nothing committed late can fall between two windows, as it could between two
        ``first_seen_at`` times stamped before their commit. Without ``after_id`` (a digest's first run, or a run
        after one made by an older version) ``first_seen_at >= since`` is the lower bound. ``published_since``
        keeps out a new feed's backlog of old stories. Without ``with_feeds`` (the previous period, which is only
        counted) the articles carry no feed names."""
        with self.session() as s:
            query = (select(Article.id, Article.url, Article.title, Article.summary, Article.published_at,
                            Article.first_seen_at, Article.language, JudgementRow.relevance)
                     .join(JudgementRow, JudgementRow.article_id == Article.id)
                     .where(JudgementRow.topic == topic, JudgementRow.relevant.is_(True))
                     .order_by(Article.published_at.desc(), Article.id.desc()))
            query = query.where(Article.id > after_id) if after_id is not None else query.where(
                Article.first_seen_at >= since)
            if upto_id is not None:
                query = query.where(Article.id <= upto_id)
            if until is not None:
                query = query.where(Article.first_seen_at < until)
            if published_since is not None:
                query = query.where(Article.published_at >= published_since)
            rows = s.execute(query).all()
            # The window's ids as a subquery: two joined reads instead of two per 500 articles.
            ids = query.with_only_columns(Article.id).order_by(None).scalar_subquery()
            names = _feed_names(s, ids) if with_feeds and rows else {}
            stances = _stances(s, ids, topic, with_cues=False) if rows else {}
            return [ArticleRecord(id=r.id, url=r.url, title=r.title, summary=r.summary, published=r.published_at,
                                  first_seen=r.first_seen_at, language=r.language,
                                  feeds=tuple(names.get(r.id, ())), relevant=True, relevance=r.relevance,
                                  stances=tuple(stances.get(r.id, ())))
                    for r in rows]

    def claim_digest_run(self, name: str, now: datetime, *, first_start: datetime, expires_at: datetime,
                         owner: str, scheduled_for: datetime | None = None,
                         recipients: Sequence[str] = ()) -> DigestClaim:
        """Record a ``pending`` run of digest ``name`` and the window it owns, unless another sender got there first.

        Two senders of one digest (a manual ``digest send`` beside the daemon, two daemons on one database) must not
        both mail the same window, so deciding the window and recording the run is one transaction under a lock
        per digest: a PostgreSQL advisory lock, or SQLite's single write lock taken before anything is read. Under
        it, runs whose sender died are failed, a run still in flight makes this claim ``busy``, a cron slot
        another process already covered makes it ``done``, and otherwise the window runs from the end of the
        last successful run (or, for a digest that never succeeded, from its first attempt, else
        ``first_start``) to ``now``, and from its last article id to the watermark: the highest id whose
        transaction has ended (see ``_article_watermark``)."""
        with self.session() as s:
            self._lock_digest(s, name)
            self._expire_pending(s, now, name)
            holder = s.scalars(select(DigestRunRow).where(DigestRunRow.name == name,
                                                          DigestRunRow.status == "pending")).first()
            if holder is not None:
                return DigestClaim(None, holder=_digest_run(holder))
            if scheduled_for is not None:
                done = s.scalars(select(DigestRunRow).where(DigestRunRow.name == name,
                                                            DigestRunRow.status.in_(SUCCESSFUL_RUNS),
                                                            DigestRunRow.scheduled_for == scheduled_for)
                                 .order_by(DigestRunRow.id.desc())).first()
                if done is not None:
                    return DigestClaim(None, done=_digest_run(done))
            start, after, upto = self._next_window(s, name, now, first_start, barrier=True)
            run = DigestRunRow(name=name, status="pending", window_start=start, window_end=now,
                               from_article_id=after, to_article_id=upto,
                               scheduled_for=scheduled_for, created_at=now, attempts=0, stories=0, articles=0,
                               recipients="\n".join(recipients), expires_at=expires_at, owner=owner)
            s.add(run)
            s.flush()
            return DigestClaim(_digest_run(run))

    def digest_window(self, name: str, now: datetime, first_start: datetime) -> tuple[datetime, int | None, int]:
        """The window the next run of ``name`` would claim now (start, after id, up-to id), for previews: read
        without locks, so a claim made a moment later may reach a little further."""
        with self.session() as s:
            return self._next_window(s, name, now, first_start, barrier=False)

    def _next_window(self, s: Session, name: str, now: datetime, first_start: datetime,
                     barrier: bool) -> tuple[datetime, int | None, int]:
        table = DigestRunRow.__table__
        last = s.execute(select(table.c.window_end, table.c.to_article_id)
                         .where(table.c.name == name, table.c.status.in_(SUCCESSFUL_RUNS))
                         .order_by(table.c.id.desc()).limit(1)).first()
        if last is not None:
            start, after = last.window_end, last.to_article_id
        else:  # never succeeded: from the first attempt, which failed, else one period back
            first_try = s.scalar(select(func.min(table.c.window_start)).where(table.c.name == name))
            start, after = (first_try if first_try is not None else first_start), None
        upto = self._article_watermark(s) if barrier else s.scalar(select(func.coalesce(func.max(Article.id), 0)))
        return min(start, now), after, upto or 0

    def _lock_digest(self, s: Session, name: str) -> None:
        if self.dialect == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"monitor.digest:{name}"})
            s.execute(text("SET LOCAL lock_timeout = '60s'"))
        else:
            # SQLite has one writer at a time: a write first thing (even one that changes nothing) takes that lock
            # before the transaction reads anything, so the reads below cannot be overtaken by another sender.
            s.execute(update(DigestRunRow.__table__).where(DigestRunRow.__table__.c.id < 0).values(status="pending"))

    def _article_watermark(self, s: Session) -> int:
        """The highest article id such that every article with an id up to it is committed or rolled back.

        SQLite: this transaction holds the only write lock, so no insert is in flight. PostgreSQL hands out ids
        from a sequence before commit, out of commit order; a SHARE lock on the table waits until every
        transaction that inserted articles has ended (and holds new inserts back for the moment it takes to read
        the maximum)."""
        if self.dialect == "postgresql":
            s.execute(text("LOCK TABLE articles IN SHARE MODE"))
        return s.scalar(select(func.coalesce(func.max(Article.id), 0))) or 0

    def _expire_pending(self, s: Session, now: datetime, name: str | None = None) -> int:
        """Fail pending runs whose sender is gone: past their ``expires_at`` (or, from versions before it, an hour
        old), or claimed by a process of this host that no longer exists (a kill -9, a crash), which need not
        wait for the expiry."""
        table = DigestRunRow.__table__
        query = select(table.c.id, table.c.owner, table.c.expires_at, table.c.created_at).where(
            table.c.status == "pending")
        if name is not None:
            query = query.where(table.c.name == name)
        dead: list[int] = []
        for run_id, owner, expires_at, created_at in s.execute(query):
            deadline = expires_at if expires_at is not None else created_at + LEGACY_PENDING
            if deadline < now or (owner and not _owner_alive(owner)):
                dead.append(run_id)
        if dead:
            s.execute(update(table).where(table.c.id.in_(dead)).values(
                status="failed", finished_at=now, error="interrupted before the server confirmed delivery"))
        return len(dead)

    def expire_digest_runs(self, now: datetime, name: str | None = None) -> int:
        """Fail the pending runs whose sender is gone (see ``_expire_pending``); the daemon calls this on start."""
        with self.session() as s:
            return self._expire_pending(s, now, name)

    def record_digest_items(self, run_id: int, article_ids: Sequence[int], stories: int) -> DigestRun:
        """The articles a claimed run is about to deliver, stored before anything is sent: the next run of the
        same digest leaves them out, and ``digest list`` can say what went out."""
        ids = sorted(set(article_ids))
        with self.session() as s:
            for part in _chunks(ids):
                s.execute(insert(DigestItemRow.__table__), [{"run_id": run_id, "article_id": aid} for aid in part])
            s.execute(update(DigestRunRow.__table__).where(DigestRunRow.__table__.c.id == run_id)
                      .values(stories=stories, articles=len(ids)))
            return _digest_run(s.get_one(DigestRunRow, run_id))

    def finish_digest_run(self, run_id: int, status: str, finished_at: datetime, *, attempts: int = 0,
                          message_id: str | None = None, delivery: str | None = None,
                          error: str | None = None) -> DigestRun:
        with self.session() as s:
            s.execute(update(DigestRunRow.__table__).where(DigestRunRow.__table__.c.id == run_id).values(
                status=status, finished_at=finished_at, attempts=attempts, message_id=message_id,
                delivery=delivery, error=error))
            return _digest_run(s.get_one(DigestRunRow, run_id))

    def last_digest_run(self, name: str, statuses: Sequence[str] | None = None) -> DigestRun | None:
        """The newest run of a digest, optionally only among runs with one of ``statuses``."""
        with self.session() as s:
            query = (select(DigestRunRow).where(DigestRunRow.name == name)
                     .order_by(DigestRunRow.created_at.desc(), DigestRunRow.id.desc()).limit(1))
            if statuses:
                query = query.where(DigestRunRow.status.in_(list(statuses)))
            row = s.scalars(query).first()
            return _digest_run(row) if row is not None else None

    def digest_runs(self, name: str | None = None, limit: int = 50) -> list[DigestRun]:
        """Past runs, newest first."""
        with self.session() as s:
            query = select(DigestRunRow).order_by(DigestRunRow.created_at.desc(), DigestRunRow.id.desc()).limit(limit)
            if name is not None:
                query = query.where(DigestRunRow.name == name)
            return [_digest_run(r) for r in s.scalars(query)]

    # ------------------------------------------------------------------------------------------ queue

    def due_feeds(self, names: Sequence[str], now: datetime,
                  requeue_after: timedelta) -> list[tuple[str, bool]]:
        """Feeds among ``names`` whose poll is due and not already on the queue, as (name, lost): ``lost`` when a
        poll was put on the queue more than ``requeue_after`` ago and not done (its feed not polled since): the
        broker lost it (restarted without its messages) or a worker died before acknowledging it. A feed never
        polled nor planned is due at once."""
        table = Feed.__table__.c
        sent = table.enqueued_at.is_not(None) & (table.last_polled_at.is_(None)
                                                 | (table.last_polled_at < table.enqueued_at))
        in_flight = sent & (table.enqueued_at >= now - requeue_after)
        with self.session() as s:
            due: list[tuple[str, bool]] = []
            for part in _chunks(list(names)):
                due.extend((name, bool(lost)) for name, lost in s.execute(
                    select(Feed.name, sent).where(
                        Feed.name.in_(part), Feed.active.is_(True),
                        (table.next_poll_at.is_(None)) | (table.next_poll_at <= now), ~in_flight)
                    .order_by(table.next_poll_at)))
            return due

    def mark_enqueued(self, names: Sequence[str], now: datetime) -> None:
        with self.session() as s:
            for part in _chunks(list(names)):
                s.execute(update(Feed.__table__).where(Feed.__table__.c.name.in_(part)).values(enqueued_at=now))

    def due_pages(self, now: datetime, requeue_after: timedelta, limit: int = 5000) -> list[int]:
        """Pages still pending that no task is fetching: never put on the queue, or put on so long ago that the
        task was lost."""
        table = PageRow.__table__
        with self.session() as s:
            # A page a worker queued a moment ago is being sent by that worker: give it a minute.
            return list(s.scalars(select(table.c.article_id).where(
                table.c.status == "pending",
                ((table.c.enqueued_at.is_(None)) & (table.c.queued_at < now - timedelta(minutes=1)))
                | (table.c.enqueued_at < now - requeue_after))
                .order_by(table.c.queued_at).limit(limit)))

    def mark_pages_enqueued(self, ids: Sequence[int], now: datetime) -> None:
        table = PageRow.__table__
        with self.session() as s:
            for part in _chunks(list(ids)):
                s.execute(update(table).where(table.c.article_id.in_(part)).values(enqueued_at=now))

    @contextmanager
    def feed_lock(self, feed_id: int) -> Iterator[bool]:
        """Whether this process may poll feed ``feed_id`` now: a PostgreSQL advisory lock held on a connection of
        its own for the length of the block, so two workers never poll one feed at once (a task delivered twice,
        or the scheduler putting a slow poll on the queue again). Other backends: always True (one process)."""
        if self.dialect != "postgresql":
            yield True
            return
        with self.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                    {"a": FEED_LOCK_CLASS, "b": feed_id}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": FEED_LOCK_CLASS, "b": feed_id})
                    conn.commit()

    # ------------------------------------------------------------------------------------------ retention

    def size(self) -> int | None:
        """The database's size in bytes (None when the backend cannot say)."""
        with self.session() as s:
            if self.dialect == "postgresql":
                return s.scalar(text("SELECT pg_database_size(current_database())"))
            if self.dialect == "sqlite":
                pages = s.execute(text("PRAGMA page_count")).scalar() or 0
                return pages * (s.execute(text("PRAGMA page_size")).scalar() or 0)
        return None

    def prune_articles(self, before: datetime, dry_run: bool = False) -> int:
        """Delete articles first stored before ``before`` (their feeds' links, judgements, stances and digest
        items go with them, by the foreign keys' cascades), a chunk per transaction so that polls keep writing
        in between. The newest article always stays: digest windows count article ids from it, and SQLite would
        hand a deleted highest id out again."""
        deleted = 0
        while True:
            with self.session() as s:
                newest = s.scalar(select(func.max(Article.id)))
                query = select(Article.id).where(Article.first_seen_at < before)
                if newest is not None:
                    query = query.where(Article.id < newest)
                if dry_run:
                    return s.scalar(select(func.count()).select_from(query.subquery())) or 0
                ids = list(s.scalars(query.order_by(Article.id).limit(CHUNK)))
                if not ids:
                    return deleted
                s.execute(delete(Article.__table__).where(Article.__table__.c.id.in_(ids)))
                deleted += len(ids)

    def prune_digest_items(self, before: datetime, dry_run: bool = False) -> int:
        """Forget which articles digest runs created before ``before`` carried (the runs themselves stay)."""
        old = select(DigestRunRow.id).where(DigestRunRow.created_at < before).scalar_subquery()
        items = DigestItemRow.__table__
        with self.session() as s:
            if dry_run:
                return s.scalar(select(func.count()).select_from(items).where(items.c.run_id.in_(old))) or 0
            result = s.execute(delete(items).where(items.c.run_id.in_(old)))
            return result.rowcount or 0  # type: ignore[attr-defined]

    def compact(self, threshold: float = 0.2) -> bool:
        """Give the space of deleted rows back to the file system when at least ``threshold`` of a SQLite file is
        free pages (a VACUUM rewrites the file: worth it only after a large prune). PostgreSQL's autovacuum
        reuses the space by itself."""
        if self.dialect != "sqlite":
            return False
        with self.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
            if not pages or free / pages < threshold:
                return False
            conn.exec_driver_sql("VACUUM")
            return True

    def digest_run_articles(self, run_id: int) -> list[CoveredArticle]:
        """The articles a run covered (those since deleted are gone from the list)."""
        with self.session() as s:
            rows = s.execute(select(Article.id, Article.title, Article.url, Article.published_at)
                             .join(DigestItemRow, DigestItemRow.article_id == Article.id)
                             .where(DigestItemRow.run_id == run_id).order_by(Article.id))
            return [CoveredArticle(r.id, r.title, r.url, r.published_at) for r in rows]


def owner_id() -> str:
    """Who claims a digest run: this host and process, so that a run left pending by a process that died on this
    host is recognised at once."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _owner_alive(owner: str) -> bool:
    """False only when ``owner`` names a process of this host that is gone; runs of other hosts wait for their
    expiry."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def pack(text: str) -> bytes:
    """Page text as stored: zlib (news text shrinks to about a third)."""
    return zlib.compress(text.encode("utf-8"), 6)


def unpack(body: bytes) -> str:
    return zlib.decompress(body).decode("utf-8")


def evidence_source(evidence: str, feed_text: str | None) -> str:
    """``page`` when the evidence was read in an article's page, not in what the feed itself said."""
    if feed_text is None:
        return "feed"
    folded = " ".join(feed_text.split()).casefold()
    parts = [p for p in (" ".join(x.split()).casefold() for x in evidence.split("…")) if p]
    return "feed" if parts and all(p in folded for p in parts) else "page"


def _repost_of(candidates: Sequence[tuple[int, datetime]], published: datetime) -> int | None:
    for aid, when in candidates:
        if abs(when - published) <= REPOST_WINDOW:
            return aid
    return None


def _feed_state(f: Feed, count: int = 0) -> FeedState:
    return FeedState(
        id=f.id, name=f.name, url=f.url, active=f.active, etag=f.etag, last_modified=f.last_modified,
        body_hash=f.body_hash, last_status=f.last_status, http_status=f.http_status, last_error=f.last_error,
        last_warning=f.last_warning, consecutive_failures=f.consecutive_failures or 0, moved_to=f.moved_to,
        ttl_seconds=f.ttl_seconds,
        last_polled_at=f.last_polled_at, last_success_at=f.last_success_at, next_poll_at=f.next_poll_at,
        title=f.title, article_count=count, polled_by=f.polled_by,
    )


def _alembic_config() -> Any:
    from alembic.config import Config  # imported late, like everything of Alembic's: only schema work needs it

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest migration this version of monitor ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _feed_names(s: Session, ids: Sequence[int] | Any) -> dict[int, list[str]]:
    """The names of the feeds that carried each article, first carrier first (``ids``: a list or a subquery)."""
    names: dict[int, list[str]] = {}
    for aid, name in s.execute(select(ArticleFeed.article_id, Feed.name).join(Feed, Feed.id == ArticleFeed.feed_id)
                               .where(ArticleFeed.article_id.in_(ids))
                               .order_by(ArticleFeed.first_seen_at, Feed.name)):
        names.setdefault(aid, []).append(name)
    return names


def _stances(s: Session, ids: Sequence[int] | Any, topic: str, with_cues: bool = True) -> dict[int, list[Stance]]:
    """Each article's stances for ``topic``, most confident first. Without ``with_cues`` (digests, which never
    show them) the JSON of the cues that fired is not read: a tenth of a large digest's reading time."""
    stances: dict[int, list[Stance]] = {}
    columns = [StanceRow.article_id, StanceRow.country, StanceRow.label, StanceRow.confidence, StanceRow.evidence,
               StanceRow.source]
    if with_cues:
        columns.append(StanceRow.cues)
    for r in s.execute(select(*columns).where(StanceRow.article_id.in_(ids), StanceRow.topic == topic)
                       .order_by(StanceRow.confidence.desc(), StanceRow.country)):
        stances.setdefault(r.article_id, []).append(StoredStance(r.country, r.label, r.confidence, r.evidence,
                                                                 _cues(r.cues) if with_cues else (),
                                                                 r.source or "feed"))
    return stances


def _text_sources(s: Session, ids: Sequence[int]) -> set[int]:
    """The articles among ``ids`` judged on their page's text."""
    return set(s.scalars(select(PageRow.article_id).where(PageRow.article_id.in_(ids), PageRow.status == "ok")))


def _cues(stored: str | None) -> tuple[str, ...]:
    return tuple(json.loads(stored or "[]"))


def _digest_run(r: DigestRunRow) -> DigestRun:
    return DigestRun(id=r.id, name=r.name, status=r.status, window_start=r.window_start, window_end=r.window_end,
                     created_at=r.created_at, scheduled_for=r.scheduled_for, finished_at=r.finished_at,
                     attempts=r.attempts or 0, stories=r.stories or 0, articles=r.articles or 0,
                     recipients=tuple(a.strip() for a in (r.recipients or "").splitlines() if a.strip()),
                     message_id=r.message_id, delivery=r.delivery, error=r.error,
                     from_article_id=r.from_article_id, to_article_id=r.to_article_id, expires_at=r.expires_at,
                     owner=r.owner)


def _db_reason(exc: StatementError) -> str:
    """The driver's own words without the statement and its parameters (which may hold a whole article)."""
    return clean_line(_first_line(exc.orig if exc.orig is not None else exc))


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def open_store(url: str, upgrade: bool = True) -> Store:
    store = Store(url)
    if upgrade:
        store.upgrade()
    return store


__all__ = ["MIGRATIONS", "Store", "StoreError", "head_revision", "open_store", "safe_url"]
