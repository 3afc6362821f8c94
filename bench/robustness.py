"""Robustness run: every file of the feed corpus through monitor's real pipeline, then a look at what was stored.

    .venv/bin/python bench/robustness.py                       # /work/shared/corpus, summary
    .venv/bin/python bench/robustness.py --corpus DIR --json -v

Each data file of the corpus (feedparser's test files, real news feeds, edge cases; see the corpus README) is
served over loopback HTTP by a server in its own process (``_loopback.py``): with the ``Header:`` lines of its
header comment when it has them (feedparser's ``http`` cases; a missing Content-Type is ``text/xml`` as upstream),
otherwise with a Content-Type guessed from the document (RSS, Atom, RDF, JSON Feed, XML) and no charset, so the
document's own declaration decides as it would from disk. A config naming one feed per file is generated, and one
cycle runs through ``monitor.pipeline.Pipeline`` (fetch, parse in the worker processes, store in a temporary
SQLite database) -- each feed through ``Pipeline.poll``, the call ``poll_many`` makes, wrapped so that an exception
is recorded against its feed instead of ending the run.

Reported: feeds ok / failed, failures by category, entries stored, crashes (an exception out of the pipeline, a
parser worker that died, an error that is not one line: there must be none), and in what was stored: titles with
leftover HTML tags or undecoded entities, mojibake, non-http URLs, publication dates in the future. Then the
specific cases of the corpus README are checked one by one. Exit status 1 if anything crashed or a specific check
failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import html.entities
import json
import logging
import os
import re
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loopback import Resource, Server, loopback_hosts

DEFAULT_CORPUS = Path("/work/shared/corpus")
NOT_DATA = {".md", ".tsv", ".txt", ".py"}

# ------------------------------------------------------------------------------------------------ serving


def data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in NOT_DATA
                  and not p.name.startswith(("LICENSE", ".")))


_HEADER_LINE = re.compile(rb"^Header:[ \t]*([A-Za-z0-9-]+):[ \t]*(.*?)[ \t]*\r?$", re.M)


def _text_head(data: bytes) -> str:
    """The first few KB as text, whatever the Unicode form, for sniffing only."""
    head = data[:4096]
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                     (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")):
        if head.startswith(bom):
            return head[len(bom):].decode(enc, "replace")
    if head[:4] == b"\x00\x00\x00<":
        return head.decode("utf-32-be", "replace")
    if head[:4] == b"<\x00\x00\x00":
        return head.decode("utf-32-le", "replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", "replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", "replace")
    return head.decode("latin-1")


def guess_content_type(path: Path, data: bytes) -> str:
    text = _text_head(data)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return "application/feed+json" if "jsonfeed.org" in text else "application/json"
    body = re.sub(r"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>]*>", "", text, flags=re.S).lstrip()
    if re.match(r"<(\w+:)?rss\b", body):
        return "application/rss+xml"
    if re.match(r"<(\w+:)?(feed|entry)\b", body):
        return "application/atom+xml"
    if re.match(r"<(\w+:)?RDF\b", body):
        return "application/rdf+xml"
    return "application/xml"


def file_headers(path: Path, data: bytes) -> tuple[list[tuple[str, str]], bool]:
    """Headers to send, and whether they came from the file's ``Header:`` lines."""
    found = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in _HEADER_LINE.findall(data[:8192])]
    if found:
        if not any(k.lower() == "content-type" for k, _ in found):
            found.insert(0, ("Content-Type", "text/xml"))
        return found, True
    return [("Content-Type", guess_content_type(path, data))], False


def _head(path: Path) -> bytes:
    """The start of a file, where ``Header:`` lines are looked for."""
    with path.open("rb") as f:
        return f.read(8192)


def url_path(rel: str) -> str:
    return "/" + quote(rel)


def corpus_resources(root: str) -> dict[str, Resource]:
    """Runs in the server process."""
    base = Path(root)
    out = {}
    for p in data_files(base):
        data = p.read_bytes()
        headers, _ = file_headers(p, data)
        out[url_path(p.relative_to(base).as_posix())] = Resource(body=data, headers=headers)
    return out


# ------------------------------------------------------------------------------------------------ polling


@dataclass
class Run:
    reports: dict[str, Any] = field(default_factory=dict)  # feed name -> FeedReport
    crashes: list[tuple[str, str]] = field(default_factory=list)  # (feed, what happened)
    error_logs: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k in ("feed", "url", "error")}
        self.sink.append(f"{record.getMessage()} {fields}")


def write_config(path: Path, database: Path, feeds: list[tuple[str, str]]) -> None:
    lines = ["# generated by bench/robustness.py", f"database: sqlite:///{database}", "log: {level: error}", "feeds:"]
    for name, url in feeds:
        lines += [f"  - name: {json.dumps(name)}", f"    url: {json.dumps(url)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def poll_corpus(urls: dict[str, str], work: Path, workers: int | None) -> tuple[Run, Path]:
    os.environ.pop("MONITOR_DATABASE_URL", None)
    from monitor import logs
    from monitor.config import load_settings
    from monitor.pipeline import Pipeline, utcnow
    from monitor.store import open_store

    config = work / "monitor.yaml"
    database = work / "robustness.db"
    write_config(config, database, list(urls.items()))
    settings = load_settings(config)
    logs.setup("error", "kv", stream=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    run = Run()
    logging.getLogger().addHandler(_Collect(run.error_logs))
    store = open_store(settings.database_url)
    store.sync_feeds(settings.feeds, utcnow())
    feeds = list(settings.enabled_feeds)
    states = store.feed_states([f.name for f in feeds])

    async def cycle() -> None:
        async with Pipeline(settings, store, workers=workers) as pipeline:

            async def one(feed: Any) -> None:
                try:
                    run.reports[feed.name] = await pipeline.poll(feed, states.get(feed.name))
                except Exception as exc:  # the pipeline must never let one out: record it, go on
                    tb = traceback.format_exception(exc)
                    run.crashes.append((feed.name, f"{type(exc).__name__}: {exc} | {''.join(tb[-3:]).strip()}"))

            await asyncio.gather(*(one(f) for f in feeds))

    t0 = time.perf_counter()
    asyncio.run(cycle())
    run.elapsed = time.perf_counter() - t0
    store.close()
    return run, database


# ------------------------------------------------------------------------------------------------ what was stored

TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s+[^<>]*)?/?\s*>")
_NAMED = sorted({n.rstrip(";") for n in html.entities.html5}, key=len, reverse=True)
ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|(?:" + "|".join(map(re.escape, _NAMED)) + r");)")
# UTF-8 read as Latin-1/windows-1252 (Ã©, â€™, Ã¼, Å‚, Ð¿), C1 controls (windows-1252 read as Latin-1), the
# replacement character, and runs of Latin-1 letters that no language writes (KOI8-R or cp1251 read as Latin-1).
MOJIBAKE = re.compile(r"[ÃÂÅÄÐÑ][\u0080-\u00bf]|â€|[\u0080-\u009f]|\ufffd|[\u00c0-\u00ff]{5,}")


@dataclass
class Stored:
    article_id: int
    feed: str
    guid: str
    url: str | None
    title: str
    summary: str
    text: str
    published: datetime
    first_seen: datetime


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def load_stored(database: Path) -> tuple[list[Stored], dict[str, dict[str, Any]]]:
    con = sqlite3.connect(database)
    rows = con.execute(
        "SELECT a.id, f.name, af.guid, a.url, a.title, a.summary, a.text, a.published_at, a.first_seen_at "
        "FROM articles a JOIN article_feeds af ON af.article_id = a.id JOIN feeds f ON f.id = af.feed_id"
    ).fetchall()
    stored = [Stored(r[0], r[1], r[2], r[3], r[4] or "", r[5] or "", r[6] or "", _dt(r[7]), _dt(r[8]))
              for r in rows]
    feeds = {r[0]: {"title": r[1], "status": r[2], "error": r[3], "warning": r[4]}
             for r in con.execute("SELECT name, title, last_status, last_error, last_warning FROM feeds")}
    con.close()
    return stored, feeds


def error_category(message: str) -> str:
    m = message.strip()
    m = re.sub(r"\(.*$", "", m).strip()  # details in parentheses
    m = re.sub(r"^(recovered from|malformed feed|not a feed: malformed XML):.*", r"\1", m)
    m = re.sub(r"<unknown>:\d+:\d+: ", "", m)
    m = re.sub(r"\d+", "N", m)
    return m[:80].rstrip(" :")


# ------------------------------------------------------------------------------------------------ specific checks


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


class Checks:
    def __init__(self, stored: list[Stored], feeds: dict[str, dict[str, Any]], reports: dict[str, Any], root: Path):
        self.by_feed: dict[str, list[Stored]] = defaultdict(list)
        for s in stored:
            self.by_feed[s.feed].append(s)
        self.feeds = feeds
        self.reports = reports
        self.root = root
        self.results: list[Check] = []

    def add(self, name: str, ok: bool, detail: str, required: bool = True) -> None:
        self.results.append(Check(name, ok, detail, required))

    def missing(self, rel: str, name: str | None = None) -> bool:
        """A case whose file is not in this corpus is skipped (shown, not failed)."""
        if (self.root / rel).exists():
            return False
        self.results.append(Check(name or rel, False, "not in this corpus: skipped", required=False))
        return True

    def articles(self, rel: str) -> list[Stored]:
        return self.by_feed.get(rel, [])

    def status(self, rel: str) -> str:
        r = self.reports.get(rel)
        return "missing" if r is None else (r.status + (f" ({r.error})" if r.error else ""))

    def text_of(self, rel: str) -> str:
        feed_title = self.feeds.get(rel, {}).get("title") or ""
        return " | ".join([feed_title] + [f"{a.title} / {a.summary}" for a in self.articles(rel)])

    def expect_text(self, rel: str, *needles: str, required: bool = True, entries: int | None = None) -> None:
        if self.missing(rel):
            return
        text = self.text_of(rel)
        missing = [n for n in needles if n not in text]
        bad = MOJIBAKE.findall(text)
        count = len(self.articles(rel))
        report = self.reports.get(rel)
        polled = report is not None and report.status in ("ok", "unchanged")
        ok = polled and not missing and not bad and (entries is None or count == entries)
        detail = f"{count} articles, {self.status(rel)}"
        if missing:
            detail += f"; missing {missing!r}; stored: {_clip(text, 160)!r}"
        if bad:
            detail += f"; mojibake {sorted(set(bad))[:5]!r}"
        if entries is not None and count != entries:
            detail += f"; expected {entries} articles"
        self.add(rel, ok, detail, required)

    def run(self) -> list[Check]:
        e = "edgecases/encoding/"
        # Declared encodings.
        self.expect_text(e + "koi8r_ru.xml", "Пример RSS ленты", "Первая новость", "Вторая новость", "Москва",
                         entries=2)
        self.expect_text(e + "latin2_pl.xml", "ZAŻÓŁĆ GĘSLĄ JAŹŃ", "Szedł sasza suchą szosą", entries=1)
        self.expect_text(e + "windows-1252.xml", "Euro €")
        self.expect_text(e + "iso-8859-1.xml", "Café")
        self.expect_text(e + "utf8.xml", "테스트 피드", "Café", entries=1)
        for name in ("rss091_iso88591_ptbr_1.xml", "rss091_iso88591_ptbr_2.xml", "rss20_iso88591_ptbr.xml"):
            self.expect_text(e + name, entries=1)
            self._has_accents(e + name)
        # Declarations that lie: the bytes are UTF-8.
        self.expect_text(e + "utf8-incorrect-prolog.xml", "테스트 피드", "Café", entries=1)
        self.expect_text(e + "windows-1252-incorrect-prolog.xml", "Euro €")
        self.expect_text(e + "invalid-prolog.xml", "테스트 피드", "Café", entries=1)
        # Not feeds: a clean per-feed error, nothing stored.
        for name in ("iso88591_utf8_mismatch.xml", "iso88591_decl_only.xml"):
            if self.missing(e + name):
                continue
            r = self.reports.get(e + name)
            self.add(e + name, r is not None and r.status == "error" and not self.articles(e + name),
                     f"{self.status(e + name)}")
        # KOI8-R without any declaration: only a charset detector can tell (feedparser skips it without chardet).
        self.expect_text("feedparser/illformed/chardet/koi8r.xml", "Москва", required=False)
        # windows-1252 smart quotes ("demoronize").
        for n in (1, 2):
            self.expect_text(f"feedparser/encoding/demoronize-{n}.xml", "don\u2019t", entries=1)
        # Latin-1 bytes and no declaration at all.
        self.expect_text("realworld/lecerclepsy_1.xml")
        self._has_accents("realworld/lecerclepsy_1.xml")
        self.expect_text("realworld/uol_1.xml")
        self._has_accents("realworld/uol_1.xml")
        self._duplicate_item()
        self._two_guids()
        self._file_link()
        self._dates_utc()
        return self.results

    def _has_accents(self, rel: str) -> None:
        if self.missing(rel, f"{rel}: accented letters decoded"):
            return
        text = self.text_of(rel)
        accents = re.findall(r"[à-öø-ÿÀ-ÖØ-ß]", text)
        sample = _clip(" ".join(a.title for a in self.articles(rel)[:2]), 90)
        self.add(f"{rel}: accented letters decoded", bool(accents) and not MOJIBAKE.search(text),
                 f"{len(accents)} accented letters, e.g. {sample!r}")

    def _duplicate_item(self) -> None:
        rel = "realworld/bbc_1.xml"
        if self.missing(rel, rel + ": duplicated item stored once"):
            return
        raw = (self.root / rel).read_text("utf-8", "replace")
        guids = re.findall(r"<guid[^>]*>\s*([^<]*?)\s*</guid>", raw)
        arts = self.articles(rel)
        ids = {a.article_id for a in arts}
        dup = [g for g, c in Counter(guids).items() if c > 1]
        dup_rows = [a for a in arts if dup and a.guid == dup[0]]
        ok = len(ids) == len(set(guids)) and len(arts) == len(set(guids)) and len(dup_rows) == 1
        self.add(rel + ": duplicated item stored once", ok,
                 f"{len(guids)} items, {len(set(guids))} distinct guids, {len(ids)} articles, "
                 f"duplicated guid stored {len(dup_rows)}x")

    def _two_guids(self) -> None:
        rel = "edgecases/ids/two_guids_in_one_item.xml"
        if self.missing(rel):
            return
        arts = self.articles(rel)
        ok = len(arts) == 1 and arts[0].guid == "http://www.braingle.com/50366.html"
        self.add(rel, ok, f"{len(arts)} articles, guids {[a.guid for a in arts]!r}, "
                          f"urls {[a.url for a in arts]!r}")

    def _file_link(self) -> None:
        rel = "edgecases/links/bare_item_file_scheme_link.xml"
        if self.missing(rel, rel + ": file:// link dropped"):
            return
        arts = self.articles(rel)
        ok = all(a.url is None or a.url.startswith(("http://", "https://")) for a in arts)
        self.add(rel + ": file:// link dropped", ok,
                 f"{self.status(rel)}; {len(arts)} articles, urls {[a.url for a in arts]!r}, "
                 f"titles {[a.title for a in arts]!r}")

    def _dates_utc(self) -> None:
        """Stored publication times against each item's own date string, converted to UTC here independently.

        Items are matched by guid (or link); items whose date has no zone, or that the reference parser here cannot
        read, are left out (the count is shown).
        """
        names = ["aif_1", "ct24_1", "espn_1", "golem_2", "hdblog_1", "liberal_gr_1", "motor_ru_1", "mundodeportivo_1",
                 "nbcnewyork_1", "nu_nl_1", "varthabharathi_1", "washingtonpost_1", "theverge_1", "heise_1",
                 "dday_1", "golem_1", "orf_1", "bbc_1", "guardian_1", "nasa_1", "uol_1"]
        checked = matched = skipped = 0
        bad: list[str] = []
        for name in names:
            rel = f"realworld/{name}.xml"
            path = self.root / rel
            if not path.exists():
                continue
            items = _item_dates(path.read_bytes())
            for a in self.articles(rel):
                expected = items.get(a.guid) or items.get(a.url or "")
                if not expected:
                    skipped += 1
                    continue
                checked += 1
                if any(abs((a.published - x).total_seconds()) < 1 for x in expected):
                    matched += 1
                else:
                    bad.append(f"{name}: stored {a.published.isoformat()}, feed says "
                               f"{[x.isoformat() for x in expected]} {_clip(a.title, 40)!r}")
        if not checked and not skipped:
            self.missing("realworld/" + names[0] + ".xml", "dates in UTC")
            return
        self.add(f"dates in UTC ({len(names)} real feeds with zone offsets and names)",
                 checked > 0 and matched == checked,
                 f"{matched}/{checked} stored dates equal the item's date converted to UTC "
                 f"({skipped} items without a zoned date skipped)" + (f"; e.g. {bad[:3]!r}" if bad else ""))


_DATE_ELEMENTS = re.compile(rb"<(pubDate|published|updated|dc:date|issued|modified)>\s*(?:<!\[CDATA\[)?\s*([^<\]]+?)\s*"
                            rb"(?:\]\]>)?\s*</\1>")
_ITEM = re.compile(rb"<(item|entry)[\s>].*?</\1>", re.S)
_ITEM_KEY = re.compile(rb"<(?:guid|id)[^>]*>\s*(?:<!\[CDATA\[)?\s*([^<\]]+?)\s*(?:\]\]>)?\s*</(?:guid|id)>"
                       rb"|<link>\s*(?:<!\[CDATA\[)?\s*([^<\]]+?)\s*(?:\]\]>)?\s*</link>|<link[^>]*href=\"([^\"]+)\"")


def _zoned(text: str) -> datetime | None:
    when: datetime | None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return when.astimezone(UTC) if when is not None and when.tzinfo is not None else None


def _item_dates(raw: bytes) -> dict[str, list[datetime]]:
    """guid / id / link of each item -> the UTC instants of its date elements that carry a zone."""
    out: dict[str, list[datetime]] = {}
    for m in _ITEM.finditer(raw):
        block = m.group(0)
        dates = [d for _tag, v in _DATE_ELEMENTS.findall(block) if (d := _zoned(v.decode("utf-8", "replace").strip()))]
        if not dates:
            continue
        for groups in _ITEM_KEY.findall(block):
            for g in groups:
                if g:
                    out[" ".join(g.decode("utf-8", "replace").split())] = dates
    return out


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------------------------------------------------------ report


def quality(stored: list[Stored], feeds: dict[str, dict[str, Any]], started: datetime) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()

    def flag(kind: str, article: Stored | None, feed: str, what: str) -> None:
        key = (kind, article.article_id if article else hash(feed))
        if key in seen:
            return
        seen.add(key)
        found[kind].append(f"{feed}: {what}")

    for a in stored:
        if m := TAG.search(a.title):
            flag("title: leftover HTML tag", a, a.feed, f"{m.group(0)!r} in {_clip(a.title, 80)!r}")
        if m := ENTITY.search(a.title):
            flag("title: undecoded entity", a, a.feed, f"{m.group(0)!r} in {_clip(a.title, 80)!r}")
        if m := TAG.search(a.summary):
            flag("summary: leftover HTML tag", a, a.feed, f"{m.group(0)!r} in {_clip(a.summary, 80)!r}")
        if m := ENTITY.search(a.summary):
            flag("summary: undecoded entity", a, a.feed, f"{m.group(0)!r} in {_clip(a.summary, 80)!r}")
        for part, text in (("title", a.title), ("summary", a.summary), ("text", a.text)):
            if m := MOJIBAKE.search(text):
                ctx = text[max(0, m.start() - 25): m.end() + 25]
                flag(f"{part}: mojibake", a, a.feed, f"{m.group(0)!r} in {_clip(ctx, 80)!r}")
        if a.url is not None and not a.url.startswith(("http://", "https://")):
            flag("url: not http(s)", a, a.feed, a.url[:100])
        if a.published > started + timedelta(minutes=5):
            flag("published in the future", a, a.feed, f"{a.published.isoformat()} {_clip(a.title, 50)!r}")
        if not a.title.strip():
            flag("title: empty", a, a.feed, f"guid {a.guid[:60]!r}")
    for name, f in feeds.items():
        title = f.get("title") or ""
        if m := MOJIBAKE.search(title):
            flag("feed title: mojibake", None, name, f"{m.group(0)!r} in {_clip(title, 80)!r}")
        if m := TAG.search(title):
            flag("feed title: leftover HTML tag", None, name, f"{m.group(0)!r} in {_clip(title, 80)!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"corpus folder [{DEFAULT_CORPUS}]")
    ap.add_argument("--workers", type=int, default=None, help="parser processes [one per core]")
    ap.add_argument("--hosts", type=int, default=16, help="loopback addresses to spread the files over [16]")
    ap.add_argument("--examples", type=int, default=5, help="examples shown per finding [5]")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (config, database)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failed feed")
    ap.add_argument("--json", action="store_true", help="also print the summary as one JSON line")
    args = ap.parse_args(argv)

    root: Path = args.corpus.resolve()
    files = data_files(root)
    if not files:
        print(f"robustness: no data files under {root}", file=sys.stderr)
        return 2
    rels = [p.relative_to(root).as_posix() for p in files]
    from_headers = sum(1 for p in files if file_headers(p, _head(p))[1])
    work = Path(tempfile.mkdtemp(prefix="monitor-robustness-"))
    print(f"robustness: {len(files)} files from {root} ({from_headers} with Header: lines)", file=sys.stderr)
    with Server(corpus_resources, (str(root),), loopback_hosts(args.hosts)) as server:
        names: dict[str, str] = {}
        taken: set[str] = set()
        for i, rel in enumerate(rels):
            name = rel
            while name.casefold() in taken:
                name += "~"
            taken.add(name.casefold())
            names[name] = server.url(i, url_path(rel))
        run, database = poll_corpus(names, work, args.workers)
    stored, feeds = load_stored(database)

    reports = run.reports
    status = Counter(r.status for r in reports.values())
    failed = {n: r for n, r in reports.items() if r.status == "error"}
    categories = Counter(error_category(r.error or "") for r in failed.values())
    warnings = Counter(error_category(r.warning) for r in reports.values() if r.warning)
    not_one_line = [(n, r.error) for n, r in failed.items() if not r.error or "\n" in r.error or len(r.error) > 400]
    worker_deaths = [(n, r.error) for n, r in failed.items() if "worker crashed" in (r.error or "")]
    missing = [n for n in names if n not in reports and n not in {c[0] for c in run.crashes}]
    crashes = ([f"{n}: {what}" for n, what in run.crashes] + [f"{n}: {e}" for n, e in worker_deaths]
               + [f"{n}: error is not one line: {e!r}"[:300] for n, e in not_one_line]
               + [f"{n}: no report" for n in missing] + [f"logged error: {e}" for e in run.error_logs])
    ok_empty = sum(1 for r in reports.values() if r.status == "ok" and r.entries == 0)
    findings = quality(stored, feeds, run.started)
    checks = Checks(stored, feeds, reports, root).run()
    articles = len({s.article_id for s in stored})

    other = {k: v for k, v in status.items() if k not in ("ok", "error", "unchanged")}
    print(f"\nmonitor robustness run: {len(files)} corpus files through the pipeline in {run.elapsed:.1f}s")
    print(f"  feeds ok: {status.get('ok', 0) + status.get('unchanged', 0)} "
          f"({ok_empty} of them without entries, {sum(warnings.values())} recovered with a warning), "
          f"failed: {status.get('error', 0)}, other: {other}")
    print(f"  entries stored: {articles} articles, {len(stored)} feed links")
    print(f"  crashes: {len(crashes)}")
    for c in crashes[: args.examples * 4]:
        print(f"    {_clip(c, 300)}")
    print("  failures by category:")
    for cat, n in categories.most_common():
        print(f"    {n:5d}  {cat}")
    print("  warnings (entries kept) by category:")
    for cat, n in warnings.most_common(12):
        print(f"    {n:5d}  {cat}")
    if args.verbose:
        print("  failed feeds:")
        for n, r in sorted(failed.items()):
            print(f"    {n}: {r.error}")
    print("  stored text and links:")
    kinds = ["title: leftover HTML tag", "title: undecoded entity", "summary: leftover HTML tag",
             "summary: undecoded entity", "title: mojibake", "summary: mojibake", "text: mojibake",
             "feed title: mojibake", "feed title: leftover HTML tag", "url: not http(s)", "published in the future",
             "title: empty"]
    for kind in kinds:
        items = findings.get(kind, [])
        print(f"    {len(items):5d}  {kind}")
        for ex in items[: args.examples]:
            print(f"             {_clip(ex, 150)}")
    print("  specific checks (corpus README):")
    for c in checks:
        mark = "ok" if c.ok else ("FAIL" if c.required else ("skip" if "skipped" in c.detail else "info"))
        print(f"    [{mark:>4}] {c.name}: {_clip(c.detail, 220)}")

    failed_checks = [c.name for c in checks if c.required and not c.ok]
    code = 1 if crashes or failed_checks else 0
    if args.json:
        print(json.dumps({
            "files": len(files), "elapsed_s": round(run.elapsed, 1), "status": dict(status),
            "ok_without_entries": ok_empty,
            "with_warning": sum(warnings.values()), "articles": articles, "feed_links": len(stored),
            "crashes": len(crashes), "failure_categories": dict(categories.most_common()),
            "findings": {k: len(v) for k, v in findings.items()},
            "checks_failed": failed_checks, "checks_info": [c.name for c in checks if not c.required and not c.ok],
            "exit": code,
        }, ensure_ascii=False, sort_keys=True))
    if args.keep:
        print(f"  kept: {work}", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
