"""Real brokers for the scale-out tests: a Redis database or a RabbitMQ virtual host of the test's own (so tests
never see each other's tasks), a Redis server of its own that a test may stop and start again, and
``monitor worker`` processes. A broker that is down and cannot be started fails the test with a message."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import clean_env
from tests.support.net import free_port


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


def ensure_redis() -> None:
    if _run("redis-cli", "-p", "6379", "ping").stdout.strip() == "PONG":
        return
    _run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
         "--appendonly", "no")
    for _ in range(50):
        if _run("redis-cli", "-p", "6379", "ping").stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    pytest.fail("Redis on 127.0.0.1:6379 is down and could not be started", pytrace=False)


@contextmanager
def redis_broker() -> Iterator[str]:
    """A Redis database of its own on the machine's Redis, emptied before and after."""
    ensure_redis()
    db = random.randint(1, 15)
    _run("redis-cli", "-n", str(db), "flushdb")
    try:
        yield f"redis://127.0.0.1:6379/{db}"
    finally:
        _run("redis-cli", "-n", str(db), "flushdb")


def ensure_rabbitmq() -> None:
    if _run("rabbitmqctl", "status").returncode == 0:
        return
    _run("rabbitmq-server", "-detached")
    for _ in range(60):
        if _run("rabbitmqctl", "status").returncode == 0:
            return
        time.sleep(1)
    pytest.fail("RabbitMQ on 127.0.0.1:5672 is down and could not be started", pytrace=False)


@contextmanager
def rabbitmq_broker() -> Iterator[str]:
    """A RabbitMQ virtual host of its own (guest may use it), deleted afterwards with whatever it holds."""
    ensure_rabbitmq()
    vhost = f"monitor-test-{uuid.uuid4().hex[:8]}"
    done = _run("rabbitmqctl", "add_vhost", vhost)
    if done.returncode != 0:
        pytest.fail(f"rabbitmqctl add_vhost failed: {done.stderr.strip()}", pytrace=False)
    _run("rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _run("rabbitmqctl", "delete_vhost", vhost)


class RedisServer:
    """A redis-server of the test's own, on a free port: ``stop()`` and ``start()`` it to take the broker away.
    ``bind``: an address other than loopback, for workers on other hosts (protected mode, which refuses them
    without a password, is off)."""

    def __init__(self, bind: str = "127.0.0.1") -> None:
        self.bind = bind
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://{self.bind}:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--bind", self.bind, "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--protected-mode", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if _run("redis-cli", "-h", self.bind, "-p", str(self.port), "ping").stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        pytest.fail(f"redis-server on port {self.port} did not start", pytrace=False)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


class Worker:
    """A ``monitor worker`` process (a Celery worker with its own child processes)."""

    def __init__(self, config: Path, log: Path, concurrency: int = 1, name: str | None = None,
                 args: tuple[str, ...] = (), prefix: tuple[str, ...] = ()):
        """``prefix``: what the command runs under, such as ``ip netns exec NAME`` for a worker on another host."""
        self.log = log
        self._out = log.open("w")
        self.name = name or f"w{uuid.uuid4().hex[:6]}"
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "monitor", "--config", str(config), "worker", "--concurrency",
             str(concurrency), "--name", f"{self.name}@%h", *args],
            cwd=config.parent, env=clean_env(), stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for("ready.", 60)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            assert self.proc.poll() is None, f"worker exited early:\n{self.log.read_text(errors='replace')}"
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in the worker's log within {timeout}s:\n{self.log.read_text()}")

    def children(self) -> list[int]:
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == self.proc.pid:
                    out.append(int(entry.name))
        return out

    def kill(self) -> None:
        """SIGKILL for the worker and every process of its session: nothing gets to acknowledge anything."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._out.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._out.closed:
            self._out.close()
        return self.proc.returncode
