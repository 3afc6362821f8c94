"""Bytes -> entries: feedparser plus the normalisation that makes one story one row.

Pure functions only (no I/O), so parsing can run in a worker process: feedparser is CPU-bound and the poll
spreads it over every core. HTML sanitising and relative-URI rewriting inside content are switched off because
only plain text is kept. Well-formed RSS/RDF/Atom 1.0 documents are read by the fast reader (monitor/fastfeed.py),
which reproduces feedparser's result for the fields read here at a fraction of its cost; feedparser reads the rest.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import feedparser

from monitor import fastfeed
from monitor.sanitize import clean_line, clean_text

SUMMARY_CHARS = 1000  # shown in digests and exports
TEXT_CHARS = 50_000  # what the judge reads: the fullest text the feed gives
FUTURE_SLACK = timedelta(days=1)  # later "published" dates are clock or timezone bugs: use first-seen instead


@dataclass(frozen=True)
class Entry:
    guid: str
    url: str | None  # canonical, http(s) only
    title: str
    summary: str  # plain text, short
    text: str  # plain text, full
    published: datetime | None  # UTC; None when the feed gives no usable date
    language: str | None


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...] = ()
    title: str | None = None
    link: str | None = None
    ttl: float | None = None  # RSS <ttl>, seconds: a floor on the poll interval
    warning: str | None = None  # the feed had problems but entries were recovered
    error: str | None = None  # nothing usable: the message says why, in one line


# ------------------------------------------------------------------------------------------------ URLs

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "mc_cid",
        "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id",
        "rb_clickid", "s_cid", "wt_mc", "wt.mc_id", "cmpid", "ocid", "ref_src", "ref_url", "ito", "at_medium",
        "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "xtor", "ncid", "soc_src",
        "soc_trk", "smid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
        "__twitter_impression",
    }
)
# Only parameters that never select content: dropping a real one would merge two stories into one.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_", "hsa_")


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Absolute http(s) URL without tracking parameters, fragment, default port or host case differences.

    Anything else (``file:``, ``javascript:``, ``mailto:``, garbage) is not a link to a story: None.
    """
    if not url:
        return None
    url = clean_text(url).strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        return None  # credentials in a story link are never meant to be kept
    query = ""
    if parts.query:
        # Drop tracking pairs but keep the others byte for byte: re-encoding would turn ``?12345`` into
        # ``?12345=`` and ``%20`` into ``+``, which some sites read as a different page.
        query = "&".join(p for p in parts.query.split("&")
                         if p and not _is_tracking(unquote_plus(p.split("=", 1)[0])))
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


# ------------------------------------------------------------------------------------------------ text

_DROP_BLOCKS = re.compile(r"<(script|style|noscript|template|svg|iframe|object)\b.*?</\1\s*>", re.S | re.I)
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_BREAKS = re.compile(r"<\s*(br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|tr|/tr|blockquote|/blockquote)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]*>")
# Blanks become one space: first the blanks other than " " turn into spaces, then runs of spaces shrink. One regex
# over every blank (r"[ \t\r\f\v\u00a0\u200b]+") cost more than the rest of an entry's normalisation together.
_BLANKS = re.compile(r"[\t\r\f\v\u00a0\u200b]")
_SPACE_RUNS = re.compile(r"  +")


def html_to_text(fragment: str | None) -> str:
    """Readable plain text from an HTML fragment: paragraphs become line breaks, entities are decoded."""
    if not fragment:
        return ""
    text = clean_text(fragment)
    if "<" in text:
        text = _COMMENTS.sub(" ", text)
        text = _DROP_BLOCKS.sub(" ", text)
        text = _BREAKS.sub("\n", text)
        text = _TAGS.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if _BLANKS.search(text):
        text = _BLANKS.sub(" ", text)
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if "\n" in text:
        # Every run of whitespace holding a line break becomes one break (what re.sub(r"\s*\n\s*", "\n") does, but
        # that regex tried a match at every blank of the text).
        text = "\n".join(kept for line in text.split("\n") if (kept := line.strip()))
    return text.strip()


def _plain(detail: Mapping[str, Any] | None, value: str | None) -> str:
    """feedparser leaves text/plain decoded and text/html as markup; only the latter needs stripping."""
    if not value:
        return ""
    kind = (detail or {}).get("type", "text/html")
    if kind == "text/plain" and "<" not in value:
        return clean_line(value)
    return html_to_text(value)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-–") + "…"


def title_key(title: str) -> str:
    """The form of a title used to spot re-posts: case, punctuation and spacing don't make a new story."""
    return " ".join(re.sub(r"[\W_]+", " ", title.casefold()).split())


# ------------------------------------------------------------------------------------------------ dates


def _utc(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _sane(when: datetime | None, now: datetime) -> datetime | None:
    if when is None or when > now + FUTURE_SLACK or when.year < 1995:
        return None
    return when


# ------------------------------------------------------------------------------------------------ feeds


def _language(raw: str | None) -> str | None:
    if not raw:
        return None
    code = re.split(r"[-_]", raw.strip())[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


_XML_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_LEGACY_8BIT = re.compile(r"(iso[-_ ]?8859|latin|l[1-9]$|(windows|cp|x-cp)-?125\d|koi8|(us-)?ascii$|mac)", re.I)
_ROOT = re.compile(rb"<([A-Za-z_][\w:.-]*)")
_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.S)


def _utf8_despite_declaration(body: bytes, hdrs: Mapping[str, str]) -> bool:
    """The charset declared (HTTP first, then the XML declaration) is a legacy 8-bit one, yet the bytes are UTF-8.

    A common publishing bug ("windows-1252" or "ISO-8859-1" in a template, UTF-8 from the database). Real text in
    those encodings is practically never valid UTF-8 once it has bytes above 127, so the bytes win: read as declared
    it would be stored as mojibake ("Euro â‚¬").
    """
    m = _CHARSET.search(hdrs.get("content-type", ""))
    declared = m.group(1) if m else None
    if declared is None:
        x = _XML_DECLARED.match(body[:1024])
        declared = x.group(1).decode("ascii") if x else None
    if not declared or not _LEGACY_8BIT.match(declared.strip()) or body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _root_element(body: bytes) -> str | None:
    m = _ROOT.search(_PROLOG.sub(b"", body[:4096]))
    return m.group(1).decode("ascii", "replace")[:40] if m else None


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or (b"<html" in head and b"<rss" not in head
                                                               and b"<feed" not in head and b"<rdf" not in head)


def _one_line(exc: object) -> str:
    text = clean_line(str(exc))
    return text[:200] or type(exc).__name__


def _guid(raw_id: str | None, url: str | None, title: str, published: datetime | None) -> str:
    if raw_id and raw_id.strip():
        return clean_line(raw_id)[:512]
    if url:
        return url[:512]
    digest = hashlib.sha1(f"{title}\x00{published.isoformat() if published else ''}".encode()).hexdigest()
    return f"sha1:{digest}"


Reader = Literal["auto", "fast", "feedparser"]
UTF8_DESPITE_DECLARATION = "UTF-8 bytes under a legacy 8-bit charset"


def parse_feed(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    base_url: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    *,
    reader: Reader = "auto",
) -> ParsedFeed:
    """Parse a feed document. Never raises for bad input: ``ParsedFeed.error`` says what was wrong.

    ``headers`` are the HTTP response headers (their charset decides the encoding when the document's own
    declaration disagrees); ``language`` is the configured language, which wins over what the feed declares.
    ``reader``: "auto" tries the fast reader (monitor/fastfeed.py) and gives what it declines to feedparser; "fast"
    and "feedparser" force one (tests, bench/parser_diff.py). A document the fast reader declines under "fast" comes
    back as an error "fast reader declined: <why>".
    """
    now = now or datetime.now(UTC)
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    if base_url:
        hdrs["content-location"] = urljoin(base_url, hdrs.get("content-location", "")) or base_url
    if not body or not body.strip():
        return ParsedFeed(error="empty response body")
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") or "json" in hdrs.get("content-type", ""):
        json_feed = _parse_json_feed(stripped, base_url, language, now)
        if json_feed is not None:
            return json_feed
    utf8_despite_declaration = _utf8_despite_declaration(body, hdrs)
    if utf8_despite_declaration:
        # The charset parameter wins over the document's own declaration in feedparser (RFC 3023).
        kind = hdrs.get("content-type", "").split(";", 1)[0].strip() or "application/xml"
        hdrs["content-type"] = f"{kind}; charset=utf-8"
    if reader != "feedparser":
        raw = UTF8_DESPITE_DECLARATION if utf8_despite_declaration else fastfeed.attempt(body, hdrs)
        if isinstance(raw, fastfeed.RawFeed):
            return _assemble(raw.feed, raw.entries, raw.version, raw.bozo, body, hdrs, base_url, language, now)
        if reader == "fast":
            return ParsedFeed(error=f"fast reader declined: {raw}")
    try:
        # A file-like object: given bytes, feedparser would first try them as a local file name.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=hdrs, sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:  # feedparser is robust, but a worker must never die on one feed
        return ParsedFeed(error=f"parser failed: {_one_line(exc)}")
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    return _assemble(parsed.get("feed") or {}, parsed.get("entries") or [], parsed.get("version"), bozo, body, hdrs,
                     base_url, language, now)


def _assemble(
    feed: Mapping[str, Any],
    entries_raw: list[Any],
    version: str | None,
    bozo: object | None,
    body: bytes,
    hdrs: Mapping[str, str],
    base_url: str | None,
    language: str | None,
    now: datetime,
) -> ParsedFeed:
    """feedparser's result (or the fast reader's copy of it) -> ParsedFeed: the one place entries are normalised."""
    if not entries_raw:
        if _looks_like_html(body):
            return ParsedFeed(error="not a feed: the server sent an HTML page")
        if bozo is not None and not version:
            return ParsedFeed(error=f"not a feed: malformed XML ({_one_line(bozo)})")
        if not version and not feed:
            # Well-formed XML that is no feed (an API error document, a sitemap): "ok, 0 entries" would make a
            # feed that never delivers look healthy.
            root = _root_element(body)
            where = f" (root element <{root}>)" if root else ""
            return ParsedFeed(error=f"not a feed: no RSS, Atom or RDF elements{where}")
    feed_lang = language or _language(feed.get("language")) or _language(hdrs.get("content-language"))
    base = feed.get("link") or base_url
    entries: list[Entry] = []
    for e in entries_raw:
        entry = _entry(e, base_url or base, feed_lang, now)
        if entry is not None:
            entries.append(entry)
    ttl = None
    raw_ttl = str(feed.get("ttl") or "").strip()
    if raw_ttl.isdigit():
        ttl = int(raw_ttl) * 60.0
    warning = f"recovered from: {_one_line(bozo)}" if bozo is not None and entries else None
    if not entries and bozo is not None:
        return ParsedFeed(error=f"malformed feed: {_one_line(bozo)}")
    return ParsedFeed(
        entries=tuple(entries),
        title=_plain(feed.get("title_detail"), feed.get("title")) or None,
        link=canonical_url(feed.get("link"), base_url),
        ttl=ttl,
        warning=warning,
    )


def _entry(e: Mapping[str, Any], base: str | None, feed_lang: str | None, now: datetime) -> Entry | None:
    url = canonical_url(e.get("link"), base)
    if url is None:
        for link in e.get("links") or ():
            if link.get("rel", "alternate") == "alternate":
                url = canonical_url(link.get("href"), base)
                if url:
                    break
    title = _plain(e.get("title_detail"), e.get("title"))
    summary_html = e.get("summary") or ""
    content_html = ""
    for c in e.get("content") or ():
        value = c.get("value") or ""
        if len(value) > len(content_html):
            content_html = value
    summary = _plain(e.get("summary_detail"), summary_html)
    content = html_to_text(content_html) if content_html else ""
    text = content if len(content) > len(summary) else summary
    if not title and not text:
        return None
    if not title:
        title = shorten(text.split("\n", 1)[0], 140)
    # dict.get, not FeedParserDict.get: the latter maps a missing "updated" to "published" with a warning.
    published = _sane(_utc(dict.get(e, "published_parsed")) or _utc(dict.get(e, "updated_parsed"))
                      or _utc(e.get("created_parsed")), now)
    lang = feed_lang
    detail_lang = (e.get("title_detail") or {}).get("language") or (e.get("summary_detail") or {}).get("language")
    if detail_lang and not feed_lang:
        lang = _language(detail_lang)
    return Entry(
        guid=_guid(e.get("id"), url, title, published),
        url=url,
        title=shorten(title, 500),
        summary=shorten((summary or text).replace("\n", " "), SUMMARY_CHARS),
        text=shorten(text, TEXT_CHARS),
        published=published,
        language=lang,
    )


def _parse_json_feed(body: bytes, base_url: str | None, language: str | None, now: datetime) -> ParsedFeed | None:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6 does not read. None: not a JSON Feed at all."""
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or "jsonfeed.org/version" not in str(doc.get("version", "")):
        return None
    items = doc.get("items")
    if not isinstance(items, list):
        return ParsedFeed(error="malformed JSON Feed: no items list")
    feed_lang = language or _language(doc.get("language") if isinstance(doc.get("language"), str) else None)
    base = doc.get("home_page_url") if isinstance(doc.get("home_page_url"), str) else base_url
    entries: list[Entry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = canonical_url(_s(item.get("url")) or _s(item.get("external_url")), base_url or base)
        title = html_to_text(_s(item.get("title")))
        text = html_to_text(_s(item.get("content_html"))) or clean_line(_s(item.get("content_text")))
        summary = clean_line(_s(item.get("summary"))) or text
        if not title and not text:
            continue
        published = _sane(_iso(_s(item.get("date_published")) or _s(item.get("date_modified"))), now)
        title = title or shorten(text.split("\n", 1)[0], 140)
        entries.append(Entry(
            guid=_guid(_s(item.get("id")), url, title, published),
            url=url,
            title=shorten(title, 500),
            summary=shorten(summary.replace("\n", " "), SUMMARY_CHARS),
            text=shorten(text or summary, TEXT_CHARS),
            published=published,
            language=language or _language(_s(item.get("language"))) or feed_lang,
        ))
    return ParsedFeed(entries=tuple(entries), title=clean_line(_s(doc.get("title"))) or None,
                      link=canonical_url(_s(doc.get("home_page_url")), base_url))


def _s(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _iso(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
