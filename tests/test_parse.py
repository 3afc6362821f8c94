"""Parsing: bytes + headers -> entries with canonical URLs, plain text, UTC dates and the right characters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.parse import SUMMARY_CHARS, canonical_url, html_to_text, parse_feed, title_key
from tests.support.feedserver import Item, rss

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# ------------------------------------------------------------------------------------------------ URLs

CANONICAL = [
    # tracking parameters go, real ones stay in their order
    ("https://example.com/a?utm_source=rss&id=3&utm_medium=feed&utm_campaign=x", None, "https://example.com/a?id=3"),
    ("https://example.com/a?fbclid=IwAR0abc", None, "https://example.com/a"),
    ("https://example.com/a?gclid=1&page=2&UTM_Source=x", None, "https://example.com/a?page=2"),
    ("https://example.com/a?b=2&a=1&mc_cid=9&xtor=RSS-1", None, "https://example.com/a?b=2&a=1"),
    ("https://example.com/a?b=1&utm_term=x&b=2", None, "https://example.com/a?b=1&b=2"),
    ("https://example.com/a?ref=homepage", None, "https://example.com/a?ref=homepage"),
    # the query is otherwise kept as the publisher wrote it
    ("https://example.com/story?12345", None, "https://example.com/story?12345"),
    ("https://example.com/search?q=a%20b&utm_source=x", None, "https://example.com/search?q=a%20b"),
    # fragments, default ports, host case, trailing dot
    ("https://example.com/a#comments", None, "https://example.com/a"),
    ("http://example.com:80/a", None, "http://example.com/a"),
    ("https://example.com:443/a", None, "https://example.com/a"),
    ("https://example.com:8443/a", None, "https://example.com:8443/a"),
    ("http://example.com:443/a", None, "http://example.com:443/a"),
    ("HTTPS://News.Example.COM./Path/Case", None, "https://news.example.com/Path/Case"),
    ("https://example.com", None, "https://example.com/"),
    ("  https://example.com/a  ", None, "https://example.com/a"),
    # relative links resolve against the feed
    ("/news/1?utm_campaign=z", "https://example.com/feed/", "https://example.com/news/1"),
    ("story.html", "https://example.com/feed/", "https://example.com/feed/story.html"),
    ("../up.html#x", "https://example.com/feed/rss.xml", "https://example.com/up.html"),
    ("//cdn.example.com/a", "https://example.com/feed", "https://cdn.example.com/a"),
    # not links to a story
    ("file:///etc/passwd", None, None),
    ("file:///etc/passwd", "https://example.com/feed", None),
    ("javascript:alert(1)", None, None),
    ("javascript:alert(1)", "https://example.com/feed", None),
    ("mailto:desk@example.com", None, None),
    ("data:text/html,hi", None, None),
    ("https://user:pw@example.com/a", None, None),
    ("http://example.com:99999/a", None, None),
    ("/relative/without/base", None, None),
    ("", None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("url", "base", "expected"), CANONICAL)
def test_canonical_url(url: str | None, base: str | None, expected: str | None) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_is_idempotent() -> None:
    for url, base, expected in CANONICAL:
        if expected is not None:
            assert canonical_url(expected) == expected, (url, base)


# ------------------------------------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Hello <b>world</b></p><p>Second &amp; third</p>", "Hello world\nSecond & third"),
        ("<script>alert(1)</script>Text<style>p{color:red}</style>", "Text"),
        ("line one<br/>line two<br>line three", "line one\nline two\nline three"),
        ("&lt;not a tag&gt;", "<not a tag>"),
        ("Caf&eacute; costs &#8364;5&nbsp;today", "Café costs €5 today"),
        ("<!-- a comment -->x   \t  y", "x y"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ('<a href="https://x.example/">link</a> text <img src="x.png">', "link text"),
        ("plain text", "plain text"),
        ("  \n\n  spaced  \n\n out  ", "spaced\nout"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(fragment: str | None, text: str) -> None:
    assert html_to_text(fragment) == text


def test_title_key_ignores_case_punctuation_and_spacing() -> None:
    assert title_key("Scholz: EU  must talk to Russia!") == title_key("scholz – eu must talk to russia")
    assert title_key("Scholz: EU must talk to Russia") != title_key("Scholz: EU must not talk to Russia")


# ------------------------------------------------------------------------------------------------ RSS / Atom


def test_rss_entries() -> None:
    body = rss([
        Item("First story", "https://news.example.org/1?utm_source=rss", "guid-1",
             "<p>Summary with <b>markup</b> &amp; entities</p>", published=1735732800.0),  # 2025-01-01T12:00Z
        Item("Second story", "/2", "guid-2", "Plain summary"),
    ], title="Example News", ttl=30, language="de-DE")
    parsed = parse_feed(body, {"content-type": "application/rss+xml; charset=utf-8"},
                        "https://news.example.org/feed.xml", now=NOW)
    assert parsed.error is None
    assert parsed.warning is None
    assert parsed.title == "Example News"
    assert parsed.link == "https://news.example.org/"
    assert parsed.ttl == 1800.0
    first, second = parsed.entries
    assert first.guid == "guid-1"
    assert first.url == "https://news.example.org/1"
    assert first.title == "First story"
    assert first.summary == "Summary with markup & entities"
    assert first.published == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert first.language == "de"
    assert second.url == "https://news.example.org/2"
    assert second.published is None  # the store falls back to first-seen


def test_configured_language_wins_over_the_feed() -> None:
    body = rss([Item("A story title", "https://x.example/1", "g")], language="en")
    assert parse_feed(body, {}, "https://x.example/f", language="pl", now=NOW).entries[0].language == "pl"


def test_content_language_header_used_when_feed_has_none() -> None:
    body = rss([Item("A story title", "https://x.example/1", "g")], language=None)
    parsed = parse_feed(body, {"Content-Type": "application/rss+xml", "Content-Language": "fr-BE"},
                        "https://x.example/f", now=NOW)
    assert parsed.entries[0].language == "fr"


def test_long_summary_is_shortened() -> None:
    body = rss([Item("Long", "https://x.example/1", "g", "word " * 1000)])
    entry = parse_feed(body, {}, "https://x.example/f", now=NOW).entries[0]
    assert len(entry.summary) <= SUMMARY_CHARS + 1
    assert entry.summary.endswith("…")
    assert entry.text.startswith("word word")


RSS_DATES = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Dates</title><link>https://x.example/</link>
<item><title>Plus two</title><link>https://x.example/1</link><pubDate>Sat, 01 Mar 2025 12:00:00 +0200</pubDate></item>
<item><title>Minus five</title><link>https://x.example/2</link><pubDate>Sat, 01 Mar 2025 12:00:00 -0500</pubDate></item>
<item><title>EST name</title><link>https://x.example/3</link><pubDate>Sat, 01 Mar 2025 12:00:00 EST</pubDate></item>
<item><title>GMT</title><link>https://x.example/4</link><pubDate>Sat, 01 Mar 2025 12:00:00 GMT</pubDate></item>
<item><title>India</title><link>https://x.example/5</link><pubDate>Sat, 01 Mar 2025 12:00:00 +0530</pubDate></item>
<item><title>Day before in UTC</title><link>https://x.example/6</link>
  <pubDate>Sat, 01 Mar 2025 01:30:00 +0300</pubDate></item>
<item><title>Far future</title><link>https://x.example/7</link><pubDate>Sat, 01 Mar 2099 12:00:00 GMT</pubDate></item>
<item><title>Nonsense</title><link>https://x.example/8</link><pubDate>yesterday-ish</pubDate></item>
</channel></rss>"""


def test_rss_dates_are_converted_to_utc() -> None:
    parsed = parse_feed(RSS_DATES.encode(), {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW)
    got = {e.title: e.published for e in parsed.entries}
    assert got == {
        "Plus two": datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
        "Minus five": datetime(2025, 3, 1, 17, 0, tzinfo=UTC),
        "EST name": datetime(2025, 3, 1, 17, 0, tzinfo=UTC),
        "GMT": datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        "India": datetime(2025, 3, 1, 6, 30, tzinfo=UTC),
        "Day before in UTC": datetime(2025, 2, 28, 22, 30, tzinfo=UTC),
        "Far future": None,  # a clock or time-zone bug: first-seen is used instead
        "Nonsense": None,
    }
    assert all(e.published is None or e.published.tzinfo == UTC for e in parsed.entries)


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="it">
  <title>Atom news</title><link href="https://site.example/"/><id>urn:feed</id>
  <entry><title>Uno</title><id>urn:1</id><link href="/a/1?utm_source=rss&amp;x=1"/>
    <published>2025-03-01T12:00:00+01:00</published>
    <summary type="html">&lt;p&gt;Ciao &lt;b&gt;mondo&lt;/b&gt;&lt;/p&gt;</summary></entry>
  <entry><title>Due</title><id>urn:2</id><link rel="alternate" href="https://site.example/a/2"/>
    <updated>2025-03-01T08:00:00-05:00</updated>
    <content type="html">&lt;p&gt;Full text of the second story&lt;/p&gt;</content></entry>
</feed>"""


def test_atom_feed() -> None:
    parsed = parse_feed(ATOM.encode(), {"content-type": "application/atom+xml"}, "https://site.example/feed.xml",
                        now=NOW)
    assert parsed.error is None
    assert parsed.title == "Atom news"
    one, two = parsed.entries
    assert (one.guid, one.url, one.summary) == ("urn:1", "https://site.example/a/1?x=1", "Ciao mondo")
    assert one.published == datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    assert two.url == "https://site.example/a/2"
    assert two.published == datetime(2025, 3, 1, 13, 0, tzinfo=UTC)
    assert two.text == "Full text of the second story"


def test_guid_fallback() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Has guid</title><guid>  tag:x,2025:1  </guid><link>https://x.example/1</link></item>
    <item><title>Link only</title><link>https://x.example/2?utm_source=a</link></item>
    <item><title>Neither link nor guid</title><description>d</description>
      <pubDate>Sat, 01 Mar 2025 12:00:00 GMT</pubDate></item>
    <item><title>Neither link nor guid</title><description>d</description>
      <pubDate>Sun, 02 Mar 2025 12:00:00 GMT</pubDate></item>
    </channel></rss>"""
    entries = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW).entries
    assert entries[0].guid == "tag:x,2025:1"
    assert entries[1].guid == "https://x.example/2"  # the canonical URL
    assert entries[2].url is None
    assert entries[2].guid.startswith("sha1:")
    assert entries[3].guid.startswith("sha1:")
    assert entries[2].guid != entries[3].guid  # different dates: different stories
    again = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW).entries
    assert [e.guid for e in again] == [e.guid for e in entries]  # stable across polls


def test_entry_without_title_or_text_is_skipped_and_title_falls_back_to_text() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><link>https://x.example/empty</link></item>
    <item><link>https://x.example/notitle</link><description>First line of the text. More.</description></item>
    </channel></rss>"""
    entries = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW).entries
    assert [(e.url, e.title) for e in entries] == [("https://x.example/notitle", "First line of the text. More.")]


# ------------------------------------------------------------------------------------------------ encodings

ENCODED_TEXTS = [
    ("windows-1252", "“Smart quotes” – prices in € and café"),
    ("iso-8859-2", "Zażółć gęślą jaźń"),
    ("koi8-r", "Съешь же ещё этих мягких французских булок"),
]


def _legacy_feed(encoding: str, text: str, declare: bool) -> bytes:
    body = rss([Item(text, "https://x.example/1", "g1", description=f"<p>{text}</p>")], title=text,
               encoding=encoding)
    assert body.decode(encoding).count(text) == 3
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the fixture really is not UTF-8
    if not declare:
        first, rest = body.split(b"\n", 1)
        assert first.startswith(b"<?xml")
        body = rest  # no XML declaration at all: only the HTTP header knows the charset
    return body


@pytest.mark.parametrize(("encoding", "text"), ENCODED_TEXTS)
@pytest.mark.parametrize("content_type", ["application/rss+xml", "application/xml", "text/xml"])
def test_encoding_from_xml_declaration(encoding: str, text: str, content_type: str) -> None:
    body = _legacy_feed(encoding, text, declare=True)
    parsed = parse_feed(body, {"content-type": content_type}, "https://x.example/f", now=NOW)
    assert parsed.error is None
    assert parsed.title == text
    assert [(e.title, e.summary) for e in parsed.entries] == [(text, text)]


@pytest.mark.parametrize(("encoding", "text"), ENCODED_TEXTS)
@pytest.mark.parametrize("content_type", ["application/rss+xml", "application/xml", "text/xml"])
def test_encoding_from_http_header_only(encoding: str, text: str, content_type: str) -> None:
    body = _legacy_feed(encoding, text, declare=False)
    parsed = parse_feed(body, {"content-type": f"{content_type}; charset={encoding}"}, "https://x.example/f",
                        now=NOW)
    assert parsed.error is None
    assert parsed.title == text
    assert [(e.title, e.summary) for e in parsed.entries] == [(text, text)]


@pytest.mark.parametrize(("encoding", "text"), ENCODED_TEXTS)
def test_header_charset_wins_over_a_wrong_declaration(encoding: str, text: str) -> None:
    body = _legacy_feed(encoding, text, declare=False)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + body
    parsed = parse_feed(body, {"content-type": f"application/xml; charset={encoding}"}, "https://x.example/f",
                        now=NOW)
    assert [e.title for e in parsed.entries] == [text]


def test_utf8_with_bom() -> None:
    text = "Ελληνικά και Українська"
    body = b"\xef\xbb\xbf" + rss([Item(text, "https://x.example/1", "g")])
    parsed = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW)
    assert [e.title for e in parsed.entries] == [text]


# ------------------------------------------------------------------------------------------------ broken input


def test_feed_with_warnings_but_entries_is_used() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <rss version="2.0"><channel><title>Sloppy</title>
    <item><title>Caf&eacute; story one</title><link>https://x.example/1</link></item>
    <item><title>Story two</title><link>https://x.example/2</link></item>
    </channel>"""  # an HTML entity XML does not know, and no </rss>
    parsed = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW)
    assert parsed.error is None
    assert parsed.warning is not None and parsed.warning.startswith("recovered from: ")
    assert [e.url for e in parsed.entries] == ["https://x.example/1", "https://x.example/2"]


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
        b"\n\n  <html lang='en'><body><h1>Moved</h1></body></html>",
        b"<?xml version='1.0'?>\n<!DOCTYPE html><html><body>An XHTML page</body></html>",
    ],
)
def test_html_page_is_an_error(body: bytes) -> None:
    parsed = parse_feed(body, {"content-type": "text/html; charset=utf-8"}, "https://x.example/f", now=NOW)
    assert parsed.entries == ()
    assert parsed.error == "not a feed: the server sent an HTML page"


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item><title>cut off",
        b"this is not xml at all <<<>>> &&&",
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></chanel></rss>",
    ],
)
def test_malformed_xml_without_entries_is_an_error(body: bytes) -> None:
    parsed = parse_feed(body, {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW)
    assert parsed.entries == ()
    assert parsed.error is not None
    assert parsed.error.startswith(("malformed feed: ", "not a feed: malformed XML"))


def test_empty_body_is_an_error() -> None:
    assert parse_feed(b"", {}, "https://x.example/f").error == "empty response body"
    assert parse_feed(b"  \n ", {}, "https://x.example/f").error == "empty response body"


def test_valid_feed_without_items_is_not_an_error() -> None:
    parsed = parse_feed(rss([]), {"content-type": "application/rss+xml"}, "https://x.example/f", now=NOW)
    assert parsed.error is None
    assert parsed.entries == ()
    assert parsed.title == "Test feed"


# ------------------------------------------------------------------------------------------------ JSON Feed


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON news",
        "home_page_url": "https://json.example/",
        "language": "fr-FR",
        "items": [
            {"id": "1", "url": "https://json.example/1?utm_source=x", "title": "Premier",
             "content_html": "<p>Bonjour <b>le monde</b></p>", "date_published": "2025-03-01T12:00:00+01:00"},
            {"id": "2", "external_url": "/2", "content_text": "Texte   seul\nsur deux lignes",
             "summary": "Résumé", "date_modified": "2025-03-02T09:00:00Z", "language": "de"},
            {"id": "3"},  # nothing to show: skipped
            "not an item",
        ],
    }
    parsed = parse_feed(json.dumps(doc).encode(), {"content-type": "application/feed+json"},
                        "https://json.example/feed.json", now=NOW)
    assert parsed.error is None
    assert parsed.title == "JSON news"
    assert parsed.link == "https://json.example/"
    one, two = parsed.entries
    assert (one.guid, one.url, one.title, one.text) == ("1", "https://json.example/1", "Premier", "Bonjour le monde")
    assert one.published == datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    assert one.language == "fr"
    assert (two.guid, two.url, two.summary) == ("2", "https://json.example/2", "Résumé")
    assert two.title == "Texte seul sur deux lignes"
    assert two.published == datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert two.language == "de"


def test_json_that_is_not_a_json_feed_is_an_error() -> None:
    parsed = parse_feed(b'{"hello": "world"}', {"content-type": "application/json"}, "https://x.example/f", now=NOW)
    assert parsed.entries == ()
    assert parsed.error is not None


def test_future_dates_fall_back_to_first_seen() -> None:
    future = (NOW + timedelta(days=3)).isoformat()
    near = (NOW + timedelta(hours=2)).isoformat()
    doc = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": "a", "url": "https://x.example/a", "title": "Future", "date_published": future},
        {"id": "b", "url": "https://x.example/b", "title": "Near", "date_published": near},
    ]}
    entries = parse_feed(json.dumps(doc).encode(), {}, "https://x.example/f", now=NOW).entries
    assert entries[0].published is None
    assert entries[1].published == NOW + timedelta(hours=2)


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain text stays", "plain text stays"),
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ("NUL\x00 goes", "NUL goes"),
    ("\x1b[31mred\x1b[0m", "[31mred[0m"),
    ("title\x1b]0;retitled\x07", "title]0;retitled"),
    ("C1\x85 and\x9b CSI", "C1 and CSI"),
    ("reads \u202ebackwards\u202c", "reads backwards"),
    ("isolate \u2067x\u2069", "isolate x"),
    ("marks \u200e\u200f stay", "marks \u200e\u200f stay"),
    ("windows\r\nline\rends", "windows\nline\nends"),
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("Ελληνικά, русский, عربي", "Ελληνικά, русский, عربي"),
])
def test_clean_text(raw: str, clean: str) -> None:
    from monitor.sanitize import clean_text

    assert clean_text(raw) == clean


def test_rss_with_raw_control_bytes_is_cleaned() -> None:
    body = rss([Item("Ministers\x01 talk", "https://x.example/1", "g\x02", "<p>Body\x1b text\x7f</p>")])
    (entry,) = parse_feed(body, {}, "https://x.example/feed").entries
    assert (entry.title, entry.guid, entry.summary) == ("Ministers talk", "g", "Body text")
