"""Date and datetime fields, with relative-date filters (today, this_month, last_n_days:30 …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Date, and_, or_
from sqlalchemy.types import TypeEngine

from huitong.engine import formatting
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import ORDERING, FieldType, FilterEnv, ValueProblem, register
from huitong.engine.query import relative_dates
from huitong.engine.sqltypes import UtcDateTime

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef


@dataclass(frozen=True)
class Span:
    """A filter value on a temporal field: the half-open range [start, end), or one instant when exact."""

    start: Any
    end: Any
    exact: bool = False


class TemporalType(FieldType):
    operators = ORDERING - {"in", "not_in"}
    comparable = True

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        if isinstance(raw, str) and relative_dates.is_relative(raw):
            start, end = relative_dates.resolve(raw, env.today)
            return self.day_span(start, end, env)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValueProblem("invalid_value", _("Use is_null to look for empty values."))
        return self.literal_span(field, raw, env)

    def day_span(self, start: date, end: date, env: FilterEnv) -> Span:
        raise NotImplementedError

    def literal_span(self, field: FieldDef, raw: Any, env: FilterEnv) -> Span:
        raise NotImplementedError

    def condition(self, column: Any, operator: str, value: Any) -> ColumnElement[bool]:
        if operator == "is_null":
            return super().condition(column, operator, value)
        if operator == "between":
            low, high = value
            return and_(column >= low.start, column <= high.start if high.exact else column < high.end)
        span: Span = value
        if span.exact:
            return super().condition(column, operator, span.start)
        inside = and_(column >= span.start, column < span.end)
        return {
            "eq": lambda: inside,
            "ne": lambda: or_(column < span.start, column >= span.end, column.is_(None)),
            "lt": lambda: column < span.start,
            "lte": lambda: column < span.end,
            "gt": lambda: column >= span.end,
            "gte": lambda: column >= span.start,
        }[operator]()


@register
class DateType(TemporalType):
    name = "date"
    widget = "date"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else formatting.day(value)

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return Date()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            if raw.strip() == "":
                return None
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                pass
        raise ValueProblem("invalid_date", _("Enter a date as YYYY-MM-DD, for example 2026-03-01."))

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else value.isoformat()

    def from_db(self, field: FieldDef, stored: Any) -> Any:
        return date.fromisoformat(stored) if isinstance(stored, str) else stored

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "format": "date"}

    def day_span(self, start: date, end: date, env: FilterEnv) -> Span:
        return Span(start, end)

    def literal_span(self, field: FieldDef, raw: Any, env: FilterEnv) -> Span:
        day = self.coerce(field, raw)
        return Span(day, day, exact=True)


@register
class DateTimeType(TemporalType):
    name = "datetime"
    widget = "datetime"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else formatting.moment(value)

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return UtcDateTime()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, datetime):
            moment = raw
        elif isinstance(raw, str) and raw.strip():
            try:
                moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValueProblem(
                    "invalid_datetime", _("Enter a date and time such as 2026-03-01T09:30:00+08:00.")
                ) from None
        elif raw is None or raw == "":
            return None
        else:
            raise ValueProblem("invalid_datetime", _("Enter a date and time such as 2026-03-01T09:30:00+08:00."))
        if moment.tzinfo is None:
            raise ValueProblem("invalid_datetime", _("Give the time zone too, for example 2026-03-01T09:30:00+08:00."))
        if not 1900 <= moment.astimezone(UTC).year <= 9998:
            raise ValueProblem("invalid_datetime", _("The year must be between 1900 and 9998."))
        return moment.astimezone(UTC)

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def from_db(self, field: FieldDef, stored: Any) -> Any:
        if isinstance(stored, str):  # SQLite aggregates (min/max) return the stored UTC text
            return datetime.fromisoformat(stored).replace(tzinfo=UTC)
        return stored

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def day_span(self, start: date, end: date, env: FilterEnv) -> Span:
        return Span(_midnight(start, env), _midnight(end, env))

    def literal_span(self, field: FieldDef, raw: Any, env: FilterEnv) -> Span:
        if isinstance(raw, str) and len(raw.strip()) == 10:
            day = DateType().coerce(field, raw)
            return self.day_span(day, relative_dates.next_period(day, "day"), env)
        moment = self.coerce(field, raw)
        return Span(moment, moment, exact=True)

    def from_cursor(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else self.coerce(field, value)


def _midnight(day: date, env: FilterEnv) -> datetime:
    return datetime.combine(day, time(), tzinfo=env.zone).astimezone(UTC)
