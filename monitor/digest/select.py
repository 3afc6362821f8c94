"""What goes into a digest: pure functions from stored facts to a ``DigestData`` the templates only lay out.

Everything a reader sees is decided here, so that it can be tested without a database, an SMTP server or a
template: which stories count (relevant ones that arrived in the window, minus those the previous digest of the
same name already carried, copies included), how copies from several outlets become one story, how each state's
stances add up (through ``monitor.summary``, as ``monitor stances`` counts them) and how that compares with the
previous period of the same length, which colour each tile gets, and which links are safe to print.

Counting is per *story*, not per copy: a wire story carried by five outlets is one piece of evidence about
where a state stands, not five.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from urllib.parse import urlsplit

from monitor.digest.stories import Item, group
from monitor.digest.tilemap import Swatch, TileLayout
from monitor.failures import cause, group_by_cause
from monitor.judge import EU27, HARD, LABELS, MIXED, PRO, Stance, country_name
from monitor.store import ArticleRecord, CoveredArticle, FeedState, StanceFact
from monitor.summary import StateSummary, by_country, in_text_order, lean, lean_label, summarise

EVIDENCE_CHARS = 280
SUMMARY_CHARS = 240
ERROR_CHARS = 160
MAX_OUTLETS_SHOWN = 6
MAX_FAILING_NAMES = 8  # feed names listed per failing cause before "and N more"
LEAN_STEP = 0.1  # a change of lean smaller than this is "steady"


# --------------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class DigestInput:
    """Everything a digest is built from, already read from the store."""

    name: str
    title: str  # the topic's label
    start: datetime
    end: datetime
    timezone: str
    articles: Sequence[ArticleRecord]  # relevant articles that arrived in [start, end)
    previous: Sequence[ArticleRecord] = ()  # relevant articles of the previous period of the same length
    covered: Sequence[CoveredArticle] = ()  # what the last delivered digest of this name carried
    feeds: Sequence[FeedState] = ()  # the configured, enabled feeds
    countries: tuple[str, ...] = ()  # followed states; empty: all 27
    min_confidence: float = 0.0
    max_stories: int = 10
    config_path: str | None = "config/monitor.yaml"  # None: the config was text, not a file (`monitor demo`)
    pages: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # feed -> page status -> count, in window


# --------------------------------------------------------------------------------------------------- output


@dataclass(frozen=True)
class PageSummary:
    """Article pages fetched in the window: read (the judge had the article's text), blocked by robots.txt, and
    not read for other reasons (failed, a wall, too short), with the feeds whose pages were not read most."""

    read: int
    robots: int
    unread: int
    unread_by_feed: tuple[tuple[str, int], ...]  # at most MAX_PAGE_FEEDS, most first

    @property
    def total(self) -> int:
        return self.read + self.robots + self.unread


MAX_PAGE_FEEDS = 5


def page_summary(pages: Mapping[str, Mapping[str, int]]) -> PageSummary | None:
    if not pages:
        return None
    read = sum(c.get("ok", 0) for c in pages.values())
    robots = sum(c.get("robots", 0) for c in pages.values())
    unread = {name: sum(n for k, n in c.items() if k not in ("ok", "robots", "pending")) for name, c in pages.items()}
    by_feed = tuple(sorted(((n, u) for n, u in unread.items() if u), key=lambda x: (-x[1], x[0].casefold())))
    return PageSummary(read, robots, sum(unread.values()), by_feed[:MAX_PAGE_FEEDS])


@dataclass(frozen=True)
class LabelCount:
    label: str
    now: int
    before: int

    @property
    def delta(self) -> int:
        return self.now - self.before

    @property
    def arrow(self) -> str:
        """up | down | same (nothing either time is "same" too)."""
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"


@dataclass(frozen=True)
class Quote:
    text: str
    stance: str
    title: str
    link: str | None
    published: datetime
    outlet: str | None


@dataclass(frozen=True)
class StateRow:
    code: str
    name: str
    counts: tuple[LabelCount, ...]  # in LABELS order: pro_dialogue, hardline, mixed
    lean: float | None  # None: no stance this period
    lean_before: float | None
    cls: str  # the map class (a key of TileLayout.classes)
    trend: str  # new | silent | towards_dialogue | towards_hardline | steady | none
    latest: Quote | None

    @property
    def total(self) -> int:
        return sum(c.now for c in self.counts)

    def count(self, label: str) -> LabelCount:
        return next(c for c in self.counts if c.label == label)


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    cls: str
    total: int
    lean: float | None


@dataclass(frozen=True)
class Copy:
    outlet: str
    link: str | None


@dataclass(frozen=True)
class Chip:
    code: str
    stance: str


@dataclass(frozen=True)
class Story:
    title: str
    link: str | None
    published: datetime
    summary: str
    outlets: tuple[Copy, ...]  # at most MAX_OUTLETS_SHOWN
    outlet_count: int
    chips: tuple[Chip, ...]

    @property
    def more_outlets(self) -> int:
        return max(0, self.outlet_count - len(self.outlets))


@dataclass(frozen=True)
class FailingFeed:
    name: str
    link: str | None
    failures: int
    error: str  # the cause in words (``host not found``), or the error as written when it already is words
    last_success: datetime | None


@dataclass(frozen=True)
class FailingGroup:
    """Feeds failing for the same cause: one line in the digest, however many feeds (32 feeds behind a dead
    network are one fact, not 32). ``shown`` is how many names the line lists; render lowers it to keep the
    section within a tenth of the email."""

    cause: str
    feeds: tuple[FailingFeed, ...]  # most failures first
    shown: int = MAX_FAILING_NAMES

    @property
    def names(self) -> tuple[FailingFeed, ...]:
        return self.feeds[: self.shown]

    @property
    def more(self) -> int:
        return len(self.feeds) - len(self.names)

    @property
    def failures(self) -> tuple[int, int]:
        """The fewest and the most failures in a row among the group's feeds."""
        counts = [f.failures for f in self.feeds]
        return min(counts), max(counts)


@dataclass(frozen=True)
class DigestData:
    name: str
    title: str
    start: datetime
    end: datetime
    timezone: str
    stories_count: int  # relevant stories in the window (copies counted once)
    articles_count: int  # the articles behind them
    states_count: int  # states that took a position
    stances_count: int  # state x story positions
    previous_stories_count: int
    states: tuple[StateRow, ...]
    grid: tuple[tuple[Tile | None, ...], ...]  # the tile map, row by row
    legend: tuple[Swatch, ...]
    chip_styles: dict[str, Swatch]
    class_styles: dict[str, Swatch]
    stories: tuple[Story, ...]  # the top stories, best first
    more_stories: int
    failing_feeds: tuple[FailingFeed, ...]
    article_ids: frozenset[int] = field(default_factory=frozenset)  # recorded with the run
    failing_groups: tuple[FailingGroup, ...] = ()  # failing_feeds by cause, the largest group first
    failing_hidden: int = 0  # feeds of groups left out to keep the section short (render decides) ...
    failing_hidden_causes: int = 0  # ... and how many causes those groups had
    countries: tuple[str, ...] = ()
    config_path: str | None = "config/monitor.yaml"
    pages: PageSummary | None = None  # article pages fetched in the window, for the footer

    @property
    def empty(self) -> bool:
        """Nothing new: no relevant story arrived in the window (failing feeds alone do not make news)."""
        return self.stories_count == 0


# --------------------------------------------------------------------------------------------------- helpers


def safe_link(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link fit for an ``href``; otherwise None (the text stays, unlinked).

    Feed content decides these URLs, so ``javascript:``, ``data:``, relative or malformed ones are dropped."""
    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def merge_stances(stances: Iterable[Stance]) -> Stance | None:
    """One state's stance across the copies of a story: the most confident reading, or ``mixed`` when the copies
    contradict each other (one reads pro-dialogue, another hardline)."""
    ordered = sorted(stances, key=lambda st: -st.confidence)
    if not ordered:
        return None
    labels = {st.stance for st in ordered}
    best = ordered[0]
    if PRO in labels and HARD in labels and best.stance != MIXED:
        return replace(best, stance=MIXED)
    return best


def map_class(counts: dict[str, int], layout: TileLayout) -> str:
    """The tile class from the net lean: direction as ``monitor stances`` reports it, depth from ``strong``."""
    direction = lean_label(counts)
    if not direction:
        return "none"
    value = lean(counts)
    if direction == PRO:
        return "pro_dialogue" if value >= layout.strong else "leaning_pro"
    if direction == HARD:
        return "hardline" if value <= -layout.strong else "leaning_hard"
    return "mixed"


def trend(now: StateSummary | None, before: StateSummary | None) -> str:
    if now is None or not now.total:
        return "silent" if before is not None and before.total else "none"
    if before is None or not before.total:
        return "new"
    change = now.lean - before.lean
    if change >= LEAN_STEP:
        return "towards_dialogue"
    if change <= -LEAN_STEP:
        return "towards_hardline"
    return "steady"


@dataclass(frozen=True)
class _Group:
    members: tuple[ArticleRecord, ...]
    stances: dict[str, tuple[Stance, ArticleRecord]]  # country -> merged stance and the copy it comes from

    @property
    def lead(self) -> ArticleRecord:
        """The copy that represents the story: most states, then most relevant, then earliest."""
        return min(self.members, key=lambda a: (-len(a.stances), -(a.relevance or 0.0), a.published, a.id))

    @cached_property
    def outlets(self) -> list[tuple[str, str | None]]:
        seen: dict[str, str | None] = {}
        for a in sorted(self.members, key=lambda a: (a.first_seen, a.id)):
            for feed in a.feeds or ("unknown feed",):
                seen.setdefault(feed, a.url)
        return list(seen.items())

    @cached_property
    def rank(self) -> tuple[float, ...]:
        """Widest coverage first, then most states, then most relevant, then newest."""
        return (-len(self.outlets), -len(self.stances), -max((a.relevance or 0.0) for a in self.members),
                -max(a.published.timestamp() for a in self.members))


def _filtered(a: ArticleRecord, countries: tuple[str, ...], min_confidence: float) -> ArticleRecord:
    kept = tuple(st for st in a.stances
                 if st.confidence >= min_confidence and (not countries or st.country in countries))
    return a if kept == a.stances else replace(a, stances=kept)


def _groups(articles: Sequence[ArticleRecord], covered: Sequence[CoveredArticle] = ()) -> list[_Group]:
    """Stories in ``articles``; a story with any copy among ``covered`` (the last digest) is left out."""
    items = [Item(a.id, a.title, a.url, a.published) for a in articles]
    items += [Item(c.id, c.title, c.url, c.published) for c in covered]
    out: list[_Group] = []
    n = len(articles)
    for members in group(items):
        if members[-1] >= n:  # a copy of something the previous digest already carried (members are in order)
            continue
        arts = tuple(articles[i] for i in members)
        if len(arts) == 1:  # most stories have one copy: nothing to merge
            only = arts[0]
            out.append(_Group(arts, {st.country: (st, only) for st in only.stances}))
            continue
        per_state: dict[str, list[tuple[Stance, ArticleRecord]]] = {}
        for a in arts:
            for st in a.stances:
                per_state.setdefault(st.country, []).append((st, a))
        merged: dict[str, tuple[Stance, ArticleRecord]] = {}
        for code, pairs in per_state.items():
            _best, source = max(pairs, key=lambda pair: pair[0].confidence)  # the copy the evidence comes from
            stance = merge_stances(st for st, _ in pairs)
            assert stance is not None  # never empty
            merged[code] = (stance, source)
        out.append(_Group(arts, merged))
    return out


def _facts(groups: Sequence[_Group]) -> list[StanceFact]:
    """One fact per story and state, newest first, as ``summarise`` wants them."""
    facts = [StanceFact(article_id=a.id, country=code, stance=st.stance, confidence=st.confidence,
                        evidence=st.evidence, cues=st.cues, title=a.title, url=a.url, published=a.published)
             for g in groups for code, (st, a) in g.stances.items()]
    facts.sort(key=attrgetter("published", "article_id"), reverse=True)
    return facts


# --------------------------------------------------------------------------------------------------- build


def build(inp: DigestInput, layout: TileLayout) -> DigestData:
    countries = tuple(c for c in inp.countries if c in EU27)
    followed = set(countries or EU27)

    def relevant_here(arts: Sequence[ArticleRecord]) -> list[ArticleRecord]:
        kept = [_filtered(a, countries, inp.min_confidence) for a in arts]
        # Following a few states: a story counts when one of them took a position in it.
        return [a for a in kept if a.stances] if countries else kept

    current = relevant_here(inp.articles)
    groups = _groups(current, inp.covered)
    previous_groups = _groups(relevant_here(inp.previous))

    facts = _facts(groups)
    now = by_country(summarise(facts))
    before = by_country(summarise(_facts(previous_groups)))
    outlets_of = {a.id: a.feeds for a in current}
    summary_of = {a.id: a.summary for a in current}

    rows: list[StateRow] = []
    for code in sorted(followed, key=lambda c: (-(now[c].total if c in now else 0),
                                                -(before[c].total if c in before else 0), c)):
        s_now, s_before = now.get(code), before.get(code)
        if s_now is None and s_before is None and not countries:
            continue
        counts = tuple(LabelCount(label, s_now.counts.get(label, 0) if s_now else 0,
                                  s_before.counts.get(label, 0) if s_before else 0) for label in LABELS)
        latest = None
        if s_now is not None and s_now.latest is not None:
            f = s_now.latest
            feeds = outlets_of.get(f.article_id, ())
            evidence = in_text_order(f.evidence, f.title, summary_of.get(f.article_id, ""))
            latest = Quote(clip(evidence, EVIDENCE_CHARS), f.stance, clip(f.title, 160), safe_link(f.url),
                           f.published, feeds[0] if feeds else None)
        rows.append(StateRow(
            code=code, name=country_name(code), counts=counts,
            lean=s_now.lean if s_now and s_now.total else None,
            lean_before=s_before.lean if s_before and s_before.total else None,
            cls=map_class(s_now.counts, layout) if s_now else "none",
            trend=trend(s_now, s_before), latest=latest,
        ))
    by_code = {r.code: r for r in rows}

    grid: list[list[Tile | None]] = [[None] * layout.cols for _ in range(layout.rows)]
    for code, (row, col) in layout.tiles.items():
        r = by_code.get(code)
        cls = "not_followed" if code not in followed else (r.cls if r else "none")
        grid[row][col] = Tile(code, country_name(code), cls, r.total if r else 0, r.lean if r else None)
    legend_keys = ["pro_dialogue", "leaning_pro", "mixed", "leaning_hard", "hardline", "none"]
    if countries:
        legend_keys.append("not_followed")

    ranked = sorted(groups, key=attrgetter("rank"))
    stories = tuple(_story(g) for g in ranked[: inp.max_stories])

    failing = tuple(
        FailingFeed(f.name, safe_link(f.url), f.consecutive_failures,
                    clip(cause(f.last_error).words if f.last_error else f.last_status or "", ERROR_CHARS),
                    f.last_success_at)
        for f in sorted(inp.feeds, key=lambda f: (-f.consecutive_failures, f.name.casefold()))
        if f.consecutive_failures > 0
    )
    failing_groups = tuple(FailingGroup(words, tuple(feeds))
                           for words, feeds in group_by_cause(failing, lambda f: f.error))
    return DigestData(
        name=inp.name, title=inp.title, start=inp.start, end=inp.end, timezone=inp.timezone,
        stories_count=len(groups), articles_count=sum(len(g.members) for g in groups),
        states_count=sum(1 for s in now.values() if s.total), stances_count=len(facts),
        previous_stories_count=len(previous_groups),
        states=tuple(rows), grid=tuple(tuple(r) for r in grid),
        legend=tuple(layout.classes[k] for k in legend_keys), chip_styles=dict(layout.chips),
        class_styles=dict(layout.classes), stories=stories, more_stories=max(0, len(groups) - len(stories)),
        failing_feeds=failing, article_ids=frozenset(a.id for g in groups for a in g.members),
        countries=countries, config_path=inp.config_path, failing_groups=failing_groups,
        pages=page_summary(inp.pages),
    )


def _story(g: _Group) -> Story:
    lead = g.lead
    outlets = g.outlets
    return Story(
        title=clip(lead.title, 200), link=safe_link(lead.url), published=min(a.published for a in g.members),
        summary=clip(lead.summary, SUMMARY_CHARS),
        outlets=tuple(Copy(name, safe_link(url)) for name, url in outlets[:MAX_OUTLETS_SHOWN]),
        outlet_count=len(outlets),
        chips=tuple(Chip(code, st.stance) for code, (st, _) in sorted(g.stances.items())),
    )


__all__ = ["Chip", "Copy", "DigestData", "DigestInput", "FailingFeed", "FailingGroup", "LabelCount", "Quote",
           "StateRow", "Story", "Tile", "build", "clip", "map_class", "merge_stances", "safe_link"]
