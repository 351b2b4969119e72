"""Checks that need the database: unique values and lookup targets. Each works on many records at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.system_tables import users

CHUNK = 500


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def unique_errors(
    connection: Connection,
    schema: Schema,
    definition: ObjectDef,
    batch: Sequence[tuple[int | None, dict[str, Any]]],
) -> dict[int, list[FieldError]]:
    """Errors by position in ``batch`` (pairs of existing id or None, values) for values already taken.

    Records in the recycle bin keep their values, so that restoring one never collides.
    """
    table = schema.table(definition.name)
    found: dict[int, list[FieldError]] = {}
    for field in (f for f in definition.user_fields if f.unique):
        seen: dict[Any, int] = {}
        wanted: dict[Any, list[int]] = {}
        for position, (_record_id, values) in enumerate(batch):
            value = values.get(field.name)
            if value is None:
                continue
            if value in seen:
                found.setdefault(position, []).append(_taken(field, in_batch=True))
                continue
            seen[value] = position
            wanted.setdefault(value, []).append(position)
        for chunk in _chunks(list(wanted)):
            query = select(table.c.id, table.c[field.name]).where(table.c[field.name].in_(chunk))
            for row in connection.execute(query):
                for position in wanted.get(row[1], []):
                    if batch[position][0] != row[0]:
                        found.setdefault(position, []).append(_taken(field, in_batch=False))
    return found


def _taken(field: FieldDef, *, in_batch: bool) -> FieldError:
    if in_batch:
        return FieldError(field.name, "not_unique", _("Another record in this request has the same value."))
    return FieldError(
        field.name, "not_unique", _("Another record (possibly in the recycle bin) already has this value.")
    )


Visible = Callable[[ObjectDef, Any], Any]  # the access predicate of the records of an object (None: all)


def reference_errors(
    connection: Connection, schema: Schema, definition: ObjectDef, batch: Sequence[dict[str, Any]],
    visible: Visible | None = None,
) -> dict[int, list[FieldError]]:  # fmt: skip
    """Errors by position for lookups to records that do not exist (or are deleted), or that ``visible`` leaves
    out (a record one may not read is answered exactly as one that does not exist), and users who do not."""
    found: dict[int, list[FieldError]] = {}
    for field in (f for f in definition.fields.values() if f.type in ("lookup", "user")):
        wanted = sorted({values[field.name] for values in batch if values.get(field.name) is not None})
        if not wanted:
            continue
        existing = set()
        for chunk in _chunks(wanted):
            existing |= set(connection.execute(_existing_query(schema, field, chunk, visible)).scalars())
        for position, values in enumerate(batch):
            value = values.get(field.name)
            if value is not None and value not in existing:
                found.setdefault(position, []).append(
                    FieldError(field.name, "not_found", _("The record this field points to does not exist."))
                )
    return found


def _existing_query(schema: Schema, field: FieldDef, ids: Sequence[int], visible: Visible | None) -> Any:
    if field.type == "user":
        return select(users.c.id).where(users.c.id.in_(ids))
    target = schema.table(str(field.options["target"]))
    query = select(target.c.id).where(target.c.id.in_(ids), target.c.deleted_at.is_(None))
    allowed = None if visible is None else visible(schema.object(str(field.options["target"])), target)
    return query if allowed is None else query.where(allowed)


def merge_errors(*groups: dict[int, list[FieldError]]) -> dict[int, list[FieldError]]:
    merged: dict[int, list[FieldError]] = {}
    for group in groups:
        for position, errors in group.items():
            merged.setdefault(position, []).extend(errors)
    return merged
