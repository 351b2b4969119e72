"""What a calendar shows (ACT-3): the events (owned or attended) and tasks (by due time) of a person, and of the
team members a manager overlays, within a window — read through the query engine as the reader, so an event or
task they may not read never shows, whoever's calendar it is on. Repeating events are expanded into their
occurrences in their owner's time zone (recurrence.py). The page (calendar.py) and the .ics feed (ics.py) both
read here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, select

from huitong.engine.errors import HuitongError
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.activities.moments import instant
from huitong.modules.activities.recurrence import occurrences, skipped_of

LIMIT = 1000  # records of one kind in one window (the query engine's page limit)
LONGEST = timedelta(days=31)  # a one-off event that began this long before the window is not looked for
EVENT_FIELDS = ["id", "version", "owner", "subject", "kind", "start_at", "end_at", "all_day", "location",
                "recurrence", "skipped_occurrences", "description", "reminder_minutes"]  # fmt: skip
TASK_FIELDS = ["id", "version", "owner", "subject", "status", "priority", "due_at", "description"]
OVERLAY_MAX = 12  # people on one calendar at once; more is unreadable


def iso(moment: datetime) -> str:
    """An instant as the query engine's filters take it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def attended(platform: Platform, connection: Connection, actor: Actor, schema: Schema) -> list[dict[str, Any]]:
    """The reader's attendances (the events they take part in without owning them), newest first."""
    definition = schema.objects.get("event_attendee")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    request = {"filter": {"field": "user", "op": "eq", "value": actor.user_id}, "fields": ["event"],
               "sort": ["-id"], "limit": 200}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(row) for row in listing.run(connection)["records"]]


@dataclass
class Item:
    """One thing on the calendar: an event's occurrence or a task at its due time."""

    kind: str  # "event" or "task"
    id: int
    version: int
    title: str
    start: datetime  # UTC
    end: datetime  # UTC (the start again for a task or an event without an end)
    all_day: bool
    owner: int
    recurring: bool = False
    first: bool = True  # the series' own start (only that one carries the record's times)
    editable: bool = False
    status: str | None = None
    location: str | None = None
    event_kind: str | None = None
    description: str | None = None
    record: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def movable(self) -> bool:
        """Dragging moves the record (a repeating event's occurrence: that one only), if the reader may edit it."""
        return self.editable

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}-{self.start.timestamp():.0f}"


def zones_of(connection: Connection, user_ids: list[int], fallback: ZoneInfo) -> dict[int, ZoneInfo]:
    """Each user's own time zone: a repeating event keeps its owner's wall-clock time."""
    found: dict[int, ZoneInfo] = {}
    if not user_ids:
        return found
    for row in connection.execute(select(users.c.id, users.c.time_zone).where(users.c.id.in_(sorted(user_ids)))):
        try:
            found[int(row.id)] = ZoneInfo(row.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            found[int(row.id)] = fallback
    return found


def overlay_candidates(platform: Platform, actor: Actor) -> list[int]:
    """Whom a user may put beside their own calendar: everyone for one who may read every event (administrators,
    view-all), else the people below them in the role hierarchy. Their events still come through the query engine,
    so only those the user may read show."""
    model, security = actor.model, actor.security
    if model is None or security is None:
        return []
    active = {user.id for user in model.users.values() if user.active}
    if actor.is_admin or security.grant("event").view_all:
        return sorted(active - {actor.user_id})
    return sorted(set(model.subordinates_of(actor.user_id)) & active)


def read(platform: Platform, connection: Connection, actor: Actor, schema: Schema, object_name: str,
         filter_: Any, fields: list[str], sort: list[str], pages: int = 1) -> list[dict[str, Any]]:  # fmt: skip
    """The records matching ``filter_`` the reader may read, at most ``pages`` pages of ``LIMIT``."""
    definition = schema.objects.get(object_name)
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    shown = [name for name in fields if name in definition.fields]
    found: list[dict[str, Any]] = []
    cursor = None
    for _page in range(pages):
        request = {"filter": filter_, "fields": shown, "sort": sort, "limit": LIMIT,
                   **({"cursor": cursor} if cursor else {})}  # fmt: skip
        try:
            listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
        except HuitongError:
            return []  # the filter names a field hidden from the reader (field-level security): nothing to show by it
        body = listing.run(connection)
        found += [dict(row) for row in body["records"]]
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return found


def editable_ids(platform: Platform, connection: Connection, actor: Actor, schema: Schema, object_name: str,
                 ids: list[int]) -> set[int]:  # fmt: skip
    """Which of ``ids`` the reader may edit (the same predicate the record service checks on a write)."""
    definition = schema.objects.get(object_name)
    if not ids or definition is None or not platform.access.may(actor, definition, "edit"):
        return set()
    table = schema.table(object_name)
    query = select(table.c.id).where(table.c.id.in_(ids))
    allowed = platform.access.write_filter(actor, definition, table, "edit")
    if allowed is not None:
        query = query.where(allowed)
    return {int(value) for value in connection.execute(query).scalars()}


def whose(field_: str, people: list[int]) -> dict[str, Any]:
    return {"field": field_, "op": "in", "value": people}


def gather(platform: Platform, connection: Connection, actor: Actor, schema: Schema, people: list[int],
           start: datetime, end: datetime, *, open_tasks_only: bool = False) -> list[Item]:  # fmt: skip
    """The events and tasks of ``people`` (the reader first: also the events they attend) overlapping [start,
    end), that the reader may read, oldest first (all-day ones first within an instant); each record once per
    occurrence, though it may be owned by one person and attended by another."""
    me = actor.user_id
    attending = [int(row["event"]) for row in attended(platform, connection, actor, schema) if row.get("event")]
    mine: Any = whose("owner", people)
    if me in people and attending:
        mine = {"or": [mine, {"field": "id", "op": "in", "value": attending}]}
    one_off = {"and": [mine, {"field": "recurrence", "op": "is_null", "value": True},
                       {"field": "start_at", "op": "gte", "value": iso(start - LONGEST)},
                       {"field": "start_at", "op": "lt", "value": iso(end)}]}  # fmt: skip
    series = {"and": [mine, {"field": "recurrence", "op": "is_null", "value": False},
                      {"field": "start_at", "op": "lt", "value": iso(end)}]}  # fmt: skip
    queries: list[Any] = [one_off, series]
    event = schema.objects.get("event")
    if event is not None and "recurrence" not in event.fields:
        # repetition hidden from the reader: they see each event once, at its own time
        queries = [{"and": [part for part in one_off["and"] if part.get("field") != "recurrence"]}]
    events = {row["id"]: row for query in queries
              for row in read(platform, connection, actor, schema, "event", query, EVENT_FIELDS, ["start_at", "id"])}  # fmt: skip
    task_filter: list[Any] = [whose("owner", people), {"field": "due_at", "op": "gte", "value": iso(start)},
                              {"field": "due_at", "op": "lt", "value": iso(end)}]  # fmt: skip
    if open_tasks_only:
        task_filter.append({"field": "status", "op": "in", "value": ["open", "in_progress"]})
    tasks = read(platform, connection, actor, schema, "task", {"and": task_filter}, TASK_FIELDS, ["due_at", "id"])
    editable = {
        "event": editable_ids(platform, connection, actor, schema, "event", list(events)),
        "task": editable_ids(platform, connection, actor, schema, "task", [t["id"] for t in tasks]),
    }
    zones = zones_of(connection, sorted({int(row["owner"]) for row in events.values()}), platform.zone)
    items = [item for row in events.values()
             for item in event_items(row, zones.get(int(row["owner"]), platform.zone), start, end,
                                     row["id"] in editable["event"])]  # fmt: skip
    items += [task_item(row, row["id"] in editable["task"]) for row in tasks if row.get("due_at")]
    return sorted(items, key=lambda item: (item.start, not item.all_day, item.kind, item.id))


def event_items(row: dict[str, Any], zone: ZoneInfo, start: datetime, end: datetime, editable: bool) -> list[Item]:
    begin = instant(row["start_at"])
    finish = instant(row["end_at"]) if row.get("end_at") else None
    rule = row.get("recurrence") or None
    return [
        Item("event", int(row["id"]), int(row["version"]), str(row.get("subject") or ""), found.start, found.end,
             bool(row.get("all_day")), int(row["owner"]), recurring=rule is not None, first=found.first,
             editable=editable, location=row.get("location"), event_kind=row.get("kind"),
             description=row.get("description"), record=row)
        for found in occurrences(begin, finish, rule, zone, start, end, skipped_of(row.get("skipped_occurrences")))
    ]  # fmt: skip


def task_item(row: dict[str, Any], editable: bool) -> Item:
    due = instant(row["due_at"])
    return Item("task", int(row["id"]), int(row["version"]), str(row.get("subject") or ""), due, due, False,
                int(row["owner"]), editable=editable, status=row.get("status"), description=row.get("description"),
                record=row)  # fmt: skip
