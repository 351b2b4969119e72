"""The one write path for records, and record reads by id.

Every create, update, delete and restore passes here: coercion and checks, hooks, audit columns, version bump,
field history, recycle bin. Writes run in one transaction; side effects registered with ``on_commit`` run after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from huitong.engine.db import Database
from huitong.engine.errors import FieldError, HuitongError, forbidden, not_found, validation_failed, version_conflict
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.meta.schema import Schema
from huitong.engine.notices import Notices
from huitong.engine.records import checks, history, owner_roles
from huitong.engine.records.autonumber import next_numbers
from huitong.engine.records.context import Actor, HookCall, Hooks, WriteContext
from huitong.engine.records.values import Record, apply_defaults, read_input, required_errors, row_values, title_of
from huitong.engine.search import index as search_index
from huitong.engine.security.access import AccessPolicy
from huitong.engine.security.tables import security_state
from huitong.engine.summaries.upkeep import Summaries
from huitong.engine.system_tables import meta_state, recycle_bin

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class RecordService:
    def __init__(
        self,
        db: Database,
        cache: MetadataCache,
        hooks: Hooks,
        access: AccessPolicy,
        zone: ZoneInfo,
        clock: Clock = utc_now,
        notices: Notices | None = None,
        summaries: Summaries | None = None,
    ) -> None:
        self.db = db
        self.cache = cache
        self.hooks = hooks
        self.access = access
        self.zone = zone
        self.clock = clock
        self.notices = notices or Notices(access)
        self.summaries = summaries or Summaries([], zone)

    # -- transactions ------------------------------------------------------------------------------------------
    def view(self, connection: Connection, actor: Actor) -> tuple[Actor, Schema]:
        """The actor bound to what they may do, and the schema as they see it, for one request."""
        # Both caches check their version on every request: one round trip reads the two.
        metadata, security = connection.execute(
            select(
                select(meta_state.c.version).where(meta_state.c.id == 1).scalar_subquery(),
                select(security_state.c.version).where(security_state.c.id == 1).scalar_subquery(),
            )
        ).one()
        actor = self.access.bind(connection, actor, security)
        return actor, self.access.restrict(self.cache.current(connection, metadata), actor)

    @contextmanager
    def reading(self, actor: Actor) -> Iterator[tuple[Connection, Actor, Schema]]:
        """A read-only connection with the bound actor and their schema."""
        with self.db.read() as connection:
            yield (connection, *self.view(connection, actor))

    @contextmanager
    def reading_object(
        self, actor: Actor, object_name: str, action: str = "read"
    ) -> Iterator[tuple[Connection, Actor, Schema, ObjectDef]]:
        """``reading`` for one object, once the actor may ``action`` its records (404/403 otherwise)."""
        with self.reading(actor) as (connection, bound, schema):
            definition = schema.object(object_name)
            self.access.check_object(bound, definition, action)
            yield connection, bound, schema, definition

    @contextmanager
    def transaction(self, actor: Actor) -> Iterator[WriteContext]:
        """A write transaction; callbacks registered with ``on_commit`` run once it has committed."""
        with self.db.write() as connection:
            actor, schema = self.view(connection, actor)
            context = WriteContext(connection, schema, actor, self.clock(), records=self)
            try:
                yield context
            except IntegrityError as error:
                raise _integrity_problem(error) from None
        for callback in context.after_commit:
            callback()

    def system_context(self, context: WriteContext) -> WriteContext:
        """The same transaction, acting as the system: a record service whose policy allows every write, on the
        schema with every field. For writes the CRM makes on its own account (a last contact rolled up, a notification
        stored) whatever the person whose change caused them may edit. After-commit work still runs with
        ``context``'s; notices still pass the real policy."""
        system = RecordService(
            self.db, self.cache, self.hooks, AccessPolicy(), self.zone, self.clock, self.notices, self.summaries
        )
        schema = self.cache.current(context.connection, context.schema.version)
        return replace(context, records=system, schema=schema)

    # -- writes ------------------------------------------------------------------------------------------------
    def create(self, actor: Actor, object_name: str, data: Mapping[str, Any]) -> Record:
        with self.transaction(actor) as context:
            return self.create_in(context, object_name, data)

    def create_in(self, context: WriteContext, object_name: str, data: Mapping[str, Any]) -> Record:
        definition = context.schema.object(object_name)
        self.access.check_object(context.actor, definition, "create")
        values, errors = read_input(definition, data)
        if errors:
            raise validation_failed(errors)
        if values.get("owner") is not None:
            self.access.check_owner(context.actor, definition, None, values["owner"])
        apply_defaults(self.cache.current(context.connection).object(object_name), values)  # hidden fields too
        self.hooks.run("before_create", HookCall(context, definition, None, values))
        self.check(context, definition, [(None, values)], definition.user_fields)
        row = self.stamp_new(context, definition, values)
        self.fill_auto_numbers(context, definition, [row])
        owner_roles.stamp(context.connection, [row])
        table = context.schema.table(object_name)
        record_id = context.connection.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
        row["id"] = record_id
        search_index.added(context.connection, self.full(context, object_name), [row])
        self.summarize(context, object_name, [(None, row)])
        self.hooks.run("after_create", HookCall(context, definition, record_id, row))
        return Record(definition, row_values(definition, row))

    def update(
        self, actor: Actor, object_name: str, record_id: int, data: Mapping[str, Any], version: int | None
    ) -> Record:
        with self.transaction(actor) as context:
            return self.update_in(context, object_name, record_id, data, version)

    def update_in(
        self, context: WriteContext, object_name: str, record_id: int, data: Mapping[str, Any], version: int | None
    ) -> Record:
        definition = context.schema.object(object_name)
        self.access.check_object(context.actor, definition, "edit")
        before = self.load_for_write(context, definition, record_id, "edit")
        if version is not None and version != before["version"]:
            raise version_conflict(before["version"])
        changes, errors = read_input(definition, data)
        if errors:
            raise validation_failed(errors)
        if "owner" in changes and changes["owner"] != before["owner"]:
            if changes["owner"] is None:
                raise validation_failed([FieldError("owner", "required", _("This field is required."))])
            self.access.check_owner(context.actor, definition, before["owner"], changes["owner"])
        self.hooks.run("before_update", HookCall(context, definition, record_id, changes, before))
        changed_fields = [f for f in definition.user_fields if f.name in changes]
        self.check(context, definition, [(record_id, changes)], changed_fields, before)
        changes = {name: value for name, value in changes.items() if before.get(name) != value}
        after = {**before, **changes}
        if changes:
            self.write_update(context, definition, before, changes)
            after.update(version=before["version"] + 1, updated_at=context.now, updated_by=context.actor.user_id)
            search_index.changed(context.connection, self.full(context, object_name), [(before, after)])
        self.hooks.run("after_update", HookCall(context, definition, record_id, after, before))
        return Record(definition, row_values(definition, after))

    def delete(self, actor: Actor, object_name: str, record_id: int, version: int | None = None) -> None:
        with self.transaction(actor) as context:
            self.delete_in(context, object_name, record_id, version)

    def delete_in(self, context: WriteContext, object_name: str, record_id: int, version: int | None) -> None:
        definition = context.schema.object(object_name)
        self.access.check_object(context.actor, definition, "delete")
        before = self.load_for_write(context, definition, record_id, "delete")
        if version is not None and version != before["version"]:
            raise version_conflict(before["version"])
        self.hooks.run("before_delete", HookCall(context, definition, record_id, dict(before), before))
        table = context.schema.table(object_name)
        context.connection.execute(
            update(table)
            .where(table.c.id == record_id)
            .values(deleted_at=context.now, version=table.c.version + 1, updated_at=context.now,
                    updated_by=context.actor.user_id)
        )  # fmt: skip
        context.connection.execute(
            insert(recycle_bin).values(
                object_name=object_name,
                record_id=record_id,
                title=title_of(definition, row_values(definition, before)),
                deleted_by=context.actor.user_id,
                deleted_at=context.now,
            )
        )
        self.summarize(context, object_name, [(before, None)])
        self.hooks.run("after_delete", HookCall(context, definition, record_id, dict(before), before))

    def restore(self, actor: Actor, object_name: str, record_id: int) -> Record:
        with self.transaction(actor) as context:
            return self.restore_in(context, object_name, record_id)

    def restore_in(self, context: WriteContext, object_name: str, record_id: int) -> Record:
        """A record back from the recycle bin, inside the caller's transaction (an undo of many is one)."""
        definition = context.schema.object(object_name)
        self.access.check_object(context.actor, definition, "delete")
        table = context.schema.table(object_name)
        query = select(table).where(table.c.id == record_id, table.c.deleted_at.is_not(None))
        visible = self.access.read_filter(context.actor, definition, table)
        row = context.connection.execute(query if visible is None else query.where(visible)).mappings().first()
        if row is None:
            raise not_found(_("This record is not in the recycle bin."))
        allowed = self.access.write_filter(context.actor, definition, table, "delete")
        if allowed is not None and not context.connection.execute(query.where(allowed)).first():
            raise forbidden(_("You may see this record but not change or delete it."))
        context.connection.execute(
            update(table)
            .where(table.c.id == record_id)
            .values(deleted_at=None, version=table.c.version + 1, updated_at=context.now,
                    updated_by=context.actor.user_id)
        )  # fmt: skip
        context.connection.execute(
            delete(recycle_bin).where(recycle_bin.c.object_name == object_name, recycle_bin.c.record_id == record_id)
        )
        restored = {**row, "deleted_at": None, "version": row["version"] + 1, "updated_at": context.now,
                    "updated_by": context.actor.user_id}  # fmt: skip
        self.summarize(context, object_name, [(None, restored)])
        return Record(definition, row_values(definition, restored))

    # -- reads -------------------------------------------------------------------------------------------------
    def get(self, actor: Actor, object_name: str, record_id: int) -> Record:
        with self.reading(actor) as (connection, actor, schema):
            definition = schema.object(object_name)
            self.access.check_object(actor, definition, "read")
            row = self.visible_row(connection, schema, actor, definition, record_id)
            return Record(definition, row_values(definition, row))

    def visible_row(
        self, connection: Connection, schema: Schema, actor: Actor, definition: ObjectDef, record_id: int
    ) -> Mapping[str, Any]:
        table = schema.table(definition.name)
        query = select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        visible = self.access.read_filter(actor, definition, table)
        if visible is not None:
            query = query.where(visible)
        row = connection.execute(query).mappings().first()
        if row is None:
            raise not_found(_("This record does not exist or you may not see it."))
        return dict(row)

    # -- shared steps ------------------------------------------------------------------------------------------
    def summarize(
        self, context: WriteContext, object_name: str,
        pairs: list[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
    ) -> None:  # fmt: skip
        """Move the summaries of records that changed (``(before, after)``; None: absent), every field seen."""
        schema = self.cache.current(context.connection, context.schema.version)
        self.summaries.changed(context.connection, schema, schema.object(object_name), pairs)

    def full(self, context: WriteContext, object_name: str) -> ObjectDef:
        """The object with every field, whatever the actor's view of it hides (for the search index)."""
        return self.cache.current(context.connection, context.schema.version).object(object_name)

    def load_for_write(
        self, context: WriteContext, definition: ObjectDef, record_id: int, action: str
    ) -> dict[str, Any]:
        """The stored row, locked; 404 if the actor may not see it, 403 if they see it but may not ``action`` it."""
        table = context.schema.table(definition.name)
        query = select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None)).with_for_update()
        visible = self.access.read_filter(context.actor, definition, table)
        row = context.connection.execute(query if visible is None else query.where(visible)).mappings().first()
        if row is None:
            raise not_found(_("This record does not exist or you may not see it."))
        allowed = self.access.write_filter(context.actor, definition, table, action)
        if (
            allowed is not None
            and not context.connection.execute(select(table.c.id).where(table.c.id == record_id, allowed)).first()
        ):
            raise forbidden(_("You may see this record but not change or delete it."))
        return dict(row)

    def check(
        self,
        context: WriteContext,
        definition: ObjectDef,
        batch: list[tuple[int | None, dict[str, Any]]],
        fields: list[Any],
        before: Mapping[str, Any] | None = None,
    ) -> None:
        """Required, unique and lookup checks for one record; raises with every problem found.

        A lookup must point to a record the actor may read, unless it keeps the value ``before`` has."""
        errors = required_errors(fields, batch[0][1])
        found = checks.merge_errors(
            checks.unique_errors(context.connection, context.schema, definition, batch),
            checks.reference_errors(
                context.connection,
                context.schema,
                definition,
                [changed_values(values, before) for _id, values in batch],
                self.visible_to(context.actor),
            ),
        )
        errors += found.get(0, [])
        if errors:
            raise validation_failed(errors)

    def visible_to(self, actor: Actor) -> checks.Visible:
        """The access predicate of ``actor`` on any object, for checking what lookups point to."""
        return lambda definition, table: self.access.read_filter(actor, definition, table)

    def stamp_new(self, context: WriteContext, definition: ObjectDef, values: dict[str, Any]) -> dict[str, Any]:
        actor = context.actor.user_id
        return {
            **values,
            "owner": values.get("owner") or actor,
            "created_at": context.now,
            "created_by": actor,
            "updated_at": context.now,
            "updated_by": actor,
            "version": 1,
        }

    def fill_auto_numbers(self, context: WriteContext, definition: ObjectDef, rows: list[dict[str, Any]]) -> None:
        for field in (f for f in definition.user_fields if f.type == "auto_number"):
            numbers = next_numbers(context.connection, definition.name, field, context.now, self.zone, len(rows))
            for row, number in zip(rows, numbers, strict=False):
                row[field.name] = number

    def write_update(
        self, context: WriteContext, definition: ObjectDef, before: Mapping[str, Any], changes: dict[str, Any]
    ) -> None:
        table: Table = context.schema.table(definition.name)
        result = context.connection.execute(
            update(table)
            .where(table.c.id == before["id"], table.c.version == before["version"])
            .values(**changes, version=table.c.version + 1, updated_at=context.now, updated_by=context.actor.user_id)
            .values(owner_roles.owner_changes(context.connection, changes))
        )
        if result.rowcount != 1:
            raise version_conflict(before["version"] + 1)
        history.record_changes(context, definition, before, changes)
        self.summarize(context, definition.name, [(before, {**before, **changes})])


def changed_values(values: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values that differ from the stored ones (all of them for a new record)."""
    return {name: value for name, value in values.items() if before is None or before.get(name) != value}


def _integrity_problem(error: IntegrityError) -> HuitongError:
    """A constraint the checks above did not see coming (two writers at once): report it, never a 500."""
    return validation_failed(
        [FieldError(None, "conflict", _("Another change got there first (a value that must be unique). Try again."))]
    )
