"""What goes into a digest, as pure functions: story grouping, repeats, per-state counts and change, the map."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.digest.select import (
    DigestInput,
    build,
    clip,
    map_class,
    merge_stances,
    safe_link,
)
from monitor.digest.stories import Item, fingerprint, group
from monitor.digest.tilemap import LayoutError, load_layout, parse_layout
from monitor.judge import EU27, HARD, MIXED, PRO, Stance
from monitor.store import ArticleRecord, CoveredArticle, FeedState
from monitor.summary import in_text_order

END = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
START = END - timedelta(days=1)
_ids = itertools.count(1)
LAYOUT = load_layout()


def art(title: str, stances: dict[str, str] | None = None, feeds: tuple[str, ...] = ("Euractiv",),
        url: str | None = None, hours_ago: float = 3, confidence: float = 0.8, relevance: float = 0.9,
        aid: int | None = None) -> ArticleRecord:
    i = aid or next(_ids)
    when = END - timedelta(hours=hours_ago)
    return ArticleRecord(
        id=i, url=url if url is not None else f"https://news.example/{i}", title=title, summary=f"About: {title}",
        published=when, first_seen=when + timedelta(minutes=10), language="en", feeds=feeds, relevant=True,
        relevance=relevance,
        stances=tuple(Stance(code, label, confidence, f"{code} said something about {label} ({title}).")
                      for code, label in (stances or {}).items()))


def digest(articles, previous=(), covered=(), feeds=(), **kw):
    return build(DigestInput(name="daily", title="EU–Russia dialogue", start=START, end=END,
                             timezone="Europe/Brussels", articles=articles, previous=previous, covered=covered,
                             feeds=feeds, **kw), LAYOUT)


# ------------------------------------------------------------------------------------------------ grouping


@pytest.mark.parametrize(("title", "key"), [
    ("Hungary blocks new EU sanctions on Russia - Reuters", "hungary blocks new eu sanctions on russia"),
    ("Hungary blocks new EU sanctions on Russia | Euronews", "hungary blocks new eu sanctions on russia"),
    ("Hungary blocks new EU sanctions on Russia", "hungary blocks new eu sanctions on russia"),
    ("Talks - what next", "talks what next"),  # too short to be "title - outlet"
])
def test_fingerprint_drops_outlet_suffixes(title: str, key: str) -> None:
    assert fingerprint(title) == key


def items(*titles: str, hours: list[float] | None = None) -> list[Item]:
    return [Item(i, t, f"https://x.example/{i}", END - timedelta(hours=(hours or [0] * len(titles))[i]))
            for i, t in enumerate(titles)]


def test_copies_with_outlet_suffixes_and_small_wording_changes_are_one_story() -> None:
    groups = group(items("Hungary blocks new EU sanctions on Russia - Reuters",
                         "Hungary blocks new EU sanctions against Russia",
                         "Hungary blocks new EU sanctions on Russia | Euronews",
                         "Slovakia blocks new EU sanctions on Russia",
                         "Estonia expels Russian diplomats"))
    assert groups == [[0, 1, 2], [3], [4]]


def test_the_same_url_is_one_story_whatever_the_titles() -> None:
    same = [Item(1, "Orbán in Moscow", "https://a.example/1", END), Item(2, "Orban visits Putin", "https://a.example/1",
                                                                          END)]
    assert group(same) == [[0, 1]]


def test_a_headline_formula_days_apart_is_two_stories() -> None:
    groups = group(items("EU foreign ministers meet to discuss Russia sanctions",
                         "EU foreign ministers meet to discuss Russia sanctions", hours=[0, 24 * 5]))
    assert groups == [[0], [1]]


def test_short_generic_titles_are_not_merged_fuzzily() -> None:
    assert group(items("Russia live updates", "Russia live update")) == [[0], [1]]


@pytest.mark.parametrize(("seed", "vocabulary_size", "n", "repeats"), [
    (11, 14, 400, 0), (3, 25, 600, 40), (7, 40, 500, 50), (5, 9, 300, 0)])
def test_fast_grouping_finds_exactly_the_pairs_a_brute_force_comparison_finds(seed: int, vocabulary_size: int, n: int,
                                                                              repeats: int) -> None:
    """Small vocabularies make many pairs near the threshold (the hard case for hashing); ``repeats`` titles are
    repeated word for word at other times, days apart or not."""
    import random

    from monitor.digest.stories import MAX_GAP, SIMILARITY, words

    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(vocabulary_size)]
    titles = [" ".join(rng.sample(vocabulary, rng.randint(4, 9))) for _ in range(n)]
    titles += [rng.choice(titles) for _ in range(repeats)]
    its = [Item(i, t, None, END - timedelta(hours=rng.randint(0, 150))) for i, t in enumerate(titles)]
    parent = list(range(len(its)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in itertools.combinations(range(len(its)), 2):
        wa, wb = words(fingerprint(its[a].title)), words(fingerprint(its[b].title))
        same_key = fingerprint(its[a].title) == fingerprint(its[b].title) and len(fingerprint(its[a].title)) >= 20
        close = abs(its[a].published - its[b].published) <= MAX_GAP
        similar = min(len(wa), len(wb)) >= 4 and len(wa & wb) / len(wa | wb) >= SIMILARITY
        if close and (similar or same_key):
            parent[find(b)] = find(a)
    expected: dict[int, list[int]] = {}
    for i in range(len(its)):
        expected.setdefault(find(i), []).append(i)
    assert sorted(group(its)) == sorted(expected.values())


def test_grouping_many_titles_is_fast() -> None:
    import random
    import time

    rng = random.Random(4)
    vocabulary = [f"word{i}" for i in range(3000)]
    titles = [" ".join(rng.sample(vocabulary, 9)) for _ in range(6000)]
    started = time.perf_counter()
    groups = group(items(*titles, hours=[i % 48 for i in range(6000)]))
    assert time.perf_counter() - started < 2.0
    assert len(groups) == 6000


# ------------------------------------------------------------------------------------------------ stories


def test_top_stories_group_copies_with_chips_per_state() -> None:
    data = digest([
        art("Hungary blocks new EU sanctions on Russia - Reuters", {"HU": PRO, "PL": HARD}, feeds=("Google News",)),
        art("Hungary blocks new EU sanctions on Russia", {"HU": PRO}, feeds=("Politico Europe",)),
        art("Hungary blocks new EU sanctions against Russia", {"HU": PRO}, feeds=("Euractiv", "EUobserver")),
        art("Italy suggests an envoy to Moscow", {"IT": MIXED}),
    ])
    assert data.stories_count == 2 and data.articles_count == 4
    top = data.stories[0]
    assert top.outlet_count == 4
    assert [c.outlet for c in top.outlets] == ["Google News", "Politico Europe", "Euractiv", "EUobserver"]
    assert [(c.code, c.stance) for c in top.chips] == [("HU", PRO), ("PL", HARD)]
    assert data.stories[1].outlet_count == 1


def test_stances_count_once_per_story_not_per_copy() -> None:
    data = digest([art("Hungary blocks new EU sanctions on Russia", {"HU": PRO}, feeds=(f"Outlet {i}",),
                       url=f"https://o{i}.example/x") for i in range(5)])
    hu = next(r for r in data.states if r.code == "HU")
    assert hu.count(PRO).now == 1
    assert data.stances_count == 1


def test_contradicting_copies_make_the_state_mixed() -> None:
    a = Stance("HU", PRO, 0.9, "e1")
    b = Stance("HU", HARD, 0.6, "e2")
    assert merge_stances([a, b]) == Stance("HU", MIXED, 0.9, "e1")
    assert merge_stances([b]) == b
    assert merge_stances([]) is None


def test_ranking_prefers_wide_coverage_then_more_states() -> None:
    data = digest([
        art("Lonely story with many states", {"HU": PRO, "PL": HARD, "EE": HARD}),
        art("Widely covered story about talks", {"FR": PRO}, feeds=("A", "B", "C")),
        art("Another lonely story", {"IT": MIXED}),
    ])
    assert [s.title for s in data.stories] == ["Widely covered story about talks", "Lonely story with many states",
                                               "Another lonely story"]


def test_max_stories_caps_the_list_and_counts_the_rest() -> None:
    data = digest([art(f"Distinct story number {i} on {word}", {"HU": PRO})
                   for i, word in enumerate(["gas", "envoy", "veto", "sanctions", "visas"])], max_stories=2)
    assert len(data.stories) == 2 and data.more_stories == 3 and data.stories_count == 5


def test_stories_the_last_digest_carried_and_their_copies_are_left_out() -> None:
    sent = CoveredArticle(900, "Hungary blocks new EU sanctions on Russia", "https://a.example/sent", END - timedelta(
        hours=30))
    data = digest([
        art("Hungary blocks new EU sanctions on Russia - Reuters", {"HU": PRO}, url="https://b.example/copy"),
        art("Estonia expels two Russian diplomats", {"EE": HARD}),
    ], covered=[sent])
    assert [s.title for s in data.stories] == ["Estonia expels two Russian diplomats"]
    assert data.stories_count == 1
    assert [r.code for r in data.states] == ["EE"]  # HU's only story was not new


# ------------------------------------------------------------------------------------------------ states


def test_per_state_counts_and_change_against_the_previous_period() -> None:
    data = digest(
        [art("Hungary wants talks", {"HU": PRO}), art("Hungary again wants talks with Moscow", {"HU": PRO}),
         art("Poland rejects talks", {"PL": HARD}), art("Italy sets conditions", {"IT": MIXED})],
        previous=[art("Hungary hardens tone", {"HU": HARD}, hours_ago=30),
                  art("Poland rejects talks again", {"PL": HARD}, hours_ago=30),
                  art("Sweden expels diplomats", {"SE": HARD}, hours_ago=30)])
    rows = {r.code: r for r in data.states}
    hu = rows["HU"]
    assert [(c.label, c.now, c.before, c.arrow) for c in hu.counts] == [
        (PRO, 2, 0, "up"), (HARD, 0, 1, "down"), (MIXED, 0, 0, "same")]
    assert (hu.lean, hu.lean_before, hu.trend, hu.cls) == (1.0, -1.0, "towards_dialogue", "pro_dialogue")
    assert rows["PL"].trend == "steady"
    assert rows["IT"].trend == "new" and rows["IT"].cls == "mixed"
    assert rows["SE"].trend == "silent" and rows["SE"].total == 0 and rows["SE"].latest is None
    assert [r.code for r in data.states] == ["HU", "PL", "IT", "SE"]  # by stories now, then before
    assert data.states_count == 3


def test_latest_evidence_quote_links_to_its_story() -> None:
    old = art("Poland rejects talks", {"PL": HARD}, hours_ago=10, url="https://pl.example/old")
    new = art("Poland again rejects talks", {"PL": HARD}, hours_ago=2, url="https://pl.example/new",
              feeds=("Notes from Poland",))
    quote = digest([old, new]).states[0].latest
    assert quote is not None
    assert (quote.link, quote.outlet, quote.stance) == ("https://pl.example/new", "Notes from Poland", HARD)
    assert quote.text == "PL said something about hardline (Poland again rejects talks)."


def test_min_confidence_and_followed_countries() -> None:
    data = digest([art("Hungary wants talks", {"HU": PRO, "SK": PRO}),
                   art("Vague Polish remarks", {"PL": HARD}, confidence=0.3),
                   art("Estonia hawkish", {"EE": HARD})], countries=("HU", "PL", "CY"), min_confidence=0.5)
    assert [r.code for r in data.states] == ["HU", "CY", "PL"]  # followed states are listed even when silent
    assert data.stories_count == 1  # only stories where a followed state took a position
    tiles = {t.code: t for row in data.grid for t in row if t}
    assert tiles["HU"].cls == "pro_dialogue" and tiles["PL"].cls == "none" and tiles["EE"].cls == "not_followed"
    assert data.legend[-1].key == "not_followed"


# ------------------------------------------------------------------------------------------------ map


def test_every_member_state_has_exactly_one_tile() -> None:
    data = digest([])
    codes = [t.code for row in data.grid for t in row if t]
    assert sorted(codes) == sorted(EU27)
    assert all(len(row) == len(data.grid[0]) for row in data.grid)


@pytest.mark.parametrize(("counts", "cls"), [
    ({PRO: 3}, "pro_dialogue"), ({PRO: 2, HARD: 1}, "leaning_pro"), ({PRO: 1, HARD: 1}, "mixed"),
    ({MIXED: 2}, "mixed"), ({HARD: 2, PRO: 1}, "leaning_hard"), ({HARD: 4, MIXED: 1}, "hardline"), ({}, "none"),
])
def test_map_classes_follow_the_net_lean(counts: dict[str, int], cls: str) -> None:
    assert map_class({PRO: 0, HARD: 0, MIXED: 0, **counts}, LAYOUT) == cls


def test_layout_errors_are_caught() -> None:
    import copy

    from ruamel.yaml import YAML

    from monitor.digest import tilemap

    base = YAML(typ="safe").load((Path(tilemap.__file__).parent / "tilemap.yaml").read_text())
    broken = copy.deepcopy(base)
    del broken["tiles"]["CY"]
    with pytest.raises(LayoutError, match="no tile for CY"):
        parse_layout(broken)
    broken = copy.deepcopy(base)
    broken["tiles"]["CY"] = dict(base["tiles"]["GR"])
    with pytest.raises(LayoutError, match=r"tiles\.(CY|GR): same tile as (GR|CY)"):
        parse_layout(broken)
    broken = copy.deepcopy(base)
    broken["classes"]["hardline"]["colour"] = "red;background:url(http://x)"
    with pytest.raises(LayoutError, match="is not a #rrggbb colour"):
        parse_layout(broken)


# ------------------------------------------------------------------------------------------------ links, text


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.euractiv.com/a?b=c&d=e", True), ("http://example.org/", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), ("data:text/html,<b>x</b>", False),
    ("/relative/path", False), ("//evil.example/x", False), ("https://", False), ("https://a.example/x y", False),
    ("https://a.example/\nx", False), ("ftp://a.example/f", False), ("mailto:a@example.org", False), ("", False),
])
def test_only_http_links_survive(url: str | None, ok: bool) -> None:
    assert (safe_link(url) == url) is ok
    if not ok:
        assert safe_link(url) is None


def test_a_story_with_a_bad_link_keeps_its_title_unlinked() -> None:
    data = digest([art("Odd link story about talks", {"HU": PRO}, url="javascript:alert(1)")])
    assert data.stories[0].link is None and data.stories[0].title == "Odd link story about talks"
    assert data.states[0].latest is not None and data.states[0].latest.link is None


def test_clip_cuts_at_a_word() -> None:
    assert clip("short", 10) == "short"
    assert clip("one two three four five six", 16) == "one two three…"
    assert len(clip("x" * 500, 100)) == 100


# ------------------------------------------------------------------------------------------------ numbers, feeds


def test_empty_when_no_relevant_story_arrived() -> None:
    failing = [FeedState(id=1, name="Broken", url="https://broken.example/rss", active=True, consecutive_failures=4,
                         last_error="HTTP 500", last_status="error")]
    data = digest([], feeds=failing)
    assert data.empty and data.stories_count == 0 and data.states == ()
    assert [f.name for f in data.failing_feeds] == ["Broken"]  # failing feeds alone do not make it non-empty


def test_failing_feeds_most_failures_first_healthy_ones_left_out() -> None:
    feeds = [FeedState(id=i, name=n, url=f"https://{n}.example/", active=True, consecutive_failures=f,
                       last_error=e, last_status="error" if f else "ok")
             for i, (n, f, e) in enumerate([("ok", 0, None), ("a", 2, "timeout"), ("b", 9, "HTTP 404")])]
    data = digest([art("Story about talks", {"HU": PRO})], feeds=feeds)
    assert [(f.name, f.failures, f.error) for f in data.failing_feeds] == [("b", 9, "HTTP 404"), ("a", 2, "timeout")]


def test_headline_numbers_and_recorded_ids() -> None:
    a = art("Hungary wants talks with Moscow now", {"HU": PRO, "SK": PRO}, aid=501)
    b = art("Hungary wants talks with Moscow now - Reuters", {"HU": PRO}, aid=502, feeds=("Google News",))
    c = art("A story with no state position on talks", {}, aid=503)
    data = digest([a, b, c], previous=[art("Older story about talks", {"PL": HARD}, hours_ago=30)])
    assert (data.stories_count, data.articles_count, data.states_count, data.stances_count) == (2, 3, 2, 2)
    assert data.previous_stories_count == 1
    assert data.article_ids == frozenset({501, 502, 503})


def test_failing_feeds_are_grouped_by_cause_in_words() -> None:
    dns = "cannot connect: [Errno -2] Name or service not known"
    rows = [("Euractiv", 3, dns), ("Politico Europe", 5, dns), ("EUobserver", 3, dns),
            ("Meduza", 2, "HTTP 404 Not Found"), ("Kyiv Post", 1, "timed out after 30s"),
            ("Balkan Insight", 4, "cannot connect: [Errno -3] Temporary failure in name resolution"),
            ("Le Monde", 2, "HTTP 404 Not Found")]
    feeds = [FeedState(id=i, name=n, url=f"https://{i}.example/rss", active=True, consecutive_failures=f,
                       last_error=e, last_status="error") for i, (n, f, e) in enumerate(rows)]
    data = digest([art("Story about talks", {"HU": PRO})], feeds=feeds)
    groups = [(g.cause, [f.name for f in g.feeds], g.failures) for g in data.failing_groups]
    assert groups == [
        ("host not found", ["Politico Europe", "EUobserver", "Euractiv"], (3, 5)),
        ("HTTP 404 Not Found", ["Le Monde", "Meduza"], (2, 2)),
        ("name lookup failed (DNS)", ["Balkan Insight"], (4, 4)),
        ("timed out", ["Kyiv Post"], (1, 1)),
    ]
    assert "Errno" not in " ".join(f.error for f in data.failing_feeds)


@pytest.mark.parametrize(("evidence", "title", "text", "expected"), [
    ("Body says so. … The headline", "The headline", "Body says so.", "The headline … Body says so."),
    ("Second sentence. … First sentence.", "Title", "First sentence. Second sentence.",
     "First sentence. … Second sentence."),
    ("Already in order … Body.", "Already in order", "Body.", "Already in order … Body."),
    ("Not in the summary. … The headline", "The headline", "", "The headline … Not in the summary."),
    ("Neither. … Nor this.", "Title", "Text.", "Neither. … Nor this."),
    ("One sentence only.", "Title", "", "One sentence only."),
])
def test_evidence_is_shown_in_the_storys_order(evidence: str, title: str, text: str, expected: str) -> None:
    assert in_text_order(evidence, title, text) == expected


def test_the_digest_quotes_evidence_headline_first() -> None:
    a = art("Austria offers Vienna for talks", {"AT": PRO})
    a = replace(a, summary="Austria is ready to host talks with Moscow.",
                stances=(Stance("AT", PRO, 0.9, "Austria is ready to host talks with Moscow. … Austria offers Vienna "
                                               "for talks"),))
    (row,) = digest([a]).states
    assert row.latest is not None
    assert row.latest.text == "Austria offers Vienna for talks … Austria is ready to host talks with Moscow."
