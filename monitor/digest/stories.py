"""Which stored articles are the same story: the copies that several outlets (or aggregators) carry.

The store already keeps one row per canonical URL, so copies here are articles with *different* URLs whose
titles say the same thing: a wire story republished by three papers, a Google News entry ending in
" - Reuters". Two titles are the same story when, once outlet suffixes, case, punctuation and filler words are
gone, they are identical, or their word sets overlap by at least ``SIMILARITY`` (Jaccard), and they were
published within ``MAX_GAP`` of each other (a weekly digest sees the same headline formula for different
meetings).

Candidate pairs come from MinHash locality-sensitive hashing, so the work grows with the number of titles, not
with its square: rare-word blocking (PPJoin, used before) degrades to comparing nearly every pair when titles
share a small vocabulary (a week of "sanctions / Russia / EU / talks" headlines: 95 s for 20,000 stories).
Every candidate is then checked exactly, so a group never holds a pair below the threshold; with
``BANDS`` × ``ROWS`` a pair at the threshold is missed with probability (1 - 0.8**5)**32, about 3e-6.
The signatures are computed with NumPy here rather than with datasketch, the field's MinHash library: its
per-set objects took 2.7 s for 20,000 titles before a single candidate was checked, over the whole digest's
budget, while one vectorised pass over the vocabulary takes a few milliseconds.

A pure function of its input, so the digest and its tests count stories the same way.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

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
    return frozenset(key.split()) - FILLER


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


BANDS, ROWS = 24, 4  # LSH: 96 MinHash values; two sets collide in a band when 4 values agree
_RNG = np.random.default_rng(20261206)  # fixed: the same titles always group the same way, in every process
_MUL = _RNG.integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
_ADD = _RNG.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
_MIX = _RNG.integers(1, 2**63, size=ROWS, dtype=np.uint64) | np.uint64(1)
SMALL_BUCKET = 2000  # buckets up to this size are expanded into pairs; larger ones checked against group leaders


def _stable_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class _Sets2D:
    """The distinct word sets as NumPy arrays: word ids padded with -1 (for exact overlaps) and sizes."""

    ids: np.ndarray  # (sets, longest) int32
    sizes: np.ndarray  # (sets,) int64
    signatures: np.ndarray  # (sets, BANDS * ROWS) uint32 MinHash values


def _arrays(sets: Sequence[frozenset[str]]) -> _Sets2D:
    """Word ids and MinHash signatures, one row per set: each word's BANDS*ROWS hash values are computed once
    per distinct word, and a set's signature is their column-wise minimum over its words."""
    vocabulary: dict[str, int] = {}
    flat: list[int] = []
    offsets: list[int] = []
    for ws in sets:
        offsets.append(len(flat))
        flat.extend(vocabulary.setdefault(w, len(vocabulary)) for w in ws)
    x = np.fromiter((_stable_hash(w) for w in vocabulary), dtype=np.uint64, count=len(vocabulary))
    with np.errstate(over="ignore"):
        values = ((x[:, None] * _MUL[None, :] + _ADD[None, :]) >> np.uint64(32)).astype(np.uint32)
    words_flat = np.asarray(flat, dtype=np.int32)
    starts = np.asarray(offsets, dtype=np.intp)
    signatures = np.minimum.reduceat(values[words_flat], starts, axis=0)
    sizes = np.diff(np.r_[starts, len(flat)]).astype(np.int64)
    ids = np.full((len(sets), int(sizes.max())), -1, dtype=np.int32)
    rows = np.repeat(np.arange(len(sets)), sizes)
    cols = np.arange(len(flat)) - np.repeat(starts, sizes)
    ids[rows, cols] = words_flat
    return _Sets2D(ids, sizes, signatures)


def _jaccard(arrays: _Sets2D, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact Jaccard of the set pairs (a[k], b[k]), in chunks: every word of one against every word of the
    other (titles have a few dozen words at most)."""
    out = np.empty(len(a), dtype=np.float64)
    step = max(1, 2_000_000 // max(1, arrays.ids.shape[1] ** 2))
    for at in range(0, len(a), step):
        x, y = arrays.ids[a[at:at + step]], arrays.ids[b[at:at + step]]
        common = ((x[:, :, None] == y[:, None, :]) & (x[:, :, None] >= 0)).sum(axis=(1, 2))
        union = arrays.sizes[a[at:at + step]] + arrays.sizes[b[at:at + step]] - common
        out[at:at + step] = common / union
    return out


def _candidates(signatures: np.ndarray, sizes: np.ndarray, similarity: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Pairs of rows worth an exact check, and the buckets too large to expand into pairs.

    Rows that agree on one band are candidates; pairs whose sizes alone rule the threshold out, or whose
    signatures agree on clearly fewer positions than the threshold asks (the share of agreeing MinHash values
    estimates Jaccard; 0.2 below it is about five standard deviations at 96 values) are dropped here, all in
    NumPy, so that only the few pairs that may really be copies get the exact check."""
    n = signatures.shape[0]
    found: list[np.ndarray] = []
    large: list[np.ndarray] = []
    for band in range(BANDS):
        rows = signatures[:, band * ROWS:(band + 1) * ROWS].astype(np.uint64)
        with np.errstate(over="ignore"):
            keys = (rows * _MIX[None, :]).sum(axis=1, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        lengths = np.diff(np.r_[starts, n])
        small = (lengths > 1) & (lengths <= SMALL_BUCKET)
        if small.any():
            # Every pair inside every small bucket at once: each position is paired with the positions after it
            # up to its bucket's end (no Python loop over buckets).
            ends = np.repeat(starts + lengths, lengths)[np.repeat(small, lengths)]
            position = np.flatnonzero(np.repeat(small, lengths))
            partners = ends - position - 1
            first = np.repeat(position, partners)
            offset = np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners)
            found.append(np.stack([order[first], order[first + 1 + offset]], axis=1))
        large.extend(order[start:start + length] for start, length in zip(starts, lengths, strict=True)
                     if length > SMALL_BUCKET)
    if not found:
        return np.empty((0, 2), dtype=np.intp), large
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    codes = np.sort(pairs[:, 0].astype(np.int64) * n + pairs[:, 1])
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]  # each pair once, however many bands it collided in
    pairs = np.stack([codes // n, codes % n], axis=1)
    small, big = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]]), np.maximum(sizes[pairs[:, 0]],
                                                                                    sizes[pairs[:, 1]])
    pairs = pairs[small >= similarity * big]
    # Two passes over the signatures: a third of the values first, with a wider margin (0.3, over four standard
    # deviations at 32 values), which rules out nearly every pair at a third of the cost; then all of them.
    for columns, margin in ((slice(0, 32), 0.3), (slice(None), 0.2)):
        keep = np.zeros(len(pairs), dtype=bool)
        for at in range(0, len(pairs), 200_000):
            part = pairs[at:at + 200_000]
            agree = (signatures[part[:, 0], columns] == signatures[part[:, 1], columns]).mean(axis=1)
            keep[at:at + 200_000] = agree >= similarity - margin
        pairs = pairs[keep]
    return pairs, large


def group(items: Sequence[Item], similarity: float = SIMILARITY, max_gap: timedelta = MAX_GAP) -> list[list[int]]:
    """Indexes of ``items`` grouped into stories; groups in order of their first member, members in input order."""
    n = len(items)
    sets = _Sets(n)
    keys = [fingerprint(it.title) for it in items]
    times = [it.published for it in items]

    def chain(members: list[int]) -> None:
        """Join items of one title (or word set) published within ``max_gap`` of the one before: on a time line
        that is exactly the closure of "within max_gap of each other", found in linear time once sorted."""
        members.sort(key=lambda i: times[i])
        for a, b in itertools.pairwise(members):
            if times[b] - times[a] <= max_gap:
                sets.union(a, b)

    by_url: dict[str, int] = {}
    by_key: dict[str, list[int]] = {}
    by_words: dict[frozenset[str], list[int]] = {}
    for i, it in enumerate(items):
        if it.url:
            if it.url in by_url:
                sets.union(by_url[it.url], i)
            else:
                by_url[it.url] = i
        if len(keys[i]) >= MIN_KEY:
            by_key.setdefault(keys[i], []).append(i)
        ws = words(keys[i])
        if len(ws) >= MIN_WORDS:
            by_words.setdefault(ws, []).append(i)
    for members in by_key.values():
        if len(members) > 1:
            chain(members)

    # Near-identical titles: LSH over the distinct word sets, each candidate checked exactly.
    distinct = list(by_words)
    for members in by_words.values():
        if len(members) > 1:
            chain(members)  # the same words: Jaccard 1
    by_time = [sorted(by_words[ws], key=lambda i: times[i]) for ws in distinct]
    stamps = [[times[i] for i in members] for members in by_time]
    checked: set[tuple[int, int]] = set()

    def join(a: int, b: int) -> bool:
        """Union the members of word sets ``a`` and ``b`` published within ``max_gap`` of each other."""
        joined = False
        other, when = by_time[b], stamps[b]
        for i in by_time[a]:
            pos = bisect_left(when, times[i] - max_gap)
            while pos < len(when) and when[pos] - times[i] <= max_gap:
                sets.union(i, other[pos])
                joined = True
                pos += 1
        return joined

    def check(a: int, b: int) -> bool:
        """``join`` once per pair of similar sets (a large bucket meets the same pair in several bands)."""
        pair = (a, b) if a < b else (b, a)
        if pair in checked:
            return False
        checked.add(pair)
        return join(a, b)

    if len(distinct) > 1:
        arrays = _arrays(distinct)
        pairs, large = _candidates(arrays.signatures, arrays.sizes, similarity)
        if len(pairs):
            close = _jaccard(arrays, pairs[:, 0], pairs[:, 1]) >= similarity
            for a, b in pairs[close].tolist():
                join(a, b)
        for bucket in large:
            # Many titles alike in one band (a story told a hundred ways, or a tiny vocabulary): expanding the
            # bucket into pairs would be quadratic, so each title is checked against the first title of every
            # group found so far in it, and leads a new group if none matches.
            leaders: list[int] = []
            for m in bucket.tolist():
                if leaders:
                    lead = np.asarray(leaders)
                    matches = lead[_jaccard(arrays, lead, np.full(len(lead), m)) >= similarity].tolist()
                    if any(check(k, m) for k in matches):
                        continue
                leaders.append(m)

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(sets.find(i), []).append(i)
    return [groups[root] for root in sorted(groups)]


__all__ = ["MAX_GAP", "SIMILARITY", "Item", "fingerprint", "group", "words"]
