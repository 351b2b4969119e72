"""Apply a metadata plan: metadata rows and DDL in the caller's transaction, then bump the metadata version.

PostgreSQL and SQLite both run DDL inside transactions, so a plan is applied whole or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, MetaData, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.planner import (
    AddField,
    CreateObject,
    DeleteField,
    DeleteObject,
    Plan,
    UpdateField,
    UpdateObject,
)
from huitong.engine.meta.schema import (
    build_table,
    column_for,
    field_row,
    index_name,
    index_specs,
    owner_index_name,
    role_index_name,
    system_fields,
    unique_index_name,
)
from huitong.engine.security import rule_indexes
from huitong.engine.security.audit import security_changed
from huitong.engine.security.tables import (
    field_permissions,
    object_permissions,
    record_shares,
    sharing_defaults,
    sharing_rules,
)
from huitong.engine.system_tables import field_history, meta_fields, meta_objects, meta_state, recycle_bin, sequences


def apply_plan(connection: Connection, plan: Plan) -> None:
    assert plan.ok, plan.errors
    if not plan.actions:
        return
    executor = _Executor(connection)
    for action in plan.actions:
        executor.apply(action)
    connection.execute(update(meta_state).where(meta_state.c.id == 1).values(version=meta_state.c.version + 1))


class _Executor:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.operations = Operations(MigrationContext.configure(connection))

    def apply(self, action: object) -> None:
        handler = {
            CreateObject: self.create_object,
            UpdateObject: self.update_object,
            DeleteObject: self.delete_object,
            AddField: self.add_field,
            UpdateField: self.update_field,
            DeleteField: self.delete_field,
        }[type(action)]
        handler(action)  # type: ignore[operator]

    # -- objects -----------------------------------------------------------------------------------------------
    def create_object(self, action: CreateObject) -> None:
        definition = action.definition
        inserted = self.connection.execute(
            insert(meta_objects).values(
                name=definition.name,
                label=dict(definition.label),
                plural_label=dict(definition.plural_label) if definition.plural_label else None,
                is_custom=definition.is_custom,
                module=definition.module,
                title_field=definition.title_field,
                options=dict(definition.options),
                created_at=datetime.now(UTC),
            )
        ).inserted_primary_key
        assert inserted is not None
        object_id = inserted[0]
        for field_definition in definition.user_fields:
            self.connection.execute(insert(meta_fields).values(object_id=object_id, **field_row(field_definition)))
        table = build_table(definition, MetaData())
        table.create(self.connection)
        for field_definition in definition.fields.values():
            self.create_indexes(definition, field_definition)
        self.declare_sharing_default(definition)

    def declare_sharing_default(self, definition: ObjectDef) -> None:
        """A standard object may say who reads its records until an administrator decides otherwise:
        ``options={"sharing_default": {"access": "private", "grant_via_hierarchy": False}}`` keeps a person's
        notifications from their manager. Written only when the object is created, so never over a choice made later."""
        declared = definition.options.get("sharing_default")
        if not isinstance(declared, dict):
            return
        self.connection.execute(delete(sharing_defaults).where(sharing_defaults.c.object_name == definition.name))
        self.connection.execute(
            insert(sharing_defaults).values(
                object_name=definition.name,
                access=str(declared.get("access", "private")),
                grant_via_hierarchy=bool(declared.get("grant_via_hierarchy", True)),
            )
        )
        security_changed(self.connection)

    def update_object(self, action: UpdateObject) -> None:
        after = action.after
        self.connection.execute(
            update(meta_objects)
            .where(meta_objects.c.name == after.name)
            .values(
                label=dict(after.label),
                plural_label=dict(after.plural_label) if after.plural_label else None,
                title_field=after.title_field,
                options=dict(after.options),
            )
        )

    def delete_object(self, action: DeleteObject) -> None:
        name = action.definition.name
        self.operations.drop_table(action.definition.table_name)
        for table in (recycle_bin, field_history):
            self.connection.execute(delete(table).where(table.c.object_name == name))
        self.connection.execute(delete(sequences).where(sequences.c.object_name == name))
        # Permissions and sharing of a deleted object would otherwise come back with a new one of the same name.
        for table in (object_permissions, field_permissions, sharing_defaults, sharing_rules, record_shares):
            self.connection.execute(delete(table).where(table.c.object_name == name))
        object_id = self.object_id(name)
        self.connection.execute(delete(meta_fields).where(meta_fields.c.object_id == object_id))
        self.connection.execute(delete(meta_objects).where(meta_objects.c.id == object_id))

    # -- fields ------------------------------------------------------------------------------------------------
    def add_field(self, action: AddField) -> None:
        definition = action.definition
        self.connection.execute(
            insert(meta_fields).values(object_id=self.object_id(action.object_name), **field_row(definition))
        )
        owner = ObjectDef(action.object_name, {}, {definition.name: definition}, "id")
        self.operations.add_column(owner.table_name, column_for(definition))
        self.create_indexes(owner, definition)

    def update_field(self, action: UpdateField) -> None:
        before, after = action.before, action.after
        self.connection.execute(
            update(meta_fields)
            .where(meta_fields.c.object_id == self.object_id(action.object_name))
            .where(meta_fields.c.name == before.name)
            .values(**field_row(after))
        )
        owner = ObjectDef(action.object_name, {}, {after.name: after}, "id")
        if (before.unique, before.has_index) != (after.unique, after.has_index):
            self.drop_indexes(owner, before)
            self.create_indexes(owner, after)
        grows = (after.options.get("max_length") or 0) > (before.options.get("max_length") or 0)
        if grows and before.options.get("max_length") and self.dialect == "postgresql":
            self.operations.alter_column(owner.table_name, after.name, type_=String(int(after.options["max_length"])))

    def delete_field(self, action: DeleteField) -> None:
        definition = action.definition
        owner = ObjectDef(action.object_name, {}, {definition.name: definition}, "id")
        self.drop_indexes(owner, definition)
        # sharing rules' tag indexes in this field's order (a rule's criteria cannot name a field being deleted)
        rule_indexes.drop(self.connection, owner.table_name, field_name=definition.name)
        self.operations.drop_column(owner.table_name, definition.name)
        self.connection.execute(
            delete(field_history)
            .where(field_history.c.object_name == action.object_name)
            .where(field_history.c.field_name == definition.name)
        )
        self.connection.execute(
            delete(field_permissions)
            .where(field_permissions.c.object_name == action.object_name)
            .where(field_permissions.c.field_name == definition.name)
        )
        self.connection.execute(
            delete(meta_fields)
            .where(meta_fields.c.object_id == self.object_id(action.object_name))
            .where(meta_fields.c.name == definition.name)
        )

    # -- helpers -----------------------------------------------------------------------------------------------
    def object_id(self, name: str) -> int:
        return int(self.connection.execute(select(meta_objects.c.id).where(meta_objects.c.name == name)).scalar_one())

    def create_indexes(self, owner: ObjectDef, definition: FieldDef) -> None:
        base = owner.with_field(definition)
        for name in ("id", "owner"):  # the columns every index spec may name
            base = base if name in base.fields else base.with_field(_SYSTEM[name])
        table = build_table(base, MetaData())
        for index in index_specs(table, definition, self.dialect):
            try:
                with self.connection.begin_nested():
                    index.create(self.connection)
            except IntegrityError:
                raise validation_failed(
                    [
                        FieldError(
                            "unique",
                            "duplicates_exist",
                            _("Records already share values in this field; make them unique first."),
                        )
                    ]
                ) from None

    def drop_indexes(self, owner: ObjectDef, definition: FieldDef) -> None:
        for name in (
            index_name(owner.table_name, definition.name),
            unique_index_name(owner.table_name, definition.name),
            owner_index_name(owner.table_name, definition.name),
            role_index_name(owner.table_name, definition.name),
        ):
            self.operations.drop_index(name, table_name=owner.table_name, if_exists=True)


_SYSTEM = system_fields()
