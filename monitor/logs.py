"""Structured logging: one event per line, ``key=value`` for people and ``--log-format json`` for machines.

Secrets (passwords from the environment, credentials inside database URLs) are registered once and masked by
the formatter itself, so no code path can leak them by forgetting to redact.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any

_secrets: set[str] = set()
_lock = threading.Lock()
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def register_secret(value: str | None) -> None:
    """Mask this value wherever it would appear in a log line. Short values are ignored (they'd mask noise)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}


def _kv_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text == "" or any(c in text for c in ' ="\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
        parts = [f"ts={ts}", f"level={record.levelname.lower()}", f"event={_kv_value(record.getMessage())}"]
        parts += [f"{k}={_kv_value(v)}" for k, v in _fields(record).items()]
        if record.exc_info and record.levelno >= logging.ERROR:
            exc = record.exc_info[1]
            parts.append(f"exc={_kv_value(f'{type(exc).__name__}: {exc}')}")
        return redact(" ".join(parts))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        out.update(_fields(record))
        if record.exc_info and record.levelno >= logging.ERROR:
            exc = record.exc_info[1]
            out["exc"] = f"{type(exc).__name__}: {exc}"
        return redact(json.dumps(out, default=str, ensure_ascii=False))


_current = ("info", "kv")


def current() -> tuple[str, str, tuple[str, ...]]:
    """The level, format and secrets in force, for a worker process to log as this one does (``restore``)."""
    with _lock:
        return (*_current, tuple(_secrets))


def restore(state: tuple[str, str, tuple[str, ...]]) -> None:
    level, fmt, secrets = state
    for secret in secrets:
        register_secret(secret)
    setup(level, fmt)


def setup(level: str = "info", fmt: str = "kv", stream: Any = None) -> None:
    global _current
    _current = (level, fmt)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries log every request at INFO; our own events say what matters.
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "aiosmtpd", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class EventLogger:
    """``log.info("poll.done", feed=name, new=3)``: an event name plus fields, nothing interpolated."""

    def __init__(self, name: str):
        self._logger = logging.getLogger(name)

    def _log(self, level: int, event: str, fields: dict[str, Any], exc_info: bool = False) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, extra={k: v for k, v in fields.items() if k not in _RESERVED},
                             exc_info=exc_info)

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, exc_info: bool = False, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields, exc_info)


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)
