"""YAML configuration -> typed, validated settings.

Users edit the YAML by hand, so every mistake must come back as one line that names the file, the line and the
key (``config/monitor.yaml:12: feeds[3].interval: ...``) instead of a traceback. The round-trip loader of
ruamel.yaml keeps line numbers for every key and item, which is what makes those messages possible; the result is
plain frozen dataclasses so that no other stage ever sees YAML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from monitor import USER_AGENT
from monitor.digest.cron import Cron, parse_cron, zone
from monitor.sanitize import unsafe_characters

DEFAULT_CONFIG_PATH = Path("config/monitor.yaml")
DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
ENV_CONFIG = "MONITOR_CONFIG"
ENV_DATABASE_URL = "MONITOR_DATABASE_URL"
ENV_QUEUE_BROKER = "MONITOR_QUEUE_BROKER"  # a broker URL: turns the queue on (or points it elsewhere) from outside


class ConfigError(Exception):
    """A configuration problem, already phrased as the one line the user will read."""


# --------------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    interval: float  # seconds between polls
    language: str | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    fulltext: str = "auto"  # auto | always | never: when to fetch a new story's page (monitor/pages.py)


FULLTEXT_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class FulltextSettings:
    """Article pages: fetched for candidate stories whose feed text is short (``auto``), then judged again."""

    min_words: int = 80  # feed text shorter than this is a teaser: ``auto`` fetches the page
    keep: float | None = 90 * 86400.0  # page bodies are deleted after this (their stances stay); None: never
    concurrency: int = 4  # pages in flight (per-host limits are the fetcher's, shared with feeds)
    max_body_bytes: int = 5 * 1024 * 1024  # decoded


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = USER_AGENT
    timeout: float = 30.0  # whole request, redirects and body included: a slow server costs at most this
    connect_timeout: float = 10.0
    max_body_bytes: int = 10 * 1024 * 1024  # on decoded bytes, so a gzip bomb stops here too
    max_redirects: int = 5
    concurrency: int = 50  # requests in flight overall
    per_host: int = 2  # requests in flight per host: politeness towards publishers
    max_backoff: float = 24 * 3600.0  # a failing feed is retried at least this often, never dropped
    # Networks that hosts outside the config may reach (redirect targets, discovered feeds, article pages on other
    # hosts); everything non-public is refused otherwise. See monitor/netguard.py.
    allow_private_networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogSettings:
    level: str = "info"
    format: str = "kv"  # kv | json


@dataclass(frozen=True)
class JudgeSettings:
    # built-in names or YAML paths; the first is the primary. The default is monitor.judge.topic.DEFAULT_TOPIC,
    # spelled out: importing the judge here would load it for every command, even `monitor check`.
    topics: tuple[str, ...] = ("eu-russia-dialogue",)
    actors: str | None = None  # a YAML path replacing the built-in member-state list


@dataclass(frozen=True)
class RetentionSettings:
    """How long things are kept, in seconds; None keeps them for ever. Stances go with their article, never
    before it; digest runs themselves are kept (they are small and ``digest list`` shows them)."""

    articles: float | None = 365 * 86400.0  # by when they were first stored
    digest_items: float | None = 90 * 86400.0  # which articles each digest run carried
    outbox: float | None = 30 * 86400.0  # digest files written without an smtp section


@dataclass(frozen=True)
class QueueSettings:
    """Scale-out: ``monitor run`` puts polls, pages and digests on a Celery queue; ``monitor worker`` runs them."""

    broker: str  # redis://host:6379/0 or amqp://user:pass@host:5672//; the password is masked in every log line
    requeue_after: float = 600.0  # a task not done this long after it was sent is sent again (lost with a broker)
    visibility_timeout: float = 900.0  # Redis: an unacknowledged task goes back on the queue after this


DEFAULT_OUTBOX = "data/outbox"
DEFAULT_SENDER = "EU–Russia Monitor <monitor@localhost>"


@dataclass(frozen=True)
class SmtpSettings:
    """Where digests are mailed. Absent from the config: digests are written to the outbox folder instead."""

    host: str
    sender: str  # "Name <address>" as it appears in From:
    port: int = 587
    starttls: bool = True
    ssl: bool = False  # implicit TLS (usually port 465)
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # from ${SMTP_PASSWORD}; masked in every log line
    timeout: float = 30.0
    ca_file: str | None = None  # a CA bundle for servers with a private certificate authority
    attempts: int = 3  # per run; transient failures only (connection refused, timeouts, 4xx)
    retry_delay: float = 10.0  # before the second attempt; doubles for each further one


@dataclass(frozen=True)
class DigestConfig:
    """One scheduled digest: who gets it, when (cron in a time zone), and what it covers."""

    name: str
    schedule: str  # five-field cron, read in ``timezone``
    timezone: str = "UTC"
    recipients: tuple[str, ...] = ()
    subject: str | None = None  # a template: {name} {title} {period} {stories} {states}
    topic: str | None = None  # one of judge.topics; default: the first (primary) topic
    countries: tuple[str, ...] = ()  # only these member states (ISO codes); empty: all 27
    min_confidence: float = 0.0
    send_empty: bool = False
    max_stories: int = 10

    @property
    def cron(self) -> Cron:
        return Cron(self.schedule, self.timezone)


@dataclass(frozen=True)
class Settings:
    path: Path | None
    database_url: str = DEFAULT_DATABASE_URL
    default_interval: float = 15 * 60.0
    default_language: str | None = None
    http: HttpSettings = field(default_factory=HttpSettings)
    log: LogSettings = field(default_factory=LogSettings)
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    feeds: tuple[FeedConfig, ...] = ()
    smtp: SmtpSettings | None = None
    digests: tuple[DigestConfig, ...] = ()
    outbox: str = DEFAULT_OUTBOX  # where digests go without an smtp section
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    fulltext: FulltextSettings = field(default_factory=FulltextSettings)
    queue: QueueSettings | None = None  # None: one process does everything (the default)

    @property
    def trusted_hosts(self) -> frozenset[str]:
        """The hosts the operator wrote into the config (feeds, SMTP, database): the fetcher connects to them
        whatever they resolve to, as the private-network guard allows (monitor/netguard.py)."""
        hosts = {urlsplit(f.url).hostname for f in self.feeds}
        hosts.add(self.smtp.host if self.smtp else None)
        hosts.add(urlsplit(self.database_url).hostname)
        return frozenset(h.lower() for h in hosts if h)
    # Not errors, but worth a line on stderr (or in the daemon's log): a database found by the old rule.
    warnings: tuple[str, ...] = ()
    empty: bool = False  # the file held no settings at all (empty, or only comments)

    @property
    def enabled_feeds(self) -> tuple[FeedConfig, ...]:
        return tuple(f for f in self.feeds if f.enabled)

    def feed_problem(self) -> str | None:
        """Why ``run`` or ``poll`` would have nothing to do (a daemon idling for ever with 0 feeds looks like a
        daemon that works), or None. ``check`` reports the same as a warning: the file is valid."""
        where = self.path or "config"
        if self.empty:
            return (f"{where}: the config file is empty: add feeds under feeds: (see README, Configuration), "
                    "or try `monitor demo`")
        if not self.feeds:
            return f"{where}: no feeds configured: add some under feeds: or with `monitor feeds add URL`"
        if not self.enabled_feeds:
            n = len(self.feeds)
            return (f"{where}: {'the only feed is' if n == 1 else f'all {n} feeds are'} disabled "
                    "(enabled: false): enable one to poll")
        return None

    def feed(self, name: str) -> FeedConfig:
        for f in self.feeds:
            if f.name.casefold() == name.casefold():
                return f
        close = similar(name, [f.name for f in self.feeds])
        known = ", ".join(f.name for f in self.feeds[:8]) or "none configured"
        hint = f"did you mean {close!r}?" if close else f"known: {known}"
        raise ConfigError(f"{self.path or 'config'}: no feed named {name!r} ({hint})")

    def digest(self, name: str) -> DigestConfig:
        for d in self.digests:
            if d.name.casefold() == name.casefold():
                return d
        close = similar(name, [d.name for d in self.digests])
        known = ", ".join(d.name for d in self.digests) or "none configured; add one under digests:"
        hint = f"did you mean {close!r}?" if close else f"known: {known}"
        raise ConfigError(f"{self.path or 'config'}: no digest named {name!r} ({hint})")


def similar(name: str, options: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The option a typo most likely meant (compared without regard to case), or None."""
    import difflib

    folded = {o.casefold(): o for o in options}
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=cutoff)
    return folded[match[0]] if match else None


# --------------------------------------------------------------------------------------------------- scalars

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_ENV_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def parse_duration(value: Any) -> float:
    """``90s``, ``15m``, ``1h30m``, ``1d`` or a bare number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 15m, 1h or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif text and re.fullmatch(rf"(?:{_DURATION_PART.pattern})+", text, re.IGNORECASE):
            seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _DURATION_PART.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration (use e.g. 90s, 15m, 1h or 1d)")
    if seconds <= 0:
        raise ValueError(f"{value!r} must be longer than zero")
    return seconds


def parse_size(value: Any) -> int:
    """``10MB``, ``512KB`` or a bare number of bytes -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a size (use e.g. 512KB, 10MB)")
        size = int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "")[:1].lower()])
    if size <= 0:
        raise ValueError(f"{value!r} must be larger than zero")
    return size


def format_duration(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length and seconds % length == 0:
            return f"{int(seconds // length)}{unit}"
    return f"{seconds:g}s"


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http(s) URL")
    if not parts.hostname:
        raise ValueError(f"{value!r} has no host")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} has a bad port") from exc
    return value


def normalise_database_url(url: str) -> str:
    """Plain ``postgresql://`` means psycopg 3 here, the driver we ship; SQLite paths get their folder made."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in it; keep ours short
        raise ValueError(f"not a database URL ({exc.__class__.__name__})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise ValueError(f"unsupported database {parsed.drivername!r} (use sqlite:/// or postgresql://)")
    return parsed.render_as_string(hide_password=False)


# --------------------------------------------------------------------------------------------------- reading


class _Reader:
    """Walks the loaded YAML, remembering where each value came from so errors can point at it."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, line: int | None, where: str, message: str) -> NoReturn:
        location = f"{self.source}:{line}" if line else self.source
        raise ConfigError(f"{location}: {where}: {message}" if where else f"{location}: {message}")

    @staticmethod
    def line(container: Any, key: Any) -> int | None:
        try:
            if isinstance(container, CommentedMap):
                return container.lc.value(key)[0] + 1
            if isinstance(container, CommentedSeq):
                return container.lc.item(key)[0] + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        lc = getattr(container, "lc", None)
        return lc.line + 1 if lc is not None and lc.line is not None else None

    @staticmethod
    def key_line(container: Any, key: Any) -> int | None:
        try:
            return container.lc.key(key)[0] + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            return None

    def mapping(self, value: Any, where: str, line: int | None, allowed: Mapping[str, bool]) -> CommentedMap:
        """Check a mapping's keys: unknown keys and missing required ones are errors."""
        if value is None:
            value = CommentedMap()
        if not isinstance(value, Mapping):
            self.fail(line, where, f"expected a mapping of keys, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                close = _closest(str(key), allowed)
                hint = f" (did you mean {close!r}?)" if close else f" (allowed: {', '.join(allowed)})"
                self.fail(self.key_line(value, key), _join(where, key), f"unknown key{hint}")
        for key, required in allowed.items():
            if required and key not in value:
                self.fail(line, _join(where, key), "missing (required)")
        return value  # type: ignore[return-value]

    def get(self, container: Any, key: str, where: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        if key not in container or container[key] is None:
            return default
        raw = container[key]
        try:
            return convert(raw)
        except ValueError as exc:
            self.fail(self.line(container, key), _join(where, key), str(exc))

    def substitute_env(self, node: Any, where: str = "") -> None:
        """Replace ``${VAR}`` (and ``${VAR:-default}``) in every string value, in place; ``$$`` is a dollar."""
        items: list[tuple[Any, Any]]
        if isinstance(node, Mapping):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            return
        for key, value in items:
            here = f"{where}[{key}]" if isinstance(node, list) else _join(where, key)
            if isinstance(value, str) and "$" in value:
                node[key] = self._expand(value, self.line(node, key), here)
            else:
                self.substitute_env(value, here)

    def _expand(self, text: str, line: int | None, where: str) -> str:
        def replace(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            value = os.environ.get(name)
            if value is None or (value == "" and default is not None):
                if default is not None:
                    return default
                self.fail(line, where, f"environment variable {name} is not set")
            return value

        return _ENV_REF.sub(replace, text)


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def _closest(key: str, allowed: Mapping[str, bool]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.75)
    return matches[0] if matches else None


def _string(value: Any) -> str:
    if isinstance(value, Mapping | list) or value is None:
        raise ValueError(f"expected text, got {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _feed_name(value: Any) -> str:
    """Feed names are printed in terminals, logs and digests: control characters and bidi overrides in one
    could retitle a terminal or make the name read backwards, so they are refused rather than silently kept."""
    text = _string(value)
    bad = unsafe_characters(text)
    if bad:
        raise ValueError(f"contains control or bidi-override characters ({', '.join(bad)}); remove them")
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {_kind(value)}")


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"expected a whole number above zero, got {_kind(value)}")
    return value


def _language(value: Any) -> str:
    text = _string(value).replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise ValueError(f"{value!r} is not a language code such as en, de or pt-BR")
    return text.split("-")[0].lower()


def _choice(*options: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _string(value).lower()
        if text not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return text

    return convert


# --------------------------------------------------------------------------------------------------- sections

_TOP = {"database": False, "defaults": False, "http": False, "log": False, "judge": False, "feeds": False,
        "smtp": False, "digests": False, "outbox": False, "retention": False, "fulltext": False, "queue": False}
_QUEUE = {"broker": True, "requeue_after": False, "visibility_timeout": False}
_FULLTEXT = {"min_words": False, "keep": False, "concurrency": False, "max_body": False}
_RETENTION = {"articles": False, "digest_items": False, "outbox": False}
_JUDGE = {"topics": False, "actors": False}
_DEFAULTS = {"interval": False, "language": False, "fulltext": False}
_HTTP = {
    "user_agent": False,
    "timeout": False,
    "connect_timeout": False,
    "max_body": False,
    "max_redirects": False,
    "allow_private_networks": False,
    "concurrency": False,
    "per_host": False,
    "max_backoff": False,
}
_LOG = {"level": False, "format": False}
_FEED = {"name": True, "url": True, "interval": False, "language": False, "tags": False, "enabled": False,
         "fulltext": False}
_SMTP = {"host": True, "port": False, "starttls": False, "ssl": False, "username": False, "password": False,
         "sender": True, "timeout": False, "ca_file": False, "attempts": False, "retry_delay": False}
_DIGEST = {"name": True, "schedule": True, "timezone": False, "recipients": True, "subject": False, "topic": False,
           "countries": False, "min_confidence": False, "send_empty": False, "max_stories": False}
_SUBJECT_FIELDS = ("name", "title", "period", "stories", "states")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"[^@\s<>(),;:\"\[\]\\]+@{_LABEL}(?:\.{_LABEL})*")
_DIGEST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,49}")


def _networks(value: Any) -> tuple[str, ...]:
    import ipaddress

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(f"expected a list of networks such as [10.0.0.0/8], got {_kind(value)}")
    out = []
    for item in items:
        text = _string(item)
        try:
            out.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValueError(f"{text!r} is not a network such as 10.0.0.0/8 or fd00::/8") from None
    return tuple(out)


def _keep_for(value: Any) -> float | None:
    if isinstance(value, str) and value.strip().lower() in ("never", "forever", "off"):
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"{exc}; or never, to keep for ever") from None


def _read_retention(r: _Reader, node: Any, line: int | None) -> RetentionSettings:
    m = r.mapping(node, "retention", line, _RETENTION)
    d = RetentionSettings()
    return RetentionSettings(
        articles=r.get(m, "articles", "retention", _keep_for, d.articles),
        digest_items=r.get(m, "digest_items", "retention", _keep_for, d.digest_items),
        outbox=r.get(m, "outbox", "retention", _keep_for, d.outbox),
    )


def _broker(value: Any) -> str:
    text = _string(value)
    scheme = urlsplit(text).scheme.lower()
    if scheme not in ("redis", "rediss", "amqp", "amqps", "pyamqp"):
        raise ValueError(f"{_safe_url(text)!r} is not a Redis or RabbitMQ URL (redis://host:6379/0, amqp://host//)")
    return text


def _safe_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _read_queue(r: _Reader, node: Any, line: int | None, database: str,
                key_line: int | None = None) -> QueueSettings | None:
    """The queue section; ``$MONITOR_QUEUE_BROKER`` (Docker Compose sets it) gives or replaces its broker."""
    env = os.environ.get(ENV_QUEUE_BROKER, "").strip()
    if node is None and not env:
        return None
    m = r.mapping(node, "queue", line, {**_QUEUE, "broker": not env})
    d = QueueSettings(broker="")
    if env:
        try:
            broker = _broker(env)
        except ValueError as exc:
            raise ConfigError(f"${ENV_QUEUE_BROKER}: {exc}") from None
    else:
        broker = r.get(m, "broker", "queue", _broker)
    queue = QueueSettings(
        broker=broker,
        requeue_after=r.get(m, "requeue_after", "queue", parse_duration, d.requeue_after),
        visibility_timeout=r.get(m, "visibility_timeout", "queue", parse_duration, d.visibility_timeout),
    )
    if database.startswith("sqlite"):
        r.fail(key_line or line, "queue", "needs PostgreSQL as the database (workers on other processes or machines "
                                          "share it); set database: postgresql://… or remove the queue section")
    return queue


def _read_fulltext(r: _Reader, node: Any, line: int | None) -> FulltextSettings:
    m = r.mapping(node, "fulltext", line, _FULLTEXT)
    d = FulltextSettings()
    return FulltextSettings(
        min_words=r.get(m, "min_words", "fulltext", _positive_int, d.min_words),
        keep=r.get(m, "keep", "fulltext", _keep_for, d.keep),
        concurrency=r.get(m, "concurrency", "fulltext", _positive_int, d.concurrency),
        max_body_bytes=r.get(m, "max_body", "fulltext", parse_size, d.max_body_bytes),
    )


def _read_http(r: _Reader, node: Any, line: int | None) -> HttpSettings:
    m = r.mapping(node, "http", line, _HTTP)
    d = HttpSettings()
    return HttpSettings(
        user_agent=r.get(m, "user_agent", "http", _string, d.user_agent),
        timeout=r.get(m, "timeout", "http", parse_duration, d.timeout),
        connect_timeout=r.get(m, "connect_timeout", "http", parse_duration, d.connect_timeout),
        max_body_bytes=r.get(m, "max_body", "http", parse_size, d.max_body_bytes),
        max_redirects=r.get(m, "max_redirects", "http", _positive_int, d.max_redirects),
        concurrency=r.get(m, "concurrency", "http", _positive_int, d.concurrency),
        per_host=r.get(m, "per_host", "http", _positive_int, d.per_host),
        max_backoff=r.get(m, "max_backoff", "http", parse_duration, d.max_backoff),
        allow_private_networks=r.get(m, "allow_private_networks", "http", _networks, ()),
    )


def _read_feeds(r: _Reader, node: Any, line: int | None, interval: float, language: str | None,
                fulltext: str = "auto"):
    if node is None:
        return ()
    if not isinstance(node, list):
        r.fail(line, "feeds", f"expected a list of feeds, got {_kind(node)}")
    feeds: list[FeedConfig] = []
    seen: dict[str, tuple[int | None, str]] = {}
    for i, item in enumerate(node):
        where = f"feeds[{i}]"
        item_line = r.line(node, i)
        m = r.mapping(item, where, item_line, _FEED)
        name = r.get(m, "name", where, _feed_name)
        url = r.get(m, "url", where, lambda v: check_http_url(_string(v)))
        tags = r.get(m, "tags", where, _tags, ())
        key = name.casefold()
        if key in seen:
            first_line, _ = seen[key]
            r.fail(r.line(m, "name"), f"{where}.name", f"duplicate feed name {name!r} (first at line {first_line})")
        seen[key] = (r.line(m, "name"), name)
        feeds.append(
            FeedConfig(
                name=name,
                url=url,
                interval=r.get(m, "interval", where, parse_duration, interval),
                language=r.get(m, "language", where, _language, language),
                tags=tags,
                enabled=r.get(m, "enabled", where, _bool, True),
                fulltext=r.get(m, "fulltext", where, _choice(*FULLTEXT_MODES), fulltext),
            )
        )
    return tuple(feeds)


def _read_judge(r: _Reader, node: Any, line: int | None, base: Path | None) -> JudgeSettings:
    from monitor.judge.topic import builtin_topics

    m = r.mapping(node, "judge", line, _JUDGE)
    builtin = builtin_topics()

    def topic(value: Any) -> str:
        text = _string(value)
        if text in builtin:
            return text
        path = _relative(text, base)
        if not path.is_file():
            raise ValueError(f"{text!r} is neither a built-in topic ({', '.join(builtin)}) nor a YAML file")
        return str(path)

    def topics(value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise ValueError("expected a list of topics")
        return tuple(topic(v) for v in items)

    def actors(value: Any) -> str:
        path = _relative(_string(value), base)
        if not path.is_file():
            raise ValueError(f"{value!r}: no such file")
        return str(path)

    return JudgeSettings(topics=r.get(m, "topics", "judge", topics, JudgeSettings.topics),
                         actors=r.get(m, "actors", "judge", actors, None))


def email_address(value: Any) -> str:
    """One mail address, optionally with a display name: ``a@example.org`` or ``"Desk <a@example.org>"``.

    Returned in the form ``From:``/``To:`` headers take; a typo here would otherwise surface only when the SMTP
    server refuses the message at 7 in the morning."""
    from email.headerregistry import Address
    from email.utils import getaddresses

    text = _string(value)
    parsed = getaddresses([text])
    if len(parsed) != 1 or not _ADDR_SPEC.fullmatch(parsed[0][1]) or text.count("@") != 1:
        raise ValueError(f"{text!r} is not an email address (use name@example.org or \"Name <name@example.org>\")")
    name, addr = parsed[0]
    local, domain = addr.rsplit("@", 1)
    return str(Address(display_name=name, username=local, domain=domain)) if name else addr


def _addresses(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("expected a list of email addresses")
    out: list[str] = []
    for i, item in enumerate(items):
        try:
            address = email_address(item)
        except ValueError as exc:
            raise ValueError(f"item {i + 1}: {exc}") from None
        if address not in out:
            out.append(address)
    return tuple(out)


def _port(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():  # from ${SMTP_PORT}: the environment only has text
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError(f"expected a port number (1-65535), got {_kind(value)}")
    return value


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _read_smtp(r: _Reader, node: Any, line: int | None, base: Path | None) -> SmtpSettings | None:
    if node is None:
        return None
    m = r.mapping(node, "smtp", line, _SMTP)
    ssl = r.get(m, "ssl", "smtp", _bool, False)
    starttls = r.get(m, "starttls", "smtp", _bool, not ssl)
    if ssl and starttls:
        r.fail(r.line(m, "starttls"), "smtp.starttls", "choose starttls (usually port 587) or ssl (port 465), not both")
    host = r.get(m, "host", "smtp", _string)
    username = r.get(m, "username", "smtp", _string, None)
    password = r.get(m, "password", "smtp", lambda v: str(v) if v != "" else None, None)
    if username and not password:
        r.fail(r.line(m, "username"), "smtp.password", "missing: a username needs a password (use ${SMTP_PASSWORD})")
    if password and not username:
        r.fail(r.line(m, "password"), "smtp.username", "missing: a password needs a username (use ${SMTP_USER})")
    if username and not (ssl or starttls) and not _is_loopback(host):
        r.fail(r.line(m, "username"), "smtp", "refusing to send a password unencrypted: set starttls or ssl")

    def ca_file(value: Any) -> str:
        path = _relative(_string(value), base)
        if not path.is_file():
            raise ValueError(f"{value!r}: no such file")
        return str(path)

    d = SmtpSettings(host="", sender="")
    return SmtpSettings(
        host=host,
        sender=r.get(m, "sender", "smtp", email_address),
        port=r.get(m, "port", "smtp", _port, 465 if ssl else 587),
        starttls=starttls,
        ssl=ssl,
        username=username,
        password=password,
        timeout=r.get(m, "timeout", "smtp", parse_duration, d.timeout),
        ca_file=r.get(m, "ca_file", "smtp", ca_file, None),
        attempts=r.get(m, "attempts", "smtp", _positive_int, d.attempts),
        retry_delay=r.get(m, "retry_delay", "smtp", parse_duration, d.retry_delay),
    )


def _read_digests(r: _Reader, node: Any, line: int | None, judge: JudgeSettings) -> tuple[DigestConfig, ...]:
    from monitor.countries import member_states

    if node is None:
        return ()
    if not isinstance(node, list):
        r.fail(line, "digests", f"expected a list of digests, got {_kind(node)}")
    out: list[DigestConfig] = []
    seen: dict[str, int | None] = {}
    for i, item in enumerate(node):
        where = f"digests[{i}]"
        m = r.mapping(item, where, r.line(node, i), _DIGEST)

        def name(value: Any) -> str:
            text = _string(value)
            if not _DIGEST_NAME.fullmatch(text):
                raise ValueError(f"{text!r}: use letters, digits, - and _ (it names files and the List-Id)")
            return text

        digest_name = r.get(m, "name", where, name)
        if digest_name.casefold() in seen:
            r.fail(r.line(m, "name"), f"{where}.name",
                   f"duplicate digest name {digest_name!r} (first at line {seen[digest_name.casefold()]})")
        seen[digest_name.casefold()] = r.line(m, "name")
        timezone = r.get(m, "timezone", where, lambda v: zone(_string(v)).key, "UTC")

        def schedule(value: Any) -> str:
            text = _string(value)
            parse_cron(text)
            return text

        def topic(value: Any) -> str:
            text = _string(value)
            if text in judge.topics:
                return text
            raise ValueError(f"{text!r} is not one of the configured topics (judge.topics: {', '.join(judge.topics)})")

        def countries(value: Any) -> tuple[str, ...]:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items:
                raise ValueError("expected a list of member states such as [HU, SK] or [Hungary, EL]")
            return member_states(_string(v) for v in items)

        def confidence(value: Any) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"expected a number from 0 to 1, got {_kind(value)}")
            return float(value)

        def subject(value: Any) -> str:
            import string

            text = _string(value)
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc} (write {{{{ and }}}} for literal braces)") from None
            for f in fields:
                if f not in _SUBJECT_FIELDS:
                    known = ", ".join("{" + x + "}" for x in _SUBJECT_FIELDS)
                    raise ValueError(f"unknown placeholder {{{f}}} (use {known})")
            return text

        out.append(DigestConfig(
            name=digest_name,
            schedule=r.get(m, "schedule", where, schedule),
            timezone=timezone,
            recipients=r.get(m, "recipients", where, _addresses),
            subject=r.get(m, "subject", where, subject, None),
            topic=r.get(m, "topic", where, topic, None),
            countries=r.get(m, "countries", where, countries, ()),
            min_confidence=r.get(m, "min_confidence", where, confidence, 0.0),
            send_empty=r.get(m, "send_empty", where, _bool, False),
            max_stories=r.get(m, "max_stories", where, _positive_int, 10),
        ))
    return tuple(out)


def _relative(text: str, base: Path | None) -> Path:
    """A path from the config file, read relative to the file's folder: the daemon started by systemd or cron
    (whose working directory is / or $HOME) must find the same files as the user testing it from the checkout."""
    path = Path(text).expanduser()
    return path if path.is_absolute() or base is None else Path(os.path.normpath(base / path))


def _sqlite_beside(url: str, base: Path | None, where: str, warnings: list[str]) -> str:
    """A relative SQLite path made absolute against the config file's folder (other URLs unchanged).

    Before this rule the path was read against the working directory. A database that exists only there is
    still used, with a warning that says how to keep it, so that an upgrade never silently swaps a populated
    database for a new empty one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if base is None or parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:"):
        return url
    given = Path(name).expanduser()
    if given.is_absolute():
        return parsed.set(database=str(given)).render_as_string(hide_password=False)
    beside = Path(os.path.normpath(base / given))
    old = Path(os.path.normpath(Path.cwd() / given))
    if not beside.exists() and old.is_file() and old.resolve() != beside.resolve():
        warnings.append(f"{where}: {name} is now read relative to the config file's folder ({beside}, "
                        f"which does not exist); using {old}, found relative to the working directory: write "
                        f"\"database: sqlite:///{old}\" to keep using it")
        return parsed.set(database=str(old)).render_as_string(hide_password=False)
    return parsed.set(database=str(beside)).render_as_string(hide_password=False)


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"expected a list of tags, got {_kind(value)}")
    return tuple(_string(v) for v in value)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML keeping line numbers; syntax errors and duplicate keys become one-line ConfigErrors."""
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ConfigError(f"{source}{line}: YAML syntax error: {problem}") from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. bad tabs, control characters)
        raise ConfigError(f"{source}: YAML syntax error: {' '.join(str(exc).split())}") from None


def parse_settings(text: str, source: str = "<config>", path: Path | None = None) -> Settings:
    r = _Reader(source)
    root = load_yaml(text, source)
    empty = root is None  # an empty file, or one with only comments: YAML reads it as nothing
    root = r.mapping(root, "", 1, _TOP)
    r.substitute_env(root)

    defaults = r.mapping(root.get("defaults"), "defaults", r.line(root, "defaults"), _DEFAULTS)
    interval = r.get(defaults, "interval", "defaults", parse_duration, Settings.default_interval)
    language = r.get(defaults, "language", "defaults", _language, None)
    fulltext = r.get(defaults, "fulltext", "defaults", _choice(*FULLTEXT_MODES), "auto")

    base = path.absolute().parent if path else None
    warnings: list[str] = []
    env_db = os.environ.get(ENV_DATABASE_URL)
    if env_db:  # the environment is the process's, so a relative SQLite path in it is the working directory's
        try:
            database = normalise_database_url(env_db)
        except ValueError as exc:
            raise ConfigError(f"${ENV_DATABASE_URL}: {exc}") from None
    else:
        database = r.get(root, "database", "", lambda v: normalise_database_url(_string(v)), None)
        where = f"{source}:{r.line(root, 'database')}: database" if database else f"{source}: database (default)"
        database = _sqlite_beside(database or normalise_database_url(DEFAULT_DATABASE_URL), base, where, warnings)

    log = r.mapping(root.get("log"), "log", r.line(root, "log"), _LOG)
    judge = _read_judge(r, root.get("judge"), r.line(root, "judge"), base)
    return Settings(
        path=path,
        database_url=database,
        default_interval=interval,
        default_language=language,
        http=_read_http(r, root.get("http"), r.line(root, "http")),
        log=LogSettings(
            level=r.get(log, "level", "log", _choice("debug", "info", "warning", "error"), "info"),
            format=r.get(log, "format", "log", _choice("kv", "json"), "kv"),
        ),
        judge=judge,
        feeds=_read_feeds(r, root.get("feeds"), r.line(root, "feeds"), interval, language, fulltext),
        smtp=_read_smtp(r, root.get("smtp"), r.line(root, "smtp"), base),
        digests=_read_digests(r, root.get("digests"), r.line(root, "digests"), judge),
        retention=_read_retention(r, root.get("retention"), r.line(root, "retention")),
        fulltext=_read_fulltext(r, root.get("fulltext"), r.line(root, "fulltext")),
        queue=_read_queue(r, root.get("queue"), r.line(root, "queue"), database, r.key_line(root, "queue")),
        outbox=str(_relative(r.get(root, "outbox", "", _string, DEFAULT_OUTBOX), base)),
        warnings=tuple(warnings),
        empty=empty,
    )


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    return Path(env) if env else DEFAULT_CONFIG_PATH


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the config file; every failure is a ConfigError naming the file."""
    p = resolve_config_path(path)
    return parse_settings(read_config_text(p), str(p), p)


def read_config_text(p: Path) -> str:
    """The config file's text; a ConfigError naming the file (and the line, for bad UTF-8) when it cannot be."""
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found (pass --config PATH or set ${ENV_CONFIG})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config file: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{p}:{line}: config file is not valid UTF-8") from None
