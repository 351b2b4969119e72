"""The home workbench's day (COL-4, first part): the user's overdue and due-today tasks and today's events (those
they own or attend), read through the query engine as them, in their time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from huitong.engine.meta.schema import Schema
from huitong.engine.platform import PagePart, Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.modules.activities import fragments
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import OPEN_TASK
from huitong.modules.activities.timeline import activities

SHOWN = 20


def day_of(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Today in ``zone``, as the instants it starts and ends."""
    start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


def my_day(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
           zone: ZoneInfo) -> dict[str, Any]:  # fmt: skip
    """``overdue`` and ``today`` (tasks), ``events`` (today's), each oldest first."""
    now = platform.now()
    start, end = day_of(now, zone)
    me = actor.user_id
    open_tasks = {"and": [{"field": "owner", "op": "eq", "value": me},
                          {"field": "status", "op": "in", "value": list(OPEN_TASK)},
                          {"field": "due_at", "op": "lt", "value": iso(end)}]}  # fmt: skip
    tasks = activities(platform, connection, actor, schema, "task", open_tasks, ["due_at", "id"], SHOWN)
    attending = [row["event"] for row in attended(platform, connection, actor, schema)]
    mine: Any = {"field": "owner", "op": "eq", "value": me}
    if attending:
        mine = {"or": [mine, {"field": "id", "op": "in", "value": attending}]}
    today = {"and": [mine, {"field": "start_at", "op": "gte", "value": iso(start)},
                     {"field": "start_at", "op": "lt", "value": iso(end)}]}  # fmt: skip
    events = activities(platform, connection, actor, schema, "event", today, ["start_at", "id"], SHOWN)
    return {
        "overdue": [t for t in tasks if instant(t["due_at"]) < now],
        "today": [t for t in tasks if instant(t["due_at"]) >= now],
        "events": events,
    }


def attended(platform: Platform, connection: Connection, actor: Actor, schema: Schema) -> list[dict[str, Any]]:
    definition = schema.objects.get("event_attendee")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    request = {"filter": {"field": "user", "op": "eq", "value": actor.user_id}, "fields": ["event"],
               "sort": ["-id"], "limit": 200}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(row) for row in listing.run(connection)["records"]]


def widget(part: PagePart) -> str | None:
    schema = part.schema
    if "task" not in schema.objects or not part.platform.access.may(part.actor, schema.objects["task"], "read"):
        return None
    day = my_day(part.platform, part.connection, part.actor, schema, part.user.zone)
    may = part.platform.access.may
    context = {**day, "schema": schema, "now": part.platform.now(),
               "may_create": may(part.actor, schema.objects["task"], "create"),
               "editable": {"task": may(part.actor, schema.objects["task"], "edit")}}  # fmt: skip
    return fragments.html(part.platform, part.request, part.user, "activities_home.html", context)
