"""How a calendar page lays its items out: which days a day, week or month view covers (weeks start on Monday, as
in China), which items sit on top of each day (all-day events and tasks) and where each timed event goes in its
day's column — in the reader's time zone, side by side when they overlap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from huitong.engine.formatting import reader_locale
from huitong.modules.activities.calendar_data import Item

VIEWS = ("day", "week", "month")
MIN_MINUTES = 30  # a short (or endless) event still gets room for its title


@dataclass
class Window:
    view: str
    anchor: date
    first: date  # first day shown
    last: date  # last day shown (inclusive)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The instants the window starts and ends (exclusive) in ``zone``."""
        start = datetime.combine(self.first, time(0), tzinfo=zone)
        return start, datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone)

    def step(self, direction: int) -> date:
        """The anchor of the previous (-1) or next (1) window."""
        if self.view == "day":
            return self.anchor + timedelta(days=direction)
        if self.view == "week":
            return self.anchor + timedelta(weeks=direction)
        month = self.anchor.month - 1 + direction
        return date(self.anchor.year + month // 12, month % 12 + 1, 1)

    def title(self) -> str:
        locale = reader_locale()
        if self.view == "day":
            return format_date(self.anchor, format="full", locale=locale)
        if self.view == "month":
            return format_date(self.anchor, format="yyyy年M月" if locale.language == "zh" else "MMMM yyyy",
                               locale=locale)  # fmt: skip
        return f"{format_date(self.first, format='medium', locale=locale)} – " \
               f"{format_date(self.last, format='medium', locale=locale)}"  # fmt: skip


def window(view: str, anchor: date) -> Window:
    if view == "day":
        return Window(view, anchor, anchor, anchor)
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return Window(view, anchor, monday, monday + timedelta(days=6))
    first = anchor.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = first - timedelta(days=first.weekday())
    end = following - timedelta(days=1)
    return Window(view, anchor, start, end + timedelta(days=6 - end.weekday()))


@dataclass
class Placed:
    """A timed item in a day's column: top and height in minutes of the day, and its lane among overlapping ones."""

    item: Item
    top: int
    height: int
    lane: int = 0
    lanes: int = 1
    colour: int = 0
    continues: bool = False  # started on an earlier day


@dataclass
class Day:
    day: date
    today: bool
    in_month: bool
    top: list[tuple[Item, int]] = field(default_factory=list)  # (item, colour): all-day events and tasks
    timed: list[Placed] = field(default_factory=list)

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def count(self) -> int:
        return len(self.top) + len(self.timed)


def days_of(win: Window, items: list[Item], zone: ZoneInfo, today: date, colours: dict[int, int]) -> list[Day]:
    days = {d: Day(d, d == today, win.view != "month" or d.month == win.anchor.month) for d in win.days}
    for item in items:
        colour = colours.get(item.owner, 0)
        start = item.start.astimezone(zone)
        end = item.end.astimezone(zone)
        if item.kind == "task" or item.all_day:
            last = start.date() if end <= start else (end - timedelta(microseconds=1)).date()
            for offset in range((max(last, start.date()) - start.date()).days + 1):
                found = days.get(start.date() + timedelta(days=offset))
                if found is not None:
                    found.top.append((item, colour))
            continue
        day = start.date()
        while day <= end.date():
            found = days.get(day)
            begin = max(start, datetime.combine(day, time(0), tzinfo=zone))
            finish = min(end, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone))
            if found is not None and (finish > begin or start == end):
                top = begin.hour * 60 + begin.minute
                height = max(MIN_MINUTES, int((finish - begin).total_seconds() // 60))
                found.timed.append(Placed(item, top, min(height, 1440 - top) or MIN_MINUTES, colour=colour,
                                          continues=day != start.date()))  # fmt: skip
            day += timedelta(days=1)
            if finish >= end:
                break
    for found in days.values():
        lay_out(found.timed)
    return [days[d] for d in win.days]


def lay_out(placed: list[Placed]) -> None:
    """Side by side: each item takes the first lane free at its start; items that overlap, directly or through
    others, share the width of their cluster's lanes."""
    placed.sort(key=lambda p: (p.top, -p.height))
    cluster: list[Placed] = []
    ends: list[int] = []  # per lane, where its last item ends
    reach = -1

    def close() -> None:
        for member in cluster:
            member.lanes = len(ends)

    for item in placed:
        if item.top >= reach and cluster:
            close()
            cluster, ends = [], []
        lane = next((n for n, end in enumerate(ends) if end <= item.top), len(ends))
        if lane == len(ends):
            ends.append(0)
        ends[lane] = item.top + item.height
        item.lane = lane
        cluster.append(item)
        reach = max(reach, item.top + item.height) if cluster[:-1] else item.top + item.height
    if cluster:
        close()


def weekday_names(win: Window) -> list[str]:
    locale = reader_locale()
    return [format_date(d, format="EEE", locale=locale) for d in win.days[:7]]


def weeks(days: list[Day]) -> list[list[Day]]:
    return [days[n : n + 7] for n in range(0, len(days), 7)]
