"""Article pages (issue 11): ``python bench/fulltext.py``.

Two figures, in one run:

* **Throughput.** 2,000 article pages of realistic size (30–120 KB: navigation, inline scripts and styles, a
  cookie notice, the story, related-story boxes, comments, a footer), generated here from a fixed seed and
  served by the loopback server of ``_loopback.py`` over 50 addresses. The pages are queued as the poll queues
  them (``pending`` rows) and the pipeline's page workers fetch, extract (trafilatura, in the two parser worker
  processes) and store them: pages per second, and extraction time per page measured alone in this process.
* **What the page is worth to the judge.** The real-news items of ``../shared/realnews`` (outside this
  repository, read in place), the blind part and the dev part separately (the decider has trained on both since
  stop 29; up to stop 28 the blind part's figures were the out-of-sample ones):
  each is a headline and one to five sentences of a story. As a headline-only feed item, the judge sees the
  headline; with the page, it sees the headline and the article's text extracted from an HTML page built around
  those sentences (with the same boilerplate as above). Reported: macro-F1, relevance F1 and actor F1 of both.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _loopback import Resource, Server, loopback_hosts

WORDS = ["government", "minister", "said", "talks", "week", "council", "members", "agreed", "plan", "meeting",
         "report", "officials", "security", "energy", "budget", "market", "prices", "capital", "region", "border",
         "parliament", "vote", "opposition", "party", "leaders", "summit", "statement", "foreign", "press",
         "conference", "interview", "sources", "decision", "proposal", "support", "reform", "economy", "trade",
         "company", "investment", "workers", "citizens", "city", "country", "year", "month", "day", "morning",
         "evening", "time", "issue", "question", "answer", "agency", "network", "service", "system", "process",
         "policy", "debate", "law", "court", "ruling", "public", "private", "local", "national", "international",
         "european", "president", "prime", "office", "spokesman", "commission", "union", "official", "visit",
         "delegation"]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(9, 24))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def boilerplate(rng: random.Random, size: int) -> tuple[str, str, str]:
    """(head, top, bottom): scripts, styles and menus before the story; related boxes, comments and a footer
    after it. ``size`` is roughly how many bytes they add up to."""
    menu = "".join(f'<li><a href="/section/{i}">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>'
                    for i in range(40))
    script = "var analytics = {" + ",".join(f'"k{i}": "{rng.random():.12f}"' for i in range(size // 60)) + "};"
    style = "".join(f".c{i}{{margin:{i % 9}px;padding:{i % 7}px;color:#{i % 999:03d}}}" for i in range(size // 120))
    related = "".join(f'<li><a href="/story/{rng.randint(1, 99999)}">{sentence(rng)}</a></li>' for _ in range(12))
    comments = "".join(f'<div class="comment"><b>reader{i}</b><p>{sentence(rng)}</p></div>' for i in range(20))
    head = f"<style>{style}</style><script>{script}</script>"
    top = (f'<header><nav><ul class="menu">{menu}</ul></nav></header><div class="cookie-notice">This site uses '
           "cookies to measure visits. <button>OK</button></div>")
    bottom = (f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside><section class="comments">'
              f"{comments}</section><footer><ul>{menu}</ul><p>© Example Media</p></footer>")
    return head, top, bottom


def page(rng: random.Random, title: str, paragraphs: list[str], lang: str = "en") -> bytes:
    head, top, bottom = boilerplate(rng, rng.randint(30_000, 125_000))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"{head}</head><body>{top}<main><article><h1>{html.escape(title)}</h1>{body}</article></main>{bottom}"
            "</body></html>").encode()


def synthetic_pages(n: int, seed: int = 5) -> dict[str, Resource]:
    rng = random.Random(seed)
    out = {}
    for i in range(n):
        paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(6, 22))]
        out[f"/story/{i}.html"] = Resource(page(rng, f"Story {i}: {sentence(rng)}", paragraphs),
                                           [("Content-Type", "text/html; charset=utf-8")])
    return out


def throughput(n: int, hosts: int, workers: int) -> dict[str, object]:
    from monitor.config import FeedConfig, HttpSettings, Settings
    from monitor.extract import extract_page
    from monitor.judge import Judgement
    from monitor.parse import Entry
    from monitor.pipeline import Pipeline
    from monitor.store import PollUpdate, open_store

    resources = synthetic_pages(n)
    sizes = [len(r.body) for r in resources.values()]
    sample = list(resources.items())[:200]
    times = []
    for path, r in sample:
        t0 = time.perf_counter()
        extract_page(r.body, f"http://bench.example{path}", "text/html")
        times.append(time.perf_counter() - t0)
    with Server(synthetic_pages, (n,), loopback_hosts(hosts)) as server, \
            tempfile.TemporaryDirectory(prefix="monitor-bench-pages-") as tmp:
        feeds = tuple(FeedConfig(f"site{h}", server.url(h, "/feed.xml"), 900.0) for h in range(hosts))
        settings = Settings(path=None, database_url=f"sqlite:///{tmp}/pages.db", feeds=feeds,
                            http=HttpSettings(per_host=2, concurrency=50))
        store = open_store(settings.database_url)
        now = datetime.now(UTC)
        ids = store.sync_feeds(feeds, now)
        paths = list(resources)
        for h, feed in enumerate(feeds):
            mine = [p for k, p in enumerate(paths) if k % hosts == h]
            entries = [Entry(guid=p, url=server.url(h, p), title=f"Story {p}", summary="", text="",
                             published=now - timedelta(hours=1), language="en") for p in mine]
            judged = {e.guid: (Judgement(False, 0.1, (), topic="eu-russia-dialogue", version="bench"),)
                      for e in entries}
            store.save_poll(ids[feed.name], PollUpdate(now, "ok", now + timedelta(hours=1), 0, 200), entries, judged,
                            frozenset(e.guid for e in entries))
        pending = store.pending_pages()
        statuses: dict[str, int] = {}

        async def go() -> float:
            async with Pipeline(settings, store, workers=workers) as pipeline:
                pipeline.on_page = lambda r: statuses.__setitem__(r.status, statuses.get(r.status, 0) + 1)
                started = time.perf_counter()
                pipeline.queue_pages(pending)
                await pipeline.drain_pages()
                return time.perf_counter() - started

        elapsed = asyncio.run(go())
        store.close()
    return {"pages": len(pending), "page_kb_min_median_max": [round(min(sizes) / 1024), round(
        statistics.median(sizes) / 1024), round(max(sizes) / 1024)], "seconds": round(elapsed, 1),
            "pages_per_second": round(len(pending) / elapsed, 1), "statuses": statuses,
            "extract_ms_median": round(statistics.median(times) * 1000, 1),
            "extract_ms_p90": round(sorted(times)[int(len(times) * 0.9)] * 1000, 1)}


def judge_value(blind: bool) -> dict[str, object]:
    """Headline alone against headline + the article's text extracted from its page, on the real items of one
    part of the split: the blind part or the dev part (both trained on since stop 29)."""
    from dataclasses import replace

    from monitor.extract import extract_page
    from monitor.judge import judges_for
    from monitor.judge.evaluate import evaluate, load_items
    from monitor.judge.realsets import is_blind, shared_files

    rng = random.Random(3)
    judge = judges_for().primary
    headline_only, with_page = [], []
    extracted_ok = 0
    for path in shared_files():
        for item in load_items(path):
            if is_blind(item.id) != blind or not item.title:
                continue
            sentences = [s for s in item.text.replace("\n", " ").split(". ") if s.strip()]
            paragraphs = [s if s.endswith((".", "!", "?", "»", '"')) else s + "." for s in sentences]
            body = page(rng, item.title, paragraphs, item.lang or "en")
            extracted = extract_page(body, f"https://news.example/{item.id}", "text/html")
            extracted_ok += extracted.ok
            headline_only.append(replace(item, text=""))
            # A page too short to count as the article (a one-sentence excerpt) keeps the feed's reading too.
            with_page.append(replace(item, text=extracted.text) if extracted.ok else replace(item, text=""))
    a, b = evaluate(headline_only, judge), evaluate(with_page, judge)
    return {"items": len(with_page), "pages_read": extracted_ok,
            "headline_only": {"macro_f1": round(a.macro_f1, 3), "relevance_f1": round(a.relevance["f1"], 3),
                              "actor_f1": round(a.actors.get("f1", 0.0), 3)},
            "with_page": {"macro_f1": round(b.macro_f1, 3), "relevance_f1": round(b.relevance["f1"], 3),
                          "actor_f1": round(b.actors.get("f1", 0.0), 3)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    t = throughput(args.pages, args.hosts, args.workers)
    parts = {"blind (trained on)": judge_value(blind=True), "dev (trained on)": judge_value(blind=False)}
    if args.json:
        print(json.dumps({"throughput": t, "judge": parts}))
        return
    kb = t["page_kb_min_median_max"]
    print(f"{t['pages']:,} article pages of {kb[0]}–{kb[2]} KB (median {kb[1]} KB) on loopback, {args.workers} "
          f"worker processes: {t['seconds']} s = {t['pages_per_second']} pages/s fetched, extracted and stored "
          f"({t['statuses']})")
    print(f"extraction alone: median {t['extract_ms_median']} ms per page, 90th percentile {t['extract_ms_p90']} ms")
    for part, j in parts.items():
        h, w = j["headline_only"], j["with_page"]
        print(f"judge, {part}: {j['items']} real items given as a headline-only feed ({j['pages_read']} pages long "
              f"enough to count as the article): macro-F1 {h['macro_f1']}, relevance F1 {h['relevance_f1']}, actor "
              f"F1 {h['actor_f1']} from the headline alone; {w['macro_f1']}, {w['relevance_f1']}, {w['actor_f1']} "
              "with the page")


if __name__ == "__main__":
    main()
