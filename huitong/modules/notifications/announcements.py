"""Announcements (COL-2): a text to the whole company or to some departments (each with its sub-departments).
Publishing one — creating it published, or moving a draft to published — stamps ``published_at`` and notifies its
audience once (kind ``announcement``, key per announcement). Read receipts are those notifications' read times:
the announcement counts as read by someone once they open it from the bell or view its page.

The body is rich text (the engine's ``rich_text`` type cleans it on every write), so it can be shown as HTML.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, or_, select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import N_, _
from huitong.engine.meta.types.rich import plain_text
from huitong.engine.notices import Notice
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.security.tables import departments
from huitong.engine.system_tables import users

MESSAGE = N_("New announcement: %(title)s")
SUMMARY = 300


def install(hooks: Hooks) -> None:
    hooks.register("before_create", "announcement", prepare)
    hooks.register("before_update", "announcement", prepare)
    hooks.register("after_create", "announcement", publish)
    hooks.register("after_update", "announcement", publish)


def department_ids(raw: Any) -> list[int] | None:
    """``"3, 7"`` (or a list) as ids; None when it is not a list of whole numbers."""
    if raw in (None, ""):
        return []
    parts = raw if isinstance(raw, list) else str(raw).replace("，", ",").split(",")
    found: list[int] = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 15:
            return None
        found.append(int(text))
    return list(dict.fromkeys(found))


def prepare(call: HookCall) -> None:
    """Before a write: the departments checked, and ``published_at`` stamped on publishing."""
    values, before = call.values, call.before or {}
    merged = {**before, **values}
    chosen = department_ids(merged.get("departments"))
    if merged.get("audience") == "departments":
        known = set(call.context.connection.execute(select(departments.c.id)).scalars())
        if not chosen or any(department not in known for department in chosen):
            message = _("Choose one or more existing departments.")
            raise validation_failed([FieldError("departments", "invalid_value", message)])
        values["departments"] = ",".join(str(department) for department in chosen)
    if merged.get("status") == "published" and not before.get("published_at") and not values.get("published_at"):
        values["published_at"] = call.context.now
    if merged.get("status") == "published" and not before.get("published_at"):
        values["audience_size"] = len(audience(call.context.connection, merged, call.context.actor.user_id))


def audience(connection: Connection, announcement: dict[str, Any], author: int | None) -> list[int]:
    """The active users the announcement is for (its author aside): everyone, or the chosen departments' people."""
    query = select(users.c.id).where(users.c.active.is_(True))
    if announcement.get("audience") == "departments":
        chosen = department_ids(announcement.get("departments")) or []
        paths = list(connection.execute(select(departments.c.path).where(departments.c.id.in_(chosen))).scalars())
        if not paths:
            return []
        within = select(departments.c.id).where(or_(*(departments.c.path.startswith(path) for path in paths)))
        query = query.where(users.c.department_id.in_(within))
    return [int(user_id) for user_id in connection.execute(query.order_by(users.c.id)).scalars() if user_id != author]


def publish(call: HookCall) -> None:
    """After a write that published it: notify the audience (once: the key is the announcement's)."""
    values, before = call.values, call.before or {}
    if values.get("status") != "published" or before.get("published_at") or call.record_id is None:
        return
    context = call.context
    recipients = audience(context.connection, values, context.actor.user_id)
    body = plain_text(str(values.get("body") or ""))
    context.notify(
        Notice(
            "announcement",
            tuple(recipients),
            MESSAGE,
            {"title": str(values.get("title") or "")},
            object="announcement",
            record_id=call.record_id,
            actor_id=context.actor.user_id,
            key=f"announcement:{call.record_id}",
            body=body if len(body) <= SUMMARY else body[: SUMMARY - 1] + "…",
        )
    )


def receipts(connection: Connection, notification_table: Any, announcement_id: int) -> dict[str, Any]:
    """Who was told and who has read it: counts and the people, read first (newest), then those who have not."""
    table = notification_table
    rows = connection.execute(
        select(table.c.owner, table.c.read_at, users.c.display_name)
        .join(users, users.c.id == table.c.owner)
        .where(table.c.target_object == "announcement", table.c.target_id == announcement_id,
               table.c.kind == "announcement", table.c.deleted_at.is_(None))
        .order_by(table.c.read_at.is_(None), table.c.read_at.desc(), users.c.display_name)
    ).all()  # fmt: skip
    people = [{"user": int(row.owner), "name": row.display_name, "read_at": row.read_at} for row in rows]
    read = sum(1 for person in people if person["read_at"] is not None)
    return {"told": len(people), "read": read, "unread": len(people) - read, "people": people}


def count_unread(connection: Connection, notification_table: Any, user_id: int, announcement_id: int) -> int:
    table = notification_table
    return int(
        connection.execute(
            select(func.count()).where(
                table.c.owner == user_id, table.c.target_object == "announcement",
                table.c.target_id == announcement_id, table.c.read_at.is_(None), table.c.deleted_at.is_(None),
            )
        ).scalar_one()
    )  # fmt: skip
