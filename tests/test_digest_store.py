"""Digest runs in the store, on SQLite and PostgreSQL (the ``store`` fixture runs each test on both)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, inspect

from monitor.store import DigestClaim, Store
from monitor.store.models import Article
from tests.support.digests import EE_HARD, HU_PRO, PL_HARD, Story, seed

T0 = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def test_migration_adds_the_digest_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"digest_runs", "digest_items"} <= tables


def claim(store: Store, name: str, now: datetime, *, owner: str = "elsewhere:1", ttl: timedelta = timedelta(hours=1),
          first_start: datetime | None = None, scheduled_for: datetime | None = None,
          recipients: tuple[str, ...] = ()) -> DigestClaim:
    return store.claim_digest_run(name, now, first_start=first_start or now - timedelta(days=1),
                                  expires_at=now + ttl, owner=owner, scheduled_for=scheduled_for,
                                  recipients=recipients)


def test_runs_are_claimed_recorded_finished_and_listed(store: Store) -> None:
    ids = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
                       Story("Poland rejects any talks with Moscow", {"PL": PL_HARD})], T0 - timedelta(hours=2))
    run = claim(store, "daily", T0, scheduled_for=T0,
                recipients=('"Desk, Team" <desk@example.org>', "b@example.org")).run
    assert run is not None
    assert (run.status, run.finished_at, run.window_start, run.window_end) == ("pending", None, T0 - timedelta(days=1),
                                                                              T0)
    assert (run.from_article_id, run.to_article_id) == (None, max(ids.values()))
    assert run.recipients == ('"Desk, Team" <desk@example.org>', "b@example.org")
    assert store.last_digest_run("daily", ("sent", "empty")) is None  # pending is not a success
    run = store.record_digest_items(run.id, list(ids.values()), stories=2)
    assert (run.articles, run.stories) == (2, 2)

    done = store.finish_digest_run(run.id, "sent", T0 + timedelta(seconds=3), attempts=2,
                                   message_id="<daily.1@example.org>", delivery="smtp 127.0.0.1:25")
    assert (done.status, done.attempts, done.message_id, done.delivery) == (
        "sent", 2, "<daily.1@example.org>", "smtp 127.0.0.1:25")
    assert done.scheduled_for == T0
    assert store.last_digest_run("daily", ("sent", "empty")) == done
    assert sorted(a.title for a in store.digest_run_articles(run.id)) == [
        "Hungary calls for talks with Moscow", "Poland rejects any talks with Moscow"]

    # The next run starts where this one ended, by time and by article id.
    later = seed(store, [Story("Estonia expels two diplomats", {"EE": EE_HARD})], T0 + timedelta(hours=3))
    nxt = claim(store, "daily", T0 + timedelta(days=1)).run
    assert nxt is not None
    assert (nxt.window_start, nxt.from_article_id, nxt.to_article_id) == (T0, max(ids.values()),
                                                                          later["Estonia expels two diplomats"])
    empty = store.finish_digest_run(nxt.id, "empty", T0 + timedelta(days=1))
    assert empty.finished_at == T0 + timedelta(days=1)
    other = claim(store, "weekly", T0 + timedelta(days=2)).run
    assert other is not None
    assert [r.id for r in store.digest_runs()] == [other.id, empty.id, run.id]
    assert [r.id for r in store.digest_runs("daily", limit=1)] == [empty.id]
    assert store.last_digest_run("daily", ("sent",)) == done
    assert store.last_digest_run("nope") is None


def test_a_second_claim_is_busy_while_a_run_is_in_flight(store: Store) -> None:
    first = claim(store, "daily", T0).run
    assert first is not None
    second = claim(store, "daily", T0 + timedelta(seconds=5))
    assert second.run is None and second.holder is not None and second.holder.id == first.id
    assert claim(store, "weekly", T0).run is not None  # another digest is not held up
    store.finish_digest_run(first.id, "sent", T0 + timedelta(seconds=9), attempts=1)
    assert claim(store, "daily", T0 + timedelta(seconds=10)).run is not None


def test_a_cron_slot_covered_by_another_process_is_not_claimed_again(store: Store) -> None:
    first = claim(store, "daily", T0, scheduled_for=T0).run
    assert first is not None
    store.finish_digest_run(first.id, "sent", T0 + timedelta(seconds=3), attempts=1)
    again = claim(store, "daily", T0 + timedelta(seconds=20), scheduled_for=T0)
    assert again.run is None and again.done is not None and again.done.id == first.id
    failed = claim(store, "daily", T0 + timedelta(days=1), scheduled_for=T0 + timedelta(days=1)).run
    assert failed is not None
    store.finish_digest_run(failed.id, "failed", T0 + timedelta(days=1, seconds=3), attempts=3, error="refused")
    retry = claim(store, "daily", T0 + timedelta(days=1, minutes=5), scheduled_for=T0 + timedelta(days=1))
    assert retry.run is not None  # a failed slot may be retried


def test_pending_runs_whose_sender_is_gone_are_failed(store: Store) -> None:
    expired = claim(store, "daily", T0, ttl=timedelta(minutes=10)).run
    assert expired is not None
    # Before its expiry the run holds the window ...
    assert claim(store, "daily", T0 + timedelta(minutes=9)).holder is not None
    # ... after it, the next claim fails it and takes over.
    taken = claim(store, "daily", T0 + timedelta(minutes=11)).run
    assert taken is not None
    runs = {r.id: r for r in store.digest_runs("daily")}
    assert runs[expired.id].status == "failed" and "interrupted" in (runs[expired.id].error or "")

    # A run claimed by a process of this host that no longer exists is failed at once, expiry or not.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = claim(store, "weekly", T0, owner=f"{socket.gethostname()}:{gone.pid}", ttl=timedelta(days=1)).run
    live = claim(store, "monthly", T0, owner=f"{socket.gethostname()}:{os.getpid()}", ttl=timedelta(days=1)).run
    remote = claim(store, "yearly", T0, owner="another-host:1", ttl=timedelta(days=1)).run
    assert orphan is not None and live is not None and remote is not None
    assert store.expire_digest_runs(T0 + timedelta(minutes=1)) == 1
    statuses = {r.name: r.status for r in store.digest_runs()}
    assert (statuses["weekly"], statuses["monthly"], statuses["yearly"]) == ("failed", "pending", "pending")
    assert store.expire_digest_runs(T0 + timedelta(days=2)) == 3  # daily's taker, monthly, yearly: all expired


def test_a_first_digest_that_failed_is_retried_from_its_first_attempt(store: Store) -> None:
    first = claim(store, "daily", T0, first_start=T0 - timedelta(days=1)).run
    assert first is not None
    store.finish_digest_run(first.id, "failed", T0 + timedelta(minutes=1), attempts=3, error="refused")
    retry = claim(store, "daily", T0 + timedelta(hours=5), first_start=T0 + timedelta(hours=5) - timedelta(days=1)).run
    assert retry is not None and retry.window_start == T0 - timedelta(days=1)


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
    run = claim(store, "daily", T0).run
    assert run is not None
    store.record_digest_items(run.id, list(ids.values()), stories=1)
    with store.session() as s:
        s.execute(delete(Article.__table__))
    assert store.digest_run_articles(run.id) == []
    assert store.last_digest_run("daily") is not None
