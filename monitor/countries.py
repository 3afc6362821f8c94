"""Member states as people type them on a command line or in the config: ISO codes in any case (``hu``), the
EU's own codes (the Publications Office writes ``EL`` for Greece), and names in the EU's official languages
(``Hungary``, ``Ungarn``, ``Hongrie``, ``Węgry``) with or without accents. Everything is stored and shown by ISO
code, so this is only the way in.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from functools import cache

from monitor.judge import EU27, country_name

EU_CODES = {"EL": "GR"}  # the EU's interinstitutional style guide; every other member state's code is ISO's
LANGUAGES = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt",
             "nl", "pl", "pt", "ro", "sk", "sl", "sv")  # the EU's 24 official languages
ALIASES = {"czech republic": "CZ", "the netherlands": "NL", "holland": "NL", "republic of cyprus": "CY"}


def _fold(text: str) -> str:
    """Case, accents and extra spaces do not matter: ``éire``, ``Eire`` and ``EIRE`` are one name."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _names() -> dict[str, str]:
    """Folded name -> code, from CLDR (through Babel, as the judge's own country names)."""
    from babel import Locale

    out = {_fold(alias): code for alias, code in ALIASES.items()}
    for language in LANGUAGES:
        territories = Locale.parse(language).territories
        for code in EU27:
            name = territories.get(code)
            if name:
                out.setdefault(_fold(name), code)
    return out


def member_state(text: str) -> str:
    """The ISO code of the member state ``text`` names; a one-line ``ValueError`` (with a guess) otherwise."""
    given = str(text).strip()
    code = EU_CODES.get(given.upper(), given.upper())
    if code in EU27:
        return code
    names = _names()
    key = _fold(given)
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.75)
    if close:
        guess = names[close[0]]
        hint = f"did you mean {country_name(guess)} ({guess})?"
    else:
        hint = "use a code such as IT, PL or EL, or a name such as Hungary"
    raise ValueError(f"{given!r} is not an EU member state ({hint})")


def member_states(items: Iterable[str]) -> tuple[str, ...]:
    """Codes for every item, in order, without repeats."""
    return tuple(dict.fromkeys(member_state(item) for item in items))


__all__ = ["EU_CODES", "member_state", "member_states"]
