"""The activities' hooks on the record write path: each kind's own rules (a completed task has its completion time,
a call its start and a subject), the activity time the timeline sorts by, the account filled in from the contact or
opportunity, notes cleaned, attendees named, and the last contact rolled up (rollup.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _, localized
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.system_tables import users
from huitong.modules.activities import rollup, sanitize
from huitong.modules.activities.objects import CALL_DIRECTIONS, KINDS, MESSAGE_CHANNELS

RRULE = re.compile(
    r"FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)"
    r"(;(UNTIL|COUNT|INTERVAL|BYSECOND|BYMINUTE|BYHOUR|BYDAY|BYMONTHDAY|BYYEARDAY|BYWEEKNO|BYMONTH|BYSETPOS|WKST)"
    r"=[0-9A-Z,+\-]+)*"
)


def install(hooks: Hooks) -> None:
    for kind in KINDS:
        for event in ("before_create", "before_update"):
            hooks.register(event, kind, KIND_RULES[kind])
            hooks.register(event, kind, fill_account)
        hooks.register("after_create", kind, rollup.roll_up)
        hooks.register("after_update", kind, rollup.roll_up)
    hooks.register("before_create", "note", sanitize.clean_note)
    hooks.register("before_update", "note", sanitize.clean_note)
    hooks.register("before_create", "event_attendee", name_attendee)
    hooks.register("before_update", "event_attendee", name_attendee)


def merged(call: HookCall) -> dict[str, Any]:
    return {**(call.before or {}), **call.values}


def task_rules(call: HookCall) -> None:
    """Completing a task stamps when (unless given); reopening it clears that."""
    values = merged(call)
    if values.get("status") == "completed":
        if values.get("completed_at") is None:
            call.values["completed_at"] = call.context.now
    elif values.get("completed_at") is not None:
        call.values["completed_at"] = None
    when = call.values.get("completed_at", values.get("completed_at")) or values.get("due_at")
    call.values["activity_at"] = when or values.get("created_at") or call.context.now


def event_rules(call: HookCall) -> None:
    values = merged(call)
    start, end = values.get("start_at"), values.get("end_at")
    if start is not None and end is not None and end < start:
        raise validation_failed([FieldError("end_at", "before_start", _("An event cannot end before it starts."))])
    check_in, check_out = values.get("check_in_at"), values.get("check_out_at")
    if check_out is not None and (check_in is None or check_out < check_in):
        message = _("Check out after checking in.")
        raise validation_failed([FieldError("check_out_at", "before_check_in", message)])
    if call.values.get("recurrence"):
        call.values["recurrence"] = recurrence_rule(call.values["recurrence"])
    call.values["activity_at"] = start


def recurrence_rule(text: str) -> str:
    """An RFC 5545 RRULE as the calendar will expand it: ``FREQ=WEEKLY;BYDAY=MO,WE`` (an ``RRULE:`` prefix and
    lower case are accepted and dropped)."""
    rule = text.strip().upper().removeprefix("RRULE:")
    if not RRULE.fullmatch(rule):
        message = _("Write the repetition as an RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
        raise validation_failed([FieldError("recurrence", "invalid_rule", message)])
    return rule


def call_rules(call: HookCall) -> None:
    """A call logged without a time happened now; without a subject it is named by its direction and number."""
    values = merged(call)
    if values.get("started_at") is None:
        call.values["started_at"] = values.get("created_at") or call.context.now
    if not values.get("subject"):
        labels = {entry["value"]: entry["label"] for entry in CALL_DIRECTIONS}
        direction = localized(labels.get(values.get("direction") or "outbound", {}), _("Call"))
        call.values["subject"] = f"{direction} {values.get('phone') or ''}".strip()[:255]
    call.values["activity_at"] = call.values.get("started_at", values.get("started_at"))


def note_rules(call: HookCall) -> None:
    values = merged(call)
    call.values["activity_at"] = values.get("created_at") or call.context.now


def message_rules(call: HookCall) -> None:
    """A message logged without a time was sent now; without a subject it is named by its first words."""
    values = merged(call)
    if values.get("sent_at") is None:
        call.values["sent_at"] = values.get("created_at") or call.context.now
    if not values.get("subject"):
        first = " ".join(str(values.get("body") or "").split())[:60]
        labels = {entry["value"]: entry["label"] for entry in MESSAGE_CHANNELS}
        call.values["subject"] = first or localized(labels.get(values.get("channel") or "email", {}), _("Message"))
    call.values["activity_at"] = call.values.get("sent_at", values.get("sent_at"))


KIND_RULES: dict[str, Callable[[HookCall], None]] = {
    "task": task_rules, "event": event_rules, "call": call_rules, "note": note_rules, "message": message_rules,
}  # fmt: skip


def fill_account(call: HookCall) -> None:
    """An activity about a contact or an opportunity is about their account too, so that the account's timeline
    and last contact see it — when the writer may read that account (the lookup check requires it)."""
    values = merged(call)
    if values.get("account") is not None:
        return
    if call.before is not None and not {"contact", "opportunity"} & set(call.values):
        return
    context = call.context
    accounts = context.schema.table("account")
    definition = context.schema.objects.get("account")
    if definition is None:
        return
    for source in ("opportunity", "contact"):
        if values.get(source) is None or source not in context.schema.objects:
            continue
        table = context.schema.table(source)
        query = (
            select(accounts.c.id)
            .join(table, table.c.account == accounts.c.id)
            .where(table.c.id == values[source], accounts.c.deleted_at.is_(None))
        )
        visible = context.records.access.read_filter(context.actor, definition, accounts)
        found = context.connection.execute(query if visible is None else query.where(visible)).scalar()
        if found is not None:
            call.values["account"] = found
            return


def name_attendee(call: HookCall) -> None:
    """An attendee is a colleague or a contact (one of them), shown by their name."""
    values = merged(call)
    if (values.get("user") is None) == (values.get("contact") is None):
        message = _("Choose a colleague or a contact.")
        raise validation_failed([FieldError("user", "one_attendee", message)])
    connection = call.context.connection
    if values.get("user") is not None:
        name = connection.execute(select(users.c.display_name).where(users.c.id == values["user"])).scalar()
    else:
        contacts = call.context.schema.table("contact")
        name = connection.execute(select(contacts.c.name).where(contacts.c.id == values["contact"])).scalar()
    call.values["name"] = str(name or "")[:255]
