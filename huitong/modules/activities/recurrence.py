"""Occurrences of a repeating event (an RFC 5545 RRULE, checked by the hooks) within a window, in the event's own
time zone: a weekly 09:00 meeting stays at 09:00 wall-clock time in Berlin after the clocks change, so the rule is
expanded on local wall-clock times (naive, in ``zone``) and each occurrence is made an instant afterwards.

Always bounded: a rule without COUNT or UNTIL repeats forever, and a daily one that began years ago would walk
thousands of steps to reach the window. So a rule of fixed period (daily, weekly) starts walking from a whole number
of periods before the window instead of its first start, and the walk stops after ``MAX_STEPS`` steps or
``MAX_OCCURRENCES`` occurrences, whichever comes first. Rules more frequent than daily, and rules that can never
happen, are not expanded at all (``build``): they would cost seconds inside dateutil, where no cap reaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_OCCURRENCES = 500  # in one window: a month of a daily rule is 31; more is a rule nobody reads as a calendar
MAX_STEPS = 20_000  # dateutil iterations per expansion, wherever the walk starts
# Rules of a fixed period, which may start walking a whole number of periods later without changing what they give.
PERIODS = {"WEEKLY": timedelta(weeks=1), "DAILY": timedelta(days=1)}
EXPANDED = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})  # more often than daily: the event shows once
UNTIL = re.compile(r"UNTIL=([0-9T]+Z?)")


@dataclass(frozen=True)
class Occurrence:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC (the start again for an event without an end)
    first: bool  # the series' own start (the stored record's times)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` as a wall-clock time in ``zone``, without its zone."""
    return moment.astimezone(zone).replace(tzinfo=None)


def instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as a UTC instant (a time skipped by a clock change reads as after it)."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


def parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def local_until(rule: str, zone: ZoneInfo) -> str:
    """``rule`` with its UNTIL as a wall-clock time in ``zone`` (dateutil wants UNTIL like DTSTART: naive here).
    ``UNTIL=20260430`` is the whole of that day; ``UNTIL=20260430T160000Z`` the instant, read locally."""

    def rewrite(found: re.Match[str]) -> str:
        text = found.group(1)
        if len(text) == 8:
            return f"UNTIL={text}T235959"
        if text.endswith("Z"):
            try:
                moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                return found.group(0)  # not a time: dateutil refuses the rule and the event shows once
            return f"UNTIL={local(moment, zone):%Y%m%dT%H%M%S}"
        return f"UNTIL={text}"

    return UNTIL.sub(rewrite, rule)


def feed_rule(rule: str, zone: ZoneInfo, all_day: bool) -> str:
    """``rule`` as an .ics file must say it beside a DTSTART in ``zone``: UNTIL as a UTC instant (RFC 5545), or as
    a date beside an all-day event's date."""

    def rewrite(found: re.Match[str]) -> str:
        wall = datetime.strptime(found.group(1), "%Y%m%dT%H%M%S")
        if all_day:
            return f"UNTIL={wall:%Y%m%d}"
        return f"UNTIL={instant(wall, zone):%Y%m%dT%H%M%SZ}"

    return re.sub(r"UNTIL=([0-9]{8}T[0-9]{6})", rewrite, local_until(rule, zone))


def build(rule: str, start: datetime, zone: ZoneInfo) -> rrule | None:
    """The rule over wall-clock times from ``start``; None — the event shows once — when dateutil cannot read it
    (BYDAY=XX passes the hooks' check of its shape but is no weekday), when it repeats more often than daily (no
    calendar event does; see ``possible`` for why it matters), or when it can never happen."""
    fields = parts(rule)
    if fields.get("FREQ") not in EXPANDED:
        return None
    wall = local(start, zone)
    unbounded = ";".join(f"{key}={value}" for key, value in fields.items() if key not in ("COUNT", "UNTIL"))
    if not possible(unbounded, wall.month, wall.day, wall.hour, wall.minute):
        return None
    try:
        built = rrulestr(local_until(rule, zone), dtstart=wall)
    except (ValueError, TypeError, OverflowError):
        return None
    return built if isinstance(built, rrule) else None


@lru_cache(maxsize=4096)
def possible(rule: str, month: int, day: int, hour: int, minute: int) -> bool:
    """Whether ``rule`` (without COUNT and UNTIL) ever happens. dateutil looks for a rule's next time period by
    period until year 9999 without yielding, so a rule that never matches (``BYMONTH=2;BYMONTHDAY=30``,
    ``BYWEEKNO=60``) costs seconds of CPU on every read, beyond any cap on the walk: asked from 9988 instead (a leap
    year, so the start's date exists), it has a dozen years to show it happens at all. Daily and longer periods only:
    a minutely rule would walk millions of minutes even then."""
    try:
        next(iter(rrulestr(rule, dtstart=datetime(9988, month, day, hour, minute))))
    except StopIteration:
        return False
    except (ValueError, TypeError, OverflowError):
        return False
    return True


STAMP = "%Y%m%dT%H%M%SZ"  # an occurrence's instant as RFC 5545 writes it in UTC (skipped occurrences)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP)


def skipped_of(text: str | None) -> frozenset[datetime]:
    """The instants a series' ``skipped_occurrences`` names (anything else in the text is ignored)."""
    found = set()
    for token in re.findall(r"[0-9]{8}T[0-9]{6}Z", text or ""):
        try:
            found.add(datetime.strptime(token, STAMP).replace(tzinfo=UTC))
        except ValueError:
            continue
    return frozenset(found)


def occurrences(start: datetime, end: datetime | None, rule: str | None, zone: ZoneInfo,
                window_start: datetime, window_end: datetime,
                skipped: frozenset[datetime] = frozenset()) -> list[Occurrence]:  # fmt: skip
    """The occurrences of an event starting at ``start`` (ending at ``end``) that overlap [window_start,
    window_end), oldest first, but those ``skipped`` (moved out of the series). Without a rule (or with one that
    cannot be read) that is the event itself, if it overlaps. The series' own start always counts, as calendar
    applications count it, whether or not the rule would produce it."""
    length = (end - start) if end is not None and end > start else timedelta(0)

    def overlaps(begin: datetime) -> bool:
        finish = begin + length
        return begin < window_end and (finish > window_start or (length == timedelta(0) and begin >= window_start))

    found: dict[datetime, Occurrence] = {}
    if overlaps(start) and start not in skipped:
        found[start] = Occurrence(start, start + length, True)
    built = build(rule, start, zone) if rule else None
    if built is not None:
        for begin in walk(built, rule or "", start, zone, window_start - length, window_end):
            if begin not in found and begin not in skipped and overlaps(begin):
                found[begin] = Occurrence(begin, begin + length, False)
            if len(found) >= MAX_OCCURRENCES:
                break
    return [found[moment] for moment in sorted(found)]


def walk(built: rrule, rule: str, start: datetime, zone: ZoneInfo, since: datetime, until: datetime) -> list[datetime]:
    """The rule's instants in [since, until), at most ``MAX_STEPS`` steps of dateutil from where it may start."""
    fields = parts(rule)
    period = PERIODS.get(fields.get("FREQ", ""))
    first_wall, since_wall = local(start, zone), local(since, zone)
    if period is not None and "COUNT" not in fields:
        # Skip whole periods (of the rule's interval) before the window: the rule gives the same times after.
        try:
            step = period * max(1, int(fields.get("INTERVAL", "1") or 1))
            skipped = (since_wall - first_wall) // step - 1
            if skipped > 0:
                built = built.replace(dtstart=first_wall + step * skipped)
        except (ValueError, OverflowError):
            pass  # an interval beyond the calendar: nothing to skip, the walk ends at once
    found: list[datetime] = []
    try:
        for steps, wall in enumerate(built):
            if steps >= MAX_STEPS or len(found) >= MAX_OCCURRENCES:
                break
            moment = instant(wall, zone)
            if moment >= until:
                break
            if moment >= since:
                found.append(moment)
    except (ValueError, OverflowError):
        pass  # a rule that reaches the end of time (year 9999) ends there
    return found


def next_after(start: datetime, end: datetime | None, rule: str | None, zone: ZoneInfo, since: datetime,
               until: datetime) -> list[Occurrence]:  # fmt: skip
    """The occurrences that start in [since, until) (for reminders: which starts are close)."""
    return [o for o in occurrences(start, end, rule, zone, since, until) if since <= o.start < until]
