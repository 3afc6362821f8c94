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


def outlets() -> list[Outlet]:
    data = YAML(typ="safe").load(resources.files("monitor.demo").joinpath("stories.yaml").read_text("utf-8"))
    return [Outlet(o["name"], o["slug"], o.get("language", "en"), tuple(o["stories"])) for o in data["outlets"]]


def dated(text: str, when: float) -> str:
    """A story's words for the moment it is dated: ``{weekday}`` is that day in the demo digest's time zone, so
    "on {weekday}" never contradicts the date the digest prints beside it."""
    day = datetime.fromtimestamp(when, ZoneInfo(DEMO_TIMEZONE)).strftime("%A")
    return " ".join(str(text).split()).replace("{weekday}", day)


def rss(outlet: Outlet, now: float | None = None) -> bytes:
    """The outlet's feed, dated relative to ``now`` so the demo digest always has a fresh window."""
    now = time.time() if now is None else now
    items = []
    for story in outlet.stories:
        when = now - float(story["hours_ago"]) * 3600
        published = email.utils.formatdate(when, usegmt=True)
        link = f"https://{outlet.slug}.example.org/{story['id']}"
        items.append(
            f"<item><title>{escape(dated(story['title'], when))}</title><link>{link}</link>"
            f"<guid isPermaLink=\"false\">{story['id']}</guid><pubDate>{published}</pubDate>"
            f"<description>{escape(dated(story['text'], when))}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(outlet.name)}</title>'
            f"<link>https://{outlet.slug}.example.org/</link><description>monitor demo feed</description>"
            f"<language>{outlet.language}</language>{''.join(items)}</channel></rss>").encode()


@contextmanager
def serve(feeds: list[Outlet]) -> Iterator[dict[str, str]]:
    """Serve the outlets' feeds on 127.0.0.1 (a free port) for the length of the block: name -> feed URL."""
    bodies = {f"/{o.slug}.xml": rss(o) for o in feeds}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *_args: Any) -> None:  # quiet: the demo prints its own summary
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield {o.name: f"http://127.0.0.1:{port}/{o.slug}.xml" for o in feeds}
    finally:
        server.shutdown()
        server.server_close()


def demo_config(database_url: str, urls: dict[str, str], outbox: str) -> str:
    """The YAML a user would write for these feeds, with one daily digest written to ``outbox``."""
    lines = [f"database: {database_url}", "defaults:", "  interval: 15m", "feeds:"]
    for name, url in urls.items():
        lines += [f"  - name: {name}", f"    url: {url}", "    language: en", "    tags: [demo]"]
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

    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, serve(outlets()) as urls:
        text = demo_config(f"sqlite:///{Path(tmp) / 'demo.db'}", urls, str(Path(outbox).resolve()))
        settings = parse_settings(text, "<demo config>")
        store = open_store(settings.database_url)
        try:
            store.sync_feeds(settings.feeds, utcnow())

            async def poll() -> Any:
                async with Pipeline(settings, store, workers=0) as pipeline:
                    return await pipeline.poll_many(list(settings.enabled_feeds))

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
        lean=lean)
