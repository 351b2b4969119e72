"""The recycle bin: what was deleted, by whom and when; purge of entries older than the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.schema import Schema
from huitong.engine.records.context import Actor
from huitong.engine.search import index as search_index
from huitong.engine.security.access import AccessPolicy
from huitong.engine.system_tables import field_history, recycle_bin

PURGE_BATCH = 1000


def list_deleted(
    connection: Connection,
    schema: Schema,
    actor: Actor,
    access: AccessPolicy,
    object_name: str | None,
    limit: int,
    before_id: int | None,
) -> dict[str, Any]:
    """Newest first, one page; entries of records the actor may not read are left out."""
    if not 1 <= limit <= 1000:
        raise bad_request(
            _("limit is a whole number from 1 to 1000."),
            [FieldError("limit", "invalid_limit", _("limit is a whole number from 1 to 1000."))],
        )
    query = select(recycle_bin).order_by(recycle_bin.c.id.desc()).limit(limit + 1)
    if object_name is not None:
        schema.object(object_name)
        query = query.where(recycle_bin.c.object_name == object_name)
    if before_id is not None:
        query = query.where(recycle_bin.c.id < before_id)
    names = [name for name, definition in schema.objects.items() if access.may(actor, definition, "read")]
    query = query.where(recycle_bin.c.object_name.in_(names))
    rows = list(connection.execute(query))
    entries = [
        {
            "object": row.object_name,
            "id": row.record_id,
            "title": row.title if _title_visible(schema, row.object_name) else f"#{row.record_id}",
            "deleted_by": row.deleted_by,
            "deleted_at": row.deleted_at.isoformat().replace("+00:00", "Z"),
            "entry": row.id,
        }
        for row in rows[:limit]
        if _row_visible(connection, schema, actor, access, row.object_name, row.record_id)
    ]
    return {"entries": entries, "next_before": rows[limit - 1].id if len(rows) > limit else None}


def _title_visible(schema: Schema, name: str) -> bool:
    """Whether the actor's view of the object (``schema``) shows its title field."""
    definition = schema.objects[name]
    return definition.title_field in definition.fields


def _row_visible(
    connection: Connection, schema: Schema, actor: Actor, access: AccessPolicy, name: str, record_id: int
) -> bool:
    definition = schema.objects[name]
    table = schema.table(name)
    visible = access.read_filter(actor, definition, table)
    if visible is None:
        return True
    return connection.execute(select(table.c.id).where(table.c.id == record_id, visible)).first() is not None


def purge(connection: Connection, schema: Schema, older_than: datetime) -> int:
    """Delete for good what has been in the bin since before ``older_than``; lookups to it become empty."""
    purged = 0
    while True:
        rows = list(
            connection.execute(
                select(recycle_bin.c.id, recycle_bin.c.object_name, recycle_bin.c.record_id)
                .where(recycle_bin.c.deleted_at < older_than)
                .limit(PURGE_BATCH)
            )
        )
        if not rows:
            return purged
        by_object: dict[str, list[int]] = {}
        for row in rows:
            by_object.setdefault(row.object_name, []).append(row.record_id)
        for name, ids in by_object.items():
            if name in schema.objects:
                _purge_records(connection, schema, name, ids)
        connection.execute(delete(recycle_bin).where(recycle_bin.c.id.in_([row.id for row in rows])))
        purged += len(rows)


def _purge_records(connection: Connection, schema: Schema, name: str, ids: list[int]) -> None:
    for other, lookup in schema.lookups_to(name):
        table = schema.table(other.name)
        connection.execute(
            update(table)
            .where(table.c[lookup.name].in_(ids))
            .values({lookup.name: None, "version": table.c.version + 1})
        )
    table = schema.table(name)
    connection.execute(delete(table).where(table.c.id.in_(ids), table.c.deleted_at.is_not(None)))
    connection.execute(
        delete(field_history).where(field_history.c.object_name == name, field_history.c.record_id.in_(ids))
    )
    search_index.purged(connection, schema.objects[name], ids)


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
