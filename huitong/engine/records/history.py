"""Field history: (field, old, new, who, when) for every change of a tracked field."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from huitong.engine.meta.model import ObjectDef
from huitong.engine.records.context import WriteContext
from huitong.engine.records.values import json_value, row_values
from huitong.engine.system_tables import field_history


def record_changes(
    context: WriteContext, definition: ObjectDef, before: Mapping[str, Any], changes: Mapping[str, Any]
) -> None:
    # Ownership moves are always kept: "whose customer" must be answerable for any day in the past.
    tracked = [
        name for name in changes if (field := definition.fields.get(name)) and (field.tracked or name == "owner")
    ]
    if not tracked:
        return
    old = row_values(definition, {name: before.get(name) for name in tracked})
    new = row_values(definition, {name: changes[name] for name in tracked})
    context.connection.execute(
        insert(field_history),
        [
            {
                "object_name": definition.name,
                "record_id": before["id"],
                "field_name": name,
                "old_value": json_value(definition.fields[name], old[name]),
                "new_value": json_value(definition.fields[name], new[name]),
                "changed_by": context.actor.user_id,
                "changed_at": context.now,
            }
            for name in tracked
        ],
    )


def history_of(
    connection: Connection, object_name: str, record_id: int, limit: int = 200, hidden: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The newest changes first; changes of the ``hidden`` fields (those the reader may not see) left out."""
    query = (
        select(field_history)
        .where(field_history.c.object_name == object_name, field_history.c.record_id == record_id)
        .order_by(field_history.c.changed_at.desc(), field_history.c.id.desc())
        .limit(limit)
    )
    if hidden:
        query = query.where(field_history.c.field_name.not_in(sorted(hidden)))
    return [
        {
            "field": row.field_name,
            "old": row.old_value,
            "new": row.new_value,
            "changed_by": row.changed_by,
            "changed_at": row.changed_at.isoformat().replace("+00:00", "Z"),
        }
        for row in connection.execute(query)
    ]
