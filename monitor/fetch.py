"""HTTP only: one GET per feed, polite and bounded, and never an exception for the caller.

Everything a hostile or broken server can do (hang, drip, send forever, compress a bomb, loop redirects, point
at ``file://``) ends as a ``FetchResult`` with ``outcome="error"`` and a one-line reason, so one bad feed cannot
stop a cycle. Redirects and content decoding are done here rather than by httpx because both need limits httpx
does not enforce: only http(s) targets, and a cap on *decoded* bytes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from monitor.config import HttpSettings
from monitor.netguard import AddressPolicy, BlockedAddress, GuardedBackend
from monitor.sanitize import clean_line

Outcome = Literal["ok", "not_modified", "error"]
REDIRECTS = {301, 302, 303, 307, 308}
# Headers the parser needs (charset, base URL, language) and the ones kept for the next conditional GET.
KEPT_HEADERS = ("content-type", "content-location", "content-language", "etag", "last-modified")
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
          "text/xml;q=0.9, */*;q=0.5")

# httpcore asks sniffio which event loop is running, with an ``import sniffio`` for every lock and event it makes
# (several per request). anyio 4 no longer installs sniffio, and Python does not remember a failed import: each one
# searched the whole sys.path again, a quarter of the event loop's time in a poll of 1,000 unchanged feeds.
# Recording the absence once makes those imports fail at once; httpcore then assumes asyncio, which is right here.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    accept: str | None = None  # default: feeds first
    max_bytes: int | None = None  # default: http.max_body


@dataclass(frozen=True)
class FetchResult:
    url: str
    outcome: Outcome
    final_url: str | None = None
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    error_kind: str | None = None  # timeout, connect, blocked, http, too_large, redirect, protocol, encoding
    retry_after: float | None = None  # seconds, from Retry-After on 429/503
    max_age: float | None = None  # seconds, from Cache-Control: max-age
    permanent_redirect: str | None = None  # where a 301/308 chain ended, so the user can update the config
    elapsed: float = 0.0


class FetchError(Exception):
    def __init__(self, kind: str, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class _Decoder:
    """Content-Encoding decoding with a hard cap on output, checked before memory is spent on it."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self.size = 0
        enc = encoding.strip().lower()
        # Some servers send raw DEFLATE without the zlib header under "deflate": retried once on the first chunk.
        self._may_be_raw_deflate = enc == "deflate"
        if enc in ("", "identity"):
            self._z = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError("encoding", f"unsupported Content-Encoding {encoding!r}")

    def feed(self, chunk: bytes) -> bytes:
        if self._z is None:
            out = chunk
        else:
            try:
                out = self._z.decompress(chunk, self.limit - self.size + 1)
            except zlib.error as exc:
                if self._may_be_raw_deflate and self.size == 0:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._may_be_raw_deflate = False
                    return self.feed(chunk)
                raise FetchError("encoding", f"corrupt compressed body ({exc})") from None
            self._may_be_raw_deflate = False
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError("too_large", f"body larger than {_human(self.limit)} (decoded)")
        return out

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        out = self._z.flush()
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError("too_large", f"body larger than {_human(self.limit)} (decoded)")
        return out


def _human(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_max_age(value: str | None) -> float | None:
    if not value:
        return None
    for directive in value.lower().split(","):
        name, _, arg = directive.strip().partition("=")
        if name == "max-age":
            try:
                return max(0.0, float(arg.strip().strip('"')))
            except ValueError:
                return None
    return None


class _OriginPools:
    """httpcore connection pools, one per origin (scheme, host, port), each of ``per_host`` connections.

    One pool for every host made each request scan every connection of the pool, checking each idle one's socket
    with a system call (httpcore's ``_assign_requests_to_connections``): with 50 connections that was most of the
    event loop's time in a poll of 1,000 feeds. A pool per origin holds at most ``per_host`` connections, which is
    also the politeness limit, so each scan is of one or two. Pools left unused for a minute are closed, so
    hundreds of feed hosts polled every quarter of an hour do not keep sockets open between polls. All pools share
    one TLS context (making one reads the system's certificate store) and the private-network guard."""

    IDLE = 60.0

    def __init__(self, backend: GuardedBackend, per_host: int, keepalive_expiry: float | None):
        self.backend = backend
        self.per_host = per_host
        self.keepalive_expiry = keepalive_expiry
        self._ssl: Any = None
        self._pools: dict[tuple[bytes, bytes, int | None], tuple[httpcore.AsyncConnectionPool, float]] = {}
        self._swept = time.monotonic()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        key = (request.url.scheme, request.url.host, request.url.port)
        now = time.monotonic()
        entry = self._pools.get(key)
        if entry is None:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl, max_connections=self.per_host, max_keepalive_connections=self.per_host,
                keepalive_expiry=self.keepalive_expiry, http1=True, http2=False, network_backend=self.backend)
        else:
            pool = entry[0]
        self._pools[key] = (pool, now)
        if now - self._swept > self.IDLE:
            await self._sweep(now)
        return await pool.handle_async_request(request)

    async def _sweep(self, now: float) -> None:
        self._swept = now
        for key, (pool, used) in list(self._pools.items()):
            if now - used > self.IDLE and all(c.is_idle() for c in pool.connections):
                del self._pools[key]
                await pool.aclose()

    async def aclose(self) -> None:
        pools = [pool for pool, _ in self._pools.values()]
        self._pools.clear()
        for pool in pools:
            await pool.aclose()


class _Transport(httpx.AsyncHTTPTransport):
    """httpx's transport over ``_OriginPools`` (httpx takes neither a network backend nor a pool of its own
    making, so its pool attribute, which ``handle_async_request`` uses, is replaced)."""

    def __init__(self, policy: AddressPolicy, per_host: int, limits: httpx.Limits):
        super().__init__(limits=limits)
        self.backend = GuardedBackend(policy)
        self._pool = _OriginPools(self.backend, per_host, limits.keepalive_expiry)  # type: ignore[assignment]


class Fetcher:
    """One shared httpx client with global and per-host concurrency limits. Use as an async context manager.

    ``trusted``: the hosts the operator named (``Settings.trusted_hosts``), which may resolve anywhere; every
    other host must resolve to a public address or a network ``http.allow_private_networks`` opens."""

    def __init__(self, settings: HttpSettings, trusted: Iterable[str] = ()):
        self.settings = settings
        self.policy = AddressPolicy.of(trusted, settings.allow_private_networks)
        read = max(1.0, min(settings.timeout, 20.0))
        limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
        self._transport = _Transport(self.policy, settings.per_host, limits)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=settings.connect_timeout, read=read, write=read, pool=None),
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            limits=limits,
            transport=self._transport,
        )
        self._overall = asyncio.Semaphore(settings.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))

    def trust(self, hosts: Iterable[str]) -> None:
        """Replace the trusted hosts (a reloaded config); connections open from now on follow the new list."""
        self.policy = AddressPolicy.of(hosts, self.settings.allow_private_networks)
        self._transport.backend.policy = self.policy

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, request: FetchRequest) -> FetchResult:
        started = time.monotonic()
        async with self._overall:
            try:
                async with asyncio.timeout(self.settings.timeout) as budget:
                    result = await self._fetch(request, budget)
            except FetchError as exc:
                result = FetchResult(request.url, "error", status=exc.status, error=str(exc), error_kind=exc.kind,
                                     retry_after=exc.retry_after)
            except (TimeoutError, httpx.TimeoutException):
                result = FetchResult(request.url, "error", error=f"timed out after {self.settings.timeout:g}s",
                                     error_kind="timeout")
            except BlockedAddress as exc:
                result = FetchResult(request.url, "error", error=str(exc), error_kind="blocked")
            except httpx.ConnectError as exc:
                result = FetchResult(request.url, "error", error=f"cannot connect: {_reason(exc)}",
                                     error_kind="connect")
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                result = FetchResult(request.url, "error", error=f"connection dropped: {_reason(exc)}",
                                     error_kind="protocol")
            except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
                result = FetchResult(request.url, "error", error=f"request failed: {_reason(exc)}",
                                     error_kind="protocol")
        return _with_elapsed(result, time.monotonic() - started)

    @asynccontextmanager
    async def _host_turn(self, host: str, budget: asyncio.Timeout | None) -> AsyncIterator[None]:
        """A per-host slot. Waiting for it is our own politeness, not a slow server: the wait is not charged to
        the request's timeout (otherwise feeds queued behind a slow host would time out without being tried)."""
        slot = self._hosts[host]
        loop = asyncio.get_running_loop()
        deadline = budget.when() if budget is not None else None
        queued = loop.time()
        if deadline is not None:
            budget.reschedule(None)
        try:
            await slot.acquire()
        finally:
            if deadline is not None:
                budget.reschedule(deadline + (loop.time() - queued))
        try:
            yield
        finally:
            slot.release()

    async def _fetch(self, request: FetchRequest, budget: asyncio.Timeout | None = None) -> FetchResult:
        url = request.url
        seen = {url}
        permanent: str | None = None
        all_permanent = True
        headers: dict[str, str] = {}
        if request.accept:
            headers["Accept"] = request.accept
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        for _hop in range(self.settings.max_redirects + 1):
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError("redirect", f"refusing non-http URL {url}")
            host = (urlsplit(url).hostname or "").lower()
            async with self._host_turn(host, budget), self._client.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                if status in REDIRECTS:
                    await _finish(resp)
                    location = resp.headers.get("location")
                    if not location:
                        raise FetchError("redirect", f"HTTP {status} redirect without a Location", status)
                    target = urljoin(url, location.strip())
                    if urlsplit(target).scheme.lower() not in ("http", "https"):
                        raise FetchError("redirect", f"redirect to non-http URL {clean_line(target)[:200]}", status)
                    if target in seen:
                        raise FetchError("redirect", f"redirect loop at {clean_line(target)[:200]}", status)
                    all_permanent = all_permanent and status in (301, 308)
                    permanent = target if all_permanent else None
                    seen.add(target)
                    url = target
                    continue
                return await self._response(request, url, resp, permanent)
        raise FetchError("redirect", f"too many redirects (more than {self.settings.max_redirects})")

    async def _response(self, request: FetchRequest, url: str, resp: httpx.Response,
                        permanent: str | None) -> FetchResult:
        status = resp.status_code
        kept = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
        max_age = parse_max_age(resp.headers.get("cache-control"))
        if status == 304:
            await _finish(resp)  # an unread response, even an empty one, costs its connection its keep-alive
            return FetchResult(request.url, "not_modified", final_url=url, status=status, headers=kept,
                               etag=resp.headers.get("etag") or request.etag,
                               last_modified=resp.headers.get("last-modified") or request.last_modified,
                               max_age=max_age, permanent_redirect=permanent)
        if status >= 400 or status < 200:
            retry = parse_retry_after(resp.headers.get("retry-after")) if status in (429, 503) else None
            reason = clean_line(resp.reason_phrase or "")[:100]
            hint = f", retry after {retry:.0f}s" if retry is not None else ""
            raise FetchError("http", f"HTTP {status} {reason}{hint}".strip(), status, retry)
        if status != 200:
            raise FetchError("http", f"unexpected HTTP {status} {clean_line(resp.reason_phrase or '')[:100]}".strip(),
                             status)
        declared = resp.headers.get("content-length")
        limit = request.max_bytes or self.settings.max_body_bytes
        if declared and declared.isdigit() and int(declared) > limit and "content-encoding" not in resp.headers:
            raise FetchError("too_large", f"body larger than {_human(limit)} (Content-Length {declared})", status)
        decoder = _Decoder(resp.headers.get("content-encoding", ""), limit)
        chunks: list[bytes] = []
        raw = 0
        async for chunk in resp.aiter_raw():
            raw += len(chunk)
            if raw > limit:  # also bounds endless streams of compressed nothing
                raise FetchError("too_large", f"body larger than {_human(limit)}", status)
            chunks.append(decoder.feed(chunk))
        chunks.append(decoder.flush())
        return FetchResult(request.url, "ok", final_url=url, status=status, body=b"".join(chunks), headers=kept,
                           etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"),
                           max_age=max_age, permanent_redirect=permanent)


FINISH_LIMIT = 16 * 1024  # a redirect's or a 304's body read to keep the connection (they are a few bytes)


async def _finish(resp: httpx.Response) -> None:
    """Read a small response to its end so httpcore can reuse its connection (it closes a connection whose
    response was left unread); a large body is not worth it, and the connection is closed as before."""
    declared = resp.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > FINISH_LIMIT):
        return
    size = 0
    async for chunk in resp.aiter_raw():
        size += len(chunk)
        if size > FINISH_LIMIT:
            return


def _reason(exc: BaseException) -> str:
    text = clean_line(str(exc)) or type(exc).__name__
    return text[:200]


def _with_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    return replace(result, elapsed=elapsed)
