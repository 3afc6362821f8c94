"""Shared by the bench scripts: a fast loopback HTTP/1.1 server in its own process, and a process-tree RSS sampler.

The server answers from precomputed bytes (status line, headers and body joined once at start-up), keeps
connections alive, and answers 304 to a conditional GET whose ``If-None-Match`` / ``If-Modified-Since`` matches
the resource's validators. It listens on several loopback addresses (127.0.0.1 ... 127.0.0.K, all of which
answer on Linux) at one port, so a client with a per-host limit is not measuring a single host.

Not a module of the product: nothing in ``monitor/`` imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import multiprocessing as mp
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found"}


@dataclass
class Resource:
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)  # sent as given (Content-Type included)
    etag: str | None = None
    last_modified: str | None = None


def _head(status: int, headers: list[tuple[str, str]], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Prepared:
    """One resource as ready-to-send bytes: 200 (identity and gzip) and 304."""

    __slots__ = ("etag", "gz", "last_modified", "not_modified", "ok")

    def __init__(self, r: Resource, with_gzip: bool):
        validators = []
        if r.etag:
            validators.append(("ETag", r.etag))
        if r.last_modified:
            validators.append(("Last-Modified", r.last_modified))
        self.etag = r.etag
        self.last_modified = r.last_modified
        self.ok = _head(200, r.headers + validators, len(r.body)) + r.body
        self.gz: bytes | None = None
        if with_gzip:
            packed = gzip.compress(r.body, 6)
            self.gz = _head(200, [*r.headers, *validators, ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
                            len(packed)) + packed
        self.not_modified = _head(304, validators, 0) if validators else None


class _Http(asyncio.Protocol):
    def __init__(self, routes: dict[str, _Prepared], stats: dict[str, int]):
        self.routes = routes
        self.stats = stats
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536 and self.transport is not None:
                    self.transport.close()
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4 :]
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            self._respond(parts[1] if len(parts) == 3 else "", headers)
            if headers.get("connection", "").lower() == "close" and self.transport is not None:
                self.transport.close()
                return

    def _respond(self, target: str, headers: dict[str, str]) -> None:
        assert self.transport is not None
        path = target.split("?", 1)[0]
        if path == "/__stats":
            body = json.dumps(self.stats).encode()
            self.transport.write(_head(200, [("Content-Type", "application/json")], len(body)) + body)
            return
        if path == "/__reset":
            self.stats.clear()
            self.transport.write(_head(200, [], 0))
            return
        res = self.routes.get(path)
        if res is None:
            self.stats["404"] = self.stats.get("404", 0) + 1
            self.transport.write(_head(404, [("Content-Type", "text/plain")], 9) + b"not found")
            return
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        if res.not_modified is not None and (
            (inm is not None and res.etag is not None and inm == res.etag)
            or (inm is None and ims is not None and res.last_modified is not None and ims == res.last_modified)
        ):
            self.stats["304"] = self.stats.get("304", 0) + 1
            self.transport.write(res.not_modified)
            return
        self.stats["200"] = self.stats.get("200", 0) + 1
        if res.gz is not None and "gzip" in headers.get("accept-encoding", ""):
            self.transport.write(res.gz)
        else:
            self.transport.write(res.ok)


def _bind(hosts: list[str], port: int) -> list[socket.socket]:
    socks = []
    try:
        for host in hosts:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            port = s.getsockname()[1]
            s.listen(1024)
            s.setblocking(False)
            socks.append(s)
    except OSError:
        for s in socks:
            s.close()
        raise
    return socks


def serve(factory: Callable[..., dict[str, Resource]], args: tuple[Any, ...], hosts: list[str], with_gzip: bool,
          conn: Connection) -> None:
    """Process entry point: build the resources, bind, report ``("ready", port)``, serve until SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resources = factory(*args)
    routes = {path: _Prepared(r, with_gzip) for path, r in resources.items()}
    del resources
    socks: list[socket.socket] = []
    for _attempt in range(20):
        try:
            socks = _bind(hosts, 0)
            break
        except OSError:
            continue
    if not socks:
        conn.send(("error", "could not bind the loopback addresses"))
        return
    port = socks[0].getsockname()[1]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stats: dict[str, int] = {}
        servers = [await loop.create_server(lambda: _Http(routes, stats), sock=s, backlog=1024) for s in socks]
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        conn.send(("ready", port))
        await stop.wait()
        for srv in servers:
            srv.close()

    asyncio.run(main())


class Server:
    """Start ``serve`` in a spawned process; use as a context manager."""

    def __init__(self, factory: Callable[..., dict[str, Resource]], args: tuple[Any, ...], hosts: list[str],
                 with_gzip: bool = False):
        self.hosts = hosts
        ctx = mp.get_context("spawn")
        self._parent, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(factory, args, hosts, with_gzip, child), daemon=True,
                                   name="bench-feedserver")
        self.port = 0

    def __enter__(self) -> Server:
        self.process.start()
        if not self._parent.poll(600):
            raise RuntimeError("feed server did not start")
        status, port = self._parent.recv()
        if status != "ready":
            raise RuntimeError(f"feed server: {port}")
        self.port = port
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGTERM)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def url(self, index: int, path: str) -> str:
        return f"http://{self.hosts[index % len(self.hosts)]}:{self.port}{path}"

    def stats(self, reset: bool = False) -> dict[str, int]:
        import urllib.request

        with urllib.request.urlopen(f"http://{self.hosts[0]}:{self.port}/__stats", timeout=10) as r:
            out = json.loads(r.read())
        if reset:
            with urllib.request.urlopen(f"http://{self.hosts[0]}:{self.port}/__reset", timeout=10) as r:
                r.read()
        return out


class Nginx:
    """The same resources served by nginx (Debian's ``nginx-light``), one worker process, from files on disk: a
    production web server as the other end, so that what is measured is the client. ETag and Last-Modified are
    nginx's own (from the files), and it answers 304 to a matching conditional GET as any static site does.
    Same interface as ``Server``."""

    def __init__(self, factory: Callable[..., dict[str, Resource]], args: tuple[Any, ...], hosts: list[str],
                 with_gzip: bool = False):
        import shutil
        import tempfile

        if shutil.which("nginx") is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        self.hosts = hosts
        self.factory, self.args, self.with_gzip = factory, args, with_gzip
        self.root = tempfile.mkdtemp(prefix="monitor-bench-nginx-")
        os.chmod(self.root, 0o755)  # nginx's worker drops root for an unprivileged user, which must read the files
        self.port = 0
        self.process: Any = None

    def __enter__(self) -> Nginx:
        import subprocess

        for path, res in self.factory(*self.args).items():
            target = os.path.join(self.root, "www", path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(res.body)
        with socket.socket() as probe:
            probe.bind((self.hosts[0], 0))
            self.port = probe.getsockname()[1]
        listen = "\n".join(f"    listen {h}:{self.port} backlog=4096;" for h in self.hosts)
        gzip = "gzip on; gzip_types application/rss+xml; gzip_min_length 1000;" if self.with_gzip else "gzip off;"
        conf = f"""worker_processes 1;
pid {self.root}/nginx.pid;
error_log {self.root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types {{ application/rss+xml xml; }}
  default_type application/octet-stream;
  client_body_temp_path {self.root}/tmp; proxy_temp_path {self.root}/tmp; fastcgi_temp_path {self.root}/tmp;
  uwsgi_temp_path {self.root}/tmp; scgi_temp_path {self.root}/tmp;
  {gzip}
  server {{
{listen}
    root {self.root}/www;
    location / {{ add_header Cache-Control "max-age=60"; charset utf-8; charset_types application/rss+xml; }}
  }}
}}
"""
        os.makedirs(os.path.join(self.root, "tmp"), exist_ok=True)
        with open(os.path.join(self.root, "nginx.conf"), "w") as f:
            f.write(conf)
        self.process = subprocess.Popen(["nginx", "-p", self.root, "-c", os.path.join(self.root, "nginx.conf"),
                                         "-g", "daemon off;"], stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection((self.hosts[0], self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {self.process.stderr.read().decode()[:500]}") from None
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def __exit__(self, *exc: object) -> None:
        import shutil

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, index: int, path: str) -> str:
        return f"http://{self.hosts[index % len(self.hosts)]}:{self.port}{path}"

    def stats(self, reset: bool = False) -> dict[str, int]:
        return {}  # nginx keeps no per-status counts without its status module; the clients report theirs


def loopback_hosts(count: int) -> list[str]:
    """127.0.0.1 ... 127.0.0.count (at most 254; Linux routes the whole of 127/8 to lo)."""
    return [f"127.0.0.{i}" for i in range(1, max(1, min(count, 254)) + 1)]


# --------------------------------------------------------------------------------------------------- memory


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def _status(pid: int) -> tuple[int, int] | None:
    """(VmRSS KiB, VmHWM KiB) of a live process."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    rss = hwm = 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them (0 when unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a live process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class TreeSampler(threading.Thread):
    """Samples a process and all its descendants every ``interval`` s from /proc.

    ``peak_tree_kb``: the largest sum of VmRSS over the whole tree seen at one instant (pages shared between
    processes are counted once per process, so this over-states real use a little). ``peak_pss_kb``: the same for
    PSS (shared pages divided among their sharers: what the tree really costs), sampled every fifth time.
    ``hwm_kb``: per process, the kernel's own high-water mark (VmHWM), exact for each process as long as it was
    sampled before exiting.
    """

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True, name="rss-sampler")
        self.pid = pid
        self.interval = interval
        self.peak_tree_kb = 0
        self.peak_pss_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self.cpu_s: dict[int, float] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        total = 0
        with_pss = self.samples % 5 == 0  # smaps_rollup walks the page tables: every 100 ms is enough
        pss = 0
        todo = [self.pid]
        while todo:
            pid = todo.pop()
            st = _status(pid)
            if st is None:
                continue
            rss, hwm = st
            total += rss
            if with_pss:
                pss += _pss_kb(pid)
            self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
            self.cpu_s[pid] = max(self.cpu_s.get(pid, 0.0), _cpu_seconds(pid))
            todo += _children(pid)
        self.samples += 1
        self.peak_tree_kb = max(self.peak_tree_kb, total)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)

    def stop(self) -> None:
        self._stop_event.set()
        with contextlib.suppress(RuntimeError):
            self.join(5)

    def summary(self) -> dict[str, Any]:
        main = self.hwm_kb.get(self.pid, 0)
        others = {pid: kb for pid, kb in self.hwm_kb.items() if pid != self.pid}
        return {
            "peak_tree_mb": round(self.peak_tree_kb / 1024, 1),
            "peak_tree_pss_mb": round(self.peak_pss_kb / 1024, 1),
            "main_hwm_mb": round(main / 1024, 1),
            "largest_descendant_hwm_mb": round(max(others.values(), default=0) / 1024, 1),
            "descendants": len(others),
            "main_cpu_s": round(self.cpu_s.get(self.pid, 0.0), 2),
            "descendants_cpu_s": round(sum(v for p, v in self.cpu_s.items() if p != self.pid), 2),
            "samples": self.samples,
        }


def wait_child(proc: Any, conn: Connection, sampler: TreeSampler, timeout: float) -> Any:
    """Wait for a child's one result message while sampling its memory; the child exits after sending it."""
    deadline = time.monotonic() + timeout
    result = None
    while time.monotonic() < deadline:
        if conn.poll(0.2):
            try:
                result = conn.recv()
            except EOFError:
                result = None
            break
        if not proc.is_alive():
            break
    sampler.sample()
    proc.join(60)
    sampler.stop()
    return result
