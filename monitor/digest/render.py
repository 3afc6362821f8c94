"""How a digest looks: ``DigestData`` through Jinja2 templates into an HTML part and a plain-text part.

The HTML is written for mail clients, not browsers: tables for layout, ``bgcolor`` beside inline ``style`` (Outlook
drops much CSS, Gmail drops ``<style>`` blocks in many views), no images, SVG, scripts or web fonts, nothing
fetched from anywhere. Every string from a feed goes through autoescaping, and only links that ``select`` vetted
as http(s) become ``href``s. Gmail clips messages past ~102 KB and hides the rest behind a link, so the HTML is
kept under ``MAX_HTML_BYTES``: if a digest would be larger it carries fewer top stories, then shorter quotes.

The plain-text part carries the same facts (the map becomes a character grid), for clients and readers that
prefer text and for spam filters that distrust HTML-only mail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import jinja2

from monitor.digest.select import MAX_FAILING_NAMES, DigestData, FailingGroup, Quote, StateRow, clip
from monitor.judge import HARD, MIXED, PRO

MAX_HTML_BYTES = 100_000
MAX_FAILING_SHARE = 0.1  # of the message (HTML and text parts together), at most, for the failing feeds
DEFAULT_SUBJECT = "{title}: {name} digest, {period} ({stories} stories, {states} states)"
STANCE_WORDS = {PRO: "pro-dialogue", HARD: "hardline", MIXED: "mixed"}
SHORT = {PRO: "pro", HARD: "hard", MIXED: "mixed"}
TEXT_MARKS = {"pro_dialogue": "++", "leaning_pro": "+", "mixed": "~", "leaning_hard": "-", "hardline": "--",
              "none": ".", "not_followed": " "}
TRENDS = {"new": "new this period", "silent": "silent this period", "towards_dialogue": "towards dialogue",
          "towards_hardline": "towards hardline", "steady": "steady", "none": ""}


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.digest", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True,
                                            default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(signed=signed, arrow=arrow, text_arrow=text_arrow, clip=clip)
    env.globals.update(STANCE_WORDS=STANCE_WORDS, SHORT=SHORT, TEXT_MARKS=TEXT_MARKS, TRENDS=TRENDS,
                       failure_range=failure_range)
    return env


def signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


def arrow(delta: int) -> str:
    return f"▲{delta}" if delta > 0 else f"▼{-delta}" if delta < 0 else "="


def failure_range(g: FailingGroup) -> str:
    low, high = g.failures
    return f"{high} failure{'s' if high != 1 else ''} in a row" if low == high else f"{low}–{high} failures in a row"


def text_arrow(delta: int) -> str:
    return f"↑{delta}" if delta > 0 else f"↓{-delta}" if delta < 0 else "="


class Clock:
    """Dates as the reader's digest time zone shows them (English, no locale data needed)."""

    def __init__(self, timezone: str):
        self.tz = ZoneInfo(timezone)
        self.name = timezone

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)

    def day(self, when: datetime) -> str:
        t = self.local(when)
        return f"{t:%a} {t.day} {t:%b}"

    def stamp(self, when: datetime) -> str:
        t = self.local(when)
        return f"{t:%a} {t.day} {t:%b %Y}, {t:%H:%M}"

    def short(self, when: datetime) -> str:
        t = self.local(when)
        return f"{t.day} {t:%b %H:%M}"

    def period(self, start: datetime, end: datetime) -> str:
        return f"{self.stamp(start)} – {self.stamp(end)} ({self.name})"

    def span(self, start: datetime, end: datetime) -> str:
        """For a subject line: "24 Nov 2026" or "21–24 Nov 2026" or "30 Nov – 1 Dec 2026"."""
        a, b = self.local(start), self.local(end)
        if a.date() == b.date():
            return f"{b.day} {b:%b %Y}"
        if (a.year, a.month) == (b.year, b.month):
            return f"{a.day}–{b.day} {b:%b %Y}"
        if a.year == b.year:
            return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
        return f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"


def subject(data: DigestData, template: str | None = None) -> str:
    clock = Clock(data.timezone)
    text = (template or DEFAULT_SUBJECT).format(
        name=data.name, title=data.title, period=clock.span(data.start, data.end), stories=data.stories_count,
        states=data.states_count)
    return " ".join(text.split())  # a newline in a header would be a header injection


def _html(data: DigestData, subject_line: str) -> str:
    return _env().get_template("digest.html.j2").render(d=data, subject=subject_line, clock=Clock(data.timezone))


def _part(name: str, data: DigestData, subject_line: str) -> str:
    return _env().get_template(name).render(d=data, subject=subject_line, clock=Clock(data.timezone))


# From the fullest failing-feeds section to the shortest: (names listed per cause, causes listed).
_FAILING_STEPS = ((MAX_FAILING_NAMES, None), (3, None), (0, None), (0, 5), (0, 2), (0, 0))


def _fit_failing(data: DigestData, subject_line: str) -> DigestData:
    """The failing feeds take at most ``MAX_FAILING_SHARE`` of the message (both parts together): a digest is
    about the news, and on a day the network is down a list of 32 broken feeds would otherwise be most of it.
    Names go first, then whole causes (counted in one line); ``monitor feeds`` has the full list."""
    if not data.failing_feeds:
        return data
    def size(template: str, d: DigestData) -> int:
        return len(_part(template, d, subject_line).encode("utf-8"))

    for names, causes in _FAILING_STEPS:
        kept = data.failing_groups if causes is None else data.failing_groups[:causes]
        left_out = data.failing_groups[len(kept):]
        candidate = replace(data, failing_groups=tuple(replace(g, shown=min(names, len(g.feeds))) for g in kept),
                            failing_hidden=sum(len(g.feeds) for g in left_out), failing_hidden_causes=len(left_out))
        section = size("failing.html.j2", candidate) + size("failing.txt.j2", candidate)
        if section <= MAX_FAILING_SHARE * (size("digest.html.j2", candidate) + size("digest.txt.j2", candidate)):
            return candidate
    return candidate


def _short_quote(row: StateRow) -> Quote | None:
    q = row.latest
    return replace(q, text=clip(q.text, 120), title=clip(q.title, 80)) if q else None


def render(data: DigestData, subject_template: str | None = None) -> Rendered:
    """Both parts of a digest, the HTML within ``MAX_HTML_BYTES``."""
    subject_line = subject(data, subject_template)
    html = _html(data, subject_line)
    trimmed = data
    while len(html.encode("utf-8")) > MAX_HTML_BYTES and trimmed.stories:
        keep = len(trimmed.stories) // 2
        trimmed = replace(trimmed, stories=trimmed.stories[:keep],
                          more_stories=trimmed.more_stories + len(trimmed.stories) - keep)
        html = _html(trimmed, subject_line)
    if len(html.encode("utf-8")) > MAX_HTML_BYTES:
        shorter = tuple(replace(r, latest=_short_quote(r)) if r.latest else r for r in trimmed.states)
        trimmed = replace(trimmed, states=shorter)
        html = _html(trimmed, subject_line)
    fitted = _fit_failing(trimmed, subject_line)
    if fitted is not trimmed:
        trimmed, html = fitted, _html(fitted, subject_line)
    text = _part("digest.txt.j2", trimmed, subject_line)
    return Rendered(subject_line, html, text)


__all__ = ["DEFAULT_SUBJECT", "MAX_HTML_BYTES", "Clock", "Rendered", "render", "subject"]
