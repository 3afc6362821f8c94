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
