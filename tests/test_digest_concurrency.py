"""Digests under concurrency, on SQLite and PostgreSQL: polls storing stories while digests are read and sent,
several senders of one digest at once (threads, and `monitor digest send` processes), so that every relevant
story reaches exactly one delivered digest of each name and no window is mailed twice."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.config import FeedConfig, HttpSettings, Settings, parse_settings
from monitor.digest.run import Outcome, send
from monitor.pipeline import Pipeline
from monitor.store import Store
from monitor.store.models import DigestItemRow, DigestRunRow, JudgementRow
from tests.support.cli import clean_env, write_config
from tests.support.digests import HU_PRO, PL_HARD, Story, far_daily, seed
from tests.support.feedserver import FeedServer, Item, Request, response, rss
from tests.support.mailserver import MailServer

WORDS = ["amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kelp",
         "lagoon", "marble", "nectar", "onyx", "pebble", "quartz", "reed", "saffron", "tundra", "umber", "velvet",
         "willow", "xenon", "yarrow", "zephyr"]
STATES = [("Hungary", "calls for talks with Moscow"), ("Poland", "rejects any talks with Moscow"),
          ("Slovakia", "urges an EU envoy to the Kremlin"), ("Estonia", "demands tougher sanctions on Russia")]


class GrowingFeed:
    """A feed that has three more stories each time it is fetched (no validators: every poll parses and stores)."""

    def __init__(self, name: str, rng: random.Random):
        self.name = name
        self.items: list[Item] = []
        self.rng = rng
        self.lock = threading.Lock()

    def __call__(self, req: Request, conn: object) -> None:
        with self.lock:
            for _ in range(3):
                n = len(self.items)
                state, act = STATES[n % len(STATES)]
                # Words of their own keep titles from reading as copies of one another (the digest groups copies).
                tag = " ".join(self.rng.sample(WORDS, 4))
                self.items.append(Item(f"{state} {act} ({self.name} {n} {tag})",
                                       f"https://{self.name.lower()}.example/{n}", f"{self.name}-{n}",
                                       f"{state}'s government {act}, its foreign minister said on {tag}.",
                                       published=time.time() - 600))
            body = rss(self.items[-40:])
        response(conn, 200, body, {"Content-Type": "application/rss+xml"})  # type: ignore[arg-type]


def digest_settings(db_url: str, outbox: Path, feeds: list[FeedConfig]) -> Settings:
    text = (f"database: {db_url}\noutbox: {outbox}\ndigests:\n"
            "  - name: morning\n    schedule: '0 7 * * *'\n    recipients: [a@example.org]\n"
            "  - name: desk\n    schedule: '0 8 * * *'\n    recipients: [b@example.org]\n")
    base = parse_settings(text, "<test>")
    return Settings(path=None, database_url=db_url, outbox=str(outbox), digests=base.digests, feeds=tuple(feeds),
                    http=HttpSettings(timeout=5.0, connect_timeout=2.0))


def test_every_relevant_story_reaches_exactly_one_digest_of_each_name(store: Store, feed_server: FeedServer,
                                                                       tmp_path: Path) -> None:
    rng = random.Random(7)
    feeds = [FeedConfig(name=f"Outlet{i}", url=feed_server.route(f"/f{i}", GrowingFeed(f"Outlet{i}", rng)),
                        interval=60.0) for i in range(8)]
    settings = digest_settings(store.url, tmp_path / "outbox", feeds)
    store.sync_feeds(feeds, datetime.now(UTC))
    polling = threading.Event()
    polling.set()
    errors: list[BaseException] = []
    outcomes: list[Outcome] = []

    def poller() -> None:
        async def go() -> None:
            async with Pipeline(settings, store, workers=0) as pipeline:
                for _ in range(12):
                    await pipeline.poll_many(feeds)
        try:
            asyncio.run(go())
        except BaseException as exc:
            errors.append(exc)
        finally:
            polling.clear()

    def sender(name: str, seed_: int) -> None:
        pace = random.Random(seed_)
        try:
            while polling.is_set():
                outcomes.append(send(settings, store, settings.digest(name)))
                time.sleep(pace.uniform(0.0, 0.05))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=poller)]
    threads += [threading.Thread(target=sender, args=(name, i)) for i, name in enumerate(["morning", "morning",
                                                                                           "desk", "desk"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    for name in ("morning", "desk"):  # what arrived after the last send of the race
        outcomes.append(send(settings, store, settings.digest(name)))

    statuses = Counter(o.status for o in outcomes)
    assert statuses["sent"] >= 4 and statuses["failed"] == 0, statuses
    with store.session() as s:
        relevant = set(s.scalars(select(JudgementRow.article_id).where(JudgementRow.relevant.is_(True))))
        delivered = s.execute(select(DigestRunRow.name, DigestItemRow.article_id)
                              .join(DigestItemRow, DigestItemRow.run_id == DigestRunRow.id)
                              .where(DigestRunRow.status == "sent")).all()
    assert len(relevant) > 100
    for name in ("morning", "desk"):
        times = Counter(aid for n, aid in delivered if n == name)
        assert set(times) == relevant, f"{name}: {len(relevant - set(times))} relevant stories reached no digest"
        assert max(times.values()) == 1, f"{name}: a story reached two digests"


def test_concurrent_senders_in_one_process_send_one_message(store: Store, tmp_path: Path) -> None:
    seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO}),
                 Story("Poland rejects any talks with Moscow", {"PL": PL_HARD})], datetime.now(UTC))
    settings = digest_settings(store.url, tmp_path / "outbox", [])
    start = threading.Barrier(6)
    outcomes: list[Outcome] = []

    def sender() -> None:
        start.wait()
        outcomes.append(send(settings, store, settings.digest("morning")))

    threads = [threading.Thread(target=sender) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = Counter(o.status for o in outcomes)
    assert statuses["sent"] == 1 and statuses["failed"] == 0 and sum(statuses.values()) == 6, statuses
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_two_digest_send_commands_at_once_mail_once(db_url: str, tmp_path: Path) -> None:
    from monitor.store import open_store

    store = open_store(db_url)
    try:
        seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO})], datetime.now(UTC))
    finally:
        store.close()
    server = MailServer()
    try:
        config = write_config(tmp_path, f"""
            database: {db_url}
            smtp:
              host: 127.0.0.1
              port: {server.port}
              starttls: false
              sender: monitor@example.org
              attempts: 1
            digests:
              - name: daily
                schedule: "{far_daily()}"
                recipients: [analyst@example.org]
        """)
        procs = [subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "digest", "send",
                                   "daily"], env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        results = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), results
        time.sleep(0.5)
        assert len(server.messages) == 1, [r[0] for r in results]
        said = " ".join(out for out, _ in results)
        assert said.count("sent 1 stories") == 1, said
    finally:
        server.stop()


def test_a_run_interrupted_by_a_crash_does_not_hold_the_window(store: Store, tmp_path: Path) -> None:
    """A sender killed mid-run leaves a pending claim; on its own host the next sender sees the process is gone."""
    seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO})], datetime.now(UTC) - timedelta(hours=1))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket

        now = datetime.now(UTC)
        claim = store.claim_digest_run("morning", now, first_start=now - timedelta(days=1),
                                       expires_at=now + timedelta(hours=1), owner=f"{socket.gethostname()}:{child.pid}")
        assert claim.run is not None
        settings = digest_settings(store.url, tmp_path / "outbox", [])
        assert send(settings, store, settings.digest("morning")).status == "busy"  # its process still runs
    finally:
        child.kill()
        child.wait()
    outcome = send(settings, store, settings.digest("morning"))
    assert outcome.status == "sent", outcome.message
    runs = {r.id: r.status for r in store.digest_runs("morning")}
    assert runs[claim.run.id] == "failed"
