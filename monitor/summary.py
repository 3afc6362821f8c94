"""Per-state summaries of stances over a period: what `monitor stances` prints and what digests are built from.

Pure functions over ``StanceFact`` records, so the table, the digest's map and its per-state rows all count the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.judge import HARD, LABELS, MIXED, PRO, country_name
from monitor.store import StanceFact

LEAN_THRESHOLD = 0.25  # |lean| below this is "mixed": the state's coverage pulls both ways
EVIDENCE_JOINER = " … "  # how the judge joins the (at most two) sentences a stance rests on


@dataclass(frozen=True)
class StateSummary:
    country: str
    counts: dict[str, int] = field(default_factory=dict)
    latest: StanceFact | None = None  # the newest stance, with its evidence

    @property
    def name(self) -> str:
        return country_name(self.country)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def lean(self) -> float:
        """Net lean in [-1, 1]: +1 all pro-dialogue, -1 all hardline; mixed stances pull towards 0."""
        return lean(self.counts)


def lean(counts: dict[str, int]) -> float:
    total = sum(counts.get(label, 0) for label in LABELS)
    if not total:
        return 0.0
    return round((counts.get(PRO, 0) - counts.get(HARD, 0)) / total, 3)


def lean_label(counts: dict[str, int]) -> str:
    if not sum(counts.values()):
        return ""
    value = lean(counts)
    if value >= LEAN_THRESHOLD:
        return PRO
    if value <= -LEAN_THRESHOLD:
        return HARD
    return MIXED


def summarise(facts: Iterable[StanceFact]) -> list[StateSummary]:
    """One summary per state that took a position, most active first. ``facts`` come newest first."""
    counts: dict[str, dict[str, int]] = {}
    latest: dict[str, StanceFact] = {}
    for f in facts:
        c = counts.setdefault(f.country, {label: 0 for label in LABELS})
        c[f.stance] = c.get(f.stance, 0) + 1
        if f.country not in latest or f.published > latest[f.country].published:
            latest[f.country] = f
    out = [StateSummary(country, c, latest.get(country)) for country, c in counts.items()]
    out.sort(key=lambda s: (-s.total, s.country))
    return out


def by_country(summaries: Sequence[StateSummary]) -> dict[str, StateSummary]:
    return {s.country: s for s in summaries}


def in_text_order(evidence: str, title: str, text: str = "") -> str:
    """Evidence sentences in the order the story has them, headline first.

    The judge joins the sentences a stance rests on most telling first; a reader who sees a body sentence,
    then "…", then the headline reads a quote that runs backwards. Sentences found in neither the title nor
    ``text`` (a summary can be shorter than the article) keep their order, after the ones that were found."""
    parts = evidence.split(EVIDENCE_JOINER)
    if len(parts) < 2:
        return evidence
    head, body = _squash(title), _squash(text)

    def place(item: tuple[int, str]) -> tuple[int, int]:
        index, part = item
        sentence = _squash(part)
        if sentence and sentence in head:
            return (0, 0)
        found = body.find(sentence) if sentence else -1
        return (1, found) if found >= 0 else (2, index)

    return EVIDENCE_JOINER.join(part for _, part in sorted(enumerate(parts), key=place))


def _squash(text: str) -> str:
    return " ".join((text or "").split())
