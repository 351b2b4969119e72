"""Ownership transfer: one record, or all of one owner's records of an object ("move all of Zhang San's customers
to Li Si"). Each move goes through the record service, so it is checked, versioned, on the history and hooked."""

from __future__ import annotations

from sqlalchemy import select

from huitong.engine.records.context import Actor
from huitong.engine.records.service import RecordService
from huitong.engine.records.values import Record


def transfer(
    service: RecordService, actor: Actor, object_name: str, record_id: int, owner: int, version: int | None = None
) -> Record:
    with service.transaction(actor) as context:
        return service.update_in(context, object_name, record_id, {"owner": owner}, version)


def transfer_all(service: RecordService, actor: Actor, object_name: str, from_owner: int, to_owner: int) -> int:
    """Move every live record of ``from_owner`` to ``to_owner`` in one transaction; returns how many moved."""
    with service.transaction(actor) as context:
        definition = context.schema.object(object_name)
        service.access.check_object(context.actor, definition, "edit")
        service.access.check_owner(context.actor, definition, from_owner, to_owner)
        table = context.schema.table(object_name)
        ids = list(
            context.connection.execute(
                select(table.c.id).where(table.c.owner == from_owner, table.c.deleted_at.is_(None)).order_by(table.c.id)
            ).scalars()
        )
        for record_id in ids:  # rows are locked as they are read, so no version is needed
            service.update_in(context, object_name, record_id, {"owner": to_owner}, None)
        return len(ids)
