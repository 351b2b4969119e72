"""Translations for every user-visible string, and labels stored per locale.

The catalogs are the ``.po`` files under ``huitong/locale``; they are read directly with Babel so that a checkout
needs no compile step. The current locale lives in a context variable set per request (or per CLI command).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

current_locale: ContextVar[str] = ContextVar("current_locale", default="en")


@cache
def _catalog(locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    # A fuzzy entry is a guess the catalog tools made, not a translation: showing it could say the opposite of
    # the message (it once read "purged for good" for "moved to the recycle bin"), so English shows instead.
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def gettext(message: str) -> str:
    """Translate ``message`` into the current locale; unknown messages are returned as written (English)."""
    return _catalog(current_locale.get()).get(message, message)


_ = gettext


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now: it is translated later, in the reader's
    language (a notice stored for several recipients)."""
    return message


N_ = gettext_noop


def negotiate(accept_language: str | None) -> str:
    """Pick zh_CN or en from an Accept-Language header; Chinese of any region reads zh_CN."""
    if not accept_language:
        return "en"
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower()))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return "en"


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = current_locale.set(locale if locale in LOCALES else "en")
    try:
        yield
    finally:
        current_locale.reset(token)


def localized(labels: Mapping[str, str] | None, fallback: str = "") -> str:
    """The label for the current locale, then English, then Chinese, then ``fallback``."""
    if not labels:
        return fallback
    locale = current_locale.get()
    return labels.get(locale) or labels.get("en") or labels.get("zh_CN") or fallback
