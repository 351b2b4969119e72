"""Dragging on the calendar (decisions/0014): an event or task dropped on another time or day moves, through the
record service as the user, with the version the page was drawn with — so their access decides and a change made
meanwhile is refused. An event keeps its length, a task its reminder's lead.

An occurrence of a repeating event moves on its own: in one transaction the series names that occurrence in
``skipped_occurrences`` (its EXDATE) and a one-off copy of the event (same subject, records it is about, reminder,
attendees) is created at the new time — the "this occurrence only" of phones' calendars. Moving the whole series by
the drag's offset would be wrong whenever the rule names days (``BYDAY=MO`` moved to a Tuesday keeps its Mondays).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huitong.engine.errors import FieldError, bad_request, conflict, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.modules.activities.calendar_data import zones_of
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import RELATIONS
from huitong.modules.activities.recurrence import STAMP, occurrences, skipped_of, stamp

# What a moved occurrence keeps of its series.
COPIED = ("subject", "kind", "all_day", "location", "description", "reminder_minutes", *RELATIONS)


def target(raw: str, before: datetime, zone: ZoneInfo) -> datetime:
    """Where a dropped item goes: a local time, or a day at the item's own time of day."""
    message = _("This item could not be moved there; reload the calendar.")
    try:
        if len(raw) == 10:
            wall = datetime.combine(date.fromisoformat(raw), before.astimezone(zone).time())
        else:
            wall = datetime.fromisoformat(raw)
    except ValueError:
        raise validation_failed([FieldError("to", "invalid_value", message)]) from None
    if wall.tzinfo is not None or not datetime(1900, 1, 1) <= wall <= datetime(2999, 12, 31):
        raise validation_failed([FieldError("to", "invalid_value", message)])
    return wall.replace(tzinfo=zone)


def move(platform: Platform, actor: Actor, zone: ZoneInfo, form: Mapping[str, str]) -> str:
    """Move what was dropped; returns the message to show."""
    kind, raw_id, raw_version = form.get("kind", ""), form.get("id", ""), form.get("version", "")
    whole = all(text.isascii() and text.isdigit() and len(text) < 12 for text in (raw_id, raw_version))
    if kind not in ("event", "task") or not whole:  # ("²".isdigit() is true, and int() refuses it)
        raise bad_request(_("This item could not be moved; reload the calendar."))
    record_id, version = int(raw_id), int(raw_version)
    with platform.records.transaction(actor) as context:
        definition = context.schema.object(kind)
        row = platform.records.visible_row(context.connection, context.schema, context.actor, definition, record_id)
        if kind == "event" and row.get("recurrence"):
            after = move_occurrence(platform, context, row, version, form, zone)
            return _("Only this occurrence of %(subject)s moved, to %(when)s.") % {
                "subject": row.get("subject") or "", "when": shown(after, zone, bool(row.get("all_day")))}  # fmt: skip
        if kind == "event":
            before = instant(row["start_at"])
            after = target(form.get("to", ""), before, zone)
            changes: dict[str, Any] = {"start_at": after}
            if row.get("end_at") is not None:
                changes["end_at"] = instant(row["end_at"]) + (after - before)
        else:
            if row.get("due_at") is None:
                raise conflict(_("This task has no due time to move."), code="no_due_time")
            before = instant(row["due_at"])
            after = target(form.get("to", ""), before, zone)
            changes = {"due_at": after}
            if row.get("reminder_at") is not None:
                changes["reminder_at"] = instant(row["reminder_at"]) + (after - before)
        record = platform.records.update_in(context, kind, record_id, changes, version)
    when = shown(after, zone, kind == "event" and bool(row.get("all_day")))
    return _("%(subject)s moved to %(when)s.") % {"subject": record.values.get("subject") or "", "when": when}


def shown(moment: datetime, zone: ZoneInfo, all_day: bool) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d" if all_day else "%Y-%m-%d %H:%M")


def move_occurrence(platform: Platform, context: WriteContext, row: Mapping[str, Any], version: int,
                    form: Mapping[str, str], zone: ZoneInfo) -> datetime:  # fmt: skip
    """Take the occurrence ``form["occurrence"]`` out of the series ``row`` and create it on its own where it was
    dropped; returns its new start."""
    try:
        occurrence = datetime.strptime(form.get("occurrence", ""), STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise conflict(_("This item could not be moved; reload the calendar."), code="no_occurrence") from None
    start = instant(row["start_at"])
    end = instant(row["end_at"]) if row.get("end_at") else None
    owner_zone = zones_of(context.connection, [int(row["owner"])], platform.zone).get(int(row["owner"]), platform.zone)
    skipped = skipped_of(row.get("skipped_occurrences"))
    found = occurrences(start, end, row["recurrence"], owner_zone, occurrence, occurrence + timedelta(seconds=1),
                        skipped)  # fmt: skip
    if not any(o.start == occurrence for o in found):
        raise conflict(_("This item could not be moved; reload the calendar."), code="no_occurrence")
    after = target(form.get("to", ""), occurrence, zone)
    listed = ",".join(sorted(stamp(moment) for moment in skipped | {occurrence}))
    if len(listed) > 4000:
        raise conflict(_("Too many occurrences of this series were moved; edit the series instead."), code="too_many")
    records = platform.records
    records.update_in(context, "event", int(row["id"]), {"skipped_occurrences": listed}, version)
    values: dict[str, Any] = {name: row[name] for name in COPIED if row.get(name) is not None}
    values.update(start_at=after, end_at=after + (end - start) if end is not None else None)
    if int(row["owner"]) != context.actor.user_id:
        values["owner"] = int(row["owner"])  # still theirs: the mover may edit it, the access policy says if so
    created = records.create_in(context, "event", values)
    copy_attendees(context, int(row["id"]), int(created["id"]))
    return after


def copy_attendees(context: WriteContext, series: int, single: int) -> None:
    """The occurrence keeps the people asked to the series (those the mover may read)."""
    if "event_attendee" not in context.schema.objects:
        return
    definition = context.schema.object("event_attendee")
    table = context.schema.table("event_attendee")
    query = select(table.c.user, table.c.contact).where(table.c.event == series, table.c.deleted_at.is_(None))
    visible = context.records.access.read_filter(context.actor, definition, table)
    for attendee in context.connection.execute(query if visible is None else query.where(visible)):
        values = {"event": single, "user": attendee.user, "contact": attendee.contact}
        context.records.create_in(context, "event_attendee", {k: v for k, v in values.items() if v is not None})
