"""Who can take a stance: the 27 member states and every way the news names them.

The list is data (``actors.yaml``); country names in eight languages come from CLDR through Babel, which is
maintained, rather than being typed by hand. Finding a name is the easy part: whether a mention is an *actor*
(``Hungary blocked``) or only a place, product or origin (``talks in Budapest``, ``German-built tanks``,
``a Dutch-born researcher``) is decided here too, from the words around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.judge.data import load as load_data
from monitor.judge.forms import cldr_names, lemma, vocabulary
from monitor.judge.lexicon import Locatives, PhraseIndex, Token, fold, tokenize
from monitor.judge.offices import Offices, split_served

EU27 = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
        "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
CLDR_LANGUAGES = ("en", "fr", "de", "it", "pl", "es", "nl", "pt")
LOCATIVE = frozenset({
    "in", "at", "to", "near", "outside", "into", "across", "via", "inside", "towards", "toward",
    "within", "throughout", "around", "through", "visiting", "visit", "trip", "w", "we", "do", "z", "ze", "na",
    "nach", "im", "en", "à", "au", "aux", "da", "dal", "dalla", "desde", "hacia", "about", "on",
    "over", "against", "between", "among", "amongst", "under", "beyond",
})
_LOCATIVES = Locatives.of(LOCATIVE, unmarked_too=False)  # English, Polish, German, French, ... in one list
COORDINATORS = frozenset({",", "and", "or", "&", "as", "well", "und", "et", "e", "y", "i", "oraz", "plus", "nor"})
NON_ACTOR_COMPOUNDS = frozenset({
    "built", "made", "born", "based", "owned", "registered", "flagged", "funded", "produced", "designed",
    "manufactured", "speaking", "language", "american", "russian", "style", "era", "trained", "educated",
    "raised", "origin",
})


@dataclass(frozen=True, slots=True)
class ActorEntry:
    codes: tuple[str, ...]
    kind: str  # name | demonym | people | capital | leader | group | block


@dataclass(frozen=True, slots=True)
class Mention:
    codes: tuple[str, ...]
    kind: str
    start: int  # token indexes
    end: int
    text: str
    possessive: bool = False  # "Hungary's", "the Greek proposal": owns the object that follows
    eligible: bool = True  # can hold a stance here (not a venue, product or origin)
    addressee: bool = False  # "Macron told Orbán": the audience, not the speaker
    venue: bool = False


class Actors:
    def __init__(self, data: dict[str, Any]):
        self.index: PhraseIndex[ActorEntry] = PhraseIndex()
        self.surnames: dict[str, tuple[str, ...]] = {}
        self.offices = Offices(str(name) for name in data.get("elsewhere") or ())
        states = data.get("states") or {}
        unknown = set(states) - set(EU27)
        if unknown:
            raise ValueError(f"actors: unknown member state codes {sorted(unknown)}")
        for code in EU27:
            spec = states.get(code) or {}
            names = set(spec.get("names") or ())
            names |= _cldr_names(code)
            entry = ActorEntry((code,), "name")
            for name in names:
                self.index.add(name, entry)
            for key, kind in (("demonyms", "demonym"), ("people", "people"), ("capitals", "capital")):
                for phrase in spec.get(key) or ():
                    self.index.add(phrase, ActorEntry((code,), kind))
            leaders = [split_served(str(leader), f"actors: {code}") for leader in spec.get("leaders") or ()]
            # an included list's case forms ("Donald Tusk | Tuska | Tuskowi") share the dated entry's periods
            dated = {fold(names.split("|")[0]): periods for names, periods in leaders if periods}
            for names, periods in leaders:
                self.offices.add(code, names.split("|"), periods or dated.get(fold(names.split("|")[0]), ()))
                for n, alias in enumerate(a.strip() for a in names.split("|")):
                    if alias:
                        self.index.add(alias, ActorEntry((code,), "leader"))
                    if n and alias.isalpha():  # a surname the list deems safe alone ("Orbán")
                        self.surnames[fold(alias)] = (code,)
        for group in data.get("groups") or ():
            members = tuple(group["members"])
            bad = set(members) - set(EU27)
            if bad:
                raise ValueError(f"actors: group {group['names'][0]!r} has unknown members {sorted(bad)}")
            for name in group["names"]:
                self.index.add(name, ActorEntry(members, "group"))
        for phrase in data.get("not_actors") or ():
            self.index.add(phrase, ActorEntry((), "block"))
        self.government_nouns = frozenset(fold(w) for w in data.get("government_nouns") or ())
        self.act_nouns = frozenset(fold(w) for w in data.get("act_nouns") or ())
        self.demonyms = frozenset(fold(d) for spec in states.values() for d in (spec or {}).get("demonyms") or ())

    @classmethod
    def load(cls, path: str | Path | None = None) -> Actors:
        return _load_actors(str(path) if path else None)

    def find(self, tokens: Sequence[Token], text: str, day: date | None = None) -> list[Mention]:
        """Every mention of a member state, with its role in the sentence decided from context; ``day``, the
        story's date, puts leaders out of office then among the former (``offices.py``)."""
        mentions: list[Mention] = []
        for m in self.index.matches(tokens):
            entry = m.payload
            if entry.kind == "block":
                continue
            if not any(t.cap for t in tokens[m.start : m.end]) and not (entry.kind == "group" and m.end - m.start > 1):
                # proper names are capitalised: "poles", "turkey", "china" are not countries; a group named in
                # several words need not be ("les pays baltes", "los países bálticos")
                continue
            mentions.append(self._classify(tokens, text, m.start, m.end, entry))
        _propagate_venues(tokens, mentions)
        # a leader out of office on the story's date is a mention of nobody (see ``offices.py``)
        return [replace(m, codes=(), eligible=False) if self.offices.away(m, tokens, day) else m for m in mentions]

    def _owns(self, tokens: Sequence[Token], head: int) -> bool:
        """The noun after a possessive or demonym (skipping a couple of adjectives) is an act, not a person."""
        for t in tokens[head : head + 3]:
            if t.norm in self.act_nouns:
                return True
            if t.norm in self.government_nouns:
                return False
        return True

    def _classify(self, tokens: Sequence[Token], text: str, start: int, end: int, entry: ActorEntry) -> Mention:
        nxt = tokens[end].norm if end < len(tokens) else ""
        prev = tokens[start - 1].norm if start > 0 else ""
        prev2 = tokens[start - 2].norm if start > 1 else ""
        surface = text[tokens[start].start : tokens[end - 1].end]
        # An owner ("Hungary's veto", "a Greek proposal") as opposed to a subject ("Latvia's prime minister").
        head = end + 1 if nxt == "'s" else end
        possessive = (nxt == "'s" or entry.kind == "demonym") and self._owns(tokens, head)
        eligible = True
        venue = False
        if entry.kind == "people" and nxt in self.act_nouns:
            possessive = True  # "the Spanish view", "the Dutch proposal": a demonym after all
        if nxt == "-" and end + 1 < len(tokens) and tokens[end + 1].norm in NON_ACTOR_COMPOUNDS:
            eligible = False  # German-built, Dutch-born
        elif entry.kind == "demonym":
            skip = end
            while skip + 1 < len(tokens) and tokens[skip].norm == "-" and tokens[skip + 1].norm in self.demonyms:
                skip += 2  # "a Spanish-Italian paper": both share the noun
            following = [t.norm for t in tokens[skip : skip + 4]]
            gov = next((i for i, w in enumerate(following) if w in self.government_nouns), None)
            # "the Italian government", "Hungarian Prime Minister", "a Greek proposal"; allow one adjective between
            eligible = gov is not None and gov <= 2
            possessive = eligible and self._owns(tokens, skip)
        elif entry.kind in ("name", "capital", "people", "group") and (
            _LOCATIVES.at(tokens, text, start - 1) or (prev in ("the", "a") and _LOCATIVES.at(tokens, text, start - 2))
        ) and not (prev == "in" and prev2 in self.government_nouns) and not (prev == "to" and prev2 == "according"):
            # ("the government in Bratislava" is the government, not a place; "according to Vilnius" a source)
            eligible, venue = False, True
        if after_former(tokens, start):
            eligible = False  # "a former Portuguese prime minister", "former Chancellor Merkel" speak for nobody now
        if start == 0 and (nxt in ("—", "–", "-", "/", "(") or surface.isupper()) and entry.kind in ("capital", "name"):
            eligible = False  # a dateline: "COPENHAGEN —", "ATHENS/NICOSIA —"
        addressee = False
        if eligible and entry.kind != "group":
            addressee = _after_addressee_verb(tokens, start)
        return Mention(entry.codes, entry.kind, start, end, surface, possessive, eligible, addressee, venue)


@cache
def _former_words() -> frozenset[str]:
    """"former", "late" and the multilingual vocabulary's words for it ("бывший", "były", "ehemalig"), as
    lemmas: the rule engine reads actors in every language, so a Polish "były premier" is caught here too."""
    words = (str(w) for ws in (vocabulary().get("former") or {}).values() for w in ws or ())
    own = {"former", "ex", "late", "erstwhile", "formerly", "onetime", "one-time"}
    return frozenset(own | {lemma(fold(w)) for w in words})


def after_former(tokens: Sequence[Token], start: int) -> bool:
    """"former" up to four words back within the phrase: "former Prime Minister", "ex-Chancellor", "former
    Lithuanian foreign minister Gabrielius Landsbergis" (four back from the name)."""
    former = _former_words()
    window = tokens[max(0, start - 4) : start]
    for i in range(len(window) - 1, -1, -1):
        t = window[i]
        if t.norm in former or lemma(t.norm) in former:
            return True
        if t.norm == "served" and i > 0 and window[i - 1].norm in _SERVED_BEFORE:
            return True  # "Kallas, who once served as Estonia's head of government"
        if t.norm != "-" and not any(c.isalnum() for c in t.norm):
            return False
    return False


_SERVED_BEFORE = frozenset({"previously", "formerly", "once", "earlier", "who", "had"})


ADDRESSEE_VERBS = frozenset({
    "told", "tells", "tell", "telling", "urged", "urges", "urge", "urging", "asked", "asks", "ask", "asking",
    "pressed", "presses", "pressing", "warned", "warns", "reminded", "reminds", "assured", "assures", "informed",
    "lobbied", "lobbies", "persuaded", "convinced", "implored", "begged", "met", "meets", "meeting", "visited",
    "visiting", "hosted", "hosting", "phoned", "thanked", "congratulated", "unlike", "alongside", "welcomed",
    "received",
})


DETERMINERS = ("the", "its", "his", "her", "their")


def word_before(tokens: Sequence[Token], start: int, skip: Sequence[str] = DETERMINERS) -> int:
    """The position of the word before ``start``, past any determiners ("accused | the | Hungarian government");
    -1 at the start of the sentence."""
    j = start - 1
    while j >= 0 and tokens[j].norm in skip:
        j -= 1
    return j


def _after_addressee_verb(tokens: Sequence[Token], start: int) -> bool:
    """``told Orbán``, ``urged Hungary's government``, ``called on Slovakia``: the state is spoken to."""
    j = word_before(tokens, start)
    if j < 0:
        return False
    if tokens[j].norm in ADDRESSEE_VERBS:
        return True
    return j >= 1 and tokens[j].norm == "on" and tokens[j - 1].norm in ("called", "calls", "call", "calling")


def _propagate_venues(tokens: Sequence[Token], mentions: list[Mention]) -> None:
    """"in Berlin and Paris": the second place is a venue too; "visited Athens and Nicosia": both audiences."""
    for i in range(1, len(mentions)):
        prev, cur = mentions[i - 1], mentions[i]
        between = [t.norm for t in tokens[prev.end : cur.start]]
        if not (between and all(w in COORDINATORS for w in between)) or not cur.eligible:
            continue
        followed = tokens[cur.end].norm if cur.end < len(tokens) else ""
        if prev.venue and cur.kind in ("name", "capital") and followed != "'s":  # "in Riga, Latvia's PM said"
            mentions[i] = replace(cur, eligible=False, venue=True)
        elif prev.addressee and not cur.addressee and not (
                between == [","] and prev.start > 0 and tokens[prev.start - 1].norm in ("unlike", "like")):
            # (not "Unlike Hungary, Poland backs ...": the comparison ends at the comma, its subject follows)
            mentions[i] = replace(cur, eligible=True, addressee=True, venue=False)


@lru_cache(maxsize=4)
def _load_actors(path: str | None) -> Actors:
    if path is None:
        return Actors(load_data(resources.files("monitor.judge").joinpath("actors.yaml"), "monitor/judge/actors.yaml"))
    return Actors(load_data(Path(path), path))


@cache
def _cldr_names(code: str) -> frozenset[str]:
    # CLDR's names as the build stored them with the inflected forms (Babel's locales cost ~10 MB per process).
    return frozenset(name for lang in CLDR_LANGUAGES if (name := cldr_names(lang, (code,)).get(code)))


@cache
def _cldr_display(code: str) -> str:
    return cldr_names("en", (code,)).get(code, code)


def country_name(code: str) -> str:
    return _cldr_display(code)


def member_states(codes: Iterable[str]) -> tuple[str, ...]:
    """Member-state codes as a user typed them (``hu``, ``SK``), upper-cased and de-duplicated; a ``ValueError``
    naming the first one that is not an EU member state."""
    upper = tuple(str(c).strip().upper() for c in codes)
    bad = [c for c in upper if c not in EU27]
    if bad:
        raise ValueError(f"{bad[0]!r} is not an EU member state code (e.g. IT, PL, GR)")
    return tuple(dict.fromkeys(upper))


__all__ = ["EU27", "Actors", "Mention", "country_name", "tokenize"]
