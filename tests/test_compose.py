"""docker-compose.yml and the Dockerfile, checked without a Docker engine: Debian's docker-compose (v1) validates
and resolves the file offline (``.ci/run`` installs it), and the health check's one-liner runs against a real
HTTP server. A missing docker-compose is a failure, not a skip: an unvalidated compose file is what this is for."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.feedserver import FeedServer, status

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail("docker-compose is not installed; `apt-get install -y docker-compose` (.ci/run does it)",
                    pytrace=False)
    return path


def compose_config(docker_compose: str, tmp_path: Path, env: dict[str, str] | None = None,
                   file: Path = COMPOSE) -> subprocess.CompletedProcess[str]:
    """``docker-compose config`` with a controlled environment: no stray POSTGRES_PASSWORD from the shell and no
    .env file from a developer's checkout."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("POSTGRES_", "SMTP_", "MONITOR_", "MAILPIT_", "COMPOSE_", "DOCKER_"))}
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return subprocess.run([docker_compose, "--env-file", str(env_file), "-f", str(file), "config"],
                          cwd=file.parent, env={**base, **(env or {})}, capture_output=True, text=True, timeout=60)


def resolved(docker_compose: str, tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = compose_config(docker_compose, tmp_path, env)
    assert result.returncode == 0, f"docker-compose config rejected docker-compose.yml:\n{result.stderr}"
    return YAML(typ="safe").load(result.stdout)


def dockerfile_user() -> str:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    assert users, "the Dockerfile sets no USER: the container would run as root"
    return users[-1]


def test_compose_file_validates(docker_compose: str, tmp_path: Path) -> None:
    config = resolved(docker_compose, tmp_path)
    assert set(config["services"]) == {"monitor", "worker", "redis", "postgres", "mailpit"}
    assert "postgres-data" in config["volumes"]


def test_validation_is_real(docker_compose: str, tmp_path: Path) -> None:
    """The offline validator does reject a broken file (so the passing test above means something)."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("condition: service_healthy", "condition: when_it_feels_like_it"))
    result = compose_config(docker_compose, tmp_path, file=broken)
    assert result.returncode != 0
    assert "condition" in result.stderr


def test_monitor_service(docker_compose: str, tmp_path: Path) -> None:
    monitor = resolved(docker_compose, tmp_path)["services"]["monitor"]
    assert Path(monitor["build"]["context"]) == ROOT
    assert monitor["command"] == ["run", "--http", "0.0.0.0:8080"]
    assert monitor["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "mailpit" in monitor["depends_on"]
    assert any(p["target"] == 8080 for p in _ports(monitor))

    # non-root, the same user the image runs as
    user = str(monitor["user"])
    assert user.split(":")[0] not in ("0", "root", "")
    assert user == dockerfile_user()

    # config from ./config, read-only; data in a named volume
    volumes = monitor["volumes"]
    assert f"{ROOT / 'config'}:/app/config:ro" in volumes
    assert any(v.startswith("monitor-data:/app/data") for v in volumes)

    env = monitor["environment"]
    assert env["MONITOR_DATABASE_URL"] == "postgresql://monitor:monitor@postgres:5432/monitor"
    assert env["MONITOR_CONFIG"] == "/app/config/monitor.yaml"
    assert env["SMTP_HOST"] == "mailpit"
    assert str(env["SMTP_PORT"]) == "1025"
    assert (env["SMTP_USER"], env["SMTP_PASSWORD"]) == ("", "")  # passed through; mailpit needs no login

    check = monitor["healthcheck"]
    assert check["test"][0] == "CMD"
    assert "urllib.request" in " ".join(check["test"])
    assert "http://localhost:8080/healthz" in " ".join(check["test"])


def test_worker_and_redis_services(docker_compose: str, tmp_path: Path) -> None:
    services = resolved(docker_compose, tmp_path)["services"]
    worker, monitor = services["worker"], services["monitor"]
    assert worker["command"] == ["worker", "--http", "0.0.0.0:9101"]
    assert worker["environment"] == monitor["environment"]  # one config, one database, one broker
    assert monitor["environment"]["MONITOR_QUEUE_BROKER"] == "redis://redis:6379/0"
    assert worker["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert worker["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "ports" not in worker  # replicas (--scale worker=4) would fight over a host port
    assert str(worker["user"]) == dockerfile_user()
    assert "9101/healthz" in " ".join(worker["healthcheck"]["test"])
    redis = services["redis"]
    assert redis["image"].split(":")[0] == "redis" and "--appendonly" in redis["command"]
    assert "redis-cli" in " ".join(redis["healthcheck"]["test"])
    # Without a broker, the single-process monitor (no queue section, nothing for workers to take).
    single = resolved(docker_compose, tmp_path, {"MONITOR_QUEUE_BROKER": ""})
    assert single["services"]["monitor"]["environment"]["MONITOR_QUEUE_BROKER"] in ("", None)


def test_postgres_and_mailpit_services(docker_compose: str, tmp_path: Path) -> None:
    services = resolved(docker_compose, tmp_path)["services"]
    pg = services["postgres"]
    assert pg["image"].startswith("postgres:")
    assert "postgres-data:/var/lib/postgresql/data:rw" in pg["volumes"]
    assert pg["environment"] == {"POSTGRES_USER": "monitor", "POSTGRES_PASSWORD": "monitor", "POSTGRES_DB": "monitor"}
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])

    mail = services["mailpit"]
    assert mail["image"].split(":")[0] == "axllent/mailpit"
    targets = {p["target"] if isinstance(p, dict) else int(p.split(":")[-1].split("/")[0]) for p in mail["ports"]}
    assert {1025, 8025} <= targets
    assert mail["environment"]["MP_SMTP_AUTH_ACCEPT_ANY"] == "true"  # a config that logs in is not turned away


def test_password_wiring(docker_compose: str, tmp_path: Path) -> None:
    """One POSTGRES_PASSWORD sets the database's password and the monitor's URL alike; SMTP credentials and the
    choice of config file come from the environment too."""
    services = resolved(docker_compose, tmp_path, {
        "POSTGRES_PASSWORD": "s3cret", "SMTP_HOST": "smtp.example.org", "SMTP_PORT": "587", "SMTP_USER": "digest",
        "SMTP_PASSWORD": "mailpw"})["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    env = services["monitor"]["environment"]
    assert env["MONITOR_DATABASE_URL"] == "postgresql://monitor:s3cret@postgres:5432/monitor"
    assert (env["SMTP_HOST"], str(env["SMTP_PORT"]), env["SMTP_USER"], env["SMTP_PASSWORD"]) == (
        "smtp.example.org", "587", "digest", "mailpw")

    other = resolved(docker_compose, tmp_path, {"MONITOR_CONFIG_FILE": "monitor.compose.yaml"})
    assert other["services"]["monitor"]["environment"]["MONITOR_CONFIG"] == "/app/config/monitor.compose.yaml"


def test_dockerfile_installs_like_the_readme() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    # the repository itself, with the queue extra (the same image runs `monitor worker`)
    assert re.search(r"pip install (-q )?'\.\[queue\]'(\s|$)", text), "the image must `pip install .` the repository"
    assert "python3 -m venv" in text  # as the README's install command
    assert dockerfile_user().split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["monitor"]' in text
    # what the image copies must not be excluded from the build context
    ignore = (ROOT / ".dockerignore").read_text().split()
    for needed in ("pyproject.toml", "README.md", "monitor/", "config/"):
        assert f"!{needed}" in ignore


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    yield srv
    srv.close()


def test_healthcheck_command_follows_the_status(docker_compose: str, tmp_path: Path, server: FeedServer) -> None:
    """The compose health check's own one-liner, pointed at a real server: exit 0 on 200, non-zero on 503."""
    test = resolved(docker_compose, tmp_path)["services"]["monitor"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3]
    server.route("/healthz", status(200, b"ok"))
    ok = subprocess.run([sys.executable, "-c", code.replace("http://localhost:8080", server.url(""))],
                        capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    server.route("/healthz", status(503, b"database unavailable"))
    down = subprocess.run([sys.executable, "-c", code.replace("http://localhost:8080", server.url(""))],
                          capture_output=True, timeout=30)
    assert down.returncode != 0


def _ports(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [p if isinstance(p, dict) else {"target": int(str(p).split(":")[-1].split("/")[0])}
            for p in service.get("ports", [])]
