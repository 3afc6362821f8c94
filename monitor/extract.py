"""An article page's HTML -> its main text and metadata, or why there is none worth keeping.

Pure (bytes in, a ``PageText`` out), so it runs in the parser worker processes beside feed parsing: extraction
is CPU-bound (tens of milliseconds for a news page with its navigation, related-story boxes and comments).

The text comes from trafilatura, the extractor Media Cloud and most news pipelines now rely on (precision over
recall, no comments, no tables): boilerplate removal is an area where a hand-written rule set loses. From the
page's metadata it also takes the canonical URL (so two aggregator links to one story become one article), the
publication date, the author and the language (``<html lang>`` first).

Not every page is the article: a consent wall, a paywall teaser or a page with a few lines of text would replace
a feed's summary with something worse. Those keep the feed text, and the status says why (the phrases that
give consent walls and paywalls away are data: ``extract.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import yaml

from monitor.parse import canonical_url
from monitor.sanitize import clean_line, clean_text

METHOD = "trafilatura"
MIN_CHARS = 400  # less than this is a teaser, a wall or an error page, not an article
MIN_WORDS = 60
TEXT_CHARS = 100_000  # kept and judged at most; longer is a live blog or a whole section
HTML_TYPES = ("text/html", "application/xhtml+xml")
_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)
_DATA = Path(__file__).with_name("extract.yaml")


@dataclass(frozen=True)
class PageText:
    status: str  # ok | too_short | consent | paywall | not_html | empty
    text: str = ""
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_url: str | None = None
    language: str | None = None
    method: str = METHOD
    reason: str | None = None  # why not ok, in one line

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@cache
def _phrases() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return (tuple(p.casefold() for p in data["consent"]), tuple(p.casefold() for p in data["paywall"]))


def is_html(content_type: str | None, body: bytes) -> bool:
    """Served as HTML, or served as nothing in particular and looking like it."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in HTML_TYPES:
        return True
    if kind and kind not in ("application/octet-stream", "text/plain"):
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in body[:4096].lower()


def _wall(text: str) -> str | None:
    """``consent`` or ``paywall`` when a short text is one of those, else None."""
    folded = text.casefold()
    consent, paywall = _phrases()
    if any(p in folded for p in paywall):
        return "paywall"
    if any(p in folded for p in consent):
        return "consent"
    return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def extract_page(body: bytes, url: str, content_type: str | None = None) -> PageText:
    """The article in ``body`` (the page at ``url``, after redirects). Never raises for bad input."""
    if not body.strip():
        return PageText("empty", reason="the page was empty")
    if not is_html(content_type, body):
        kind = (content_type or "unknown").split(";", 1)[0].strip()
        return PageText("not_html", reason=f"not an HTML page ({kind})")
    import trafilatura  # late: heavy, and only page workers need it

    try:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False,
                                          include_tables=False, favor_precision=True)
    except Exception as exc:  # a worker must not die on one page
        return PageText("empty", reason=f"extraction failed: {clean_line(str(exc))[:200]}")
    lang = _LANG.search(body[:8192])
    language = lang.group(1).decode("ascii").lower() if lang else None
    if doc is None:
        return PageText("empty", language=language, reason="no article text found")
    text = clean_text(doc.text or "").strip()[:TEXT_CHARS]
    meta = {
        "title": clean_line(doc.title or "") or None,
        "author": clean_line(doc.author or "")[:200] or None,
        "published": _date(doc.date),
        "canonical_url": canonical_url(doc.url, url) if doc.url else None,
        "language": language or (doc.language or None),
    }
    words = len(text.split())
    wall = _wall(text) if len(text) < 3 * MIN_CHARS else None
    if wall == "paywall":
        return PageText("paywall", text, **meta, reason=f"a paywall teaser ({words} words)")
    if wall == "consent":
        return PageText("consent", text, **meta, reason="a cookie consent wall instead of the article")
    if len(text) < MIN_CHARS or words < MIN_WORDS:
        return PageText("too_short", text, **meta, reason=f"too little text ({words} words)")
    return PageText("ok", text, **meta)


__all__ = ["METHOD", "PageText", "extract_page", "is_html"]
