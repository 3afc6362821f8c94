"""Why a feed failed, in words a reader of a digest or a terminal understands.

The fetcher keeps the operating system's wording (``cannot connect: [Errno -2] Name or service not known``),
which is exact but means little to an analyst and differs from one feed to the next only in its noise. Here it
becomes a short cause (``host not found``) that identical failures share, so that 32 feeds failing because the
machine is offline read as one line, not 32. Causes the OS did not word (HTTP statuses, parse errors) are kept
as they are: they are already words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# (pattern over the error text, cause, whether it points at this machine's network rather than one server).
# Errno numbers are Linux's and macOS's (and Windows' WSA codes for DNS), since the texts come from either.
_CAUSES: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), cause, network) for pattern, cause, network in (
        (r"Name or service not known|nodename nor servname|No address associated with hostname|getaddrinfo "
         r"failed|\[Errno (?:-2|-5|8|11001)\]", "host not found", True),
        (r"Temporary failure in name resolution|\[Errno (?:-3|11002)\]", "name lookup failed (DNS)", True),
        (r"Network is unreachable|\[Errno (?:101|51)\]", "network unreachable", True),
        (r"No route to host|\[Errno (?:113|65)\]", "no route to host", True),
        (r"Connection refused|\[Errno (?:111|61)\]", "connection refused", False),
        (r"Connection reset|\[Errno (?:104|54)\]", "connection reset by the server", False),
        (r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", "TLS certificate not trusted", False),
        (r"\bSSL\b|\bTLS\b|handshake", "TLS handshake failed", False),
        (r"^timed out\b", "timed out", True),
    )
)
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_PREFIX = re.compile(r"^(?:cannot connect|connection dropped|request failed):\s*", re.IGNORECASE)
NETWORK_KINDS = ("connect", "timeout")  # FeedReport.error_kind values that a dead network produces


@dataclass(frozen=True)
class Cause:
    words: str  # "host not found"; identical causes group
    network: bool  # points at this machine's connection rather than at one publisher


def cause(error: str | None) -> Cause:
    """The cause behind an error text as the fetcher and parser write it."""
    text = " ".join((error or "").split())
    if not text:
        return Cause("unknown error", False)
    for pattern, words, network in _CAUSES:
        if pattern.search(text):
            return Cause(words, network)
    if _ERRNO.search(text):  # another OS error: its words without the number and the fetcher's prefix
        cleaned = _ERRNO.sub("", _PREFIX.sub("", text)).strip() or text
        return Cause(cleaned[:1].lower() + cleaned[1:], False)
    return Cause(text, False)


def group_by_cause(items: Iterable[T], error_of: Callable[[T], str | None]) -> list[tuple[str, list[T]]]:
    """Items grouped by the cause of their error, the largest group first (then by cause, for a stable order);
    within a group the items keep their order."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(cause(error_of(item)).words, []).append(item)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def offline(kinds: Sequence[str | None], errors: Sequence[str | None]) -> str | None:
    """When every poll of a cycle failed and each failure was the network's (DNS, unreachable, timeouts), the
    shared cause (or "network errors" when they differ); otherwise None. One feed failing that way is a
    publisher's problem; all of them is this machine's."""
    if not kinds:
        return None
    causes = [cause(e) for e in errors]
    if not all(k in NETWORK_KINDS or c.network for k, c in zip(kinds, causes, strict=True)):
        return None
    words = {c.words for c in causes}
    return words.pop() if len(words) == 1 else "network errors"


OFFLINE_HINT = "is this machine offline? `monitor demo` shows the whole pipeline without a network"

__all__ = ["NETWORK_KINDS", "OFFLINE_HINT", "Cause", "cause", "group_by_cause", "offline"]
