"""When digests are due: cron fields as crontab(5) reads them, time zones, daylight-saving changes, catch-up."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.digest.cron import Cron, missed_slot, parse_cron, zone

BRUSSELS = "Europe/Brussels"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(cron: Cron, when: datetime) -> str:
    return when.astimezone(cron.tz).strftime("%a %Y-%m-%d %H:%M %z")


# ------------------------------------------------------------------------------------------------ fields


def test_weekdays_follow_crontab_numbering_not_apschedulers() -> None:
    # APScheduler 3 numbers days from Monday = 0, so its own reading of "1-5" is Tuesday to Saturday.
    cron = Cron("0 7 * * 1-5", BRUSSELS)
    fires = cron.fires_between(utc(2026, 11, 1), utc(2026, 11, 15))  # Sun 1 Nov .. Sun 15 Nov
    days = [f.astimezone(cron.tz).strftime("%a") for f in fires]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri"] * 2
    assert all(f.astimezone(cron.tz).hour == 7 for f in fires)


@pytest.mark.parametrize(("field", "expected"), [
    ("0", ["Sun"]), ("7", ["Sun"]), ("sun", ["Sun"]), ("1", ["Mon"]), ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
    ("5-7", ["Sun", "Fri", "Sat"]), ("*/2", ["Sun", "Tue", "Thu", "Sat"]), ("1,3,5", ["Mon", "Wed", "Fri"]),
    ("6,0", ["Sun", "Sat"]),
])
def test_day_of_week_values(field: str, expected: list[str]) -> None:
    cron = Cron(f"0 12 * * {field}", "UTC")
    fires = cron.fires_between(utc(2026, 11, 7, 13), utc(2026, 11, 14, 13))  # Sat 13:00 .. next Sat 13:00
    assert sorted({f.strftime("%a") for f in fires}, key=["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].index) \
        == expected


@pytest.mark.parametrize(("expr", "first"), [
    ("@daily", utc(2026, 11, 8)), ("@midnight", utc(2026, 11, 8)), ("@hourly", utc(2026, 11, 7, 14)),
    ("@weekly", utc(2026, 11, 8)), ("@monthly", utc(2026, 12, 1)), ("@yearly", utc(2027, 1, 1)),
])
def test_macros(expr: str, first: datetime) -> None:
    assert Cron(expr, "UTC").next_after(utc(2026, 11, 7, 13, 5)) == first


@pytest.mark.parametrize(("expr", "message"), [
    ("0 25 * * *", "'0 25 * * *': hour: 25 is out of range (0-23)"),
    ("61 7 * * *", "minute: 61 is out of range (0-59)"),
    ("0 7 32 * *", "day of the month: 32 is out of range (1-31)"),
    ("0 7 * 13 *", "month: 13 is out of range (1-12 or jan-dec)"),
    ("0 7 * jan-xyz *", "month: 'xyz' is not a month (1-12 or jan-dec)"),
    ("x 7 * * *", "minute: 'x' is not a number (0-59)"),
    ("*/0 * * * *", "minute: '*/0': a step must be a whole number of at least 1"),
    ("0 9-5 * * *", "hour: '9-5': the range runs backwards"),
    ("0,,5 7 * * *", "minute: an empty item in '0,,5'"),
    ("* * *", "expected 5 fields"),
    ("0 7 * * mon-fry", "'fry' is not a day of the week"),
    ("0 7 * * 5-1", "runs backwards"),
    ("0 7 1 * 1", "restrict either the day of the month or the day of the week, not both"),
    ("every morning", "expected 5 fields"),
    ("", "expected 5 fields"),
])
def test_bad_cron_expressions(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_cron(expr)


@pytest.mark.parametrize("name", ["Europe/Bruxelles", "", "../etc/passwd", "/etc/localtime", "CEST+2"])
def test_bad_time_zones(name: str) -> None:
    with pytest.raises(ValueError, match="is not a time zone"):
        zone(name)


@pytest.mark.parametrize(("typed", "meant"), [("Europe/Bruxelles", "Europe/Brussels"),
                                              ("europe/berlin", "Europe/Berlin"), ("Warsaw", "Europe/Warsaw"),
                                              ("Europe/Lisbn", "Europe/Lisbon")])
def test_a_misspelt_time_zone_gets_a_suggestion(typed: str, meant: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{typed!r} is not a time zone (did you mean {meant}?)")):
        zone(typed)


def test_next_after_is_strictly_after_and_naive_times_are_refused() -> None:
    cron = Cron("0 7 * * *", "UTC")
    assert cron.next_after(utc(2026, 11, 7, 7)) == utc(2026, 11, 8, 7)
    assert cron.next_after(utc(2026, 11, 7, 6, 59, 59)) == utc(2026, 11, 7, 7)
    with pytest.raises(ValueError, match="naive"):
        cron.next_after(datetime(2026, 11, 7, 7))


# ------------------------------------------------------------------------------------------------ daylight saving


def test_brussels_spring_forward_keeps_local_time_and_shortens_the_day() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)  # 2026-03-29: 02:00 CET becomes 03:00 CEST
    fires = cron.fires_between(utc(2026, 3, 27), utc(2026, 3, 31))
    assert fires == [utc(2026, 3, 27, 6), utc(2026, 3, 28, 6), utc(2026, 3, 29, 5), utc(2026, 3, 30, 5)]
    assert [local(cron, f)[-11:] for f in fires] == ["07:00 +0100", "07:00 +0100", "07:00 +0200", "07:00 +0200"]
    # The first run of a digest looks back one period: the day of the change has 23 hours.
    assert cron.period(utc(2026, 3, 29, 5)) == timedelta(hours=23)
    assert cron.period(utc(2026, 3, 30, 12)) == timedelta(hours=24)


def test_brussels_fall_back_lengthens_the_day() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)  # 2026-10-25: 03:00 CEST becomes 02:00 CET
    assert cron.fires_between(utc(2026, 10, 24), utc(2026, 10, 26)) == [utc(2026, 10, 24, 5), utc(2026, 10, 25, 6)]
    assert cron.period(utc(2026, 10, 25, 6)) == timedelta(hours=25)


def test_a_slot_inside_the_spring_gap_fires_once_an_hour_later() -> None:
    cron = Cron("30 2 * * *", BRUSSELS)  # 02:30 does not exist on 2026-03-29
    fires = cron.fires_between(utc(2026, 3, 28), utc(2026, 3, 31))
    assert [local(cron, f) for f in fires] == [
        "Sat 2026-03-28 02:30 +0100", "Sun 2026-03-29 03:30 +0200", "Mon 2026-03-30 02:30 +0200"]


def test_a_slot_that_happens_twice_in_autumn_fires_once() -> None:
    # APScheduler 3's own CronTrigger fires this one twice and then keeps returning the second instant.
    cron = Cron("30 2 * * *", BRUSSELS)
    fires = cron.fires_between(utc(2026, 10, 24), utc(2026, 10, 27))
    assert [local(cron, f) for f in fires] == [
        "Sat 2026-10-24 02:30 +0200", "Sun 2026-10-25 02:30 +0200", "Mon 2026-10-26 02:30 +0100"]
    assert cron.next_after(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize(("start", "hours"), [(utc(2026, 3, 28, 23), 4), (utc(2026, 10, 24, 23), 5)])
def test_half_hourly_firings_across_a_change_are_unique_and_increasing(start: datetime, hours: int) -> None:
    fires = Cron("*/30 * * * *", BRUSSELS).fires_between(start, start + timedelta(hours=hours))
    assert fires == sorted(set(fires))
    assert all(b - a >= timedelta(minutes=30) for a, b in itertools.pairwise(fires))


def test_weekday_cron_period_on_monday_covers_the_weekend() -> None:
    cron = Cron("0 7 * * 1-5", BRUSSELS)
    monday = utc(2026, 11, 9, 6)  # Mon 07:00 CET
    assert cron.latest(monday, 2) == [utc(2026, 11, 6, 6), monday]
    assert cron.period(monday) == timedelta(days=3)
    assert cron.period(utc(2026, 11, 10, 12)) == timedelta(days=1)
    # Across the spring change: Friday 07:00 CET to Monday 07:00 CEST is an hour short of three days.
    assert cron.period(utc(2026, 3, 30, 5)) == timedelta(days=3, hours=-1)


def test_a_cron_that_has_not_fired_yet_has_the_length_of_its_next_period() -> None:
    cron = Cron("0 0 29 2 *", "UTC")  # 29 February: once in four years
    assert cron.latest(utc(2025, 6, 1), 2) == [utc(2024, 2, 29)]
    assert cron.period(utc(2025, 6, 1)) == utc(2032, 2, 29) - utc(2028, 2, 29)


# ------------------------------------------------------------------------------------------------ catching up


def test_no_catch_up_for_a_digest_that_never_ran() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)
    assert missed_slot(cron, None, None, utc(2026, 11, 10, 12)) is None


def test_after_downtime_only_the_latest_slot_is_owed() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)
    last_run = utc(2026, 11, 5, 6)  # Thursday's digest went out; the daemon was down until Tuesday noon
    assert missed_slot(cron, last_run, "sent", utc(2026, 11, 10, 12)) == utc(2026, 11, 10, 6)


def test_nothing_owed_when_the_latest_slot_ran() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)
    assert missed_slot(cron, utc(2026, 11, 10, 6, 0, 2), "sent", utc(2026, 11, 10, 12)) is None
    assert missed_slot(cron, utc(2026, 11, 10, 6, 0, 2), "empty", utc(2026, 11, 10, 12)) is None


def test_a_failed_last_run_is_owed_again() -> None:
    cron = Cron("0 7 * * *", BRUSSELS)
    assert missed_slot(cron, utc(2026, 11, 10, 6, 0, 2), "failed", utc(2026, 11, 10, 12)) == utc(2026, 11, 10, 6)


def test_catch_up_across_the_autumn_change_names_the_single_slot() -> None:
    cron = Cron("30 2 * * *", BRUSSELS)
    assert missed_slot(cron, utc(2026, 10, 23, 0, 31), "sent", utc(2026, 10, 25, 3)) == utc(2026, 10, 25, 0, 30)
