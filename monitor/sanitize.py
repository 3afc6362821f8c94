"""Text that came from outside (feeds, servers, the config) made safe to store, print and mail.

Publishers' text reaches three places where invisible characters do harm: PostgreSQL refuses NUL in text columns
(one such byte used to fail the whole write of a poll), terminals obey escape sequences (``ESC ] 0 ; … BEL``
retitles the window, others move the cursor or hide text), and bidirectional overrides (U+202E) make a title or
a feed name read backwards in the digest and the terminal. Cleaning once, where the text enters, means no later
stage has to remember it.

Kept: tab and newline (the text's own structure), every printable character of every script, and the plain
direction marks (U+200E, U+200F, U+061C), which only hint and cannot reorder what follows them.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls; the bidi embeddings/overrides (U+202A..U+202E) and isolates
# (U+2066..U+2069); lone surrogates, which cannot be encoded as UTF-8 and so cannot be stored or sent.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CARRIAGE = re.compile("\r\n?")


def clean_text(text: str) -> str:
    """``text`` without control characters, bidi overrides and lone surrogates; a CR line end becomes a newline.

    The search runs first because nearly all text is clean and a search costs less than building a new string.
    """
    if not _UNSAFE.search(text):
        return text
    if "\r" in text:
        text = _CARRIAGE.sub("\n", text)
    return _UNSAFE.sub("", text)


def clean_line(text: str) -> str:
    """One line for a log, a table cell or an error message: cleaned, with every run of blanks one space."""
    return " ".join(clean_text(text).split())


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters in ``text`` as ``U+XXXX`` names, for an error message that says what to remove."""
    return sorted({f"U+{ord(c):04X}" for c in _UNSAFE.findall(text)})


__all__ = ["clean_line", "clean_text", "unsafe_characters"]
