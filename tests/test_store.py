"""Storage on SQLite and PostgreSQL (the ``store`` fixture runs each test on both): schema, feeds, dedup, state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from monitor.config import FeedConfig
from monitor.errors import RejectedContent
from monitor.parse import Entry
from monitor.store import ArticleRecord, PollUpdate, PollWrite, SaveResult, Store, StoreError, open_store, safe_url
from monitor.store.models import Article, Base
from monitor.store.store import head_revision
from tests.support.db import refuse_poisoned_titles

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
LONG_TITLE = "EU foreign ministers meet in Brussels to discuss new sanctions"


def feed(name: str, url: str | None = None, enabled: bool = True) -> FeedConfig:
    return FeedConfig(name=name, url=url or f"https://{name.lower().replace(' ', '-')}.example/rss", interval=900.0,
                      enabled=enabled)


def entry(guid: str, url: str | None, title: str, published: datetime | None = T0, summary: str = "summary",
          language: str | None = "en") -> Entry:
    return Entry(guid=guid, url=url, title=title, summary=summary, text=f"{summary} (full text)",
                 published=published, language=language)


def ok(now: datetime = T0, **fields) -> PollUpdate:
    values = {"polled_at": now, "status": "ok", "next_poll_at": now + timedelta(minutes=15),
              "consecutive_failures": 0, "http_status": 200}
    values.update(fields)
    return PollUpdate(**values)


def articles(store: Store) -> list[ArticleRecord]:
    return list(store.articles())


# ------------------------------------------------------------------------------------------------ schema


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migration_creates_the_tables_and_is_idempotent(store: Store, db_url: str) -> None:
    assert head_revision() is not None
    assert store.revision() == head_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert {"feeds", "articles", "article_feeds", "alembic_version"} <= tables
    again = open_store(db_url)  # upgrading an up-to-date database is a no-op
    try:
        assert again.revision() == head_revision()
    finally:
        again.close()
    assert store.ping() is True


def test_sqlite_uses_wal(store: Store) -> None:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert store.dialect == "postgresql"


def test_postgresql_plans_every_statement_afresh(pg_database: tuple[str, str]) -> None:
    """A statement psycopg prepares server-side keeps the plan made while the tables were empty (a sequential scan)
    until the next ANALYZE: the URL lookups of a cold poll cost 12 ms each at 30,000 articles instead of 0.1 ms."""
    store = open_store(pg_database[1])
    try:
        fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
        for i in range(8):  # psycopg prepares a statement on its sixth run by default
            store.save_poll(fid, ok(), [entry(f"g{i}", f"https://alpha.example/{i}", f"Story number {i}")])
        with store.engine.connect() as conn:
            for i in range(8):
                conn.execute(select(Article.id).where(Article.url.in_([f"https://alpha.example/{i}"]))).all()
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar() == 0
    finally:
        store.close()


def test_unreachable_database_is_a_one_line_store_error() -> None:
    s = Store("postgresql+psycopg://monitor:hunter2secret@127.0.0.1:1/none")
    try:
        with pytest.raises(StoreError) as err:
            s.upgrade()
        message = str(err.value)
        assert message.startswith("database postgresql+psycopg://monitor:***@127.0.0.1:1/none unavailable: ")
        assert "hunter2secret" not in message
        assert "\n" not in message
        assert s.ping() is False
    finally:
        s.close()
    assert safe_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


# ------------------------------------------------------------------------------------------------ feeds


def test_sync_feeds_adds_feeds(store: Store) -> None:
    ids = store.sync_feeds([feed("Alpha"), feed("Beta", enabled=False)], T0)
    assert set(ids) == {"Alpha", "Beta"}
    assert len(set(ids.values())) == 2
    states = store.feed_states()
    assert states["Alpha"].active is True
    assert states["Alpha"].url == "https://alpha.example/rss"
    assert states["Alpha"].consecutive_failures == 0
    assert states["Alpha"].next_poll_at is None
    assert states["Beta"].active is False
    assert store.sync_feeds([feed("Alpha"), feed("Beta", enabled=False)], T0) == ids  # stable ids


def test_sync_feeds_url_change_resets_validators(store: Store) -> None:
    ids = store.sync_feeds([feed("Alpha"), feed("Beta")], T0)
    for name in ("Alpha", "Beta"):
        store.save_poll(ids[name], ok(etag='"e1"', last_modified="Sat, 01 Mar 2025 12:00:00 GMT", body_hash="h1",
                                      moved_to="https://moved.example/rss"))
    store.sync_feeds([feed("Alpha", "https://alpha.example/new-rss"), feed("Beta")], T0 + timedelta(hours=1))
    alpha, beta = store.feed_state("Alpha"), store.feed_state("Beta")
    assert alpha is not None and beta is not None
    assert alpha.url == "https://alpha.example/new-rss"
    assert (alpha.etag, alpha.last_modified, alpha.body_hash, alpha.moved_to, alpha.next_poll_at) == (
        None, None, None, None, None)
    assert alpha.last_polled_at == T0  # history is kept
    # the untouched feed keeps everything
    assert (beta.etag, beta.last_modified, beta.body_hash) == ('"e1"', "Sat, 01 Mar 2025 12:00:00 GMT", "h1")
    assert beta.next_poll_at == T0 + timedelta(minutes=15)


def test_removed_feed_becomes_inactive_and_keeps_its_articles(store: Store) -> None:
    ids = store.sync_feeds([feed("Alpha"), feed("Beta")], T0)
    store.save_poll(ids["Beta"], ok(), [entry("b1", "https://beta.example/1", "Beta story one")])
    store.sync_feeds([feed("Alpha")], T0)
    states = store.feed_states()
    assert set(states) == {"Alpha", "Beta"}
    assert states["Beta"].active is False
    assert states["Alpha"].active is True
    assert [(a.title, a.feeds) for a in articles(store)] == [("Beta story one", ("Beta",))]
    # back in the config: active again, same row
    assert store.sync_feeds([feed("Alpha"), feed("Beta")], T0)["Beta"] == ids["Beta"]
    assert store.feed_state("Beta").active is True  # type: ignore[union-attr]


def test_feed_counts(store: Store) -> None:
    ids = store.sync_feeds([feed("Alpha"), feed("Beta")], T0)
    store.save_poll(ids["Alpha"], ok(), [entry("1", "https://x.example/1", "One"),
                                         entry("2", "https://x.example/2", "Two")])
    states = store.feed_states(with_counts=True)
    assert (states["Alpha"].article_count, states["Beta"].article_count) == (2, 0)
    assert list(store.feed_states(["Beta"])) == ["Beta"]
    assert store.feed_state("Nope") is None


# ------------------------------------------------------------------------------------------------ dedup


def test_repoll_never_duplicates(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    batch = [entry(f"g{i}", f"https://alpha.example/{i}", f"Story number {i}") for i in range(5)]
    first = store.save_poll(fid, ok(), batch)
    assert first.new == 5
    assert len(first.new_article_ids) == 5
    for later in range(1, 4):
        again = store.save_poll(fid, ok(T0 + timedelta(minutes=15 * later)), batch)
        assert (again.new, again.linked, again.seen) == (0, 0, 5)
    assert store.count_articles() == 5
    assert sorted(a.title for a in articles(store)) == [f"Story number {i}" for i in range(5)]


def test_same_url_in_two_feeds_is_one_article_linked_to_both(store: Store) -> None:
    ids = store.sync_feeds([feed("Alpha"), feed("Beta")], T0)
    a = store.save_poll(ids["Alpha"], ok(), [entry("alpha-1", "https://wire.example/story", LONG_TITLE)])
    b = store.save_poll(ids["Beta"], ok(T0 + timedelta(minutes=5)),
                        [entry("beta-77", "https://wire.example/story", "A different headline for it")])
    assert a.new == 1
    assert (b.new, b.linked) == (0, 1)
    (article,) = articles(store)
    assert article.id == a.new_article_ids[0]
    assert article.title == LONG_TITLE  # the first sighting wins
    assert article.feeds == ("Alpha", "Beta")
    # both feeds re-polled: still one article, nothing new
    assert store.save_poll(ids["Beta"], ok(), [entry("beta-77", "https://wire.example/story", "x")]).seen == 1
    assert store.count_articles() == 1
    counts = store.feed_states(with_counts=True)
    assert (counts["Alpha"].article_count, counts["Beta"].article_count) == (1, 1)


def test_same_guid_with_changed_url_is_not_a_new_article(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(), [entry("guid-1", "https://alpha.example/story-v1", "Original headline")])
    result = store.save_poll(fid, ok(T0 + timedelta(hours=1)),
                             [entry("guid-1", "https://alpha.example/story-v2-updated", "Updated headline")])
    assert (result.new, result.seen) == (0, 1)
    assert [(a.url, a.title) for a in articles(store)] == [("https://alpha.example/story-v1", "Original headline")]


@pytest.mark.parametrize(("days_later", "merged"), [(0, True), (1, True), (2.9, True), (-2, True), (3.5, False),
                                                    (10, False)])
def test_repost_of_the_same_title(store: Store, days_later: float, merged: bool) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(), [entry("guid-1", "https://alpha.example/a", LONG_TITLE, published=T0)])
    when = T0 + timedelta(days=days_later)
    repost = entry("guid-2", "https://alpha.example/a-again?id=2", LONG_TITLE.upper() + "!", published=when)
    result = store.save_poll(fid, ok(when), [repost])
    assert result.new == (0 if merged else 1)
    assert store.count_articles() == (1 if merged else 2)
    # polling the same document again changes nothing
    assert store.save_poll(fid, ok(when + timedelta(hours=1)), [repost]).new == 0
    assert store.count_articles() == (1 if merged else 2)
    assert {a.feeds for a in articles(store)} == {("Alpha",)}


def test_repost_without_a_date_uses_first_seen(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(), [entry("guid-1", "https://alpha.example/a", LONG_TITLE, published=None)])
    (a,) = articles(store)
    assert a.published == T0  # published falls back to first seen
    assert a.first_seen == T0
    result = store.save_poll(fid, ok(T0 + timedelta(days=1)),
                             [entry("guid-2", "https://alpha.example/b", LONG_TITLE, published=None)])
    assert result.new == 0


@pytest.mark.parametrize("title", ["Live updates", "Morning briefing", "Newsletter", "Podcast"])
def test_short_generic_titles_are_not_merged(store: Store, title: str) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(), [entry("g1", "https://alpha.example/1", title)])
    result = store.save_poll(fid, ok(T0 + timedelta(hours=3)),
                             [entry("g2", "https://alpha.example/2", title, published=T0 + timedelta(hours=3))])
    assert result.new == 1
    assert [a.title for a in articles(store)] == [title, title]


def test_same_title_in_one_document_is_one_article(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    result = store.save_poll(fid, ok(), [entry("g1", "https://alpha.example/1", LONG_TITLE),
                                         entry("g2", "https://alpha.example/2", LONG_TITLE)])
    assert result.new == 1
    assert store.count_articles() == 1


def test_the_same_item_twice_in_one_document(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    item = entry("g1", "https://alpha.example/1", "Story")
    result = store.save_poll(fid, ok(), [item, item,
                                         entry("g2", "https://alpha.example/1", "Same URL, other guid"),
                                         entry("g1", "https://alpha.example/other", "Same guid, other URL")])
    assert result.new == 1
    assert [(a.url, a.title) for a in articles(store)] == [("https://alpha.example/1", "Story")]


def test_entries_without_url_are_kept_apart(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    result = store.save_poll(fid, ok(), [entry("sha1:aaa", None, "First link-less story"),
                                         entry("sha1:bbb", None, "Second link-less story")])
    assert result.new == 2
    assert store.save_poll(fid, ok(), [entry("sha1:aaa", None, "First link-less story")]).seen == 1
    assert sorted((a.url, a.title) for a in articles(store)) == [(None, "First link-less story"),
                                                                 (None, "Second link-less story")]


def test_article_fields_round_trip(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    published = datetime(2025, 2, 28, 23, 30, 15, tzinfo=UTC)
    store.save_poll(fid, ok(), [entry("g", "https://alpha.example/ü?q=1", "Zażółć gęślą jaźń — „Ökonomie“",
                                      published=published, summary="Съешь же ещё € “quotes”", language="pl")])
    (a,) = articles(store)
    assert a.url == "https://alpha.example/ü?q=1"
    assert a.title == "Zażółć gęślą jaźń — „Ökonomie“"
    assert a.summary == "Съешь же ещё € “quotes”"
    assert a.language == "pl"
    assert a.published == published
    assert a.published.tzinfo == UTC
    assert a.first_seen == T0
    assert a.feeds == ("Alpha",)


def test_articles_since(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(), [entry(f"g{d}", f"https://alpha.example/{d}", f"Story from day {d}",
                                      published=T0 - timedelta(days=d)) for d in (0, 3, 10)])
    assert [a.title for a in store.articles(since=T0 - timedelta(days=7))] == ["Story from day 3", "Story from day 0"]
    assert [a.title for a in store.articles()] == ["Story from day 10", "Story from day 3", "Story from day 0"]
    assert [a.title for a in store.articles(until=T0 - timedelta(days=1))] == ["Story from day 10",
                                                                                "Story from day 3"]


def test_naive_datetimes_are_refused(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    with pytest.raises(Exception, match="naive datetime"):
        store.save_poll(fid, ok(), [entry("g", "https://alpha.example/1", "x", published=datetime(2025, 1, 1))])
    assert store.count_articles() == 0  # nothing half-written


def test_many_entries_in_one_poll(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    batch = [entry(f"g{i}", f"https://alpha.example/{i}", f"Headline number {i} about something")
             for i in range(1200)]
    assert store.save_poll(fid, ok(), batch).new == 1200
    assert store.save_poll(fid, ok(), batch).seen == 1200
    assert store.count_articles() == 1200


# ------------------------------------------------------------------------------------------------ feed state


def test_feed_state_persists_across_store_objects(store: Store, db_url: str) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(etag='W/"abc"', last_modified="Sat, 01 Mar 2025 11:00:00 GMT", body_hash="b" * 32,
                            title="Alpha News", site_url="https://alpha.example/", ttl_seconds=3600,
                            moved_to="https://alpha.example/new-feed"),
                    [entry("g1", "https://alpha.example/1", "Story")])
    failed_at = T0 + timedelta(minutes=15)
    store.save_poll(fid, PollUpdate(polled_at=failed_at, status="error", next_poll_at=failed_at + timedelta(hours=2),
                                    consecutive_failures=3, http_status=503,
                                    error="HTTP 503 Service Unavailable, retry after 7200s"))
    store.close()

    fresh = Store(db_url)
    try:
        st = fresh.feed_state("Alpha")
        assert st is not None
        assert st.etag == 'W/"abc"'  # a failed poll keeps the validators of the last good one
        assert st.last_modified == "Sat, 01 Mar 2025 11:00:00 GMT"
        assert st.body_hash == "b" * 32
        assert st.title == "Alpha News"
        assert st.ttl_seconds == 3600
        assert st.moved_to == "https://alpha.example/new-feed"
        assert st.last_status == "error"
        assert st.http_status == 503
        assert st.last_error == "HTTP 503 Service Unavailable, retry after 7200s"
        assert st.consecutive_failures == 3
        assert st.last_polled_at == failed_at
        assert st.last_success_at == T0
        assert st.next_poll_at == failed_at + timedelta(hours=2)
        assert st.next_poll_at.tzinfo == UTC
        assert fresh.count_articles() == 1
    finally:
        fresh.close()


def test_success_after_failures_clears_the_error(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, PollUpdate(polled_at=T0, status="error", next_poll_at=T0 + timedelta(hours=1),
                                    consecutive_failures=2, http_status=500, error="HTTP 500"))
    later = T0 + timedelta(hours=1)
    store.save_poll(fid, ok(later, status="not_modified", http_status=304, etag='"e"'))
    st = store.feed_state("Alpha")
    assert st is not None
    assert (st.last_status, st.last_error, st.consecutive_failures) == ("not_modified", None, 0)
    assert st.last_success_at == later
    assert st.etag == '"e"'


def test_not_modified_keeps_body_hash_and_ttl(store: Store) -> None:
    fid = store.sync_feeds([feed("Alpha")], T0)["Alpha"]
    store.save_poll(fid, ok(body_hash="h" * 32, ttl_seconds=1800, title="Alpha"))
    store.save_poll(fid, ok(T0 + timedelta(hours=1), status="not_modified", http_status=304))
    st = store.feed_state("Alpha")
    assert st is not None
    assert (st.body_hash, st.ttl_seconds, st.title) == ("h" * 32, 1800, "Alpha")


def test_save_polls_stores_many_in_one_go_and_keeps_a_refusal_to_its_feed(store: Store) -> None:
    refuse_poisoned_titles(store)
    ids = store.sync_feeds([feed("One"), feed("Two"), feed("Three")], T0)
    writes = [
        PollWrite(ids["One"], ok(), (entry("1", "https://one.example/1", "Envoys meet in Geneva for a first round"),)),
        PollWrite(ids["Two"], ok(), (entry("2", "https://two.example/2", "A poison headline the database refuses"),)),
        PollWrite(ids["Three"], ok(), (entry("3", "https://3.example/3", "Ministers split over the next sanctions"),)),
    ]
    results = store.save_polls(writes)
    assert isinstance(results[1], RejectedContent) and "poisoned title refused" in str(results[1])
    assert [len(r.new_article_ids) for r in (results[0], results[2]) if isinstance(r, SaveResult)] == [1, 1]
    assert sorted(a.title for a in articles(store)) == ["Envoys meet in Geneva for a first round",
                                                       "Ministers split over the next sanctions"]
    states = store.feed_states()
    assert states["One"].last_status == "ok" and states["Three"].last_status == "ok"
    assert states["Two"].last_polled_at is None  # the caller records the refusal as the feed's failure

    again = store.save_polls([PollWrite(ids["One"], ok(T0 + timedelta(minutes=15)), writes[0].entries),
                              PollWrite(ids["Three"], ok(T0 + timedelta(minutes=15)), writes[2].entries)])
    assert [r.new_article_ids for r in again if isinstance(r, SaveResult)] == [(), ()]
    assert len(articles(store)) == 2
