"""What the commands look like at a terminal (Rich: colour, live display, tables that fit) and in a pipe (plain
lines, no escape codes). Terminal runs go through a real pseudo-terminal, so the program decides by itself."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from monitor.progress import PollDisplay
from monitor.ui import plain_table, plural
from tests.support.cli import run_monitor, write_config
from tests.support.feedserver import Feed, FeedServer, Item, rss, status
from tests.support.terminal import COLOUR, run_in_terminal, visible

NOW = time.time()
# Written for these tests: a long evidence sentence, so that wrapping has something to wrap.
SLOVAK = ("Slovakia's prime minister said his government wants normal relations with Russia and will press the other "
          "member states to reopen talks with Moscow before the next summit of the European Council in Brussels.")
STORIES = [
    Item("Slovakia wants the EU to reopen talks with Moscow", "https://wire.example/sk", "s1", SLOVAK,
         published=NOW - 3600),
    Item("Poland expels three Russian diplomats", "https://wire.example/pl", "s2",
         "Warsaw ordered three Russian diplomats to leave the country.", published=NOW - 7200),
    Item("Lisbon hosts a sailing regatta", "https://wire.example/sail", "s3", "Boats from Spain took part.",
         published=NOW - 600),
]


@dataclass
class Setup:
    tmp: Path
    config: Path
    server: FeedServer


@pytest.fixture
def setup(tmp_path: Path, feed_server: FeedServer) -> Setup:
    wire = feed_server.route("/wire", Feed(rss(STORIES)))
    quiet = feed_server.route("/quiet", Feed(rss([Item("Quiet: the regional news", "https://quiet.example/1", "q1",
                                                       published=NOW - 600)])))
    broken = feed_server.route("/broken", status(500, b"down"))
    config = write_config(tmp_path, f"""
        database: sqlite:///monitor.db
        defaults:
          fulltext: never   # the stories link to invented hosts: no article pages to fetch
        http:
          timeout: 2s
        feeds:
          - name: Wire
            url: {wire}
          - name: Quiet Gazette
            url: {quiet}
          - name: Broken
            url: {broken}
    """)
    return Setup(tmp_path, config, feed_server)


def test_poll_on_a_terminal_shows_a_live_display_then_the_summary(setup: Setup) -> None:
    code, out = run_in_terminal("--config", str(setup.config), "poll", cwd=setup.tmp, columns=160)
    assert code == 0, out
    seen = visible(out)
    assert "Traceback" not in seen
    # feeds done of all, ok / failed / new counts, the rate, the feed that just finished
    assert re.search(r"polling .*3/3 feeds 2 ok · 1 failed · 4 new articles\s+[\d.]+ feeds/s", seen), seen
    assert re.search(r"[✓✗] (Wire|Quiet Gazette|Broken)", seen), seen
    assert f"failed: Broken <{setup.server.url('/broken')}>: HTTP 500 Internal Server Error" in seen
    assert re.search(r"^3 feeds: 2 ok, 0 not modified, 1 failed; 4 new articles in [\d.]+s\s*$", seen, re.M), seen
    assert COLOUR.search(out), "a terminal gets colour"
    assert "\x1b[31m" in out  # the failure in red


def test_poll_in_a_pipe_prints_plain_lines(setup: Setup) -> None:
    result = run_monitor("--config", str(setup.config), "poll", cwd=setup.tmp)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "polling" not in result.stderr and "feeds/s" not in result.stderr  # no progress display
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert re.fullmatch(r"3 feeds: 2 ok, 0 not modified, 1 failed; 4 new articles in [\d.]+s", result.stdout.strip())
    assert result.stderr.splitlines() == [
        f"failed: Broken <{setup.server.url('/broken')}>: HTTP 500 Internal Server Error"]


def test_the_live_display_estimates_the_time_left_from_the_rate() -> None:
    """Four feeds done in four seconds, six to go: six seconds left, not click's 00:00:00."""
    clock = [1000.0]
    console = Console(file=io.StringIO(), width=160, force_terminal=True, color_system=None)
    display = PollDisplay(10, console=console, clock=lambda: clock[0])

    @dataclass
    class Report:
        feed: str
        failed: bool
        new: int

    for i in range(4):
        clock[0] += 1.0
        display.done(Report(f"Outlet {i}", i == 2, 5))
    console.print(display.progress.make_tasks_table(display.progress.tasks))
    line = console.file.getvalue()  # type: ignore[attr-defined]
    assert "4/10 feeds 3 ok · 1 failed · 20 new articles 1.0 feeds/s 0:00:06 ✓ Outlet 3" in line, line


def test_feeds_table_is_coloured_and_fits_the_terminal(setup: Setup) -> None:
    assert run_monitor("--config", str(setup.config), "poll", cwd=setup.tmp).returncode == 0
    code, out = run_in_terminal("--config", str(setup.config), "feeds", cwd=setup.tmp, columns=72)
    assert code == 0, out
    lines = visible(out).splitlines()
    assert all(len(line) <= 72 for line in lines), "\n".join(lines)
    assert any(line.split()[:2] == ["Broken", "error"] for line in lines)
    assert "\x1b[32mok" in out and "\x1b[31merror" in out  # green ok, red error
    assert lines[-1].strip() == "3 feeds, 1 failing"

    piped = run_monitor("--config", str(setup.config), "feeds", cwd=setup.tmp)
    assert "\x1b" not in piped.stdout
    assert piped.stdout.splitlines()[0].split() == ["FEED", "STATUS", "LAST", "SUCCESS", "FAILS", "NEXT", "POLL",
                                                    "ARTICLES", "PAGES", "LAST", "ERROR"]


def test_no_color_keeps_the_layout_and_drops_the_colour(setup: Setup) -> None:
    assert run_monitor("--config", str(setup.config), "poll", cwd=setup.tmp).returncode == 0
    code, out = run_in_terminal("--config", str(setup.config), "feeds", cwd=setup.tmp, env={"NO_COLOR": "1"})
    assert code == 0, out
    assert not re.search(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38;[0-9;]+)m", out), out  # no foreground colour
    assert "Broken" in visible(out) and "─" in visible(out)  # still a table


def test_stances_wrap_evidence_to_the_terminal_and_count_in_words(setup: Setup) -> None:
    assert run_monitor("--config", str(setup.config), "poll", "--feed", "Wire", cwd=setup.tmp).returncode == 0
    code, out = run_in_terminal("--config", str(setup.config), "stances", cwd=setup.tmp, columns=90)
    assert code == 0, out
    lines = visible(out).splitlines()
    assert all(len(line) <= 90 for line in lines), "\n".join(lines)
    text = " ".join(" ".join(lines).split())
    for word in SLOVAK.split():  # nothing cut: the whole sentence is there, wrapped
        assert word in text, word
    assert sum(1 for line in lines if "European" in line or "Moscow" in line or "Slovakia's" in line) >= 1
    assert "\x1b[34mpro_dialogue" in out and "\x1b[31mhardline" in out  # the digest's blue and red
    assert "2 stances in 2 relevant articles" in text

    piped = run_monitor("--config", str(setup.config), "stances", "--country", "SK", cwd=setup.tmp)
    assert piped.returncode == 0, piped.stderr
    assert SLOVAK in piped.stdout  # a pipe gets the whole sentence on one line
    assert "1 stance in 1 relevant article since 30d" in piped.stdout


def test_check_says_ok_in_green_and_errors_in_red(setup: Setup, tmp_path: Path) -> None:
    code, out = run_in_terminal("--config", str(setup.config), "check", cwd=setup.tmp)
    assert code == 0, out
    assert "\x1b[32mok" in out
    assert f"database  sqlite:///{setup.tmp}/monitor.db" in visible(out)
    bad = write_config(tmp_path, "feeds:\n  - name: A\n", name="bad.yaml")
    code, out = run_in_terminal("--config", str(bad), "check", cwd=setup.tmp)
    assert code == 2
    assert f"\x1b[31m{bad}:2: feeds[0].url: missing (required)" in out


@pytest.mark.parametrize(("n", "word", "expected"), [(0, "feed", "0 feeds"), (1, "feed", "1 feed"),
                                                     (2, "story", "2 stories"), (1, "story", "1 story"),
                                                     (3, "day", "3 days"), (1, "entry", "1 entry")])
def test_plural(n: int, word: str, expected: str) -> None:
    assert plural(n, word) == expected


def test_plain_table_pads_columns_for_scripts() -> None:
    assert plain_table(["A", "LONG HEADER"], [["x", "1"], ["longer", ""]]) == "A       LONG HEADER\nx       1\nlonger"
