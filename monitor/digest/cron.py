"""When a digest is due: a cron expression read in a time zone, with the daylight-saving changes made explicit.

APScheduler 3's ``CronTrigger`` parses and matches the fields, but two of its habits would surprise anyone who
knows cron: its day-of-week numbers start at Monday (``1-5`` would mean Tuesday to Saturday), and around the
autumn clock change it fires a wall-clock time twice (and, asked again, returns the same instant forever). So
the fields are matched here on *wall-clock* time (a trigger in UTC fed local times, where no clock ever changes)
and every wall-clock slot is mapped to one real instant by a rule people can predict:

* a slot that happens twice (02:30 on the last Sunday of October in Brussels) fires once, the first time;
* a slot that does not exist (02:30 on the last Sunday of March) fires one hour later by the clock, at the
  instant it would have had without the change;
* the instants come out strictly increasing.

Day-of-week numbers follow cron: 0 and 7 are Sunday, 1 is Monday. Restricting both the day of the month and
the day of the week is refused, because cron ORs them while APScheduler ANDs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
LOOKBACK_LIMIT = timedelta(days=800)  # a yearly cron fires twice in this span; a search never goes further
WALL_MARGIN = timedelta(hours=3)  # more than any daylight-saving shift
_STEP = re.compile(r"^(?P<base>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>\d+))?$")


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name, with a one-line ``ValueError`` for names that do not exist."""
    text = str(name).strip()
    if not text or text.startswith(("/", ".")) or ".." in text:
        raise ValueError(f"{name!r} is not a time zone (use an IANA name such as Europe/Brussels or UTC)")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = closest_zone(text)
        hint = f"did you mean {close}?" if close else "use an IANA name such as Europe/Brussels or UTC"
        raise ValueError(f"{name!r} is not a time zone ({hint})") from None


def closest_zone(text: str) -> str | None:
    """The IANA name someone typing ``europe/brussels``, ``Brussels`` or ``Europe/Brusels`` meant."""
    import difflib
    from zoneinfo import available_timezones

    names = sorted(available_timezones())
    folded = {n.casefold(): n for n in names}
    key = text.casefold().replace(" ", "_")
    if key in folded:
        return folded[key]
    cities = [n for n in names if n.rsplit("/", 1)[-1].casefold() == key]
    if cities:
        return cities[0]
    match = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
    return folded[match[0]] if match else None


def local_time(when: datetime, tz: str | None = None) -> str:
    """``2026-11-25 07:00 CET``: a time as a digest's readers see it, in its time zone (UTC without one)."""
    return when.astimezone(zone(tz) if tz else UTC).strftime("%Y-%m-%d %H:%M %Z")


def _day_number(token: str) -> int:
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"{token!r} is not a day of the week (0-7 or sun-sat)")


def _day_of_week(field_text: str) -> str:
    """Cron's day-of-week field as APScheduler names, so that 0/7 mean Sunday and 1 Monday as in crontab(5)."""
    if field_text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field_text.lower().split(","):
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"{part!r} is not a day-of-week value")
        base, step = m.group("base"), int(m.group("step") or 1)
        if step < 1:
            raise ValueError(f"{part!r}: a step must be at least 1")
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-")
            lo, hi = _day_number(a), (7 if b == "7" else _day_number(b))
            if hi < lo:
                raise ValueError(f"{part!r}: the range runs backwards")
        else:
            lo = hi = _day_number(base)
            if m.group("step"):
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(DAY_NAMES[d] for d in sorted(days))


_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of the month", 1, 31), ("month", 1, 12))
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _field_number(token: str, name: str, lo: int, hi: int) -> int:
    if name == "month" and token.lower() in MONTH_NAMES:
        return MONTH_NAMES.index(token.lower()) + 1
    names = " or jan-dec" if name == "month" else ""
    if not token.isdigit():
        what = "a month" if name == "month" else "a number"
        raise ValueError(f"{name}: {token!r} is not {what} ({lo}-{hi}{names})")
    if not lo <= int(token) <= hi:
        raise ValueError(f"{name}: {token} is out of range ({lo}-{hi}{names})")
    return int(token)


def _check_field(text: str, name: str, lo: int, hi: int) -> None:
    """One of the first four fields, checked in crontab(5)'s terms so that the message speaks cron, not
    APScheduler ("Error validating expression '61'")."""
    if text in ("*", "?"):
        return
    for part in text.split(","):
        if not part:
            raise ValueError(f"{name}: an empty item in {text!r} (separate values with single commas)")
        base, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            raise ValueError(f"{name}: {part!r}: a step must be a whole number of at least 1")
        if base in ("*", "?"):
            continue
        first, dash, last = base.partition("-")
        a = _field_number(first, name, lo, hi)
        if dash and _field_number(last, name, lo, hi) < a:
            raise ValueError(f"{name}: {part!r}: the range runs backwards")


def parse_cron(expr: str) -> tuple[str, str, str, str, str]:
    """Check a five-field cron expression (or ``@daily`` and friends) and return its fields for APScheduler.

    Raises ``ValueError`` with a message fit for one line of ``monitor check``.
    """
    text = " ".join(str(expr).split())
    text = MACROS.get(text.lower(), text)
    fields = text.split(" ")
    if len(fields) != 5:
        raise ValueError(f"{expr!r} is not a cron expression: expected 5 fields (minute hour day month weekday), "
                         f"got {len(fields)}")
    minute, hour, dom, month, dow = fields
    try:
        for value, (name, lo, hi) in zip((minute, hour, dom, month), _FIELDS, strict=True):
            _check_field(value, name, lo, hi)
        dow = _day_of_week(dow)
    except ValueError as exc:
        raise ValueError(f"{expr!r}: {exc}") from None
    if dom not in ("*", "?") and dow != "*":
        raise ValueError(f"{expr!r}: restrict either the day of the month or the day of the week, not both")
    try:
        CronTrigger(minute=minute, hour=hour, day=dom.replace("?", "*"), month=month, day_of_week=dow, timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"{expr!r}: {' '.join(str(exc).split())}") from None
    return minute, hour, dom.replace("?", "*"), month, dow


@dataclass(frozen=True)
class Cron:
    """A schedule: ``Cron("0 7 * * 1-5", "Europe/Brussels")``. Instants in and out are aware datetimes."""

    expr: str
    timezone: str = "UTC"
    _fields: tuple[str, str, str, str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fields", parse_cron(self.expr))
        zone(self.timezone)

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @cached_property
    def _wall(self) -> CronTrigger:
        minute, hour, dom, month, dow = self._fields
        return CronTrigger(minute=minute, hour=hour, day=dom, month=month, day_of_week=dow, timezone=UTC)

    def _instant(self, wall: datetime) -> datetime:
        """The real instant of a wall-clock slot (given as a UTC-labelled local time). ``fold=0`` gives the first
        of two occurrences and, for a time inside a spring gap, the offset from before the change."""
        return wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC)

    def _walls_from(self, start_wall: datetime):
        current = self._wall.get_next_fire_time(None, start_wall)
        while current is not None:
            yield current
            current = self._wall.get_next_fire_time(current, current + timedelta(minutes=1))

    def _local_wall(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz).replace(tzinfo=UTC)

    def next_after(self, instant: datetime) -> datetime:
        """The first firing strictly after ``instant``."""
        _check_aware(instant)
        # Start early: a slot in a spring gap maps to an instant later than its wall time.
        for wall in self._walls_from(self._local_wall(instant) - WALL_MARGIN):
            when = self._instant(wall)
            if when > instant:
                return when
        raise ValueError(f"{self.expr!r} never fires again")  # pragma: no cover - CronTrigger stops at 9999

    def fires_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every firing in ``(start, end]``, oldest first."""
        _check_aware(start)
        out: list[datetime] = []
        last = start
        # Wall time runs up to a clock change ahead of or behind real time: scan a margin on both sides.
        stop = self._local_wall(end) + WALL_MARGIN
        for wall in self._walls_from(self._local_wall(start) - WALL_MARGIN):
            if wall > stop:
                break
            when = self._instant(wall)
            if last < when <= end:
                out.append(when)
                last = when
        return out

    def latest(self, instant: datetime, count: int = 1) -> list[datetime]:
        """The last ``count`` firings at or before ``instant``, oldest first (fewer if the cron is that rare)."""
        _check_aware(instant)
        back = timedelta(hours=1)
        while True:
            fires = self.fires_between(instant - back, instant)
            if len(fires) >= count or back >= LOOKBACK_LIMIT:
                return fires[-count:]
            back = min(back * 4, LOOKBACK_LIMIT)

    def period(self, instant: datetime) -> timedelta:
        """The length of the schedule period that ``instant`` falls in: from the firing before the latest one
        to the latest one. A weekday-morning cron gives one day on Tuesday and three days on Monday."""
        fires = self.latest(instant, 2)
        if len(fires) == 2:
            return fires[1] - fires[0]
        nxt = self.next_after(instant)
        return self.next_after(nxt) - nxt


def _check_aware(instant: datetime) -> None:
    if instant.tzinfo is None:
        raise ValueError("naive datetime given to the digest schedule; pass an aware datetime")


def missed_slot(cron: Cron, last_run_at: datetime | None, last_status: str | None, now: datetime) -> datetime | None:
    """After downtime: the one slot to catch up on, or None.

    A digest is owed when its latest slot passed after its last recorded run, or when that run failed. Only the
    latest slot counts, however many passed while the daemon was down: the catch-up run covers the whole window
    since the last successful one, so one email says everything. A digest that never ran owes nothing: the daemon
    waits for its first slot rather than mail whoever is configured the moment it starts.
    """
    if last_run_at is None:
        return None
    latest = cron.latest(now, 1)
    if not latest:
        return None
    slot = latest[-1]
    if last_run_at < slot or last_status == "failed":
        return slot
    return None


__all__ = ["Cron", "local_time", "missed_slot", "parse_cron", "zone"]
