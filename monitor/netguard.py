"""Which addresses the fetcher may connect to: the private-network guard.

Feeds are publisher-controlled: a redirect, an advertised feed link or an article link can point at
``169.254.169.254`` (cloud metadata), ``127.0.0.1:5432`` or a router's admin page, and whatever comes back would be
stored, judged and exported. So, as Miniflux does, every connection is checked against the address it actually
goes to, at connect time: the name is resolved once here and the socket is opened to the address that passed,
which leaves no second lookup for DNS rebinding to answer differently.

Trusted as written are the hosts the operator named (the config's feeds, SMTP and database hosts, and the URL
given to ``feeds add``): someone who configures a feed on ``10.0.0.5`` means it. Every other host must resolve to
a public address; loopback, private, link-local (metadata), shared (CGNAT), reserved and multicast ranges are
refused unless ``http.allow_private_networks`` lists them.

A proxy from the environment (``HTTPS_PROXY``) is outside this guard: the proxy makes the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The ranges' names as the refusal says them; the first match wins, so specific ranges come first.
_KINDS: tuple[tuple[str, Network], ...] = tuple(
    (kind, ipaddress.ip_network(net)) for kind, net in (
        ("link-local (cloud metadata)", "169.254.0.0/16"), ("loopback", "127.0.0.0/8"),
        ("private", "10.0.0.0/8"), ("private", "172.16.0.0/12"), ("private", "192.168.0.0/16"),
        ("shared (carrier-grade NAT)", "100.64.0.0/10"), ("unspecified", "0.0.0.0/8"),
        ("IETF protocol (cloud metadata)", "192.0.0.0/24"),
        ("loopback", "::1/128"), ("link-local", "fe80::/10"), ("unique local (private)", "fc00::/7"),
        ("multicast", "224.0.0.0/4"), ("multicast", "ff00::/8"),
    ))

# Ranges that some Python versions call global although no public server lives there (Oracle Cloud's metadata
# service answers at 192.0.0.192).
_NEVER_PUBLIC = (ipaddress.ip_network("192.0.0.0/24"),)


@dataclass(frozen=True)
class AddressPolicy:
    """``trusted``: host names (lower case, as in URLs) connected to whatever they resolve to; ``allowed``: the
    networks that ``http.allow_private_networks`` opens."""

    trusted: frozenset[str] = frozenset()
    allowed: tuple[Network, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, hosts: Iterable[str | None], allowed: Iterable[str] = ()) -> AddressPolicy:
        return cls(frozenset(h.lower().strip("[]") for h in hosts if h),
                   tuple(ipaddress.ip_network(n, strict=False) for n in allowed))

    def with_hosts(self, *hosts: str | None) -> AddressPolicy:
        return AddressPolicy(self.trusted | {h.lower().strip("[]") for h in hosts if h}, self.allowed)

    def trusts(self, host: str) -> bool:
        return host.lower().strip("[]") in self.trusted

    def refusal(self, address: Address) -> str | None:
        """Why ``address`` may not be reached from an untrusted host, or None when it may."""
        address = unmapped(address)
        if any(address in net for net in self.allowed):
            return None
        if address.is_global and not address.is_multicast and not any(address in net for net in _NEVER_PUBLIC):
            return None
        return describe(address)


def unmapped(address: Address) -> Address:
    """``::ffff:127.0.0.1`` is 127.0.0.1 to the kernel, and so to the policy."""
    if address.version == 6 and address.ipv4_mapped is not None:  # type: ignore[union-attr]
        return address.ipv4_mapped  # type: ignore[union-attr]
    return address


def describe(address: Address) -> str:
    """The kind of non-public address, in words."""
    for kind, net in _KINDS:
        if address.version == net.version and address in net:
            return kind
    return "reserved (not public)"


class BlockedAddress(Exception):
    """A connection the policy refused. Not an httpcore error on purpose: httpx passes it through unchanged, so
    the fetcher can tell it from a host that is merely down."""

    def __init__(self, host: str, address: Address, kind: str):
        self.host, self.address, self.kind = host, address, kind
        net = f"{unmapped(address)}/{unmapped(address).max_prefixlen}"
        literal = _literal(host)
        name = f"{host} resolves to {address}" if literal is None else host.strip("[]")
        super().__init__(f"refused: {name}, a {kind} address, is reachable only from hosts in the config; "
                         f"allow it with http.allow_private_networks: [{net}]")


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[Address]:
    """Every address of ``host``, in the resolver's order (an IP literal is its own address)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"[Errno {exc.errno}] {exc.strerror}") from None
    seen: dict[Address, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(sockaddr[0].split("%", 1)[0]), None)
    return list(seen)


async def non_public(hosts: Iterable[str], timeout: float = 3.0) -> dict[str, tuple[Address, str]]:
    """The hosts among ``hosts`` with a non-public address, and that address and its kind, for a warning
    (``feeds import``). Names are resolved together within ``timeout``; names that do not resolve in time are
    left out, as nothing can be said of them yet."""
    policy = AddressPolicy()

    async def one(host: str) -> tuple[str, tuple[Address, str] | None]:
        try:
            for address in await resolve(host, 80):
                kind = policy.refusal(address)
                if kind is not None:
                    return host, (address, kind)
        except httpcore.ConnectError:
            pass
        return host, None

    unique = sorted({h.lower().strip("[]") for h in hosts if h})
    if not unique:
        return {}
    tasks = [asyncio.ensure_future(one(h)) for h in unique]
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    return {host: found for host, found in (t.result() for t in done) if found is not None}


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy applied where sockets are opened, for every request and every
    redirect hop alike (httpcore names the origin's host here; TLS still verifies and sends that name)."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        if self.policy.trusts(host):
            return await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                                socket_options=socket_options)
        try:
            async with asyncio.timeout(timeout):
                addresses = await resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout:g}s") from None
        refused: tuple[Address, str] | None = None
        error: Exception | None = None
        for address in addresses:
            kind = self.policy.refusal(address)
            if kind is not None:
                refused = refused or (address, kind)
                continue
            try:
                return await self.inner.connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        if error is not None:
            raise error
        assert refused is not None  # getaddrinfo never answers with no address at all
        raise BlockedAddress(host, *refused)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for feeds")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


__all__ = ["AddressPolicy", "BlockedAddress", "GuardedBackend", "describe", "non_public", "resolve"]
