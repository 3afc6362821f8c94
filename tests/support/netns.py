"""A second host for tests, made with a network namespace and a veth pair: a real interface with a public
(globally routable) address, so that traffic to it is what traffic to a publisher on the internet looks like to
the private-network guard. Needs root (``ip netns``), as CI runs; a test that needs it fails loudly without it.

The addresses come from 44.0.0.0/8 (AMPRNet, globally routed, and never reached here: the namespace answers
first), one /30 per host, chosen from the process id so that parallel test runs do not collide.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

_counter = itertools.count()


@dataclass(frozen=True)
class Host:
    namespace: str
    address: str  # the host's own address, inside the namespace
    peer: str  # this machine's end of the link

    def run(self, *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["ip", "netns", "exec", self.namespace, *args], **kwargs)  # type: ignore[call-overload]


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"ip {' '.join(args)} failed: {done.stderr.strip()} (network namespaces need root)",
                    pytrace=False)


@contextmanager
def public_host() -> Iterator[Host]:
    n = (os.getpid() * 7 + next(_counter)) % 16000
    name = f"monpub{n}"
    outside, inside = f"mpa{n}", f"mpb{n}"
    base = 4 * n  # a /30 of 44.0.0.0/8: .1 this machine, .2 the host
    prefix = f"44.{(base >> 16) & 255}.{(base >> 8) & 255}"
    peer, address = f"{prefix}.{(base & 255) + 1}", f"{prefix}.{(base & 255) + 2}"
    _ip("netns", "add", name)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", name)
        _ip("addr", "add", f"{peer}/30", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("netns", "exec", name, "ip", "addr", "add", f"{address}/30", "dev", inside)
        _ip("netns", "exec", name, "ip", "link", "set", inside, "up")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        yield Host(name, address, peer)
    finally:
        subprocess.run(["ip", "link", "del", outside], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@contextmanager
def serve_directory(host: Host, folder: Path, port: int = 8080, on_peer: bool = False) -> Iterator[str]:
    """``python -m http.server`` on ``host`` (or, ``on_peer``, on this machine's end of its link, where the host
    reaches it): the base URL of ``folder``."""
    inside = () if on_peer else ("ip", "netns", "exec", host.namespace)
    address = host.peer if on_peer else host.address
    proc = subprocess.Popen([*inside, sys.executable, "-m", "http.server", str(port), "--bind", address,
                             "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            probe = subprocess.run([*inside, sys.executable, "-c",
                                    f"import socket; socket.create_connection(('{address}', {port}), 1)"],
                                   capture_output=True)
            if probe.returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the server on {address}:{port} did not start", pytrace=False)
        yield f"http://{address}:{port}"
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def forward(listen: tuple[str, int], target: tuple[str, int]) -> Iterator[None]:
    """Relay TCP connections from ``listen`` to ``target``: how a host in a namespace reaches a service of this
    machine that listens on loopback only (PostgreSQL here). Threads, two per connection: a test opens a handful."""
    server = socket.create_server(listen)
    server.settimeout(0.2)
    stop = threading.Event()

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        server.close()
