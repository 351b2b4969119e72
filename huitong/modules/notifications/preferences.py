"""Each user's choices: which channels besides in-app each kind of notification goes through, and at what time of
day birthday reminders come. Stored on the user's one ``notification_setting`` record; a user without one has the
defaults (email for what needs acting on soon, in-app for everything)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import N_, _
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext

EXTERNAL = ("email", "sms")  # in-app is always on: the bell is where every notification can be found again
# The kinds users choose for, with their label; a kind not listed here (another module's new one) is in-app only
# unless a user's record names it.
KINDS: dict[str, str] = {
    "mention": N_("Mentions"),
    "assignment": N_("Assignments"),
    "task_reminder": N_("Task reminders"),
    "event_reminder": N_("Event reminders"),
    "overdue": N_("Overdue warnings"),
    "pool_reclaim": N_("Pool reclaim warnings"),
    "deal_won": N_("Won deals"),
    "announcement": N_("Announcements"),
    "birthday": N_("Contacts' birthdays"),
    "work_report": N_("Work reports"),
    "work_report_reminder": N_("Daily report reminders"),
    "followed_change": N_("Records I follow"),
}
DEFAULT_EMAIL = frozenset({"mention", "assignment", "task_reminder", "event_reminder", "deal_won", "announcement"})
DEFAULT_BIRTHDAY_TIME = time(9, 0)
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Preferences:
    channels: Mapping[str, tuple[str, ...]]  # kind → external channels
    birthday_time: time = DEFAULT_BIRTHDAY_TIME
    record_id: int | None = None
    version: int | None = None
    birthdays_checked_on: date | None = None

    def for_kind(self, kind: str) -> tuple[str, ...]:
        return self.channels.get(kind, ("email",) if kind in DEFAULT_EMAIL else ())

    def as_json(self) -> dict[str, Any]:
        return {
            "channels": {kind: ["in_app", *self.for_kind(kind)] for kind in KINDS},
            "birthday_time": self.birthday_time.strftime("%H:%M"),
        }


DEFAULTS = Preferences({})


def parse_time(raw: Any) -> time | None:
    match = TIME.match(raw.strip()) if isinstance(raw, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


def from_row(row: Mapping[str, Any]) -> Preferences:
    try:
        stored = json.loads(row.get("channels") or "{}")
    except ValueError:
        stored = {}
    channels = {
        str(kind): tuple(c for c in EXTERNAL if c in chosen)
        for kind, chosen in (stored.items() if isinstance(stored, dict) else [])
        if isinstance(chosen, list)
    }
    checked = row.get("birthdays_checked_on")
    if isinstance(checked, str):
        checked = date.fromisoformat(checked[:10])
    return Preferences(channels, parse_time(row.get("birthday_time")) or DEFAULT_BIRTHDAY_TIME,
                       row.get("id"), row.get("version"), checked if isinstance(checked, date) else None)  # fmt: skip


def load_many(connection: Connection, cache: MetadataCache, user_ids: list[int]) -> dict[int, Preferences]:
    """The preferences of ``user_ids`` (a system read: the sender and the worker need anyone's)."""
    table = cache.current(connection).table("notification_setting")
    rows = connection.execute(select(table).where(table.c.user.in_(user_ids), table.c.deleted_at.is_(None))).mappings()
    found = {int(row["user"]): from_row(dict(row)) for row in rows}
    return {user_id: found.get(user_id, DEFAULTS) for user_id in user_ids}


def load(platform: Platform, user_id: int) -> Preferences:
    with platform.db.read() as connection:
        return load_many(connection, platform.cache, [user_id])[user_id]


def read_input(body: Any) -> tuple[dict[str, list[str]], time | None]:
    """``{"channels": {kind: ["email", …]}, "birthday_time": "08:30"}`` checked; raises with every problem."""
    if not isinstance(body, dict):
        raise validation_failed([FieldError(None, "invalid", _("Send an object."))])
    errors: list[FieldError] = []
    channels: dict[str, list[str]] = {}
    raw = body.get("channels", {})
    if not isinstance(raw, dict):
        errors.append(FieldError("channels", "invalid", _("Give the channels per kind.")))
        raw = {}
    for kind, chosen in raw.items():
        if kind not in KINDS:
            errors.append(FieldError(f"channels.{str(kind)[:40]}", "invalid_value", _("Unknown kind.")))
        elif not isinstance(chosen, list) or any(c not in (*EXTERNAL, "in_app") for c in chosen):
            message = _("Choose among in_app, email and sms.")
            errors.append(FieldError(f"channels.{kind}", "invalid_value", message))
        else:
            channels[kind] = [c for c in EXTERNAL if c in chosen]
    when = None
    if body.get("birthday_time") is not None:
        when = parse_time(body["birthday_time"])
        if when is None:
            errors.append(FieldError("birthday_time", "invalid_value", _("Give a time as HH:MM.")))
    if errors:
        raise validation_failed(errors)
    return channels, when


def save(platform: Platform, actor: Actor, body: Any) -> Preferences:
    """The user's own choices changed by ``body`` (kinds not named keep theirs); a system write on the user's
    record, so that no profile needs a permission on this object for people to choose their channels."""
    changes, when = read_input(body)
    with platform.records.transaction(actor) as context:
        system = context.records.system_context(context)
        current = load_many(context.connection, platform.cache, [actor.user_id])[actor.user_id]
        merged = {kind: list(current.for_kind(kind)) for kind in KINDS} | changes
        values: dict[str, Any] = {"channels": json.dumps(merged, sort_keys=True)}
        if when is not None:
            values["birthday_time"] = when.strftime("%H:%M")
        write(system, actor.user_id, current, values)
    return load(platform, actor.user_id)


def write(context: WriteContext, user_id: int, current: Preferences, values: dict[str, Any]) -> None:
    if current.record_id is None:
        context.records.create_in(context, "notification_setting",
                                  {**values, "user": user_id, "owner": user_id, "name": str(user_id)})  # fmt: skip
    else:
        context.records.update_in(context, "notification_setting", current.record_id, values, None)
