"""The per-process metadata cache. Each request asks for the current schema; a changed version reloads it.

This is how a field added through one server process is usable through every other on its next request.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, select

from huitong.engine.meta.schema import Schema, load_schema
from huitong.engine.system_tables import meta_state


class MetadataCache:
    def __init__(self) -> None:
        self._schema: Schema | None = None
        self._lock = threading.Lock()

    def current(self, connection: Connection, version: int | None = None) -> Schema:
        """The schema at the database's metadata version (``version``: that version, when already read)."""
        if version is None:
            version = connection.execute(select(meta_state.c.version).where(meta_state.c.id == 1)).scalar_one()
        schema = self._schema
        if schema is not None and schema.version == version:
            return schema
        with self._lock:
            if self._schema is None or self._schema.version != version:
                self._schema = load_schema(connection)
            return self._schema

    def snapshot(self) -> Schema:
        """The schema this process loaded last: the one of the request being served."""
        if self._schema is None:
            raise RuntimeError("no schema loaded yet")
        return self._schema

    def forget(self) -> None:
        self._schema = None


def lock_metadata(connection: Connection) -> Schema:
    """Take the metadata lock for this transaction (a row lock on PostgreSQL; SQLite's write lock is already held)
    and return the schema as it stands inside it."""
    connection.execute(select(meta_state.c.version).where(meta_state.c.id == 1).with_for_update()).scalar_one()
    return load_schema(connection)
