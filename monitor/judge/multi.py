"""Reading a story in any of 26 languages: which member states it names, where, and next to which concepts.

The rule engine (``engine.py``) reads English, French, German, Italian, Spanish and Polish clause by clause. Real
coverage comes in two dozen more languages and inflects names the rules' lists never see. This module is the
breadth that complements that depth: every token is reduced to its lemma through the shipped forms table
(``forms.py``), as the story's language reads it, then matched against the member states (CLDR names in every
language, capitals, leaders in Latin, Cyrillic and Greek script, demonyms next to a government noun), Russia's
names, and the concepts of ``multilingual.yaml`` (sanctions, talks, vetoes, expulsions, support, opposition,
negation, conditions, ...). What a mention means is left to the learned decider (``decider.py``), which reads these
facts in every language the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache, partial
from typing import Any

from monitor.judge.actors import EU27, Actors, Mention, after_former
from monitor.judge.forms import cldr_names, lemma, lemmas, lowercase_lemma, read_alike, vocabulary
from monitor.judge.forms import tables as forms_tables
from monitor.judge.language import script
from monitor.judge.lexicon import Locatives, PhraseIndex, Token, fold, strip_marks, tokenize, words_regex
from monitor.judge.offices import Offices, split_served

# The concepts of ``multilingual.yaml`` in the order they are indexed: where two share a phrase, the first one
# indexed owns it (a test keeps this list and the file's concepts the same).
CONCEPTS = ("sanction", "talks", "peace", "block", "expel", "diplomat", "phone", "support", "oppose", "criticise",
            "negation", "condition", "retaliate", "defer", "interest", "solidarity", "contrast", "say", "lift",
            "toughen", "energy", "offtopic", "third", "group", "nocomment")
# Word endings that make a capital a place, in languages that put the locative in a suffix ("Budapesten",
# "Helsingissä", "Tallinnas", "Vilniuje", "Rīgā"); prepositions do it elsewhere (``locatives``).
VENUE_ENDINGS = {"hu": ("ban", "ben", "on", "en", "ön", "n"), "fi": ("ssa", "ssä", "lla", "llä"),
                 "et": ("s",), "lt": ("je", "e"), "lv": ("ā",)}


@dataclass(frozen=True, slots=True)
class StateMention:
    codes: tuple[str, ...]
    kind: str  # name | capital | leader | demonym | people | group
    start: int
    end: int
    venue: bool  # after a locative word or in a locative case: a place, not an actor
    possessive: bool
    addressee: bool  # after "told", "urged", "called on": spoken to
    eligible: bool  # the rule engine's actor reading (English and the five rule languages), else True


@dataclass
class Read:
    """One sentence (or the headline, ``index`` 0) as the decider sees it."""

    index: int
    text: str
    tokens: list[Token]
    lemmas: list[str]
    states: list[StateMention]
    russia: list[int]
    concepts: list[tuple[str, int, int]]
    eu: int
    war: int


class Reader:
    """Built once per process: indexes compile in ~0.2 s."""

    def __init__(self, actors: Actors):
        vocab = vocabulary()
        self.actors = actors
        self.states: PhraseIndex[tuple[tuple[str, ...], str, str]] = PhraseIndex()
        languages = list(vocab["languages"])
        # CLDR's name in each language, then the names it lacks (``names`` in multilingual.yaml)
        names = [(lang, code, name) for lang in languages for code, name in cldr_names(lang, EU27).items()]
        names += [(lang, code, str(phrase)) for code, by_lang in (vocab.get("names") or {}).items()
                  for lang, phrases in (by_lang or {}).items() for phrase in phrases or ()]
        for lang, code, name in names:
            self._add(self.states, _without_article(name), ((code,), "name", ""), cap=True, langs=("", lang))
        readings = ("", *forms_tables().own)  # the shared reading and each language's own (see forms.lemma)
        # every shared reading before any language's own: the first payload indexed under a key wins it, and a
        # language's reading of one word must not take the key another word is read as everywhere ("italien")
        # Demonyms have their own index: a lowercase adjective must not lose its key to a capitalised name that
        # folds the same (French "italien" and German "Italien", Hungarian "francia" and Italian "Francia").
        self.demonyms: PhraseIndex[tuple[tuple[str, ...], str, str]] = PhraseIndex()
        own = Offices(actors.offices.elsewhere)
        leaders: dict[str, list[str]] = {}
        for code, phrases in (vocab.get("leaders") or {}).items():
            for phrase in phrases or ():
                name, periods = split_served(str(phrase), f"multilingual.yaml: {code}")
                own.add(code, (name,), periods)
                leaders.setdefault(code, []).append(name)
        self.offices = actors.offices.merge(own)
        for pass_readings in (("",), readings):
            for key, kind in (("capitals", "capital"), ("leaders", "leader"), ("demonyms", "demonym")):
                for code, phrases in (leaders if kind == "leader" else vocab.get(key) or {}).items():
                    for phrase in phrases or ():
                        self._add(self.demonyms if kind == "demonym" else self.states, str(phrase), ((code,), kind),
                                  cap=kind != "demonym", langs=pass_readings, tagged=True)
        for group in vocab.get("groups") or ():
            for lang, phrases in (group.get("names") or {}).items():
                for phrase in phrases or ():
                    self._add(self.states, str(phrase), (tuple(group["members"]), "group", ""), langs=("", lang))
        # a phrase that holds a state's name without meaning it ("bécsi egyezmény", the Vienna Convention) takes
        # the words first: the index prefers the match that starts earlier, and ``read`` reads no state there
        for lang, phrases in (vocab.get("not_actors") or {}).items():
            for phrase in phrases or ():
                self._add(self.states, str(phrase), ((), "block", ""), langs=("", lang))
        # Russia's names are proper nouns, read in every language; the concepts are common words, read only in
        # the story's own language (folded, Polish "aż" is Hungarian "az", Croatian "rat" English "rat").
        self.russia: PhraseIndex[tuple[str, str]] = PhraseIndex()
        for lang in languages:
            for name in cldr_names(lang, ("RU",)).values():
                self._add(self.russia, name, ("russia", ""), cap=False, langs=("", lang))
        for lang, phrases in (vocab.get("russia") or {}).items():
            for phrase in phrases or ():
                self._add(self.russia, str(phrase), ("russia", ""), langs=("", lang))
        self._vocab = vocab
        self._languages = frozenset(languages)
        self.compounds: dict[str, Callable[[str], str]] = {}  # per language: compound word -> concept
        self.by_lang: dict[str, PhraseIndex[tuple[str, str]]] = {}  # built on first use: a worker that only
        # ever sees English news never holds the other 25 languages' concepts
        self.government = frozenset(lemma(t.norm, reading) for lang, phrases in
                                    (vocab.get("government_nouns") or {}).items()
                                    for p in phrases or () for t in tokenize(str(p)) for reading in ("", lang))
        listed = {lang: [str(w) for w in words or ()] for lang, words in (vocab.get("locatives") or {}).items()}
        # each language's own and English's ("in Brussels" is written in every language's news)
        self.locatives = {lang: Locatives.of([*listed.get(lang, ()), *listed.get("en", ())], unmarked_too=True)
                          for lang in {*listed, *languages}}
        self._russia_re = _russia_pattern(vocab, languages)
        # languages that drop the same endings share one table (seven drop none)
        by_cuts: dict[tuple[tuple[str, ...], bool], dict[str, tuple[str, ...]]] = {}
        self.surname_forms: dict[str, tuple[dict[str, tuple[str, ...]], frozenset[str]]] = {}
        # the Latin surnames actors.yaml deems safe alone; in Greek, the one-word Greek ones of ``leaders``, since
        # Greek declines its own names ("Μητσοτάκης", "του Μητσοτάκη"; "Τσίπρας", "του Τσίπρα")
        greek = {fold(p): (code,) for code, phrases in leaders.items()
                 for p in phrases if " " not in p and script(p) == "greek"}
        for lang, spec in (vocab.get("name_endings") or {}).items():
            cuts = tuple(sorted({fold(str(c)) for c in spec.get("cut") or ()}, key=lambda c: (-len(c), c)))
            names = greek if lang == "el" else actors.surnames
            if (cuts, lang == "el") not in by_cuts:
                by_cuts[cuts, lang == "el"] = _surname_stems(names, cuts)
            self.surname_forms[lang] = (by_cuts[cuts, lang == "el"],
                                        frozenset(fold(str(e)) for e in spec.get("add") or ()))

        self.particles = {lang: frozenset(fold(str(w)) for w in words or ())
                          for lang, words in (vocab.get("separable_particles") or {}).items()}

    def mentions_russia(self, text: str) -> bool:
        """The fast path's question in every language and case form ("Oroszországgal", "Венгрии" aside)."""
        return bool(self._russia_re.search(_fold_text(text[:4000])))

    @staticmethod
    def _add(index: PhraseIndex[Any], phrase: str, payload: Any, cap: bool = False,
             langs: tuple[str, ...] = ("",), tagged: bool = False) -> None:
        """Index the phrase as each of ``langs`` reads it ("" the shared reading), once per distinct reading.
        ``tagged``: the payload gains the reading's language, and ``read`` takes a reading other than the shared
        one only in a story of that language. The capitals, leaders and demonyms lists mix languages, and one
        language's reading of another's word is a third word: Czech reads Hungarian "dán" (Danish) as "dát"
        (give), whose lemma is Dutch "dat" (that)."""
        seen: set[str] = set()
        words = [t.norm for t in tokenize(phrase)]
        for lang in langs:
            if lang and "" in langs and all(read_alike(w, lang) for w in words):
                continue  # its reading is the shared one, already indexed (a saving at build time only)
            seq = [_escape(t) for t in lemmas(phrase, lang, cached=False)]
            key = " ".join(seq)
            if seq and all(seq) and key not in seen:
                seen.add(key)
                value = (*payload, lang) if tagged else payload
                index.add(key, _PAYLOADS.setdefault(value, value), cap)

    def read(self, index: int, text: str, lang: str, tokens: list[Token] | None = None,
             rule_mentions: list[Mention] | None = None, day: date | None = None) -> Read:
        """``day``: the story's date, which puts leaders out of office then among the former (``offices.py``)."""
        tokens = tokens if tokens is not None else tokenize(text)
        if lang == "ga":
            tokens = [_unmutated(text, t) if not t.cap else t for t in tokens]
        lemmatised = [Token(lemma(t.norm, lang) if t.cap else lowercase_lemma(t.norm, lang), t.start, t.end, t.cap)
                      for t in tokens]
        lems = [t.norm for t in lemmatised]
        states: list[StateMention] = []
        found = self.states.matches(lemmatised)
        # a phrase that names no state ("Convenția de la Viena") blocks the rule engine's reading of its words
        # too: its lists hold the Spanish "Viena" and not the Romanian convention
        taken: set[int] = {i for m in found if m.payload[1] == "block" for i in range(m.start, m.end)}
        # The rule engine's own reading first where it has one (it knows venues, owners and addressees).
        for m in rule_mentions if rule_mentions is not None else self.actors.find(tokens, text, day):
            if taken.intersection(range(m.start, m.end)):
                continue
            states.append(StateMention(m.codes, m.kind, m.start, m.end, m.venue, m.possessive, m.addressee,
                                       m.eligible))
            taken.update(range(m.start, m.end))
        ruled = len(states)  # the rule engine's mentions come with leaders out of office already put aside
        locatives = self.locatives.get(lang) or self.locatives["en"]
        endings = VENUE_ENDINGS.get(lang, ())
        loose: list[tuple[int, int, tuple[str, ...]]] = []
        for m in found + self.demonyms.matches(lemmatised):
            if taken.intersection(range(m.start, m.end)):
                continue
            codes, kind, reading = m.payload
            if reading and reading != lang:
                continue  # another language's reading of the word (see ``_add``)
            if kind == "demonym" and not self._governs(lems, m.start, m.end):
                loose.append((m.start, m.end, codes))  # an origin, unless a governed demonym's list takes it in
                continue  # "венгерский газ", "maďarské víno": an origin, not the government
            # the word before, across a hyphen: Maltese writes preposition and article onto the name ("fil-Ġermanja")
            before = m.start - 2 if m.start > 1 and tokens[m.start - 1].norm == "-" else m.start - 1
            # a place is a name, a capital or a group of them; a leader or a demonym after a preposition is still
            # the person or the government ("на Радев", of Radev; "w węgierskim rządzie", in the Hungarian cabinet)
            at = kind in ("capital", "name", "group") and locatives.at(tokens, text, before)
            surface = tokens[m.end - 1].norm
            venue = at or (kind in ("capital", "name") and surface != lems[m.end - 1]
                                          and surface.endswith(endings) and len(endings) > 0
                                          and lang in VENUE_ENDINGS)
            # "бывший премьер", "były premier": a former office-holder, as the rule engine reads its own mentions
            states.append(StateMention(codes, kind, m.start, m.end, venue, False, False,
                                       not after_former(tokens, m.start)))
            taken.update(range(m.start, m.end))
        if loose and states:
            states += _listed_demonyms(states, loose, lems, list_glue(lang), tokens)
        if lang in self.surname_forms:
            states += self._surnames(tokens, taken, *self.surname_forms[lang])
        # the reader's own: a leader out of office on the story's date is a mention of nobody (see ``offices.py``)
        states[ruled:] = [replace(s, codes=(), eligible=False) if self.offices.away(s, tokens, day) else s
                          for s in states[ruled:]]
        states.sort(key=lambda s: s.start)
        russia: list[int] = []
        concepts: list[tuple[str, int, int]] = []
        eu = war = 0
        matches = self.russia.matches(lemmatised)
        taken_ru = {i for m in matches for i in range(m.start, m.end)}
        words = self._concepts(lang if lang in self._languages else "en")
        if lang in self.particles:
            lemmatised = self._rejoin(tokens, lemmatised, lang, words)
            lems = [t.norm for t in lemmatised]
        matches += [m for m in words.matches(lemmatised) if m.start not in taken_ru]
        for m in matches:
            key, concept = m.payload
            if key == "russia":
                russia.append(m.start)
            elif key == "eu":
                eu += 1
            elif key == "war":
                war += 1
            else:
                concepts.append((concept, m.start, m.end))
        if lang in COMPOUNDING:
            covered = {i for m in matches for i in range(m.start, m.end)}
            compound = self._compound_reader(lang, words)
            n = len(concepts)
            for i, t in enumerate(lemmatised):
                if i not in covered and len(t.norm) >= COMPOUND_PART + 3:
                    found = compound(t.norm)
                    if found:
                        concepts.append((found, i, i + 1))
            if len(concepts) > n:  # the index's matches come in text order; a compound's go among them
                concepts.sort(key=lambda c: c[1])
        return Read(index, text, tokens, lems, states, russia, concepts, eu, war)

    def _rejoin(self, tokens: list[Token], lemmatised: list[Token], lang: str,
                words: PhraseIndex[tuple[str, str]]) -> list[Token]:
        """German and Dutch main clauses split a verb from its particle ("Ungarn lehnt die Sanktionen ab"): a
        particle that ends its clause is joined again to the first verb before it, in the same clause, whose
        joined form is one of the language's concept words. The verb's own reading goes ("spricht sich ... aus"
        is not "sprechen", talks); the particle is left as a word of no concept."""
        particles, glue = self.particles[lang], list_glue(lang)
        out = lemmatised
        for i, t in enumerate(lemmatised):
            if t.norm not in particles or i == 0:
                continue
            after = lemmatised[i + 1].norm if i + 1 < len(lemmatised) else "."
            if after[:1].isalnum() and after not in glue:
                continue  # not the clause's end: "ab Montag", "auf der Tagung"
            start = i - 1
            while start > 0 and lemmatised[start - 1].norm[:1].isalnum() and i - start < REJOIN_SPAN:
                start -= 1
            for j in range(start, i):
                verb = lemmatised[j]
                if verb.cap and j > 0:
                    continue  # a German noun, not a verb
                # the particle before the verb as written ("aus" + "weist": "ausweist", a form of "ausweisen"),
                # or before its lemma, where the simple verb is itself a concept word ("aus" + "sprechen")
                for joined in dict.fromkeys((lemma(t.norm + tokens[j].norm, lang), lemma(t.norm + verb.norm, lang))):
                    found = words.matches([Token(joined, verb.start, verb.end, False)])
                    if found and found[0].payload[0] == "concept":
                        break
                else:
                    continue
                if out is lemmatised:
                    out = list(lemmatised)
                out[j] = Token(joined, verb.start, verb.end, verb.cap)
                break
        return out

    def _compound_reader(self, lang: str, words: PhraseIndex[tuple[str, str]]) -> Callable[[str], str]:
        """``_compound`` over the language's one-word concept words long enough to be read inside a compound,
        remembering the words it has read: news repeats its compounds, and each costs a few dozen lookups."""
        reader = self.compounds.get(lang)
        if reader is None:
            parts = {key: payload[1] for key, payload in words.single_words()
                     if payload[0] == "concept" and payload[1] not in _NOT_PARTS and len(key) >= COMPOUND_PART
                     and key.isalpha()}
            starts = frozenset(key[:3] for key in parts)
            reader = self.compounds[lang] = lru_cache(maxsize=COMPOUND_CACHE)(partial(_compound, parts=parts,
                                                                                    starts=starts))
        return reader

    def _concepts(self, lang: str) -> PhraseIndex[tuple[str, str]]:
        index = self.by_lang.get(lang)
        if index is None:
            index = PhraseIndex()
            vocab = self._vocab
            for key in ("eu", "war"):
                for phrase in (vocab.get(key) or {}).get(lang) or ():
                    self._add(index, str(phrase), (key, ""), langs=(lang,))
            concepts = vocab.get("concepts") or {}
            for concept in CONCEPTS:
                for phrase in (concepts.get(concept) or {}).get(lang) or ():
                    self._add(index, str(phrase), ("concept", concept), langs=(lang,))
            self.by_lang[lang] = index
        return index

    @staticmethod
    def _surnames(tokens: list[Token], taken: set[int], stems: dict[str, tuple[str, ...]],
                  endings: frozenset[str]) -> list[StateMention]:
        """Leaders named alone in a case form the lemmatisers do not know ("Orbánnal", "Niinistön", "Babišovi",
        "Nausėdos"): a capitalised word that is a known surname's stem and one of the language's endings."""
        found = []
        for i, t in enumerate(tokens):
            if not t.cap or i in taken or len(t.norm) < 4:
                continue
            norm = t.norm
            for cut in range(len(norm) - 1, max(2, len(norm) - SURNAME_END) - 1, -1):
                codes = stems.get(norm[:cut])
                if codes is not None and norm[cut:] in endings:
                    found.append(StateMention(codes, "leader", i, i + 1, False, False, False,
                                              not after_former(tokens, i)))
                    break
        return found

    def _governs(self, lems: list[str], start: int, end: int) -> bool:
        """A government noun right after the adjective ("magyar kormány") or right before it, where the
        language puts adjectives after the noun ("Governo português", "le ministre letton")."""
        return any(w in self.government for w in lems[end : end + 3]) or any(
            w in self.government for w in lems[max(0, start - 2) : start])


# Languages that write compounds as one word, or inflect them with endings the lemmatisers do not know for a
# compound: German "Sanktionsverschärfung", Swedish "sanktionspaketet", Danish "sanktionspakken", Estonian
# "sanktsioonipaketiga", Hungarian "szankciócsomagot", Finnish "pakotepaketin".
COMPOUNDING = frozenset({"de", "nl", "sv", "da", "fi", "et", "hu"})
COMPOUND_CACHE = 1 << 12  # long words remembered per language and process (~0.5 MB at most)
COMPOUND_END = 4  # the longest case ending read after a compound's head: Finnish "rauhan|neuvottelu|ja" (peace talks)
COMPOUND_PART = 6  # the shortest concept word read inside a compound: "pakote" (Finnish sanction), not "paket"


# Function words of the topic, whose long forms start ordinary words: Dutch "belang" (interest) in "belangrijk"
# (important), "uitspraak" and "verklaring" in any statement
_NOT_PARTS = frozenset({"say", "negation", "condition", "contrast", "nocomment", "interest"})


def _compound(word: str, parts: Mapping[str, str], starts: frozenset[str]) -> str:
    """The concept of a compound's first part, else of its last: "szankció|csomagot", "Sanktions|verschärfung"
    (the modifier names the topic), "Öl|embargo", "Friedens|gespräche" (the head, perhaps with a case ending).
    The longest part wins; what is left over must be a word's worth (three letters; four before a head), so
    "verboten" is not "Verbot" (a ban) inflected, nor "verantwortlich" (responsible) an "Antwort" (a reply).
    ``starts``: the parts' first three letters, which rule out most places before a lookup."""
    if word[:3] in starts:
        for cut in range(len(word) - 3, COMPOUND_PART - 1, -1):
            found = parts.get(word[:cut])
            if found:
                return found
    for cut in range(4, len(word) - COMPOUND_PART + 1):
        if word[cut : cut + 3] not in starts:
            continue
        head = word[cut:]
        for end in range(min(COMPOUND_END, len(head) - COMPOUND_PART) + 1):
            found = parts.get(head[: len(head) - end])
            if found:
                return found
    return ""


# One tuple per distinct payload, shared by every phrase that carries it: ~35,000 index entries name 27 states in
# a handful of kinds, and a tuple each cost every judging process 0.3 MB.
_PAYLOADS: dict[Any, Any] = {}
_PUNCT_GLUE = frozenset({",", "&", "-"})
REJOIN_SPAN = 16  # tokens from a split verb to its particle ("lehnt die neuen Sanktionen der EU gegen Russland ab")


@cache
def list_glue(lang: str) -> frozenset[str]:
    """The language's list conjunctions (``conjunctions`` in ``multilingual.yaml``), as the reader's lemmas."""
    table = vocabulary().get("conjunctions") or {}
    phrases = table.get(lang) or table.get("en") or ()
    return _PUNCT_GLUE.union(*(lemmas(str(p), lang) for p in phrases))


def _listed_demonyms(states: list[StateMention], loose: list[tuple[int, int, tuple[str, ...]]], lems: list[str],
                     glue: frozenset[str], tokens: list[Token]) -> list[StateMention]:
    """Demonyms listed with a governed one share its noun: "les dirigeants français, allemand, russe et ukrainien",
    "польский, венгерский и словацкий премьеры". Only commas and the language's list conjunctions may stand
    between two members; a loose demonym joins the list from either side, and the list grows until no more
    join."""
    # the rule engine reads "les dirigeants français" as a name: any eligible state before or after will do
    governed = [s for s in states if s.eligible and not s.venue and s.kind in ("demonym", "name", "people")]
    found: list[StateMention] = []
    pending = sorted(loose)
    grew = True
    while grew and pending and governed:
        grew = False
        for item in list(pending):
            start, end, codes = item
            for g in governed:
                lo, hi = (g.end, start) if g.end <= start else (end, g.start) if end <= g.start else (0, -1)
                if 0 < hi - lo <= 3 and all(w in glue for w in lems[lo:hi]):
                    mention = StateMention(codes, "demonym", start, end, False, False, False,
                                           not after_former(tokens, start))
                    found.append(mention)
                    governed.append(mention)
                    pending.remove(item)
                    grew = True
                    break
    return found


def _without_article(name: str) -> str:
    """A CLDR name less the article it starts with: Irish and Maltese write it ("an Ungáir", "l-Ungerija"), but
    the article changes with the case and the preposition before it ("na hUngáire", "fil-Ġermanja"), while the
    name itself is what stays. Only a lowercase first word before a capitalised one is an article."""
    m = re.match(r"[^\W\d]+(?:-|\s+)(?=[^\W\d_]*[A-ZÀ-ÞĀ-ſ])", name)
    if m and name[:1].islower():
        rest = name[m.end():]
        if rest[:1].isupper() or (len(rest) > 1 and rest[:1].islower() and rest[1:2].isupper()):
            return rest
    return name


def _unmutated(text: str, token: Token) -> Token:
    """An Irish proper noun after an initial mutation keeps its capital after the prefix ("hÉireann",
    "nGearmáin", "tSeicia", "bhFrainc"): the token is the name, capitalised, without the prefix."""
    word = text[token.start : token.end]
    for prefix in ("bh", "h", "n", "t", "m", "b", "d", "g"):
        if word.startswith(prefix) and word[len(prefix) : len(prefix) + 1].isupper():
            return Token(fold(word[len(prefix) :]), token.start, token.end, True)
    return token


SURNAME_END = 5  # the longest case ending read on a surname (Hungarian "eknek", Slovak "ovmu")


def _surname_stems(surnames: dict[str, tuple[str, ...]], cuts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Stem -> state for the languages of ``name_endings`` that drop ``cuts`` (longest first): each surname as
    written and, where it ends in one of them, without it; stems shorter than three letters are left out."""
    stems: dict[str, tuple[str, ...]] = {}
    for name, codes in surnames.items():
        if len(name) < 4:
            continue
        stems.setdefault(name, codes)
        cut = next((c for c in cuts if name.endswith(c)), "")
        if cut and len(name) - len(cut) >= 3:
            stems.setdefault(name[: -len(cut)], codes)
    return stems


def _fold_text(text: str) -> str:
    """``fold`` for a whole text at once (``fold`` caches per token)."""
    return strip_marks(text.lower())


def _russia_pattern(vocab: dict[str, Any], languages: list[str]) -> re.Pattern[str]:
    """Every stem and form the forms table has for Russia's names, as one regular expression over folded text."""
    phrases = {fold(str(p)) for ps in (vocab.get("russia") or {}).values() for p in ps or ()}
    phrases |= {fold(n) for lang in languages for n in cldr_names(lang, ("RU",)).values()}
    names = {p for p in phrases if " " not in p}
    stems, whole, own = forms_tables()[:3]
    lems = {lemma.__wrapped__(n, lang) for n in names for lang in ("", *own)}  # one-off: not through the cache
    # phrases of several words ("Nord Stream") as written: a story about the pipeline alone is about Russia
    alternatives = phrases | {p.replace(" ", "-") for p in phrases} | lems
    alternatives |= {stem for stem, entries in stems.items() if any(lem in lems for lem, _ in entries)}
    alternatives |= {form for table in (whole, *own.values()) for form, lem in table.items() if lem in lems}
    return re.compile(words_regex((a for a in alternatives if len(a) >= 3), after=""))


def _escape(token: str) -> str:
    """A lemma as a literal token in the phrase syntax (which gives meaning to ``~``, ``?``, ``|`` and ``_3``)."""
    if token.startswith("_") or any(c in token for c in "~?|()"):
        return ""
    return token


@lru_cache(maxsize=4)
def reader_for(actors: Actors) -> Reader:
    return Reader(actors)
