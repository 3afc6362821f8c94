"""Stored stories for digest tests: articles with judgements, written through the store's own poll path.

The judge is not run here on purpose: digest tests are about windows, grouping, rendering and delivery, and
must not change meaning when someone tunes the lexicon. The stances are what the judge would store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.config import FeedConfig
from monitor.judge import Judgement, Stance
from monitor.parse import Entry
from monitor.store import PollUpdate, Store

TOPIC = "eu-russia-dialogue"


def far_daily(timezone: str = "UTC") -> str:
    """A daily cron whose next slot is eleven to twelve hours away. A test that runs a daemon with a fixed hour
    ("0 7 * * *") sends one digest more whenever the suite happens to cross that hour (it did, in CI)."""
    return f"0 {(datetime.now(UTC).astimezone(ZoneInfo(timezone)).hour + 12) % 24} * * *"


@dataclass(frozen=True)
class Story:
    title: str
    stances: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (label, evidence sentence)
    feed: str = "Euractiv"
    url: str | None = None  # default: derived from the title and feed
    published: datetime | None = None  # default: an hour before it is stored
    relevant: bool = True
    summary: str = ""


def feed_url(name: str) -> str:
    return f"https://{name.lower().replace(' ', '-')}.example/rss"


def story_url(story: Story) -> str:
    slug = hashlib.blake2b(f"{story.feed}|{story.title}".encode(), digest_size=6).hexdigest()
    return story.url or f"https://{story.feed.lower().replace(' ', '-')}.example/news/{slug}"


def seed(store: Store, stories: list[Story], stored_at: datetime) -> dict[str, int]:
    """Store ``stories`` as if polled at ``stored_at``; returns article ids by title (first copy wins)."""
    known = set(store.feed_states())
    names = sorted(known | {s.feed for s in stories})
    ids = store.sync_feeds([FeedConfig(name=n, url=feed_url(n), interval=900.0) for n in names], stored_at)
    out: dict[str, int] = {}
    for feed in sorted({s.feed for s in stories}):
        mine = [s for s in stories if s.feed == feed]
        entries, judgements = [], {}
        for s in mine:
            guid = story_url(s)
            entries.append(Entry(guid=guid, url=story_url(s), title=s.title,
                                 summary=s.summary or f"What happened: {s.title}.",
                                 text=s.summary or s.title, published=s.published or stored_at - timedelta(hours=1),
                                 language="en"))
            stances = tuple(Stance(code, label, 0.8, evidence, ("test",))
                            for code, (label, evidence) in sorted(s.stances.items()))
            judgements[guid] = (Judgement(s.relevant, 0.9 if s.relevant else 0.1, stances if s.relevant else (),
                                          topic=TOPIC, version="test"),)
        poll = PollUpdate(polled_at=stored_at, status="ok", next_poll_at=stored_at + timedelta(minutes=15),
                          consecutive_failures=0, http_status=200)
        store.save_poll(ids[feed], poll, entries, judgements)
    by_url = {a.url: a.id for a in store.articles()}
    for s in stories:
        out.setdefault(s.title, by_url[story_url(s)])
    return out


def fail_feed(store: Store, name: str, when: datetime, failures: int = 3, error: str = "HTTP 500") -> None:
    """Mark a feed as failing, as a poll that got an error would."""
    state = store.feed_state(name)
    assert state is not None, name
    store.save_poll(state.id, PollUpdate(polled_at=when, status="error", next_poll_at=when + timedelta(hours=1),
                                         consecutive_failures=failures, http_status=500, error=error))


# Evidence sentences as the judge stores them: one per state and story.
HU_PRO = ("pro_dialogue", "Hungary's Prime Minister said Europe must reopen talks with Moscow without delay.")
SK_PRO = ("pro_dialogue", "Slovakia backed Hungary's call for an EU envoy to the Kremlin.")
PL_HARD = ("hardline", "Poland rejected any resumption of contacts with Moscow while the war goes on.")
EE_HARD = ("hardline", "Estonia slammed Slovakia's overture to the Kremlin as a gift to Putin.")
IT_MIXED = ("mixed", "Italy will join talks as soon as strikes on civilians stop, its foreign minister said.")
FR_PRO = ("pro_dialogue", "France proposed a channel to Moscow on prisoner exchanges.")
