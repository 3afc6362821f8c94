"""Scale-out on the real brokers and PostgreSQL of this machine: polls, pages and digests through Celery on Redis
and on RabbitMQ, workers killed with SIGKILL mid-poll and mid-digest, two schedulers of which one takes over, and
a broker that goes away and comes back. Nothing is mocked: ``monitor run`` and ``monitor worker`` are processes,
the feeds and the mail server are on loopback."""

from __future__ import annotations

import subprocess
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.store import open_store
from tests.support.cli import run_monitor
from tests.support.daemon import Daemon
from tests.support.digests import far_daily
from tests.support.feedserver import Feed, FeedServer, Item, Request, response, rss
from tests.support.mailserver import MailServer
from tests.support.net import free_port, http_get
from tests.support.netns import forward, public_host, serve_directory
from tests.support.queue import RedisServer, Worker, rabbitmq_broker, redis_broker

NOW = time.time()


def config(folder: Path, db_url: str, broker: str, feeds: list[tuple[str, str]], extra: str = "",
           fulltext: tuple[str, ...] = ()) -> Path:
    """A config with a queue; the feeds in ``fulltext`` fetch their stories' pages (the others link to invented
    hosts)."""
    path = folder / "monitor.yaml"
    lines = [f"database: {db_url}", "queue:", f"  broker: {broker}", "  requeue_after: 1h", "defaults:",
             "  interval: 1h", "  fulltext: never", "http:", "  timeout: 10s", "log:", "  format: json",
             f"outbox: {folder}/outbox", "feeds:"]
    for name, url in feeds:
        lines += [f"  - name: {name}", f"    url: {url}"] + (["    fulltext: auto"] if name in fulltext else [])
    path.write_text("\n".join(lines) + "\n" + textwrap.dedent(extra), encoding="utf-8")
    return path


def stories(prefix: str, n: int = 3) -> bytes:
    return rss([Item(f"{prefix}: Hungary calls for talks with Moscow, part {i}", f"https://{prefix.lower()}.example/{i}",
                     f"{prefix}-{i}", "Hungary's foreign minister called for talks with Moscow.",
                     published=NOW - 600) for i in range(n)])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout}s")


def polled(db_url: str) -> dict[str, str | None]:
    store = open_store(db_url, upgrade=False)
    try:
        return {name: st.polled_by for name, st in store.feed_states().items() if st.last_polled_at is not None}
    finally:
        store.close()


def article_titles(db_url: str) -> list[str]:
    store = open_store(db_url, upgrade=False)
    try:
        return sorted(a.title for a in store.articles())
    finally:
        store.close()


@pytest.fixture
def db(pg_database: tuple[str, str]) -> Iterator[str]:
    url = pg_database[1]
    store = open_store(url)
    store.close()
    yield url


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> Iterator[str]:
    with (redis_broker() if request.param == "redis" else rabbitmq_broker()) as url:
        yield url


def test_polls_pages_and_digests_run_on_workers(tmp_path: Path, feed_server: FeedServer, db: str, broker: str,
                                                daemons: list[Daemon], workers: list[Worker]) -> None:
    from tests.test_pages import VISIT
    from tests.test_pages import article as page_html

    article = page_html("Orbán travels to Moscow", VISIT)
    page = feed_server.route("/news/orban", lambda req, conn: response(conn, 200, article,
                                                                        {"Content-Type": "text/html"}))
    feed_server.route("/robots.txt", lambda req, conn: response(conn, 404, b""))
    teaser = feed_server.route("/teasers", Feed(rss([Item("Orbán travels to Moscow", page, "t1", "",
                                                          published=NOW - 600)])))
    feeds = [(f"Feed {i}", feed_server.route(f"/f{i}", Feed(stories(f"F{i}")))) for i in range(4)]
    cfg = config(tmp_path, db, broker, [*feeds, ("Teasers", teaser)], f"""
        digests:
          - name: daily
            schedule: "{far_daily()}"
            recipients: [a@example.org]
    """, fulltext=("Teasers",))
    workers.append(Worker(cfg, tmp_path / "worker.log", concurrency=2))
    port = free_port()
    daemons.append(Daemon(cfg, tmp_path / "run.log", ("--http", f"127.0.0.1:{port}")))
    wait_until(lambda: len(polled(db)) == 5, 60, "every feed polled by a worker")
    assert len(article_titles(db)) == 13 and all(by and ":" in by for by in polled(db).values())

    store = open_store(db, upgrade=False)
    try:
        wait_until(lambda: not store.pending_pages() and store.page_counts(), 60, "the page fetched by a worker")
        (counts,) = store.page_counts().values()
        assert counts == {"ok": 1}
    finally:
        store.close()

    table = run_monitor("--config", str(cfg), "feeds")
    assert "POLLED BY" in table.stdout

    # A digest through the queue, as the scheduler sends it at its cron slot: mailed to the outbox once.
    from monitor.config import load_settings
    from monitor.queue.scheduler import QueueScheduler

    settings = load_settings(cfg)
    sched = QueueScheduler(settings, open_store(db, upgrade=False))
    slot = datetime.now(UTC).replace(second=0, microsecond=0)
    sched.enqueue_digest("daily", slot, datetime.now(UTC))
    sched.enqueue_digest("daily", slot, datetime.now(UTC))  # seen twice: still one email
    wait_until(lambda: len(list((tmp_path / "outbox").glob("*.eml"))) >= 1, 60, "the digest in the outbox")
    time.sleep(3)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1

    code, text = http_get(f"http://127.0.0.1:{port}/metrics")
    assert code == 200 and 'monitor_tasks_enqueued_total{task="poll_feed"} 5.0' in text
    assert "monitor_leader 1.0" in text and 'monitor_queue_depth{queue="feeds"}' in text


def _hanging_once(body: bytes, seconds: float) -> Callable[[Request, object], None]:
    """A feed whose first response hangs ``seconds`` (long enough to kill the worker polling it), then answers."""
    calls = {"n": 0}

    def handler(req: Request, conn: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(seconds)
        response(conn, 200, body, {"Content-Type": "application/rss+xml"})  # type: ignore[arg-type]

    return handler


def test_a_worker_killed_mid_poll_loses_nothing(tmp_path: Path, feed_server: FeedServer, db: str,
                                                daemons: list[Daemon], workers: list[Worker]) -> None:
    with rabbitmq_broker() as broker:
        url = feed_server.route("/slow", _hanging_once(stories("Slow"), 8))
        cfg = config(tmp_path, db, broker, [("Slow", url)])
        first = Worker(cfg, tmp_path / "w1.log", concurrency=1)
        workers.append(first)
        daemons.append(Daemon(cfg, tmp_path / "run.log"))
        wait_until(lambda: len(feed_server.hits("/slow")) == 1, 30, "the first worker fetching the feed")
        first.kill()  # SIGKILL, mid-request: the task was never acknowledged
        workers.append(Worker(cfg, tmp_path / "w2.log", concurrency=1))
        wait_until(lambda: "Slow" in polled(db), 60, "another worker polling the feed")
        assert article_titles(db) == sorted(f"Slow: Hungary calls for talks with Moscow, part {i}" for i in range(3))


def test_a_worker_process_killed_mid_digest_sends_it_once(tmp_path: Path, feed_server: FeedServer, db: str,
                                                          workers: list[Worker]) -> None:
    from monitor.config import load_settings
    from monitor.queue.scheduler import QueueScheduler
    from tests.support.digests import HU_PRO, Story, seed

    mail = MailServer()
    mail.inbox.stall_first = 30  # the first delivery hangs: its sender is killed meanwhile
    try:
        with redis_broker() as broker:
            cfg = config(tmp_path, db, broker, [("F", feed_server.route("/f", Feed(stories("F"))))], f"""
                smtp:
                  host: 127.0.0.1
                  port: {mail.port}
                  starttls: false
                  sender: monitor@example.org
                  attempts: 1
                  timeout: 60s
                digests:
                  - name: daily
                    schedule: "{far_daily()}"
                    recipients: [a@example.org]
            """)
            store = open_store(db, upgrade=False)
            seed(store, [Story("Hungary calls for talks with Moscow", {"HU": HU_PRO})], datetime.now(UTC))
            worker = Worker(cfg, tmp_path / "w.log", concurrency=1)
            workers.append(worker)
            sched = QueueScheduler(load_settings(cfg), store)
            sched.enqueue_digest("daily", datetime.now(UTC).replace(second=0, microsecond=0), datetime.now(UTC))
            wait_until(lambda: mail.inbox.attempts >= 1, 60, "the worker reaching the mail server")
            (child,) = worker.children()
            subprocess.run(["kill", "-9", str(child)], check=True)  # the process sending it; its worker lives
            wait_until(lambda: len(mail.messages) == 1, 90, "the digest delivered after the kill")
            time.sleep(3)
            assert len(mail.messages) == 1
            runs = store.digest_runs("daily")
            assert sorted(r.status for r in runs) == ["failed", "sent"]  # the killed claim, and the one that sent
            store.close()
    finally:
        mail.stop()


def test_a_standby_scheduler_takes_over_within_30_seconds(tmp_path: Path, feed_server: FeedServer, db: str,
                                                           daemons: list[Daemon], workers: list[Worker]) -> None:
    with redis_broker() as broker:
        feeds = [(f"Feed {i}", feed_server.route(f"/f{i}", Feed(stories(f"F{i}")))) for i in range(3)]
        cfg = config(tmp_path, db, broker, feeds)
        workers.append(Worker(cfg, tmp_path / "w.log", concurrency=2))
        port = free_port()
        leader = Daemon(cfg, tmp_path / "a.log")
        daemons.append(leader)
        standby = Daemon(cfg, tmp_path / "b.log", ("--http", f"127.0.0.1:{port}"), ready="scheduler.standby")
        daemons.append(standby)
        assert http_get(f"http://127.0.0.1:{port}/healthz") == (200, "standby (another scheduler leads)\n")
        wait_until(lambda: len(polled(db)) == 3, 60, "the leader's feeds polled")
        leader.proc.kill()  # no goodbye: its connection, and with it the lock, just goes
        killed = time.monotonic()
        standby.wait_for("scheduler.leading", 30)
        assert time.monotonic() - killed < 30
        standby.wait_for("daemon.started", 10)
        assert http_get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        time.sleep(6)  # a few ticks: nothing is due again (interval 1h), so nothing is polled twice
        assert all(len(feed_server.hits(f"/f{i}")) == 1 for i in range(3))


def test_a_broker_that_goes_away_and_comes_back(tmp_path: Path, feed_server: FeedServer, db: str,
                                                daemons: list[Daemon], workers: list[Worker]) -> None:
    redis = RedisServer()
    try:
        feeds = [(f"Feed {i}", feed_server.route(f"/f{i}", Feed(stories(f"F{i}"), etag=None))) for i in range(2)]
        cfg = config(tmp_path, db, redis.url, feeds)
        cfg.write_text(cfg.read_text().replace("  interval: 1h", "  interval: 3s"), encoding="utf-8")
        workers.append(Worker(cfg, tmp_path / "w.log", concurrency=1))
        port = free_port()
        daemon = Daemon(cfg, tmp_path / "run.log", ("--http", f"127.0.0.1:{port}"))
        daemons.append(daemon)
        wait_until(lambda: len(polled(db)) == 2, 60, "both feeds polled")
        redis.stop()
        daemon.wait_for("queue.unavailable", 30)
        code, reason = http_get(f"http://127.0.0.1:{port}/healthz")
        assert code == 503 and reason.startswith("broker unavailable")
        before = len(feed_server.hits("/f0"))
        redis.start()  # the same port, empty: whatever was queued is gone with it
        daemon.wait_for("queue.available", 30)
        wait_until(lambda: len(feed_server.hits("/f0")) > before, 60, "polls again after the broker came back")
        assert http_get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
    finally:
        redis.stop()


def test_a_queue_needs_postgresql_and_workers_need_a_queue(tmp_path: Path) -> None:
    path = tmp_path / "monitor.yaml"
    path.write_text("database: sqlite:///x.db\nqueue:\n  broker: redis://127.0.0.1:6379/0\n", encoding="utf-8")
    done = run_monitor("--config", str(path), "check")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"{path}:2: queue: needs PostgreSQL as the database (workers on other processes or "
                                   "machines share it); set database: postgresql://… or remove the queue section")
    path.write_text("database: sqlite:///x.db\nfeeds:\n  - name: A\n    url: http://a.example/\n", encoding="utf-8")
    done = run_monitor("--config", str(path), "worker")
    assert done.returncode == 2 and "no queue section" in done.stderr and "Traceback" not in done.stderr
    path.write_text("database: postgresql://u:hunter2pw@db.example/m\nqueue:\n  broker: kafka://x\n", encoding="utf-8")
    done = run_monitor("--config", str(path), "check")
    assert done.returncode == 2 and "is not a Redis or RabbitMQ URL" in done.stderr



def test_a_threads_pool_worker_polls_many_slow_feeds_at_once(tmp_path: Path, feed_server: FeedServer, db: str,
                                                              daemons: list[Daemon], workers: list[Worker]) -> None:
    """--pool threads: one process waits on many slow publishers at the same time (each thread its own runtime)."""
    lock = threading.Lock()
    in_flight = [0]
    most = [0]

    def slow(body: bytes) -> Callable[[Request, object], None]:
        def handler(req: Request, conn: object) -> None:
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(2)
            with lock:
                in_flight[0] -= 1
            response(conn, 200, body, {"Content-Type": "application/rss+xml"})  # type: ignore[arg-type]
        return handler

    with redis_broker() as broker:
        feeds = [(f"Slow {i}", feed_server.route(f"/s{i}", slow(stories(f"S{i}")))) for i in range(6)]
        cfg = config(tmp_path, db, broker, feeds)
        workers.append(Worker(cfg, tmp_path / "w.log", concurrency=6, args=("--pool", "threads")))
        daemons.append(Daemon(cfg, tmp_path / "run.log"))
        wait_until(lambda: len(polled(db)) == 6, 60, "six slow feeds polled")
        # Side by side, not one after the other: measured at the publisher, so a slow start of the daemon or the
        # worker on a busy machine cannot decide it (a prefork pool of one, or a serial poller, never exceeds 1).
        assert most[0] >= 4, f"at most {most[0]} slow requests were in flight at once"
        assert len({by.rsplit(":", 1)[1] for by in polled(db).values() if by}) == 1  # one process did them all


def test_a_worker_on_another_host_polls_over_a_real_interface(tmp_path: Path, db: str, daemons: list[Daemon],
                                                              workers: list[Worker]) -> None:
    """The two-machine layout: the scheduler, PostgreSQL, Redis and the publisher on this machine; the worker in a
    network namespace of its own (another host as far as TCP goes), reaching all of them over a veth link and
    through nothing else."""
    site = tmp_path / "site"
    site.mkdir()
    for i in range(3):
        (site / f"far{i}.xml").write_bytes(stories(f"Far{i}"))
    with public_host() as host, serve_directory(host, site, free_port(), on_peer=True) as publisher:
        redis = RedisServer(bind=host.peer)
        pg_port = free_port()
        try:
            with forward((host.peer, pg_port), ("127.0.0.1", 5432)):
                feeds = [(f"Far {i}", f"{publisher}/far{i}.xml") for i in range(3)]
                (tmp_path / "scheduler").mkdir()
                (tmp_path / "worker").mkdir()
                here = config(tmp_path / "scheduler", db, redis.url, feeds)
                there = config(tmp_path / "worker", db.replace("@127.0.0.1:5432/", f"@{host.peer}:{pg_port}/"),
                               redis.url, feeds)
                assert there.read_text() != here.read_text()
                workers.append(Worker(there, tmp_path / "w.log", concurrency=2,
                                      prefix=("ip", "netns", "exec", host.namespace)))
                daemons.append(Daemon(here, tmp_path / "run.log"))
                wait_until(lambda: len(polled(db)) == 3, 60, "three feeds polled by the worker on the other host")
                assert len(article_titles(db)) == 9
                for by in polled(db).values():
                    pid = (by or ":").rsplit(":", 1)[1]
                    where = subprocess.run(["ip", "netns", "identify", pid], capture_output=True, text=True)
                    assert where.stdout.strip() == host.namespace, f"polled by {by}, not in {host.namespace}"
                # Stopped here, while the broker, the relay and the link they use still exist.
                for proc in workers + daemons:
                    proc.stop()
                workers.clear()
                daemons.clear()
        finally:
            redis.stop()
