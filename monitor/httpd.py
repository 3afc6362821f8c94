"""``monitor run --http HOST:PORT``: ``/healthz`` and ``/metrics`` for orchestrators and Prometheus.

A few lines of asyncio rather than a web framework: two GET endpoints on the daemon's own event loop, so a
health probe sees exactly the loop that schedules the polls (a stuck loop fails the probe, as it should).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from monitor.logs import get_logger
from monitor.metrics import Metrics

log = get_logger(__name__)
HEALTH_TIMEOUT = 5.0  # seconds a database check may take before the daemon is reported unhealthy


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` (host defaults to 127.0.0.1: only exposed when asked). Port 0 picks a
    free port, reported in the ``http.listening`` log line (for tests and side-by-side instances)."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"{value!r} is not HOST:PORT (e.g. 0.0.0.0:8080)")
    return host, int(port)


class HealthServer:
    def __init__(self, metrics: Metrics, healthy: Callable[[], Awaitable[tuple[bool, str]]]):
        self.metrics = metrics
        self.healthy = healthy
        self._server: asyncio.AbstractServer | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._handle, host, port)
        bound = self._server.sockets[0].getsockname()[1]
        log.info("http.listening", host=host, port=bound)
        return bound

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            method, path, *_ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            path = path.split("?", 1)[0]
            if method not in ("GET", "HEAD"):
                status, body, ctype = 405, "method not allowed\n", "text/plain"
            elif path == "/healthz":
                ok, reason = await self._check()
                status, body, ctype = (200 if ok else 503), reason + "\n", "text/plain"
            elif path == "/metrics":
                await self._check()  # refreshes monitor_up
                status, body, ctype = 200, self.metrics.render(), "text/plain; version=0.0.4"
            else:
                status, body, ctype = 404, "not found\n", "text/plain"
            data = body.encode()
            head = (f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\nContent-Type: {ctype}; charset=utf-8\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n")
            writer.write(head.encode() + (b"" if method == "HEAD" else data))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _check(self) -> tuple[bool, str]:
        try:
            ok, reason = await asyncio.wait_for(self.healthy(), timeout=HEALTH_TIMEOUT)
        except TimeoutError:
            ok, reason = False, "database check timed out"
        self.metrics.set("up", 1 if ok else 0)
        return ok, reason


_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def serve_metrics_in_thread(metrics: Metrics, host: str, port: int) -> int:
    """``/metrics`` (and a plain ``/healthz``) from a thread, for ``monitor worker``: Celery owns that process's
    main thread. Returns the port (0 picks a free one)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                status, body, ctype = 200, metrics.render(), "text/plain; version=0.0.4"
            elif path == "/healthz":
                status, body, ctype = 200, "ok\n", "text/plain"
            else:
                status, body, ctype = 404, "not found\n", "text/plain"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="monitor-metrics", daemon=True).start()
    bound = server.server_address[1]
    log.info("http.listening", host=host, port=bound)
    return bound
