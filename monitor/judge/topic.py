"""A topic: the lexicon that makes the generic judge about one subject, compiled from YAML.

The engine knows only roles (actor, object, polarity, predicate, condition, speech...); which words fill them is
data in ``topics/<name>.yaml``, so analysts can extend the cues without touching code and a config can add
topics of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.judge.data import DataError
from monitor.judge.data import load as load_data
from monitor.judge.lexicon import PhraseIndex, expand, fold, words_regex

DIALOGUE, PRESSURE = "D", "S"
DEFAULT_TOPIC = "eu-russia-dialogue"


@dataclass(frozen=True, slots=True)
class Cue:
    role: str  # object | polarity | predicate | descriptor | clause | neutral
    value: str = ""  # object type (D/S) or descriptor label
    sign: int = 1
    generic: bool = False  # an object that needs a Russian reference nearby ("talks" vs "talks with Moscow")
    strict: bool = False  # ... in its own sentence ("measures", "peace": too common elsewhere)
    implicit: bool = False  # a negative word that stands for "against pressure" when no object is in sight


def _ascii(name: str) -> str:
    """"Moskwą" -> "Moskwa": keeps the capital letters that ``fold`` would lower."""
    return "".join(c if fold(c) == c.lower() else fold(c).upper() if c.isupper() else fold(c) for c in name)


class TopicError(ValueError):
    pass


class Topic:
    def __init__(self, data: dict[str, Any], source: str = "<topic>"):
        try:
            self.name: str = str(data["name"])
            self.label: str = str(data.get("label") or self.name)
            self.version: str = str(data.get("version", 1))
            # the languages its cues are written in: elsewhere the rules' silence means nothing
            self.languages: frozenset[str] = frozenset(str(x) for x in data.get("languages") or ("en",))
            target_names = list(data["target"]["names"])
        except (KeyError, TypeError) as exc:
            raise TopicError(f"{source}: missing {exc}") from None
        _check_groups(data, source)
        self.source = source

        # A plain regular expression for the fast path: most news never mentions Russia at all.
        self.target_re = re.compile(words_regex(n for name in target_names for n in (name, _ascii(name))))
        # Common nouns that only ever mean Russia's side ("shadow fleet"): no capital letter required.
        target_terms = list(data["target"].get("terms") or ())
        self.target_terms_re = _lower_words(target_terms)
        # Words that bring the topic to mind without naming the target ("sanctions", "Kyiv", "hawkish"): a story
        # with neither these nor the target is not judged at all (the fast path for most news).
        anchors = list(data.get("anchors") or ())
        self.anchors_re = _lower_words(anchors)
        self.first_names = frozenset(fold(n) for n in data["target"].get("first_names") or ())
        self.target_surnames = frozenset(seq[-1] for name in target_names for seq in expand(name) if len(seq) == 1)
        self.target: PhraseIndex[str] = PhraseIndex()
        self.target.extend(target_names, "target", cap=True)
        self.target.extend(target_terms, "target")
        target_tokens = {seq[-1] for name in target_names for seq in expand(name)}

        self.third_parties: PhraseIndex[str] = PhraseIndex()
        self.third_parties.extend(data.get("third_parties") or (), "third", cap=True)

        rel = data.get("relevance") or {}
        self.relevance: PhraseIndex[tuple[str, float]] = PhraseIndex()
        self.relevance.extend(rel.get("eu") or (), ("eu", 1.0))
        for weight, phrases in (rel.get("topic") or {}).items():
            self.relevance.extend(phrases or (), ("topic", float(weight)))
        self.relevance.extend(rel.get("off_topic") or (), ("off", 1.0))

        self.cues: PhraseIndex[Cue] = PhraseIndex()
        # Neutral phrases first: at equal length the first added wins, and they exist to mask look-alikes.
        self.cues.extend(data.get("neutral") or (), Cue("neutral"))
        objects = data.get("objects") or {}
        strict = set(data.get("needs_russia_in_sentence") or ())
        for key, kind, sign in (("dialogue", DIALOGUE, 1), ("pressure", PRESSURE, 1),
                                ("against_dialogue", DIALOGUE, -1), ("against_pressure", PRESSURE, -1)):
            for phrase in objects.get(key) or ():
                generic = not any(set(seq) & target_tokens for seq in expand(phrase))
                self.cues.add(phrase, Cue("object", kind, sign, generic=generic, strict=generic and phrase in strict))
        implicit = set(data.get("implicit_against_pressure") or ())
        polarity = data.get("polarity") or {}
        for phrase in polarity.get("negative") or ():
            self.cues.add(phrase, Cue("polarity", sign=-1, implicit=phrase in implicit))
        self.cues.extend(polarity.get("positive") or (), Cue("polarity", sign=1))
        predicates = data.get("predicates") or {}
        self.cues.extend(predicates.get("negative") or (), Cue("predicate", sign=-1))
        self.cues.extend(predicates.get("positive") or (), Cue("predicate", sign=1))
        descriptors = data.get("descriptors") or {}
        for label in ("hardline", "pro_dialogue"):
            self.cues.extend(descriptors.get(label) or (), Cue("descriptor", label))
        self.cues.extend(data.get("clause_breaks") or (), Cue("clause"))
        self.cues.extend(data.get("disputes") or (), Cue("dispute"))

        # "cond": a condition (makes a pro-dialogue reading mixed); "question": blocks like one, nothing more.
        self.conditions: PhraseIndex[str] = PhraseIndex()
        self.conditions.extend(data.get("neutral") or (), "")
        self.conditions.extend(data.get("conditions") or (), "cond")
        self.conditions.extend(data.get("questions") or (), "question")
        self.hedges: PhraseIndex[bool] = PhraseIndex()
        self.hedges.extend(data.get("hedges") or (), True)
        self.speech: PhraseIndex[bool] = PhraseIndex()
        self.speech.extend(data.get("speech") or (), True)
        reactions = data.get("reactions") or {}
        self.reactions: PhraseIndex[int] = PhraseIndex()
        self.reactions.extend(reactions.get("against") or (), -1)
        self.reactions.extend(reactions.get("along") or (), 1)
        # nouns that stand for the act the text told before ("opposed the decision"): see Judge._act_anaphora
        self.act_anaphora: PhraseIndex[bool] = PhraseIndex()
        self.act_anaphora.extend(data.get("act_anaphora") or (), True)
        # subjects that are no state, whose wishes a speaker reports ("others want to strengthen them")
        self.other_subjects: PhraseIndex[bool] = PhraseIndex()
        self.other_subjects.extend(data.get("other_subjects") or (), True)
        self.anaphora: PhraseIndex[str] = PhraseIndex()
        self.anaphora.extend(data.get("anaphora") or (), "one")
        self.anaphora.extend(data.get("plural_anaphora") or (), "plural")

    def mentions_target(self, text: str) -> bool:
        """The fast path's question: does this text refer to the target at all?"""
        if self.target_re.search(text):
            return True
        return self.target_terms_re is not None and self.target_terms_re.search(text.lower()) is not None

    def anchored(self, text: str) -> bool:
        """Does ``text`` hold a word that brings the topic to mind (True when the topic lists none)?"""
        return self.anchors_re is None or self.anchors_re.search(text.lower()) is not None

    @classmethod
    def load(cls, name_or_path: str | None = None) -> Topic:
        return _load_topic(name_or_path or DEFAULT_TOPIC)


def _locate(name_or_path: str) -> tuple[Any, str]:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path, str(path)
    resource = resources.files("monitor.judge").joinpath("topics", f"{name_or_path}.yaml")
    if not resource.is_file():
        raise TopicError(f"unknown topic {name_or_path!r} (built in: {', '.join(builtin_topics())})")
    return resource, f"monitor/judge/topics/{name_or_path}.yaml"


def builtin_topics() -> list[str]:
    """Topic files in the package; ``name.lang.yaml`` files are parts included by a topic, not topics."""
    folder = resources.files("monitor.judge").joinpath("topics")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml") and p.name.count(".") == 1)


def topic_header(name_or_path: str | None = None) -> tuple[str, str]:
    """A topic's name (what judgements are stored under) and label, without compiling its lexicons: reading the
    YAML takes a tenth of the time building a ``Topic`` does, and reports and exports need only these two."""
    data, source = _read(name_or_path or DEFAULT_TOPIC)
    try:
        name = str(data["name"])
    except (KeyError, TypeError) as exc:
        raise TopicError(f"{source}: missing {exc}") from None
    return name, str(data.get("label") or name)


def _read(name_or_path: str) -> tuple[dict[str, Any], str]:
    location, source = _locate(name_or_path)
    try:
        return load_data(location, source), source
    except DataError as exc:
        raise TopicError(str(exc)) from None


@lru_cache(maxsize=16)
def _load_topic(name_or_path: str) -> Topic:
    data, source = _read(name_or_path)
    return Topic(data, source)


def _check_groups(data: Any, source: str, where: str = "") -> None:
    """Every "(a|b)" group closed. Why: a YAML flow list splits at commas, so an unquoted phrase holding one
    ("(, Putin ,)?") becomes fragments that match single common words, and nothing else would say so."""
    if isinstance(data, dict):
        for key, value in data.items():
            _check_groups(value, source, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _check_groups(value, source, f"{where}[{i}]")
    elif isinstance(data, str):
        depth = 0
        for ch in data:
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                break
        if depth:
            raise TopicError(f"{source}: {where}: {data!r}: unbalanced parenthesis (quote a phrase that holds a "
                             f"comma)")


def _lower_words(words: list[str]) -> re.Pattern[str] | None:
    """Any of ``words`` as a whole word, matched against lower-cased text. Lower-casing the text once and the
    words in the pattern costs a fifth of what ``re.IGNORECASE`` does over a long alternation."""
    if not words:
        return None
    return re.compile(words_regex(w.lower() for w in words))
