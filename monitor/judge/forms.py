"""Inflected forms of the judge's multilingual vocabulary, from maintained lemmatisers, shipped as one table.

Polish, Russian, Baltic or Hungarian news names a state in a dozen case forms ("Węgrom", "Венгрии",
"Lengyelországgal", "Krievijas"). Nobody should type those. ``python -m monitor.judge.forms`` lemmatises every
lemma of ``multilingual.yaml`` and every CLDR country name, generates all their forms with the language's
lemmatiser (pymorphy3 for Russian and Ukrainian, morfeusz2 for Polish, simplemma's dictionaries for the other
languages) and writes ``forms.json.gz``: folded form -> folded lemma, for our vocabulary only, plus each language's
own reading of the forms another language claimed first.

Why a table and not the lemmatisers at run time: the judge runs in every parser worker of a poll, and loading
simplemma's dictionaries costs 100-350 MB per language (measured: Polish 355 MB, Hungarian 170 MB); the table is a
few MB for all 26 languages and a dictionary lookup per token. The lemmatisers are development dependencies
(``pip install -e '.[lemmas]'``), needed only to rebuild the table after a vocabulary edit.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

from monitor.judge.data import load as load_data
from monitor.judge.lexicon import fold, tokenize
from monitor.judge.offices import split_served

FORMS_FILE = "forms.json.gz"
MIN_STEM = 3  # shorter common prefixes are not stems: their forms are stored whole
SIMPLEMMA_CODES = {"hr": "hbs"}  # simplemma files Croatian under Serbo-Croatian
NO_LEMMATISER = frozenset({"mt"})  # Maltese: no maintained lemmatiser on PyPI; its few entries match as written
FEW_FORMS = 3  # a word the lemmatiser knows fewer forms of than this gets a loose stem (``stem_endings``)
LOOSE_STEM = 5  # the shortest loose stem: shorter ones would catch other words
LOOSE_END = 4  # the longest ending a loose stem takes


def vocabulary() -> dict[str, Any]:
    return load_data(resources.files("monitor.judge").joinpath("multilingual.yaml"), "monitor/judge/multilingual.yaml")


def cldr_names(lang: str, codes: Iterable[str]) -> dict[str, str]:
    """Country names in ``lang`` from CLDR, by ISO code (Babel's own data: nothing typed here). Read from the
    shipped table, which keeps them from the build: loading 26 of Babel's locales costs ~18 MB per process."""
    codes = tuple(codes)
    stored = _stored_names().get(lang)
    if stored is not None and all(code in stored for code in codes):
        return {code: stored[code] for code in codes}
    return _babel_names(lang, codes)


@cache
def _stored_names() -> dict[str, dict[str, str]]:
    resource = resources.files("monitor.judge").joinpath(FORMS_FILE)
    if not resource.is_file():
        return {}
    with resource.open("rb") as fh:
        return json.loads(gzip.decompress(fh.read()).decode("utf-8")).get("cldr") or {}


def _babel_names(lang: str, codes: Iterable[str]) -> dict[str, str]:
    from babel import Locale

    try:
        territories = Locale.parse(lang).territories
    except Exception:  # a language Babel lacks: no names rather than a failed build
        return {}
    return {code: territories[code] for code in codes if code in territories}


class Tables(NamedTuple):
    stems: dict[str, tuple[tuple[str, str], ...]]  # stem -> (lemma, "|ending|ending|") per lemma
    whole: dict[str, str]  # form -> lemma, for forms that share no stem with their lemma
    own: dict[str, dict[str, str]]  # language -> its own reading of forms another language claimed first
    loose: dict[str, dict[str, str]]  # language -> loose stem -> lemma
    lower: dict[str, dict[str, str]]  # language -> lowercase form -> demonym, where the form folds to a name's


@cache
def tables() -> Tables:
    """The shipped table, as stems with the endings each lemma takes after them, plus the forms that share no
    stem with their lemma, plus each language's own reading of the forms another language claimed first, plus
    each language's loose stems (any short ending: see ``build``), plus each language's reading of a lowercase
    word that folds to a form of a country's name (``_adjective_forms``). Stored
    that way because a plain form -> lemma dict of the ~90,000 forms costs ~20 MB in every worker process; stems
    and shared ending sets cost a tenth of that."""
    resource = resources.files("monitor.judge").joinpath(FORMS_FILE)
    if not resource.is_file():
        return Tables({}, {}, {}, {}, {})
    with resource.open("rb") as fh:
        raw = json.loads(gzip.decompress(fh.read()).decode("utf-8"))
    # endings as one "|a|b|" string per lemma: a substring test is as quick as a set and ten times smaller
    stems: dict[str, tuple[tuple[str, str], ...]] = {}
    for stem, lem, ends in _rows(raw["stems"]):
        stems[stem] = (*stems.get(stem, ()), (sys.intern(lem), sys.intern(f"|{ends}|")))
    # a lemma is the value of many forms: one string object for all of them
    whole = {form: sys.intern(lem) for form, lem in _rows(raw["whole"])}
    own, loose, lower = ({lang: {key: sys.intern(lem) for key, lem in _rows(rows)}
                          for lang, rows in raw.get(part, {}).items()} for part in ("own", "loose", "lower"))
    return Tables(stems, whole, own, loose, lower)


def _rows(text: str) -> Iterator[list[str]]:
    """The table's rows are tab-separated lines in one string each: parsed as JSON lists and dicts, the ~30,000
    rows left 8 MB of freed but fragmented memory in every worker."""
    for line in re.finditer(r"[^\n]+", text):
        yield line.group().split("\t")


def _lines(rows: Iterable[Sequence[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


@lru_cache(maxsize=16384)
def lemma(norm: str, lang: str = "") -> str:
    """The lemma of a folded token, or the token itself when it is not a form of the vocabulary. Read in
    ``lang`` where given: a form two languages share is each one's own ("pritiska" is Slovenian "pritisk" and
    Croatian "pritisak"). The longest stem wins: "madarsk|eho" (the adjective) before "madar|..." would ever be
    tried."""
    if len(norm) < 2 or not norm[0].isalnum():
        return norm  # punctuation and clitics ("'s") are not words of any language's vocabulary
    hit = _lookup(norm, lang)
    if hit is None and lang == "ga":  # Irish reads a word without its mutation, listed or not
        plain = demutate(norm)
        hit = plain if plain == norm else _lookup(plain, lang) or plain
    return norm if hit is None else hit


def _lookup(norm: str, lang: str) -> str | None:
    stems, whole, own = tables()[:3]
    hit = own[lang].get(norm) if lang in own else None
    if hit is None:
        hit = whole.get(norm)
    if hit is not None:
        return hit
    for cut in range(len(norm), MIN_STEM - 1, -1):
        entries = stems.get(norm[:cut])
        if entries:
            rest = f"|{norm[cut:]}|"
            for lem, ends in entries:
                if rest in ends:
                    return lem
    return _loose_lemma(norm, lang)


@lru_cache(maxsize=16384)
def lowercase_lemma(norm: str, lang: str) -> str:
    """The lemma of a folded word written in lowercase: a demonym's where its form folds to a form of a country's
    name (Czech "česká vláda", the Czech government, against "z Česka", from Czechia), else ``lemma``'s."""
    table = tables().lower.get(lang)
    hit = table.get(norm) if table else None
    return lemma(norm, lang) if hit is None else hit


def _loose_lemma(norm: str, lang: str) -> str | None:
    """The lemma a loose stem of ``lang`` gives the word (its stem, then any ending of up to ``LOOSE_END``)."""
    table = tables().loose.get(lang)
    if table:
        for cut in range(len(norm), max(LOOSE_STEM, len(norm) - LOOSE_END) - 1, -1):
            hit = table.get(norm[:cut])
            if hit is not None:
                return hit
    return None


def read_alike(norm: str, lang: str) -> bool:
    """Whether ``lang`` surely reads the word as the shared reading does: it has no entry of its own for it, no
    loose stem that could take it, and no rule (Irish demutation). Cheap where ``lemma`` walks the stems: the
    reader's indexes ask it of every phrase in every language, and skip the languages that read it alike."""
    if lang == "ga" or norm in tables().own.get(lang, ()):
        return False
    return _loose_lemma(norm, lang) is None


def lemmas(phrase: str, lang: str = "", cached: bool = True) -> tuple[str, ...]:
    """``cached=False`` for building indexes: their ~35,000 one-off lookups (each phrase in each language's
    reading) would fill the cache meant for the words of the news, 5 MB in every worker."""
    one = lemma if cached else lemma.__wrapped__
    return tuple(one(t.norm, lang) for t in tokenize(phrase))


# ------------------------------------------------------------------------------------------------ building


class _Lemmatisers:
    """The lemmatisers behind one language: (lemma of a word, forms of a lemma)."""

    def __init__(self) -> None:
        self._morph: dict[str, Any] = {}
        self._simple_inverse: dict[str, dict[str, set[str]]] = {}
        self._morfeusz: Any = None

    def for_lang(self, lang: str) -> tuple[Callable[[str], str], Callable[[str], set[str]]]:
        if lang in ("ru", "uk"):
            return self._pymorphy(lang)
        if lang == "pl":
            return self._polish()
        if lang in NO_LEMMATISER:
            return (lambda w: w), (lambda w: {w})
        return self._simplemma(SIMPLEMMA_CODES.get(lang, lang))

    def _pymorphy(self, lang: str) -> tuple[Callable[[str], str], Callable[[str], set[str]]]:
        import pymorphy3

        morph = self._morph.setdefault(lang, pymorphy3.MorphAnalyzer(lang=lang))

        def lemma_of(word: str) -> str:
            parses = morph.parse(word)
            return parses[0].normal_form if parses else word

        def forms_of(word: str) -> set[str]:
            out = {word}
            for p in morph.parse(word)[:3]:
                if p.normal_form == word.lower():
                    out.update(f.word for f in p.lexeme)
                elif p.word == word.lower():
                    # the word is a form of another lemma: only its own part of speech. "бывший" (former) is
                    # also the participle of "быть", whose lexeme made "был", "будут" and "есть" read as former
                    out.update(f.word for f in p.lexeme if f.tag.POS == p.tag.POS)
            return out

        return lemma_of, forms_of

    def _polish(self) -> tuple[Callable[[str], str], Callable[[str], set[str]]]:
        import morfeusz2

        if self._morfeusz is None:
            self._morfeusz = morfeusz2.Morfeusz(expand_tags=False)
        m = self._morfeusz

        def lemma_of(word: str) -> str:
            found = [a[2][1].split(":")[0] for a in m.analyse(word)]
            if not found:
                return word
            # keep the word's own lemma when it is one ("Węgry", not the surname "Węgier")
            return word if word in found else found[0]

        def forms_of(word: str) -> set[str]:
            out = {word}
            with contextlib.suppress(RuntimeError):  # a word morfeusz2 cannot generate from: itself only
                out.update(g[0] for g in m.generate(word))
            return out

        return lemma_of, forms_of

    def _simplemma(self, code: str) -> tuple[Callable[[str], str], Callable[[str], set[str]]]:
        import simplemma
        from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

        if code not in self._simple_inverse:
            inverse: dict[str, set[str]] = {}
            for form, lem in DefaultDictionaryFactory().get_dictionary(code).items():
                inverse.setdefault(fold(str(lem)), set()).add(str(form))
            self._simple_inverse = {code: inverse}  # one language in memory at a time
        inverse = self._simple_inverse[code]

        def lemma_of(word: str) -> str:
            return str(simplemma.lemmatize(word, lang=code))

        def forms_of(word: str) -> set[str]:
            return {word} | inverse.get(fold(word), set())

        return lemma_of, forms_of


def _phrases(vocab: dict[str, Any], lang: str) -> list[str]:
    out: list[str] = []
    for key in ("russia", "eu", "war", "government_nouns", "locatives", "former", "not_actors"):
        out += [str(p) for p in (vocab.get(key) or {}).get(lang) or ()]
    for concept in (vocab.get("concepts") or {}).values():
        out += [str(p) for p in (concept or {}).get(lang) or ()]
    for group in vocab.get("groups") or ():
        out += [str(p) for p in (group.get("names") or {}).get(lang) or ()]
    for by_lang in (vocab.get("names") or {}).values():
        out += [str(p) for p in (by_lang or {}).get(lang) or ()]
    # names of states in other scripts and spellings are lemmatised in every language that might write them
    for key in ("capitals", "leaders", "demonyms"):
        for phrases in (vocab.get(key) or {}).values():
            out += [split_served(str(p))[0] for p in phrases or ()]
    return out


def build() -> dict[str, Any]:
    from monitor.judge.actors import EU27

    vocab = vocabulary()
    tools = _Lemmatisers()
    # Country names first, in every language, so that a form both a name and an adjective can be ("Maďarska")
    # stays the name: the judge wants the state.
    cldr = {lang: _babel_names(lang, (*EU27, "RU")) for lang in vocab["languages"]}
    claims = {lang: (_claims(tools, lang, list(cldr[lang].values())), _claims(tools, lang, _phrases(vocab, lang)))
              for lang in vocab["languages"]}
    out = _reading([claims[lang][0] for lang in vocab["languages"]] + [claims[lang][1] for lang in vocab["languages"]])
    print(f"{len(out)} forms", file=sys.stderr)
    # Where another language claimed a form first, the story's own language reads it its own way: Slovenian
    # "pritiska" is a form of "pritisk" (pressure), not of Croatian "pritisak"; Slovenian "slovenska" is the
    # adjective of Slovenia, not Slovak "Slovensko".
    own: dict[str, dict[str, str]] = {}
    for lang, (names, phrases) in claims.items():
        # a word the lemmatiser did not know reads as itself: the shared reading knows at least as much
        differ = {form: key for form, key in _reading([names, phrases]).items() if out.get(form) != key != form}
        if differ:
            own[lang] = differ
            print(f"{lang}: {len(differ)} forms read its own way", file=sys.stderr)
    named = {form for lang in vocab["languages"] for form, _ in claims[lang][0]}
    lower: dict[str, dict[str, str]] = {}
    for lang, ends in (vocab.get("adjective_endings") or {}).items():
        made, lower[lang] = _adjective_forms(vocab, [str(e) for e in ends], {**out, **own.get(lang, {})}, named)
        if made:
            own.setdefault(lang, {}).update(made)
        print(f"{lang}: {len(made)} demonym forms from adjective endings, {len(lower[lang])} read so in lowercase "
              "only", file=sys.stderr)
    loose = {lang: _loose(tools, vocab, lang, [str(e) for e in ends or ()], {**out, **own.get(lang, {})})
             for lang, ends in (vocab.get("stem_endings") or {}).items()}
    for lang, rows in loose.items():
        print(f"{lang}: {len(rows)} loose stems", file=sys.stderr)
    return {**_compress(out), "cldr": cldr, "own": {lang: _lines(sorted(t.items())) for lang, t in own.items()},
            "loose": {lang: _lines(sorted(t.items())) for lang, t in loose.items() if t},
            "lower": {lang: _lines(sorted(t.items())) for lang, t in lower.items() if t}}


def _adjective_forms(vocab: dict[str, Any], endings: list[str], reading: dict[str, str],
                     named: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Gender and case forms of the demonyms whose dictionary form takes the first of ``endings``: the stem with
    each of the others. Why: simplemma knows "český" but not "česká" or "českého", so "česká vláda" (the Czech
    government, lowercase as in most languages) went unread. A form already read otherwise is left as it is; one
    that folds to a form of a country's name ("česká" and "Česka", of Czechia; "hrvatska" and "Hrvatska") is
    the demonym only in lowercase (the second table): names are capitalised, adjectives are not."""
    first, *rest = [fold(e) for e in endings]
    out: dict[str, str] = {}
    lower: dict[str, str] = {}
    for phrases in (vocab.get("demonyms") or {}).values():
        for phrase in phrases or ():
            word = fold(str(phrase))
            if " " in word or not word.endswith(first) or len(word) - len(first) < 3:
                continue
            key = reading.get(word, word)
            for end in rest:
                form = word[: -len(first)] + end
                if form in named:
                    lower.setdefault(form, key)
                elif reading.get(form, form) == form:
                    out.setdefault(form, key)
    return out, lower


def _loose(tools: _Lemmatisers, vocab: dict[str, Any], lang: str, endings: list[str],
           reading: dict[str, str]) -> dict[str, str]:
    """Loose stems of the concept words the lemmatiser knows fewer than ``FEW_FORMS`` forms of: the word less
    the longest of the language's ``stem_endings``, matched in that language's reading with any ending of up to
    ``LOOSE_END`` letters. Why: simplemma knows one form of Latvian "nosodīt" (condemn) and of Bulgarian
    "осъждам", so "nosoda" and "осъжда" went unread; the verbs' regular endings are what a stem catches."""
    lemma_of, forms_of = tools.for_lang(lang)
    ends = sorted({fold(e) for e in endings}, key=len, reverse=True)
    out: dict[str, str] = {}
    for concept in (vocab.get("concepts") or {}).values():
        for phrase in (concept or {}).get(lang) or ():
            for token in tokenize(str(phrase)):
                word = str(phrase)[token.start : token.end]
                if not word.isalpha() or len(forms_of(lemma_of(word)) | forms_of(word)) >= FEW_FORMS:
                    continue
                norm = fold(word)
                stem = next((norm[: -len(e)] for e in ends if norm.endswith(e)), norm)
                if len(stem) >= LOOSE_STEM:
                    out.setdefault(stem, reading.get(norm, norm))
    return out


def _reading(parts: Iterable[list[tuple[str, str]]]) -> dict[str, str]:
    """Form -> lemma from claims in order: the first claim of a form keeps it, and every lemma maps to itself
    whatever a form of another lemma made of it (Spanish "si", if, stays itself although simplemma lists it among
    the forms of the article "el")."""
    out: dict[str, str] = {}
    for part in parts:
        for form, key in part:
            out.setdefault(form, key)
    for key in set(out.values()):
        out[key] = key
    return out


def _claims(tools: _Lemmatisers, lang: str, phrases: Iterable[str]) -> list[tuple[str, str]]:
    """(folded form, folded lemma) for every word of the phrases, in order, by the language's lemmatiser."""
    lemma_of, forms_of = tools.for_lang(lang)
    out: list[tuple[str, str]] = []
    for phrase in phrases:
        for token in tokenize(phrase):
            word = phrase[token.start : token.end]
            if not any(c.isalpha() for c in word):
                continue
            canon = lemma_of(word)
            # simplemma guesses for unknown words; keep a written lemma that has forms of its own
            if (fold(canon) != fold(word) and lang not in ("ru", "uk", "pl") and len(word) > 3
                    and len(forms_of(word)) > 1):
                canon = word
            key = fold(canon)
            forms = [fold(form) for form in sorted(forms_of(canon) | {word, canon})]
            if lang == "ga":  # a mutated form whose plain form is listed is read through ``demutate``
                listed = set(forms)
                forms = [f for f in forms if (plain := demutate(f)) == f or plain not in listed]
            out.extend((form, key) for form in forms)
    return out


# Irish initial mutations on a folded word, longest prefix first: eclipsis ("bhfabhar", "gcoinne", "bpacáiste"),
# then lenition ("dhiúltaigh", "chainteanna"), then h- before a vowel ("na hairm"). The n- and t- prefixes before
# a vowel are hyphenated in lowercase ("an t-aire", split by the tokenizer) and otherwise show only by the
# capital after them ("nÉirinn", "tSeicia"), which folding loses: the reader strips those (``multi.py``).
_ECLIPSIS = (("bhf", "f"), ("mb", "b"), ("gc", "c"), ("nd", "d"), ("ng", "g"), ("bp", "p"), ("dt", "t"))


def demutate(norm: str) -> str:
    """The Irish word without its initial mutation. Why by rule and not from simplemma's table: its Irish
    dictionary lists every mutated form of every word, ~100 per verb; stored, they cost each process that judges
    about a megabyte, and the mutations are a few regular rules. Only a fallback: a listed form is read as
    listed."""
    for prefix, plain in _ECLIPSIS:
        if norm.startswith(prefix) and len(norm) > len(prefix) + 1:
            return plain + norm[len(prefix) :]
    if len(norm) > 3 and norm[1] == "h" and norm[0] in "bcdfgmpst":
        return norm[0] + norm[2:]
    if len(norm) > 2 and norm[0] == "h" and norm[1] in "aeiou":
        return norm[1:]
    return norm


def _compress(forms: dict[str, str]) -> dict[str, Any]:
    by_lemma: dict[str, set[str]] = {}
    for form, lem in forms.items():
        by_lemma.setdefault(lem, set()).add(form)
    stems: dict[str, list[list[str]]] = {}
    whole: dict[str, str] = {}
    for lem, group in by_lemma.items():
        stem = os.path.commonprefix(sorted(group))  # noqa: RUF071 (a prefix of characters is what is wanted)
        if len(stem) < MIN_STEM:
            whole.update((f, lem) for f in group if f != lem)
            continue
        ends = "|".join(sorted(f[len(stem):] for f in group))
        stems.setdefault(stem, []).append([lem, ends])
    # a stem shared by several lemmas: the one with more forms first (names before their rare homographs)
    for entries in stems.values():
        entries.sort(key=lambda e: -e[1].count("|"))
    return {"stems": _lines([stem, *entry] for stem, entries in sorted(stems.items()) for entry in entries),
            "whole": _lines(sorted(whole.items()))}


def main(argv: list[str] | None = None) -> None:
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m monitor.judge.forms",
                                     description="Rebuild forms.json.gz from multilingual.yaml (extra `lemmas`).")
    parser.parse_args(argv)
    forms = build()
    path = Path(__file__).with_name(FORMS_FILE)
    data = json.dumps(forms, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0))
    print(f"{path}: {forms['stems'].count(chr(10)) + 1} stem rows, {forms['whole'].count(chr(10)) + 1} whole forms, "
          f"{path.stat().st_size // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main()
