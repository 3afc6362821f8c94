"""Leaders' terms of office: a person speaks for a member state only while holding its office."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.analyse import process_document
from monitor.judge import Judges, judges_for
from monitor.judge.evaluate import Item
from monitor.judge.offices import Offices, parse_periods, split_served
from tests.support.cli import run_monitor


def test_periods_read_years_months_and_days_and_open_ends() -> None:
    assert parse_periods("2007-11..2014-09, 2023-12..") == (
        (date(2007, 11, 1), date(2014, 9, 30)), (date(2023, 12, 1), date.max))
    assert parse_periods("..2005") == ((date.min, date(2005, 12, 31)),)
    assert parse_periods("2024-02..2024-02") == ((date(2024, 2, 1), date(2024, 2, 29)),)
    assert parse_periods("2019-12-01..") == ((date(2019, 12, 1), date.max),)
    assert split_served("Mark Rutte | Rutte @ 2010-10..2024-07") == (
        "Mark Rutte | Rutte", ((date(2010, 10, 1), date(2024, 7, 31)),))
    assert split_served("Viktor Orbán | Orbán") == ("Viktor Orbán | Orbán", ())


@pytest.mark.parametrize(("text", "why"), [
    ("2014-13..", "month 13"),
    ("2015..2014", "ends before it starts"),
    ("2014", "not a period"),
    ("May 2014..", "not a date"),
])
def test_a_bad_period_is_named(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_periods(text)


def test_a_bad_period_in_an_actor_list_names_the_state_and_the_leader(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text("states:\n  CZ:\n    leaders:\n      - Jan Novák | Novák @ 2019-01..2017-12\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"actors: CZ leader 'Jan Novák \| Novák @ 2019-01..2017-12': .*ends before"):
        Judges(actors=str(path))


def test_a_surname_is_found_in_its_case_forms_and_shared_surnames_stay_in_office() -> None:
    offices = Offices()
    offices.add("PL", ["Donald Tusk", "Tusk"], parse_periods("2007-11..2014-09, 2023-12.."))
    offices.add("GR", ["Μητσοτάκης"], parse_periods("2019-07.."))
    later, between = date(2024, 1, 10), date(2018, 5, 1)
    for words in (["tusk"], ["donald", "tusk"], ["tuska"], ["tuskiem"], ["туск"]):
        assert offices.serving(("PL",), words, later)
    assert not offices.serving(("PL",), ["tusk"], between)
    assert not offices.serving(("PL",), ["tuskowi"], between)
    assert offices.serving(("PL",), ["tusk"], None)  # undated: read as before
    assert offices.serving(("PL",), ["duda"], between)  # not a dated leader
    assert not offices.serving(("GR",), ["μητσοτακη"], date(2018, 1, 1))  # Greek genitive, before his term
    assert offices.serving(("GR",), ["μητσοτακη"], date(2020, 1, 1))
    # two listed people of one state share the surname: in office while either is
    offices.add("PL", ["Lech Kaczyński"], parse_periods("2005-12..2010-04"))
    offices.add("PL", ["Jarosław Kaczyński"], parse_periods("2006-07..2007-11, 2020-10..2022-06"))
    assert offices.serving(("PL",), ["kaczynski"], date(2009, 1, 1))
    assert offices.serving(("PL",), ["kaczynski"], date(2021, 1, 1))
    assert not offices.serving(("PL",), ["kaczynski"], date(2015, 1, 1))


def _custom_judges(tmp_path: Path) -> Judges:
    path = tmp_path / "actors.yaml"
    path.write_text("states:\n  CZ:\n    leaders:\n      - Jan Novák | Novák @ 2019-01..2021-12\n", encoding="utf-8")
    return Judges(actors=str(path))


def test_a_leader_out_of_office_on_the_story_date_takes_no_stance(tmp_path: Path) -> None:
    judges = _custom_judges(tmp_path)
    title = "Novák calls for tougher sanctions on Russia and rejects any talks with Moscow"

    def label(published: date | datetime | None) -> dict[str, str]:
        (j,) = judges.judge(title, "", published=published)
        return {s.country: s.stance for s in j.stances}

    assert label(date(2020, 6, 1)) == {"CZ": "hardline"}
    assert label(datetime(2020, 6, 1, 12, tzinfo=UTC)) == {"CZ": "hardline"}
    assert label(None) == {"CZ": "hardline"}  # no date: the list as written
    assert label(date(2023, 6, 1)) == {}  # a former official speaks for nobody
    assert label(date(2017, 6, 1)) == {}  # nor does a future one


@pytest.mark.parametrize(("title", "code", "served", "out"), [
    # chaired the European Council between two spells as prime minister
    ("Tusk urges the EU to adopt new sanctions against Russia", "PL", date(2024, 2, 1), date(2018, 3, 1)),
    ("Туск призвал ЕС ввести новые санкции против России", "PL", date(2024, 2, 1), date(2018, 3, 1)),
    # NATO's Secretary General since October 2024
    ("Rutte says Europe must keep up the pressure on Russia with more sanctions", "NL", date(2022, 3, 1),
     date(2025, 6, 1)),
    # Belgium's prime minister, then President of the European Council from December 2019
    ("Charles Michel calls for dialogue with Russia", "BE", date(2018, 1, 20), date(2022, 1, 20)),
])
def test_the_shipped_leaders_speak_for_their_state_only_in_office(title: str, code: str, served: date,
                                                                   out: date) -> None:
    judges = judges_for()
    (inside,) = judges.judge(title, "", published=served)
    (outside,) = judges.judge(title, "", published=out)
    assert inside.stance_of(code) is not None
    assert outside.stance_of(code) is None


def test_a_feed_entry_is_judged_as_of_its_date() -> None:
    items = "".join(
        f"<item><title>Tusk urges the EU to adopt new sanctions against Russia</title><link>https://e.test/{n}</link>"
        f"<guid>{n}</guid><pubDate>{day}</pubDate></item>"
        for n, day in (("a", "Thu, 01 Mar 2018 10:00:00 GMT"), ("b", "Thu, 01 Feb 2024 10:00:00 GMT")))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    analysed = process_document(body, {"content-type": "application/rss+xml"}, "https://e.test/", "en",
                                ("eu-russia-dialogue",), None)
    assert analysed.judgements is not None
    stances = {guid: {s.country for s in js[0].stances} for guid, js in analysed.judgements.items()}
    assert stances == {"https://e.test/a": set(), "https://e.test/b": {"PL"}}


def test_classify_reads_the_date_and_names_a_bad_one(tmp_path: Path) -> None:
    lines = [{"id": 1, "title": "Tusk urges the EU to adopt new sanctions against Russia", "published": "2018-03-01"},
             {"id": 2, "title": "Tusk urges the EU to adopt new sanctions against Russia",
              "published": "2024-02-01T10:00:00Z"},
             {"id": 3, "title": "Tusk urges the EU to adopt new sanctions against Russia", "date": "2018-03"},
             {"id": 4, "title": "Tusk urges the EU to adopt new sanctions against Russia", "published": "last May"}]
    result = run_monitor("classify", "-", cwd=tmp_path, stdin="".join(json.dumps(x) + "\n" for x in lines))
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [[s["country"] for s in r.get("stances", [])] for r in rows] == [[], ["PL"], [], []]
    assert rows[3]["error"] == "line 4: published: 'last May' is not an ISO date"


def test_the_shared_sets_dates_reach_the_judge() -> None:
    item = Item("x", "t", "", True, {}, "en", "2024-07")
    assert item.day == date(2024, 7, 1)
    assert Item("y", "t", "", True, {}).day is None
    assert Item("z", "t", "", True, {}, "en", "circa 2020").day is None
