"""Retention on SQLite and PostgreSQL: old articles go with their stances, kept ones keep theirs, digest items of
old runs go while the runs stay, old outbox digests go and nothing else in the folder does, and a large prune of
a SQLite file gives its space back."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from monitor.config import RetentionSettings, Settings, parse_settings
from monitor.retention import prune
from monitor.store import Store
from monitor.store.models import Article, DigestItemRow, StanceRow
from tests.support.cli import run_monitor, write_config
from tests.support.digests import EE_HARD, HU_PRO, PL_HARD, Story, seed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def settings(store: Store, outbox: Path, retention: RetentionSettings | None = None) -> Settings:
    return Settings(path=None, database_url=store.url, outbox=str(outbox),
                    retention=retention or RetentionSettings())


def count(store: Store, what: object) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(what)) or 0  # type: ignore[arg-type]


def test_old_articles_go_with_their_stances_and_kept_ones_keep_theirs(store: Store, tmp_path: Path) -> None:
    old = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
                       Story("Poland rejects any talks with Moscow", {"PL": PL_HARD})], NOW - timedelta(days=400))
    kept = seed(store, [Story("Estonia slams the overture", {"EE": EE_HARD})], NOW - timedelta(days=30))
    report = prune(settings(store, tmp_path / "outbox"), store, NOW, dry_run=True)
    assert report.articles == 2 and count(store, Article) == 3  # a dry run counts and deletes nothing

    report = prune(settings(store, tmp_path / "outbox"), store, NOW)
    assert report.articles == 2
    with store.session() as s:
        assert set(s.scalars(select(Article.id))) == set(kept.values())
        assert [(r.country, r.label) for r in s.scalars(select(StanceRow))] == [("EE", "hardline")]
    assert old  # (their ids are gone, stances included: the cascade)
    assert report.size_before is not None and report.size_after is not None


def test_the_newest_article_stays_however_old(store: Store, tmp_path: Path) -> None:
    ids = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
                       Story("Poland rejects any talks with Moscow", {"PL": PL_HARD})], NOW - timedelta(days=500))
    assert prune(settings(store, tmp_path), store, NOW).articles == 1
    with store.session() as s:
        assert list(s.scalars(select(Article.id))) == [max(ids.values())]


def test_digest_items_of_old_runs_go_and_the_runs_stay(store: Store, tmp_path: Path) -> None:
    ids = seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO})], NOW - timedelta(days=200))
    for when in (NOW - timedelta(days=120), NOW - timedelta(days=10)):
        run = store.claim_digest_run("daily", when, first_start=when - timedelta(days=1),
                                     expires_at=when + timedelta(hours=1), owner="test:1").run
        assert run is not None
        store.record_digest_items(run.id, list(ids.values()), 1)
        store.finish_digest_run(run.id, "sent", when)
    never = RetentionSettings(articles=None)
    assert prune(settings(store, tmp_path, never), store, NOW).digest_items == 1
    assert count(store, DigestItemRow) == 1 and len(store.digest_runs("daily")) == 2


def test_old_outbox_digests_go_and_other_files_stay(store: Store, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    names = {"daily-20261001T070000Z-3.eml": 60, "daily-20261001T070000Z-3.html": 60,
             "daily-20261125T070000Z-9.eml": 6, "notes.txt": 90, "daily-old.eml": 90}
    for name, days in names.items():
        path = outbox / name
        path.write_text("x" * 1000)
        stamp = (NOW - timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
    report = prune(settings(store, outbox), store, NOW)
    assert (report.outbox_files, report.outbox_bytes) == (2, 2000)
    assert sorted(p.name for p in outbox.iterdir()) == ["daily-20261125T070000Z-9.eml", "daily-old.eml",
                                                        "notes.txt"]


def test_a_large_prune_compacts_a_sqlite_file(tmp_path: Path) -> None:
    from monitor.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/big.db")
    try:
        seed(store, [Story(f"Story {i} about sanctions " + "padding " * 200, {"HU": HU_PRO}) for i in range(400)],
             NOW - timedelta(days=500))
        seed(store, [Story("A fresh story", {"EE": EE_HARD})], NOW)
        report = prune(settings(store, tmp_path), store, NOW)
        assert report.articles == 400 and report.compacted
        assert report.size_after is not None and report.size_before is not None
        assert report.size_after < report.size_before / 3, report
    finally:
        store.close()


def test_retention_settings_and_the_prune_command(tmp_path: Path) -> None:
    s = parse_settings("retention:\n  articles: 730d\n  digest_items: never\n  outbox: 7d\n", "x.yaml")
    assert s.retention == RetentionSettings(articles=2 * 365 * 86400.0, digest_items=None, outbox=7 * 86400.0)
    assert parse_settings("", "x.yaml").retention == RetentionSettings()
    config = write_config(tmp_path, f"""
        database: sqlite:///{tmp_path}/monitor.db
        retention:
          articles: soon
    """)
    bad = run_monitor("--config", str(config), "db", "prune")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (f"{config}:3: retention.articles: 'soon' is not a duration (use e.g. 90s, 15m, 1h "
                                  "or 1d); or never, to keep for ever")
    config.write_text(f"database: sqlite:///{tmp_path}/monitor.db\noutbox: {tmp_path}/out\n", encoding="utf-8")
    done = run_monitor("--config", str(config), "db", "prune", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("would delete 0 articles, 0 page texts, 0 digest items and 0 outbox files (0.0 MB); "
                                  "database ")
