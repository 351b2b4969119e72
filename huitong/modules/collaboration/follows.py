"""Following records: one ``follow`` record per user and record, owned by the follower and private to them.

Following needs only reading the record. Whether someone follows is read as the system when a comment's notices
are sent (followers are told; who they are is never shown to anyone else)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.notices import may_read_record
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.modules.collaboration.objects import OWN

FEED_FOLLOWS = 2000  # the most recent follows a feed reads (a person following more reads their latest)


def follow_rows(connection: Connection, context_schema: Any, user_id: int, object_name: str | None = None,
                record_id: int | None = None, limit: int | None = None,
                active: bool | None = True) -> list[dict[str, Any]]:  # fmt: skip
    """The user's follows (of one record), newest first; ``active`` None: also those they stopped."""
    table = context_schema.table("follow")
    query = select(table.c.id, table.c.object_name, table.c.record_id, table.c.version, table.c.active).where(
        table.c.owner == user_id, table.c.deleted_at.is_(None)
    )
    if active is not None:
        query = query.where(table.c.active.is_(active))
    if object_name is not None:
        query = query.where(table.c.object_name == object_name, table.c.record_id == record_id)
    query = query.order_by(table.c.created_at.desc(), table.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def followers(context: WriteContext, object_name: str, record_id: int) -> list[int]:
    table = context.schema.table("follow")
    query = select(table.c.owner).where(
        table.c.object_name == object_name,
        table.c.record_id == record_id,
        table.c.deleted_at.is_(None),
        table.c.active.is_(True),
    )
    return sorted({int(owner) for owner in context.connection.execute(query).scalars() if owner is not None})


def check_target(context: WriteContext, object_name: Any, record_id: Any) -> tuple[str, int]:
    if not isinstance(object_name, str) or object_name in OWN or object_name not in context.schema.objects:
        message = _("There is no such object.")
        raise validation_failed([FieldError("object", "invalid_value", message)], message)
    if isinstance(record_id, bool) or not isinstance(record_id, int | str) or not str(record_id).isdigit():
        message = _("Give the record's id.")
        raise validation_failed([FieldError("record", "invalid_value", message)], message)
    number = int(record_id)
    if number > 2**62 or not may_read_record(context, context.records.access, context.actor.user_id, object_name,
                                             number):  # fmt: skip
        message = _("This record does not exist or you may not see it.")
        raise validation_failed([FieldError("record", "invalid_value", message)], message)
    return object_name, number


def ensure(context: WriteContext, object_name: str, record_id: int) -> bool:
    """The actor follows the record (already did: nothing changes); True when a follow was added. The follow is the
    actor's own record, written as the system: following is allowed to whoever reads the record."""
    rows = follow_rows(context.connection, context.schema, context.actor.user_id, object_name, record_id, active=None)
    if any(row["active"] for row in rows):
        return False
    system = context.records.system_context(context)
    if rows:
        system.records.update_in(system, "follow", int(rows[0]["id"]), {"active": True}, int(rows[0]["version"]))
    else:
        system.records.create_in(system, "follow", {"object_name": object_name, "record_id": record_id,
                                                    "owner": context.actor.user_id})  # fmt: skip
    return True


def follow(platform: Platform, actor: Actor, object_name: Any, record_id: Any) -> bool:
    with platform.records.transaction(actor) as context:
        name, number = check_target(context, object_name, record_id)
        return ensure(context, name, number)


def unfollow(platform: Platform, actor: Actor, object_name: Any, record_id: Any) -> bool:
    """Stop following; True when the user did follow. Allowed even once the record is out of their sight."""
    with platform.records.transaction(actor) as context:
        if not isinstance(object_name, str) or not str(record_id).isdigit():
            message = _("Give the record's id.")
            raise validation_failed([FieldError("record", "invalid_value", message)], message)
        rows = follow_rows(context.connection, context.schema, actor.user_id, object_name, int(record_id))
        system = context.records.system_context(context)
        for row in rows:
            system.records.update_in(system, "follow", int(row["id"]), {"active": False}, int(row["version"]))
        return bool(rows)


def is_following(connection: Connection, schema: Any, user_id: int, object_name: str, record_id: int) -> bool:
    return bool(follow_rows(connection, schema, user_id, object_name, record_id))
