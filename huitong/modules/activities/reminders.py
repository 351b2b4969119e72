"""Reminders and overdue warnings (ACT-3, COL-2), sent by a periodic job every minute through the engine's notices:
a task's reminder at its ``reminder_at``, an event's ``reminder_minutes`` before it (each occurrence of a repeating
one, in its owner's time zone), and one warning to its owner when an open task passes its due time.

Exactly once, with any number of workers running the job at the same moment: each reminder is claimed by writing
the moment it is for into the record (``reminded_at`` / ``overdue_notified_at``) through the record service with the
version the job read — a conditional ``UPDATE … WHERE version = ?`` after a ``SELECT … FOR UPDATE`` (PostgreSQL) or
inside a ``BEGIN IMMEDIATE`` (SQLite) — and the notice is sent in that same transaction, so the worker that loses
the race finds the version moved and skips it, and a notice never goes out for a claim that rolled back. Moving a
reminder or a due time (an edit, a postpone) makes it differ from what was claimed, which re-arms it. A reminder
older than ``LOOK_BACK`` when first seen (the workers were down) is not sent late: it would only be noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from huitong.engine.errors import HuitongError
from huitong.engine.i18n import N_
from huitong.engine.meta.schema import Schema
from huitong.engine.notices import Notice, notice_params
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules.activities.calendar_data import iso, read, zones_of
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import OPEN_TASK
from huitong.modules.activities.recurrence import occurrences, skipped_of

LOOK_BACK = timedelta(hours=6)
OVERDUE_LOOK_BACK = timedelta(days=1)  # older overdue tasks (before an upgrade, a long outage) are not news
LONGEST_LEAD = timedelta(minutes=1440)  # the longest reminder choice: a day before
BATCH = 200
SERIES_PAGES = 20  # up to 20,000 repeating events with a reminder are looked at each minute
TASK_FIELDS = ["id", "version", "owner", "subject", "status", "due_at", "reminder_at", "reminded_at",
               "overdue_notified_at"]  # fmt: skip
EVENT_FIELDS = ["id", "version", "owner", "subject", "start_at", "end_at", "recurrence", "skipped_occurrences",
                "reminder_minutes", "reminded_at", "location"]  # fmt: skip
STAMP = "%Y-%m-%d %H:%M"  # numbers only: the message is translated per reader, the time is not


@dataclass(frozen=True)
class Due:
    """One reminder to claim: the record, the field that claims it, the moment it is for, what to tell whom."""

    object: str
    row: dict[str, Any]
    claim: str
    moment: datetime
    kind: str
    message: str
    about: datetime  # the time the message names (due time, start of the occurrence)


def run(platform: Platform) -> int:
    """Send what is due now; returns how many reminders this run claimed (0 for those another worker got)."""
    keeper = platform.job_actor("reminders")
    if keeper is None:
        return 0
    now = platform.now()
    with platform.records.reading(keeper) as (connection, actor, schema):
        found = [*task_reminders(platform, connection, actor, schema, now),
                 *overdue_tasks(platform, connection, actor, schema, now),
                 *event_reminders(platform, connection, actor, schema, now)]  # fmt: skip
        people = attendees(platform, connection, actor, schema, [d.row["id"] for d in found if d.object == "event"])
        zones = zones_of(connection, sorted({int(d.row["owner"]) for d in found} | {u for us in people.values()
                                                                                    for u in us}), platform.zone)  # fmt: skip
    versions: dict[tuple[str, int], int] = {}  # a task both reminded and overdue is claimed twice in a run
    sent = 0
    for due in found:
        key = (due.object, int(due.row["id"]))
        version = claim(platform, keeper, due, versions.get(key, int(due.row["version"])), people, zones)
        if version is not None:
            versions[key] = version
            sent += 1
    return sent


def task_reminders(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
                   now: datetime) -> list[Due]:  # fmt: skip
    where = {"and": [{"field": "status", "op": "in", "value": list(OPEN_TASK)},
                     {"field": "reminder_at", "op": "gt", "value": iso(now - LOOK_BACK)},
                     {"field": "reminder_at", "op": "lte", "value": iso(now)}]}  # fmt: skip
    rows = read(platform, connection, actor, schema, "task", where, TASK_FIELDS, ["reminder_at", "id"])[:BATCH]
    return [
        Due("task", row, "reminded_at", instant(row["reminder_at"]), "task_reminder",
            N_("Reminder: %(subject)s, due %(time)s") if row.get("due_at") else N_("Reminder: %(subject)s"),
            instant(row["due_at"]) if row.get("due_at") else instant(row["reminder_at"]))
        for row in rows if not same(row.get("reminded_at"), row["reminder_at"])
    ]  # fmt: skip


def overdue_tasks(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
                  now: datetime) -> list[Due]:  # fmt: skip
    where = {"and": [{"field": "status", "op": "in", "value": list(OPEN_TASK)},
                     {"field": "due_at", "op": "gt", "value": iso(now - OVERDUE_LOOK_BACK)},
                     {"field": "due_at", "op": "lte", "value": iso(now)}]}  # fmt: skip
    rows = read(platform, connection, actor, schema, "task", where, TASK_FIELDS, ["due_at", "id"])[:BATCH]
    return [
        Due("task", row, "overdue_notified_at", instant(row["due_at"]), "overdue",
            N_("%(subject)s is overdue: it was due %(time)s"), instant(row["due_at"]))
        for row in rows if not same(row.get("overdue_notified_at"), row["due_at"])
    ]  # fmt: skip


def event_reminders(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
                    now: datetime) -> list[Due]:  # fmt: skip
    """The events whose reminder (of their latest occurrence whose reminder time has come) is due."""
    with_reminder = {"field": "reminder_minutes", "op": "is_null", "value": False}
    one_off = {"and": [with_reminder, {"field": "recurrence", "op": "is_null", "value": True},
                       {"field": "start_at", "op": "gt", "value": iso(now - LOOK_BACK)},
                       {"field": "start_at", "op": "lte", "value": iso(now + LONGEST_LEAD)}]}  # fmt: skip
    series = {"and": [with_reminder, {"field": "recurrence", "op": "is_null", "value": False},
                      {"field": "start_at", "op": "lte", "value": iso(now + LONGEST_LEAD)}]}  # fmt: skip
    rows = [row for where in (one_off, series)  # every series with a reminder: each may have an occurrence now
            for row in read(platform, connection, actor, schema, "event", where, EVENT_FIELDS, ["start_at", "id"],
                            pages=SERIES_PAGES)]  # fmt: skip
    zones = zones_of(connection, sorted({int(row["owner"]) for row in rows}), platform.zone)
    found: list[Due] = []
    for row in rows:
        lead = minutes(row.get("reminder_minutes"))
        if lead is None:
            continue
        start = instant(row["start_at"])
        end = instant(row["end_at"]) if row.get("end_at") else None
        zone = zones.get(int(row["owner"]), platform.zone)
        # occurrences starting so that their reminder falls in (now - LOOK_BACK, now]
        window = occurrences(start, end, row.get("recurrence") or None, zone,
                             now - LOOK_BACK + lead, now + lead + timedelta(seconds=1),
                             skipped_of(row.get("skipped_occurrences")))  # fmt: skip
        came = [o.start for o in window if now - LOOK_BACK < o.start - lead <= now]
        if not came:
            continue
        occurrence = max(came)
        if not same(row.get("reminded_at"), occurrence - lead):
            found.append(Due("event", row, "reminded_at", occurrence - lead, "event_reminder",
                             N_("%(subject)s starts %(time)s"), occurrence))  # fmt: skip
        if len(found) >= BATCH:
            break
    return found


def minutes(value: Any) -> timedelta | None:
    try:
        return timedelta(minutes=int(value))
    except (TypeError, ValueError):
        return None


def same(claimed: Any, moment: Any) -> bool:
    return claimed is not None and instant(claimed) == instant(moment)


def attendees(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
              event_ids: list[int]) -> dict[int, list[int]]:  # fmt: skip
    """The colleagues taking part in each event (besides its owner)."""
    if not event_ids:
        return {}
    where = {"and": [{"field": "event", "op": "in", "value": sorted(set(event_ids))},
                     {"field": "user", "op": "is_null", "value": False}]}  # fmt: skip
    found: dict[int, list[int]] = {}
    for row in read(platform, connection, actor, schema, "event_attendee", where, ["event", "user"], ["id"]):
        found.setdefault(int(row["event"]), []).append(int(row["user"]))
    return found


def claim(platform: Platform, keeper: Actor, due: Due, version: int, people: dict[int, list[int]],
          zones: dict[int, ZoneInfo]) -> int | None:  # fmt: skip
    """Claim ``due`` (the record read at ``version``) and tell its people, in one transaction; returns the record's
    new version, or None when another worker (or an edit) got there first."""
    record_id = int(due.row["id"])
    owner = int(due.row["owner"])
    recipients = [owner] if due.kind == "overdue" else [owner, *people.get(record_id, [])]
    with platform.records.transaction(keeper) as context:
        system = context.records.system_context(context)
        try:
            claimed = system.records.update_in(system, due.object, record_id, {due.claim: due.moment}, version)
        except HuitongError:
            return None  # the version moved: claimed by another worker, or edited (the next run reads it afresh)
        for user_id in dict.fromkeys(recipients):
            # one notice per person: each is told the time in their own time zone
            when = due.about.astimezone(zones.get(user_id, platform.zone)).strftime(STAMP)
            context.notify(Notice(
                due.kind, (user_id,), due.message,
                notice_params(subject=due.row.get("subject") or "", time=when, location=due.row.get("location")),
                object=due.object, record_id=record_id, key=f"{due.kind}:{due.object}:{record_id}:{iso(due.moment)}",
            ))  # fmt: skip
    return int(claimed["version"])
