"""Indexes a record table should have and lacks: made by ``huitong migrate`` for tables created before a release
added an index kind (the ``ox_`` owner indexes of decisions/0006 came after the first objects).

Only plain indexes are made here: a missing unique index could meet duplicates, which need a person to resolve
(making a field unique through the metadata API says which values repeat).
"""

from __future__ import annotations

from sqlalchemy import MetaData, inspect

from huitong.engine.db import Database
from huitong.engine.meta.registry import lock_metadata
from huitong.engine.meta.schema import build_table, index_specs


def create_missing(db: Database) -> list[str]:
    """Create the plain indexes the metadata implies that the database lacks; their names."""
    made = []
    with db.write() as connection:
        schema = lock_metadata(connection)
        inspector = inspect(connection)
        for definition in schema.objects.values():
            table = build_table(definition, MetaData())  # apart: an index made on a table attaches to it
            present = {index["name"] for index in inspector.get_indexes(table.name)}
            for field in definition.fields.values():
                for index in index_specs(table, field, connection.dialect.name):
                    if not index.unique and index.name not in present:
                        index.create(connection)
                        made.append(str(index.name))
    return made
