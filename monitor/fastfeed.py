"""The fast reader: feedparser's answer for well-formed RSS, RDF and Atom 1.0 feeds, at a fraction of its cost.

Why it exists: feedparser spends 0.4–1 ms per item, most of a cold poll's CPU, and almost none of that is XML
parsing: it is the general SAX handler that copes with every historical dialect (a dict subclass with key aliases per
element, deep copies of content parameters, a stack machine with many flags). lxml reads the same document in about
0.01 ms per item. This module reads a tree built by lxml's strict parser and produces, for the fields that
``monitor.parse._entry`` and ``parse_feed`` read, exactly the dicts feedparser would have produced, so the
normalisation stays in one place (``parse.py``) and a feed gives the same rows whichever reader read it.

Why it is hand-written: the maintained fast parsers (fastfeedparser, lxml/Rust based) have a feedparser-like API but
their own semantics (dates as ISO strings, their own choice between summary and content, none of feedparser's
quirks such as a permalink guid standing in for the link, HTML sniffing of RSS titles or a second description
becoming content); speedparser is unmaintained. Swapping either in would change stored stories.

What it reproduces, and the rest it declines (``attempt`` returns a reason, ``read`` returns None, and
``parse_feed`` hands the document to feedparser):

* bytes -> text by feedparser's own ``convert_to_utf8``; then lxml's strict parser (no recovery). Not well-formed
  XML, a DOCTYPE or entity declarations, an HTTP charset that disagrees with the XML declaration: declined.
* roots ``<rss>``, RDF (RSS 0.90/1.0) and Atom 1.0 ``<feed>``. Atom 0.3, a bare ``<entry>``, CDF...: declined.
* elements are named the way feedparser names them (namespace URI -> its prefix table, lower-cased local name), and
  each one either has verified handling here (titles, links, guids/ids, summaries/descriptions/content, dates,
  language, ttl, the containers and side effects that change those), is on a list of feedparser handlers verified
  not to touch those fields, or has no feedparser handler at all and a name that cannot collide with them.
  Anything else is declined, as are markup inside a text element (feedparser would switch to XHTML mode),
  ``type="xhtml"`` or non-text types, ``mode`` and ``src`` attributes, Atom ``<source>`` with children, namespace
  prefixes bound in ways that make feedparser's naming order-dependent, ``base`` attributes other than
  ``xml:base``, and ``xml:base`` when the caller gives no base URL (only then does feedparser let a base leak out
  of its element; with one, it is plain scoping and is reproduced).
* dates go through feedparser's own date parser, text through the same clean-ups feedparser applies to every value
  (strip, the "UTF-8 read as Latin-1" repair, windows-1252 C1 mapping) and RSS's "does this plain text look like
  HTML" sniffing, so the results are identical.

bench/parser_diff.py runs both readers over the corpus and must report zero differences on accepted files.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

try:
    # feedparser's own building blocks, so that dates, bytes->text and text clean-ups are identical by construction.
    # Private names (leading underscore) may move in a feedparser release: then the fast reader switches itself off
    # (every document goes to feedparser) instead of failing.
    from feedparser.datetimes import _parse_date
    from feedparser.encodings import RE_XML_PI_ENCODING, convert_to_utf8, parse_content_type
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.parsers.strict import _StrictFeedParser
    from feedparser.urls import _urljoin, make_safe_absolute_uri

    _HANDLERS: frozenset[str] = frozenset(
        name.split("_", 2)[2] if name.startswith("_start_") else name[len("_end_"):]
        for cls in (_FeedParserMixin, _StrictFeedParser)
        for name in dir(cls)
        if name.startswith(("_start_", "_end_"))
    )
    _NAMESPACES: dict[str, str] = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
    _looks_like_html: Callable[[str], bool] = _FeedParserMixin.looks_like_html
    AVAILABLE = True
except (ImportError, AttributeError):  # pragma: no cover - depends on the installed feedparser
    AVAILABLE = False

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS10 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_ISPERMALINK = "ispermalink"

# ------------------------------------------------------------------------------------------------ element classes
# Keys are feedparser's names for elements (prefix_localname, as its _start_/_end_ handlers are named).

_TITLES = frozenset({"title", "dc_title", "media_title"})
_DESCRIPTIONS = frozenset({"description", "dc_description", "media_description"})  # default type text/html
_SUMMARIES = frozenset({"summary", "itunes_summary"})  # default type text/plain
_CONTENTS = {"content": "text/plain", "content_encoded": "text/html", "fullitem": "text/html"}
_DATES = {
    "pubdate": "published_parsed", "published": "published_parsed", "issued": "published_parsed",
    "dcterms_issued": "published_parsed",
    "updated": "updated_parsed", "modified": "updated_parsed", "lastbuilddate": "updated_parsed",
    "dc_date": "updated_parsed", "dcterms_modified": "updated_parsed",
    "created": "created_parsed", "dcterms_created": "created_parsed",
}
_LANGUAGES = frozenset({"language", "dc_language"})
_IDS = frozenset({"guid", "id"})
# Containers that push nothing of their own: what is inside belongs to the entry, one level deeper.
_TRANSPARENT = frozenset({"media_content", "media_group"})
# feedparser handlers read and verified not to write the fields read downstream (title, link(s), id, summary,
# content, dates, language, ttl) nor to change the state that decides them (title depth, hasContent, contexts).
_HARMLESS = frozenset({
    "category", "dc_subject", "keywords", "media_category", "media_keywords", "itunes_category", "itunes_keywords",
    "author", "dc_author", "dc_creator", "itunes_author", "managingeditor", "webmaster", "dc_publisher",
    "contributor", "dc_contributor", "name", "email", "uri", "url", "homepage",
    "enclosure", "media_thumbnail", "media_credit", "media_rating", "media_restriction", "media_license",
    "media_player", "itunes_image", "itunes_explicit", "itunes_block", "itunes_owner", "itunes_name", "itunes_email",
    "itunes_subtitle", "subtitle", "tagline", "rights", "copyright", "dc_rights", "generator", "cloud", "info",
    "feedburner_browserfriendly", "expirationdate", "width", "height", "dcterms_valid", "cc_license",
    "creativecommons_license", "admin_generatoragent", "admin_errorreportsto", "newlocation",
    "georss_point", "georss_line", "georss_polygon", "georss_box", "georss_where", "where",
    "gml_point", "gml_linestring", "gml_polygon", "gml_exterior", "gml_linearring", "gml_pos", "gml_poslist",
})
# Keys whose values parse_feed/_entry read, after FeedParserDict's aliases: an unhandled element with one of these
# names would overwrite them.
_READ = frozenset({
    "link", "links", "title", "title_detail", "summary", "summary_detail", "content", "id", "published_parsed",
    "updated_parsed", "created_parsed", "language", "ttl", "description", "description_detail", "guid", "date_parsed",
    "modified_parsed", "issued_parsed",
})
# Attributes feedparser reads on the elements handled here; a namespaced one with such a local name would be read too
# (expat hands feedparser the local name as the qualified one).
_SIGNIFICANT = frozenset({"type", "mode", "src", "rel", "href", "url", "uri", "ispermalink", "lastmod", "lang", "base"})
# Children an <image> / <textinput> may have without feedparser leaving that context (see its unknown_starttag).
_IMAGE_CHILDREN = frozenset({"title", "dc_title", "link", "description", "url", "href", "width", "height"})
_TEXTINPUT_CHILDREN = frozenset({"title", "dc_title", "link", "description", "name"})

_FIX_QUERY = re.compile(r"&([A-Za-z0-9_]+);")  # feedparser's repair of "?a=1&b;=2" in links


class Declined(Exception):
    """The document is outside what this reader reproduces exactly; the message says why."""


@dataclass
class RawFeed:
    """What feedparser.parse() would have returned, for the keys parse_feed reads."""

    feed: dict[str, Any]
    entries: list[dict[str, Any]]
    version: str
    bozo: Exception | None = None  # feedparser's bozo_exception from the encoding step (e.g. a non-XML type)


def read(body: bytes, headers: Mapping[str, str]) -> RawFeed | None:
    """The raw feed, or None: declined, use feedparser. ``headers`` as parse_feed hands them to feedparser."""
    result = attempt(body, headers)
    return result if isinstance(result, RawFeed) else None


def attempt(body: bytes, headers: Mapping[str, str]) -> RawFeed | str:
    """Like ``read``, but a decline comes back as the reason (for tests and bench/parser_diff.py)."""
    if not AVAILABLE:
        return "feedparser internals not available"
    try:
        return _read(body, headers)
    except Declined as why:
        return str(why)
    except Exception as exc:  # a bug here must never cost a feed: feedparser reads it instead
        return f"internal error: {type(exc).__name__}: {exc}"


# ------------------------------------------------------------------------------------------------ bytes -> tree


def _read(body: bytes, headers: Mapping[str, str]) -> RawFeed:
    _check_charsets(body, headers)
    result: dict[str, Any] = {}
    data = convert_to_utf8(headers, body, result)
    if not result.get("encoding"):
        raise Declined("encoding unknown")  # feedparser falls back to its loose parser
    first = re.search(rb"<\w", data)
    head = data[: first.start() if first else len(data)]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise Declined("DOCTYPE or entity declarations")
    events = etree.iterparse(io.BytesIO(data), events=("start-ns",), resolve_entities=False, no_network=True,
                             remove_comments=True, remove_pis=True, collect_ids=False, load_dtd=False)
    try:
        declarations = [ns for _, ns in events]
    except etree.XMLSyntaxError as exc:
        raise Declined("not well-formed XML") from exc
    if len(events.error_log):
        raise Declined("XML warnings")
    root = events.root
    base = headers.get("content-location", "")
    if base and make_safe_absolute_uri(base, base) not in ("", base):
        raise Declined("unusual base URI")
    reader = _Reader(_Names(declarations), base, headers.get("content-language"))
    reader.document(root)
    return RawFeed(feed=reader.feed, entries=reader.entries, version=reader.version,
                   bozo=result.get("bozo_exception"))


def _check_charsets(body: bytes, headers: Mapping[str, str]) -> None:
    charset = parse_content_type(headers.get("content-type") or "")[1]
    declared = RE_XML_PI_ENCODING.match(body.lstrip(b"\xef\xbb\xbf")[:1024])
    if charset and declared:
        try:
            same = codecs.lookup(charset).name == codecs.lookup(declared.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            same = False
        if not same:
            raise Declined("HTTP charset disagrees with the XML declaration")


class _Names:
    """Element names as feedparser's strict parser (expat) makes them, from the document's namespace declarations."""

    def __init__(self, declarations: list[tuple[str, str]]) -> None:
        self.version = ""
        bound: dict[str, str] = {}  # document prefix -> URI
        namespacemap: dict[str, str] = {}  # feedparser's: document prefix of a known namespace -> feedparser's prefix
        unknown: dict[str, str] = {}  # URI feedparser has no prefix for -> the prefix the document binds it to
        for prefix, uri in declarations:
            prefix = prefix or ""
            if not uri:
                continue
            if prefix and bound.setdefault(prefix, uri) != uri:  # (the default namespace is never looked up)
                raise Declined("a namespace prefix bound to two URIs")
            lower = uri.lower()
            if not self.version:  # feedparser's track_namespace: the first telling declaration names the version
                if (not prefix and lower == _RSS090) or lower == _RSS10:
                    self.version = "rss090" if lower == _RSS090 else "rss10"
                elif lower == ATOM.lower():
                    self.version = "atom10"
            mine = "" if "backend.userland.com/rss" in lower else _NAMESPACES.get(lower)
            if mine is not None:
                namespacemap[prefix] = mine
            elif prefix and unknown.setdefault(uri, prefix) != prefix:
                # feedparser names an unknown namespace's elements after a prefix bound to it: which one, if two?
                raise Declined("an unknown namespace under two prefixes")
        # feedparser looks the prefix it gave an element up again in namespacemap (keyed by the document's
        # prefixes), and finds an unknown namespace's prefix in a table its own prefixes can overwrite; names here
        # are computed without those second looks, so documents where they would change a name are declined.
        own = {namespacemap[p] for p in namespacemap}
        for tag_prefix in {p.lower() for p in own if p} | {p.lower() for p in unknown.values()}:
            if namespacemap.get(tag_prefix, tag_prefix).lower() != tag_prefix:
                raise Declined(f"namespace prefix {tag_prefix!r} means two things to feedparser")
        if own & set(unknown.values()):
            raise Declined("an unknown namespace under one of feedparser's own prefixes")
        self.unknown = unknown
        self.cache: dict[str, str] = {}

    def key(self, tag: str) -> str:
        key = self.cache.get(tag)
        if key is None:
            key = self.cache[tag] = self._key(tag)
        return key

    def _key(self, tag: str) -> str:
        if tag[0] != "{":
            return tag.lower()
        uri, local = tag[1:].split("}", 1)
        lower = uri.lower()
        prefix = "" if "backend.userland.com/rss" in lower else _NAMESPACES.get(lower)
        if prefix is None:
            prefix = self.unknown.get(uri, "")
        return f"{prefix.lower()}_{local.lower()}" if prefix else local.lower()


# ------------------------------------------------------------------------------------------------ tree -> dicts

# Where an element sits, as feedparser's context flags see it: a direct child of the channel/feed, of an item/entry,
# inside a media:content/media:group of an item, inside an <image>/<textinput>, outside the channel (RSS root, RDF),
# or inside any other container (where only elements that cannot touch the read fields are accepted).
_FEED, _ENTRY, _NESTED, _IMAGE, _OUTSIDE, _OTHER = range(6)
Attrs = list[tuple[str, str]]


@dataclass
class _Reader:
    """Replays, for the fields read downstream, what feedparser's handlers do with each element in document order."""

    names: _Names
    base: str
    baselang: str | None
    version: str = ""
    feed: dict[str, Any] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
    entry: dict[str, Any] | None = None
    depths: dict[str, int] = field(default_factory=dict)  # feedparser's property_depth_map of the current entry
    title_depth: int = -1  # feedparser's title_depth: a title from this depth or deeper no longer counts
    has_content: bool = False  # feedparser's hasContent: reset at the end of each item only
    atom: bool = False

    def document(self, root: Any) -> None:
        key = self.names.key(root.tag)
        version = self.names.version
        if key == "rss" and root.tag == "rss":
            version = version if version.startswith("rss") else "rss"
        elif key == "feed" and root.tag == f"{{{ATOM}}}feed":
            if version != "atom10":
                raise Declined("another format's namespace declared before Atom's")
        elif key == "rdf_rdf":
            if not version or version.startswith("atom"):
                raise Declined("RDF without an RSS 1.0/0.90 namespace")
        else:
            raise Declined(f"root <{key}> is not RSS, RDF or Atom 1.0")
        self.version, self.atom = version, version.startswith("atom")
        if self.baselang:
            self.feed["language"] = self.baselang.replace("_", "-")
        items = root.items()
        lang, base = self._scope(items, self.baselang) if items else (self.baselang, None)
        if lang and key in ("rss", "feed"):  # (feedparser compares with "rdf:RDF", which never matches)
            self.feed["language"] = lang.replace("_", "-")
        if base is not None:
            self.base = base
        self._children(root, 1, lang, _FEED if key == "feed" else _OUTSIDE)

    def _children(self, parent: Any, depth: int, lang: str | None, where: int) -> None:
        for el in parent:
            self._element(el, depth + 1, lang, where)

    def _scope(self, items: Attrs, inherited: str | None) -> tuple[str | None, str | None]:
        """The element's language and, if it has an xml:base, its base URI (else None).

        Language: xml:lang, else a lone attribute named lang (feedparser reads both); "" means none. xml:base is
        resolved as feedparser does, which scopes it to the element only when every base is non-empty: without a
        base URL from the caller such documents are declined.
        """
        xml_lang, other, base = None, [], None
        for name, value in items:
            local = name.rsplit("}", 1)[-1].lower()
            if local == "base":
                if name != _XML_BASE:
                    raise Declined("a base attribute other than xml:base")
                if not self.base:
                    raise Declined("xml:base without a base URL")
                base = make_safe_absolute_uri(self.base, value or self.base) or self.base
                if make_safe_absolute_uri(base, base) not in ("", base):
                    raise Declined("unusual xml:base")
            elif local == "lang":
                if name == _XML_LANG:
                    xml_lang = value
                else:
                    other.append(value)
        if xml_lang is None:
            if not other:
                return inherited, base
            if len(other) > 1:
                raise Declined("several lang attributes")
            xml_lang = other[0]
        return xml_lang or None, base

    @staticmethod
    def _attrs(items: Attrs) -> dict[str, str]:
        """Attributes as feedparser's handlers see them: names lower-cased, rel and type values too."""
        out: dict[str, str] = {}
        for name, value in items:
            if name[0] == "{":
                if name not in (_XML_LANG, _XML_BASE) and name.rsplit("}", 1)[1].lower() in _SIGNIFICANT:
                    raise Declined(f"namespaced attribute {name}")
                continue
            lower = name.lower()
            if lower in out:
                raise Declined("attribute given twice")
            out[lower] = value.lower() if lower in ("rel", "type") else value
        return out

    def _element(self, el: Any, depth: int, lang: str | None, where: int) -> None:
        items = el.items()
        if not items:
            self._dispatch(el, items, depth, lang, where)
            return
        lang, base = self._scope(items, lang)
        if base is None:
            self._dispatch(el, items, depth, lang, where)
            return
        outer, self.base = self.base, base
        try:
            self._dispatch(el, items, depth, lang, where)
        finally:
            self.base = outer

    def _dispatch(self, el: Any, items: Attrs, depth: int, lang: str | None, where: int) -> None:
        key = self.names.key(el.tag)
        if key in ("item", "entry"):
            if where not in (_FEED, _OUTSIDE) or self.entry is not None:
                raise Declined(f"<{key}> in an unexpected place")
            self._item(el, items, depth, lang)
        elif key == "channel":
            attrs = self._attrs(items)
            if where != _OUTSIDE or self.atom or depth != 2 or "href" in attrs or "lastmod" in attrs:
                raise Declined("<channel> in an unexpected place")
            self._children(el, depth, lang, _FEED)
        elif key in _TITLES:
            self._title(el, key, items, depth, lang, where)
        elif key in _DESCRIPTIONS or key in _SUMMARIES or key in _CONTENTS:
            self._text_block(el, key, items, depth, lang, where)
        elif key == "link":
            self._link(el, items, where)
        elif key in _IDS:
            self._id(el, items, depth, where)
        elif key in _DATES:
            if where not in (_FEED, _ENTRY, _OUTSIDE):
                raise Declined(f"<{key}> in an unexpected place")
            value = self._value(el)
            if where == _ENTRY:
                self.entry[_DATES[key]] = _parse_date(value)  # type: ignore[index]
        elif key in _LANGUAGES:
            if where not in (_FEED, _ENTRY):
                raise Declined(f"<{key}> in an unexpected place")
            value = self._value(el)
            if where == _FEED:
                self.feed["language"] = value
        elif key in ("image", "textinput"):
            self._image(el, key, depth, lang, where)
        elif key == "source":
            if where != _ENTRY or len(el):
                raise Declined("<source> with children or outside an item")
            self.title_depth = -1
        elif key in _TRANSPARENT:
            self._children(el, depth, lang, _NESTED if where in (_ENTRY, _NESTED) else _OTHER)
        elif key in _HARMLESS:
            self._children(el, depth, lang, _OTHER)
        elif key in _HANDLERS:
            raise Declined(f"<{key}> (a feedparser handler not verified here)")
        elif key == "ttl":
            if where == _FEED:
                if items:
                    raise Declined("<ttl> with attributes")
                self.feed["ttl"] = self._value(el)
            else:
                self._children(el, depth, lang, _OTHER)
        elif key in _READ:
            raise Declined(f"<{key}> would overwrite a field feedparser fills")
        else:
            self._children(el, depth, lang, _OTHER)

    # -------------------------------------------------------------------------------------------- text values

    @staticmethod
    def _text(el: Any) -> str:
        if len(el):
            raise Declined("markup inside a text element")  # feedparser would switch to its XHTML mode
        return (el.text or "").strip()

    @staticmethod
    def _finish(text: str) -> str:
        """What feedparser's pop() does to every value: the "UTF-8 read as Latin-1" repair and the C1 mapping."""
        if text.isascii():
            return text
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            text = text.encode("iso-8859-1").decode("utf-8")
        return text.translate(_cp1252)

    def _value(self, el: Any) -> str:
        return self._finish(self._text(el))

    def _detail(self, el: Any, items: Attrs, default: str, lang: str | None) -> tuple[str, dict[str, Any]]:
        """The value and feedparser's *_detail dict (content type after its HTML sniffing, language)."""
        attrs = self._attrs(items) if items else {}
        if "mode" in attrs or "src" in attrs:
            raise Declined("mode= or src= on a text construct")
        kind = _content_type(attrs.get("type", default))
        if kind not in ("text/plain", "text/html"):
            raise Declined(f"type {kind!r} on a text construct")
        text = self._text(el)
        if kind == "text/plain" and not self.atom and _looks_like_html(text):
            kind = "text/html"
        value = self._finish(text)
        return value, {"type": kind, "language": lang.replace("_", "-") if lang else lang, "value": value}

    def _store(self, name: str, value: Any, depth: int, detail: dict[str, Any] | None = None) -> None:
        """feedparser's pop() for an entry: a value from a deeper element never replaces one from a shallower one."""
        assert self.entry is not None
        old = self.depths.get(name)
        if old is None or depth <= old:
            self.depths[name] = depth
            self.entry[name] = value
        if detail is not None:
            self.entry[f"{name}_detail"] = detail

    # -------------------------------------------------------------------------------------------- elements

    def _item(self, el: Any, items: Attrs, depth: int, lang: str | None) -> None:
        attrs = self._attrs(items) if items else {}
        if "href" in attrs or "lastmod" in attrs:
            raise Declined("CDF attributes on an item")
        self.entry, self.depths, self.title_depth = {}, {}, -1
        self.entries.append(self.entry)
        about = el.get(f"{{{RDF}}}about")
        if about:
            self.entry["id"] = about
        self._children(el, depth, lang, _ENTRY)
        self.entry, self.has_content = None, False

    def _title(self, el: Any, key: str, items: Attrs, depth: int, lang: str | None, where: int) -> None:
        if where == _OTHER or (where == _NESTED and key != "media_title"):
            raise Declined(f"<{key}> in an unexpected place")
        if where in (_IMAGE, _OUTSIDE):
            value = self._text(el)  # kept in the image/textinput, or nowhere
        else:
            value, detail = self._detail(el, items, "text/plain", lang)
            if not -1 < self.title_depth <= depth:
                if where == _FEED:
                    self.feed["title"], self.feed["title_detail"] = value, detail
                else:
                    self._store("title", value, depth, detail)
        if value and key != "media_title":  # _end_media_title puts the title depth back
            self.title_depth = depth

    def _text_block(self, el: Any, key: str, items: Attrs, depth: int, lang: str | None, where: int) -> None:
        """Descriptions, summaries and content, with feedparser's rule that a summary-like element becomes content
        when there is a summary already and no content element came before (in this item; for the first item, in
        the channel too)."""
        if where == _IMAGE and key == "description":
            self._text(el)  # the image's or text input's own subtitle
            return
        if where not in (_FEED, _ENTRY) and not (where == _NESTED and key == "media_description"):
            raise Declined(f"<{key}> in an unexpected place")
        target = self.feed if where == _FEED else self.entry
        assert target is not None
        if key in _CONTENTS:
            as_content, default = True, _CONTENTS[key]
        else:
            as_content = "summary" in target and not self.has_content
            default = "text/html" if key in _DESCRIPTIONS and not as_content else "text/plain"
        value, detail = self._detail(el, items, default, lang)
        if as_content:
            self.has_content = True
            if where != _FEED:
                target.setdefault("content", []).append(detail)
            target.setdefault("summary", value)
        elif where != _FEED:
            self._store("summary", value, depth, detail)
        elif key in _SUMMARIES:
            self.feed["summary"] = value  # (a channel's <description> is its subtitle)

    def _link(self, el: Any, items: Attrs, where: int) -> None:
        if len(el):
            raise Declined("markup inside a link")
        if where == _IMAGE:
            return  # the image's or text input's own link
        if where not in (_FEED, _ENTRY, _OUTSIDE):
            raise Declined("<link> in an unexpected place")
        target = self.entry if where == _ENTRY else self.feed
        assert target is not None
        attrs = self._attrs(items) if items else {}
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs.pop("url", None)
            attrs.pop("uri", None)
            attrs["href"] = href
        links = target.setdefault("links", [])
        links.append(attrs)
        if "href" in attrs:
            attrs["href"] = _urljoin(self.base, attrs["href"])
            if attrs["rel"] == "alternate" and _content_type(attrs["type"]) in ("text/html", "application/xhtml+xml"):
                target["link"] = attrs["href"]
            return
        if where == _OUTSIDE:
            return  # outside the channel feedparser expects no text
        value = self._text(el)
        if value:
            value = _urljoin(self.base, value)
        value = self._finish(value)
        if where == _ENTRY:
            value = value.replace("&amp;", "&")
        value = _FIX_QUERY.sub(r"&\g<1>", value)
        target["link"] = value
        if value or where == _FEED:
            links[-1]["href"] = value

    def _id(self, el: Any, items: Attrs, depth: int, where: int) -> None:
        if where not in (_FEED, _ENTRY):
            raise Declined(f"<{el.tag}> in an unexpected place")
        attrs = self._attrs(items) if items else {}
        is_link = attrs.get("ispermalink", "true") == "true"
        value = self._text(el)
        if value and is_link:
            value = _urljoin(self.base, value)
        value = self._finish(value)
        if where == _FEED:
            target = self.feed
            target["id"] = value
        else:
            assert self.entry is not None
            target = self.entry
            self._store("id", value, depth)
        if is_link:  # a permalink guid is the link unless the item has one already
            target.setdefault("link", value)

    def _image(self, el: Any, key: str, depth: int, lang: str | None, where: int) -> None:
        """<image>/<textinput>: feedparser files their children in a context of their own (harmless here), but
        they reset the title depth that decides which of several titles wins."""
        if where == _ENTRY and key == "image":
            # feedparser ignores an item image's <link> text and files <url>/<width>/<height> away from the fields
            for child in el:
                if self.names.key(child.tag) not in ("link", "url", "width", "height") or len(child) or child.items():
                    raise Declined("<image> in an item with more than a link or url")
            self.title_depth = -1
            return
        if where not in (_FEED, _OUTSIDE):
            raise Declined(f"<{key}> in an unexpected place")
        self.title_depth = -1
        allowed = _IMAGE_CHILDREN if key == "image" else _TEXTINPUT_CHILDREN
        for child in el:
            child_key = self.names.key(child.tag)
            if child_key not in allowed or len(child):
                raise Declined(f"<{child_key}> inside <{key}>")
            self._element(child, depth + 1, lang, _IMAGE)


def _content_type(kind: str) -> str:
    kind = kind.lower()
    return {"text": "text/plain", "plain": "text/plain", "html": "text/html",
            "xhtml": "application/xhtml+xml"}.get(kind, kind)
