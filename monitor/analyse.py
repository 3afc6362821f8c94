"""The CPU-bound middle of a poll, run in worker processes: bytes -> entries -> judgements.

A module of its own so that a worker imports only the parser and the judge (not SQLAlchemy or httpx, which the
pipeline around it needs): each worker stays small and starts fast.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import Executor
from dataclasses import dataclass, field

from monitor.judge import Judgement, judges_for
from monitor.parse import ParsedFeed, parse_feed


@dataclass(frozen=True)
class Analysed:
    parsed: ParsedFeed
    judgements: dict[str, tuple[Judgement, ...]] = field(default_factory=dict)  # by entry guid


def process_document(body: bytes, headers: dict[str, str], base_url: str, language: str | None,
                     topics: tuple[str, ...], actors: str | None) -> Analysed:
    """The CPU-bound middle of a poll (parse, then judge every entry), a pure function so it can run in a worker
    process. Entries the store already has are judged too: cheaper than a round trip to ask which are new."""
    parsed = parse_feed(body, headers, base_url, language)
    if parsed.error or not parsed.entries:
        return Analysed(parsed)
    judges = judges_for(topics, actors)
    return Analysed(parsed, {e.guid: judges.judge(e.title, e.text, lang=e.language) for e in parsed.entries})


def worker_init() -> None:
    # Ctrl-C is the parent's business: it shuts the pool down; workers dying on it only add tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _prepare(topics: tuple[str, ...], actors: str | None) -> int:
    judges_for(topics, actors)
    return os.getpid()


def warm(pool: Executor, n: int, topics: tuple[str, ...], actors: str | None) -> None:
    for future in [pool.submit(_prepare, topics, actors) for _ in range(n)]:
        future.result()
