"""A real HTTP/1.1 server on 127.0.0.1 for tests, written on raw sockets so it can misbehave on purpose:
hang, drip, send forever, drop the connection, lie about encodings, loop redirects.

Each route is a handler ``(request, conn) -> None`` that writes whatever bytes it likes to ``conn``.
"""

from __future__ import annotations

import email.utils
import gzip
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.time)


Handler = Callable[[Request, socket.socket], None]


def response(conn: socket.socket, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
             reason: str = "") -> None:
    reasons = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 404: "Not Found",
               429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Status')}"]
    hdrs = {"Content-Length": str(len(body)), "Connection": "close"}
    hdrs.update(headers or {})
    lines += [f"{k}: {v}" for k, v in hdrs.items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(30)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        data += chunk
                except OSError:
                    return
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
                request_line, *header_lines = head.split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                req = Request(method, path, headers)
                with server._lock:
                    server.requests.append(req)
                route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                try:
                    if route is None:
                        response(conn, 404, b"not found")
                    else:
                        route(req, conn)
                except OSError:
                    pass

        class _Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

        self._server = _Server((host, 0), _Handler)
        self.port = self._server.server_address[1]
        # A short poll interval: close() then returns at once, so tests need not hand it to a thread.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------------------------------------------ handlers


class Feed:
    """A feed document with validators: answers 304 to a matching If-None-Match / If-Modified-Since."""

    def __init__(self, body: bytes, content_type: str = "application/rss+xml; charset=utf-8",
                 etag: str | None = '"v1"', last_modified: str | None = "Wed, 01 Jan 2025 00:00:00 GMT",
                 headers: dict[str, str] | None = None, honour_conditional: bool = True):
        self.body = body
        self.content_type = content_type
        self.etag = etag
        self.last_modified = last_modified
        self.headers = headers or {}
        self.honour_conditional = honour_conditional
        self.served_200 = 0
        self.served_304 = 0

    def __call__(self, req: Request, conn: socket.socket) -> None:
        validators = {}
        if self.etag:
            validators["ETag"] = self.etag
        if self.last_modified:
            validators["Last-Modified"] = self.last_modified
        if self.honour_conditional and (
            (self.etag and req.headers.get("if-none-match") == self.etag)
            or (not self.etag and self.last_modified and req.headers.get("if-modified-since") == self.last_modified)
        ):
            self.served_304 += 1
            response(conn, 304, b"", {**validators, **self.headers})
            return
        self.served_200 += 1
        response(conn, 200, self.body, {"Content-Type": self.content_type, **validators, **self.headers})


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    return lambda req, conn: response(conn, code, body, headers)


def redirect(location: str, code: int = 302) -> Handler:
    return lambda req, conn: response(conn, code, b"", {"Location": location})


def slow(seconds: float) -> Handler:
    """Sends headers, then drips one byte per second: never finishes within a sane timeout."""

    def handler(req: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n")
        end = time.time() + seconds
        while time.time() < end:
            conn.sendall(b" ")
            time.sleep(1)

    return handler


def hang(seconds: float) -> Handler:
    """Accepts the request and says nothing at all."""
    return lambda req, conn: time.sleep(seconds)


def endless() -> Handler:
    """A chunked body that never ends."""

    def handler(req: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<item>" + b"x" * 65536 + b"</item>"
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while True:
            conn.sendall(frame)

    return handler


def gzip_bomb(decoded_bytes: int = 200 * 1024 * 1024) -> Handler:
    """A small gzip body that inflates to ``decoded_bytes`` of zeros (about 1000:1)."""
    body = gzip.compress(b"<rss>" + b"\0" * decoded_bytes, compresslevel=9)

    def handler(req: Request, conn: socket.socket) -> None:
        response(conn, 200, body, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})

    return handler


def drop_after_headers() -> Handler:
    """Promises a body and closes the connection half way."""

    def handler(req: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n<rss>")
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()

    return handler


def drop() -> Handler:
    """Closes the connection without a response."""

    def handler(req: Request, conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()

    return handler


# ------------------------------------------------------------------------------------------------ documents


@dataclass
class Item:
    title: str
    link: str | None = None
    guid: str | None = None
    description: str = ""
    published: float | None = None  # unix time


def rss(items: list[Item], title: str = "Test feed", encoding: str = "utf-8", ttl: int | None = None,
        language: str | None = "en", link: str = "https://news.example.org/") -> bytes:
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>', '<rss version="2.0"><channel>',
             f"<title>{escape(title)}</title><link>{escape(link)}</link><description>test</description>"]
    if language:
        parts.append(f"<language>{language}</language>")
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title>")
        if it.link:
            parts.append(f"<link>{escape(it.link)}</link>")
        if it.guid:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.description:
            parts.append(f"<description>{escape(it.description)}</description>")
        if it.published is not None:
            parts.append(f"<pubDate>{email.utils.formatdate(it.published, usegmt=True)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)
