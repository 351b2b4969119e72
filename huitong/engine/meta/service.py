"""The one write path for metadata: read a change, plan it, apply it in one transaction.

Every entry point locks the metadata first, so that two administrators changing one object serialize.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from huitong.engine.db import Database
from huitong.engine.errors import FieldError, conflict, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta import planner, specs
from huitong.engine.meta.executor import apply_plan
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.planner import Plan
from huitong.engine.meta.registry import lock_metadata
from huitong.engine.meta.schema import Schema, load_schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.search.maintenance import search_fields_changed
from huitong.engine.security import audit, rule_indexes

# Checks that look beyond the schema (saved views, reports … added by later parts) before a field is deleted.
# Each returns the reasons the field is still in use.
DependencyCheck = Callable[[Connection, Schema, str, str], list[str]]
dependency_checks: list[DependencyCheck] = []


@dataclass(frozen=True)
class Change:
    """Who changes what, for the setup audit trail."""

    actor_id: int | None
    action: str
    target: str
    detail: Any = None


def _run(
    db: Database, change: Change, make_plan: Callable[[Connection, Schema], Plan], env: FilterEnv | None = None,
    object_name: str | None = None,
) -> Schema:  # fmt: skip
    """Plan and apply a change; with ``env``, bring ``object_name``'s sharing rules' indexes in step with its
    fields in the same transaction (without, ``huitong migrate`` does)."""
    with db.write() as connection:
        schema = lock_metadata(connection)
        plan = make_plan(connection, schema)
        if not plan.ok:
            already = [error for error in plan.errors if error.code == "already_exists"]
            if already:
                raise conflict(already[0].message, list(plan.errors), code="already_exists")
            raise validation_failed(list(plan.errors))
        apply_plan(connection, plan)
        after = load_schema(connection)
        if plan.actions:
            search_fields_changed(connection, schema, after)
            if env is not None and object_name is not None:
                rule_indexes.sync(connection, after, env, object_name)
            audit.record(
                connection, change.actor_id, change.action, change.target, change.detail, now=datetime.now(UTC)
            )
        return after


def create_object(db: Database, raw: Any, actor_id: int | None = None) -> ObjectDef:
    definition = specs.read_object(raw, custom=True)
    change = Change(actor_id, "object.create", definition.name, raw)
    schema = _run(db, change, lambda _c, schema: planner.plan_create_object(schema, definition))
    return schema.object(definition.name)


def update_object(db: Database, object_name: str, raw: Any, actor_id: int | None = None) -> ObjectDef:
    def make_plan(_connection: Connection, schema: Schema) -> Plan:
        before = schema.object(object_name)
        return planner.plan_update_object(schema, before, specs.patch_object(before, raw))

    return _run(db, Change(actor_id, "object.update", object_name, raw), make_plan).object(object_name)


def delete_object(db: Database, object_name: str, actor_id: int | None = None) -> None:
    change = Change(actor_id, "object.delete", object_name)
    _run(db, change, lambda _c, schema: planner.plan_delete_object(schema, object_name))


def add_field(
    db: Database, object_name: str, raw: Any, actor_id: int | None = None, env: FilterEnv | None = None
) -> FieldDef:
    def make_plan(_connection: Connection, schema: Schema) -> Plan:
        owner = schema.object(object_name)
        position = max((f.position for f in owner.user_fields), default=-1) + 1
        definition = specs.read_field(raw, custom=True, position=position)
        return planner.plan_add_field(schema, object_name, definition)

    change = Change(actor_id, "field.create", f"{object_name}.{_name_of(raw)}", raw)
    schema = _run(db, change, make_plan, env, object_name)
    return _as_seen(schema.object(object_name), str(raw["name"]))


def update_field(
    db: Database, object_name: str, field_name: str, raw: Any, actor_id: int | None = None,
    env: FilterEnv | None = None,
) -> FieldDef:  # fmt: skip
    def make_plan(_connection: Connection, schema: Schema) -> Plan:
        before = _user_field(schema.object(object_name), field_name)
        after = specs.read_field(raw, custom=before.is_custom, position=before.position, partial=before)
        return planner.plan_update_field(schema, object_name, before, after)

    change = Change(actor_id, "field.update", f"{object_name}.{field_name}", raw)
    return _as_seen(_run(db, change, make_plan, env, object_name).object(object_name), field_name)


def delete_field(db: Database, object_name: str, field_name: str, actor_id: int | None = None) -> None:
    def make_plan(connection: Connection, schema: Schema) -> Plan:
        _user_field(schema.object(object_name), field_name)
        reasons = [
            reason for check in dependency_checks for reason in check(connection, schema, object_name, field_name)
        ]
        if reasons:
            return planner.refuse(*(FieldError(field_name, "in_use", reason) for reason in reasons))
        return planner.plan_delete_field(schema, object_name, field_name)

    _run(db, Change(actor_id, "field.delete", f"{object_name}.{field_name}"), make_plan)


def sync_standard_objects(db: Database, declared: list[ObjectDef]) -> None:
    change = Change(None, "standard_objects.sync", ", ".join(d.name for d in declared))
    _run(db, change, lambda _c, schema: planner.plan_sync(schema, declared))


def _as_seen(owner: ObjectDef, field_name: str) -> FieldDef:
    """The field with ``searchable`` as it applies in its object (the title field's default depends on it)."""
    definition = owner.fields[field_name]
    return definition.with_changes(searchable=owner.is_searchable(definition))


def _name_of(raw: Any) -> str:
    return str(raw.get("name")) if isinstance(raw, dict) else "?"


def _user_field(owner: ObjectDef, field_name: str) -> FieldDef:
    definition = owner.fields.get(field_name)
    if definition is None or definition.is_system:
        raise not_found(_("This object has no field named %(name)s.") % {"name": field_name[:63]})
    return definition
