"""Feed list management: OPML import and export, feed discovery from a site URL, and appending to the config.

The YAML config is the one file users edit by hand, so these commands change it the way a careful person would:
round-trip loaded (comments, key order, quoting and indentation survive), new feeds appended at the end of
``feeds``, the result validated by :mod:`monitor.config` *before* it is written, and written atomically (a temp
file renamed over the original), so a running daemon's SIGHUP never reads half a file and a failed command never
leaves a broken config behind. Everything a user can get wrong ends as a :class:`FeedListError` of one line.

The OPML and HTML functions are pure; only :func:`discover` does I/O, and it goes through the project's
:class:`~monitor.fetch.Fetcher`, so the same size, time and redirect limits apply as when polling.
"""

from __future__ import annotations

import asyncio
import copy
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.config import (
    ConfigError,
    FeedConfig,
    HttpSettings,
    Settings,
    _language,
    check_http_url,
    format_duration,
    parse_duration,
    parse_settings,
    read_config_text,
)
from monitor.files import write_atomic
from monitor.sanitize import clean_line

NAME_LIMIT = 80  # a derived name is a label in tables and digests, not a paragraph
# Where sites without a <link rel="alternate"> usually keep their feed, most common first.
FALLBACK_PATHS = ("feed", "rss", "rss.xml", "feed.xml", "atom.xml", "index.xml")
# Advertised feed types in order of preference: RSS and Atom are what every publisher's feed is really made of;
# JSON Feed is a fine second. Plain application/json is left out on purpose: WordPress advertises its REST API
# with it, which is no feed.
FEED_TYPES = {"application/rss+xml": 0, "application/atom+xml": 0, "application/feed+json": 1}
# OPML has no words for a poll interval or a paused feed; these attributes carry them from one monitor to another
# (feed readers ignore attributes in other namespaces).
OPML_NS = "https://github.com/monitor/monitor/opml"


class FeedListError(Exception):
    """A feed-management failure, already phrased as the one line the user will read."""


@dataclass(frozen=True)
class NewFeed:
    """A feed about to be appended to the config. ``interval`` is kept as the user wrote it (``30m``)."""

    name: str
    url: str
    tags: tuple[str, ...] = ()
    language: str | None = None
    interval: str | None = None
    enabled: bool = True


@dataclass
class ImportPlan:
    """What an import will do: feeds to append (with their final names) and feeds left out, with the reason."""

    added: list[NewFeed] = field(default_factory=list)
    skipped: list[tuple[NewFeed, str]] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (name in the OPML, name given)


# ------------------------------------------------------------------------------------------------ names and URLs


def url_key(url: str) -> str:
    """A feed URL as compared for duplicates: scheme, host case, default port, trailing slash and fragment do not
    make two feeds different (an OPML from a reader often has ``http://`` where the config has ``https://``)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("", netloc, path, parts.query, ""))


def clean_name(text: str | None) -> str:
    """Collapse whitespace, drop control and bidi-override characters (a feed's title becomes the name, and the
    config refuses names with them) and keep a name short enough for a table column."""
    name = clean_line(text or "")
    if len(name) > NAME_LIMIT:
        name = name[: NAME_LIMIT - 1].rstrip() + "…"
    return name


def name_from_url(url: str) -> str:
    """The last resort for a name: the host without ``www.``."""
    host = (urlsplit(url).hostname or url).lower()
    return host.removeprefix("www.")


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever is free; ``taken`` holds casefolded names."""
    if name.casefold() not in taken:
        return name
    n = 2
    while f"{name} ({n})".casefold() in taken:
        n += 1
    return f"{name} ({n})"


def plan_import(configured: Sequence[FeedConfig], incoming: Iterable[NewFeed]) -> ImportPlan:
    """Decide what to append. A feed whose URL is configured already (or came earlier in this import) is
    skipped; one whose *name* alone clashes (case-insensitively) is a different feed and gets a suffix, since
    names must be unique but dropping a feed the user asked for would be worse."""
    plan = ImportPlan()
    urls = {url_key(f.url): f.name for f in configured}
    names = {f.name.casefold() for f in configured}
    for feed in incoming:
        key = url_key(feed.url)
        if key in urls:
            plan.skipped.append((feed, f"already configured as {urls[key]!r}"))
            continue
        name = unique_name(feed.name, names)
        if name != feed.name:
            plan.renamed.append((feed.name, name))
            feed = replace(feed, name=name)
        urls[key] = name
        names.add(name.casefold())
        plan.added.append(feed)
    return plan


def _check_url(url: str) -> str:
    try:
        return check_http_url(url.strip())
    except ValueError as exc:
        hint = ""
        if "://" not in url and "." in url and " " not in url.strip():
            hint = f" (did you mean https://{url.strip()}?)"
        raise FeedListError(f"{exc}{hint}") from None


def _tag_list(values: Iterable[str]) -> tuple[str, ...]:
    """Tags in first-seen order, without empty or repeated (case-insensitively) ones."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        tag = " ".join(value.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out)


# ------------------------------------------------------------------------------------------------ OPML


def _attr(el: ET.Element, name: str) -> str | None:
    """OPML attribute names are camelCase by the spec, but exporters in the wild lower-case them."""
    value = el.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in el.attrib.items() if k.lower() == lower), None)
    value = value.strip() if value else None
    return value or None


def parse_opml(data: bytes, source: str = "<opml>") -> tuple[list[NewFeed], list[str]]:
    """OPML -> feeds, plus one line per outline that had to be left out (not an http(s) URL).

    Outlines with an ``xmlUrl`` are feeds; outlines without one are folders, and every folder a feed sits in
    becomes one of its tags, as do the entries of its ``category`` attribute (comma-separated, slash-delimited
    paths per OPML 2.0). A feed listed twice (the same feed in two folders is common) is kept once with the
    union of its tags. Anything that is not OPML raises a one-line :class:`FeedListError`.
    """
    if re.search(rb"<!ENTITY", data[:65536], re.IGNORECASE):
        # OPML never needs entity declarations; refusing them rules out entity-expansion bombs outright.
        raise FeedListError(f"{source}: not valid OPML: entity declarations are not allowed")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = f" (line {exc.position[0]})" if getattr(exc, "position", None) else ""
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise FeedListError(f"{source}: not valid OPML: malformed XML: {reason}{line}") from None
    if _local(root.tag) != "opml":
        raise FeedListError(f"{source}: not valid OPML: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((el for el in root if _local(el.tag) == "body"), None)
    if body is None:
        raise FeedListError(f"{source}: not valid OPML: no <body> element")

    feeds: dict[str, NewFeed] = {}
    problems: list[str] = []

    def walk(parent: ET.Element, folders: tuple[str, ...]) -> None:
        for el in parent:
            if _local(el.tag) != "outline":
                continue
            label = clean_name(_attr(el, "text") or _attr(el, "title"))
            xml_url = _attr(el, "xmlUrl")
            if xml_url is None:
                walk(el, (*folders, label) if label else folders)
                continue
            if xml_url.lower().startswith("feed://"):  # a browser pseudo-scheme some readers export
                xml_url = "http://" + xml_url[len("feed://"):]
            try:
                url = check_http_url(xml_url)
            except ValueError as exc:
                problems.append(f"{label or xml_url}: {exc}")
                continue
            categories = [seg for cat in (_attr(el, "category") or "").split(",") for seg in cat.split("/")]
            language = _attr(el, "language")
            try:
                language = _language(language) if language else None
            except ValueError:
                language = None  # a reader's odd language value must not cost the user the feed
            interval = el.get(f"{{{OPML_NS}}}interval")
            try:
                interval = interval.strip() if interval and parse_duration(interval) else None
            except ValueError:
                interval = None
            enabled = (el.get(f"{{{OPML_NS}}}enabled") or "").strip().lower() != "false"
            feed = NewFeed(label or name_from_url(url), url, _tag_list((*folders, *categories)), language,
                           interval, enabled)
            key = url_key(url)
            if key in feeds:
                first = feeds[key]
                feeds[key] = replace(first, tags=_tag_list((*first.tags, *feed.tags)),
                                     language=first.language or feed.language)
            else:
                feeds[key] = feed
            walk(el, folders)  # feeds do not nest, but a malformed file might: don't lose what is inside

    walk(body, ())
    return list(feeds.values()), problems


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def to_opml(feeds: Sequence[FeedConfig], title: str = "monitor feeds", now: datetime | None = None,
            default_interval: float | None = None) -> bytes:
    """Feeds -> OPML 2.0. A feed's first tag is its folder (what feed readers show); all its tags also go into
    ``category`` so that nothing is lost when a reader, or :func:`parse_opml`, reads the file back. Feeds keep
    their order within a folder, folders come in the order of their first feed. An interval other than
    ``default_interval`` and a disabled state go into attributes of our own namespace."""
    ET.register_namespace("monitor", OPML_NS)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.tags:
            folder = feed.tags[0]
            if folder.casefold() not in folders:
                folders[folder.casefold()] = ET.SubElement(body, "outline", text=folder, title=folder)
            parent = folders[folder.casefold()]
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.language:
            attrs["language"] = feed.language
        if feed.tags:
            attrs["category"] = ",".join(feed.tags)
        if default_interval is not None and feed.interval != default_interval:
            attrs[f"{{{OPML_NS}}}interval"] = format_duration(feed.interval)
        if not feed.enabled:
            attrs[f"{{{OPML_NS}}}enabled"] = "false"
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


# ------------------------------------------------------------------------------------------------ the config file


def _yaml_escape(text: str) -> str:
    """``$`` starts an environment reference in the config; a literal one from an OPML or a page must stay one."""
    return text.replace("$", "$$")


def _block(node: Any) -> bool:
    return isinstance(node, CommentedMap | CommentedSeq) and len(node) > 0 and not node.fa.flow_style()


def _tail_slot(node: Any) -> tuple[list[Any], int] | None:
    """Where ruamel keeps the comment that follows the last line of ``node``: (slot, index), or None."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        if _block(node[key]):
            return _tail_slot(node[key])
        return node.ca.items.setdefault(key, [None, None, None, None]), 2
    if isinstance(node, CommentedSeq) and node:
        i = len(node) - 1
        if _block(node[i]):
            return _tail_slot(node[i])
        return node.ca.items.setdefault(i, [None, None, None, None]), 0
    return None


def _move_trailing_comment(old_last: Any, new_last: Any) -> None:
    """ruamel attaches the comment lines *after* the last feed (often the heading of the next section) to that
    feed, so appending would push them above the new feeds. Keep the end-of-line comment where it is and move
    the following lines below the last new feed."""
    old = _tail_slot(old_last)
    new = _tail_slot(new_last)
    if old is None or new is None:
        return
    slot, i = old
    token = slot[i]
    value = getattr(token, "value", None)
    if not isinstance(value, str) or "\n" not in value:
        return
    head, rest = value.split("\n", 1)
    if not rest:
        return
    moved = copy.copy(token)
    moved.value = "\n" + rest
    if head.strip():
        token.value = head + "\n"
    else:
        slot[i] = None
    new_slot, j = new
    new_slot[j] = moved


class ConfigDocument:
    """The config file loaded for editing: the round-trip tree plus the validated settings it stands for."""

    def __init__(self, path: Path, text: str, yaml: YAML, root: CommentedMap, settings: Settings):
        self.path = path
        self.text = text
        self.yaml = yaml
        self.root = root
        self.settings = settings

    @classmethod
    def load(cls, path: Path) -> ConfigDocument:
        """Read and validate the config (a config that is invalid already is not edited: ConfigError)."""
        text = read_config_text(path)
        settings = parse_settings(text, str(path), path)  # the syntax is known to be fine from here on
        loader = YAML(typ="rt")
        loader.preserve_quotes = True  # `"quoted"` stays quoted: the user chose it
        root = loader.load(text)
        if root is None:
            root = CommentedMap()
        yaml = _matching_dumper(root, text)
        return cls(path, text, yaml, root, settings)

    def append(self, feeds: Sequence[NewFeed]) -> None:
        """Append feeds to the ``feeds`` sequence in the tree (the file is untouched until :meth:`save`)."""
        if not feeds:
            return
        seq = self.root.get("feeds")
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
            self.root["feeds"] = seq
        seq.fa.set_block_style()  # `feeds: []` would otherwise stay a one-line flow list
        old_last = seq[-1] if len(seq) else None
        for feed in feeds:
            item = CommentedMap()
            item["name"] = _yaml_escape(feed.name)
            item["url"] = _yaml_escape(feed.url)
            if feed.interval:
                item["interval"] = feed.interval
            if feed.language:
                item["language"] = feed.language
            if feed.tags:
                tags = CommentedSeq(_yaml_escape(t) for t in feed.tags)
                tags.fa.set_flow_style()  # `tags: [eu, de]`, as in the shipped config
                item["tags"] = tags
            if not feed.enabled:
                item["enabled"] = False
            seq.append(item)
        if old_last is not None:
            _move_trailing_comment(old_last, seq[-1])

    def render(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.root, out)
        text = out.getvalue()
        return text.replace("\n", "\r\n") if "\r\n" in self.text else text

    def save(self) -> Settings:
        """Validate the edited config and replace the file with it atomically; nothing is written if the result
        would not load (FeedListError naming the problem)."""
        text = self.render()
        try:
            settings = parse_settings(text, str(self.path), self.path)
        except ConfigError as exc:
            raise FeedListError(f"not written, the result would be invalid: {exc}") from None
        try:
            write_atomic(self.path, text)
        except OSError as exc:
            raise FeedListError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self.text, self.settings = text, settings
        return settings


def _matching_dumper(root: Any, text: str) -> YAML:
    """A round-trip dumper set up to reproduce the file as it is: ruamel keeps comments but not the indentation
    of sequences, so the candidates are tried on the unmodified tree and the closest one wins (an exact match in
    practice), which keeps the diff of an edit to the lines it adds."""
    best: tuple[int, YAML] | None = None
    for mapping, sequence, offset in ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0)):
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap the user's long lines
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        out = io.StringIO()
        try:
            yaml.dump(root, out)
        except Exception:  # pragma: no cover - a candidate that cannot dump this tree is just not the one
            continue
        produced = out.getvalue().replace("\r\n", "\n")
        if produced == text.replace("\r\n", "\n"):
            return yaml
        wanted = set(text.replace("\r\n", "\n").splitlines())
        distance = sum(1 for line in produced.splitlines() if line not in wanted)
        if best is None or distance < best[0]:
            best = (distance, yaml)
    assert best is not None
    return best[1]


# ------------------------------------------------------------------------------------------------ import / export


@dataclass
class ImportResult:
    """What an import did, so the command can report added, renamed, skipped and invalid feeds separately."""

    plan: ImportPlan
    invalid: list[str]
    written: bool
    private: list[str] = field(default_factory=list)  # one line per added feed whose host is not public


def import_opml(config: Path, data: bytes, source: str, dry_run: bool = False) -> ImportResult:
    """Add the OPML's feeds to the config file: see :func:`parse_opml` and :func:`plan_import`. The file is not
    rewritten at all when nothing is added.

    Feeds in the config are trusted to reach whatever address they name, so an imported feed on a private,
    loopback or link-local address (a reader's export can hold an intranet feed, or worse, a metadata URL) is
    named in ``private`` for the user to check."""
    from monitor.netguard import non_public

    incoming, invalid = parse_opml(data, source)
    doc = ConfigDocument.load(config)
    plan = plan_import(doc.settings.feeds, incoming)
    found = asyncio.run(non_public(urlsplit(f.url).hostname or "" for f in plan.added)) if plan.added else {}
    private = []
    for feed in plan.added:
        host = (urlsplit(feed.url).hostname or "").lower()
        if host in found:
            address, kind = found[host]
            where = f"{host} resolves to {address}" if host != str(address) else str(address)
            private.append(f"{feed.name} <{feed.url}>: {where}, a {kind} address; it will be fetched as configured")
    if plan.added and not dry_run:
        doc.append(plan.added)
        doc.save()
    return ImportResult(plan, invalid, bool(plan.added) and not dry_run, private)


def export_opml(settings: Settings) -> bytes:
    title = f"monitor feeds ({settings.path})" if settings.path else "monitor feeds"
    return to_opml(settings.feeds, title, default_interval=settings.default_interval)


# ------------------------------------------------------------------------------------------------ discovery


class _LinkFinder(HTMLParser):
    """Collects ``<base href>`` and the ``<link rel="alternate">`` elements that advertise feeds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[int, str]] = []  # (preference, href)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        elif tag == "link":
            rel = a.get("rel", "").lower().split()
            kind = a.get("type", "").split(";", 1)[0].strip().lower()
            if "alternate" in rel and kind in FEED_TYPES and a.get("href"):
                self.links.append((FEED_TYPES[kind], a["href"]))

    handle_startendtag = handle_starttag


def find_feed_links(html: bytes | str, page_url: str, content_type: str | None = None) -> list[str]:
    """The feeds a page advertises, absolute, RSS/Atom before JSON Feed, otherwise in document order."""
    if isinstance(html, bytes):
        m = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
        try:
            html = html.decode(m.group(1) if m else "utf-8", errors="replace")
        except LookupError:
            html = html.decode("utf-8", errors="replace")
    finder = _LinkFinder()
    with suppress(Exception):  # html.parser copes with nearly anything; keep what was found if it gives up
        finder.feed(html)
        finder.close()
    base = urljoin(page_url, finder.base) if finder.base else page_url
    found: list[str] = []
    for _pref, href in sorted(finder.links, key=lambda link: link[0]):
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found


def fallback_urls(page_url: str) -> list[str]:
    """Common feed locations to try when a page advertises none: beside the page first (a blog under
    ``/blog/``), then at the site's root."""
    parts = urlsplit(page_url)
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    bases = [root]
    if parts.path not in ("", "/"):
        here = urljoin(page_url, ".")
        if here != root:
            bases.insert(0, here)
    out: list[str] = []
    for base in bases:
        for path in FALLBACK_PATHS:
            url = urljoin(base, path)
            if url not in out:
                out.append(url)
    return out


@dataclass(frozen=True)
class Discovered:
    """A feed that was fetched and parsed, so the user is told what was found and how, not only that it was."""

    url: str  # the feed's URL, as it goes into the config
    title: str | None
    entries: int
    how: str  # "direct", "advertised" or "guessed": how it was found, for the message to the user


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf", b"{")):
        return False  # feeds served as text/html are common: the bytes decide
    return "html" in content_type.lower()


@dataclass(frozen=True)
class _NotAFeed:
    reason: str  # one line
    unreachable: bool = False  # timed out or refused: further guesses at the same host would only wait too


async def _try_feed(fetcher: Any, url: str) -> Discovered | _NotAFeed:
    """Fetch and parse a candidate: the feed, or why it is not one."""
    from monitor.fetch import FetchRequest
    from monitor.parse import parse_feed

    result = await fetcher.fetch(FetchRequest(url))
    if result.outcome != "ok":
        return _NotAFeed(result.error or "fetch failed", result.error_kind in ("timeout", "connect"))
    parsed = parse_feed(result.body or b"", result.headers, result.final_url or url)
    if parsed.error:
        return _NotAFeed(parsed.error)
    return Discovered(result.permanent_redirect or url, parsed.title, len(parsed.entries), "")


async def discover(url: str, http: HttpSettings, trusted: Iterable[str] = ()) -> Discovered:
    """Find the feed behind ``url``: the URL itself if it is a feed; else the feed its HTML page advertises with
    ``<link rel="alternate">`` (the first that fetches and parses); else, only if it advertises none, a feed at
    a common path. Every candidate is fetched and parsed, so what goes into the config is known to work.

    ``url``'s host is trusted as the user typed it (with ``trusted``, the config's hosts); a feed the page
    advertises on another host must be on a public address, as for any host outside the config."""
    from monitor.fetch import Fetcher, FetchRequest
    from monitor.parse import parse_feed

    url = _check_url(url)
    async with Fetcher(http, {*trusted, urlsplit(url).hostname or ""}) as fetcher:
        page = await fetcher.fetch(FetchRequest(url))
        if page.outcome != "ok":
            raise FeedListError(f"cannot fetch {url}: {page.error}")
        base = page.final_url or url
        body = page.body or b""
        content_type = page.headers.get("content-type", "")
        if not _looks_like_html(content_type, body):
            parsed = parse_feed(body, page.headers, base)
            if parsed.error:
                raise FeedListError(f"no feed at {url}: {parsed.error}")
            return Discovered(page.permanent_redirect or url, parsed.title, len(parsed.entries), "direct")

        links = find_feed_links(body, base, content_type)
        if links:
            errors: list[str] = []
            for link in links:
                found = await _try_feed(fetcher, link)
                if isinstance(found, Discovered):
                    return Discovered(found.url, found.title, found.entries, "advertised")
                errors.append(f"{link}: {found.reason}")
            more = f" (and {len(errors) - 1} more advertised feeds are broken too)" if len(errors) > 1 else ""
            raise FeedListError(f"the feed {url} advertises is broken: {errors[0]}{more}")

        for candidate in fallback_urls(base):
            found = await _try_feed(fetcher, candidate)
            if isinstance(found, Discovered):
                return Discovered(found.url, found.title, found.entries, "guessed")
            if found.unreachable:
                raise FeedListError(f"no feed found at {url}: the page advertises none (<link rel=\"alternate\">) "
                                    f"and {candidate} did not answer: {found.reason}")
        paths = ", ".join(f"/{p}" for p in FALLBACK_PATHS)
        raise FeedListError(f"no feed found at {url}: the page advertises none (<link rel=\"alternate\">) "
                            f"and there is none at {paths}")


@dataclass(frozen=True)
class AddResult:
    """The feed as appended to the config, and how it was found."""

    feed: NewFeed
    discovered: Discovered


def add_feed(config: Path, url: str, name: str | None = None, interval: str | None = None,
             language: str | None = None, tags: Sequence[str] = ()) -> AddResult:
    """Discover the feed behind ``url``, check it works and append it to the config file. Cheap checks (the
    options, a URL that is configured already) come before any request."""
    url = _check_url(url)
    if interval is not None:
        try:
            parse_duration(interval)  # checked now, kept as the user wrote it ("1h30m" stays readable)
        except ValueError as exc:
            raise FeedListError(f"--interval: {exc}") from None
        interval = interval.strip()
    if language is not None:
        try:
            language = _language(language)
        except ValueError as exc:
            raise FeedListError(f"--language: {exc}") from None
    if name is not None:
        name = clean_name(name)
        if not name:
            raise FeedListError("--name: must not be empty")
    doc = ConfigDocument.load(config)
    configured = {url_key(f.url): f for f in doc.settings.feeds}
    names = {f.name.casefold(): f for f in doc.settings.feeds}
    if url_key(url) in configured:
        raise FeedListError(f"{url} is already configured as {configured[url_key(url)].name!r}")
    if name is not None and name.casefold() in names:
        clash = names[name.casefold()]
        raise FeedListError(f"a feed named {clash.name!r} is already configured ({clash.url}); choose another --name")

    found = asyncio.run(discover(url, doc.settings.http, doc.settings.trusted_hosts))
    if url_key(found.url) in configured:
        raise FeedListError(f"{found.url} (found at {url}) is already configured as "
                            f"{configured[url_key(found.url)].name!r}")
    if name is None:
        name = unique_name(clean_name(found.title) or name_from_url(url), set(names))
    feed = NewFeed(name, found.url, _tag_list(tags), language, interval)
    doc.append([feed])
    doc.save()
    return AddResult(feed, found)
