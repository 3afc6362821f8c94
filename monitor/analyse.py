"""The CPU-bound middle of a poll, run in worker processes: bytes -> entries -> judgements.

A module of its own so that a worker imports only the parser and the judge (not SQLAlchemy or httpx, which the
pipeline around it needs): each worker stays small and starts fast.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

from monitor.extract import PageText, extract_page
from monitor.judge import Judgement, judges_for
from monitor.parse import ParsedFeed, parse_feed
from monitor.procs import watch_parent


@dataclass(frozen=True)
class Analysed:
    parsed: ParsedFeed
    judgements: dict[str, tuple[Judgement, ...]] = field(default_factory=dict)  # by entry guid
    readable: frozenset[str] = frozenset()  # entries worth their page: relevant, or a state and the topic


def process_document(body: bytes, headers: dict[str, str], base_url: str, language: str | None,
                     topics: tuple[str, ...], actors: str | None) -> Analysed:
    """The CPU-bound middle of a poll (parse, then judge every entry), a pure function so it can run in a worker
    process. Entries the store already has are judged too: cheaper than a round trip to ask which are new."""
    parsed = parse_feed(body, headers, base_url, language)
    if parsed.error or not parsed.entries:
        return Analysed(parsed)
    judges = judges_for(topics, actors)
    judgements = {e.guid: judges.judge(e.title, e.text, lang=e.language, published=e.published) for e in parsed.entries}
    readable = frozenset(e.guid for e in parsed.entries
                         if judgements[e.guid][0].relevant or judgements[e.guid][0].named)
    return Analysed(parsed, judgements, readable)


def worker_init(parent: int | None = None) -> None:
    # Ctrl-C is the parent's business: it shuts the pool down; workers dying on it only add tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        watch_parent(parent)


def _prepare(topics: tuple[str, ...], actors: str | None) -> int:
    judges_for(topics, actors)
    return os.getpid()


def warm(pool: Executor, n: int, topics: tuple[str, ...], actors: str | None) -> None:
    for future in [pool.submit(_prepare, topics, actors) for _ in range(n)]:
        future.result()


@dataclass(frozen=True)
class AnalysedPage:
    page: PageText
    judgements: tuple[Judgement, ...] | None = None  # None: the page's text was not worth judging


def process_page(body: bytes, content_type: str | None, url: str, title: str, topics: tuple[str, ...],
                 actors: str | None, published: datetime | None = None) -> AnalysedPage:
    """An article page's CPU-bound middle, in a worker process like feeds: extract the main text, and when it
    is the article (not a wall, a teaser or a stub), judge the headline with it."""
    page = extract_page(body, url, content_type)
    if not page.ok:
        return AnalysedPage(page)
    return AnalysedPage(page, judges_for(topics, actors).judge(title, page.text, lang=page.language,
                                                               published=published or page.published))
