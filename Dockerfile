# The monitor daemon as an image. It installs the package the way the README does (a venv, `pip install .` of
# this repository), so the container runs exactly what a user gets from a clone. docker-compose.yml runs it
# next to PostgreSQL and a mail catcher; see the README, "Running with Docker Compose".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app

# Dependencies and package in one layer; the sources are all the build needs (tests and benchmarks are not
# copied: see .dockerignore).
COPY pyproject.toml README.md ./
COPY monitor ./monitor
# `.[queue]`: Celery too, so the same image runs the scheduler and `monitor worker` (docker-compose.yml).
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install -q '.[queue]' && rm -rf /app/monitor /app/build /app/*.egg-info

# A fixed, unprivileged user: the daemon needs no root, and a fixed uid lets a bind-mounted ./config be
# readable without guessing. data/ holds the SQLite default and the digest outbox, so it must be writable.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin monitor \
    && mkdir -p /app/data /app/config \
    && chown monitor:monitor /app/data
COPY config ./config

USER 10001:10001
ENV MONITOR_CONFIG=/app/config/monitor.yaml
EXPOSE 8080
VOLUME ["/app/data"]

# /healthz answers 200 while the scheduler runs and the database answers; urllib because slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8080/healthz', timeout=4)"]

ENTRYPOINT ["monitor"]
CMD ["run", "--http", "0.0.0.0:8080"]
