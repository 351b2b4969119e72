"""Numbers, money and dates as people read them in the current locale and time zone (Babel's CLDR data).

The locale is the request's (``huitong.engine.i18n.current_locale``); the zone is the reader's, set per request
like the locale, so a datetime stored in UTC reads as the reader's wall-clock time.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, get_currency_symbol

from huitong.engine.i18n import current_locale

current_zone: ContextVar[ZoneInfo | None] = ContextVar("current_zone", default=None)


@cache
def _locale(name: str) -> Locale:
    """Babel's Locale, parsed once: parsing a name scans every locale Babel knows (≈0.3 ms each time)."""
    return Locale.parse(name)


def reader_locale() -> Locale:
    return _locale(current_locale.get())


def number(value: Decimal | int | str, scale: int | None = None) -> str:
    """Grouped digits; ``scale`` fixes the fraction digits (a currency's two), otherwise they are as stored."""
    amount = Decimal(str(value))
    pattern = None if scale is None else "#,##0" + ("." + "0" * scale if scale else "")
    return format_decimal(amount, format=pattern, locale=reader_locale(), decimal_quantization=scale is not None)


@cache
def _symbol(currency: str, locale: str) -> str:
    return get_currency_symbol(currency, locale=_locale(locale))


def currency_symbol(currency: str) -> str:
    """¥ for the yuan in English too, as Chinese companies write it (not "CN¥"); others as the locale writes them."""
    return _symbol(currency, "zh_CN" if currency == "CNY" else current_locale.get())


def money(value: Decimal | int | str, currency: str, scale: int = 2) -> str:
    """¥1,234.00 (see ``currency_symbol``)."""
    symbol = currency_symbol(currency)
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{number(abs(amount), scale)}"


def day(value: date | str) -> str:
    moment = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(moment, format="medium", locale=reader_locale())


def moment(value: datetime | str) -> str:
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    local = stamp.astimezone(current_zone.get() or UTC)
    locale = reader_locale()
    return f"{format_date(local, format='medium', locale=locale)} {format_time(local, format='short', locale=locale)}"


def local_input(value: str | None) -> str:
    """A stored instant as a ``datetime-local`` input shows it: the reader's wall-clock time, to the minute."""
    if not value:
        return ""
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:  # typed back into a form, not yet stored: already local
        return stamp.strftime("%Y-%m-%dT%H:%M")
    return stamp.astimezone(current_zone.get() or UTC).strftime("%Y-%m-%dT%H:%M")


def from_local_input(text: str) -> str:
    """What a ``datetime-local`` input posted (the reader's wall-clock time) as an instant with its offset."""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return text  # the field type refuses it with its own message
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=current_zone.get() or UTC)
    return stamp.isoformat()
