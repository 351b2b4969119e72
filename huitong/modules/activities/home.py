"""The home workbench's day (COL-4, first part): the user's overdue and due-today tasks and today's events (those
they own or attend, a repeating one on each day it happens), read through the query engine as them, in their time
zone, with a way into the calendar."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from huitong.engine.meta.schema import Schema
from huitong.engine.platform import PagePart, Platform
from huitong.engine.records.context import Actor
from huitong.modules.activities import fragments
from huitong.modules.activities.calendar_data import attended, gather, iso
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import OPEN_TASK
from huitong.modules.activities.timeline import activities

SHOWN = 20
__all__ = ["attended", "day_of", "iso", "my_day", "widget"]  # attended and iso: older callers import them here


def day_of(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Today in ``zone``, as the instants it starts and ends."""
    start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def my_day(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
           zone: ZoneInfo) -> dict[str, Any]:  # fmt: skip
    """``overdue`` and ``today`` (tasks), ``events`` (today's occurrences, all-day first), each oldest first."""
    now = platform.now()
    start, end = day_of(now, zone)
    me = actor.user_id
    open_tasks = {"and": [{"field": "owner", "op": "eq", "value": me},
                          {"field": "status", "op": "in", "value": list(OPEN_TASK)},
                          {"field": "due_at", "op": "lt", "value": iso(end)}]}  # fmt: skip
    tasks = activities(platform, connection, actor, schema, "task", open_tasks, ["due_at", "id"], SHOWN)
    occurrences = [item for item in gather(platform, connection, actor, schema, [me], start, end)
                   if item.kind == "event"]  # fmt: skip
    events = [{**item.record, "start_at": item.start, "end_at": item.end, "recurring": item.recurring,
               "hours": hours(item.start, item.end, zone)}
              for item in sorted(occurrences, key=lambda item: (not item.all_day, item.start))][:SHOWN]  # fmt: skip
    return {
        "overdue": [t for t in tasks if instant(t["due_at"]) < now],
        "today": [t for t in tasks if instant(t["due_at"]) >= now],
        "events": events,
    }


def hours(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``09:30–10:30`` in ``zone`` (the day is today; an event from yesterday or into tomorrow says its date)."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    shown = first.strftime("%H:%M") if first.date() == last.date() else first.strftime("%m-%d %H:%M")
    if end > start:
        shown += "–" + (last.strftime("%H:%M") if first.date() == last.date() else last.strftime("%m-%d %H:%M"))
    return shown


def widget(part: PagePart) -> str | None:
    schema = part.schema
    if "task" not in schema.objects or not part.platform.access.may(part.actor, schema.objects["task"], "read"):
        return None
    day = my_day(part.platform, part.connection, part.actor, schema, part.user.zone)
    may = part.platform.access.may
    calendar = "event" in schema.objects and may(part.actor, schema.objects["event"], "read")
    context = {**day, "schema": schema, "now": part.platform.now(), "calendar": calendar,
               "may_create": may(part.actor, schema.objects["task"], "create"),
               "editable": {"task": may(part.actor, schema.objects["task"], "edit")}}  # fmt: skip
    return fragments.html(part.platform, part.request, part.user, "activities_home.html", context)
