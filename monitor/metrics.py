"""Counters and gauges for ``/metrics``, in the Prometheus text format, without a client library.

The daemon is one process; a small thread-safe registry is all it needs, and keeping it here (rather than in
the pipeline) means the stages stay pure: the daemon records what their reports say.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

PREFIX = "monitor_"


@dataclass
class _Family:
    name: str
    kind: str  # counter | gauge
    help: str
    values: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[str, _Family] = {}
        self.counter("polls_total", "Feed polls by outcome (ok, not_modified, unchanged, error).")
        self.counter("poll_failures_total", "Failed feed polls by kind of failure.")
        self.counter("articles_stored_total", "New articles stored.")
        self.counter("stances_stored_total", "Member-state stances stored with new articles.")
        self.counter("pages_total", "Article pages by outcome (ok, robots, failed, too_short, consent, paywall, "
                     "not_html, empty).")
        self.counter("digests_sent_total", "Digests delivered (accepted by the SMTP server or written to the outbox).")
        self.counter("digests_failed_total", "Digest runs that failed to deliver.")
        self.gauge("last_successful_poll_timestamp_seconds", "Unix time of the last successful feed poll.")
        self.gauge("last_successful_digest_timestamp_seconds", "Unix time of the last delivered digest.")
        self.gauge("feeds", "Configured feeds by health (ok, failing).")
        self.gauge("up", "1 while the scheduler runs and the database answers.")

    def counter(self, name: str, help_text: str) -> None:
        self._families.setdefault(name, _Family(PREFIX + name, "counter", help_text))

    def gauge(self, name: str, help_text: str) -> None:
        self._families.setdefault(name, _Family(PREFIX + name, "gauge", help_text))

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            family = self._families[name]
            family.values[key] = family.values.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._families[name].values[key] = float(value)

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._families[name].values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for family in self._families.values():
                lines.append(f"# HELP {family.name} {family.help}")
                lines.append(f"# TYPE {family.name} {family.kind}")
                values = family.values or ({(): 0.0} if family.kind == "counter" and not family.values else {})
                for key, value in sorted(values.items()):
                    lines.append(f"{family.name}{_labels(key)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _labels(key: Iterable[tuple[str, str]]) -> str:
    pairs = [f'{k}="{_escape(v)}"' for k, v in key]
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
