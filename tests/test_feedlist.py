"""Feed management: OPML import/export into the hand-edited YAML config, and feed discovery from a site URL.

The commands run as a user runs them (a subprocess on a temp copy of the config); discovery talks to a real
HTTP server on loopback (tests/support/feedserver.py). What matters most: the user's file keeps its comments
and order, and no failure leaves it changed or broken.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.feedlist import (
    ConfigDocument,
    FeedListError,
    NewFeed,
    add_feed,
    fallback_urls,
    find_feed_links,
    parse_opml,
    plan_import,
    url_key,
)
from tests.support.cli import run_monitor
from tests.support.feedserver import Feed, FeedServer, Item, hang, rss, status
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config" / "monitor.yaml"


def run(config: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return run_monitor("--config", str(config), *args, cwd=config.parent, timeout=60,
                       stdin=stdin.decode() if stdin is not None else None)


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def feed_tuples(path: Path) -> list[tuple[object, ...]]:
    return [(f.name, f.url, f.tags, f.language, f.interval, f.enabled) for f in load_settings(path).feeds]


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Reader export</title></head>
  <body>
    <outline text="News">
      <outline text="Baltics" title="Baltics">
        <outline type="rss" text="Baltic Times" xmlUrl="https://www.baltictimes.com/rss/" language="en-GB"/>
      </outline>
      <outline type="rss" text="Euractiv again" xmlUrl="http://www.euractiv.com/feed"/>
      <outline type="rss" text="bbc europe" xmlUrl="https://www.bbc.com/news/world/europe/rss.xml"
               category="/wire/uk,english"/>
    </outline>
    <outline type="rss" title="Price $ watch" xmlUrl="https://prices.example/rss?cur=$USD"/>
  </body>
</opml>
"""


# ------------------------------------------------------------------------------------------------ OPML, pure


def test_parse_opml_folders_categories_and_duplicates() -> None:
    data = b"""<opml version="1.0"><body>
      <outline title="Tech"><outline text="Nested"><outline text="A" xmlUrl="https://a.example/feed"/></outline>
        <outline text="B" xmlurl="feed://b.example/rss" category="/x/y, z"/>
      </outline>
      <outline text="Politics"><outline text="A (second copy)" xmlUrl="https://A.example/feed/"/></outline>
      <outline text="Bad" xmlUrl="ftp://files.example/feed"/>
      <outline xmlUrl="https://untitled.example/rss" language="not a language"/>
      <outline text="Empty folder"/>
    </body></opml>"""
    feeds, problems = parse_opml(data, "x.opml")
    assert [(f.name, f.url, f.tags, f.language) for f in feeds] == [
        ("A", "https://a.example/feed", ("Tech", "Nested", "Politics"), None),  # one feed, both folders' tags
        ("B", "http://b.example/rss", ("Tech", "x", "y", "z"), None),
        ("untitled.example", "https://untitled.example/rss", (), None),
    ]
    assert problems == ["Bad: 'ftp://files.example/feed' is not an http(s) URL"]


@pytest.mark.parametrize(("data", "message"), [
    (b"<opml><body><outline text='x' xmlUrl='https://a/'></body></opml>",
     "x.opml: not valid OPML: malformed XML: mismatched tag (line 1)"),
    (b"", "x.opml: not valid OPML: malformed XML: no element found (line 1)"),
    (b"<rss version='2.0'><channel/></rss>", "x.opml: not valid OPML: the root element is <rss>, not <opml>"),
    (b"<opml version='2.0'><head/></opml>", "x.opml: not valid OPML: no <body> element"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b"<opml><body>&lol2;</body></opml>",
     "x.opml: not valid OPML: entity declarations are not allowed"),
])
def test_malformed_opml(data: bytes, message: str) -> None:
    with pytest.raises(FeedListError) as err:
        parse_opml(data, "x.opml")
    assert str(err.value) == message


def test_plan_skips_configured_urls_and_renames_clashing_names() -> None:
    settings = load_settings(SHIPPED)
    incoming = [
        NewFeed("Whatever", "http://www.euractiv.com/feed"),  # configured as https://www.euractiv.com/feed/
        NewFeed("bbc europe", "https://other.example/rss"),  # the name is taken, the feed is not
        NewFeed("New", "https://new.example/rss"),
        NewFeed("new", "https://new.example/rss/"),  # the same feed twice in one file
    ]
    plan = plan_import(settings.feeds, incoming)
    assert [(f.name, f.url) for f in plan.added] == [("bbc europe (2)", "https://other.example/rss"),
                                                     ("New", "https://new.example/rss")]
    assert [(f.url, reason) for f, reason in plan.skipped] == [
        ("http://www.euractiv.com/feed", "already configured as 'Euractiv'"),
        ("https://new.example/rss/", "already configured as 'New'")]
    assert plan.renamed == [("bbc europe", "bbc europe (2)")]
    assert url_key("HTTPS://Example.org:443/feed/#x") == url_key("http://example.org/feed")
    assert url_key("https://example.org/feed?page=2") != url_key("https://example.org/feed")


# ------------------------------------------------------------------------------------------------ import


def test_import_keeps_comments_and_order(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    original = SHIPPED.read_text(encoding="utf-8")
    config.write_text(original, encoding="utf-8")
    (tmp_path / "reader.opml").write_bytes(OPML)

    result = run(config, "feeds", "import", "reader.opml")
    assert result.returncode == 0, result.stderr
    added, hint = result.stdout.strip().splitlines()
    assert added == f"added 3 feeds to {config}; skipped 1 already configured, 0 invalid"
    assert hint.startswith("a running daemon reads the change on SIGHUP: `kill -HUP <pid of monitor run>`")
    assert result.stderr.strip() == "renamed: 'bbc europe' -> 'bbc europe (2)' (the name was taken)"

    text = config.read_text(encoding="utf-8")
    assert text.startswith(original)  # every comment, blank line, key and quote of the user's file, unchanged
    assert text[len(original):] == (
        "  - name: Baltic Times\n"
        "    url: https://www.baltictimes.com/rss/\n"
        "    language: en\n"
        "    tags: [News, Baltics]\n"
        "  - name: bbc europe (2)\n"
        "    url: https://www.bbc.com/news/world/europe/rss.xml\n"
        "    tags: [News, wire, uk, english]\n"
        "  - name: Price $$ watch\n"
        "    url: https://prices.example/rss?cur=$$USD\n"
    )
    feeds = load_settings(config).feeds  # still a valid config
    before = load_settings(SHIPPED).feeds
    assert feeds[: len(before)] == before
    assert [(f.name, f.url) for f in feeds[len(before):]] == [
        ("Baltic Times", "https://www.baltictimes.com/rss/"),
        ("bbc europe (2)", "https://www.bbc.com/news/world/europe/rss.xml"),
        ("Price $ watch", "https://prices.example/rss?cur=$USD"),  # a literal dollar stays literal
    ]
    assert no_temp_files(tmp_path)

    again = run(config, "feeds", "import", "-v", "reader.opml")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"added 0 feeds to {config}; skipped 4 already configured, 0 invalid"
    assert "skipped: Euractiv again <http://www.euractiv.com/feed>: already configured as 'Euractiv'" in again.stderr
    assert config.read_text(encoding="utf-8") == text


COMMENTED = """\
# my monitor
database: sqlite:///{db}   # local

feeds:
  # --- first section
  - name: Alpha          # the first one
    url: https://alpha.example/rss
    tags:
      - eu
      - "quoted"
  - name: Beta
    url: "https://beta.example/rss"
    enabled: false       # paused for now

  # --- later: more feeds go here

# --- logging
log:
  level: info            # debug | info
# end of file
"""


def test_import_into_a_config_with_sections_after_the_feeds(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    original = COMMENTED.format(db=tmp_path / "m.db")
    config.write_text(original, encoding="utf-8")
    opml = tmp_path / "x.opml"
    opml.write_bytes(b"<opml version='2.0'><body><outline text='wire'>"
                     b"<outline text='Gamma' xmlUrl='https://gamma.example/rss'/></outline>"
                     b"<outline text='Delta' xmlUrl='https://delta.example/atom'/></body></opml>")
    result = run(config, "feeds", "import", str(opml))
    assert result.returncode == 0, result.stderr
    text = config.read_text(encoding="utf-8")
    assert text == original.replace(
        "    enabled: false       # paused for now\n",
        "    enabled: false       # paused for now\n"
        "  - name: Gamma\n"
        "    url: https://gamma.example/rss\n"
        "    tags: [wire]\n"
        "  - name: Delta\n"
        "    url: https://delta.example/atom\n")
    assert [f.name for f in load_settings(config).feeds] == ["Alpha", "Beta", "Gamma", "Delta"]


def test_import_from_stdin_and_dry_run(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("feeds:\n", encoding="utf-8")
    dry = run(config, "feeds", "import", "--dry-run", "-", stdin=OPML)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == f"would add 4 feeds to {config}; skipped 0 already configured, 0 invalid"
    assert config.read_text() == "feeds:\n"
    real = run(config, "feeds", "import", "-", stdin=OPML)
    assert real.returncode == 0, real.stderr
    assert len(load_settings(config).feeds) == 4


def test_malformed_opml_is_a_one_line_error(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    before = config.read_bytes()
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<?xml version='1.0'?>\n<opml><body>\n<outline text='a' xmlUrl='https://a/?x=1&y=2'/>\n</body>")
    line = one_line_error(run(config, "feeds", "import", "bad.opml"))
    assert line == "monitor: bad.opml: not valid OPML: malformed XML: not well-formed (invalid token) (line 3)"
    line = one_line_error(run(config, "feeds", "import", "missing.opml"))
    assert line == "monitor: cannot read missing.opml: No such file or directory"
    assert config.read_bytes() == before


def test_an_invalid_config_is_not_edited(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("feeds:\n  - name: A\n    url: https://a.example/rss\n    interval: 15x\n", encoding="utf-8")
    before = config.read_bytes()
    (tmp_path / "x.opml").write_bytes(OPML)
    line = one_line_error(run(config, "feeds", "import", "x.opml"), code=2)
    assert line == (f"{config}:4: feeds[0].interval: '15x' is not a duration (use e.g. 90s, 15m, 1h or 1d)")
    assert config.read_bytes() == before
    assert no_temp_files(tmp_path)


def test_the_result_is_validated_before_it_is_written(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("# keep me\nfeeds: []\n", encoding="utf-8")
    doc = ConfigDocument.load(config)
    doc.append([NewFeed("Broken", "https://broken.example/rss", interval="15x")])
    with pytest.raises(FeedListError) as err:
        doc.save()
    assert str(err.value) == (f"not written, the result would be invalid: {config}:5: feeds[0].interval: "
                              "'15x' is not a duration (use e.g. 90s, 15m, 1h or 1d)")
    assert config.read_text() == "# keep me\nfeeds: []\n"
    assert no_temp_files(tmp_path)


def test_write_follows_a_symlinked_config_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("feeds:\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "monitor.yaml"
    link.symlink_to(real)
    (tmp_path / "x.opml").write_bytes(b"<opml><body><outline text='A' xmlUrl='https://a.example/'/></body></opml>")
    assert run(link, "feeds", "import", "x.opml").returncode == 0
    assert link.is_symlink()
    assert "https://a.example/" in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o640


# ------------------------------------------------------------------------------------------------ export


def test_export_then_import_gives_the_same_feeds(tmp_path: Path) -> None:
    source = tmp_path / "source.yaml"
    source.write_text(SHIPPED.read_text(encoding="utf-8")
                      + "  - name: Paused & <odd> \"name\"\n    url: https://paused.example/rss?a=1&b=2\n"
                        "    enabled: false\n    interval: 2h\n", encoding="utf-8")
    exported = run(source, "feeds", "export")
    assert exported.returncode == 0, exported.stderr
    root = ET.fromstring(exported.stdout.encode())
    assert root.tag == "opml" and root.get("version") == "2.0"
    folders = [o.get("text") for o in root.find("body")]  # type: ignore[union-attr]
    assert folders[:3] == ["eu", "wire", "russia"]
    dw = root.find(".//outline[@text='DW Europe']")
    assert dw is not None and dw.get("category") == "wire,de" and dw.get("xmlUrl") == "https://rss.dw.com/rdf/rss-en-eu"

    out = tmp_path / "feeds.opml"
    written = run(source, "feeds", "export", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert written.stderr.strip() == f"wrote 33 feeds to {out}"

    for empty in ("", "feeds: []\n", "# nothing yet\n"):
        target = tmp_path / "empty.yaml"
        target.write_text(empty, encoding="utf-8")
        imported = run(target, "feeds", "import", str(out))
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.startswith("added 33 feeds")
        assert feed_tuples(target) == feed_tuples(source)  # names, URLs, tags, languages, intervals, enabled


# ------------------------------------------------------------------------------------------------ discovery


def atom(title: str, n: int = 2) -> bytes:
    entries = "".join(f"<entry><id>urn:{i}</id><title>Story {i}</title><link href='https://s.example/{i}'/>"
                      f"<updated>2025-01-0{i + 1}T00:00:00Z</updated></entry>" for i in range(n))
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>{title}"
            f"</title><id>urn:feed</id><updated>2025-01-01T00:00:00Z</updated>{entries}</feed>").encode()


def page(head: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>A site</title>{head}</head>"
            "<body><p>Hello</p></body></html>").encode()


HTML = {"Content-Type": "text/html; charset=utf-8"}


def write_config(tmp_path: Path, feeds: str = "") -> Path:
    config = tmp_path / "monitor.yaml"
    config.write_text("# test config\nhttp:\n  timeout: 5s\n  connect_timeout: 2s\n\nfeeds:" + (feeds or " []")
                      + "\n", encoding="utf-8")
    return config


def test_find_feed_links_prefers_rss_and_atom_and_resolves_relative_urls() -> None:
    html = page('<link rel="alternate" type="application/feed+json" href="/feed.json">'
                '<LINK REL="Alternate home" TYPE="application/atom+xml; charset=utf-8" href="atom.xml">'
                '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">'
                '<link rel="stylesheet" type="text/css" href="/style.css">'
                '<link rel="alternate" type="application/rss+xml" href="//cdn.example/rss">'
                '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">')
    assert find_feed_links(html, "https://site.example/blog/post.html") == [
        "https://site.example/blog/atom.xml", "https://cdn.example/rss", "https://site.example/feed.json"]
    based = page('<base href="https://other.example/news/"><link rel=alternate type=application/rss+xml href=rss>')
    assert find_feed_links(based, "https://site.example/") == ["https://other.example/news/rss"]
    assert find_feed_links(page(""), "https://site.example/") == []
    assert fallback_urls("https://site.example/blog/post.html")[:2] == [
        "https://site.example/blog/feed", "https://site.example/blog/rss"]
    assert fallback_urls("https://site.example/")[0] == "https://site.example/feed"


def test_add_discovers_the_advertised_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    site = feed_server.route("/", status(200, page(
        '<link rel="alternate" type="application/feed+json" href="/feed.json">'
        '<link rel="alternate" type="application/atom+xml" title="News" href="news/atom.xml">'), HTML))
    feed_server.route("/news/atom.xml", Feed(atom("  Example   News\n"), content_type="application/atom+xml"))
    config = write_config(tmp_path)
    result = run(config, "feeds", "add", site, "--tag", "eu", "--tag", "wire", "--interval", "30m")
    assert result.returncode == 0, result.stderr
    feed_url = feed_server.url("/news/atom.xml")
    added, hint = result.stdout.strip().splitlines()
    assert added == f"added 'Example News': {feed_url} (advertised by the page), 2 entries, to {config}"
    assert hint.startswith("a running daemon reads the change on SIGHUP")
    assert feed_tuples(config) == [("Example News", feed_url, ("eu", "wire"), None, 1800.0, True)]
    assert config.read_text().startswith("# test config\nhttp:\n  timeout: 5s\n")
    assert feed_server.hits("/feed.json") == []  # Atom is preferred: the JSON feed was never needed

    again = one_line_error(run(config, "feeds", "add", site))
    assert again == f"monitor: {feed_url} (found at {site}) is already configured as 'Example News'"
    direct = one_line_error(run(config, "feeds", "add", feed_url))
    assert direct == f"monitor: {feed_url} is already configured as 'Example News'"


def test_add_resolves_relative_links_against_the_page(tmp_path: Path, feed_server: FeedServer) -> None:
    blog = feed_server.route("/blog/", status(200, page(
        '<link rel="alternate" type="application/rss+xml" href="feed.xml">'), HTML))
    feed_server.route("/blog/feed.xml", Feed(rss([Item("One", "https://b.example/1", "1")], title="The Blog")))
    config = write_config(tmp_path)
    result = add_feed(config, blog, name="My blog")
    assert result.feed.url == feed_server.url("/blog/feed.xml")
    assert result.discovered.how == "advertised"
    assert [(f.name, f.url) for f in load_settings(config).feeds] == [("My blog", feed_server.url("/blog/feed.xml"))]


def test_add_takes_a_feed_url_as_it_is(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/rss", Feed(rss([Item("One", "https://b.example/1", "1")], title="Beta Wire"),
                                         content_type="text/html"))  # a feed served as HTML: the bytes decide
    config = write_config(tmp_path, "\n  - name: beta wire\n    url: https://elsewhere.example/rss")
    result = add_feed(config, url)
    assert (result.feed.name, result.feed.url, result.discovered.how) == ("Beta Wire (2)", url, "direct")
    assert [f.name for f in load_settings(config).feeds] == ["beta wire", "Beta Wire (2)"]


def test_add_falls_back_to_common_paths_only_without_links(tmp_path: Path, feed_server: FeedServer) -> None:
    site = feed_server.route("/", status(200, page(""), HTML))
    feed_server.route("/rss.xml", Feed(rss([Item("One", "https://c.example/1", "1")], title="Gamma")))
    config = write_config(tmp_path)
    result = add_feed(config, site)
    assert (result.feed.url, result.discovered.how) == (feed_server.url("/rss.xml"), "guessed")
    assert feed_server.hits("/feed") and feed_server.hits("/rss")  # tried, in order, before /rss.xml


def test_a_page_without_a_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    site = feed_server.route("/", status(200, page('<link rel="stylesheet" href="/s.css">'), HTML))
    feed_server.route("/feed", status(200, page(""), HTML))  # a soft 404: an HTML page where a feed might be
    config = write_config(tmp_path)
    before = config.read_bytes()
    line = one_line_error(run(config, "feeds", "add", site))
    assert line == (f"monitor: no feed found at {site}: the page advertises none (<link rel=\"alternate\">) and "
                    "there is none at /feed, /rss, /rss.xml, /feed.xml, /atom.xml, /index.xml")
    assert config.read_bytes() == before


def test_guessing_stops_at_a_host_that_does_not_answer(tmp_path: Path, feed_server: FeedServer) -> None:
    site = feed_server.route("/", status(200, page(""), HTML))
    feed_server.route("/feed", hang(10))
    config = tmp_path / "monitor.yaml"
    config.write_text("http:\n  timeout: 1s\nfeeds: []\n", encoding="utf-8")
    with pytest.raises(FeedListError) as err:
        add_feed(config, site)
    assert str(err.value) == (f"no feed found at {site}: the page advertises none (<link rel=\"alternate\">) and "
                              f"{feed_server.url('/feed')} did not answer: timed out after 1s")
    assert feed_server.hits("/rss") == []  # no point waiting for five more guesses


@pytest.mark.parametrize(("handler", "reason"), [
    (status(404, b"gone"), "HTTP 404 Not Found"),
    (status(200, page(""), HTML), "not a feed: the server sent an HTML page"),
    (status(200, b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item><title>a</ite",
            {"Content-Type": "application/rss+xml"}), "malformed"),
], ids=["404", "html", "malformed"])
def test_an_advertised_feed_that_is_broken(tmp_path: Path, feed_server: FeedServer, handler, reason: str) -> None:
    site = feed_server.route("/", status(200, page(
        '<link rel="alternate" type="application/rss+xml" href="/broken.xml">'), HTML))
    feed_server.route("/broken.xml", handler)
    feed_server.route("/feed", Feed(rss([Item("x", "https://d.example/1", "1")])))  # not a substitute: not asked
    config = write_config(tmp_path)
    before = config.read_bytes()
    with pytest.raises(FeedListError) as err:
        add_feed(config, site)
    message = str(err.value)
    assert message.startswith(f"the feed {site} advertises is broken: {feed_server.url('/broken.xml')}: ")
    assert reason in message and "\n" not in message
    assert feed_server.hits("/feed") == []
    assert config.read_bytes() == before


def test_add_errors_are_one_line(tmp_path: Path, feed_server: FeedServer) -> None:
    config = write_config(tmp_path, "\n  - name: Known\n    url: https://known.example/rss")
    assert one_line_error(run(config, "feeds", "add", "example.org")) == (
        "monitor: 'example.org' is not an http(s) URL (did you mean https://example.org?)")
    assert one_line_error(run(config, "feeds", "add", "https://known.example/rss/")) == (
        "monitor: https://known.example/rss/ is already configured as 'Known'")
    assert one_line_error(run(config, "feeds", "add", feed_server.url("/"), "--name", "KNOWN")) == (
        "monitor: a feed named 'Known' is already configured (https://known.example/rss); choose another --name")
    assert one_line_error(run(config, "feeds", "add", feed_server.url("/"), "--interval", "soon")) == (
        "monitor: --interval: 'soon' is not a duration (use e.g. 90s, 15m, 1h or 1d)")
    assert feed_server.requests == []  # none of these needed a request

    closed = f"http://127.0.0.1:{free_port()}/"  # a port nobody listens on
    line = one_line_error(run(config, "feeds", "add", closed))
    assert line.startswith(f"monitor: cannot fetch {closed}: cannot connect: ")
    feed_server.route("/missing", status(404, b"no"))
    assert one_line_error(run(config, "feeds", "add", feed_server.url("/missing"))) == (
        f"monitor: cannot fetch {feed_server.url('/missing')}: HTTP 404 Not Found")
    feed_server.route("/data.xml", status(200, b"<?xml version='1.0'?><urlset><url/></urlset>",
                                          {"Content-Type": "application/xml"}))
    assert one_line_error(run(config, "feeds", "add", feed_server.url("/data.xml"))) == (
        f"monitor: no feed at {feed_server.url('/data.xml')}: not a feed: no RSS, Atom or RDF elements "
        "(root element <urlset>)")
    assert [f.name for f in load_settings(config).feeds] == ["Known"]


# ------------------------------------------------------------------------------------------------ private networks


def test_a_feed_advertised_on_another_private_host_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    """The page's host is trusted as typed; a feed it advertises elsewhere is not, and loopback is private."""
    elsewhere = FeedServer("127.0.0.2")
    try:
        link = elsewhere.route("/feed.xml", Feed(rss([Item("x", "https://d.example/1", "1")])))
        site = feed_server.route("/", status(200, page(
            f'<link rel="alternate" type="application/rss+xml" href="{link}">'), HTML))
        config = write_config(tmp_path)
        line = one_line_error(run(config, "feeds", "add", site))
        assert line == (f"monitor: the feed {site} advertises is broken: {link}: refused: 127.0.0.2, a loopback "
                        "address, is reachable only from hosts in the config; allow it with "
                        "http.allow_private_networks: [127.0.0.2/32]")
        assert elsewhere.requests == []
        # Typed by the user, the same feed is theirs to add.
        added = run(config, "feeds", "add", link, "--name", "Intranet")
        assert added.returncode == 0, added.stderr
        assert [f.url for f in load_settings(config).feeds] == [link]
    finally:
        elsewhere.close()


def test_import_names_every_private_or_link_local_address(tmp_path: Path) -> None:
    opml = b"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>
      <outline type="rss" text="Intranet" xmlUrl="http://10.20.30.40/rss"/>
      <outline type="rss" text="Here" xmlUrl="http://localhost:8080/rss"/>
      <outline type="rss" text="Public" xmlUrl="http://93.184.215.14/rss"/>
    </body></opml>"""
    config = write_config(tmp_path)
    (tmp_path / "in.opml").write_bytes(opml)
    result = run(config, "feeds", "import", "in.opml")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        "warning: Metadata <http://169.254.169.254/latest/meta-data/>: 169.254.169.254, a link-local (cloud "
        "metadata) address; it will be fetched as configured",
        "warning: Intranet <http://10.20.30.40/rss>: 10.20.30.40, a private address; it will be fetched as "
        "configured",
        "warning: Here <http://localhost:8080/rss>: localhost resolves to 127.0.0.1, a loopback address; it will "
        "be fetched as configured",
    ]
    assert len(load_settings(config).feeds) == 4
