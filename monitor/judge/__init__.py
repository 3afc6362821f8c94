"""Judge: is a story about the topic (relevance), and which member states take which stance, with evidence.

Pure functions over text; the lexicons are data (``actors.yaml``, ``topics/*.yaml``). ``Judges`` bundles the
configured topics so one call judges an article against all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from monitor.judge.actors import EU27, Actors, country_name, member_states
from monitor.judge.engine import ENGINE_VERSION, HARD, LABELS, MIXED, PRO, Evidence, Judge, Judgement, Stance
from monitor.judge.topic import DEFAULT_TOPIC, Topic, TopicError, builtin_topics, topic_header


class Judges:
    """The judges for the configured topics, built once per process (compiling the lexicons takes ~0.3 s)."""

    def __init__(self, topics: Sequence[str] = (DEFAULT_TOPIC,), actors: str | None = None):
        from monitor.judge.decider import shipped
        from monitor.judge.forms import tables, vocabulary

        # the three large package tables first, while the heap is empty: loaded later, in whatever order the
        # judge reached them, their transient parse buffers left ~3 MB more resident in every process that judges
        # (the poll's memory budget counts the main process and each parser worker)
        tables(), vocabulary(), shipped()
        actor_list = Actors.load(actors)
        self.judges = tuple(Judge(Topic.load(t), actor_list) for t in (topics or (DEFAULT_TOPIC,)))

    @property
    def primary(self) -> Judge:
        return self.judges[0]

    def judge(self, title: str, text: str, keep_evidence: bool = False, lang: str | None = None,
              published: date | datetime | None = None) -> tuple[Judgement, ...]:
        """``lang``: the feed's declared language, a hint (see ``language.py``); ``published``, the story's date
        (see ``offices.py``)."""
        return tuple(j.judge(title, text, keep_evidence, lang, published) for j in self.judges)


@lru_cache(maxsize=8)
def judges_for(topics: tuple[str, ...] = (DEFAULT_TOPIC,), actors: str | None = None) -> Judges:
    """Cached per process: worker processes build their judges once, on first use."""
    return Judges(topics, actors)


__all__ = [
    "DEFAULT_TOPIC", "ENGINE_VERSION", "EU27", "HARD", "LABELS", "MIXED", "PRO", "Actors", "Evidence", "Judge",
    "Judgement", "Judges", "Stance", "Topic", "TopicError", "builtin_topics", "country_name", "judges_for",
    "member_states",
    "topic_header",
]
