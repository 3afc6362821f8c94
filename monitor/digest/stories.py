"""Which stored articles are the same story: the copies that several outlets (or aggregators) carry.

The store already keeps one row per canonical URL, so copies here are articles with *different* URLs whose
titles say the same thing: a wire story republished by three papers, a Google News entry ending in
" - Reuters". Two titles are the same story when, once outlet suffixes, case, punctuation and filler words are
gone, they are identical, or their word sets overlap by at least ``SIMILARITY`` (Jaccard), and they were
published within ``MAX_GAP`` of each other (a weekly digest sees the same headline formula for different
meetings). Candidate pairs come from prefix filtering on rare words (PPJoin), so grouping a week of relevant
articles stays well under the digest's time budget instead of comparing every pair.

A pure function of its input, so the digest and its tests count stories the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.parse import title_key

SIMILARITY = 0.8
MAX_GAP = timedelta(days=3)
MIN_WORDS = 4  # shorter titles ("Live updates", "Sanctions latest") are too generic to compare fuzzily
MIN_KEY = 20  # likewise for identical titles, as the store's re-post rule has it
FILLER = frozenset({
    "a", "an", "the", "of", "on", "in", "to", "for", "with", "and", "or", "at", "by", "from", "over", "against",
    "as", "is", "are", "be", "its", "it", "after", "amid", "into", "about", "says", "said", "report", "reports",
    "le", "la", "les", "de", "des", "du", "et", "der", "die", "das", "und", "il", "lo", "di", "e", "el", "los",
    "y", "w", "i", "z", "na",
})
_SUFFIX = re.compile(r"\s+(?:[-|–—:]|::)\s+(?P<outlet>[^-|–—]{2,60})$")


@dataclass(frozen=True)
class Item:
    """What grouping needs to know about an article."""

    id: int
    title: str
    url: str | None
    published: datetime


def fingerprint(title: str) -> str:
    """The title without an outlet suffix (" - Reuters", " | Euronews"), folded as the store folds titles."""
    text = " ".join(title.split())
    m = _SUFFIX.search(text)
    if m and len(m.group("outlet").split()) <= 4 and len(text[: m.start()].split()) >= MIN_WORDS:
        text = text[: m.start()]
    return title_key(text)


def words(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w not in FILLER)


class _Sets:
    """Union-find over item indexes."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group(items: Sequence[Item], similarity: float = SIMILARITY, max_gap: timedelta = MAX_GAP) -> list[list[int]]:
    """Indexes of ``items`` grouped into stories; groups in order of their first member, members in input order."""
    n = len(items)
    sets = _Sets(n)
    keys = [fingerprint(it.title) for it in items]
    by_url: dict[str, int] = {}
    by_key: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        if it.url:
            if it.url in by_url:
                sets.union(by_url[it.url], i)
            else:
                by_url[it.url] = i
        if len(keys[i]) >= MIN_KEY:
            for j in by_key.get(keys[i], ()):
                if abs(items[j].published - it.published) <= max_gap:
                    sets.union(j, i)
                    break
            by_key.setdefault(keys[i], []).append(i)

    # Near-identical titles: PPJoin-style prefix filtering, words ordered rarest first and sets visited from the
    # smallest. Two sets with Jaccard >= t share a word early in both orderings: within the first
    # |x| - ceil(t|x|) + 1 words of the set being probed, and, for the smaller, already indexed set, within its
    # first |y| - ceil(2t/(1+t)|y|) + 1. The first word they share also bounds how many more they can share.
    token_sets = [words(k) for k in keys]
    frequency: dict[str, int] = {}
    for ws in token_sets:
        for w in ws:
            frequency[w] = frequency.get(w, 0) + 1
    ratio = similarity / (1 + similarity)  # Jaccard >= t  <=>  overlap >= t / (1 + t) * (|x| + |y|)
    index: dict[str, list[tuple[int, int]]] = {}
    for i in sorted(range(n), key=lambda k: len(token_sets[k])):
        ws = token_sets[i]
        size = len(ws)
        if size < MIN_WORDS:
            continue
        ordered = sorted(ws, key=lambda w: (frequency[w], w))
        when = items[i].published
        low = similarity * size  # an indexed set is no larger than this one
        seen: set[int] = set()
        for pos, w in enumerate(ordered[: size - math.ceil(similarity * size) + 1]):
            for j, other_pos in index.get(w, ()):
                if j in seen:
                    continue
                seen.add(j)  # met first through the rarest word the two share: that gives the bound
                other = token_sets[j]
                need = ratio * (size + len(other))
                if (len(other) >= low and 1 + min(size - pos, len(other) - other_pos) - 1 >= need
                        and abs(items[j].published - when) <= max_gap and len(ws & other) >= need):
                    sets.union(j, i)
        for pos, w in enumerate(ordered[: size - math.ceil(2 * ratio * size) + 1]):
            index.setdefault(w, []).append((i, pos))

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(sets.find(i), []).append(i)
    return [groups[root] for root in sorted(groups)]


__all__ = ["MAX_GAP", "SIMILARITY", "Item", "fingerprint", "group", "words"]
