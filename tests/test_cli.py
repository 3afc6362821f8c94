"""The ``monitor`` command as a user runs it: a subprocess, a temp config pointing at loopback feeds, SQLite."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.store import open_store
from monitor.store.store import head_revision
from tests.support.cli import run_monitor
from tests.support.feedserver import Feed, FeedServer, Item, rss, status

NOW = time.time()


@dataclass
class Env:
    tmp: Path
    config: Path
    db: Path
    server: FeedServer

    def write(self, feeds: list[tuple[str, str]], extra: str = "") -> None:
        lines = [f"database: sqlite:///{self.db}", "http:", "  timeout: 2s", "  connect_timeout: 1s", "feeds:"]
        for name, url in feeds:
            lines += [f"  - name: {name}", f"    url: {url}", "    interval: 15m"]
        self.config.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_monitor("--config", str(self.config), *args, cwd=self.tmp, env=env, timeout=60)


ALPHA = [
    Item("Alpha: Scholz calls for talks with Moscow", "https://alpha.example/1?utm_source=rss", "a1",
         "<p>Chancellor <b>says</b> dialogue</p>", published=NOW - 3600),
    Item("Alpha: Poland rejects the proposal", "https://alpha.example/2", "a2", "Warsaw says no",
         published=NOW - 2 * 86400),
    Item("Alpha: an old story from last month", "https://alpha.example/old", "a3", "old", published=NOW - 30 * 86400),
]
BETA = [
    Item("Beta: Hungary blocks the statement", "https://beta.example/1", "b1", "Budapest", published=NOW - 7200),
    Item("Beta carries the Alpha story too", "https://alpha.example/1", "b2", "same URL", published=NOW - 3600),
]


@pytest.fixture
def env(tmp_path: Path, feed_server: FeedServer) -> Env:
    e = Env(tmp_path, tmp_path / "monitor.yaml", tmp_path / "db" / "monitor.db", feed_server)
    e.write([
        ("Alpha", feed_server.route("/alpha", Feed(rss(ALPHA)))),
        ("Beta News", feed_server.route("/beta", Feed(rss(BETA, language="de")))),
        ("Broken", feed_server.route("/broken", status(500, b"down"))),
    ])
    return e


SUMMARY = re.compile(r"^(\d+) feeds: (\d+) ok, (\d+) not modified, (\d+) failed; (\d+) new articles in [\d.]+s$")


def summary(stdout: str) -> tuple[int, ...]:
    last = stdout.strip().splitlines()[-1]
    m = SUMMARY.match(last)
    assert m, f"no summary line in {stdout!r}"
    return tuple(int(g) for g in m.groups())


# ------------------------------------------------------------------------------------------------ poll


def test_poll_reports_failures_and_exits_zero(env: Env) -> None:
    result = env.run("poll")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip().splitlines() == [result.stdout.strip()]  # one line
    assert summary(result.stdout) == (3, 2, 0, 1, 4)  # 5 items, one URL in both feeds
    assert result.stderr.strip().splitlines() == [
        f"failed: Broken <{env.server.url('/broken')}>: HTTP 500 Internal Server Error"]

    again = env.run("poll")
    assert again.returncode == 0
    assert summary(again.stdout) == (3, 0, 2, 1, 0)
    assert len(env.server.hits("/alpha")) == 2
    assert env.server.hits("/alpha")[1].headers["if-none-match"] == '"v1"'


def test_poll_single_feed(env: Env) -> None:
    result = env.run("poll", "--feed", "beta news")  # names are matched without regard to case
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 1, 0, 0, 2)
    assert result.stderr == ""
    assert len(env.server.hits("/beta")) == 1
    assert env.server.hits("/alpha") == []
    assert env.server.hits("/broken") == []

    both = env.run("poll", "--feed", "Alpha", "--feed", "Broken")
    assert both.returncode == 0
    assert summary(both.stdout) == (2, 1, 0, 1, 2)  # Alpha's first story is already stored from Beta
    assert len(env.server.hits("/beta")) == 1


def test_poll_unknown_feed_is_a_one_line_error(env: Env) -> None:
    result = env.run("poll", "--feed", "Nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{env.config}: no feed named 'Nope' (known: Alpha, Beta News, Broken)"]
    assert env.server.requests == []


def test_poll_due(env: Env) -> None:
    assert env.run("poll").returncode == 0
    result = env.run("poll", "--due")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no feeds to poll (none is due)"
    assert len(env.server.hits("/alpha")) == 1

    # a feed added to the config has never been polled: it is due, the others are not
    feeds = [("Alpha", env.server.url("/alpha")), ("Beta News", env.server.url("/beta")),
             ("Broken", env.server.url("/broken")),
             ("Gamma", env.server.route("/gamma", Feed(rss([Item("Gamma: a new outlet's story",
                                                                  "https://gamma.example/1", "g1",
                                                                  published=NOW - 60)]))))]
    env.write(feeds)
    result = env.run("poll", "--due")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 1, 0, 0, 1)
    assert len(env.server.hits("/gamma")) == 1
    assert len(env.server.hits("/alpha")) == 1
    assert len(env.server.hits("/broken")) == 1

    # without --due every enabled feed is polled whatever its schedule
    result = env.run("poll")
    assert summary(result.stdout) == (4, 0, 3, 1, 0)


def test_poll_skips_disabled_feeds(env: Env) -> None:
    env.write([("Alpha", env.server.url("/alpha"))],
              extra=f"  - name: Off\n    url: {env.server.url('/broken')}\n    enabled: false\n")
    result = env.run("poll")
    assert summary(result.stdout) == (1, 1, 0, 0, 3)
    assert env.server.hits("/broken") == []


def test_unreachable_database_is_one_line(env: Env) -> None:
    result = env.run("poll", env={"MONITOR_DATABASE_URL": "postgresql://monitor:pw1234@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("monitor: database postgresql+psycopg://monitor:***@127.0.0.1:1/none unavailable: ")
    assert "pw1234" not in line


# ------------------------------------------------------------------------------------------------ feeds


def test_feeds_table(env: Env) -> None:
    env.write([("Alpha", env.server.url("/alpha")), ("Beta News", env.server.url("/beta")),
               ("Broken", env.server.url("/broken"))],
              extra="  - name: Later\n    url: https://later.example/rss\n    enabled: false\n")
    before = env.run("feeds")
    assert before.returncode == 0, before.stderr
    assert [line.split()[:2] for line in before.stdout.strip().splitlines()[1:5]] == [
        ["Alpha", "new"], ["Beta", "News"], ["Broken", "new"], ["Later", "disabled"]]

    assert env.run("poll").returncode == 0
    result = env.run("feeds")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip().splitlines()
    assert lines[0].split() == ["FEED", "STATUS", "LAST", "SUCCESS", "FAILS", "NEXT", "POLL", "ARTICLES", "LAST",
                                "ERROR"]
    rows = {line.split("  ")[0]: re.split(r"\s{2,}", line.strip()) for line in lines[1:5]}
    assert rows["Alpha"][:6] == ["Alpha", "ok", rows["Alpha"][2], "0", rows["Alpha"][4], "3"]
    assert re.fullmatch(r"\d+s ago", rows["Alpha"][2])
    assert re.fullmatch(r"in 1[45]m", rows["Alpha"][4])
    assert rows["Beta News"][1] == "ok"
    assert rows["Beta News"][5] == "2"
    assert rows["Broken"][:4] == ["Broken", "error 500", "never", "1"]
    assert rows["Broken"][-1] == "HTTP 500 Internal Server Error"
    assert rows["Later"][1] == "disabled"
    assert lines[-1] == "4 feeds, 1 failing"


# ------------------------------------------------------------------------------------------------ export


def poll_alpha_first(env: Env) -> None:
    """Beta News carries Alpha's Scholz story too; whichever feed stores it first gives it its title, and feeds
    in one cycle are fetched concurrently. Alpha goes first, so the stored story is Alpha's."""
    assert env.run("poll", "--feed", "Alpha").returncode == 0
    assert env.run("poll").returncode == 0


def test_export_jsonl(env: Env) -> None:
    poll_alpha_first(env)
    result = env.run("export", "--since", "7d", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in records] == [  # oldest first; last month's story is outside --since 7d
        "Alpha: Poland rejects the proposal", "Beta: Hungary blocks the statement",
        "Alpha: Scholz calls for talks with Moscow"]
    for r in records:
        assert {"id", "url", "title", "summary", "published", "language", "feeds"} <= set(r)
        assert isinstance(r["id"], int)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", r["published"])
    scholz = records[2]
    assert scholz["url"] == "https://alpha.example/1"
    assert scholz["summary"] == "Chancellor says dialogue"
    assert scholz["language"] == "en"
    assert scholz["feeds"] == ["Alpha", "Beta News"]
    assert records[1]["language"] == "de"
    assert records[1]["feeds"] == ["Beta News"]

    everything = env.run("export")
    assert len(everything.stdout.splitlines()) == 4
    assert len({json.loads(line)["id"] for line in everything.stdout.splitlines()}) == 4


def test_export_csv(env: Env) -> None:
    poll_alpha_first(env)
    result = env.run("export", "--since", "7d", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"id", "url", "title", "summary", "published", "language", "feeds"} <= set(rows[0])
    assert [r["title"] for r in rows] == ["Alpha: Poland rejects the proposal", "Beta: Hungary blocks the statement",
                                          "Alpha: Scholz calls for talks with Moscow"]
    assert rows[2]["feeds"] == "Alpha; Beta News"
    assert rows[2]["url"] == "https://alpha.example/1"
    assert rows[1]["language"] == "de"
    assert all(r["id"].isdigit() for r in rows)


def test_export_since_a_date_and_bad_since(env: Env) -> None:
    assert env.run("poll").returncode == 0
    day = time.strftime("%Y-%m-%d", time.gmtime(NOW - 40 * 86400))
    assert len(env.run("export", "--since", day).stdout.splitlines()) == 4
    bad = env.run("export", "--since", "last tuesday")
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert "'last tuesday': use a duration (7d, 12h) or a date (2026-11-01)" in bad.stderr


def test_export_empty_database(env: Env) -> None:
    result = env.run("export", "--format", "csv")
    assert result.returncode == 0, result.stderr
    (header,) = result.stdout.strip().splitlines()
    assert {"id", "url", "title", "summary", "published", "language", "feeds"} <= set(header.split(","))


# ------------------------------------------------------------------------------------------------ db


def test_db_upgrade(env: Env) -> None:
    assert not env.db.exists()
    current = env.run("db", "current")
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == "empty (run `monitor db upgrade`)"
    result = env.run("db", "upgrade")
    assert result.returncode == 0, result.stderr
    head = head_revision()
    assert head is not None
    assert result.stdout.strip() == f"database at revision {head}"
    assert env.db.exists()
    assert env.run("db", "current").stdout.strip() == head
    assert env.run("db", "upgrade").stdout.strip() == f"database at revision {head}"  # idempotent
    store = open_store(f"sqlite:///{env.db}", upgrade=False)
    try:
        assert store.revision() == head
        assert store.count_articles() == 0
    finally:
        store.close()


def test_version_and_help(env: Env) -> None:
    assert env.run("--version").stdout.strip() == "monitor, version 0.1.0"
    helptext = env.run("--help").stdout
    for command in ("check", "db", "export", "feeds", "poll", "run"):
        assert re.search(rf"^\s+{command}\s", helptext, re.M), command


# ------------------------------------------------------------------------------------------------ killed polls


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _descendants(pid: int) -> set[int]:
    kids, found, todo = _children(), set(), [pid]
    while todo:
        for child in kids.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its exit status waits for a parent


def _still_alive_after(pids: set[int], seconds: float) -> list[tuple[int, bytes]]:
    deadline = time.time() + seconds
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [(p, Path(f"/proc/{p}/cmdline").read_bytes()[:100]) for p in pids if _alive(p)]


def _slow_poll(env: Env) -> subprocess.Popen[str]:
    """`monitor poll` with parser workers busy on three feeds and five more feeds that never answer."""
    from tests.support.cli import clean_env
    from tests.support.feedserver import hang

    many = [Item(f"Story {i} on talks with Moscow", f"https://busy.example/{i}", f"s{i}", "text " * 50,
                 published=NOW - 600) for i in range(200)]
    feeds = [(f"Quick {i}", env.server.route(f"/quick{i}", Feed(rss(many)))) for i in range(3)]
    feeds += [(f"Stuck {i}", env.server.route(f"/stuck{i}", hang(60))) for i in range(5)]
    env.write(feeds)
    env.config.write_text(env.config.read_text().replace("timeout: 2s", "timeout: 60s"), encoding="utf-8")
    import sys

    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(env.config), "poll", "--workers", "2"],
                            cwd=env.tmp, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen[str]) -> set[int]:
    deadline = time.time() + 30
    while time.time() < deadline:
        family = _descendants(proc.pid)
        if len(family) >= 4:  # resource tracker, forkserver and two workers
            return family
        time.sleep(0.1)
    raise AssertionError(f"the poll never started its workers: {_descendants(proc.pid)}")


def test_a_poll_killed_with_sigkill_leaves_no_process_behind(env: Env) -> None:
    proc = _slow_poll(env)
    family = _wait_for_workers(proc)
    proc.kill()
    proc.wait()
    assert _still_alive_after(family, 5.0) == []


def test_sigterm_ends_a_poll_like_ctrl_c(env: Env) -> None:
    import signal

    proc = _slow_poll(env)
    family = _wait_for_workers(proc)
    deadline = time.time() + 30
    while time.time() < deadline and not (env.db.exists() and _count_articles(env) >= 200):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + signal.SIGTERM, (out, err)
    assert err.strip().splitlines()[-1] == "monitor: terminated" and "Traceback" not in err
    assert _still_alive_after(family, 5.0) == []
    assert _count_articles(env) >= 200  # what was stored stays stored


def _count_articles(env: Env) -> int:
    import sqlite3

    try:
        with sqlite3.connect(env.db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0
