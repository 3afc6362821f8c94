"""Counters, gauges and histograms for ``/metrics``, through prometheus_client, the ecosystem's client.

The stages stay pure: the daemon (and, with a queue, each worker) records what their reports say. Every
``Metrics`` has a registry of its own, so a test or a second daemon in one process counts only its own. Under a
Celery worker, whose tasks run in child processes, the client's multiprocess mode adds up what every child
counted (``PROMETHEUS_MULTIPROC_DIR``, set by ``monitor worker``); ``render`` then reads that folder.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

disable_created_metrics()  # the *_created series double the output and no dashboard here reads them
PREFIX = "monitor_"
# Seconds from enqueueing a task to its start (queue wait) and from start to done (work).
LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

_COUNTERS = {
    "polls_total": ("Feed polls by outcome (ok, not_modified, unchanged, error).", ("outcome",)),
    "poll_failures_total": ("Failed feed polls by kind of failure.", ("kind",)),
    "articles_stored_total": ("New articles stored.", ()),
    "stances_stored_total": ("Member-state stances stored (with new articles and with pages read later).", ()),
    "pages_total": ("Article pages by outcome (ok, robots, failed, too_short, consent, paywall, not_html, empty).",
                    ("outcome",)),
    "digests_sent_total": ("Digests delivered (accepted by the SMTP server or written to the outbox).", ()),
    "digests_failed_total": ("Digest runs that failed to deliver.", ()),
    "tasks_enqueued_total": ("Tasks the scheduler put on the queue, by task.", ("task",)),
    "tasks_total": ("Tasks a worker ran, by task and outcome (done, failed, skipped).", ("task", "outcome")),
}
_GAUGES = {
    "last_successful_poll_timestamp_seconds": ("Unix time of the last successful feed poll.", ()),
    "last_successful_digest_timestamp_seconds": ("Unix time of the last delivered digest.", ()),
    "feeds": ("Configured feeds by health (ok, failing).", ("state",)),
    "up": ("1 while the scheduler runs and the database (and, with a queue, the broker) answers.", ()),
    "queue_depth": ("Tasks waiting on the queue, by queue (read from the broker by the scheduler).", ("queue",)),
    "leader": ("1 while this scheduler holds the leadership (with a queue), 0 while it stands by.", ()),
}
_HISTOGRAMS = {
    "task_wait_seconds": ("Seconds from enqueueing a task to a worker starting it.", ("task",)),
    "task_run_seconds": ("Seconds a worker spent on a task.", ("task",)),
}


class Metrics:
    """The monitor's metrics. ``inc``/``set``/``observe`` take the metric's name without the prefix and its labels
    as keywords; an unknown name is a programming error (KeyError)."""

    def __init__(self, multiprocess: bool = False) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess and bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self._metrics: dict[str, Counter | Gauge | Histogram] = {}
        for name, (help_text, labels) in _COUNTERS.items():
            self._metrics[name] = Counter(PREFIX + name, help_text, labels, registry=self.registry)
        for name, (help_text, labels) in _GAUGES.items():
            self._metrics[name] = Gauge(PREFIX + name, help_text, labels, registry=self.registry,
                                        multiprocess_mode="livemax")
        for name, (help_text, labels) in _HISTOGRAMS.items():
            self._metrics[name] = Histogram(PREFIX + name, help_text, labels, registry=self.registry,
                                            buckets=LATENCY_BUCKETS)

    def _child(self, name: str, labels: dict[str, str]) -> Counter | Gauge | Histogram:
        metric = self._metrics[name]
        return metric.labels(**labels) if labels else metric  # type: ignore[return-value]

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        if amount:
            self._child(name, labels).inc(amount)  # type: ignore[union-attr]
        elif labels:
            self._child(name, labels)  # a zero still makes the labelled series visible

    def set(self, name: str, value: float, **labels: str) -> None:
        self._child(name, labels).set(value)  # type: ignore[union-attr]

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        self._child(name, labels).observe(seconds)  # type: ignore[union-attr]

    def value(self, name: str, **labels: str) -> float:
        """The current value of a counter or gauge (0 when never set), for tests and the health check."""
        return self.registry.get_sample_value(PREFIX + name, labels or None) or 0.0

    def render(self) -> str:
        """The Prometheus text format; under multiprocess mode, what every process of this worker counted."""
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry).decode()
        return generate_latest(self.registry).decode()


__all__ = ["LATENCY_BUCKETS", "PREFIX", "Metrics"]
