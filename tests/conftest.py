"""Shared fixtures: real services only. PostgreSQL is started when it is down; if it cannot be, tests that
need it fail with a message saying so (they are never skipped)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.daemon import Daemon
from tests.support.feedserver import FeedServer
from tests.support.queue import Worker

PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ARTIFACTS = Path(__file__).parent / "artifacts"


def _pg_connect(url: str):
    import psycopg

    return psycopg.connect(url, connect_timeout=3, autocommit=True)


def ensure_postgres() -> None:
    try:
        _pg_connect(PG_ADMIN_URL).close()
        return
    except Exception:
        pass
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                       capture_output=True, timeout=60)
    deadline = time.time() + 30
    last: Exception | None = None
    while time.time() < deadline:
        try:
            _pg_connect(PG_ADMIN_URL).close()
            return
        except Exception as exc:
            last = exc
            time.sleep(0.5)
    pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is down and could not be started ({last}); "
                "run .ci/run, which installs and starts it", pytrace=False)


@contextmanager
def _scratch_database(name: str) -> Iterator[tuple[str, str]]:
    """A new, empty PostgreSQL database (name, SQLAlchemy URL), dropped afterwards even if still in use."""
    ensure_postgres()
    with _pg_connect(PG_ADMIN_URL) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield name, f"{base}/{name}"
    finally:
        with _pg_connect(PG_ADMIN_URL) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private database for this test session (and xdist worker), dropped at the end."""
    with _scratch_database(f"monitor_test_{os.getpid()}_{uuid.uuid4().hex[:6]}") as (_name, url):
        yield url


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database of its own (name, SQLAlchemy URL): the test takes it away from under the daemon."""
    with _scratch_database(f"monitor_health_{uuid.uuid4().hex[:8]}") as db:
        yield db


def _reset_pg(url: str) -> None:
    with _pg_connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/monitor.db"
    url = request.getfixturevalue("pg_url")
    _reset_pg(url)
    return url


@pytest.fixture
def store(db_url: str):
    from monitor.store import open_store

    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    srv = FeedServer()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    """``monitor run`` processes a test started: stopped at the end even when the test failed."""
    started: list[Daemon] = []
    yield started
    for d in started:
        d.close()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """``monitor worker`` processes a test started: stopped at the end even when the test failed."""
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()
