"""The calendar page (ACT-3): day, week and month views of the user's events and tasks in their time zone, the team
members a manager overlays, dragging to reschedule, and the .ics subscription's address.

``GET /activities/calendar?view=week&date=2026-03-18&with=7&with=9`` — the page (htmx asking for
``calendar-body``: only the calendar); ``POST /activities/calendar/move`` (``kind``, ``id``, ``version``, ``to``: a
local ``YYYY-MM-DDTHH:MM`` for a time slot, or ``YYYY-MM-DD`` for a day, keeping the time of day; ``occurrence`` for
one of a repeating event's; ``query``: the calendar's address) — calendar_move.py, through the record service as
the user with the version the page was drawn with; answers the calendar redrawn with a message.
``POST /activities/calendar/feed`` makes a new secret feed address (shown once), ``…/feed/stop`` stops it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import FieldError, HuitongError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.activities import calendar_data, calendar_feed, calendar_move, calendar_view
from huitong.modules.activities.recurrence import stamp

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
COLOURS = 8  # cal-c0 … cal-c7 in the stylesheet: the user, then each overlaid person


class Choice:
    """What the address asks for: a view, a day, whose calendars beside the user's."""

    def __init__(self, params: Mapping[str, Any], today: date) -> None:
        self.view = str(params.get("view") or "week")
        if self.view not in calendar_view.VIEWS:
            message = _("Choose a day, week or month view.")
            raise bad_request(message, [FieldError("view", "invalid_value", message)])
        raw = str(params.get("date") or "")
        try:
            self.day = date.fromisoformat(raw) if raw else today
        except ValueError:
            message = _("Give the day as YYYY-MM-DD.")
            raise bad_request(message, [FieldError("date", "invalid_value", message)]) from None
        if not date(1900, 1, 1) <= self.day <= date(2999, 12, 31):
            self.day = today
        getter = getattr(params, "getlist", None)
        wanted = getter("with") if getter else params.get("with") or []
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        self.people = list(dict.fromkeys(int(v) for v in values if number(str(v))))

    def query(self, **changes: Any) -> str:
        values: dict[str, Any] = {"view": self.view, "date": self.day.isoformat(), **changes}
        pairs = [*values.items(), *(("with", person) for person in self.people)]
        return urlencode(pairs)


def number(text: str) -> bool:
    """A whole number an id can be (``isdigit`` alone lets "²" through, which ``int`` refuses)."""
    return text.isascii() and text.isdigit() and len(text) < 12


def calendar_context(platform: Platform, user: PageUser, params: Mapping[str, Any]) -> dict[str, Any]:
    zone = user.zone
    today = platform.now().astimezone(zone).date()
    chosen = Choice(params, today)
    win = calendar_view.window(chosen.view, chosen.day)
    with platform.records.reading_object(user.actor, "event") as (connection, actor, schema, _definition):
        candidates = calendar_data.overlay_candidates(platform, actor)
        chosen.people = [p for p in chosen.people if p in candidates][: calendar_data.OVERLAY_MAX]
        people = [actor.user_id, *chosen.people]
        start, end = win.bounds(zone)
        items = calendar_data.gather(platform, connection, actor, schema, people, start, end)
        colours = {person: n % COLOURS for n, person in enumerate(people)}
        days = calendar_view.days_of(win, items, zone, today, colours)
        names = cells.user_names(connection, [*candidates, actor.user_id, *(item.owner for item in items)])
        feed = calendar_feed.current(connection, platform.cache.current(connection), actor.user_id)
        may_create = platform.access.may(actor, schema.object("event"), "create")
        nav = navigation(platform, schema, actor)
    return {
        "chosen": chosen, "win": win, "days": days, "weeks": calendar_view.weeks(days), "items": items,
        "weekdays": calendar_view.weekday_names(win), "today": today, "names": names, "colours": colours,
        "candidates": candidates, "people": people, "feed": feed, "may_create": may_create, "nav": nav,
        "previous": chosen.query(date=win.step(-1).isoformat()), "next": chosen.query(date=win.step(1).isoformat()),
        "this_day": chosen.query(date=today.isoformat()), "hours": list(range(24)), "zone": str(zone),
        "back": "/activities/calendar?" + chosen.query(),
        "hm": lambda moment: moment.astimezone(zone).strftime("%H:%M"), "stamp": stamp,
    }  # fmt: skip


@pages.get("/activities/calendar")
def calendar_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    context = calendar_context(platform_of(request), user, request.query_params)
    if request.headers.get("hx-target") == "calendar-body":
        return render(request, "activities_calendar_body.html", context, user=user)
    return render(request, "activities_calendar.html", context, user=user)


@pages.post("/activities/calendar/move")
async def move_item(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """Drop an event or task on another time or day; answer the calendar as it now is, with a message (an error
    puts the item back where it was)."""
    platform = platform_of(request)
    form = {key: value for key, value in (await request.form()).multi_items() if isinstance(value, str)}
    try:
        message = await run_in_threadpool(calendar_move.move, platform, user.actor, user.zone, form)
        failed = False
    except HuitongError as error:
        message = " ".join([problem.message for problem in error.errors] or [error.detail])
        failed = True
    # the calendar the item was dropped on: its address's view, day and people
    params = QueryParams(form.get("query", ""))
    context = await run_in_threadpool(calendar_context, platform, user, params)
    return render(request, "activities_calendar_body.html", {**context, "message": message, "failed": failed},
                  user=user)  # fmt: skip


@pages.post("/activities/calendar/feed")
async def renew_feed(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """A new secret address for the user's feed (the old one stops working), shown on the page once."""
    platform = platform_of(request)
    params = await request.form()
    token = await run_in_threadpool(calendar_feed.renew, platform, user.actor)
    context = await run_in_threadpool(calendar_context, platform, user, params)
    address = f"{str(request.base_url).rstrip('/')}/activities/calendar/{token}.ics"
    return render(request, "activities_calendar.html", {**context, "feed_address": address}, user=user)


@pages.post("/activities/calendar/feed/stop")
async def stop_feed(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    params = await request.form()
    stopped = await run_in_threadpool(calendar_feed.stop, platform, user.actor)
    context = await run_in_threadpool(calendar_context, platform, user, params)
    message = _("Your calendar subscription is stopped.") if stopped else _("There was no subscription to stop.")
    return render(request, "activities_calendar.html", {**context, "message": message, "failed": False}, user=user)
