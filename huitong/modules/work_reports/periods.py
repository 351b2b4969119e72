"""A report's period: a day, or a week from Monday to Sunday, read in the author's time zone (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.modules.work_reports.objects import DAILY, WEEKLY


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive: the day itself, or the week's Sunday

    def instants(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The instants the period starts and ends (exclusive) in ``zone``: a Shanghai day starts at 16:00 UTC."""
        start = datetime.combine(self.start, time(0), tzinfo=zone)
        return start, datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)

    @property
    def text(self) -> str:
        """2026-03-18, or 2026-03-16 ~ 2026-03-22: the same in every language, so a notice's text can carry it."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} ~ {self.end.isoformat()}"

    def key(self, author: int) -> str:
        return f"{author}:{self.kind}:{self.start.isoformat()}"

    def previous(self) -> date:
        return self.start - timedelta(days=1 if self.kind == DAILY else 7)

    def following(self) -> date:
        return self.start + timedelta(days=1 if self.kind == DAILY else 7)


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` that ``day`` falls in."""
    if kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Period(WEEKLY, monday, monday + timedelta(days=6))
    if kind == DAILY:
        return Period(DAILY, day, day)
    message = _("The report type is daily or weekly.")
    raise validation_failed([FieldError("kind", "invalid_value", message)])


def read_kind(raw: str | None) -> str:
    if raw in (None, ""):
        return DAILY
    if raw not in (DAILY, WEEKLY):
        message = _("The report type is daily or weekly.")
        raise validation_failed([FieldError("kind", "invalid_value", message)])
    return raw


def read_day(raw: str | None, today: date, where: str = "date") -> date:
    """``raw`` (YYYY-MM-DD) or today; a clear field error, never a 500, for anything else."""
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
        if not 1900 <= day.year <= 2999:  # a week's Monday or the next period must still be a date
            raise ValueError(raw)
        return day
    except ValueError:
        message = _("Give the day as YYYY-MM-DD.")
        raise validation_failed([FieldError(where, "invalid_value", message)]) from None


def iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
