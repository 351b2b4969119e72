"""The iCalendar (.ics) feed a phone's calendar subscribes to (ACT-3): the user's events — owned or attended, a
repeating one once with its RRULE in its owner's time zone — and their open tasks with a due time, from 30 days
back to a year ahead, read through the query engine as that user, so the feed holds exactly what they may read.

Tasks go out as VEVENTs at their due time, not VTODOs: the calendars people subscribe with on their phones (iOS,
Google, most Android ones) ignore VTODO in a subscription, and a task nobody sees is no reminder
(decisions/0014). The address is the secret (calendar_feed.py); no session is needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from icalendar import Calendar, Event, vRecur
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import not_found
from huitong.engine.i18n import LOCALES, _, current_locale
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.activities import calendar_data, calendar_feed
from huitong.modules.activities.calendar_data import Item
from huitong.modules.activities.moments import instant
from huitong.modules.activities.recurrence import build, feed_rule, skipped_of

feed = APIRouter(include_in_schema=False)
PAST = timedelta(days=30)
FUTURE = timedelta(days=365)
DOMAIN = "huitong"  # UIDs are "<kind>-<id>@huitong": stable, so a phone updates an event instead of duplicating it


@feed.get("/activities/calendar/{token}.ics")
async def calendar_file(token: str, request: Request) -> Response:
    platform = platform_of(request)
    body = await run_in_threadpool(feed_for, platform, token, str(request.base_url).rstrip("/"))
    if body is None:
        raise not_found(_("This calendar address is not valid (any more)."))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})  # fmt: skip


def feed_for(platform: Platform, token: str, base: str) -> bytes | None:
    """The feed whose secret address ``token`` is, as ``.ics`` bytes; None when no active user's feed has it."""
    with platform.db.read() as connection:
        owner = calendar_feed.owner_of(connection, platform.cache.current(connection), token)
        if owner is None:
            return None
        row = connection.execute(select(users.c.locale, users.c.time_zone).where(users.c.id == owner)).one()
    current_locale.set(row.locale if row.locale in LOCALES else "zh_CN")
    with platform.records.reading(Actor(owner)) as (connection, actor, schema):
        now = platform.now()
        items = calendar_data.gather(platform, connection, actor, schema, [owner], now - PAST, now + FUTURE,
                                     open_tasks_only=True)  # fmt: skip
        zones = calendar_data.zones_of(connection, sorted({item.owner for item in items}), platform.zone)
        return calendar(items, zones, platform.zone, now, base).to_ical()


def calendar(items: list[Item], zones: dict[int, ZoneInfo], fallback: ZoneInfo, now: datetime,
             base: str) -> Calendar:  # fmt: skip
    found = Calendar()
    found.add("prodid", "-//Huitong CRM//Calendar//ZH")
    found.add("version", "2.0")
    found.add("calscale", "GREGORIAN")
    found.add("x-wr-calname", _("Huitong CRM"))
    found.add("x-published-ttl", "PT15M")  # how often a subscriber should look again (Apple, Outlook)
    found.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})  # RFC 7986
    seen: set[tuple[str, int]] = set()
    for item in items:
        if (item.kind, item.id) in seen:
            continue  # a repeating event goes out once, with its rule
        seen.add((item.kind, item.id))
        zone = zones.get(item.owner, fallback)
        found.add_component(event_of(item, zone, now, base) if item.kind == "event" else task_of(item, now, base))
    found.add_missing_timezones()
    return found


def event_of(item: Item, zone: ZoneInfo, now: datetime, base: str) -> Event:
    record = item.record
    start = instant(record["start_at"])
    end = instant(record["end_at"]) if record.get("end_at") else None
    rule = record.get("recurrence") or None
    entry = common(item, now, base)
    if item.all_day:
        first = start.astimezone(zone).date()
        last = end.astimezone(zone).date() if end is not None else first
        entry.add("dtstart", first)
        entry.add("dtend", max(last, first) + timedelta(days=1))  # an all-day DTEND is the day after (exclusive)
    elif rule and build(rule, start, zone) is not None:
        # a repeating event in its owner's zone, so the phone keeps its wall-clock time across clock changes
        entry.add("dtstart", start.astimezone(zone))
        if end is not None:
            entry.add("dtend", end.astimezone(zone))
    else:
        entry.add("dtstart", start)
        if end is not None:
            entry.add("dtend", end)
    if rule and build(rule, start, zone) is not None:
        entry.add("rrule", vRecur.from_ical(feed_rule(rule, zone, item.all_day)))
        skipped = sorted(skipped_of(record.get("skipped_occurrences")))
        if skipped:  # occurrences moved out of the series: each is its own event in the feed
            entry.add("exdate", [moment.astimezone(zone).date() if item.all_day else moment.astimezone(zone)
                                 for moment in skipped])  # fmt: skip
    if item.location:
        entry.add("location", item.location)
    return entry


def task_of(item: Item, now: datetime, base: str) -> Event:
    entry = common(item, now, base, summary=_("Task: %(subject)s") % {"subject": item.title})
    entry.add("dtstart", item.start)
    entry.add("categories", [_("Task")])
    return entry


def common(item: Item, now: datetime, base: str, summary: str | None = None) -> Event:
    entry = Event()
    entry.add("uid", f"{item.kind}-{item.id}@{DOMAIN}")
    entry.add("dtstamp", now)
    entry.add("summary", summary or item.title)
    entry.add("sequence", max(0, item.version - 1))
    entry.add("url", f"{base}/records/{item.kind}/{item.id}")
    if item.description:
        entry.add("description", item.description)
    return entry
