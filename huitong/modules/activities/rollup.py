"""Last contact roll-up: an activity that has happened moves "last follow-up / last contacted" forward on the
records it is about (lead ``last_follow_up_at``, account and contact ``last_contacted_at``, opportunity
``last_activity_at``), in the activity's own transaction. The pools reclaim by these fields and the visit cycle
counts from them.

Which moment counts: a completed task's completion, a call's start, a note's writing, a visit's check-in or an
event's end (its start without one) once that time has come. Never later than now: a call dated tomorrow has not
happened yet. Only forward: logging last month's call today leaves a newer contact as it is.

The write is a system write (decisions/0010): the rep who logs a call on an account they may read but not edit
still moves its last contact. It goes through the record service (hooks, search index, audit columns) with a
policy that lets the system write, on the whole schema (a field hidden from the rep is still kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from huitong.engine.records.context import HookCall, WriteContext
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import RELATIONS


def contact_moment(kind: str, values: dict[str, Any], now: datetime) -> datetime | None:
    """When the activity ``values`` of ``kind`` was a contact with the customer, or None if it was not (yet)."""
    if kind == "task":
        when = values.get("completed_at") if values.get("status") == "completed" else None
    elif kind == "event":
        when = values.get("check_in_at") or values.get("end_at") or values.get("start_at")
    elif kind == "call":
        when = values.get("started_at") or values.get("created_at")
    elif kind == "message":
        when = values.get("sent_at") or values.get("created_at")
    else:
        when = values.get("created_at")
    if when is None or instant(when) > now:
        return None
    return instant(when)


def roll_up(call: HookCall) -> None:
    """An after-hook of every activity kind."""
    roll_up_activity(call.context, call.object.name, call.values)


def roll_up_activity(context: WriteContext, kind: str, values: dict[str, Any]) -> int:
    """Move the last contact of the records ``values`` (an activity of ``kind``) is about; returns how many moved."""
    when = contact_moment(kind, values, context.now)
    if when is None:
        return 0
    system = context.records.system_context(context)
    moved = 0
    for name, field_name in RELATIONS.items():
        record_id = values.get(name)
        if record_id is not None and name in system.schema.objects:
            moved += advance(system, name, field_name, record_id, when)
    return moved


def advance(context: WriteContext, object_name: str, field_name: str, record_id: int, when: datetime) -> int:
    definition = context.schema.object(object_name)
    if field_name not in definition.fields:
        return 0
    table = context.schema.table(object_name)
    status = table.c.status if object_name == "lead" and "status" in table.c else None
    columns = [table.c.version, table.c[field_name], *([status] if status is not None else [])]
    row = context.connection.execute(
        select(*columns).where(table.c.id == record_id, table.c.deleted_at.is_(None)).with_for_update()
    ).first()
    if row is None:
        return 0
    if status is not None and row.status == "converted":
        return 0  # a converted lead is history; its account, contact and opportunity carry on
    current = row._mapping[field_name]
    if current is not None and instant(current) >= when:
        return 0
    context.records.update_in(context, object_name, record_id, {field_name: when}, row.version)
    return 1
