"""Bulk create, update and upsert of up to 10,000 records, all or nothing by default, with per-record results.

Checks run once per batch (one query per unique or lookup field), and rows are written with multi-row
statements, so a bulk load costs a few statements rather than a few per record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from huitong.engine.errors import FieldError, HuitongError, bad_request, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.types import ValueProblem
from huitong.engine.meta.types.reference import coerce_id
from huitong.engine.records import checks, owner_roles
from huitong.engine.records.context import Actor, HookCall, WriteContext
from huitong.engine.records.service import RecordService, changed_values
from huitong.engine.records.values import apply_defaults, read_input, required_errors
from huitong.engine.search import index as search_index

MAX_RECORDS = 10_000
OPERATIONS = ("create", "update", "upsert")


@dataclass
class Item:
    position: int
    data: Mapping[str, Any]
    record_id: int | None = None
    version: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)
    created: bool = False


def read_request(body: Any) -> tuple[str, str | None, bool, list[Any]]:
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))
    unknown = set(body) - {"operation", "key", "all_or_none", "records"}
    if unknown:
        name = sorted(unknown)[0]
        raise bad_request(_("Unknown property."), [FieldError(name, "unknown_key", _("Unknown property."))])
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise bad_request(
            _("operation is create, update or upsert."),
            [FieldError("operation", "invalid", _("operation is create, update or upsert."))],
        )
    records = body.get("records")
    if not isinstance(records, list) or not records or len(records) > MAX_RECORDS:
        raise bad_request(
            _("records is a list of 1 to 10000 records."),
            [FieldError("records", "invalid", _("records is a list of 1 to 10000 records."))],
        )
    all_or_none = body.get("all_or_none", True)
    if not isinstance(all_or_none, bool):
        raise bad_request(
            _("Enter true or false."), [FieldError("all_or_none", "invalid_type", _("Enter true or false."))]
        )
    key = body.get("key")
    if operation == "upsert" and not isinstance(key, str):
        raise bad_request(
            _("An upsert needs a key: a unique field."),
            [FieldError("key", "required", _("An upsert needs a key: a unique field."))],
        )
    return operation, key, all_or_none, records


class BulkWriter:
    def __init__(self, service: RecordService) -> None:
        self.service = service

    def run(self, actor: Actor, object_name: str, body: Any) -> tuple[bool, list[dict[str, Any]]]:
        """Returns (whether anything failed, per-record results). With all_or_none, a failure writes nothing."""
        operation, key, all_or_none, records = read_request(body)
        failed = False
        try:
            with self.service.transaction(actor) as context:
                definition = context.schema.object(object_name)
                items = [Item(position, data) for position, data in enumerate(records)]
                self.prepare(context, definition, items, operation, key)
                failed = any(item.errors for item in items)
                if failed and all_or_none:
                    raise _Abort(items)
                good = [item for item in items if not item.errors]
                self.write(context, definition, good)
        except _Abort as abort:
            return True, [self.result(item, rolled_back=True) for item in abort.items]
        return failed, [self.result(item) for item in items]

    # -- preparation -------------------------------------------------------------------------------------------
    def prepare(
        self, context: WriteContext, definition: ObjectDef, items: list[Item], operation: str, key: str | None
    ) -> None:
        access = self.service.access
        if operation == "upsert":  # which of create and edit it needs is known once keys are matched
            if not access.may(context.actor, definition, "edit"):
                access.check_object(context.actor, definition, "create")
        else:
            access.check_object(context.actor, definition, "create" if operation == "create" else "edit")
        for item in items:
            if not isinstance(item.data, dict):
                item.errors.append(FieldError(None, "invalid_record", _("Each record is a JSON object.")))
                continue
            item.values, item.errors = read_input(definition, item.data)
            self.read_identity(item, operation)
        if operation == "upsert":
            self.match_keys(context, definition, items, str(key))
            matched = [item for item in items if not item.errors]
            if any(item.record_id is None for item in matched):
                access.check_object(context.actor, definition, "create")
            if any(item.record_id is not None for item in matched):
                access.check_object(context.actor, definition, "edit")
        self.load_existing(context, definition, [i for i in items if i.record_id is not None and not i.errors])
        every_field = self.service.cache.current(context.connection).object(definition.name)  # hidden ones too
        for item in items:
            if item.errors:
                continue
            self.check_owner(context, definition, item)
            if item.errors:
                continue
            if item.record_id is None:
                apply_defaults(every_field, item.values)
                self.run_hook(context, definition, item, "before_create")
                item.errors += required_errors(definition.user_fields, item.values)
            else:
                self.run_hook(context, definition, item, "before_update")
                changed = [f for f in definition.user_fields if f.name in item.values]
                item.errors += required_errors(changed, item.values)
        live = [item for item in items if not item.errors]
        found = checks.merge_errors(
            checks.unique_errors(
                context.connection, context.schema, definition, [(i.record_id, i.values) for i in live]
            ),
            checks.reference_errors(
                context.connection,
                context.schema,
                definition,
                [changed_values(i.values, i.before) for i in live],
                self.service.visible_to(context.actor),
            ),
        )
        for position, errors in found.items():
            live[position].errors += errors

    def read_identity(self, item: Item, operation: str) -> None:
        data = item.data
        if operation == "create":
            if "id" in data:
                item.errors.append(FieldError("id", "read_only", _("This field is filled in by the system.")))
            return
        version = data.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            item.errors.append(FieldError("version", "invalid_type", _("Enter a whole number.")))
        item.version = version
        if operation == "update":
            try:
                item.record_id = coerce_id(data.get("id"))
            except ValueProblem:
                item.errors.append(FieldError("id", "required", _("Each record to update needs its id.")))

    def match_keys(self, context: WriteContext, definition: ObjectDef, items: list[Item], key: str) -> None:
        field = definition.fields.get(key)
        if field is None or not field.unique:
            raise bad_request(
                _("The key must be a unique field."),
                [FieldError("key", "not_unique", _("The key must be a unique field."))],
            )
        table = context.schema.table(definition.name)
        wanted = [item.values.get(key) for item in items if not item.errors]
        existing: dict[Any, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = [value for value in wanted[start : start + 500] if value is not None]
            query = select(table.c[key], table.c.id, table.c.deleted_at).where(table.c[key].in_(chunk))
            for row in context.connection.execute(query):
                if row.deleted_at is None:
                    existing[row[0]] = row.id
                else:
                    existing[row[0]] = -row.id
        for item in items:
            if item.errors:
                continue
            value = item.values.get(key)
            if value is None:
                item.errors.append(FieldError(key, "required", _("This field is required.")))
            elif existing.get(value, 0) < 0:
                item.errors.append(
                    FieldError(
                        key, "in_recycle_bin", _("A record with this key is in the recycle bin; restore it first.")
                    )
                )
            else:
                item.record_id = existing.get(value)

    def load_existing(self, context: WriteContext, definition: ObjectDef, items: list[Item]) -> None:
        table = context.schema.table(definition.name)
        ids = [item.record_id for item in items]
        rows: dict[int, dict[str, Any]] = {}
        access = self.service.access
        visible = access.read_filter(context.actor, definition, table)
        editable = access.write_filter(context.actor, definition, table, "edit")
        read_only: set[int] = set()  # visible, but the actor may not edit them
        for start in range(0, len(ids), 500):
            query = select(table).where(table.c.id.in_(ids[start : start + 500]), table.c.deleted_at.is_(None))
            query = query if visible is None else query.where(visible)
            found = {row["id"]: dict(row) for row in context.connection.execute(query.with_for_update()).mappings()}
            if editable is not None and found:
                allowed = select(table.c.id).where(table.c.id.in_(list(found)), editable)
                kept = set(context.connection.execute(allowed).scalars())
                read_only |= set(found) - kept
            rows.update(found)
        for item in items:
            item.before = rows.get(item.record_id or 0)
            if item.record_id in read_only:
                item.before = None
                item.errors.append(
                    FieldError("id", "forbidden", _("You may see this record but not change or delete it."))
                )
            elif item.before is None:
                item.errors.append(
                    FieldError("id", "not_found", _("This record does not exist or you may not see it."))
                )
            elif item.version is not None and item.version != item.before["version"]:
                item.errors.append(
                    FieldError("version", "version_conflict", _("Someone else changed this record since you read it."))
                )

    def check_owner(self, context: WriteContext, definition: ObjectDef, item: Item) -> None:
        new = item.values.get("owner")
        current = item.before["owner"] if item.before else None
        if new is None or new == current:
            return
        try:
            self.service.access.check_owner(context.actor, definition, current, new)
        except HuitongError as error:
            item.errors += error.errors or [FieldError("owner", error.code, error.detail)]

    def run_hook(self, context: WriteContext, definition: ObjectDef, item: Item, event: Any) -> None:
        try:
            self.service.hooks.run(event, HookCall(context, definition, item.record_id, item.values, item.before))
        except HuitongError as error:
            item.errors += error.errors or [FieldError(None, error.code, error.detail)]

    # -- writing -----------------------------------------------------------------------------------------------
    def write(self, context: WriteContext, definition: ObjectDef, items: list[Item]) -> None:
        new = [item for item in items if item.record_id is None]
        if new:
            rows = [self.service.stamp_new(context, definition, item.values) for item in new]
            self.service.fill_auto_numbers(context, definition, rows)
            owner_roles.stamp(context.connection, rows)
            table = context.schema.table(definition.name)
            for row, record_id in zip(rows, allocate_ids(context.connection, table, len(rows)), strict=True):
                row["id"] = record_id
            columns = sorted({name for row in rows for name in row})
            context.connection.execute(insert(table), [{name: row.get(name) for name in columns} for row in rows])
            search_index.added(context.connection, self.service.full(context, definition.name), rows)
            self.service.summarize(context, definition.name, [(None, row) for row in rows])
            for item, row in zip(new, rows, strict=True):
                item.record_id, item.created = row["id"], True
                self.service.hooks.run("after_create", HookCall(context, definition, row["id"], row))
        updated: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for item in items:
            if item.created or item.before is None:
                continue
            changes = {name: value for name, value in item.values.items() if item.before.get(name) != value}
            if changes:
                self.service.write_update(context, definition, item.before, changes)
            after = {**item.before, **changes}
            updated.append((item.before, after))
            self.service.hooks.run("after_update", HookCall(context, definition, item.record_id, after, item.before))
        if updated:
            search_index.changed(context.connection, self.service.full(context, definition.name), updated)

    def result(self, item: Item, *, rolled_back: bool = False) -> dict[str, Any]:
        if item.errors:
            return {"ok": False, "errors": [error.as_json() for error in item.errors]}
        if rolled_back:
            return {
                "ok": False,
                "errors": [
                    FieldError(None, "not_written", _("Not written: another record in the request failed.")).as_json()
                ],
            }
        return {"ok": True, "id": item.record_id, "created": item.created}


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, so that they can be inserted with one plain executemany.

    An INSERT … RETURNING of many rows in a known order makes SQLAlchemy send one statement per row on SQLite
    and makes psycopg re-parse a statement of thousands of placeholders on PostgreSQL. On SQLite the write
    transaction already holds the database lock, so max(id) + 1 onwards is what SQLite itself would give; on
    PostgreSQL the ids come from the table's own sequence.
    """
    if connection.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return [int(value) for value in connection.execute(query).scalars()]
    start = int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    return list(range(start + 1, start + count + 1))


class _Abort(Exception):
    def __init__(self, items: list[Item]) -> None:
        super().__init__("bulk request aborted")
        self.items = items


def results_error(results: Sequence[dict[str, Any]]) -> HuitongError:
    error = validation_failed([], _("Some records are not valid; nothing was written."))
    error.extra["results"] = list(results)
    return error
