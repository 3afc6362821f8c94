"""Tokens and phrase matching: the judge's only text machinery.

Phrases from the YAML lexicons compile into token sequences indexed by their first token, so matching a text is
one dictionary lookup per token rather than a scan per phrase: that is what keeps the judge at thousands of
articles a second on one core. Matching is case- and diacritic-insensitive (Orbán = Orban); proper names can
additionally demand a capital letter, so "poles" is not "Poles".

Phrase syntax (kept small on purpose, so lexicon editors need no regular expressions):

    back~            an English verb and its inflections: back, backs, backed, backing (criticise~ also
                     yields the -ize spellings, favour~ the -or ones)
    (a|the|its)      one of several tokens
    (a|the)?         an optional token
    _3               up to three arbitrary tokens ("keep _3 open" matches "keep a line to Moscow open")
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import product
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, TypeVar, cast

P = TypeVar("P")

# n't and 's are tokens of their own ("don't" -> do n't, "Hungary's" -> Hungary 's); hyphens too, so that
# "German-built" and "Kremlin-friendly" can be matched as phrases.
_TOKEN = re.compile(r"\w+?(?=n['’]t\b)|n['’]t\b|['’]s\b|\w+|[^\w\s\"“”«»‘’']", re.IGNORECASE)


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """Lowercase without diacritics. Cached: news vocabulary is small and repetitive."""
    lowered = token.lower().replace("’", "'")
    if lowered.isascii():
        return lowered
    return strip_marks(lowered)


# The combining marks NFKD leaves behind for the Latin, Greek and Cyrillic scripts of the languages read here
# (accents, cedillas, ogoneks, carons, breves, the Greek tonos): removed by one regular expression, in C,
# rather than by a Python test of every character of a text.
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_marks(text: str) -> str:
    """Diacritics off (``ł`` and ``ø``, which do not decompose, too): the folded form every lookup uses."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).replace("ł", "l").replace("ø", "o")


class Token(NamedTuple):
    """A named tuple rather than a frozen dataclass: every story's text becomes a list of these, and a tuple is
    built at a third of the cost."""

    norm: str  # folded form used for matching
    start: int  # character offsets into the original text
    end: int
    cap: bool  # starts with a capital letter (proper names must)


@dataclass(frozen=True, slots=True)
class Locatives:
    """Words that make the name after them a place ("in Budapest", "w Polsce", "fil-Ġermanja"), one policy for
    the rule engine and the reader. A word is matched as written, not folded: folding makes Polish and Czech "że"
    (that), the commonest word before a state's name in reported speech, into "ze" (from). ``folded`` also takes
    a word written with no marks at all as any of the listed words it may stand for (Romanian news without
    diacritics); a list that mixes languages leaves it empty, since there the English article "a" would be
    French "à"."""

    written: frozenset[str]
    folded: frozenset[str] = frozenset()

    @classmethod
    def of(cls, words: Iterable[str], unmarked_too: bool) -> Locatives:
        words = [str(w).lower() for w in words]
        return cls(frozenset(words), frozenset(fold(w) for w in words) if unmarked_too else frozenset())

    def at(self, tokens: Sequence[Token], text: str, i: int) -> bool:
        if i < 0:
            return False
        word = text[tokens[i].start : tokens[i].end].lower()
        return word in self.written or (word == tokens[i].norm and word in self.folded)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        out.append(Token(fold(word), m.start(), m.end(), word[:1].isupper()))
    return out


def words_regex(words: Iterable[str], after: str = r"(?!\w)") -> str:
    """Any of ``words`` starting at a word boundary and followed by ``after``, as a regular expression whose
    alternatives share their prefixes (``R(?:ussia(?:n)?|oscow)`` rather than ``Russian|Russia|Rosja|...``).

    The fast path asks such a question of every story a feed delivers, with hundreds of words in the list: Python's
    ``re`` tries a flat alternation word by word at each position, and the prefix tree at a third of the cost."""
    tree: dict[str, dict] = {}
    for word in set(words):
        if word:
            node = tree
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return (f"(?:{body})?" if len(branches) == 1 else body + "?")

    return r"(?<!\w)" + emit(tree) + after


# ------------------------------------------------------------------------------------------------ verbs

_IRREGULAR = {
    "hold": ["held"], "keep": ["kept"], "lead": ["led"], "seek": ["sought"], "stand": ["stood"],
    "break": ["broke", "broken"], "send": ["sent"], "meet": ["met"], "say": ["said"], "tell": ["told"],
    "freeze": ["froze", "frozen"], "throw": ["threw", "thrown"], "speak": ["spoke", "spoken"],
    "take": ["took", "taken"], "make": ["made"], "give": ["gave", "given"], "put": ["put"], "cut": ["cut"],
    "set": ["set"], "shut": ["shut"], "let": ["let"], "get": ["got", "gotten"], "win": ["won"],
    "fight": ["fought"], "bring": ["brought"], "buy": ["bought"], "think": ["thought"], "lose": ["lost"],
    "fall": ["fell", "fallen"], "draw": ["drew", "drawn"], "undertake": ["undertook", "undertaken"],
    "withdraw": ["withdrew", "withdrawn"], "forbid": ["forbade", "forbidden"], "beat": ["beaten"],
    "pay": ["paid"], "lay": ["laid"], "sell": ["sold"], "shake": ["shook", "shaken"], "strike": ["struck"],
    "go": ["went", "gone", "goes"], "do": ["did", "done", "does"], "have": ["had", "has"],
    "be": ["was", "were", "been"],
    "choose": ["chose", "chosen"], "drive": ["drove", "driven"], "rise": ["rose", "risen"], "stick": ["stuck"],
    "bear": ["bore", "borne"], "swear": ["swore", "sworn"], "overturn": [], "rebuff": ["rebuffed"],
    "forgo": ["forwent", "forgone"], "forego": ["forewent", "foregone"], "uphold": ["upheld"],
    "hit": ["hit"], "quit": ["quit"], "spend": ["spent"], "build": ["built"], "feel": ["felt"],
    "write": ["wrote", "written"], "begin": ["began", "begun"], "wind": ["wound"], "slam": ["slammed"],
    "shoot": ["shot"],
}


@cache
def inflect(verb: str) -> tuple[str, ...]:
    """English inflections of a lemma; overgeneration is harmless (no text contains "backked")."""
    v = verb.lower()
    forms = {v}
    if v.endswith("e"):
        forms |= {v + "s", v + "d", v[:-1] + "ing"}
    elif v.endswith("y") and len(v) > 2 and v[-2] not in "aeiou":
        forms |= {v[:-1] + "ies", v[:-1] + "ied", v + "ing"}
    elif v.endswith(("s", "x", "z", "ch", "sh", "o")):
        forms |= {v + "es", v + "ed", v + "ing"}
    else:
        forms |= {v + "s", v + "ed", v + "ing"}
    if len(v) >= 3 and v[-1] in "bdglmnprt" and v[-2] in "aeiou" and v[-3] not in "aeiou":
        forms |= {v + v[-1] + "ed", v + v[-1] + "ing"}
    forms |= set(_IRREGULAR.get(v, ()))
    if v.endswith("ise"):
        forms |= set(inflect(v[:-3] + "ize"))
    if v.endswith("our"):
        forms |= set(inflect(v[:-3] + "or"))
    if v.endswith("ce") and v in ("licence", "practise"):
        forms |= set(inflect(v[:-2] + "se"))
    return tuple(sorted(forms))


# ------------------------------------------------------------------------------------------------ phrases

GAP = "\x00gap"


@dataclass(frozen=True, slots=True)
class Pattern(Generic[P]):
    """A phrase's end in the trie, and, where no longer phrase continues it, the trie's leaf itself: a leaf node
    of its own for each of ~60,000 phrase ends cost every process that judges ~4 MB."""

    payload: P
    cap: bool  # the first token must be capitalised in the text
    source: str  # the phrase as written in the lexicon, for explanations

    @property
    def best(self) -> Pattern[P]:
        return self

    @property
    def children(self) -> Mapping[str, Any]:
        return _NOTHING

    @property
    def gaps(self) -> Mapping[int, Any]:
        return _NOTHING


def _spec_options(raw: str) -> list[list[str]]:
    """One list of alternatives per token position; [''] marks an optional position."""
    out: list[list[str]] = []
    for part in _split_spec(raw):
        optional = part.endswith("?") and len(part) > 1
        if optional:
            part = part[:-1]
        if re.fullmatch(r"_\d+", part):
            out.append([f"{GAP}{part[1:]}"])
            continue
        if part.startswith("(") and part.endswith(")"):
            alternatives = [a.strip() for a in part[1:-1].split("|")]
        else:
            alternatives = [part]
        options: list[str] = []
        for alt in alternatives:
            # each word of an alternative may be a verb: "(keep~ buying|jet~ to)"
            words = [list(inflect(fold(w[:-1]))) if w.endswith("~") else [w] for w in alt.split()]
            options.extend(" ".join(combo) for combo in product(*words)) if words else options.append(alt)
        if optional:
            options.append("")
        out.append(options)
    return out


def _split_spec(raw: str) -> list[str]:
    """Split a phrase into spec parts, tokenising plain words the way text is tokenised."""
    parts: list[str] = []
    for chunk in re.findall(r"\([^)]*\)\??|\S+", raw.strip()):
        if chunk.startswith("(") or re.fullmatch(r"_\d+", chunk):
            parts.append(chunk)
            continue
        suffix = ""
        if chunk.endswith("~") or (chunk.endswith("?") and len(chunk) > 1):
            chunk, suffix = chunk[:-1], chunk[-1]
        toks = [t.norm for t in tokenize(chunk)] or [chunk]
        toks[-1] += suffix
        parts.extend(toks)
    return parts


def expand(raw: str) -> Iterator[tuple[str, ...]]:
    """All concrete token sequences a phrase stands for."""
    for combo in product(*_spec_options(raw)):
        seq: list[str] = []
        for t in combo:
            if t.startswith(GAP):
                seq.append(t)
            elif t:
                seq.extend(_norms(t))
        if seq and not seq[0].startswith(GAP):
            yield tuple(seq)


@cache
def _norms(text: str) -> tuple[str, ...]:
    """Tokenised, folded option text; options repeat across thousands of expansions, so it is cached."""
    return tuple(tok.norm for tok in tokenize(text))


@dataclass(frozen=True, slots=True)
class Match(Generic[P]):
    start: int  # token index
    end: int  # token index, exclusive
    payload: P
    source: str


# Shared by every node that has no children or no gaps. The tries hold ~80,000 nodes in 26 languages, most of
# them leaves and nearly none with a gap: two empty dicts each were 10 MB in every process that judges.
_NOTHING: Mapping[Any, Any] = MappingProxyType({})


class _Node(Generic[P]):
    __slots__ = ("best", "children", "gaps")

    def __init__(self) -> None:
        self.children: Mapping[str, _Node[P]] = _NOTHING
        self.gaps: Mapping[int, _Node[P]] = _NOTHING  # "_3": up to three arbitrary tokens, then this node
        self.best: Pattern[P] | None = None  # a phrase ends here

    def _table(self, token: str) -> tuple[dict[Any, Any], str | int]:
        """The slot a phrase's token goes down (``"_3"``: a gap of up to three tokens), with its own dict."""
        slot, key = ("gaps", int(token[len(GAP):])) if token.startswith(GAP) else ("children", token)
        table = cast(dict[Any, Any], getattr(self, slot))
        if table is _NOTHING:
            table = {}
            setattr(self, slot, table)
        return table, key

    def child(self, token: str) -> _Node[P]:
        """The node under ``token``, made where missing; a leaf there (a shorter phrase's end) becomes a node
        that keeps its pattern."""
        table, key = self._table(token)
        found = table.get(key)
        if found is None or isinstance(found, Pattern):
            node: _Node[P] = _Node()
            node.best = found
            table[key] = found = node
        return cast(_Node[P], found)

    def end(self, token: str, pattern: Pattern[P]) -> None:
        """A phrase ends with ``token``: where nothing continues it, its pattern is the leaf itself. The first
        phrase to end at a place keeps it: lists put their maskers first."""
        table, key = self._table(token)
        found = table.get(key)
        if found is None:
            table[key] = pattern
        elif isinstance(found, _Node) and found.best is None:
            found.best = pattern


class PhraseIndex(Generic[P]):
    """Leftmost-longest, non-overlapping matching of many phrases over a token list, through a token trie: at
    each position only the phrases that continue with the next token are followed."""

    def __init__(self) -> None:
        self._root: _Node[P] = _Node()

    def add(self, phrase: str, payload: P, cap: bool = False) -> None:
        # one Pattern for all the token sequences the phrase expands to (a verb's forms, its optional words): one
        # each cost every process that judges ~3 MB
        pattern = Pattern(payload, cap, phrase)
        for seq in expand(phrase):
            node = self._root
            for tok in seq[:-1]:
                node = node.child(tok)
            node.end(seq[-1], pattern)

    def extend(self, phrases: Iterable[str], payload: P, cap: bool = False) -> None:
        for p in phrases:
            self.add(p, payload, cap)

    def single_words(self) -> Iterator[tuple[str, P]]:
        """The one-word phrases and their payloads: the parts a compound may be built of (``Reader``)."""
        for key, child in self._root.children.items():
            pattern = child if isinstance(child, Pattern) else child.best
            if pattern is not None:
                yield key, pattern.payload

    def matches(self, tokens: Sequence[Token], lo: int = 0, hi: int | None = None) -> list[Match[P]]:
        hi = len(tokens) if hi is None else hi
        root = self._root.children
        out: list[Match[P]] = []
        i = lo
        while i < hi:
            first = root.get(tokens[i].norm)
            if first is None:
                i += 1
                continue
            found = _longest(first, tokens, i + 1, hi, tokens[i].cap)
            if found is not None:
                end, pat = found
                out.append(Match(i, end, pat.payload, pat.source))
                i = end
            else:
                i += 1
        return out


def _longest(node: _Node[P], tokens: Sequence[Token], j: int, hi: int, cap: bool) -> tuple[int, Pattern[P]] | None:
    """The longest phrase continuing from ``node`` at token ``j`` (gaps take as few tokens as they can)."""
    best: tuple[int, Pattern[P]] | None = None
    if node.best is not None and (cap or not node.best.cap):
        best = (j, node.best)
    if j < hi and node.children:
        child = node.children.get(tokens[j].norm)
        if child is not None:
            found = _longest(child, tokens, j + 1, hi, cap)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
    for limit, gap_node in node.gaps.items():
        for skip in range(limit + 1):
            if j + skip > hi:
                break
            found = _longest_after_gap(gap_node, tokens, j + skip, hi, cap)
            if found is not None:
                if best is None or found[0] > best[0]:
                    best = found
                break
    return best


def _longest_after_gap(node: _Node[P], tokens: Sequence[Token], j: int, hi: int,
                       cap: bool) -> tuple[int, Pattern[P]] | None:
    # After a gap, the next token must match a child (a phrase never ends in a gap).
    if j >= hi:
        return None
    child = node.children.get(tokens[j].norm)
    return None if child is None else _longest(child, tokens, j + 1, hi, cap)
