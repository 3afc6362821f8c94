"""Digest build time over a realistic store: ``python bench/digest.py``.

Stores 20,000 articles (default) from 40 outlets over the last 14 days through the store's own poll path: about
three in ten relevant, each relevant one with one to three member-state stances drawn from per-state leanings
(Hungary and Slovakia mostly pro-dialogue, Poland and the Baltic states mostly hardline, the rest mixed), a
quarter of the relevant stories carried by two to four outlets under slightly different titles, and a few
failing feeds. Then times a weekly digest (``0 8 * * 1``, its first run: the last seven days, compared with the
seven before) the way ``monitor digest preview`` builds it: read from the store, select, render both parts.
Target from issue 4: <= 2 s.

``--case worst`` (issue 8): 20,000 relevant stories all inside the window, whose titles draw six to ten words
from a vocabulary of 58 news words, so that nearly every title shares words with thousands of others: the case
that made grouping copies quadratic (95 s). Target: <= 3 s. ``--case both`` runs the two in one go.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from monitor.config import FeedConfig, parse_settings
from monitor.digest import run as digest_run
from monitor.digest.render import render
from monitor.digest.select import build
from monitor.digest.tilemap import load_layout
from monitor.judge import EU27, HARD, MIXED, PRO, Judgement, Stance, country_name
from monitor.parse import Entry
from monitor.store import PollUpdate, open_store

TOPIC = "eu-russia-dialogue"
LEANINGS = {"HU": (0.75, 0.1), "SK": (0.6, 0.2), "PL": (0.05, 0.85), "EE": (0.03, 0.9), "LV": (0.05, 0.85),
            "LT": (0.04, 0.9), "FI": (0.1, 0.75), "SE": (0.1, 0.7), "CZ": (0.2, 0.6), "DK": (0.1, 0.7),
            "NL": (0.15, 0.6), "FR": (0.45, 0.3), "DE": (0.35, 0.4), "IT": (0.45, 0.3), "AT": (0.5, 0.25),
            "GR": (0.5, 0.25), "CY": (0.55, 0.2), "BG": (0.45, 0.3)}  # P(pro), P(hard); the rest is mixed
ACTIVITY = {"HU": 9, "PL": 8, "EE": 5, "LT": 5, "LV": 4, "SK": 6, "FR": 6, "DE": 7, "IT": 5, "FI": 3}
SUBJECTS = ["talks with Moscow", "a new sanctions package", "an EU envoy to the Kremlin", "the gas price cap",
            "expelling Russian diplomats", "a ceasefire initiative", "frozen Russian assets", "visa bans",
            "reopening the embassy in Moscow", "the shadow fleet"]
VERBS_PRO = ["called for", "backed", "pushed for", "defended", "argued in favour of"]
VERBS_HARD = ["rejected", "vetoed any softening on", "warned against", "condemned", "ruled out"]
VERBS_MIXED = ["set conditions on", "was split over", "hedged on", "asked for guarantees on"]
OUTLETS = [f"Outlet {i:02d}" for i in range(40)]


def stance_for(rng: random.Random, code: str, subject: str) -> Stance:
    p_pro, p_hard = LEANINGS.get(code, (0.3, 0.3))
    roll = rng.random()
    label = PRO if roll < p_pro else HARD if roll < p_pro + p_hard else MIXED
    verb = rng.choice({PRO: VERBS_PRO, HARD: VERBS_HARD, MIXED: VERBS_MIXED}[label])
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    evidence = (f"{country_name(code)}'s foreign minister {verb} {subject} on {day}, telling reporters in Brussels "
                "that the government's position had not changed since the last summit and that partners had been "
                "told so.")
    return Stance(code, label, round(rng.uniform(0.55, 0.95), 2), evidence, ("bench",))


def populate(store, n: int, now: datetime, seed: int = 7) -> int:
    rng = random.Random(seed)
    ids = store.sync_feeds([FeedConfig(name=o, url=f"https://{o.replace(' ', '').lower()}.example/rss",
                                       interval=900.0) for o in OUTLETS], now - timedelta(days=15))
    weights = [ACTIVITY.get(c, 1) for c in EU27]
    start = now - timedelta(days=14)
    per_poll = 200
    made = 0
    while made < n:
        polled = start + timedelta(seconds=(made / n) * 14 * 86400)
        batches: dict[str, tuple[list[Entry], dict]] = {}
        for _ in range(per_poll):
            if made >= n:
                break
            relevant = rng.random() < 0.3
            subject = rng.choice(SUBJECTS)
            codes = sorted(set(rng.choices(EU27, weights=weights, k=rng.choice([1, 1, 2, 3])))) if relevant else []
            title = (f"{' and '.join(country_name(c) for c in codes)} on {subject}: story {made}" if relevant
                     else f"Local news item {made}: council budget and road repairs")
            stances = tuple(stance_for(rng, c, subject) for c in codes)
            copies = rng.choice([2, 3, 4]) if relevant and rng.random() < 0.25 else 1
            for k, outlet in enumerate(rng.sample(OUTLETS, copies)):
                if made >= n:
                    break
                shown = title if k == 0 else f"{title} - {outlet}"
                guid = f"https://{outlet.replace(' ', '').lower()}.example/{made}"
                entries, judged = batches.setdefault(outlet, ([], {}))
                entries.append(Entry(guid=guid, url=guid, title=shown, summary=f"{shown}. " * 3,
                                     text=f"{shown}. " * 6, published=polled - timedelta(minutes=rng.randint(5, 240)),
                                     language="en"))
                judged[guid] = (Judgement(relevant, 0.9 if relevant else 0.05, stances, topic=TOPIC,
                                          version="bench"),)
                made += 1
        _save(store, ids, batches, polled)
    for outlet in OUTLETS[:3]:  # a few feeds are failing, as some always are
        store.save_poll(ids[outlet], PollUpdate(polled_at=now, status="error", next_poll_at=now + timedelta(hours=1),
                                                consecutive_failures=5, http_status=503,
                                                error="HTTP 503 Service Unavailable"))
    return store.count_articles()


def _save(store, ids: dict[str, int], batches: dict[str, tuple[list[Entry], dict]], polled: datetime) -> None:
    """Each outlet's batch stored as one successful poll at ``polled``."""
    for outlet, (entries, judged) in batches.items():
        poll = PollUpdate(polled_at=polled, status="ok", next_poll_at=polled + timedelta(minutes=15),
                          consecutive_failures=0, http_status=200)
        store.save_poll(ids[outlet], poll, entries, judged)


VOCABULARY = ["EU", "Russia", "sanctions", "talks", "Moscow", "Kremlin", "Brussels", "summit", "ministers",
              "package", "veto", "envoy", "gas", "oil", "price", "cap", "assets", "frozen", "ceasefire", "embassy",
              "diplomats", "expelled", "visa", "ban", "shadow", "fleet", "Hungary", "Poland", "Slovakia", "Estonia",
              "Latvia", "Lithuania", "France", "Germany", "Italy", "Finland", "Sweden", "Austria", "call", "rejects",
              "backs", "warns", "blocks", "plan", "deal", "channel", "dialogue", "pressure", "isolation", "new",
              "latest", "week", "leaders", "foreign", "minister", "meeting", "agree", "split"]


def populate_worst(store, n: int, now: datetime, seed: int = 11) -> int:
    """``n`` relevant stories stored over the last six days, titles from ``VOCABULARY`` only."""
    rng = random.Random(seed)
    ids = store.sync_feeds([FeedConfig(name=o, url=f"https://{o.replace(' ', '').lower()}.example/rss",
                                       interval=900.0) for o in OUTLETS], now - timedelta(days=7))
    start = now - timedelta(days=6)
    made = 0
    while made < n:
        polled = start + timedelta(seconds=(made / n) * 6 * 86400)
        batches: dict[str, tuple[list[Entry], dict]] = {}
        for _ in range(min(200, n - made)):
            title = " ".join(rng.sample(VOCABULARY, rng.randint(6, 10)))
            code = rng.choice(EU27)
            outlet = rng.choice(OUTLETS)
            guid = f"https://{outlet.replace(' ', '').lower()}.example/w{made}"
            entries, judged = batches.setdefault(outlet, ([], {}))
            entries.append(Entry(guid=guid, url=guid, title=title, summary=title, text=title,
                                 published=polled - timedelta(minutes=rng.randint(5, 240)), language="en"))
            judged[guid] = (Judgement(True, 0.9, (stance_for(rng, code, rng.choice(SUBJECTS)),), topic=TOPIC,
                                      version="bench"),)
            made += 1
        _save(store, ids, batches, polled)
    return store.count_articles()


def measure(case: str, articles: int, database: str | None, repeat: int) -> dict[str, object]:
    """Store ``case``'s articles in a fresh database and time the weekly digest's build over them."""
    tmp = tempfile.TemporaryDirectory(prefix="monitor-bench-digest-")
    url = database or f"sqlite:///{tmp.name}/bench.db"
    feeds = "\n".join(f"  - name: {o}\n    url: https://{o.replace(' ', '').lower()}.example/rss" for o in OUTLETS)
    settings = parse_settings(f"database: {url}\nfeeds:\n{feeds}\ndigests:\n  - name: weekly\n"
                              "    schedule: '0 8 * * 1'\n    timezone: Europe/Brussels\n"
                              "    recipients: [analyst@example.org]\n", "bench.yaml")
    digest = settings.digest("weekly")
    now = datetime.now(UTC).replace(microsecond=0)
    store = open_store(settings.database_url)
    started = time.perf_counter()
    stored = (populate_worst if case == "worst" else populate)(store, articles, now)
    seeded = time.perf_counter() - started

    layout = load_layout()
    digest_run.prepare(settings, store, digest, now, layout=layout)  # warm: templates compiled, topic loaded
    totals, reads, selects, renders = [], [], [], []
    prep = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        prep = digest_run.prepare(settings, store, digest, now, layout=layout)
        totals.append(time.perf_counter() - t0)
        # The same work in its three parts, for the breakdown.
        t0 = time.perf_counter()
        inp = digest_run.gather(settings, store, digest, digest_run.preview_window(store, digest, now))
        t1 = time.perf_counter()
        data = build(inp, layout)
        t2 = time.perf_counter()
        render(data, digest.subject)
        t3 = time.perf_counter()
        reads.append(t1 - t0)
        selects.append(t2 - t1)
        renders.append(t3 - t2)
    store.close()
    if database:  # leave the given database empty for the next case
        from sqlalchemy import create_engine, text

        engine = create_engine(database)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    tmp.cleanup()
    assert prep is not None
    data, rendered = prep.data, prep.rendered
    return {
        "case": case, "articles_stored": stored, "seconds_to_store": round(seeded, 1),
        "window_days": round(prep.window.length.total_seconds() / 86400, 2),
        "relevant_articles_in_window": data.articles_count, "stories_in_window": data.stories_count,
        "previous_period_stories": data.previous_stories_count, "states": data.states_count,
        "failing_feeds": len(data.failing_feeds),
        "build_seconds_median": round(statistics.median(totals), 3), "build_seconds_best": round(min(totals), 3),
        "read_seconds": round(statistics.median(reads), 3), "select_seconds": round(statistics.median(selects), 3),
        "render_seconds": round(statistics.median(renders), 3),
        "html_bytes": len(rendered.html.encode()), "text_bytes": len(rendered.text.encode()),
        "database": "sqlite" if url.startswith("sqlite") else url.split(":", 1)[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--case", choices=["realistic", "worst", "both"], default="both")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database [default: a temporary SQLite file]")
    parser.add_argument("--repeat", type=int, default=5, help="timed builds; the median is reported")
    parser.add_argument("--json", action="store_true", help="print one JSON line per case instead of a table")
    args = parser.parse_args()
    cases = ["realistic", "worst"] if args.case == "both" else [args.case]
    for case in cases:
        f = measure(case, args.articles, args.database, args.repeat)
        if args.json:
            print(json.dumps(f))
            continue
        target = 3 if case == "worst" else 2
        if case == "worst":
            print(f"\nworst case: {f['articles_stored']:,} relevant stories over 6 days, titles from "
                  f"{len(VOCABULARY)} words ({f['seconds_to_store']} s to store), {f['database']}")
        else:
            print(f"store: {f['articles_stored']:,} articles from {len(OUTLETS)} outlets over 14 days "
                  f"({f['seconds_to_store']} s to store), {f['database']}")
        print(f"weekly digest window: {f['window_days']} days, {f['relevant_articles_in_window']:,} relevant "
              f"articles -> {f['stories_in_window']:,} stories ({f['previous_period_stories']:,} the week before), "
              f"{f['states']} states, {f['failing_feeds']} failing feeds")
        print(f"build (read + select + render), median of {args.repeat}: {f['build_seconds_median']:.3f} s "
              f"(best {f['build_seconds_best']:.3f} s; target <= {target} s)")
        print(f"  read from the store {f['read_seconds']:.3f} s, select {f['select_seconds']:.3f} s, "
              f"render {f['render_seconds']:.3f} s")
        print(f"HTML {f['html_bytes']:,} bytes (limit 100,000), text {f['text_bytes']:,} bytes")


if __name__ == "__main__":
    main()
