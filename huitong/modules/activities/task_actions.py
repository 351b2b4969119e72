"""Task actions from wherever a task shows (ACT-3): complete, postpone (an hour, to tomorrow, to next week, or to a
chosen time), follow up (the next task or event, prefilled), delete. Each is one write through the record service
as the user, so their access decides; completing rolls up the last contact through the hooks."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from huitong.engine.errors import FieldError, conflict, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.records.values import Record
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import OPEN_TASK, RELATIONS

POSTPONE_CHOICES = ("hour", "tomorrow", "next_week", "custom")
MORNING = time(9, 0)  # a task postponed to a day without a time of its own is due at the start of the work day


def complete(platform: Platform, actor: Actor, task_id: int) -> Record:
    with platform.records.transaction(actor) as context:
        task = platform.records.visible_row(context.connection, context.schema, context.actor,
                                            context.schema.object("task"), task_id)  # fmt: skip
        if task["status"] == "completed":
            raise conflict(_("This task is already completed."), code="task_completed")
        return platform.records.update_in(context, "task", task_id, {"status": "completed"}, None)


def postponed_until(due: datetime | None, by: str, now: datetime, zone: ZoneInfo, at: datetime | None) -> datetime:
    """The new due time: an hour on (from now if the task is already late), tomorrow or in a week at the same time
    of day (9:00 without one), or ``at``."""
    if by == "custom":
        if at is None:
            message = _("Choose when the task is due.")
            raise validation_failed([FieldError("at", "required", message)])
        return at
    if by == "hour":
        return max(due or now, now) + timedelta(hours=1)
    days = {"tomorrow": 1, "next_week": 7}.get(by)
    if days is None:
        message = _("Postpone by an hour, to tomorrow, to next week or to a chosen time.")
        raise validation_failed([FieldError("by", "invalid_value", message)])
    at_time = due.astimezone(zone).time() if due else MORNING
    day = now.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, at_time, tzinfo=zone)


def postpone(platform: Platform, actor: Actor, task_id: int, by: str, zone: ZoneInfo,
             at: datetime | None = None) -> Record:  # fmt: skip
    """Move the due time (and a reminder with it, by as much)."""
    with platform.records.transaction(actor) as context:
        task = platform.records.visible_row(context.connection, context.schema, context.actor,
                                            context.schema.object("task"), task_id)  # fmt: skip
        if task["status"] not in OPEN_TASK:
            raise conflict(_("Only an open task can be postponed."), code="task_closed")
        due = instant(task["due_at"]) if task["due_at"] else None
        until = postponed_until(due, by, context.now, zone, at)
        changes: dict[str, Any] = {"due_at": until}
        if task.get("reminder_at") is not None:
            changes["reminder_at"] = instant(task["reminder_at"]) + (until - (due or context.now))
        return platform.records.update_in(context, "task", task_id, changes, None)


def delete(platform: Platform, actor: Actor, task_id: int) -> None:
    platform.records.delete(actor, "task", task_id)


def follow_up_address(task: dict[str, Any], kind: str = "task") -> str:
    """The new task's (or event's) form, prefilled: about the same records, named after this one."""
    values: dict[str, Any] = {name: task[name] for name in RELATIONS if task.get(name)}
    subject = _("Follow up: %(subject)s") % {"subject": task.get("subject") or ""}
    values["subject"] = subject[:255]
    if kind == "task" and task.get("priority"):
        values["priority"] = task["priority"]
    return f"/records/{kind}/new?{urlencode(values)}"
