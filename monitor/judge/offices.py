"""When a named person speaks for a member state: the leaders' terms of office.

Why: the guide an analyst codes by says a former official speaks for nobody, and the word "former" is often not
written. Donald Tusk chaired the European Council from 2014 to 2019 between two spells as Poland's prime minister;
Mark Rutte has led NATO since 2024; Gerhard Schröder's words about Russia after 2005 are not Germany's. Event
coders date their actor dictionaries for the same reason (PETRARCH's ``[USAGOV 20090120-20170120]``). A leader
in ``actors.yaml`` (or ``multilingual.yaml``) may end with ``@`` and the periods the person held a state office::

    - Donald Tusk | Tusk @ 2007-10..2014-10, 2023-12..

A mention of such a person in a story dated outside every period names no state: it stays a mention of someone
(so a following sentence is not taken to go on about the state before it), but of nobody the judge codes. A leader
without periods counts at every date. A story without a date reads a leader as written, except the people listed
under ``elsewhere``: their latest office speaks for the EU (Kaja Kallas, Charles Michel, António Costa), and most
of their coverage is of it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from monitor.judge.lexicon import Token, fold

_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Case endings a surname may take beyond its listed form ("Tuska", "Туска", "Rutten"): the lemmatisers do not
# know most surnames, and within one state's own leaders a longer collision is not plausible.
ENDING = 5  # as the reader's SURNAME_END: Hungarian "Tusknak", Slovak "Rutteovi"


def parse_day(text: str, end: bool) -> date:
    """``2014``, ``2014-09`` or ``2014-09-22``; a year or month stands for its first day, or its last at an end."""
    m = _DAY.match(text.strip())
    if m is None:
        raise ValueError(f"{text.strip()!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
    if not 1 <= month <= 12:
        raise ValueError(f"{text.strip()!r} is not a date (month {month})")
    last = calendar.monthrange(year, month)[1]
    return date(year, month, int(day) if day else (last if end else 1))


Period = tuple[date, date]


def parse_periods(text: str) -> tuple[Period, ...]:
    """``2007-11..2014-09, 2023-12..``: either side of ``..`` may be open."""
    out: list[Period] = []
    for part in text.split(","):
        if ".." not in part:
            raise ValueError(f"{part.strip()!r} is not a period (FROM..TO, either side may be empty)")
        lo, hi = part.split("..", 1)
        start = parse_day(lo, end=False) if lo.strip() else date.min
        stop = parse_day(hi, end=True) if hi.strip() else date.max
        if stop < start:
            raise ValueError(f"{part.strip()!r} ends before it starts")
        out.append((start, stop))
    return tuple(out)


def split_served(entry: str, where: str = "") -> tuple[str, tuple[Period, ...]]:
    """A leader entry's names and its periods, if any: ``"Mark Rutte | Rutte @ 2010-10..2024-07"``. A bad period
    is named with ``where`` the list is ("actors: CZ") and the entry."""
    names, at, periods = str(entry).partition(" @ ")
    try:
        return names.strip(), (parse_periods(periods) if at else ())
    except ValueError as exc:
        raise ValueError(f"{where} leader {str(entry)!r}: {exc}" if where else str(exc)) from None


def parse_date(text: str) -> date | None:
    """A story's date as given: an ISO date or timestamp, or a year-month or a year as the shared sets give it
    (its first day); None when empty. ``ValueError`` when it is none of those."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return parse_day(text, end=False)


def story_day(published: date | datetime | None) -> date | None:
    if isinstance(published, datetime):
        return published.date()
    return published


def _same(word: str, surname: str) -> bool:
    """The surname as listed, with a case ending ("Tuska"), or short of its nominative ending (Greek
    "Μητσοτάκη" for "Μητσοτάκης")."""
    if word == surname:
        return True
    if len(surname) < 4 or len(word) < 4:
        return False
    return (word.startswith(surname) and len(word) - len(surname) <= ENDING) or (
        surname.startswith(word) and len(surname) - len(word) == 1)


class _Mention(Protocol):
    @property
    def codes(self) -> tuple[str, ...]: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def eligible(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class _Holder:
    surname: str  # folded
    periods: tuple[Period, ...]  # () = at every date
    elsewhere: bool  # undated stories read the person in a later office that speaks for no state


KEY = 4  # holders are found by the first letters their surname shares with every form of it (see ``_same``)


class Offices:
    """Each state's dated leaders, looked up by the surname a mention ends with."""

    def __init__(self, elsewhere: Iterable[str] = ()) -> None:
        self._holders: dict[tuple[str, str], list[_Holder]] = {}  # (state, first letters) -> holders
        self._dated: set[str] = set()  # states with a dated leader: the others are looked up only when undated
        self._away: set[str] = set()  # states with a leader in ``elsewhere``
        self.elsewhere = frozenset(fold(name).strip() for name in elsewhere)

    def add(self, code: str, aliases: Sequence[str], periods: tuple[Period, ...]) -> None:
        """Every alias of a person (its last word, folded); an undated person is recorded too, so that a surname
        two people share stays in office while either is. ``aliases[0]`` is the name ``elsewhere`` lists."""
        away = bool(aliases) and fold(aliases[0]).strip() in self.elsewhere
        for alias in aliases:
            words = fold(alias).replace("-", " ").split()
            if words:
                self._put(code, _Holder(words[-1], periods, away))

    def _put(self, code: str, holder: _Holder) -> None:
        self._holders.setdefault((code, holder.surname[:KEY]), []).append(holder)
        if holder.periods:
            self._dated.add(code)
        if holder.elsewhere:
            self._away.add(code)

    def merge(self, other: Offices) -> Offices:
        out = Offices(self.elsewhere | other.elsewhere)
        for source in (self, other):
            for (code, _), holders in source._holders.items():
                for holder in holders:
                    out._put(code, holder)
        return out

    def away(self, m: _Mention, tokens: Sequence[Token], day: date | None) -> bool:
        """A mention of a leader out of office on ``day``: the rule engine's and the reader's alike."""
        return m.kind == "leader" and m.eligible and not self.serving(
            m.codes, [t.norm for t in tokens[m.start : m.end]], day)

    def serving(self, codes: Sequence[str], words: Sequence[str], day: date | None) -> bool:
        """False only when the mention ``words`` names a leader of ``codes`` out of office on ``day`` (undated:
        away in a later office, see ``elsewhere``), and so was every other leader of those states it may name."""
        if not words or not any(c in (self._away if day is None else self._dated) for c in codes):
            return True
        last = fold(words[-1])
        matched = False
        for code in codes:
            for holder in self._holders.get((code, last[:KEY]), ()):
                if _same(last, holder.surname):
                    if day is None:
                        if not holder.elsewhere:
                            return True
                    elif not holder.periods or any(lo <= day <= hi for lo, hi in holder.periods):
                        return True
                    matched = True
        return not matched
