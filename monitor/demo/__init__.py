"""``monitor demo``: the whole pipeline on bundled sample news, with no internet and no setup.

Three invented outlets (``stories.yaml``) are served as RSS on a loopback port, polled by the real pipeline
into a throwaway SQLite database, judged, and summarised in a digest written to the outbox. It shows a new user
what the tool does in seconds, and it is what to run on a machine that cannot reach the configured feeds.
"""

from __future__ import annotations

import asyncio
import email.utils
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML

DEMO_TIMEZONE = "Europe/Brussels"


@dataclass(frozen=True)
class Outlet:
    name: str
    slug: str
    language: str
    stories: tuple[dict[str, Any], ...]
    pages: bool = False  # the feed carries teasers; the stories are on pages the demo serves


def outlets() -> list[Outlet]:
    data = YAML(typ="safe").load(resources.files("monitor.demo").joinpath("stories.yaml").read_text("utf-8"))
    return [Outlet(o["name"], o["slug"], o.get("language", "en"), tuple(o["stories"]), bool(o.get("pages")))
            for o in data["outlets"]]


def dated(text: str, when: float) -> str:
    """A story's words for the moment it is dated: ``{weekday}`` is that day in the demo digest's time zone, so
    "on {weekday}" never contradicts the date the digest prints beside it."""
    day = datetime.fromtimestamp(when, ZoneInfo(DEMO_TIMEZONE)).strftime("%A")
    return " ".join(str(text).split()).replace("{weekday}", day)


def rss(outlet: Outlet, now: float | None = None, base: str = "") -> bytes:
    """The outlet's feed, dated relative to ``now`` so the demo digest always has a fresh window. An outlet with
    ``pages`` links its stories to ``base`` (the demo server) and gives only their teasers."""
    now = time.time() if now is None else now
    items = []
    for story in outlet.stories:
        when = now - float(story["hours_ago"]) * 3600
        published = email.utils.formatdate(when, usegmt=True)
        if outlet.pages:
            link, text = f"{base}/{outlet.slug}/{story['id']}.html", story.get("teaser", "")
        else:
            link, text = f"https://{outlet.slug}.example.org/{story['id']}", story["text"]
        items.append(
            f"<item><title>{escape(dated(story['title'], when))}</title><link>{link}</link>"
            f"<guid isPermaLink=\"false\">{story['id']}</guid><pubDate>{published}</pubDate>"
            f"<description>{escape(dated(text, when))}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(outlet.name)}</title>'
            f"<link>https://{outlet.slug}.example.org/</link><description>monitor demo feed</description>"
            f"<language>{outlet.language}</language>{''.join(items)}</channel></rss>").encode()


def page(outlet: Outlet, story: dict[str, Any], now: float | None = None) -> bytes:
    """A story's page on the outlet's site: the article among the navigation, a cookie notice, related links
    and a footer, as real pages have them, so extraction has something to leave out."""
    now = time.time() if now is None else now
    when = now - float(story["hours_ago"]) * 3600
    body = dated(f"{story['text']} {story.get('more', '')}", when)
    paragraphs = "".join(f"<p>{escape(p.strip().rstrip('.'))}.</p>" for p in body.split(". ") if p.strip())
    return (f'<!DOCTYPE html><html lang="{outlet.language}"><head><meta charset="utf-8">'
            f"<title>{escape(dated(story['title'], when))} | {escape(outlet.name)}</title></head><body>"
            f'<nav><a href="/">{escape(outlet.name)}</a> <a href="/europe">Europe</a> <a href="/economy">Economy'
            '</a></nav><div class="notice">This site uses cookies to count visitors.</div><main><article>'
            f"<h1>{escape(dated(story['title'], when))}</h1><p>{escape(dated(story.get('teaser', ''), when))}</p>"
            f'{paragraphs}</article><aside><h2>Most read</h2><ul><li><a href="/r1">Bridge works extended</a></li>'
            '<li><a href="/r2">Harvest festival this weekend</a></li></ul></aside></main>'
            f"<footer>© {escape(outlet.name)}, an invented outlet of monitor's demo.</footer></body></html>").encode()


@contextmanager
def serve(feeds: list[Outlet]) -> Iterator[dict[str, str]]:
    """Serve the outlets' feeds (and the pages of outlets that have them) on 127.0.0.1, a free port, for the
    length of the block: name -> feed URL."""
    bodies: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind, body = bodies.get(self.path, ("text/plain", b""))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:  # quiet: the demo prints its own summary
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for o in feeds:
        bodies[f"/{o.slug}.xml"] = ("application/rss+xml", rss(o, base=base))
        if o.pages:
            bodies.update({f"/{o.slug}/{s['id']}.html": ("text/html", page(o, s)) for s in o.stories})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {o.name: f"{base}/{o.slug}.xml" for o in feeds}
    finally:
        server.shutdown()
        server.server_close()


def demo_config(database_url: str, urls: dict[str, str], outbox: str, with_pages: tuple[str, ...] = ()) -> str:
    """The YAML a user would write for these feeds, with one daily digest written to ``outbox``. Only the
    outlets in ``with_pages`` have pages to fetch (the others' links are invented addresses)."""
    lines = [f"database: {database_url}", "defaults:", "  interval: 15m", "feeds:"]
    for name, url in urls.items():
        lines += [f"  - name: {name}", f"    url: {url}", "    language: en", "    tags: [demo]",
                  f"    fulltext: {'auto' if name in with_pages else 'never'}"]
    lines += ["outbox: " + outbox, "digests:", "  - name: demo", '    schedule: "0 7 * * *"',
              f"    timezone: {DEMO_TIMEZONE}", "    recipients: [analyst@example.org]", "    send_empty: true"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class DemoResult:
    feeds: int
    articles: int
    relevant: int
    stances: int
    digest: str  # the outcome line of the digest run
    eml: Path | None  # the digest as a message, for a mail client
    html: Path | None  # the digest's HTML part, for a browser
    lean: tuple[tuple[str, str, float, int], ...]  # (code, name, lean, stances) per state, most hardline first
    pages_read: int = 0  # article pages fetched and read (one outlet's feed carries only teasers)


def run_demo(outbox: str | Path) -> DemoResult:
    """Serve the bundled feeds, poll them into a throwaway SQLite database, send the digest to ``outbox``.

    Everything goes through the same code as ``monitor run`` (config parser, fetcher, parser, judge, store,
    digest), so a demo that works is evidence the installation works; only the feeds and the database are
    stand-ins. The database is deleted afterwards; the digest files stay in ``outbox``.
    """
    from monitor.config import parse_settings
    from monitor.digest.run import send, topic_of
    from monitor.pipeline import Pipeline, utcnow
    from monitor.store import open_store
    from monitor.summary import summarise

    feeds = outlets()
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, serve(feeds) as urls:
        text = demo_config(f"sqlite:///{Path(tmp) / 'demo.db'}", urls, str(Path(outbox).resolve()),
                           tuple(o.name for o in feeds if o.pages))
        settings = parse_settings(text, "<demo config>")
        store = open_store(settings.database_url)
        try:
            store.sync_feeds(settings.feeds, utcnow())

            async def poll() -> Any:
                async with Pipeline(settings, store, workers=0) as pipeline:
                    pipeline.on_page = pages.append
                    report = await pipeline.poll_many(list(settings.enabled_feeds))
                    await pipeline.drain_pages()
                    return report

            pages: list[Any] = []

            report = asyncio.run(poll())
            failed = [r.describe() for r in report.failed]
            if failed:
                raise RuntimeError("demo feeds failed: " + "; ".join(failed))
            digest = settings.digest("demo")
            outcome = send(settings, store, digest)
            topic, _label = topic_of(settings, digest)
            facts = store.stance_facts(topic, None, None, (), 0.0)
            lean = tuple(sorted(((s.country, s.name, s.lean, sum(s.counts.values())) for s in summarise(facts)),
                                key=lambda row: (row[2], row[0])))
            articles = list(store.articles(topic=topic))
        finally:
            store.close()
    eml = Path(outcome.where) if outcome.where else None
    return DemoResult(
        feeds=len(report.reports), articles=len(articles), relevant=sum(1 for a in articles if a.relevant),
        stances=len(facts), digest=outcome.message, eml=eml, html=eml.with_suffix(".html") if eml else None,
        lean=lean, pages_read=sum(1 for p in pages if p.status == "ok"))
