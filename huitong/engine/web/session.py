"""Who is looking at a page: the session's user, in their language and time zone.

Pages use the API's browser session (cookie + CSRF token). A state-changing page request carries the CSRF token
either in the ``X-CSRF-Token`` header (htmx sends it on every request) or in a ``csrf_token`` form field.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from sqlalchemy import select

from huitong.engine.api.support import SAFE_METHODS, platform_of
from huitong.engine.errors import unauthorized
from huitong.engine.formatting import current_zone
from huitong.engine.i18n import LOCALES, current_locale, negotiate
from huitong.engine.records.context import Actor
from huitong.engine.security import sessions
from huitong.engine.system_tables import users

LOCALE_COOKIE = "huitong_locale"


@dataclass(frozen=True)
class PageUser:
    actor: Actor
    username: str
    display_name: str
    locale: str
    zone: ZoneInfo
    csrf: str


def visitor_locale(request: Request) -> str:
    """The language of someone not signed in: the one they chose before, else what their browser asks for."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    return negotiate(request.headers.get("accept-language"))


async def page_user(request: Request) -> PageUser:
    """The signed-in user of a page request; sets the locale and zone every value on the page is shown in."""
    platform = platform_of(request)
    cookie = request.cookies.get(sessions.COOKIE)
    if not cookie:
        raise unauthorized()
    unsafe = request.method not in SAFE_METHODS
    csrf = request.headers.get("x-csrf-token")
    if unsafe and not csrf:
        form = await request.form()
        value = form.get("csrf_token")
        csrf = value if isinstance(value, str) else None
    with platform.db.read() as connection:
        actor = sessions.actor_for_session(connection, cookie, now=platform.now(), csrf=csrf, unsafe=unsafe)
        row = connection.execute(
            select(users.c.username, users.c.display_name, users.c.locale, users.c.time_zone).where(
                users.c.id == actor.user_id
            )
        ).one()
    locale = row.locale if row.locale in LOCALES else visitor_locale(request)
    try:
        zone = ZoneInfo(row.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = platform.zone
    current_locale.set(locale)
    current_zone.set(zone)
    return PageUser(
        actor=Actor(user_id=actor.user_id, is_admin=actor.is_admin, locale=locale),
        username=row.username,
        display_name=row.display_name,
        locale=locale,
        zone=zone,
        csrf=request.cookies.get(sessions.CSRF_COOKIE, ""),
    )
