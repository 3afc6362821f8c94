"""How a digest looks: escaped, self-contained HTML under the size limit, a text part with the same facts, and
a real browser's rendering kept as a screenshot under tests/artifacts/."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.digest.render import MAX_HTML_BYTES, render
from monitor.digest.select import DigestData, DigestInput, build
from monitor.digest.tilemap import load_layout
from monitor.judge import EU27, HARD, LABELS, MIXED, PRO, Stance, country_name
from monitor.store import ArticleRecord, FeedState

CHROMIUM = "/usr/bin/chromium"
END = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
_ids = itertools.count(1)
HOSTILE_TITLE = 'Orbán says "talks now" <script>alert(1)</script> & <img src=http://track.example/p.gif>'
HOSTILE_EVIDENCE = "Hungary's <b onmouseover=alert(2)>minister</b> called for talks with Moscow."


def art(title: str, stances: dict[str, tuple[str, str]], feeds: tuple[str, ...] = ("Euractiv",),
        url: str | None = None, hours_ago: float = 3, summary: str | None = None) -> ArticleRecord:
    i = next(_ids)
    when = END - timedelta(hours=hours_ago)
    return ArticleRecord(id=i, url=url if url is not None else f"https://news.example/{i}", title=title,
                         summary=summary if summary is not None else f"Summary of: {title}", published=when,
                         first_seen=when, language="en", feeds=feeds, relevant=True, relevance=0.9,
                         stances=tuple(Stance(c, label, 0.8, ev) for c, (label, ev) in stances.items()))


def sample() -> DigestData:
    articles = [
        art(HOSTILE_TITLE, {"HU": (PRO, HOSTILE_EVIDENCE), "PL": (HARD, "Poland rejected any talks with Moscow.")},
            url="javascript:alert(3)", hours_ago=1),
        art("Hungary blocks new EU sanctions on Russia - Reuters", {"HU": (PRO, "Hungary vetoed the package.")},
            feeds=("Google News EU Russia",)),
        art("Hungary blocks new EU sanctions against Russia", {"HU": (PRO, "Budapest vetoed the new package.")},
            feeds=("Politico Europe",)),
        art("Hungary blocks new EU sanctions on Russia | Euronews", {"HU": (PRO, "Orbán's veto stands.")},
            feeds=("Euronews",)),
        art("Estonia slams Slovakia's overture to the Kremlin", {"EE": (HARD, "Estonia slammed the overture."),
                                                                 "SK": (PRO, "Slovakia made an overture.")}),
        art("Italy will join talks once strikes stop", {"IT": (MIXED, "Italy will join talks once strikes stop.")}),
    ]
    previous = [art("Hungary hardens its tone", {"HU": (HARD, "Hungary hardened.")}, hours_ago=30),
                art("Sweden expels diplomats", {"SE": (HARD, "Sweden expelled two diplomats.")}, hours_ago=30)]
    feeds = [FeedState(id=1, name="Broken <feed>", url="https://broken.example/rss", active=True,
                       consecutive_failures=5, last_error="HTTP 500 <html>", last_status="error")]
    return build(DigestInput(name="daily", title="EU–Russia dialogue", start=END - timedelta(days=1), end=END,
                             timezone="Europe/Brussels", articles=articles, previous=previous, feeds=feeds),
                 load_layout())


def huge() -> DigestData:
    """Every state active with long quotes, hundreds of stories with long summaries and many outlets."""
    articles = []
    for n in range(400):
        codes = [EU27[(n + k) % 27] for k in range(4)]
        articles.append(art(
            f"Distinct story {n}: ministers from {' and '.join(country_name(c) for c in codes)} debate envoy {n}",
            {c: (LABELS[(n + k) % 3], f"{country_name(c)} " + "said a long sentence about talks with Moscow " * 8)
             for k, c in enumerate(codes)},
            feeds=tuple(f"Outlet {n % 40 + k}" for k in range(8)), summary="A long summary sentence. " * 30))
    return build(DigestInput(name="weekly", title="EU–Russia dialogue", start=END - timedelta(days=7), end=END,
                             timezone="Europe/Brussels", articles=articles, max_stories=400), load_layout())


class Resources(HTMLParser):
    """Collects everything in a page that a mail client could fetch or run."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            value = value or ""
            if name in ("src", "srcset", "background", "poster", "data", "action", "formaction"):
                self.fetching.append(f"{tag}[{name}]={value}")
            if name == "style" and re.search(r"url\s*\(|@import|expression\s*\(", value, re.I):
                self.fetching.append(f"{tag}[style]={value}")
            if name.startswith("on"):
                self.fetching.append(f"{tag}[{name}]")
            if name == "href":
                if tag != "a":
                    self.fetching.append(f"{tag}[href]={value}")
                self.hrefs.append(value)


def resources_of(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


# ------------------------------------------------------------------------------------------------ HTML


def test_feed_text_is_escaped_and_bad_links_dropped() -> None:
    html = render(sample()).html
    assert "<script" not in html and "<img" not in html and "onmouseover" not in html.replace("onmouseover=alert(2)",
                                                                                                  "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=alert(2)&gt;minister&lt;/b&gt;" in html
    assert "Broken &lt;feed&gt;" in html and "HTTP 500 &lt;html&gt;" in html
    assert "javascript:" not in html.lower()


def test_html_has_no_remote_resources_scripts_or_styles_to_fetch() -> None:
    for data in (sample(), huge()):
        html = render(data).html
        found = resources_of(html)
        assert found.fetching == []
        assert not {"img", "script", "link", "svg", "iframe", "object", "embed", "style", "video", "audio",
                    "form", "input", "base", "meta-refresh"} & set(found.tags)
        assert found.hrefs and all(h.startswith(("https://", "http://")) for h in found.hrefs)


def test_html_stays_under_the_gmail_clipping_limit() -> None:
    data = huge()
    rendered = render(data)
    assert len(rendered.html.encode("utf-8")) <= MAX_HTML_BYTES
    assert "more relevant stories in this period" in rendered.html  # trimmed stories are counted, not hidden
    for code in EU27:  # the per-state table is never trimmed away
        assert f"<b>{code}</b>" in rendered.html
    assert len(render(sample()).html.encode()) < 40_000


def test_the_map_has_a_tile_for_every_state_and_a_legend() -> None:
    html = render(sample()).html
    tiles = re.findall(r'<td width="46" height="40" align="center"[^>]*>([A-Z]{2})', html)
    assert sorted(tiles) == sorted(EU27)
    for label in ("Pro-dialogue", "Leaning pro-dialogue", "Mixed", "Leaning hardline", "Hardline", "No position"):
        assert f">{label}</td>" in html
    assert 'bgcolor="#2166ac"' in html  # HU, pro-dialogue in every story
    assert 'title="Hungary: Pro-dialogue (2 positions, lean +1.00)"' in html


def test_subject_line_with_a_template_and_no_newlines() -> None:
    data = sample()
    assert render(data).subject == "EU–Russia dialogue: daily digest, 23–24 Nov 2026 (4 stories, 5 states)"
    assert render(data, "{name}\n{stories} new | {period}").subject == "daily 4 new | 23–24 Nov 2026"


# ------------------------------------------------------------------------------------------------ text


def test_text_part_carries_the_same_facts() -> None:
    data = sample()
    rendered = render(data)
    text = rendered.text
    assert "Mon 23 Nov 2026, 07:00 – Tue 24 Nov 2026, 07:00 (Europe/Brussels)" in text
    assert "4 relevant stories (from 6 articles; 2 the period before)" in text
    assert "5 states took a position" in text
    for row in data.states:
        assert re.search(rf"^{row.code} {re.escape(row.name[:14])}", text, re.M), row.code
        if row.latest:
            assert row.latest.text in text and row.latest.text in unescape(rendered.html)
    for story in data.stories:
        assert story.title in text
    assert "covered by 3 outlets: Google News EU Russia, Politico Europe, Euronews" in text
    assert "HU++" in text and "PL--" in text and "SE." in text  # the map as a character grid
    assert "Broken <feed>: 5 failures in a row" in text  # text is not HTML: nothing to escape
    assert "javascript:" not in text
    assert "digests -> daily -> recipients" in text


def test_empty_digest_says_so() -> None:
    data = build(DigestInput(name="daily", title="EU–Russia dialogue", start=END - timedelta(days=1), end=END,
                             timezone="UTC", articles=[]), load_layout())
    rendered = render(data)
    assert "Nothing new in this period" in rendered.html and "Nothing new in this period" in rendered.text
    assert "0 relevant stories" in rendered.text


# ------------------------------------------------------------------------------------------------ a real browser


def test_renders_in_headless_chromium(artifacts: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; .ci/run does "
                    "it) to render the digest", pytrace=False)
    rendered = render(sample())
    page = artifacts / "digest.html"
    page.write_text(rendered.html, encoding="utf-8")
    (artifacts / "digest.txt").write_text(rendered.text, encoding="utf-8")
    shot = artifacts / "digest.png"
    shot.unlink(missing_ok=True)
    profile = tempfile.mkdtemp(prefix="monitor-chromium-")
    try:
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--window-size=760,2000", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, text=True, timeout=120)
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000, "the screenshot is nearly empty"
    # The browser parsed the page as we meant it: the hostile title stayed text, every tile is a cell.
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script>alert(1)" not in dom.stdout and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout
    assert len(re.findall(r'<td width="46" height="40" align="center"', dom.stdout)) == 27


DNS = "cannot connect: [Errno -2] Name or service not known"


def failing(n: int, error: str = DNS, start: int = 0) -> list[FeedState]:
    return [FeedState(id=start + i, name=f"Outlet number {start + i}", url=f"https://o{start + i}.example/rss",
                      active=True, consecutive_failures=2 + i % 4, last_error=error, last_status="error")
            for i in range(n)]


def with_feeds(feeds: list[FeedState], stories: int = 3) -> DigestData:
    articles = [art(f"Story {n} about talks with Moscow", {"HU": (PRO, "Hungary wants talks.")})
                for n in range(stories)]
    return build(DigestInput(name="daily", title="EU–Russia dialogue", start=END - timedelta(days=1), end=END,
                             timezone="Europe/Brussels", articles=articles, feeds=feeds), load_layout())


def failing_section(text: str) -> str:
    start = text.index("FEEDS FAILING")
    return text[start:text.index("You receive this", start)]


def test_identical_failures_are_one_line_in_words() -> None:
    rendered = render(with_feeds(failing(12) + failing(2, "HTTP 404 Not Found", start=100)))
    section = failing_section(rendered.text)
    assert section.splitlines()[:3] == [
        "FEEDS FAILING (14): stories from them may be missing",
        "- 12 feeds: host not found — Outlet number 11, Outlet number 3, Outlet number 7, Outlet number 10, "
        "Outlet number 2, Outlet number 6, Outlet number 1, Outlet number 5 and 4 more (2–5 failures in a row)",
        "- 2 feeds: HTTP 404 Not Found — Outlet number 101, Outlet number 100 (2–3 failures in a row)",  # most first
    ]
    assert "Errno" not in rendered.text and "Errno" not in rendered.html
    assert "<b>host not found</b> — Outlet number 11," in rendered.html


def test_the_failing_feeds_take_at_most_a_tenth_of_the_email() -> None:
    """The network down and a hundred feeds each failing its own way: the section shrinks (names, then
    whole causes counted in one line) until it is a tenth of each part or less."""
    feeds = [f for n in range(100) for f in failing(1, f"HTTP {400 + n} Odd Status {n}", start=n)]
    data = with_feeds(feeds + failing(30, start=500), stories=1)
    rendered = render(data)
    html_section = rendered.html[rendered.html.index("Feeds failing ("):rendered.html.index("You receive this")]
    section = len(html_section.encode()) + len(failing_section(rendered.text).encode())
    whole = len(rendered.html.encode()) + len(rendered.text.encode())
    assert section <= 0.1 * whole, (section, whole)
    text = failing_section(rendered.text)
    assert text.startswith("FEEDS FAILING (130): stories from them may be missing\n- 30 feeds: host not found")
    assert re.search(r"^- \d+ more, failing for \d+ other reasons$", text, re.M), text
    assert "`monitor feeds` on the monitor's host lists every feed with its last error." in text

    few = render(with_feeds(failing(2)))  # a short list is left as it is
    assert "- 2 feeds: host not found — Outlet number 1, Outlet number 0 (2–3 failures in a row)" in few.text
