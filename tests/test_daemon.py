"""``monitor run`` as a real process against loopback feeds on short intervals: cadence, isolation of failures,
SIGHUP reloads and a clean SIGTERM."""

from __future__ import annotations

import itertools
import signal
import time
from pathlib import Path

import pytest

from monitor.store import open_store
from tests.conftest import PG_ADMIN_URL, _pg_connect
from tests.support.daemon import Daemon
from tests.support.feedserver import Feed, FeedServer, Item, rss, status
from tests.support.net import http_get

INTERVAL = 2.0


def write_config(path: Path, db: Path | str, feeds: list[tuple[str, str]], extra: str = "",
                 interval: str = "2s") -> None:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    lines = [f"database: {url}", "defaults:", f"  interval: {interval}", "http:", "  timeout: 2s",
             "  connect_timeout: 1s", "log:", "  format: json", "feeds:"]
    for name, url in feeds:
        lines += [f"  - name: {name}", f"    url: {url}"]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")


def wait_until(condition, timeout: float, daemon: Daemon) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert daemon.proc.poll() is None, f"daemon exited early:\n{daemon.log.read_text()}"
        assert time.monotonic() < deadline, f"condition not met within {timeout}s:\n{daemon.log.read_text()}"
        time.sleep(0.05)


def hit_times(server: FeedServer, path: str) -> list[float]:
    return [r.at for r in server.hits(path)]


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def items(prefix: str) -> bytes:
    now = time.time()
    return rss([Item(f"{prefix} story {i}", f"https://{prefix.lower()}.example/{i}", f"{prefix}-{i}",
                     published=now - 600 * i) for i in range(2)])


def test_feeds_polled_at_their_interval_and_failures_stay_isolated(tmp_path: Path, feed_server: FeedServer,
                                                                   daemons: list[Daemon]) -> None:
    config, db = tmp_path / "monitor.yaml", tmp_path / "monitor.db"
    write_config(config, db, [("Alpha", feed_server.route("/alpha", Feed(items("Alpha")))),
                              ("Beta", feed_server.route("/beta", Feed(items("Beta"), honour_conditional=False))),
                              ("Broken", feed_server.route("/broken", status(500)))])
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    # first polls within the start-up spread (at most one interval), then one per interval
    wait_until(lambda: min(len(feed_server.hits("/alpha")), len(feed_server.hits("/beta"))) >= 3
               and len(feed_server.hits("/broken")) >= 2, 4 * INTERVAL + 1, daemon)
    assert daemon.proc.poll() is None

    for path in ("/alpha", "/beta"):
        times = hit_times(feed_server, path)
        assert 3 <= len(times) <= 4, (path, gaps(times))
        assert all(INTERVAL * 0.8 <= g <= INTERVAL * 1.6 for g in gaps(times)), (path, gaps(times))
    # the failing feed backs off (2 s, 4 s, ...) but is still polled, and the others went on regardless
    broken = hit_times(feed_server, "/broken")
    assert 2 <= len(broken) <= 3, gaps(broken)
    assert INTERVAL * 0.8 <= gaps(broken)[0] <= INTERVAL * 1.6
    if len(broken) >= 3:
        assert 2 * INTERVAL * 0.9 <= gaps(broken)[1] <= 2 * INTERVAL * 1.4
    # the second and later polls of a feed are conditional
    assert feed_server.hits("/alpha")[1].headers["if-none-match"] == '"v1"'

    events = daemon.events()
    failed = [e for e in events if e.get("event") == "feed.failed"]
    assert failed and all(e["feed"] == "Broken" and e["error"] == "HTTP 500 Internal Server Error" for e in failed)
    assert {e["status"] for e in events if e.get("event") == "feed.polled" and e["feed"] == "Alpha"} == {
        "ok", "not_modified"}
    assert {e["status"] for e in events if e.get("event") == "feed.polled" and e["feed"] == "Beta"} == {
        "ok", "unchanged"}

    code, took = daemon.stop()
    assert code == 0
    assert took < 5.0
    assert "Traceback" not in daemon.log.read_text()
    assert daemon.events()[-1]["event"] == "daemon.stopped"

    store = open_store(f"sqlite:///{db}")
    try:
        assert sorted(a.title for a in store.articles()) == ["Alpha story 0", "Alpha story 1", "Beta story 0",
                                                             "Beta story 1"]
        states = store.feed_states()
        assert states["Broken"].consecutive_failures == len(broken)
        assert states["Broken"].last_error == "HTTP 500 Internal Server Error"
        assert states["Alpha"].last_status in ("ok", "not_modified")
        assert states["Alpha"].consecutive_failures == 0
        assert states["Alpha"].next_poll_at is not None  # the plan is stored: a restart resumes it
    finally:
        store.close()


def test_sighup_reloads_a_valid_config_and_keeps_the_old_one_otherwise(tmp_path: Path, feed_server: FeedServer,
                                                                      daemons: list[Daemon]) -> None:
    config, db = tmp_path / "monitor.yaml", tmp_path / "monitor.db"
    alpha = feed_server.route("/alpha", Feed(items("Alpha")))
    gamma = feed_server.route("/gamma", Feed(items("Gamma")))
    write_config(config, db, [("Alpha", alpha)])
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    deadline = time.monotonic() + 5
    while not feed_server.hits("/alpha") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert feed_server.hits("/alpha")

    # an invalid config: logged, the running one is kept
    write_config(config, db, [("Alpha", alpha), ("Gamma", gamma)], extra="    intervl: 5s\n")
    mark = len(daemon.events())
    daemon.proc.send_signal(signal.SIGHUP)
    failed = daemon.wait_for("config.reload_failed", timeout=5, after=mark)
    assert failed["level"] == "error"
    assert failed["error"] == f"{config}:14: feeds[1].intervl: unknown key (did you mean 'interval'?)"
    assert failed["kept"] == "previous configuration"
    before = len(feed_server.hits("/alpha"))
    wait_until(lambda: len(feed_server.hits("/alpha")) >= before + 1, 2 * INTERVAL + 1, daemon)  # still polling
    assert feed_server.hits("/gamma") == []

    # a valid changed config: the new feed is scheduled and polled, the old one keeps its cadence
    write_config(config, db, [("Alpha", alpha), ("Gamma", gamma)])
    mark = len(daemon.events())
    daemon.proc.send_signal(signal.SIGHUP)
    reloaded = daemon.wait_for("config.reloaded", timeout=5, after=mark)
    assert (reloaded["feeds"], reloaded["changed"], reloaded["removed"]) == (2, 1, 0)
    wait_until(lambda: len(feed_server.hits("/gamma")) >= 2, 3 * INTERVAL + 1, daemon)
    gamma_hits = hit_times(feed_server, "/gamma")
    assert all(INTERVAL * 0.8 <= g <= INTERVAL * 1.6 for g in gaps(gamma_hits))
    alpha_hits = hit_times(feed_server, "/alpha")
    assert all(INTERVAL * 0.8 <= g <= INTERVAL * 1.6 for g in gaps(alpha_hits)), gaps(alpha_hits)

    code, took = daemon.stop()
    assert code == 0
    assert took < 5.0
    store = open_store(f"sqlite:///{db}")
    try:
        assert {a.title: a.feeds for a in store.articles()} == {
            "Alpha story 0": ("Alpha",), "Alpha story 1": ("Alpha",),
            "Gamma story 0": ("Gamma",), "Gamma story 1": ("Gamma",)}
    finally:
        store.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_during_a_slow_poll_finishes_the_write(tmp_path: Path, feed_server: FeedServer,
                                                        daemons: list[Daemon], sig: signal.Signals) -> None:
    config, db = tmp_path / "monitor.yaml", tmp_path / "monitor.db"
    body = items("Slow")

    def slow_feed(req, conn) -> None:
        time.sleep(1.0)
        Feed(body)(req, conn)

    write_config(config, db, [("Slow", feed_server.route("/slow", slow_feed))])
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    deadline = time.monotonic() + 5
    while not feed_server.hits("/slow") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert feed_server.hits("/slow")
    code, took = daemon.stop(sig)  # while the response is still on its way
    assert code == 0
    assert took < 5.0
    events = [e["event"] for e in daemon.events()]
    assert events.index("daemon.stopping") < events.index("feed.polled") < events.index("daemon.stopped")
    assert "Traceback" not in daemon.log.read_text()
    store = open_store(f"sqlite:///{db}")
    try:
        assert sorted(a.title for a in store.articles()) == ["Slow story 0", "Slow story 1"]
        assert store.feed_state("Slow").last_status == "ok"  # type: ignore[union-attr]
    finally:
        store.close()


def metric(text: str, name: str) -> float:
    """The value of one sample line, e.g. ``monitor_polls_total{outcome="ok"}``; 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_health_and_metrics_follow_polls_and_the_database(tmp_path: Path, feed_server: FeedServer,
                                                          daemons: list[Daemon],
                                                          pg_database: tuple[str, str]) -> None:
    name, url = pg_database
    now = time.time()
    body = rss([Item("Hungary blocks EU sanctions on Russia", "https://news.example/hu", "hu-1",
                     description="Hungary blocked new EU sanctions against Russia. Poland demanded more "
                                 "pressure on Moscow and said now is not the time for talks with Putin.",
                     published=now - 600),
                Item("Rail strike in Belgium", "https://news.example/be", "be-1",
                     description="A rail strike disrupted travel across Belgium.", published=now - 900)])
    write_config(tmp_path / "monitor.yaml", url,  # 3 s: the first polls come within the interval
                 [("News", feed_server.route("/news", Feed(body))),
                  ("Broken", feed_server.route("/broken", status(500)))], interval="3s")
    daemon = Daemon(tmp_path / "monitor.yaml", tmp_path / "daemon.log", ("--http", "127.0.0.1:0"))
    daemons.append(daemon)
    port = daemon.wait_for("http.listening", timeout=10)["port"]
    base = f"http://127.0.0.1:{port}"
    # both feeds' first polls, not any two events: the broken feed's retry (3 s later) can come before the good
    # feed's first poll, whose start is spread over the interval and whose worker is still starting
    wait_until(lambda: {(e.get("event"), e.get("feed")) for e in daemon.events()}
               >= {("feed.polled", "News"), ("feed.failed", "Broken")}, 15, daemon)

    code, text = http_get(base + "/healthz")
    assert (code, text) == (200, "ok\n")
    code, text = http_get(base + "/metrics")
    assert code == 200
    assert "# TYPE monitor_polls_total counter" in text
    assert metric(text, 'monitor_polls_total{outcome="ok"}') >= 1
    assert metric(text, 'monitor_polls_total{outcome="error"}') >= 1
    assert metric(text, 'monitor_poll_failures_total{kind="http"}') >= 1
    assert metric(text, "monitor_articles_stored_total") == 2
    assert metric(text, "monitor_stances_stored_total") >= 2  # Hungary and Poland
    assert abs(metric(text, "monitor_last_successful_poll_timestamp_seconds") - time.time()) < 60
    assert metric(text, 'monitor_feeds{state="failing"}') == 1
    assert metric(text, "monitor_up") == 1

    # The database goes away: no new connections, the daemon's own ones cut.
    with _pg_connect(PG_ADMIN_URL) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    code, text = http_get(base + "/healthz")
    assert (code, text) == (503, "database unavailable\n")
    assert metric(http_get(base + "/metrics")[1], "monitor_up") == 0
    assert daemon.proc.poll() is None

    with _pg_connect(PG_ADMIN_URL) as conn:  # and comes back
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    wait_until(lambda: http_get(base + "/healthz")[0] == 200, 15, daemon)

    code, _took = daemon.stop()
    assert code == 0
    log = daemon.log.read_text()
    assert "Traceback" not in log


def test_each_cycle_is_summarised_and_a_dead_network_is_named_once(tmp_path: Path, feed_server: FeedServer,
                                                                   daemons: list[Daemon]) -> None:
    """The log says what each round of polls achieved; when every feed fails for the network's reasons, one
    line says so and what works offline, instead of only a warning per feed and then silence."""
    config, db = tmp_path / "monitor.yaml", tmp_path / "monitor.db"
    write_config(config, db, [("Alpha", feed_server.route("/alpha", Feed(items("Alpha")))),
                              ("Broken", feed_server.route("/broken", status(500)))], interval="1h")
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    started = daemon.events("daemon.started")[0]
    assert started["database"] == f"sqlite:///{db}" and started["outbox"] == f"{tmp_path}/data/outbox"
    assert started["config"] == str(config)
    cycle = daemon.wait_for("poll.cycle", timeout=40)
    assert {k: cycle[k] for k in ("feeds", "polls", "ok", "not_modified", "failed", "new", "stances", "enabled")} == {
        "feeds": 2, "polls": 2, "ok": 1, "not_modified": 0, "failed": 1, "new": 2, "stances": 0, "enabled": 2}
    assert daemon.events("poll.offline") == []  # one feed failing is a publisher's problem
    assert daemon.stop()[0] == 0

    offline = tmp_path / "offline.yaml"
    write_config(offline, tmp_path / "offline.db", [("One", "http://one.invalid/rss"),
                                                    ("Two", "http://two.invalid/rss"),
                                                    ("Three", "http://three.invalid/rss")], interval="1h")
    down = Daemon(offline, tmp_path / "offline.log")
    daemons.append(down)
    line = down.wait_for("poll.offline", timeout=40)
    assert line["level"] == "warning" and line["feeds"] == 3
    assert line["detail"] == f"every feed failed (3): {line['cause']}; is this machine offline? `monitor demo` " \
                             "shows the whole pipeline without a network"
    assert line["cause"] in ("host not found", "name lookup failed (DNS)")
    assert line["detail"].endswith("is this machine offline? `monitor demo` shows the whole pipeline without a "
                                    "network")
    cycles = down.events("poll.cycle")
    assert len(cycles) == 1 and (cycles[0]["failed"], cycles[0]["ok"]) == (3, 0)
    assert down.stop()[0] == 0


def test_a_daemon_with_digests_but_no_feeds_starts_and_says_it_polls_nothing(tmp_path: Path,
                                                                            daemons: list[Daemon]) -> None:
    config = tmp_path / "monitor.yaml"
    write_config(config, tmp_path / "monitor.db", [], extra=(
        "digests:\n  - name: daily\n    schedule: '0 7 * * *'\n    recipients: [desk@example.org]\n"))
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    (warning,) = daemon.events("config.no_feeds")
    assert warning["detail"] == f"{config}: no feeds configured: add some under feeds: or with `monitor feeds add URL`"
    assert warning["digests"] == "daily"
    assert daemon.stop()[0] == 0



def test_a_poll_that_outlasted_its_interval_rearms_its_feed_in_the_future(tmp_path: Path) -> None:
    """A poll re-arms its feed before its own job has ended. Armed in the past (the poll outlasted the interval),
    the run was due at once, found the poll's own job still running, was skipped as a second instance and, being
    a one-off, never ran: the feed stopped for good (seen on a slow machine, whose first poll also started the
    workers)."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from monitor.config import load_settings
    from monitor.daemon import REARM_MIN
    from monitor.daemon import Daemon as InProcess

    config, db = tmp_path / "monitor.yaml", tmp_path / "monitor.db"
    write_config(config, db, [("Alpha", "http://127.0.0.1:9/alpha")])
    settings = load_settings(config)
    store = open_store(settings.database_url)

    async def arm_in_the_past() -> datetime:
        daemon = InProcess(settings, store)
        daemon.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        daemon._arm(settings.enabled_feeds[0], datetime.now(UTC) - timedelta(seconds=3))
        job = daemon.scheduler.get_job("feed:Alpha")
        return job.trigger.run_date

    before = datetime.now(UTC)
    assert asyncio.run(arm_in_the_past()) >= before + REARM_MIN
