"""What the leading ``monitor run`` does with a queue: put due work on it, from the plan kept in the database.

Every ``TICK`` seconds the scheduler asks the store which feeds are due (``next_poll_at``, which the workers
write after each poll, so backoff, Retry-After and publishers' hints all apply as in the single process) and
not already on the queue, sends a "poll feed" task for each and records when. A task the broker lost (a
restart without its messages, a worker killed before it acknowledged) shows as a feed enqueued long ago and not
polled since: after ``queue.requeue_after`` it is sent again. Pages still pending are sent the same way. Digests
keep their cron jobs in the daemon; the job sends a "send digest" task instead of sending.

All of it is blocking kombu and SQL: the daemon calls it from a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.config import Settings
from monitor.logs import get_logger
from monitor.queue.tasks import DIGEST, PAGE, POLL, QUEUES, sender
from monitor.store import Store

log = get_logger(__name__)
TICK = 5.0  # seconds between looks at what is due: the most a poll is late by, on top of the queue's own wait
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


class BrokerDown(Exception):
    """The broker did not take a task; the message says why in one line (without credentials)."""


@dataclass(frozen=True)
class Sent:
    feeds: int = 0
    requeued: int = 0  # of which were sent before and lost
    pages: int = 0


class QueueScheduler:
    def __init__(self, settings: Settings, store: Store):
        assert settings.queue is not None
        self.settings = settings
        self.store = store
        self.app = sender(settings)

    def _send(self, name: str, args: list[Any]) -> None:
        from kombu.exceptions import KombuError, OperationalError

        try:
            self.app.send_task(name, args=args, queue=QUEUES[name], retry=True, retry_policy=PUBLISH_RETRY)
        except (OperationalError, KombuError, OSError, ConnectionError) as exc:
            raise BrokerDown(_one_line(exc)) from None

    def enqueue_due(self, names: Sequence[str], now: datetime) -> Sent:
        """Put the due feeds and pending pages on the queue; ``BrokerDown`` as soon as the broker refuses (what
        was sent before that is recorded, the rest is due again at the next tick)."""
        assert self.settings.queue is not None
        requeue_after = timedelta(seconds=self.settings.queue.requeue_after)
        due = self.store.due_feeds(names, now, requeue_after)
        sent: list[str] = []
        try:
            for name, _lost in due:
                self._send(POLL, [name, now.timestamp()])
                sent.append(name)
        finally:
            if sent:
                self.store.mark_enqueued(sent, now)
        requeued = sum(1 for name, lost in due if lost and name in set(sent))
        pages = self.store.due_pages(now, requeue_after)
        done: list[int] = []
        try:
            for aid in pages:
                self._send(PAGE, [aid, now.timestamp()])
                done.append(aid)
        finally:
            if done:
                self.store.mark_pages_enqueued(done, now)
        return Sent(len(sent), requeued, len(done))

    def enqueue_digest(self, name: str, slot: datetime, now: datetime) -> None:
        self._send(DIGEST, [name, slot.isoformat(), now.timestamp()])

    def close(self) -> None:
        self.app.close()

    def depths(self) -> dict[str, int]:
        """Tasks waiting per queue, as the broker counts them."""
        out: dict[str, int] = {}
        try:
            with self.app.connection_for_read() as conn:
                channel = conn.default_channel
                for queue in sorted(set(QUEUES.values())):
                    try:
                        out[queue] = int(channel.queue_declare(queue=queue, passive=True).message_count)
                    except Exception:  # a queue no worker declared yet holds nothing
                        out[queue] = 0
                        channel = conn.channel()
        except Exception as exc:
            raise BrokerDown(_one_line(exc)) from None
        return out


def _one_line(exc: BaseException) -> str:
    from monitor.sanitize import clean_line

    return clean_line(str(exc))[:300] or type(exc).__name__


__all__ = ["TICK", "BrokerDown", "QueueScheduler", "Sent"]
