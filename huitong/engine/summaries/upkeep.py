"""Keeping summaries right: every write of the record service moves the counts and sums of the summary rows the
record left and joined, in the write's own transaction (so a summary is never ahead of or behind its records), and
``huitong migrate`` builds a new or reshaped summary from the records."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.summaries.model import PREFIX, Summary, build_table, key_of

log = logging.getLogger("huitong.summaries")
BATCH = 20_000


@dataclass
class Delta:
    values: dict[str, Any]
    records: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)

    def add(self, row: Mapping[str, Any], measures: Sequence[str], sign: int) -> None:
        self.records += sign
        for name in measures:
            value = row.get(name)
            if value is not None:
                self.sums[name] = self.sums.get(name, Decimal(0)) + sign * Decimal(str(value))
                self.counted[name] = self.counted.get(name, 0) + sign


class Summaries:
    """The summaries the modules declared, their tables, and their upkeep."""

    def __init__(self, declared: Iterable[Summary], zone: ZoneInfo) -> None:
        self.declared = list(declared)
        self.zone = zone
        self._tables: dict[tuple[str, int | None], Table] = {}

    def of(self, schema: Schema, object_name: str) -> list[tuple[Summary, Table]]:
        """The summaries of ``object_name`` kept in this schema, with their tables."""
        found = []
        for summary in self.declared:
            if summary.object == object_name and object_name in schema.objects:
                table = self.table(schema, summary)
                if table is not None:
                    found.append((summary, table))
        return found

    def table(self, schema: Schema, summary: Summary) -> Table | None:
        """The summary's table, or None when ``schema`` (perhaps one user's view of the fields) lacks a field of it."""
        definition = schema.objects.get(summary.object)
        if definition is None or summary.fields(definition) is None:
            return None
        cached = (summary.name, schema.version)
        if cached not in self._tables:
            self._tables[cached] = build_table(summary, definition, MetaData())
        return self._tables[cached]

    # -- upkeep in the write's transaction ---------------------------------------------------------------------
    def changed(
        self, connection: Connection, schema: Schema, definition: ObjectDef,
        pairs: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
    ) -> None:  # fmt: skip
        """Records moved from ``before`` to ``after`` (None: not there, i.e. created, deleted or restored)."""
        kept = self.of(schema, definition.name)
        if not kept:
            return
        pairs = list(pairs)
        for summary, table in kept:
            deltas: dict[str, Delta] = {}
            for before, after in pairs:
                for row, sign in ((before, -1), (after, 1)):
                    if row is not None:
                        key, values = key_of(summary, definition, row, self.zone)
                        deltas.setdefault(key, Delta(values)).add(row, summary.measures, sign)
            apply(connection, summary, table, deltas)

    # -- building ----------------------------------------------------------------------------------------------
    def build_missing(self, connection: Connection, schema: Schema) -> list[str]:
        """Create and fill each summary whose table is missing; drop tables of summaries declared differently."""
        existing = set(inspect(connection).get_table_names())
        built = []
        for summary in self.declared:
            table = self.table(schema, summary)
            for stale in sorted(name for name in existing if name.startswith(f"{PREFIX}{summary.name}_")):
                if table is None or stale != table.name:
                    connection.execute(text(f'DROP TABLE "{stale}"'))
            if table is not None and table.name not in existing:
                table.create(connection)
                self.rebuild(connection, schema, summary)
                built.append(table.name)
        return built

    def rebuild(self, connection: Connection, schema: Schema, summary: Summary) -> int:
        """Fill the summary from the records (after loading records around the record service: a benchmark)."""
        table = self.table(schema, summary)
        if table is None:
            return 0
        definition = schema.object(summary.object)
        records = schema.table(summary.object)
        columns = [records.c[name] for name in dict.fromkeys([*summary.dimensions, summary.month, *summary.measures])]
        connection.execute(table.delete())
        deltas: dict[str, Delta] = {}
        after = 0
        while True:
            query = select(records.c.id, *columns).where(records.c.deleted_at.is_(None), records.c.id > after)
            rows = [dict(row) for row in connection.execute(query.order_by(records.c.id).limit(BATCH)).mappings()]
            if not rows:
                break
            for row in rows:
                key, values = key_of(summary, definition, row, self.zone)
                deltas.setdefault(key, Delta(values)).add(row, summary.measures, 1)
            after = rows[-1]["id"]
        apply(connection, summary, table, deltas)
        log.info(
            "summary %s: %s rows from %s records", table.name, len(deltas), sum(d.records for d in deltas.values())
        )
        return len(deltas)


def apply(connection: Connection, summary: Summary, table: Table, deltas: Mapping[str, Delta]) -> None:
    """Add each delta to its summary row, creating it; keys in order, so concurrent writers lock rows alike."""
    changes = [(key, delta) for key, delta in sorted(deltas.items()) if delta.records or delta.counted or delta.sums]
    if not changes:
        return
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    rows = []
    for key, delta in changes:
        row: dict[str, Any] = {"key": key, **delta.values, "records": delta.records}
        for name in summary.measures:
            row[f"sum__{name}"] = delta.sums.get(name, Decimal(0))
            row[f"n__{name}"] = delta.counted.get(name, 0)
        rows.append(row)
    statement = insert(table)
    added = {"records": table.c.records + statement.excluded.records}
    for name in summary.measures:
        for column in (f"sum__{name}", f"n__{name}"):
            added[column] = func.coalesce(table.c[column], 0) + func.coalesce(statement.excluded[column], 0)
    connection.execute(statement.on_conflict_do_update(index_elements=[table.c.key], set_=added), rows)
