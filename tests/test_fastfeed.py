"""The fast reader (monitor/fastfeed.py) must give exactly what the feedparser path gives, or decline.

Every accepted document is compared with parse_feed(reader="feedparser"), never with constants alone, so a change in
either reader that makes them disagree fails here. bench/parser_diff.py does the same over the whole corpus.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor import fastfeed
from monitor.parse import ParsedFeed, parse_feed

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BASE = "https://news.example.org/feeds/main.xml"
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM_TYPE = {"Content-Type": "application/atom+xml"}

RSS_NS = ('xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
          'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom" '
          'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"')


def rss(items: str, channel: str = "<title>Desk</title><link>https://news.example.org/</link>") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" {RSS_NS}><channel>{channel}\n'
            f"{items}\n</channel></rss>").encode()


def atom(body: str, lang: str = "") -> bytes:
    attr = f' xml:lang="{lang}"' if lang else ""
    return f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"{attr}>{body}</feed>'.encode()


def both(body: bytes, headers: dict[str, str] | None = None, base: str | None = BASE) -> tuple[ParsedFeed, ParsedFeed]:
    fast = parse_feed(body, headers, base, now=NOW, reader="fast")
    slow = parse_feed(body, headers, base, now=NOW, reader="feedparser")
    return fast, slow


ACCEPTED = {
    "rss: CDATA and escaped HTML, entities, blanks around values, language and ttl": rss(
        """<item><title>  Talks resume &amp; markets react  </title>
             <link>
               https://news.example.org/a/1?utm_source=rss&amp;id=7
             </link>
             <guid isPermaLink="false">  story-1  </guid>
             <pubDate>Tue, 27 May 2025 08:15:00 +0200</pubDate>
             <description><![CDATA[<p>First <b>paragraph</b>.</p><p>Second &amp; last.</p>]]></description></item>
           <item><title>Escaped markup</title><link>https://news.example.org/a/2</link>
             <description>&lt;p&gt;Ministers met &lt;em&gt;again&lt;/em&gt;.&lt;/p&gt;</description></item>""",
        "<title>Desk &amp; Wire</title><link>https://news.example.org/</link><language>de-AT</language>"
        "<ttl> 45 </ttl><atom:link href=\"https://news.example.org/feeds/main.xml\" rel=\"self\"/>",
    ),
    "rss: content:encoded before, after and without a description": rss(
        """<item><title>Before</title><link>https://news.example.org/b/1</link>
             <content:encoded><![CDATA[<p>The whole article, much longer than the teaser text.</p>]]></content:encoded>
             <description>Teaser</description></item>
           <item><title>After</title><link>https://news.example.org/b/2</link>
             <description>Teaser two</description>
             <content:encoded><![CDATA[<p>Full text of the second article, also longer.</p>]]></content:encoded></item>
           <item><title>Only content</title><link>https://news.example.org/b/3</link>
             <content:encoded><![CDATA[<div>Only the <i>full</i> text here.</div>]]></content:encoded></item>"""
    ),
    "rss: guid as permalink or not, with and without a link, relative links": rss(
        """<item><title>Permalink guid, no link</title><guid>https://news.example.org/c/1</guid></item>
           <item><title>Permalink guid and a link</title><guid isPermaLink="true">https://news.example.org/c/2g</guid>
             <link>https://news.example.org/c/2</link></item>
           <item><title>Opaque guid, no link</title><guid isPermaLink="false">c-3</guid></item>
           <item><title>Relative link</title><link>/c/4</link><guid isPermaLink="false">c-4</guid></item>
           <item><title>Relative permalink guid</title><guid>c/5.html</guid></item>
           <item><title>Link after guid</title><guid>https://news.example.org/c/6g</guid>
             <link>https://news.example.org/c/6</link></item>"""
    ),
    "rss: dc:date, dc:language, media and other extensions": rss(
        """<item><title>Dublin core date</title><link>https://news.example.org/d/1</link>
             <dc:date>2025-05-30T10:00:00+02:00</dc:date><dc:creator>Desk</dc:creator>
             <category>Politics</category><dc:language>fr</dc:language>
             <enclosure url="https://cdn.example.org/1.jpg" type="image/jpeg" length="1"/>
             <media:content url="https://cdn.example.org/1.jpg" medium="image">
               <media:title>Photo caption</media:title><media:description>Photo description</media:description>
               <media:credit>Agency</media:credit></media:content>
             <media:thumbnail url="https://cdn.example.org/1s.jpg"/>
             <description>Short text</description></item>
           <item><title>Both dates</title><link>https://news.example.org/d/2</link>
             <pubDate>Fri, 30 May 2025 09:00:00 GMT</pubDate><dc:date>2025-05-30T12:00:00Z</dc:date></item>
           <item><title>Unreadable date</title><link>https://news.example.org/d/3</link>
             <pubDate>sometime last week</pubDate></item>""",
        "<title>Extensions</title><link>https://news.example.org/</link><dc:language>fr-FR</dc:language>",
    ),
    "rss: feedparser's sniffing of plain-text titles and its link repairs": rss(
        """<item><title>Double escaped &amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; words</title>
             <link>https://news.example.org/e/1?a=1&amp;amp;b=2</link></item>
           <item><title>AT&amp;amp;T and &amp;eacute;</title><link>https://news.example.org/e/2?x=1&amp;y;=2</link></item>
           <item><title>Closing tag &lt;/i&gt; only</title><link>https://news.example.org/e/3</link></item>"""
    ),
    "rss: several titles and summaries in one item": rss(
        """<item><title>First title</title><dc:title>Second title</dc:title><link>https://news.example.org/f/1</link>
             <description>The description</description>
             <itunes:summary>An itunes summary, longer than it</itunes:summary></item>
           <item><title></title><dc:title>Title after an empty one</dc:title><link>https://news.example.org/f/2</link></item>
           <item><media:title>Media title first</media:title><title>Real title</title>
             <link>https://news.example.org/f/3</link></item>
           <item><title>Source resets</title><source url="https://wire.example.net/">Wire</source>
             <dc:title>After the source</dc:title><link>https://news.example.org/f/4</link></item>"""
    ),
    "rss: item language from xml:lang, none in the channel": rss(
        """<item xml:lang="pl"><title>Rozmowy</title><link>https://news.example.org/g/1</link></item>
           <item><title xml:lang="cs">Jednání</title><link>https://news.example.org/g/2</link></item>
           <item><title>No language</title><link>https://news.example.org/g/3</link></item>""",
        "<title>Mixed</title><link>https://news.example.org/</link>",
    ),
    "rss: channel image and text input, skipped": rss(
        """<item><title>After the image</title><link>https://news.example.org/h/1</link></item>""",
        "<title>With image</title><link>https://news.example.org/</link>"
        "<image><url>https://news.example.org/logo.png</url><title>Logo title</title>"
        "<link>https://news.example.org/logo</link></image>"
        "<textInput><title>Search</title><name>q</name><link>https://news.example.org/s</link></textInput>",
    ),
    "rdf: RSS 1.0": b"""<?xml version="1.0" encoding="utf-8"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/">
          <channel rdf:about="https://news.example.org/"><title>RDF desk</title><link>https://news.example.org/</link>
            <description>Desk</description><dc:language>it</dc:language>
            <items><rdf:Seq><rdf:li rdf:resource="https://news.example.org/r/1"/></rdf:Seq></items></channel>
          <item rdf:about="https://news.example.org/r/1"><title>Notizia</title><link>https://news.example.org/r/1</link>
            <description>Testo &amp; altro</description><dc:date>2025-05-31T07:00:00+02:00</dc:date></item>
          <item rdf:about="urn:example:r2"><title>Senza link</title></item>
        </rdf:RDF>""",
    "atom: text/html titles, content and summary, links, dates, languages": atom(
        """<title type="html">Atom &lt;em&gt;desk&lt;/em&gt;</title><id>https://atom.example.org/</id>
           <link rel="self" href="https://atom.example.org/feed.atom"/><updated>2025-05-31T00:00:00Z</updated>
           <entry><title>Plain &amp; simple</title><id>urn:uuid:1</id>
             <link rel="alternate" type="text/html" href="/e/1?utm_medium=feed"/>
             <link rel="enclosure" href="https://cdn.example.org/e1.mp3"/>
             <published>2025-05-30T10:00:00+02:00</published><updated>2025-05-31T10:00:00+02:00</updated>
             <summary>Short summary</summary>
             <content type="html">&lt;p&gt;Longer &lt;b&gt;content&lt;/b&gt; of the entry.&lt;/p&gt;</content></entry>
           <entry xml:lang="en-GB"><title type="text">Only updated</title><id>urn:uuid:2</id>
             <link href="https://atom.example.org/e/2"/><updated>2025-05-29T08:00:00Z</updated>
             <content>Plain text content with &lt;angle&gt; brackets</content></entry>
           <entry><title>No alternate link</title><id>https://atom.example.org/e/3</id>
             <link rel="related" href="https://elsewhere.example.net/"/>
             <author><name>Reporter</name><uri>https://atom.example.org/r</uri></author>
             <category term="news"/><summary type="html">&lt;p&gt;Only a summary&lt;/p&gt;</summary></entry>
           <entry><title>PDF alternate</title><id>urn:uuid:4</id>
             <link rel="alternate" type="application/pdf" href="https://atom.example.org/e/4.pdf"/></entry>""",
        lang="de",
    ),
    "atom: xml:base under a base URL": atom(
        """<title>Based</title><link href="/"/>
           <entry xml:base="https://atom.example.org/section/"><title>Relative</title><id>e1</id>
             <link href="story.html"/></entry>"""
    ),
}


@pytest.mark.parametrize("body", list(ACCEPTED.values()), ids=list(ACCEPTED))
@pytest.mark.parametrize("headers", [RSS_TYPE, ATOM_TYPE, {}, {"Content-Language": "es"}], ids=str)
def test_fast_reader_gives_what_feedparser_gives(body: bytes, headers: dict[str, str]) -> None:
    assert fastfeed.read(body, {**{k.lower(): v for k, v in headers.items()}, "content-location": BASE}) is not None
    fast, slow = both(body, headers)
    assert fast == slow
    assert slow.entries and slow.error is None
    assert parse_feed(body, headers, BASE, now=NOW) == slow  # "auto" takes the fast reader's result
    if b"xml:base" not in body:  # without a base URL too
        fast, slow = both(body, headers, base=None)
        assert not (fast.error or "").startswith("fast reader declined")
        assert fast == slow


def test_the_comparison_can_fail() -> None:
    """Guard for the tests above: the two readers' results are compared field by field, so a broken fast reader
    (here: one that loses feedparser's link repair) is caught."""
    body = ACCEPTED["rss: feedparser's sniffing of plain-text titles and its link repairs"]
    fixed = fastfeed._FIX_QUERY
    try:
        fastfeed._FIX_QUERY = fastfeed.re.compile(r"(?!)")
        fast, slow = both(body, RSS_TYPE)
    finally:
        fastfeed._FIX_QUERY = fixed
    assert fast != slow


def test_fast_reader_results_are_the_expected_ones() -> None:
    """A few absolute values too, so that both readers going wrong the same way is noticed."""
    fast, _ = both(ACCEPTED["rss: guid as permalink or not, with and without a link, relative links"], RSS_TYPE)
    urls = [e.url for e in fast.entries]
    assert urls == ["https://news.example.org/c/1", "https://news.example.org/c/2", None,
                    "https://news.example.org/c/4", "https://news.example.org/feeds/c/5.html",
                    "https://news.example.org/c/6"]
    fast, _ = both(ACCEPTED["rss: several titles and summaries in one item"], RSS_TYPE)
    assert [e.title for e in fast.entries] == ["First title", "Title after an empty one", "Real title",
                                               "After the source"]
    assert fast.entries[0].text == "An itunes summary, longer than it"  # the second summary became content
    fast, _ = both(ACCEPTED["rss: CDATA and escaped HTML, entities, blanks around values, language and ttl"], RSS_TYPE)
    assert (fast.title, fast.ttl, fast.entries[0].language) == ("Desk & Wire", 2700.0, "de")
    assert fast.entries[0].url == "https://news.example.org/a/1?id=7"
    assert fast.entries[0].published == datetime(2025, 5, 27, 6, 15, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------ declined

DECLINED = {
    "not well-formed": (rss("<item><title>Open<link>https://news.example.org/x</link></item>"), RSS_TYPE,
                        "not well-formed"),
    "an HTML entity XML does not know": (rss("<item><title>Caf&eacute;</title></item>"), RSS_TYPE, "not well-formed"),
    "DOCTYPE": (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY desk "The desk">]>\n<rss version="2.0"><channel>'
                b"<title>&desk;</title><item><title>One &desk; story</title></item></channel></rss>", RSS_TYPE,
                "DOCTYPE"),
    "xhtml content": (atom('<title>X</title><entry><title>T</title><id>u:1</id><content type="xhtml">'
                           '<div xmlns="http://www.w3.org/1999/xhtml"><p>Body</p></div></content></entry>'),
                      ATOM_TYPE, "xhtml"),
    "xhtml title type": (atom('<entry><title type="xhtml">T</title><id>u:1</id></entry>'), ATOM_TYPE, "type"),
    "an element feedparser maps that is not verified here": (
        rss('<item><title>T</title><xhtml:body xmlns:xhtml="http://www.w3.org/1999/xhtml">B</xhtml:body></item>'),
        RSS_TYPE, "xhtml_body"),
    "markup inside a description": (rss("<item><title>T</title><description>Some <b>bold</b> text</description>"
                                        "</item>"), RSS_TYPE, "markup inside"),
    "Atom source with a title": (atom("<entry><title>T</title><id>u:1</id><source><title>Elsewhere</title>"
                                      "</source></entry>"), ATOM_TYPE, "<source>"),
    "HTTP charset disagrees": ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                               "<item><title>Zażółć</title></item></channel></rss>".encode("iso-8859-2"),
                               {"Content-Type": "application/xml; charset=iso-8859-2"}, "HTTP charset"),
    "UTF-8 under a legacy declaration": ('<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel>'
                                         "<title>t</title><item><title>Prix en €</title></item></channel></rss>"
                                         .encode(), {"Content-Type": "application/rss+xml"}, "UTF-8 bytes"),
    "xml:base without a base URL": (atom('<entry xml:base="https://atom.example.org/"><title>T</title><id>u</id>'
                                         '<link href="a"/></entry>'), ATOM_TYPE, "xml:base"),
    "Atom 0.3": (b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>T</title></entry></feed>',
                 ATOM_TYPE, "root"),
}


@pytest.mark.parametrize(("body", "headers", "why"), list(DECLINED.values()), ids=list(DECLINED))
def test_declined_documents_go_to_feedparser(body: bytes, headers: dict[str, str], why: str) -> None:
    base = None if "xml:base" in why else BASE
    fast = parse_feed(body, headers, base, now=NOW, reader="fast")
    assert fast.error is not None and fast.error.startswith("fast reader declined: ")
    assert why in fast.error
    assert parse_feed(body, headers, base, now=NOW) == parse_feed(body, headers, base, now=NOW, reader="feedparser")


def test_a_bug_in_the_fast_reader_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    body = ACCEPTED["rdf: RSS 1.0"]

    def broken(self: object, root: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(fastfeed._Reader, "document", broken)
    assert fastfeed.read(body, {}) is None
    assert "internal error" in (parse_feed(body, {}, BASE, now=NOW, reader="fast").error or "")
    assert parse_feed(body, {}, BASE, now=NOW) == parse_feed(body, {}, BASE, now=NOW, reader="feedparser")


def test_without_feedparser_internals_everything_goes_to_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    body = ACCEPTED["rdf: RSS 1.0"]
    monkeypatch.setattr(fastfeed, "AVAILABLE", False)
    assert fastfeed.read(body, {}) is None
    assert parse_feed(body, {}, BASE, now=NOW).entries == parse_feed(body, {}, BASE, now=NOW,
                                                                      reader="feedparser").entries
