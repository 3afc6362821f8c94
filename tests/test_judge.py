"""The judge on the cases issue 3 names: actors in all their forms, negation, attribution, passive voice, quotes,
descriptors, venues and products, relevance. Each case is a sentence a wire story could contain."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from monitor.judge import EU27, HARD, MIXED, PRO, Actors, Judge, Topic, TopicError, judges_for, topic_header
from monitor.judge.evaluate import evaluate, load_items
from monitor.judge.lexicon import PhraseIndex, inflect, tokenize, words_regex

EVAL = Path(__file__).parent / "data" / "eval"


@pytest.fixture(scope="module")
def judge() -> Judge:
    return judges_for().primary


def labels(judge: Judge, title: str, text: str = "") -> dict[str, str]:
    j = judge.judge(title, text)
    return {s.country: s.stance for s in j.stances}


# ------------------------------------------------------------------------------------------------ actors


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("Hungary blocked the new sanctions package against Russia.", "HU"),
        ("Hungary's government blocked the new sanctions package against Russia.", "HU"),
        ("The Italian government called for talks with Moscow.", "IT"),
        ("A Dutch minister called for tougher sanctions on Russia.", "NL"),
        ("Rome called for talks with Moscow.", "IT"),
        ("Warsaw demanded new sanctions on Russia.", "PL"),
        ("The Hague demanded new sanctions on Russia.", "NL"),
        ("Vilnius rejected any talks with the Kremlin.", "LT"),
        ("Orbán called for talks with Moscow.", "HU"),
        ("Orban called for talks with Moscow.", "HU"),
        ("Szijjarto said Budapest wanted a new gas deal with Gazprom.", "HU"),
        ("Greece called for a ceasefire negotiated with Moscow.", "GR"),
        ("Grèce: Athènes soutient le dialogue avec la Russie.", "GR"),  # CLDR name, French
        ("Ungarn blockiert neue Sanktionen gegen Russland.", "HU"),  # CLDR name, German
    ],
)
def test_states_are_recognised_in_every_form(judge: Judge, sentence: str, code: str) -> None:
    assert code in labels(judge, sentence)


def test_groups_expand_to_their_members(judge: Judge) -> None:
    got = labels(judge, "The Baltic states demanded tougher sanctions on Russia.")
    assert {k: v for k, v in got.items()} == {"EE": HARD, "LV": HARD, "LT": HARD}
    got = labels(judge, "Spain, Portugal and Greece called for talks with Moscow.")
    assert got == {"ES": PRO, "PT": PRO, "GR": PRO}
    assert set(labels(judge, "Benelux ministers demanded new sanctions on Russia.")) == {"BE", "NL", "LU"}


def test_brussels_is_the_eu_and_moscow_is_russia(judge: Judge) -> None:
    got = labels(judge, "Brussels proposed new sanctions on Moscow, and Belgium did not comment.")
    assert "BE" not in got


def test_country_names_come_from_cldr_in_five_languages() -> None:
    actors = Actors.load()
    for name in ("Hongrie", "Ungarn", "Ungheria", "Węgry", "Hungría", "Allemagne", "Niemcy", "Grecia"):
        found = actors.find(tokenize(name + " said"), name + " said")
        assert found and found[0].eligible, name
    assert len(EU27) == 27 and "GR" in EU27 and "EL" not in EU27


# ------------------------------------------------------------------------------------------------ stance


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # negation
        ("Germany did not back resuming contacts with Moscow.", {"DE": HARD}),
        ("Italy declined to endorse the latest sanctions round against Russia.", {"IT": PRO}),
        ("Austria dropped its objection to a diplomatic initiative towards Russia.", {"AT": PRO}),
        ("Sweden no longer opposes a European envoy to Moscow.", {"SE": PRO}),
        ("Finland refused to rule out talks with Russia.", {"FI": PRO}),
        # attribution between states, passive voice
        ("Estonia slammed Slovakia's overture to the Kremlin.", {"EE": HARD, "SK": PRO}),
        ("A Greek proposal for talks with Russia was turned down by Sweden.", {"GR": PRO, "SE": HARD}),
        ("Poland criticised Hungary for blocking sanctions on Russia.", {"PL": HARD, "HU": PRO}),
        # plain readings
        ("Lithuania expelled four Russian diplomats on Monday.", {"LT": HARD}),
        ("Slovakia signed a new gas contract with Gazprom.", {"SK": PRO}),
        ("Hungary threatened to veto the renewal of EU sanctions on Russia.", {"HU": PRO}),
        # mixed: conditional, or both at once
        ("Italy will join talks with Russia as soon as strikes on civilians stop.", {"IT": MIXED}),
        ("France supports the sanctions yet keeps its own line to the Kremlin open.", {"FR": MIXED}),
        # descriptors
        ("Hawkish Poland and dovish Hungary clashed over the EU's Russia policy.", {"PL": HARD, "HU": PRO}),
        # a condition inside what is rejected is not the rejecter's reservation
        ("Luxembourg rejected suggestions to ease sanctions on Russia in exchange for a ceasefire.", {"LU": HARD}),
        # a relative clause belongs to its own subject, not to the sentence's speaker
        ("The Czech foreign ministry said on Thursday it did not back resuming high-level political contacts with "
         "Russia, responding to comments by Slovak Prime Minister Robert Fico, who had urged the EU to reopen "
         "dialogue with the Kremlin.", {"CZ": HARD, "SK": PRO}),
        # a verb's reach ends at a new clause; an evaluation is spent on the object it evaluates
        ("Malta turned down a request for a Russian navy supply ship to refuel at Valletta, the government said, "
         "citing EU sanctions.", {"MT": HARD}),
        ('Croatian president calls sanctions on Russia "pointless", urges talks with Kremlin', {"HR": PRO}),
        ("Slovenia says the sanctions on Russian fertiliser are raising food prices in Africa.", {"SI": PRO}),
        ("Hungary warned that a special tribunal would poison any future peace negotiations with Russia.",
         {"HU": PRO}),
    ],
)
def test_stance_cases(judge: Judge, sentence: str, expected: dict[str, str]) -> None:
    assert labels(judge, sentence) == expected


def test_an_open_question_is_no_reaction(judge: Judge) -> None:
    text = "Lithuania expelled four Russian diplomats on Monday. Slovakia has not said whether it will follow suit."
    assert labels(judge, "Baltic expulsions", text) == {"LT": HARD}
    assert labels(judge, "Baltic expulsions", text.replace("has not said whether it will", "said it would")) == {
        "LT": HARD, "SK": HARD}


def test_quote_is_attributed_to_its_speaker(judge: Judge) -> None:
    got = labels(judge, "Baltic push", '"Now is not the time to talk to Putin," Lithuania\'s foreign minister said.')
    assert got == {"LT": HARD}


def test_pronoun_carries_the_state_to_the_next_sentence(judge: Judge) -> None:
    text = ("Slovak Prime Minister Robert Fico spoke in Bratislava on Monday. "
            "He said Europe should lift the sanctions on Russian energy.")
    assert labels(judge, "Fico on energy", text) == {"SK": PRO}


@pytest.mark.parametrize(
    "sentence",
    [
        "EU and Russian officials held talks at a summit in Lisbon.",  # venue
        "Ukraine received more German-built tanks as Russia pressed its offensive.",  # product
        "A Dutch-born researcher said Russia's economy is slowing under sanctions.",  # origin
        "Russian and Ukrainian delegations met in Vienna for talks on prisoner exchanges.",  # venue, capital
    ],
)
def test_a_state_merely_mentioned_gets_no_stance(judge: Judge, sentence: str) -> None:
    assert labels(judge, sentence) == {}


def test_every_stance_carries_confidence_evidence_and_cues(judge: Judge) -> None:
    title = "Hungary blocks EU sanctions on Russia"
    text = "Budapest vetoed the package on Monday. Poland's foreign minister called for tougher sanctions."
    j = judge.judge(title, text)
    assert j.relevant and 0.5 <= j.relevance <= 1
    for st in j.stances:
        assert 0 < st.confidence <= 1
        assert st.evidence and all(part in f"{title} {text}" for part in st.evidence.split(" … "))
        assert st.cues
    assert {s.country: s.stance for s in j.stances} == {"HU": PRO, "PL": HARD}


def test_long_article_with_several_actors(judge: Judge) -> None:
    text = "\n".join([
        "BRUSSELS — EU foreign ministers failed to agree on Monday on a new package of sanctions against Russia.",
        "Hungary blocked the package, with Foreign Minister Péter Szijjártó saying sanctions had failed.",
        "Poland and the Baltic states demanded that the measures be adopted without delay.",
        "Italy's Antonio Tajani said Rome backed the sanctions but wanted Europe to keep a channel to Moscow open.",
        "The meeting took place in Luxembourg, where Germany's new ambassador presented his credentials.",
    ])
    got = labels(judge, "Sanctions package stalls", text)
    assert got["HU"] == PRO
    assert got["PL"] == HARD and got["EE"] == HARD and got["LV"] == HARD and got["LT"] == HARD
    assert got["IT"] == MIXED
    assert "LU" not in got and "DE" not in got and "BE" not in got


# ------------------------------------------------------------------------------------------------ relevance


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Russia held to a draw by Serbia in Moscow friendly", ""),
        ("Russia and China sign new gas supply deal", "The deal covers deliveries through the Power of Siberia."),
        ("Bolshoi ballet returns to Paris stage", "The Russian company performed Swan Lake for French audiences."),
        ("Storm floods streets in Riga", "Latvian authorities said the Russian-speaking district was hit worst."),
    ],
)
def test_not_relevant_when_russia_is_only_mentioned(judge: Judge, title: str, text: str) -> None:
    j = judge.judge(title, text)
    assert not j.relevant and j.stances == ()


def test_relevant_stories_score_high(judge: Judge) -> None:
    j = judge.judge("EU ministers discuss new Russia sanctions", "Foreign ministers met in Brussels to discuss "
                    "a 20th package of sanctions against Russia and the use of frozen Russian assets.")
    assert j.relevant and j.relevance >= 0.8


# ------------------------------------------------------------------------------------------------ machinery


def test_inflections_and_phrase_syntax() -> None:
    assert {"criticise", "criticised", "criticizes", "criticizing"} <= set(inflect("criticise"))
    assert {"veto", "vetoed", "vetoes"} <= set(inflect("veto"))
    index: PhraseIndex[str] = PhraseIndex()
    index.add("keep _4 open", "x")
    index.add("back~ (the|a)? talks", "y")
    tokens = tokenize("They keep a line to Moscow open and backed talks.")
    assert [m.payload for m in index.matches(tokens)] == ["x", "y"]


def test_topic_is_data_and_a_config_topic_can_replace_it(tmp_path: Path) -> None:
    path = tmp_path / "energy.yaml"
    path.write_text(json.dumps({
        "name": "energy-ties", "version": 1, "target": {"names": ["Gazprom"]},
        "relevance": {"eu": ["EU"], "topic": {"3": ["gas"]}},
        "objects": {"dialogue": ["gas deal"]}, "polarity": {"positive": ["sign~"], "negative": ["not"]},
    }))
    judge = Judge(Topic.load(str(path)), Actors.load())
    j = judge.judge("Slovakia signs gas deal with Gazprom", "The EU said Slovakia signed a gas deal with Gazprom.")
    assert j.topic == "energy-ties" and {s.country: s.stance for s in j.stances} == {"SK": PRO}
    # what reports and exports key on, read without compiling the lexicons
    assert topic_header(str(path)) == ("energy-ties", "energy-ties")
    builtin = Topic.load()
    assert topic_header() == (builtin.name, builtin.label) == ("eu-russia-dialogue", "EU–Russia dialogue")
    (tmp_path / "nameless.yaml").write_text(json.dumps({"label": "No name"}))
    with pytest.raises(TopicError, match=r"nameless\.yaml: missing 'name'"):
        topic_header(str(tmp_path / "nameless.yaml"))
    # a flow list splits at commas: the fragments of an unquoted phrase that held one are named, not loaded
    (tmp_path / "split.yaml").write_text("name: split\ntarget: {names: [Russia]}\n"
                                         "objects:\n  pressure: [sanctions, (force~ Russia (, now ,)? to talks)]\n")
    with pytest.raises(TopicError, match=r"split\.yaml: objects\.pressure\[1\]: '\(force~ Russia \(': unbalanced"):
        Topic.load(str(tmp_path / "split.yaml"))


def test_judge_is_fast_enough_for_a_poll(judge: Judge) -> None:
    """A guard, not the benchmark (bench/classify.py): a regression to seconds per article would show here."""
    import time

    text = ("Hungary blocked the new package of sanctions against Russia on Monday, while Poland and the Baltic "
            "states called for tougher measures. ") * 6
    start = time.process_time()
    for _ in range(50):
        judge.judge("Sanctions row", text)
    assert (time.process_time() - start) / 50 < 0.02


# ------------------------------------------------------------------------------------------------ evaluation


def test_evaluation_set_is_well_formed() -> None:
    items = load_items(EVAL / "stance_dev.jsonl")
    assert len(items) >= 200
    assert sum(1 for i in items if not i.relevant) >= 40
    assert {c for i in items for c in i.labels} == set(EU27)


def test_scores_on_the_labelled_sets_do_not_regress(judge: Judge) -> None:
    """Floors at the figures reached when this test was written; raise them as the judge improves."""
    dev = evaluate(load_items(EVAL / "stance_dev.jsonl"), judge)
    assert dev.relevance["f1"] >= 0.97
    assert dev.macro_f1 >= 0.90  # the target of the issue that introduced the judge
    holdout = evaluate(load_items(EVAL / "stance_holdout.jsonl"), judge)
    assert holdout.relevance["f1"] >= 0.95
    assert holdout.macro_f1 >= 0.88
    dev2 = evaluate(load_items(EVAL / "stance_dev2.jsonl"), judge)
    assert dev2.relevance["f1"] >= 0.95
    assert dev2.macro_f1 >= 0.78
    multilingual = evaluate(load_items(EVAL / "stance_multilingual.jsonl"), judge)
    assert multilingual.relevance["f1"] >= 0.95
    assert multilingual.macro_f1 >= 0.95


@pytest.mark.parametrize("text, expected", [
    ("Talks in Moscow resume", True),
    ("the Muscovite view", False),  # a longer word that merely starts like one of them
    ("Russian envoys", True), ("Russia", True), ("Russ", False), ("Belarussian", False),
    ("RU-based", False),  # shorter than every word listed
    ("news from Rosja today", True), ("Rosjanie", False), ("ros", False),
])
def test_words_regex_matches_exactly_what_a_flat_alternation_matches(text: str, expected: bool) -> None:
    words = ["Russia", "Russian", "Rosja", "Moscow", "Muscovy", "Kremlin"]
    flat = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    tree = re.compile(words_regex(words))
    assert bool(tree.search(text)) == bool(flat.search(text)) == expected
    assert tree.pattern.count("|") < len(words) - 1  # prefixes are shared, not repeated


def test_a_process_that_judges_stays_small() -> None:
    """Every parser worker holds the judge: its tries (~80,000 phrase nodes in 26 languages) and country names
    once cost 49 MB per process, over the poll's memory budget. Names come from the shipped table, not from
    Babel's locales, and leaves share one empty mapping."""
    script = textwrap.dedent("""
        import sys
        def rss():
            return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
        import monitor.analyse
        before = rss()
        judges = monitor.analyse.judges_for()
        judges.judge("Hungary calls for talks with Moscow", "Poland wants more sanctions on Russia.", lang="en")
        judges.judge("Polska", "Minister spraw zagranicznych Polski sprzeciwił się rozmowom z Rosją.", lang="pl")
        print(rss() - before, "babel.core" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    grown, babel = done.stdout.split()
    assert babel == "False"
    assert float(grown) < 40, f"the judge took {grown} MB"
