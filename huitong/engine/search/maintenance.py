"""The search index when metadata changes: terms of fields that stop being searchable go at once, in the metadata
change's transaction; fields that become searchable on objects that already have records are queued in
``search_pending`` and filled in batches by ``reindex_pending`` (``huitong reindex``, the periodic job, migrate).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, delete, insert, select, update

from huitong.engine.db import Database
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.meta.schema import Schema
from huitong.engine.search.index import insert_terms, term_rows
from huitong.engine.search.tables import EVERYTHING, search_pending, search_terms

log = logging.getLogger("huitong.search")
BATCH = 2000


def searchable_pairs(schema: Schema) -> set[tuple[int, int]]:
    """(object id, field id) of every searchable field."""
    return {
        (int(definition.id), int(field.id))
        for definition in schema.objects.values()
        for field in definition.searchable_fields
        if definition.id is not None and field.id is not None
    }


def search_fields_changed(connection: Connection, before: Schema, after: Schema) -> None:
    """Called by the metadata service inside the transaction of every change."""
    old, new = searchable_pairs(before), searchable_pairs(after)
    for object_id, field_id in sorted(old - new):
        connection.execute(
            delete(search_terms).where(search_terms.c.object_id == object_id, search_terms.c.field_id == field_id)
        )
        connection.execute(delete(search_pending).where(search_pending.c.field_id == field_id))
    existing = {int(definition.id) for definition in before.objects.values() if definition.id is not None}
    queued = set(connection.execute(select(search_pending.c.field_id)).scalars())
    for object_id, field_id in sorted(new - old):
        if object_id in existing and field_id not in queued:  # a new object has no records to index yet
            connection.execute(insert(search_pending).values(field_id=field_id, object_id=object_id, after_id=0))


def queue_everything(connection: Connection, *, rebuild: bool = False) -> None:
    """Queue every searchable field of every object; ``rebuild`` first empties the index."""
    if rebuild:
        connection.execute(delete(search_terms))
        connection.execute(delete(search_pending))
    if connection.execute(select(search_pending.c.field_id).where(search_pending.c.field_id == EVERYTHING)).first():
        return
    connection.execute(insert(search_pending).values(field_id=EVERYTHING, object_id=EVERYTHING, after_id=0))


def reindex_pending(db: Database, cache: MetadataCache, *, batch: int = BATCH, seconds: float | None = None) -> int:
    """Fill in the terms of queued fields, one batch of records per transaction; returns the records indexed.
    Stops after ``seconds`` (the rest waits for the next run) or when the queue is empty."""
    started, done = time.monotonic(), 0
    while seconds is None or time.monotonic() - started < seconds:
        with db.write() as connection:
            count = _step(connection, cache.current(connection), batch)
        if count is None:
            break
        done += count
    if done:
        log.info("indexed %s records for search", done)
    return done


def _step(connection: Connection, schema: Schema, batch: int) -> int | None:
    """One batch of the first queued field: how many records it indexed, or None when nothing is queued."""
    pending = connection.execute(select(search_pending).order_by(search_pending.c.field_id).limit(1)).first()
    if pending is None:
        return None
    remove = delete(search_pending).where(search_pending.c.field_id == pending.field_id)
    if pending.field_id == EVERYTHING:
        connection.execute(remove)
        queued = set(connection.execute(select(search_pending.c.field_id)).scalars())
        for object_id, field_id in sorted(searchable_pairs(schema)):
            if field_id not in queued:
                connection.execute(insert(search_pending).values(field_id=field_id, object_id=object_id, after_id=0))
        return 0
    definition = next((d for d in schema.objects.values() if d.id == pending.object_id), None)
    field = next((f for f in definition.searchable_fields if f.id == pending.field_id), None) if definition else None
    if definition is None or field is None:
        connection.execute(remove)
        return 0
    table = schema.table(definition.name)
    query = (
        select(table.c.id, table.c.owner, table.c[field.name])
        .where(table.c.id > pending.after_id)
        .order_by(table.c.id)
        .limit(batch)
        .with_for_update()
    )
    rows = [dict(row) for row in connection.execute(query).mappings()]
    if not rows:
        connection.execute(remove)
        return 0
    last = int(rows[-1]["id"])
    connection.execute(
        delete(search_terms).where(
            search_terms.c.object_id == definition.id,
            search_terms.c.record_id > pending.after_id,
            search_terms.c.record_id <= last,
            search_terms.c.field_id == field.id,
        )
    )
    found = [term for row in rows for term in term_rows(definition, [field], int(row["id"]), row)]
    if found:
        insert_terms(connection, found)
    connection.execute(update(search_pending).where(search_pending.c.field_id == field.id).values(after_id=last))
    return len(rows)
