"""Which language a story is in, from its text: py3langid restricted to the languages the judge reads.

A feed's declared language is a hint, not a fact: aggregators mix languages, and many feeds declare none. The
hint is taken when the text's script agrees with it (a feed that says ``ru`` but carries Latin-script text is
wrong about this item); otherwise the detector decides. The detector (py3langid, naive Bayes over byte n-grams,
BSD) is loaded on first use, restricted to the 26 languages below, and only for stories the judge reads in full:
most news never gets that far.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Any

LANGUAGES = ("en", "fr", "de", "it", "es", "pt", "nl", "el", "pl", "cs", "sk", "hu", "ro", "bg", "hr", "sl", "lt",
             "lv", "et", "fi", "sv", "da", "ga", "mt", "ru", "uk")
CYRILLIC = frozenset({"ru", "uk", "bg"})
_lock = threading.Lock()
_identifier: Any = None


def script(text: str) -> str:
    """latin, cyrillic or greek: the most frequent among the first letters of the text."""
    counts = {"latin": 0, "cyrillic": 0, "greek": 0}
    seen = 0
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("CYRILLIC"):
            counts["cyrillic"] += 1
        elif name.startswith("GREEK"):
            counts["greek"] += 1
        else:
            counts["latin"] += 1
        seen += 1
        if seen >= 200:
            break
    return max(counts, key=lambda k: counts[k])


def _script_of(lang: str) -> str:
    return "cyrillic" if lang in CYRILLIC else "greek" if lang == "el" else "latin"


def _detector() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
            identifier.set_languages(list(LANGUAGES))
            # set_languages keeps the full 97-language table for a later reset; we never reset, and dropping it
            # frees ~28 MB in every process that detects
            identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
            _identifier = identifier
    return _identifier


@lru_cache(maxsize=1024)
def detect(text: str, hint: str | None = None) -> str:
    """The language of ``text`` (two-letter code), using ``hint`` when the script agrees with it."""
    sample = text[:600]
    hint = (hint or "").lower().split("-")[0].split("_")[0][:2]
    found = script(sample)
    if hint in LANGUAGES and _script_of(hint) == found:
        return hint
    if found == "greek":
        return "el"
    try:
        lang, _ = _detector().classify(sample)
    except ImportError:  # the detector is a dependency; without it, guess from the script alone
        return "ru" if found == "cyrillic" else "en"
    return str(lang)
