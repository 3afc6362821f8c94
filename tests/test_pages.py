"""Article pages over real HTTP on loopback, stored on SQLite and PostgreSQL: a headline-only feed whose stance
sits deep in the article body, robots.txt, consent walls, huge, slow, redirected and non-HTML pages, one story
under two links, and a feed cycle that never waits for pages."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import FeedConfig, FulltextSettings, HttpSettings, Settings
from monitor.pages import Robots, agent_token, lookback, wants_page
from monitor.pipeline import CycleReport, PageReport, Pipeline
from monitor.store import Store
from tests.support.digests import far_daily
from tests.support.feedserver import Feed, FeedServer, Item, hang, redirect, rss, status

HTML = {"Content-Type": "text/html; charset=utf-8"}
NOW = time.time()


def article(headline: str, paragraphs: Sequence[str], canonical: str | None = None, lang: str = "en") -> bytes:
    """A news page as sites serve them: navigation, a cookie banner, the story, related links, comments."""
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{headline} | Example Daily'
            f'</title>{canon}</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> '
            '<a href="/business">Business</a> <a href="/sport">Sport</a></nav></header>'
            '<div id="cookies">This site uses cookies for analytics. <button>Accept all</button></div>'
            f"<main><article><h1>{headline}</h1>{body}</article>"
            '<aside class="related"><h2>More from Example Daily</h2><ul><li><a href="/a">Storm warning for the '
            'coast</a></li><li><a href="/b">Cup final tickets on sale</a></li></ul></aside>'
            '<section class="comments"><h2>Comments</h2><p>A reader: interesting, thanks.</p><p>Another reader: '
            "I see it differently.</p></section></main><footer>© Example Daily. All rights reserved.</footer>"
            "</body></html>").encode()


# The stance is in the fifth paragraph; the headline alone commits Hungary to nothing.
VISIT = [
    "The Hungarian prime minister landed in the Russian capital on Friday morning, according to his office.",
    "The trip had been announced only hours before and caught several European governments by surprise.",
    "His spokesman described the journey as part of a peace mission prepared over several weeks.",
    "Journalists were kept away from the airport as the motorcade headed for the city centre.",
    "Viktor Orbán said the European Union should open direct talks with Moscow.",
    "Diplomats in Brussels expect the visit to dominate the next meeting of foreign ministers.",
]


def settings(store: Store, feeds: Sequence[FeedConfig], **fulltext: object) -> Settings:
    return Settings(path=None, database_url=store.url, feeds=tuple(feeds),
                    http=HttpSettings(timeout=2.0, connect_timeout=1.0),
                    fulltext=FulltextSettings(**{**FulltextSettings().__dict__, **fulltext}))


def run(cfg: Settings, store: Store, drain: bool = True) -> tuple[CycleReport, list[PageReport]]:
    store.sync_feeds(cfg.feeds, datetime.now(UTC))
    pages: list[PageReport] = []

    async def go() -> CycleReport:
        async with Pipeline(cfg, store, workers=0) as pipeline:
            pipeline.on_page = pages.append
            report = await pipeline.poll_many(list(cfg.enabled_feeds))
            if drain:
                await pipeline.drain_pages()
            return report

    return asyncio.run(go()), pages


def site(server: FeedServer, robots: bytes | None = None) -> None:
    server.route("/robots.txt", status(200, robots, {"Content-Type": "text/plain"}) if robots is not None
                 else status(404, b"no robots here"))


def one_item_feed(server: FeedServer, path: str, title: str, link: str, description: str = "") -> FeedConfig:
    url = server.route(path, Feed(rss([Item(title, link, f"{path}-1", description, published=NOW - 600)])))
    return FeedConfig(name=path.strip("/"), url=url, interval=900.0)


def test_the_stance_comes_from_the_body_of_a_headline_only_story(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    link = feed_server.route("/world/orban-moscow", status(200, article("Orbán travels to Moscow", VISIT), HTML))
    cfg = settings(store, [one_item_feed(feed_server, "/wire", "Orbán travels to Moscow", link)])
    _report, pages = run(cfg, store)
    assert [(p.status, p.stances) for p in pages] == [("ok", 1)]
    (a,) = list(store.articles(topic="eu-russia-dialogue"))
    assert a.relevant and a.text_source == "page"
    (st,) = a.stances
    assert (st.country, st.stance, st.source) == ("HU", "pro_dialogue", "page")  # type: ignore[attr-defined]
    assert "open direct talks with Moscow" in st.evidence
    assert "cookies" not in (store.page_text(a.id) or "") and "A reader" not in (store.page_text(a.id) or "")


def test_a_long_feed_text_is_judged_as_it_is(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    link = feed_server.route("/long", status(200, article("Orbán travels to Moscow", VISIT), HTML))
    text = " ".join(VISIT) + " " + " ".join(VISIT)  # a full story in the feed: more than 80 words
    cfg = settings(store, [one_item_feed(feed_server, "/full", "Orbán travels to Moscow", link, text)])
    _report, pages = run(cfg, store)
    assert pages == [] and feed_server.hits("/long") == []


@pytest.mark.parametrize(("mode", "fetched"), [("never", False), ("always", True)])
def test_per_feed_modes(store: Store, feed_server: FeedServer, mode: str, fetched: bool) -> None:
    site(feed_server)
    link = feed_server.route("/p", status(200, article("Council budget approved", ["x " * 100]), HTML))
    feed = one_item_feed(feed_server, "/local", "Council budget approved", link)  # no candidate at all
    feed = FeedConfig(feed.name, feed.url, feed.interval, fulltext=mode)
    _report, pages = run(settings(store, [feed]), store)
    assert bool(pages) is fetched and bool(feed_server.hits("/p")) is fetched


def test_robots_txt_disallow_is_honoured_and_said(store: Store, feed_server: FeedServer) -> None:
    site(feed_server, b"User-agent: *\nDisallow: /private/\n")
    link = feed_server.route("/private/orban", status(200, article("Orbán travels to Moscow", VISIT), HTML))
    cfg = settings(store, [one_item_feed(feed_server, "/wire", "Orbán travels to Moscow", link)])
    _report, pages = run(cfg, store)
    assert [(p.status, p.error) for p in pages] == [("robots", "disallowed by robots.txt")]
    assert feed_server.hits("/private/orban") == []
    (a,) = list(store.articles(topic="eu-russia-dialogue"))
    assert a.text_source == "feed"


def test_robots_rules_per_agent_and_unreachable_robots() -> None:
    assert agent_token("monitor/0.1 (+https://example.org)") == "monitor"

    async def check(body: bytes | None, code: int, url: str) -> tuple[str, str] | None:
        server = FeedServer()
        try:
            server.route("/robots.txt", status(code, body or b""))
            from monitor.fetch import Fetcher

            async with Fetcher(HttpSettings(timeout=2.0), ("127.0.0.1",)) as fetcher:
                return await Robots(fetcher, "monitor/1.0").refusal(server.url(url))
        finally:
            server.close()

    only_us = b"User-agent: monitor\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    assert asyncio.run(check(only_us, 200, "/x")) == ("robots", "disallowed by robots.txt")
    assert asyncio.run(check(b"User-agent: otherbot\nDisallow: /\n", 200, "/x")) is None
    assert asyncio.run(check(None, 404, "/x")) is None  # no robots.txt: allowed
    down = asyncio.run(check(None, 503, "/x"))  # cannot be read: nothing fetched for now
    assert down is not None and down[0] == "failed" and down[1].startswith("robots.txt unreachable (HTTP 503")


@pytest.mark.parametrize(("handler", "status_", "reason"), [
    (lambda: status(200, article("Orbán travels to Moscow", [
        "We use cookies and similar technologies to personalise content and measure traffic.",
        "Please accept all cookies to continue to the site, or manage your preferences."]), HTML),
     "consent", "consent wall"),
    (lambda: status(200, article("Orbán travels to Moscow", [
        "The Hungarian prime minister landed in Moscow on Friday.",
        "This article is for subscribers. Subscribe to continue reading."]), HTML),
     "paywall", "paywall"),
    (lambda: status(200, b"%PDF-1.7 binary", {"Content-Type": "application/pdf"}), "not_html",
     "not an HTML page (application/pdf)"),
    (lambda: status(200, b"<html><body><p>Short.</p></body></html>", HTML), "too_short", "too little text"),
], ids=["consent", "paywall", "pdf", "stub"])
def test_pages_that_are_not_the_article_keep_the_feed_text(store: Store, feed_server: FeedServer, handler,
                                                           status_: str, reason: str) -> None:
    site(feed_server)
    link = feed_server.route("/story", handler())
    teaser = "Hungary's prime minister rejected any new sanctions on Russia, his spokesman said."
    cfg = settings(store, [one_item_feed(feed_server, "/wire", "Orbán travels to Moscow", link, teaser)])
    _report, pages = run(cfg, store)
    assert [p.status for p in pages] == [status_] and reason in (pages[0].error or "")
    (a,) = list(store.articles(topic="eu-russia-dialogue"))
    assert a.text_source == "feed"
    assert [(st.country, st.source) for st in a.stances] == [("HU", "feed")]  # type: ignore[attr-defined]


def test_huge_slow_and_redirected_pages_fail_alone(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    huge = feed_server.route("/huge", status(200, b"<html><body>" + b"<p>word </p>" * 2_000_000 + b"</body></html>",
                                             HTML))
    slow = feed_server.route("/slow", hang(30))
    to_file = feed_server.route("/to-file", redirect("file:///etc/passwd"))
    feeds = [one_item_feed(feed_server, f"/f{i}", "Orbán travels to Moscow", link)
             for i, link in enumerate([huge, slow, to_file])]
    cfg = settings(store, feeds, max_body_bytes=5 * 1024 * 1024)
    report, pages = run(cfg, store)
    assert report.counts == {"ok": 3}
    by_url = {p.url: p for p in pages}
    assert by_url[huge].status == "failed" and "larger than 5 MB" in (by_url[huge].error or "")
    assert by_url[slow].status == "failed" and "timed out" in (by_url[slow].error or "")
    assert by_url[to_file].status == "failed" and "non-http" in (by_url[to_file].error or "")


def test_the_feed_cycle_does_not_wait_for_pages(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    slow = feed_server.route("/slow", hang(30))
    feeds = [one_item_feed(feed_server, f"/f{i}", f"Orbán travels to Moscow, day {i}", f"{slow}?d={i}")
             for i in range(4)]
    cfg = settings(store, feeds)
    store.sync_feeds(cfg.feeds, datetime.now(UTC))

    async def go() -> tuple[float, int, float]:
        async with Pipeline(cfg, store, workers=0) as pipeline:
            started = time.monotonic()
            await pipeline.poll_many(feeds)
            cycle = time.monotonic() - started
            queued = pipeline.pages_pending
            await pipeline.drain_pages()
            return cycle, queued, time.monotonic() - started

    cycle, queued, total = asyncio.run(go())
    assert queued == 4
    assert cycle < 1.5 and total >= 2.0  # the cycle ended long before its pages timed out (2 s)


def test_one_story_under_two_links_is_one_article(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    canonical = "https://publisher.example/world/orban-moscow"
    page = article("Orbán travels to Moscow", VISIT, canonical=canonical)
    first = feed_server.route("/agg/one", status(200, page, HTML))
    second = feed_server.route("/agg/two", status(200, page, HTML))
    cfg = settings(store, [one_item_feed(feed_server, "/aggregator-a", "Orbán travels to Moscow", first),
                           one_item_feed(feed_server, "/aggregator-b", "Orban travels to Moscow - Example", second)])
    _report, pages = run(cfg, store)
    assert sorted(p.merged_into is not None for p in pages) == [False, True]
    (a,) = list(store.articles(topic="eu-russia-dialogue"))
    assert set(a.feeds) == {"aggregator-a", "aggregator-b"}
    # The canonical URL is a dedup key from now on: the publisher's own feed adds no third article.
    cfg2 = settings(store, [*cfg.feeds, one_item_feed(feed_server, "/publisher", "Orbán in Moscow", canonical)])
    run(cfg2, store)
    assert len(list(store.articles())) == 1


def test_pages_queued_before_a_stop_are_fetched_after_it(store: Store, feed_server: FeedServer) -> None:
    site(feed_server)
    link = feed_server.route("/story", status(200, article("Orbán travels to Moscow", VISIT), HTML))
    cfg = settings(store, [one_item_feed(feed_server, "/wire", "Orbán travels to Moscow", link)])
    run(cfg, store, drain=False)  # the pipeline closes before its page worker got to the page
    assert store.pending_pages() != [] or feed_server.hits("/story")

    async def resume() -> list[PageReport]:
        done: list[PageReport] = []
        async with Pipeline(cfg, store, workers=0) as pipeline:
            pipeline.on_page = done.append
            pipeline.queue_pages(store.pending_pages())
            await pipeline.drain_pages()
        return done

    asyncio.run(resume())
    assert store.pending_pages() == []
    (a,) = list(store.articles(topic="eu-russia-dialogue"))
    assert a.text_source == "page"


@pytest.mark.parametrize(("mode", "words", "readable", "age", "expected"), [
    ("auto", 10, True, 1, True), ("auto", 10, False, 1, False), ("auto", 200, True, 1, False),
    ("always", 200, False, 1, True), ("never", 10, True, 1, False), ("auto", 10, True, 30, False),
    ("always", 10, True, 30, False),
])
def test_wants_page(mode: str, words: int, readable: bool, age: int, expected: bool) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    back = lookback([timedelta(days=7)])
    assert back == timedelta(days=7) and lookback([]) == timedelta(days=2)
    assert wants_page(mode, "https://x.example/1", "word " * words, readable, now - timedelta(days=age), now, 80,
                      back) is expected
    assert wants_page("always", None, "", True, None, now, 80, back) is False  # no link, no page


# ------------------------------------------------------------------------------------------------ as users see it


def _config(tmp_path, server: FeedServer, extra: str = "") -> tuple[object, str]:
    from tests.support.cli import write_config

    site(server)
    link = server.route("/world/orban-moscow", status(200, article("Orbán travels to Moscow", VISIT), HTML))
    feed = server.route("/wire", Feed(rss([Item("Orbán travels to Moscow", link, "w1", "", published=NOW - 600)])))
    import textwrap

    db = f"sqlite:///{tmp_path}/monitor.db"
    config = write_config(tmp_path, textwrap.dedent(f"""
        database: {db}
        outbox: {tmp_path}/outbox
        http:
          timeout: 3s
        feeds:
          - name: Wire
            url: {feed}
        digests:
          - name: daily
            schedule: "{far_daily()}"
            recipients: [a@example.org]
    """) + extra)
    return config, db


def test_poll_fetches_pages_and_export_reload_and_digest_say_so(tmp_path, feed_server: FeedServer) -> None:
    import json

    from monitor.store import open_store
    from tests.support.cli import run_monitor

    config, db = _config(tmp_path, feed_server)
    polled = run_monitor("--config", str(config), "poll")
    assert polled.returncode == 0, polled.stderr
    assert "1 article page: 1 read" in polled.stdout

    out = run_monitor("--config", str(config), "export", "--text")
    (row,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert row["text_source"] == "page" and "open direct talks with Moscow" in row["text"]
    assert [(s["country"], s["source"]) for s in row["stances"]] == [("HU", "page")]
    plain = json.loads(run_monitor("--config", str(config), "export").stdout)
    assert "text" not in plain and plain["text_source"] == "page"

    again = run_monitor("--config", str(config), "reclassify")
    assert again.returncode == 0 and "(1 from their page)" in again.stdout
    row = json.loads(run_monitor("--config", str(config), "export").stdout)
    assert [(s["country"], s["source"]) for s in row["stances"]] == [("HU", "page")]  # still read on the page

    feeds = run_monitor("--config", str(config), "feeds")
    assert "1/0/0" in feeds.stdout  # read / blocked by robots / not read

    preview = run_monitor("--config", str(config), "digest", "preview", "daily")
    assert "Full text: 1 article page read; stories without a page were judged on their feed text." in preview.stdout

    # fulltext.keep drops the page's text, never the stances read from it.
    store = open_store(db)
    try:
        from monitor.config import load_settings
        from monitor.retention import prune

        report = prune(load_settings(config), store, datetime.now(UTC) + timedelta(days=91))
        assert report.page_texts == 1
        (a,) = list(store.articles(topic="eu-russia-dialogue"))
        assert [(st.country, st.source) for st in a.stances] == [("HU", "page")]  # type: ignore[attr-defined]
        assert store.page_text(a.id) is None
    finally:
        store.close()


def test_poll_no_pages_fetches_none(tmp_path, feed_server: FeedServer) -> None:
    from tests.support.cli import run_monitor

    config, _db = _config(tmp_path, feed_server)
    polled = run_monitor("--config", str(config), "poll", "--no-pages")
    assert polled.returncode == 0, polled.stderr
    assert "article page" not in polled.stdout and feed_server.hits("/world/orban-moscow") == []


def test_the_daemon_fetches_pages_beside_polling_and_counts_them(tmp_path, feed_server: FeedServer,
                                                                 daemons: list) -> None:
    from tests.support.daemon import Daemon
    from tests.support.net import free_port, http_get

    config, _db = _config(tmp_path, feed_server, "defaults:\n  interval: 1h\nlog:\n  format: json\n")
    port = free_port()
    daemon = Daemon(config, tmp_path / "daemon.log", ("--http", f"127.0.0.1:{port}"))
    daemons.append(daemon)
    fetched = daemon.wait_for("page.fetched", 40)
    assert fetched["status"] == "ok" and fetched["stances"] == 1
    code, text = http_get(f"http://127.0.0.1:{port}/metrics")
    assert code == 200 and 'monitor_pages_total{outcome="ok"} 1.0' in text
    assert daemon.stop()[0] == 0


def test_poll_on_a_terminal_counts_pages_in_the_live_display(tmp_path, feed_server: FeedServer) -> None:
    from tests.support.terminal import run_in_terminal, visible

    config, _db = _config(tmp_path, feed_server)
    code, out = run_in_terminal("--config", str(config), "poll", cwd=tmp_path, columns=160)
    assert code == 0, out
    seen = visible(out)
    assert re.search(r"pages .*1/1 pages 1 read · 0 kept feed text · 1 stance", seen), seen
    assert "1 article page: 1 read" in seen
