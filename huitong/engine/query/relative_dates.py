"""Relative date tokens (today, last_month, last_n_days:7 …) resolved to half-open date ranges.

Weeks start on Monday (ISO 8601, the Chinese convention). ``last_n_days:N`` is the N days up to and including
today; ``next_n_days:N`` is the N days after today.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

UNITS = ("day", "week", "month", "quarter", "year")
_N_DAYS = re.compile(r"^(last|next)_n_days:(\d{1,4})$")


def is_relative(token: object) -> bool:
    return isinstance(token, str) and (token in _FIXED or bool(_N_DAYS.match(token)))


def resolve(token: str, today: date) -> tuple[date, date]:
    """The range [start, end) that ``token`` names, as seen on ``today``."""
    match = _N_DAYS.match(token)
    if match:
        days = int(match.group(2))
        if match.group(1) == "last":
            return today - timedelta(days=days - 1), today + timedelta(days=1)
        return today + timedelta(days=1), today + timedelta(days=days + 1)
    offset, unit = _FIXED[token]
    start = period_start(today, unit)
    for _ in range(abs(offset)):
        start = period_start(start - timedelta(days=1), unit) if offset < 0 else next_period(start, unit)
    return start, next_period(start, unit)


def period_start(day: date, unit: str) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, unit: str) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    month_index = start.month - 1 + months
    return date(start.year + month_index // 12, month_index % 12 + 1, 1)


_FIXED: dict[str, tuple[int, str]] = {"today": (0, "day"), "yesterday": (-1, "day"), "tomorrow": (1, "day")}
for _unit in UNITS[1:]:
    _FIXED[f"this_{_unit}"] = (0, _unit)
    _FIXED[f"last_{_unit}"] = (-1, _unit)
    _FIXED[f"next_{_unit}"] = (1, _unit)

TOKENS = (*tuple(_FIXED), "last_n_days:N", "next_n_days:N")
