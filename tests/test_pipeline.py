"""End to end: real HTTP servers on loopback -> Pipeline -> SQLite and PostgreSQL (via the ``store`` fixture)."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import FeedConfig, HttpSettings, Settings
from monitor.pipeline import CycleReport, Pipeline
from monitor.store import FeedState, Store
from tests.support.db import refuse_poisoned_titles
from tests.support.feedserver import (
    Feed,
    FeedServer,
    Item,
    drop_after_headers,
    endless,
    gzip_bomb,
    hang,
    redirect,
    rss,
    slow,
    status,
)

TIMEOUT = 2.0
HTTP = HttpSettings(timeout=TIMEOUT, connect_timeout=1.0, max_body_bytes=1024 * 1024)
RECENT = time.time() - 3600


@pytest.fixture(params=[0, 2], ids=["inline-parse", "2-workers"])
def workers(request: pytest.FixtureRequest) -> int:
    return request.param


def make_settings(db_url: str, feeds: Sequence[FeedConfig], **http: object) -> Settings:
    return Settings(path=None, database_url=db_url, http=HttpSettings(**{**HTTP.__dict__, **http}),
                    feeds=tuple(feeds))


def cfg(name: str, url: str, interval: float = 900.0, language: str | None = None) -> FeedConfig:
    return FeedConfig(name=name, url=url, interval=interval, language=language)


def cycles(settings: Settings, store: Store, rounds: int = 1, workers: int = 0,
           feeds: Sequence[FeedConfig] | None = None, between=None) -> list[CycleReport]:
    """Run ``rounds`` poll cycles inside one pipeline; ``between(i)`` may change the servers between them."""
    store.sync_feeds(settings.feeds, datetime.now(UTC))

    async def go() -> list[CycleReport]:
        out = []
        async with Pipeline(settings, store, workers=workers) as pipeline:
            for i in range(rounds):
                if between is not None and i:
                    between(i)
                out.append(await pipeline.poll_many(list(feeds or settings.enabled_feeds)))
        return out

    return asyncio.run(go())


def state(store: Store, name: str) -> FeedState:
    st = store.feed_state(name)
    assert st is not None
    return st


def titles(store: Store) -> dict[str, tuple[str, ...]]:
    return {a.title: a.feeds for a in store.articles()}


def items(prefix: str, n: int = 3) -> list[Item]:
    return [Item(f"{prefix} story {i}", f"https://{prefix.lower()}.example/{i}?utm_source=rss", f"{prefix}-{i}",
                 f"<p>{prefix} summary {i}</p>", published=RECENT - i * 60) for i in range(n)]


# ------------------------------------------------------------------------------------------------ conditional GET


def test_second_poll_is_conditional_and_not_reparsed(store: Store, feed_server: FeedServer, workers: int) -> None:
    handler = Feed(rss(items("Alpha")), etag='"v7"', last_modified="Mon, 06 Jan 2025 08:00:00 GMT")
    settings = make_settings(store.url, [cfg("Alpha", feed_server.route("/alpha", handler))])
    first, second = cycles(settings, store, rounds=2, workers=workers)

    (r1,) = first.reports
    assert (r1.status, r1.new, r1.entries, r1.http_status, r1.error) == ("ok", 3, 3, 200, None)
    (r2,) = second.reports
    assert (r2.status, r2.new, r2.entries, r2.http_status, r2.error) == ("not_modified", 0, 0, 304, None)
    assert second.summary().startswith("1 feed: 0 ok, 1 not modified, 0 failed; 0 new articles in ")

    req1, req2 = feed_server.hits("/alpha")
    assert "if-none-match" not in req1.headers
    assert req2.headers["if-none-match"] == '"v7"'
    assert req2.headers["if-modified-since"] == "Mon, 06 Jan 2025 08:00:00 GMT"
    assert (handler.served_200, handler.served_304) == (1, 1)

    st = state(store, "Alpha")
    assert (st.last_status, st.http_status, st.etag) == ("not_modified", 304, '"v7"')
    assert st.last_modified == "Mon, 06 Jan 2025 08:00:00 GMT"
    assert st.consecutive_failures == 0
    assert sorted(titles(store)) == ["Alpha story 0", "Alpha story 1", "Alpha story 2"]


def test_unchanged_body_from_a_server_ignoring_validators_is_not_reparsed(store: Store,
                                                                          feed_server: FeedServer) -> None:
    handler = Feed(rss(items("Beta")), honour_conditional=False)
    settings = make_settings(store.url, [cfg("Beta", feed_server.route("/beta", handler))])

    def change(i: int) -> None:
        if i == 2:
            handler.body = rss([*items("Beta"), Item("Beta breaking news", "https://beta.example/new", "Beta-new",
                                                     published=RECENT)])

    first, second, third = cycles(settings, store, rounds=3, between=change)
    assert [(r.status, r.new, r.entries) for r in first.reports] == [("ok", 3, 3)]
    # the validators were sent, the server answered 200 with the same bytes: nothing was parsed or stored
    assert [(r.status, r.new, r.entries) for r in second.reports] == [("unchanged", 0, 0)]
    assert feed_server.hits("/beta")[1].headers["if-none-match"] == '"v1"'
    assert second.summary().startswith("1 feed: 1 ok, 0 not modified, 0 failed; 0 new articles")
    # a changed body is parsed again
    assert [(r.status, r.new, r.entries) for r in third.reports] == [("ok", 1, 4)]
    assert handler.served_200 == 3
    assert state(store, "Beta").last_status == "ok"
    assert store.count_articles() == 4


# ------------------------------------------------------------------------------------------------ faults

TEXTS = {
    "windows-1252": "“Smart quotes” and € prices",
    "iso-8859-2": "Zażółć gęślą jaźń",
    "koi8-r": "Съешь же ещё этих мягких французских булок",
}


def _legacy(encoding: str, declared: bool) -> Feed:
    text = TEXTS[encoding]
    body = rss([Item(text, f"https://{encoding}.example/1", f"{encoding}-1", text, published=RECENT)],
               title=text, encoding=encoding)
    if declared:
        return Feed(body, content_type="application/rss+xml")
    body = body.split(b"\n", 1)[1]  # no XML declaration: only the HTTP header says what the bytes are
    return Feed(body, content_type=f"application/rss+xml; charset={encoding}")


def test_one_cycle_with_every_fault(store: Store, feed_server: FeedServer, workers: int) -> None:
    srv = feed_server
    good = {
        "Good one": srv.route("/good1", Feed(rss(items("One")))),
        "Good two": srv.route("/good2", Feed(rss(items("Two")), etag=None)),
        "Gzipped": srv.route("/gz", status(200, gzip.compress(rss(items("Zip", 2))),
                                           {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})),
        "Windows-1252": srv.route("/cp1252", _legacy("windows-1252", declared=False)),
        "Polish": srv.route("/latin2", _legacy("iso-8859-2", declared=True)),
        "Russian": srv.route("/koi8", _legacy("koi8-r", declared=False)),
    }
    srv.route("/loop-b", redirect("/loop-a"))
    faults = {
        "Hanging": (srv.route("/hang", hang(30)), "timed out after 2s"),
        "Dripping": (srv.route("/drip", slow(30)), "timed out after 2s"),
        "Broken": (srv.route("/500", status(500, b"oops")), "HTTP 500 Internal Server Error"),
        "Gone": (srv.route("/404", status(404, b"nope")), "HTTP 404 Not Found"),
        "Busy": (srv.route("/429", status(429, b"", {"Retry-After": "600"})),
                 "HTTP 429 Too Many Requests, retry after 600s"),
        "Homepage": (srv.route("/html", Feed(b"<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>",
                                             content_type="text/html")),
                     "not a feed: the server sent an HTML page"),
        "Malformed": (srv.route("/bad-xml", Feed(b"<?xml version='1.0'?><rss version='2.0'><channel><title>x<item",
                                                 content_type="application/rss+xml")),
                      "malformed feed: "),
        "Bomb": (srv.route("/bomb", gzip_bomb(64 * 1024 * 1024)), "body larger than 1 MB (decoded)"),
        "Endless": (srv.route("/endless", endless()), "body larger than 1 MB"),
        "Dropped": (srv.route("/drop", drop_after_headers()), "connection dropped: "),
        "Loop": (srv.route("/loop-a", redirect("/loop-b")), f"redirect loop at {srv.url('/loop-a')}"),
        "To file": (srv.route("/to-file", redirect("file:///etc/passwd")),
                    "redirect to non-http URL file:///etc/passwd"),
    }
    feeds = [cfg(n, u) for n, u in good.items()] + [cfg(n, u) for n, (u, _) in faults.items()]
    settings = make_settings(store.url, feeds)

    started = time.monotonic()
    (report,) = cycles(settings, store, workers=workers)
    elapsed = time.monotonic() - started

    by_name = {r.feed: r for r in report.reports}
    assert set(by_name) == set(good) | set(faults)
    for name in good:
        r = by_name[name]
        assert (r.status, r.error) == ("ok", None), name
    for name, (url, message) in faults.items():
        r = by_name[name]
        assert r.status == "error", name
        assert r.error is not None and r.error.startswith(message), (name, r.error)
        assert r.describe() == f"{name} <{url}>: {r.error}"
        st = state(store, name)
        assert (st.last_status, st.last_error, st.consecutive_failures) == ("error", r.error, 1), name
        assert st.last_success_at is None
    assert by_name["Broken"].http_status == 500
    assert by_name["Gone"].http_status == 404
    assert by_name["Busy"].http_status == 429

    stored = titles(store)
    expected = {f"{p} story {i}": (n,) for p, n, k in
                (("One", "Good one", 3), ("Two", "Good two", 3), ("Zip", "Gzipped", 2)) for i in range(k)}
    expected |= {TEXTS["windows-1252"]: ("Windows-1252",), TEXTS["iso-8859-2"]: ("Polish",),
                 TEXTS["koi8-r"]: ("Russian",)}
    assert stored == expected
    for name in good:
        assert state(store, name).last_status == "ok"
    assert state(store, "Russian").title == TEXTS["koi8-r"]
    assert {a.url for a in store.articles() if a.feeds == ("Good one",)} == {
        "https://one.example/0", "https://one.example/1", "https://one.example/2"}

    assert report.new == len(expected)
    assert report.summary().startswith(f"18 feeds: 6 ok, 0 not modified, 12 failed; {len(expected)} new articles in ")
    # the slow feeds cost one timeout, in parallel with the rest: not one timeout each, not a queue of them
    assert elapsed < 2 * TIMEOUT + 3


def test_articles_survive_later_failures(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/alpha", Feed(rss(items("Alpha")), etag='"a1"'))
    settings = make_settings(store.url, [cfg("Alpha", url)])
    faults = [status(500), Feed(b"<html><body>maintenance</body></html>", content_type="text/html"),
              Feed(b"<rss><channel><item><title>half", content_type="application/rss+xml", etag='"a2"'),
              drop_after_headers()]

    def fail(i: int) -> None:
        feed_server.route("/alpha", faults[i - 1])

    reports = cycles(settings, store, rounds=5, between=fail)
    assert [r.reports[0].status for r in reports] == ["ok", "error", "error", "error", "error"]
    assert sorted(titles(store)) == ["Alpha story 0", "Alpha story 1", "Alpha story 2"]
    st = state(store, "Alpha")
    assert st.consecutive_failures == 4
    assert st.etag == '"a1"'  # validators of the last good poll are kept for the next conditional GET
    assert st.last_success_at is not None and st.last_polled_at is not None
    assert st.last_success_at < st.last_polled_at
    assert st.last_error is not None and st.last_error.startswith("connection dropped: ")
    assert store.feed_states(with_counts=True)["Alpha"].article_count == 3


# ------------------------------------------------------------------------------------------------ scheduling


def _delay(st: FeedState) -> float:
    assert st.next_poll_at is not None and st.last_polled_at is not None
    return (st.next_poll_at - st.last_polled_at).total_seconds()


def test_failing_feed_backs_off(store: Store, feed_server: FeedServer) -> None:
    handler = status(500)
    url = feed_server.route("/flaky", handler)
    settings = make_settings(store.url, [cfg("Flaky", url, interval=60.0)])
    seen: list[tuple[int, float]] = []
    store.sync_feeds(settings.feeds, datetime.now(UTC))

    async def go() -> None:
        async with Pipeline(settings, store, workers=0) as pipeline:
            for _ in range(4):
                await pipeline.poll_many(list(settings.feeds))
                st = state(store, "Flaky")
                seen.append((st.consecutive_failures, _delay(st)))
            feed_server.route("/flaky", Feed(rss(items("Flaky", 1))))
            await pipeline.poll_many(list(settings.feeds))
            st = state(store, "Flaky")
            seen.append((st.consecutive_failures, _delay(st)))

    asyncio.run(go())
    for (failures, delay), (want_failures, want_delay) in zip(
            seen, [(1, 60.0), (2, 120.0), (3, 240.0), (4, 480.0), (0, 60.0)], strict=True):
        assert failures == want_failures
        assert want_delay * 0.95 - 0.01 <= delay <= want_delay * 1.05 + 0.01, (failures, delay)
    assert state(store, "Flaky").last_status == "ok"


def test_manual_retries_keep_the_backoff_the_schedule_made(store: Store, feed_server: FeedServer) -> None:
    """`monitor poll` by hand on a feed the daemon is backing off: tried now, recorded, but the failure count
    and the planned retry stay where the schedule put them (three impatient retries must not push the next
    scheduled poll eight intervals out). A success still resets everything."""
    url = feed_server.route("/flaky", status(500))
    settings = make_settings(store.url, [cfg("Flaky", url, interval=60.0)])
    cycles(settings, store, rounds=2)  # the schedule's own polls: 2 failures, next poll 120 s after the last
    scheduled = state(store, "Flaky")
    assert scheduled.consecutive_failures == 2

    async def by_hand(times: int) -> None:
        async with Pipeline(settings, store, workers=0, manual=True) as pipeline:
            for _ in range(times):
                await pipeline.poll_many(list(settings.feeds))

    asyncio.run(by_hand(3))
    st = state(store, "Flaky")
    assert (st.consecutive_failures, st.next_poll_at) == (2, scheduled.next_poll_at)
    assert st.last_polled_at is not None and scheduled.last_polled_at is not None
    assert st.last_polled_at > scheduled.last_polled_at
    assert len(feed_server.hits("/flaky")) == 5

    feed_server.route("/flaky", Feed(rss(items("Flaky", 1))))
    asyncio.run(by_hand(1))
    st = state(store, "Flaky")
    assert st.consecutive_failures == 0 and 57 <= _delay(st) <= 63


def test_backoff_is_capped(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/down", status(503))
    settings = make_settings(store.url, [cfg("Down", url, interval=3600.0)], max_backoff=4 * 3600.0)
    cycles(settings, store, rounds=6)
    st = state(store, "Down")
    assert st.consecutive_failures == 6
    assert 4 * 3600 - 60 <= _delay(st) <= 4 * 3600 + 60
    assert st.active is True  # never silently disabled


@pytest.mark.parametrize("code", [429, 503])
@pytest.mark.parametrize("kind", ["seconds", "http-date"])
def test_retry_after_sets_next_poll(store: Store, feed_server: FeedServer, code: int, kind: str) -> None:
    value = "3600" if kind == "seconds" else email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = feed_server.route("/busy", status(code, b"", {"Retry-After": value}))
    settings = make_settings(store.url, [cfg("Busy", url, interval=60.0)])
    (report,) = cycles(settings, store)
    (r,) = report.reports
    assert r.status == "error"
    assert r.http_status == code
    assert r.next_poll_at is not None
    st = state(store, "Busy")
    assert st.next_poll_at == r.next_poll_at
    assert 3600 - 60 - 2 <= _delay(st) <= 3600 + 60  # jitter is capped at a minute
    assert st.consecutive_failures == 1


def test_publisher_hints_are_a_floor(store: Store, feed_server: FeedServer) -> None:
    max_age = feed_server.route("/max-age", Feed(rss(items("Cached", 1)), headers={"Cache-Control": "max-age=1800"}))
    ttl = feed_server.route("/ttl", Feed(rss(items("Ttl", 1), ttl=120)))
    short = feed_server.route("/short", Feed(rss(items("Short", 1), ttl=1), headers={"Cache-Control": "max-age=5"}))
    settings = make_settings(store.url, [cfg("MaxAge", max_age, 60.0), cfg("Ttl", ttl, 60.0),
                                         cfg("Short", short, 600.0)])
    first, second = cycles(settings, store, rounds=2)
    assert [r.status for r in first.reports] == ["ok"] * 3
    assert [r.status for r in second.reports] == ["not_modified"] * 3
    assert 1800 - 60 <= _delay(state(store, "MaxAge")) <= 1800 + 60
    # the <ttl> of the last parsed document still applies after a 304
    assert state(store, "Ttl").ttl_seconds == 7200
    assert 7200 - 60 <= _delay(state(store, "Ttl")) <= 7200 + 60
    assert 600 - 30 <= _delay(state(store, "Short")) <= 600 + 30


# ------------------------------------------------------------------------------------------------ stories across feeds


def test_same_story_in_two_feeds_is_one_article(store: Store, feed_server: FeedServer, workers: int) -> None:
    shared = Item("Council agrees on new package", "https://wire.example/story?utm_medium=a", "wire-1",
                  published=RECENT)
    a = feed_server.route("/a", Feed(rss([shared, *items("OnlyA", 1)])))
    b = feed_server.route("/b", Feed(rss([Item("Council agrees on new package (update)",
                                               "https://wire.example/story?fbclid=xyz", "b-guid",
                                               published=RECENT), *items("OnlyB", 1)])))
    settings = make_settings(store.url, [cfg("Feed A", a), cfg("Feed B", b)])
    (report,) = cycles(settings, store, workers=workers)
    assert report.new == 3
    assert sum(r.linked for r in report.reports) == 1
    by_url = {x.url: x.feeds for x in store.articles()}
    assert sorted(by_url["https://wire.example/story"]) == ["Feed A", "Feed B"]
    assert len(by_url) == 3


def test_permanent_redirect_is_recorded(store: Store, feed_server: FeedServer) -> None:
    new = feed_server.route("/new-home", Feed(rss(items("Moved", 1))))
    old = feed_server.route("/old-home", redirect(new, 301))
    settings = make_settings(store.url, [cfg("Moved", old)])
    cycles(settings, store)
    st = state(store, "Moved")
    assert st.moved_to == new
    assert st.last_status == "ok"
    assert store.count_articles() == 1


def test_feed_language_from_config(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/pl", Feed(rss(items("Lang", 1), language="en")))
    settings = make_settings(store.url, [cfg("Polish outlet", url, language="pl")])
    cycles(settings, store)
    assert [a.language for a in store.articles()] == ["pl"]
    (article,) = store.articles()
    assert article.summary == "Lang summary 0"
    assert article.url == "https://lang.example/0"
    assert abs((article.published - datetime.fromtimestamp(RECENT, UTC)).total_seconds()) < 1
    assert article.first_seen > datetime.now(UTC) - timedelta(minutes=1)


# ------------------------------------------------------------------------------------------------ hostile text

UNSAFE = ("\x00", "\x1b", "\x07", "\x85", "\u202e", "\u2066")


def test_nul_controls_and_bidi_overrides_are_removed_where_text_enters(store: Store,
                                                                        feed_server: FeedServer) -> None:
    """A JSON Feed may carry NUL legitimately escaped; PostgreSQL cannot store it, terminals obey ESC sequences,
    and U+202E makes a title read backwards. All of it is gone before the store sees the entries."""
    import json

    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Hostile\u202e outlet",
           "items": [{"id": "h1", "url": "https://hostile.example/1",
                      "title": "Envoys\u0000 meet \x1b]0;owned\x07again in Geneva",
                      "content_text": "Talks\u0000 go on.\u202eReversed\u202c text and a C1\u0085 control.",
                      "date_published": datetime.fromtimestamp(RECENT, UTC).isoformat()}]}
    body = json.dumps(doc).encode()
    settings = make_settings(store.url, [cfg("Hostile", feed_server.route(
        "/h.json", Feed(body, content_type="application/feed+json")))])
    (report,) = cycles(settings, store)[0].reports
    assert report.status == "ok" and report.new == 1, report
    (article,) = list(store.articles())
    (chunk,) = list(store.texts())
    stored = [article.title, article.summary, chunk[0][2], state(store, "Hostile").title or ""]
    for text in stored:
        assert not any(c in text for c in UNSAFE), repr(text)
    assert article.title == "Envoys meet ]0;ownedagain in Geneva"
    assert "Reversed text" in chunk[0][2]


def test_database_refusing_one_feed_fails_that_feed_only(store: Store, feed_server: FeedServer) -> None:
    refuse_poisoned_titles(store)
    good = Feed(rss(items("Good")))
    bad = Feed(rss([Item("A poison pill of a headline", "https://bad.example/1", "p1", published=RECENT)]))
    settings = make_settings(store.url, [cfg("Good", feed_server.route("/good", good)),
                                         cfg("Bad", feed_server.route("/bad", bad))])
    first, second = cycles(settings, store, rounds=2)
    by_name = {r.feed: r for r in first.reports}
    assert by_name["Good"].status == "ok" and by_name["Good"].new == 3
    assert by_name["Bad"].failed and by_name["Bad"].error_kind == "database"
    assert "refused" in (by_name["Bad"].error or "") and "poisoned title refused" in (by_name["Bad"].error or "")
    st = state(store, "Bad")
    assert st.last_status == "error" and st.consecutive_failures == 2  # fetched and refused again: no validators
    assert "poisoned title refused" in (st.last_error or "")
    assert st.next_poll_at is not None and st.last_polled_at is not None
    assert (st.next_poll_at - st.last_polled_at) > timedelta(minutes=15)  # backing off past the interval
    assert {r.feed: r.status for r in second.reports} == {"Good": "not_modified", "Bad": "error"}
    assert bad.served_200 == 2
    assert sorted(titles(store)) == [f"Good story {i}" for i in range(3)]


def test_a_feed_redirected_into_a_private_network_fails_and_is_recorded(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/moved", redirect("http://169.254.169.254/latest/meta-data/iam/"))
    settings = make_settings(store.url, [cfg("Hijacked", url)])
    (report,) = cycles(settings, store)[0].reports
    assert (report.status, report.error_kind) == ("error", "blocked")
    st = state(store, "Hijacked")
    assert st.last_status == "error" and (st.last_error or "").startswith(
        "refused: 169.254.169.254, a link-local (cloud metadata) address")
    assert list(store.articles()) == []
