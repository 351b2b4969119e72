"""The per-process metadata cache. Each request asks for the current schema; a changed version reloads it.

This is how a field added through one server process is usable through every other on its next request.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from huitong.engine.meta.schema import Schema, load_schema
from huitong.engine.snapshots import Snapshots
from huitong.engine.system_tables import meta_state


class MetadataCache(Snapshots[Schema]):
    def __init__(self) -> None:
        super().__init__(meta_state, load_schema)

    def snapshot(self) -> Schema:
        """The schema this process loaded last: the one of the request being served."""
        return self.last()


def lock_metadata(connection: Connection) -> Schema:
    """Take the metadata lock for this transaction (a row lock on PostgreSQL; SQLite's write lock is already held)
    and return the schema as it stands inside it."""
    connection.execute(select(meta_state.c.version).where(meta_state.c.id == 1).with_for_update()).scalar_one()
    return load_schema(connection)
