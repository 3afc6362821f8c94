"""Digest runs in the store, on SQLite and PostgreSQL (the ``store`` fixture runs each test on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, inspect

from monitor.store import Store
from monitor.store.models import Article
from tests.support.digests import EE_HARD, HU_PRO, PL_HARD, Story, seed

T0 = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def test_migration_adds_the_digest_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"digest_runs", "digest_items"} <= tables


def test_runs_are_recorded_finished_and_listed(store: Store) -> None:
    ids = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
                       Story("Poland rejects any talks with Moscow", {"PL": PL_HARD})], T0 - timedelta(hours=2))
    run = store.start_digest_run("daily", T0 - timedelta(days=1), T0, T0, article_ids=list(ids.values()), stories=2,
                                 recipients=['"Desk, Team" <desk@example.org>', "b@example.org"],
                                 scheduled_for=T0)
    assert (run.status, run.articles, run.stories, run.finished_at) == ("pending", 2, 2, None)
    assert run.recipients == ('"Desk, Team" <desk@example.org>', "b@example.org")
    assert store.last_digest_run("daily", ("sent", "empty")) is None  # pending is not a success

    done = store.finish_digest_run(run.id, "sent", T0 + timedelta(seconds=3), attempts=2,
                                   message_id="<daily.1@example.org>", delivery="smtp 127.0.0.1:25")
    assert (done.status, done.attempts, done.message_id, done.delivery) == (
        "sent", 2, "<daily.1@example.org>", "smtp 127.0.0.1:25")
    assert done.window_start == T0 - timedelta(days=1) and done.window_end == T0 and done.scheduled_for == T0
    assert store.last_digest_run("daily", ("sent", "empty")) == done
    assert sorted(a.title for a in store.digest_run_articles(run.id)) == [
        "Hungary calls for talks with Moscow", "Poland rejects any talks with Moscow"]

    empty = store.start_digest_run("daily", T0, T0 + timedelta(days=1), T0 + timedelta(days=1), status="empty")
    assert empty.finished_at == T0 + timedelta(days=1)
    other = store.start_digest_run("weekly", T0, T0, T0 + timedelta(days=2))
    assert [r.id for r in store.digest_runs()] == [other.id, empty.id, run.id]
    assert [r.id for r in store.digest_runs("daily", limit=1)] == [empty.id]
    assert store.last_digest_run("daily", ("sent",)) == done
    assert store.last_digest_run("nope") is None


def test_stale_pending_runs_are_called_failed(store: Store) -> None:
    old = store.start_digest_run("daily", T0 - timedelta(days=1), T0, T0)
    fresh = store.start_digest_run("daily", T0, T0 + timedelta(hours=2), T0 + timedelta(hours=2))
    assert store.abandon_digest_runs("daily", T0 + timedelta(hours=1), T0 + timedelta(hours=2)) == 1
    runs = {r.id: r for r in store.digest_runs("daily")}
    assert runs[old.id].status == "failed" and "interrupted" in (runs[old.id].error or "")
    assert runs[fresh.id].status == "pending"


def test_digest_articles_go_by_arrival_with_stances_and_feeds(store: Store) -> None:
    seed(store, [
        Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
        Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}, feed="Politico Europe",
              url="https://euractiv.example/news/shared"),
        Story("A football match in Riga", relevant=False),
    ], T0 - timedelta(hours=5))
    seed(store, [
        Story("Late arrival: Estonia expels diplomats", {"EE": EE_HARD}, published=T0 - timedelta(hours=30)),
        Story("Backlog from last month about sanctions", {"PL": PL_HARD}, published=T0 - timedelta(days=30)),
        Story("Same URL in a second feed", {"EE": EE_HARD}, feed="Euractiv", url="https://x.example/shared2"),
        Story("Same URL in a second feed", {"EE": EE_HARD}, feed="ERR News", url="https://x.example/shared2"),
    ], T0 - timedelta(hours=1))
    seed(store, [Story("Stored after the window closed", {"HU": HU_PRO})], T0 + timedelta(minutes=1))

    got = store.digest_articles("eu-russia-dialogue", T0 - timedelta(days=1), T0, T0 - timedelta(days=2))
    titles = [a.title for a in got]
    # Published 30 h ago but fetched an hour ago: it belongs to this window. The month-old backlog does not.
    assert sorted(titles) == sorted(["Hungary calls for talks with Moscow", "Hungary calls for talks with Moscow",
                                     "Late arrival: Estonia expels diplomats", "Same URL in a second feed"])
    shared = next(a for a in got if a.title == "Same URL in a second feed")
    assert shared.feeds == ("ERR News", "Euractiv") and shared.relevant is True
    assert [(s.country, s.stance) for s in shared.stances] == [("EE", "hardline")]
    assert got == sorted(got, key=lambda a: (a.published, a.id), reverse=True)
    assert store.digest_articles("other-topic", T0 - timedelta(days=1), T0) == []


def test_deleting_an_article_drops_it_from_past_runs(store: Store) -> None:
    ids = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO})], T0)
    run = store.start_digest_run("daily", T0, T0, T0, article_ids=list(ids.values()))
    with store.session() as s:
        s.execute(delete(Article.__table__))
    assert store.digest_run_articles(run.id) == []
    assert store.last_digest_run("daily") is not None
