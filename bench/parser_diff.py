"""Differential test of the fast reader (monitor/fastfeed.py) against feedparser, plus their cost.

Every document of a corpus (default: ../shared/corpus, see its README) is parsed twice by parse_feed: once with
reader="fast" and once with reader="feedparser". For each document the fast reader accepts, the two ParsedFeeds must
be identical (feed title/link/ttl/warning/error; every entry's guid, url, title, summary, text, published, language).
Each document is read in two settings:

* bare:   only the HTTP headers the file itself states (feedparser's test files carry ``Header:`` lines), no base URL;
* served: those headers, an XML content type when the file states none, and a base URL (relative links resolve).

Then the cost: ms per item of parse_feed with each reader, and of the readers alone (fastfeed.read vs
feedparser.parse), on realworld/ and on the benchmark feeds of bench/poll.py (make_feed, 30 items).

    python bench/parser_diff.py [--corpus DIR] [--show N] [--list] [--no-timing]

Exit status 1 when any accepted document differs.
"""

from __future__ import annotations

import argparse
import collections
import io
import re
import sys
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import feedparser

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from monitor import fastfeed  # noqa: E402
from monitor.parse import Entry, ParsedFeed, parse_feed  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)  # fixed, so that "future date" checks agree run to run
DECLINED = "fast reader declined: "
_HEADER = re.compile(r"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
SKIP_SUFFIXES = {".md", ".tsv", ".py", ".txt"}


def file_headers(body: bytes) -> dict[str, str]:
    """The ``Header: Name: value`` lines of a feedparser test file's leading comment."""
    head = body[:4096].decode("latin-1")
    return {name: value for name, value in _HEADER.findall(head)}


def settings(path: Path, body: bytes, corpus: Path) -> list[tuple[str, dict[str, str], str | None]]:
    own = file_headers(body)
    served = dict(own)
    if not any(k.lower() == "content-type" for k in served):
        served["Content-Type"] = "application/xml"
    return [("bare", own, None), ("served", served, f"https://feeds.example.net/{path.relative_to(corpus)}")]


def differences(fast: ParsedFeed, slow: ParsedFeed) -> list[str]:
    out = [f"feed.{name}: fast={getattr(fast, name)!r} feedparser={getattr(slow, name)!r}"
           for name in ("title", "link", "ttl", "warning", "error") if getattr(fast, name) != getattr(slow, name)]
    if len(fast.entries) != len(slow.entries):
        out.append(f"entries: fast={len(fast.entries)} feedparser={len(slow.entries)}")
    for i, (a, b) in enumerate(zip(fast.entries, slow.entries, strict=False)):
        for f in fields(Entry):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if x != y:
                out.append(f"entry[{i}].{f.name}: fast={x!r:.120} feedparser={y!r:.120}")
    return out


def short_reason(reason: str) -> str:
    """Group decline reasons: element names stay (they say what to support next), values go."""
    return re.sub(r"'[^']*'", "'…'", reason)[:90]


def run_diff(corpus: Path, show: int, list_files: bool) -> int:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix not in SKIP_SUFFIXES
                   and p.name != "README")
    per_folder: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    reasons: collections.Counter[str] = collections.Counter()
    diffs: list[tuple[str, str, list[str]]] = []
    accepted_names: dict[str, list[str]] = collections.defaultdict(list)
    for path in files:
        body = path.read_bytes()
        folder = path.relative_to(corpus).parts[0]
        for setting, headers, base_url in settings(path, body, corpus):
            fast = parse_feed(body, headers, base_url, now=NOW, reader="fast")
            slow = parse_feed(body, headers, base_url, now=NOW, reader="feedparser")
            if fast.error and fast.error.startswith(DECLINED):
                per_folder[folder][f"{setting} declined"] += 1
                reasons[short_reason(fast.error[len(DECLINED):])] += 1
                continue
            per_folder[folder][f"{setting} accepted"] += 1
            per_folder[folder][f"{setting} accepted entries"] += len(slow.entries)
            if setting == "served":
                accepted_names[folder].append(path.name)
            found = differences(fast, slow)
            if found:
                diffs.append((str(path.relative_to(corpus)), setting, found))

    print(f"corpus: {corpus} ({len(files)} files, each read bare and served)\n")
    print(f"{'folder':18} {'setting':7} {'accepted':>9} {'declined':>9} {'entries':>8}")
    for folder in sorted(per_folder):
        c = per_folder[folder]
        for setting in ("bare", "served"):
            print(f"{folder:18} {setting:7} {c[setting + ' accepted']:9d} {c[setting + ' declined']:9d} "
                  f"{c[setting + ' accepted entries']:8d}")
    print("\ndecline reasons (both settings):")
    for reason, n in reasons.most_common():
        print(f"  {n:5d}  {reason}")
    if list_files:
        for folder, names in sorted(accepted_names.items()):
            print(f"\naccepted in {folder} (served): {' '.join(names)}")
    print(f"\ndifferences on accepted documents: {len(diffs)}")
    for name, setting, found in diffs[:show]:
        print(f"  {name} [{setting}]")
        for line in found[:8]:
            print(f"      {line}")
    return 1 if diffs else 0


def per_item(docs: list[tuple[bytes, dict[str, str], str | None]], parse: object, rounds: int = 3) -> float:
    """Best-of-rounds ms per item of parse(body, headers, base_url)."""
    items = sum(len(parse_feed(b, h, u, now=NOW, reader="feedparser").entries) for b, h, u in docs) or 1
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for body, headers, base_url in docs:
            parse(body, headers, base_url)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best * 1000 / items


def run_timing(corpus: Path) -> None:
    from poll import make_feed  # bench/poll.py

    realworld = []
    for path in sorted((corpus / "realworld").glob("*.xml")):
        body = path.read_bytes()
        realworld.append((body, {"Content-Type": "application/xml"}, f"https://feeds.example.net/{path.name}"))
    accepted = [d for d in realworld if fastfeed.read(d[0], {"content-type": "application/xml",
                                                             "content-location": d[2]}) is not None]
    now = datetime.now(UTC).replace(microsecond=0)
    bench = [(make_feed(i, 30, now), {"Content-Type": "application/rss+xml; charset=utf-8"},
              f"https://feeds.example.net/{i}") for i in range(200)]

    def fast(b: bytes, h: dict[str, str], u: str | None) -> object:
        return parse_feed(b, h, u, now=NOW, reader="fast")

    def auto(b: bytes, h: dict[str, str], u: str | None) -> object:
        return parse_feed(b, h, u, now=NOW)

    def slow(b: bytes, h: dict[str, str], u: str | None) -> object:
        return parse_feed(b, h, u, now=NOW, reader="feedparser")

    def read_fast(b: bytes, h: dict[str, str], u: str | None) -> object:
        return fastfeed.read(b, {"content-type": h["Content-Type"], "content-location": u or ""})

    def read_slow(b: bytes, h: dict[str, str], u: str | None) -> object:
        return feedparser.parse(io.BytesIO(b), response_headers={"content-type": h["Content-Type"],
                                                                 "content-location": u or ""},
                                sanitize_html=False, resolve_relative_uris=False)

    print("\nms per item (best of 3)          parse_feed fast  parse_feed feedparser  "
          "fastfeed.read  feedparser.parse")
    for name, docs in ((f"realworld/ accepted ({len(accepted)}/{len(realworld)} files)", accepted),
                       ("realworld/ all, reader=auto", realworld), ("bench make_feed 200x30", bench)):
        first = auto if "auto" in name else fast
        print(f"  {name:34} {per_item(docs, first):12.4f}  {per_item(docs, slow):20.4f}  "
              f"{per_item(docs, read_fast):13.4f}  {per_item(docs, read_slow):16.4f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    ap.add_argument("--show", type=int, default=30, help="how many differing documents to print")
    ap.add_argument("--list", action="store_true", help="list the accepted files per folder")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        corpus = Path("/work/shared/corpus")
    status = run_diff(corpus, args.show, args.list)
    if not args.no_timing:
        run_timing(corpus)
    return status


if __name__ == "__main__":
    sys.exit(main())
