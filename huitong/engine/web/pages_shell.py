"""The shell: signing in and out, choosing a language, and the home workbench."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.routes_auth import session_starter, sign_in, with_session_cookies
from huitong.engine.api.support import platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import LOCALES, use_locale
from huitong.engine.platform import PagePart
from huitong.engine.security import sessions
from huitong.engine.system_tables import users
from huitong.engine.web.pages import PageRoute, redirect, safe_next
from huitong.engine.web.recent import recent_records
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import LOCALE_COOKIE, PageUser, page_user, visitor_locale

router = APIRouter(route_class=PageRoute, include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.get("/login")
def login_page(request: Request, next: str = "/", lang: str | None = None) -> Response:
    """The sign-in page, in the language chosen on it (remembered in a cookie) or the browser's."""
    locale = lang if lang in LOCALES else visitor_locale(request)
    with use_locale(locale):
        response = render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})
    if lang in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=YEAR, samesite="lax")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    platform = platform_of(request)
    credentials = {"username": username, "password": password}
    result = await run_in_threadpool(sign_in(platform, request, credentials, session_starter(platform, request)))
    if not isinstance(result, tuple):
        with use_locale(visitor_locale(request)):
            try:
                result.raise_if_failed()
            except HuitongError as error:  # the same words the API answers, on the form
                context = {"next": target, "error": error.detail, "username": username}
                return render(request, "login.html", context, status=400)
    cookie, csrf = result
    return with_session_cookies(redirect(request, target), request, cookie, csrf)


@router.post("/logout")
def logout(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.db.write() as connection:
        sessions.close_session(connection, request.cookies.get(sessions.COOKIE, ""), now=platform.now())
    response = redirect(request, "/login")
    response.delete_cookie(sessions.COOKIE)
    response.delete_cookie(sessions.CSRF_COOKIE)
    return response


@router.post("/language")
async def choose_language(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """Remember the language on the user (every device follows) and in a cookie (for the sign-in page)."""
    form = await request.form()
    locale = str(form.get("locale") or "")
    if locale not in LOCALES:
        locale = user.locale
    platform = platform_of(request)
    with platform.db.write() as connection:
        connection.execute(update(users).where(users.c.id == user.actor.user_id).values(locale=locale))
    response = redirect(request, safe_next(str(form.get("next") or "/")))
    response.set_cookie(LOCALE_COOKIE, locale, max_age=YEAR, samesite="lax")
    return response


@router.get("/")
def home(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        nav = navigation(platform, schema, actor)
        recent = recent_records(connection, platform, schema, actor, limit=12)
        part = PagePart(platform, request, user, connection, actor, schema)
        widgets = [Markup(html) for module in platform.modules for widget in module.home_widgets
                   if (html := widget.render(part))]  # fmt: skip
    return render(request, "home.html", {"nav": nav, "recent": recent, "widgets": widgets}, user=user)
