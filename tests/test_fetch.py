"""Fetching against a real, misbehaving HTTP server on 127.0.0.1: every fault ends as a FetchResult, in time."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from monitor import USER_AGENT
from monitor.config import HttpSettings
from monitor.fetch import Fetcher, FetchRequest, FetchResult, parse_max_age, parse_retry_after
from tests.support.feedserver import (
    Feed,
    FeedServer,
    Item,
    Request,
    drop,
    drop_after_headers,
    endless,
    hang,
    redirect,
    response,
    rss,
    slow,
    status,
)
from tests.support.net import free_port

TIMEOUT = 2.0
MARGIN = 1.5  # scheduling slack on a busy 2-core machine
SETTINGS = HttpSettings(timeout=TIMEOUT, connect_timeout=1.0, max_body_bytes=1024 * 1024)
BODY = rss([Item("A story", "https://news.example.org/1", "g1", "text")])


LOOPBACK = ("127.0.0.1",)  # the host the tests' servers run on, trusted as a host named in a config is


def fetch(request: FetchRequest | str, settings: HttpSettings = SETTINGS,
          trusted: tuple[str, ...] = LOOPBACK) -> FetchResult:
    req = FetchRequest(request) if isinstance(request, str) else request

    async def go() -> FetchResult:
        async with Fetcher(settings, trusted) as fetcher:
            return await fetcher.fetch(req)

    return asyncio.run(go())


def fetch_many(urls: list[str], settings: HttpSettings = SETTINGS) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings, LOOPBACK) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(FetchRequest(u)) for u in urls)))

    return asyncio.run(go())


def gzip_bomb_body(decoded: int) -> bytes:
    """A gzip stream of ``decoded`` zero bytes, built without holding them in memory."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [z.compress(b"<rss>")]
    block = b"\0" * (1 << 20)
    for _ in range(decoded >> 20):
        parts.append(z.compress(block))
    parts.append(z.flush())
    return b"".join(parts)


# ------------------------------------------------------------------------------------------------ success


def test_ok_and_user_agent(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", Feed(BODY, headers={"Cache-Control": "public, max-age=600"}))
    result = fetch(url)
    assert result.outcome == "ok"
    assert result.status == 200
    assert result.body == BODY
    assert result.final_url == url
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert result.max_age == 600.0
    assert result.error is None
    (req,) = feed_server.hits("/feed")
    assert req.headers["user-agent"] == USER_AGENT
    assert req.headers["user-agent"].startswith("monitor/")
    assert "gzip" in req.headers["accept-encoding"]
    assert "application/rss+xml" in req.headers["accept"]
    assert "if-none-match" not in req.headers
    assert "if-modified-since" not in req.headers


def test_custom_user_agent(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", Feed(BODY))
    assert fetch(url, replace(SETTINGS, user_agent="monitor-test/9 (+ops@example.org)")).outcome == "ok"
    assert feed_server.hits("/feed")[0].headers["user-agent"] == "monitor-test/9 (+ops@example.org)"


def test_conditional_get_sends_validators_and_gets_304(feed_server: FeedServer) -> None:
    handler = Feed(BODY, etag='"abc"', last_modified="Tue, 07 Jan 2025 10:00:00 GMT")
    url = feed_server.route("/feed", handler)
    result = fetch(FetchRequest(url, etag='"abc"', last_modified="Tue, 07 Jan 2025 10:00:00 GMT"))
    assert result.outcome == "not_modified"
    assert result.status == 304
    assert result.body is None
    assert result.etag == '"abc"'
    assert result.last_modified == "Tue, 07 Jan 2025 10:00:00 GMT"
    (req,) = feed_server.hits("/feed")
    assert req.headers["if-none-match"] == '"abc"'
    assert req.headers["if-modified-since"] == "Tue, 07 Jan 2025 10:00:00 GMT"
    assert (handler.served_304, handler.served_200) == (1, 0)


def test_conditional_get_with_last_modified_only(feed_server: FeedServer) -> None:
    handler = Feed(BODY, etag=None, last_modified="Tue, 07 Jan 2025 10:00:00 GMT")
    url = feed_server.route("/feed", handler)
    result = fetch(FetchRequest(url, last_modified="Tue, 07 Jan 2025 10:00:00 GMT"))
    assert result.outcome == "not_modified"
    assert result.last_modified == "Tue, 07 Jan 2025 10:00:00 GMT"
    (req,) = feed_server.hits("/feed")
    assert "if-none-match" not in req.headers
    assert req.headers["if-modified-since"] == "Tue, 07 Jan 2025 10:00:00 GMT"


def test_stale_validators_get_the_full_body(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", Feed(BODY, etag='"v2"'))
    result = fetch(FetchRequest(url, etag='"v1"'))
    assert result.outcome == "ok"
    assert result.body == BODY
    assert result.etag == '"v2"'


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_feed_is_decoded(feed_server: FeedServer, encoding: str) -> None:
    if encoding == "gzip":
        wire = gzip.compress(BODY)
    elif encoding == "deflate":
        wire = zlib.compress(BODY)
    else:
        z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        wire = z.compress(BODY) + z.flush()
    header = "gzip" if encoding == "gzip" else "deflate"
    url = feed_server.route("/z", status(200, wire, {"Content-Type": "application/rss+xml",
                                                      "Content-Encoding": header}))
    result = fetch(url)
    assert result.outcome == "ok", result.error
    assert result.body == BODY


def test_corrupt_gzip_is_an_error(feed_server: FeedServer) -> None:
    url = feed_server.route("/z", status(200, b"\x1f\x8b\x08\x00garbage-not-gzip" * 10,
                                         {"Content-Encoding": "gzip"}))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "encoding"
    assert "corrupt compressed body" in (result.error or "")


def test_unsupported_content_encoding_is_an_error(feed_server: FeedServer) -> None:
    url = feed_server.route("/br", status(200, b"\x0b\x02\x80hello", {"Content-Encoding": "br"}))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error == "unsupported Content-Encoding 'br'"


# ------------------------------------------------------------------------------------------------ timeouts


@pytest.mark.parametrize("handler", [hang(30), slow(30)], ids=["hanging", "dripping"])
def test_timeouts_end_within_the_configured_time(feed_server: FeedServer, handler) -> None:
    url = feed_server.route("/slow", handler)
    started = time.monotonic()
    result = fetch(url)
    elapsed = time.monotonic() - started
    assert result.outcome == "error"
    assert result.error_kind == "timeout"
    assert result.error == "timed out after 2s"
    assert TIMEOUT - 0.2 <= elapsed < TIMEOUT + MARGIN
    assert result.elapsed < TIMEOUT + MARGIN


def test_connection_refused(feed_server: FeedServer) -> None:
    result = fetch(f"http://127.0.0.1:{free_port()}/feed")
    assert result.outcome == "error"
    assert result.error_kind == "connect"
    assert (result.error or "").startswith("cannot connect: ")


# ------------------------------------------------------------------------------------------------ HTTP errors


@pytest.mark.parametrize(("code", "message"), [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found"),
                                               (403, "HTTP 403 Status"), (410, "HTTP 410 Status")])
def test_http_errors_carry_the_status(feed_server: FeedServer, code: int, message: str) -> None:
    url = feed_server.route("/err", status(code, b"<html>error</html>", {"Content-Type": "text/html"}))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.status == code
    assert result.error_kind == "http"
    assert result.error == message
    assert result.retry_after is None


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_seconds(feed_server: FeedServer, code: int) -> None:
    url = feed_server.route("/busy", status(code, b"slow down", {"Retry-After": "120"}))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.status == code
    assert result.retry_after == 120.0
    assert result.error is not None and result.error.startswith(f"HTTP {code} ")
    assert result.error.endswith(", retry after 120s")


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_http_date(feed_server: FeedServer, code: int) -> None:
    when = email.utils.formatdate(time.time() + 300, usegmt=True)
    url = feed_server.route("/busy", status(code, b"", {"Retry-After": when}))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.retry_after is not None
    assert 295 <= result.retry_after <= 301


def test_retry_after_ignored_on_other_statuses(feed_server: FeedServer) -> None:
    url = feed_server.route("/err", status(500, b"", {"Retry-After": "120"}))
    assert fetch(url).retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("0", 0.0), (" 30 ", 30.0), ("soon", None), ("", None), (None, None), ("-5", None),
     ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],  # a date in the past: retry now
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=time.time()) == expected


def test_parse_retry_after_date() -> None:
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:00:00 GMT").timestamp()
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 1680.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("max-age=600", 600.0), ("public, max-age=60, must-revalidate", 60.0), ('max-age="30"', 30.0),
     ("no-cache", None), ("max-age=abc", None), (None, None), ("s-maxage=10", None)],
)
def test_parse_max_age(value: str | None, expected: float | None) -> None:
    assert parse_max_age(value) == expected


# ------------------------------------------------------------------------------------------------ size limits


def test_gzip_bomb_is_stopped_without_using_lots_of_memory(feed_server: FeedServer) -> None:
    decoded = 256 * 1024 * 1024
    wire = gzip_bomb_body(decoded)
    assert len(wire) < 1024 * 1024  # a small download ...
    url = feed_server.route("/bomb", status(200, wire, {"Content-Type": "application/rss+xml",
                                                        "Content-Encoding": "gzip"}))
    settings = replace(SETTINGS, max_body_bytes=10 * 1024 * 1024)  # the shipped default
    tracemalloc.start()
    try:
        result = fetch(url, settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.outcome == "error"
    assert result.error_kind == "too_large"
    assert result.error == "body larger than 10 MB (decoded)"
    assert result.body is None
    assert peak < 32 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while refusing a {decoded / 1e6:.0f} MB bomb"


def test_endless_body_is_stopped(feed_server: FeedServer) -> None:
    url = feed_server.route("/endless", endless())
    started = time.monotonic()
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "too_large"
    assert result.error == "body larger than 1 MB"
    assert time.monotonic() - started < TIMEOUT + MARGIN


def test_declared_content_length_over_the_limit(feed_server: FeedServer) -> None:
    def handler(req: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 50000000\r\n\r\n<rss>")
        time.sleep(5)

    url = feed_server.route("/huge", handler)
    started = time.monotonic()
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error == "body larger than 1 MB (Content-Length 50000000)"
    assert time.monotonic() - started < 1.0


def test_body_just_under_the_limit_is_fine(feed_server: FeedServer) -> None:
    body = BODY + b" " * (SETTINGS.max_body_bytes - len(BODY))
    url = feed_server.route("/big", status(200, body, {"Content-Type": "application/rss+xml"}))
    result = fetch(url)
    assert result.outcome == "ok", result.error
    assert result.body == body


# ------------------------------------------------------------------------------------------------ broken connections


@pytest.mark.parametrize("handler", [drop(), drop_after_headers()], ids=["no-response", "half-body"])
def test_dropped_connection(feed_server: FeedServer, handler) -> None:
    url = feed_server.route("/drop", handler)
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "protocol"
    assert (result.error or "").startswith("connection dropped: ")
    assert result.body is None


def test_garbage_instead_of_http(feed_server: FeedServer) -> None:
    url = feed_server.route("/garbage", lambda req, conn: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "protocol"


# ------------------------------------------------------------------------------------------------ redirects


def test_redirect_is_followed(feed_server: FeedServer) -> None:
    final = feed_server.route("/new", Feed(BODY))
    url = feed_server.route("/old", redirect("/new", 302))
    result = fetch(url)
    assert result.outcome == "ok"
    assert result.final_url == final
    assert result.url == url
    assert result.permanent_redirect is None  # a temporary redirect is not reported as a move


def test_permanent_redirect_target_reported(feed_server: FeedServer) -> None:
    final = feed_server.route("/moved/here", Feed(BODY))
    feed_server.route("/step", redirect(final, 308))
    url = feed_server.route("/old", redirect("/step", 301))
    result = fetch(url)
    assert result.outcome == "ok"
    assert result.permanent_redirect == final
    assert result.final_url == final


def test_permanent_then_temporary_redirect_is_not_a_move(feed_server: FeedServer) -> None:
    feed_server.route("/final", Feed(BODY))
    feed_server.route("/temp", redirect("/final", 302))
    url = feed_server.route("/old", redirect("/temp", 301))
    result = fetch(url)
    assert result.outcome == "ok"
    assert result.permanent_redirect is None


def test_conditional_headers_survive_redirects(feed_server: FeedServer) -> None:
    feed_server.route("/new", Feed(BODY, etag='"e1"'))
    url = feed_server.route("/old", redirect("/new", 301))
    result = fetch(FetchRequest(url, etag='"e1"'))
    assert result.outcome == "not_modified"
    assert feed_server.hits("/new")[0].headers["if-none-match"] == '"e1"'


def test_redirect_loop(feed_server: FeedServer) -> None:
    feed_server.route("/b", redirect("/a"))
    url = feed_server.route("/a", redirect("/b"))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "redirect"
    assert result.error == f"redirect loop at {url}"
    assert len(feed_server.hits("/a")) == 1
    assert len(feed_server.hits("/b")) == 1


def test_redirect_to_self(feed_server: FeedServer) -> None:
    url = feed_server.route("/self", redirect("/self", 301))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error == f"redirect loop at {url}"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "FILE:///etc/shadow", "ftp://example.org/feed",
                                    "gopher://example.org/"])
def test_redirect_to_non_http_url(feed_server: FeedServer, target: str) -> None:
    url = feed_server.route("/evil", redirect(target, 302))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error_kind == "redirect"
    assert result.error == f"redirect to non-http URL {target}"
    assert result.status == 302


def test_redirect_to_javascript_url(feed_server: FeedServer) -> None:
    url = feed_server.route("/evil", redirect("javascript:alert(1)", 302))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.body is None
    assert result.error


def test_redirect_without_location(feed_server: FeedServer) -> None:
    url = feed_server.route("/nowhere", status(302))
    result = fetch(url)
    assert result.outcome == "error"
    assert result.error == "HTTP 302 redirect without a Location"


def _chain(feed_server: FeedServer, hops: int) -> str:
    feed_server.route("/end", Feed(BODY))
    for i in range(hops):
        feed_server.route(f"/hop{i}", redirect(f"/hop{i + 1}" if i + 1 < hops else "/end"))
    return feed_server.url("/hop0")


def test_five_redirects_are_allowed(feed_server: FeedServer) -> None:
    result = fetch(_chain(feed_server, 5))
    assert result.outcome == "ok", result.error
    assert result.final_url == feed_server.url("/end")


def test_more_than_five_redirects(feed_server: FeedServer) -> None:
    result = fetch(_chain(feed_server, 6))
    assert result.outcome == "error"
    assert result.error_kind == "redirect"
    assert result.error == "too many redirects (more than 5)"
    assert feed_server.hits("/end") == []


# ------------------------------------------------------------------------------------------------ politeness


class _Counting:
    """Answers after a pause and records how many requests were in flight at once."""

    def __init__(self, pause: float):
        self.pause = pause
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, req: Request, conn: socket.socket) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.pause)
        with self.lock:
            self.active -= 1
        response(conn, 200, BODY, {"Content-Type": "application/rss+xml"})


def test_at_most_two_requests_per_host_by_default(feed_server: FeedServer) -> None:
    handler = _Counting(0.3)
    urls = [feed_server.route(f"/f{i}", handler) for i in range(6)]
    results = fetch_many(urls)
    assert [r.outcome for r in results] == ["ok"] * 6
    assert handler.peak == 2


def test_waiting_for_a_busy_host_does_not_count_towards_the_timeout(feed_server: FeedServer) -> None:
    # One request at a time per host, each taking 0.8 s: the last of three waits 1.6 s for its turn, longer than
    # a 2 s timeout leaves for the request itself. The timeout is about a slow server, not about our queue.
    handler = _Counting(0.8)
    urls = [feed_server.route(f"/q{i}", handler) for i in range(3)]
    results = fetch_many(urls, replace(SETTINGS, per_host=1))
    assert [(r.outcome, r.error) for r in results] == [("ok", None)] * 3
    assert handler.peak == 1


# ------------------------------------------------------------------------------------------------ private networks


def test_a_redirect_to_another_loopback_host_is_refused_before_connecting(feed_server: FeedServer) -> None:
    feed_server.route("/feed", Feed(BODY))
    url = feed_server.route("/hop", redirect(f"http://127.0.0.2:{feed_server.port}/feed"))
    result = fetch(url)
    assert (result.outcome, result.error_kind) == ("error", "blocked")
    assert result.error == ("refused: 127.0.0.2, a loopback address, is reachable only from hosts in the config; "
                            "allow it with http.allow_private_networks: [127.0.0.2/32]")
    assert feed_server.hits("/feed") == []


@pytest.mark.parametrize(("target", "kind"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local (cloud metadata) address"),
    ("http://192.0.0.192/opc/v2/instance/", "192.0.0.192, a IETF protocol (cloud metadata) address"),
    ("http://100.100.100.200/latest/meta-data/", "100.100.100.200, a shared (carrier-grade NAT) address"),
    ("http://10.1.2.3/admin", "10.1.2.3, a private address"),
    ("http://192.168.1.1/", "192.168.1.1, a private address"),
    ("http://[::1]:5432/", "::1, a loopback address"),
    ("http://[::ffff:127.0.0.1]:5432/", "::ffff:127.0.0.1, a loopback address"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254, a unique local (private) address"),
    ("http://0.0.0.0:5432/", "0.0.0.0, a unspecified address"),
    ("http://localhost:5432/", "localhost resolves to 127.0.0.1, a loopback address"),
])
def test_redirects_to_non_public_addresses_are_refused(feed_server: FeedServer, target: str, kind: str) -> None:
    result = fetch(feed_server.route("/hop", redirect(target)))
    assert result.error_kind == "blocked", result.error
    assert result.error is not None and result.error.startswith(f"refused: {kind}"), result.error
    assert "http.allow_private_networks" in result.error


def test_allow_private_networks_opens_the_listed_networks(feed_server: FeedServer) -> None:
    second = FeedServer("127.0.0.2")  # another host, on loopback
    try:
        target = second.route("/feed", Feed(BODY))
        url = feed_server.route("/hop", redirect(target))
        opened = HttpSettings(**{**SETTINGS.__dict__, "allow_private_networks": ("127.0.0.0/8",)})
        result = fetch(url, opened)
        assert result.outcome == "ok" and result.body == BODY
    finally:
        second.close()
    # Only what is listed: 10.0.0.0/8 opens nothing on loopback.
    other = HttpSettings(**{**SETTINGS.__dict__, "allow_private_networks": ("10.0.0.0/8",)})
    assert fetch(url, other).error_kind == "blocked"


def test_the_first_request_of_an_untrusted_host_is_checked_too(feed_server: FeedServer) -> None:
    """Not only redirects: a URL whose host the config does not name (a discovered link, an article page
    elsewhere) is checked on its first hop."""
    url = feed_server.route("/feed", Feed(BODY))
    assert fetch(url, trusted=()).error_kind == "blocked"
    assert fetch(url, trusted=("127.0.0.1",)).outcome == "ok"


def test_a_public_host_outside_the_config_is_reached(feed_server: FeedServer, tmp_path: Path) -> None:
    """A second host on a real interface with a public address (a network namespace): redirects to it are
    followed, since the guard is about where a connection goes, not about leaving the config's hosts."""
    from tests.support.netns import public_host, serve_directory

    (tmp_path / "feed.xml").write_bytes(BODY)
    with public_host() as host, serve_directory(host, tmp_path) as base:
        url = feed_server.route("/hop", redirect(f"{base}/feed.xml"))
        result = fetch(url)
        assert result.outcome == "ok", result.error
        assert result.body == BODY and result.final_url == f"{base}/feed.xml"


# ------------------------------------------------------------------------------------------------ keep-alive


def test_connections_are_kept_alive_across_304s_and_redirects() -> None:
    """Polls of one host reuse one connection: a 304's (empty) response and a redirect's are read to their end, so
    the pool may keep the connection (an unread response cost it, and every warm poll a TCP handshake)."""
    import http.server
    import socketserver

    connections: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # persistent connections

        def setup(self) -> None:
            super().setup()
            connections.append(1)

        def do_GET(self) -> None:
            if self.path == "/old":
                self.send_response(302)
                self.send_header("Location", "/feed")
                self.send_header("Content-Length", "3")
                self.end_headers()
                self.wfile.write(b"see")
                return
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args: object) -> None:
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"

        async def go() -> list[FetchResult]:
            async with Fetcher(SETTINGS, LOOPBACK) as fetcher:
                out = [await fetcher.fetch(FetchRequest(f"{base}/old"))]
                for _ in range(4):
                    out.append(await fetcher.fetch(FetchRequest(f"{base}/feed", etag='"v1"')))
                return out

        results = asyncio.run(go())
    finally:
        server.shutdown()
        server.server_close()
    assert [r.outcome for r in results] == ["ok", "not_modified", "not_modified", "not_modified", "not_modified"]
    assert len(connections) == 1
