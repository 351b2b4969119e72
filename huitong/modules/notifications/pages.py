"""The notification centre's pages: the bell's menu, the full list (paged, unread only), opening one (marks it read
and goes to its record), mark all read, the channel preferences, and the live stream that keeps the bell current.

The stream is server-sent events that poll the database every few seconds rather than listen in memory: several
server processes may serve one database, and a notice stored by any of them (or by the worker) must reach a page
served by another. One small indexed count per open page every few seconds is cheap; the stream also ends after a
while (the browser reconnects by itself), so that no connection outlives a deploy or a proxy's timeout by much.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import _, current_locale, use_locale
from huitong.engine.platform import PagePart, Platform
from huitong.engine.records.context import Actor
from huitong.engine.web.pages import PageRoute, redirect, safe_next
from huitong.engine.web.render import environment, navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.notifications import center, preferences
from huitong.modules.notifications.messages import translate_stored

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
POLL_SECONDS = 2.5
STREAM_SECONDS = 300.0  # then the browser reconnects (EventSource does, after ``retry``)
KEEP_ALIVE_SECONDS = 20.0
MENU_SIZE = 8


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def nav_of(platform: Platform, actor: Actor) -> Any:
    with platform.records.reading(actor) as (_connection, bound, schema):
        return navigation(platform, schema, bound)


@pages.get("/notifications")
def notifications_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    raw = request.query_params.get("page") or "1"
    number = max(1, min(int(raw), 5000)) if raw.isdigit() else 1
    unread = request.query_params.get("unread") == "1"
    found = center.page(platform, user.actor, unread=unread, offset=(number - 1) * center.PAGE)
    context = {"found": found, "unread": unread, "number": number, "nav": nav_of(platform, user.actor)}
    return render(request, "notifications_list.html", context, user=user)


@pages.get("/notifications/menu")
def notifications_menu(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The bell's menu: the newest few, for htmx to put in place when it opens."""
    found = center.page(platform_of(request), user.actor, limit=MENU_SIZE, count=False)
    return render(request, "notifications_menu.html", {"found": found}, user=user)


@pages.post("/notifications/{notification_id}/open")
async def open_one(notification_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    """Mark it read and go to what it is about (or back to the list when it is about no record)."""
    await form_of(request)
    shown = await run_in_threadpool(center.mark_read, platform_of(request), user.actor, notification_id)
    return redirect(request, safe_next(shown.get("link") or "/notifications"))


@pages.post("/notifications/{notification_id}/read")
async def read_one(notification_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    await run_in_threadpool(center.mark_read, platform_of(request), user.actor, notification_id)
    return redirect(request, safe_next(form.get("next") or "/notifications"))


@pages.post("/notifications/read-all")
async def read_all(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    await run_in_threadpool(center.mark_all_read, platform_of(request), user.actor)
    return redirect(request, safe_next(form.get("next") or "/notifications"))


def preferences_context(platform: Platform, user: PageUser, found: preferences.Preferences) -> dict[str, Any]:
    return {
        "kinds": [(kind, translate_stored(label)) for kind, label in preferences.KINDS.items()],
        "chosen": {kind: found.for_kind(kind) for kind in preferences.KINDS},
        "birthday_time": found.birthday_time.strftime("%H:%M"),
        "email_on": bool(platform.settings.smtp_host),
        "nav": nav_of(platform, user.actor),
    }


@pages.get("/notifications/preferences")
def preferences_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    context = preferences_context(platform, user, preferences.load(platform, user.actor.user_id))
    return render(request, "notifications_preferences.html", context, user=user)


@pages.post("/notifications/preferences")
async def save_preferences(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await request.form()
    platform = platform_of(request)
    body = {
        "channels": {kind: [str(c) for c in form.getlist(f"channels.{kind}")] for kind in preferences.KINDS},
        "birthday_time": str(form.get("birthday_time") or "") or None,
    }
    try:
        saved = await run_in_threadpool(preferences.save, platform, user.actor, body)
    except HuitongError as error:
        context = preferences_context(platform, user, preferences.load(platform, user.actor.user_id))
        context["error"] = error
        return render(request, "notifications_preferences.html", context, user=user, status=422)
    context = preferences_context(platform, user, saved)
    context["saved"] = _("Your choices are saved.")
    return render(request, "notifications_preferences.html", context, user=user)


@pages.get("/notifications/stream")
async def stream(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """Server-sent events: ``unread`` with ``{"count", "newest"}`` now and whenever either changes."""
    events = unread_events(request, platform_of(request), user.actor, user.locale)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


def snapshot(platform: Platform, actor: Actor, locale: str) -> dict[str, Any]:
    with use_locale(locale):
        count, newest = center.unread_count(platform, actor)
    return {"count": count, "newest": newest}


async def unread_events(request: Request, platform: Platform, actor: Actor, locale: str) -> AsyncIterator[str]:
    started = last_sent = time.monotonic()
    previous: tuple[int, Any] | None = None
    yield f"retry: {int(POLL_SECONDS * 1000)}\n\n"
    while time.monotonic() - started < STREAM_SECONDS:
        if await request.is_disconnected():
            return
        state = await run_in_threadpool(snapshot, platform, actor, locale)
        key = (state["count"], (state["newest"] or {}).get("id"))
        if key != previous:
            previous, last_sent = key, time.monotonic()
            yield f"event: unread\ndata: {json.dumps(state, ensure_ascii=False, default=str)}\n\n"
        elif time.monotonic() - last_sent > KEEP_ALIVE_SECONDS:
            last_sent = time.monotonic()
            yield ": still here\n\n"  # a comment: keeps proxies from closing an idle connection
        await asyncio.sleep(POLL_SECONDS)


HOME_SHOWN = 5


def home_widget(part: PagePart) -> str | None:
    """The home workbench's unread notifications (the newest few); left out when everything has been read."""
    found = center.page(part.platform, part.actor, unread=True, limit=HOME_SHOWN)
    if not found["unread"]:
        return None
    folders = tuple(str(module.templates) for module in part.platform.modules if module.templates)
    template = environment(folders).get_template("notifications_home.html")
    return template.render(request=part.request, user=part.user, locale=current_locale.get(), found=found)
