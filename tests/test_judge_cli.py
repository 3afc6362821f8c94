"""Issue 3 end to end: stories judged during the poll and stored, exported with their stances, summarised per
state, re-judged after a lexicon change; the `classify` contract; `eval` output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from monitor.judge import judges_for
from monitor.store import open_store
from tests.support.cli import run_monitor
from tests.support.feedserver import Feed, FeedServer, Item, rss

NOW = time.time()
EVAL = Path(__file__).parent / "data" / "eval"

STORIES = [
    Item("Hungary blocks new EU sanctions on Russia", "https://news.example.org/hu-veto", guid="a1",
         description="<p>Budapest vetoed the 20th package on Monday, diplomats said.</p>", published=NOW - 3600),
    Item("Estonia slams Slovakia's overture to the Kremlin", "https://news.example.org/ee-sk", guid="a2",
         description="Tallinn criticised Bratislava's plan to reopen talks with Moscow.", published=NOW - 7200),
    Item("Poland expels four Russian diplomats", "https://news.example.org/pl", guid="a3",
         description="Warsaw ordered the diplomats to leave within five days.", published=NOW - 5400),
    Item("Lisbon marathon draws record field", "https://news.example.org/sport", guid="a4",
         description="Runners from Spain, Italy and Russia took part in the race.", published=NOW - 1800),
]


@pytest.fixture
def env(tmp_path: Path, feed_server: FeedServer) -> tuple[Path, Path, FeedServer]:
    url = feed_server.route("/feed.xml", Feed(rss(STORIES)))
    db = tmp_path / "monitor.db"
    config = tmp_path / "monitor.yaml"
    config.write_text(f"database: sqlite:///{db}\nfeeds:\n  - name: Wire\n    url: {url}\n", encoding="utf-8")
    return config, db, feed_server


def run(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_monitor("--config", str(config), *args, stdin=stdin)


def test_poll_judges_and_stores_stances_that_export_and_stances_report(env: tuple[Path, Path, FeedServer]) -> None:
    config, _, _ = env
    assert run(config, "poll").returncode == 0

    out = run(config, "export", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    records = {r["title"]: r for r in map(json.loads, out.stdout.splitlines())}
    veto = records["Hungary blocks new EU sanctions on Russia"]
    assert veto["relevant"] is True and veto["relevance"] >= 0.5
    assert [(s["country"], s["stance"]) for s in veto["stances"]] == [("HU", "pro_dialogue")]
    assert veto["stances"][0]["evidence"] and 0 < veto["stances"][0]["confidence"] <= 1
    overture_record = records["Estonia slams Slovakia's overture to the Kremlin"]
    overture = {s["country"]: s["stance"] for s in overture_record["stances"]}
    assert overture == {"EE": "hardline", "SK": "pro_dialogue"}
    sport = records["Lisbon marathon draws record field"]
    assert sport["relevant"] is False and sport["stances"] == []

    table = run(config, "stances", "--since", "7d")
    assert table.returncode == 0, table.stderr
    lines = {line.split()[0]: line for line in table.stdout.splitlines() if line[:2].isupper() and line[2] == " "}
    assert set(lines) == {"HU", "EE", "SK", "PL"}
    assert "+1.00" in lines["HU"] and "-1.00" in lines["PL"] and "-1.00" in lines["EE"]
    only = run(config, "stances", "--since", "7d", "--country", "pl")
    assert "PL Poland" in only.stdout and "HU " not in only.stdout
    bad = run(config, "stances", "--country", "XX")
    assert bad.returncode != 0 and "XX" in bad.stderr and "Traceback" not in bad.stderr

    csv_out = run(config, "export", "--format", "csv")
    by_title = {r["title"]: r for r in csv.DictReader(io.StringIO(csv_out.stdout))}
    assert by_title["Hungary blocks new EU sanctions on Russia"]["HU"] == "pro_dialogue"


def test_reclassify_applies_a_changed_topic(env: tuple[Path, Path, FeedServer], tmp_path: Path) -> None:
    config, db, _ = env
    assert run(config, "poll").returncode == 0
    # A narrower topic: only expulsions count, as pressure. After reclassify the veto story has no stance.
    topic = tmp_path / "expulsions.yaml"
    topic.write_text(json.dumps({
        "name": "eu-russia-dialogue", "version": 99, "target": {"names": ["Russia", "Russian", "Kremlin"]},
        "relevance": {"eu": ["EU"], "topic": {"3": ["diplomats"]}},
        "objects": {"pressure": ["expel~ _4 diplomats"]}, "polarity": {"negative": ["not"]},
    }), encoding="utf-8")
    config.write_text(config.read_text() + f"judge:\n  topics: [{topic}]\n", encoding="utf-8")
    result = run(config, "reclassify")
    assert result.returncode == 0, result.stderr
    assert "re-judged 4 articles" in result.stdout
    records = {r["title"]: r for r in map(json.loads, run(config, "export").stdout.splitlines())}
    assert records["Hungary blocks new EU sanctions on Russia"]["stances"] == []
    assert [(s["country"], s["stance"]) for s in records["Poland expels four Russian diplomats"]["stances"]] == [
        ("PL", "hardline")]
    store = open_store(f"sqlite:///{db}")
    facts = store.stance_facts("eu-russia-dialogue")
    assert {f.country for f in facts} == {"PL"}


def test_classify_contract_one_line_per_input_in_order(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("feeds: []\n", encoding="utf-8")
    lines = [
        {"id": "x1", "title": "Hungary blocks new EU sanctions on Russia", "text": ""},
        {"id": 2, "title": "Weather: sunny spells in Madrid", "text": "Temperatures will reach 25C."},
        {"id": "x3", "title": "Lithuania expels Russian diplomats", "text": "Vilnius expelled three diplomats."},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines[:2]) + "\nnot json\n" + json.dumps(lines[2]) + "\n"
    result = run(config, "classify", "-", stdin=stdin)
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["x1", 2, None, "x3"]
    assert set(out[0]) == {"id", "relevant", "relevance", "stances"}
    assert out[0]["relevant"] is True and isinstance(out[0]["relevance"], float)
    assert out[0]["stances"] == [{"country": "HU", "stance": "pro_dialogue", "confidence": out[0]["stances"][0][
        "confidence"], "evidence": "Hungary blocks new EU sanctions on Russia"}]
    assert out[1] == {"id": 2, "relevant": False, "relevance": out[1]["relevance"], "stances": []}
    assert "error" in out[2] and "line 3" in out[2]["error"]
    assert out[3]["stances"][0]["country"] == "LT" and out[3]["stances"][0]["stance"] == "hardline"
    assert result.returncode == 1 and "<stdin>:3: not valid JSON" in result.stderr  # reported; the rest answered

    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(lines[0]) + "\n", encoding="utf-8")
    ok = run(config, "classify", str(path))
    assert ok.returncode == 0 and json.loads(ok.stdout)["stances"][0]["country"] == "HU"


def test_eval_prints_scores_and_confusion(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("feeds: []\n", encoding="utf-8")
    result = run(config, "eval", str(EVAL / "stance_dev.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "relevance  P" in result.stdout and "macro-F1" in result.stdout and "confusion" in result.stdout
    for label in ("pro_dialogue", "hardline", "mixed"):
        assert label in result.stdout
    as_json = json.loads(run(config, "eval", str(EVAL / "stance_dev.jsonl"), "--json").stdout)
    assert as_json["items"] >= 200 and 0 <= as_json["macro_f1"] <= 1
    assert set(as_json["labels"]) == {"pro_dialogue", "hardline", "mixed"}
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1, "title": "x", "relevant": true, "labels": {"IT": "friendly"}}\n', encoding="utf-8")
    bad = run(config, "eval", str(broken))
    assert bad.returncode != 0 and "broken.jsonl:1" in bad.stderr and "friendly" in bad.stderr


def test_judging_in_worker_processes_matches_in_process(env: tuple[Path, Path, FeedServer]) -> None:
    """The poll judges in worker processes; the stored result must equal a direct call."""
    config, db, _ = env
    assert run(config, "poll", "--workers", "2").returncode == 0
    judge = judges_for().primary
    store = open_store(f"sqlite:///{db}")
    for article in store.articles(topic="eu-russia-dialogue"):
        direct = judge.judge(article.title, article.summary)
        assert article.relevant == direct.relevant
        assert {(s.country, s.stance) for s in article.stances} == {(s.country, s.stance) for s in direct.stances}
