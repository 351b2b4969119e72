"""Profiles and permission sets: per object create/read/edit/delete/view all/modify all, per field hidden/read/edit.

A user's access is their profile plus every permission set they hold (the most generous wins). Profiles created by
administrators grant only what they list; the shipped "Standard user" profile grants create/read/edit/delete on
every object it does not list, so that a new custom object is usable at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select

from huitong.engine.errors import FieldError, conflict, forbidden, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.schema import Schema
from huitong.engine.security import audit
from huitong.engine.security.model import ACTIONS
from huitong.engine.security.tables import (
    field_permissions,
    object_permissions,
    permission_sets,
    profiles,
    user_permission_sets,
)
from huitong.engine.system_tables import users

HOLDERS: dict[str, Table] = {"profile": profiles, "permission_set": permission_sets}
LEVELS = ("hidden", "read", "edit")
COLUMNS = {"create": "can_create", "read": "can_read", "edit": "can_edit", "delete": "can_delete",
           "view_all": "view_all", "modify_all": "modify_all"}  # fmt: skip


def _read_objects(schema: Schema, raw: Any) -> dict[str, dict[str, bool]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise validation_failed([FieldError("objects", "invalid", _("objects maps object names to permissions."))])
    found: dict[str, dict[str, bool]] = {}
    for name, grant in raw.items():
        if name not in schema.objects:
            raise validation_failed([FieldError(f"objects.{name}", "unknown_object", _("There is no such object."))])
        if (
            not isinstance(grant, dict)
            or set(grant) - set(ACTIONS)
            or not all(isinstance(v, bool) for v in grant.values())
        ):
            message = _("Each object takes create, read, edit, delete, view_all and modify_all as true or false.")
            raise validation_failed([FieldError(f"objects.{name}", "invalid", message)])
        found[name] = {action: bool(grant.get(action, False)) for action in ACTIONS}
    return found


def _read_fields(schema: Schema, raw: Any) -> dict[tuple[str, str], str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise validation_failed(
            [FieldError("fields", "invalid", _("fields maps object.field to hidden, read or edit."))]
        )
    found: dict[tuple[str, str], str] = {}
    for key, level in raw.items():
        object_name, _dot, field_name = str(key).partition(".")
        definition = schema.objects.get(object_name)
        field = definition.fields.get(field_name) if definition else None
        if field is None or field.is_system:
            message = _("There is no such field, or it is a system field.")
            raise validation_failed([FieldError(f"fields.{key}", "unknown_field", message)])
        if level not in LEVELS:
            raise validation_failed([FieldError(f"fields.{key}", "invalid", _("Use hidden, read or edit."))])
        found[(object_name, field_name)] = level
    return found


def _write(connection: Connection, kind: str, holder_id: int, objects: dict[str, dict[str, bool]],
           fields: dict[tuple[str, str], str]) -> None:  # fmt: skip
    for name, grant in objects.items():
        connection.execute(
            delete(object_permissions).where(
                object_permissions.c.holder_kind == kind,
                object_permissions.c.holder_id == holder_id,
                object_permissions.c.object_name == name,
            )
        )
        connection.execute(
            insert(object_permissions).values(
                holder_kind=kind, holder_id=holder_id, object_name=name,
                **{COLUMNS[action]: allowed for action, allowed in grant.items()},
            )
        )  # fmt: skip
    for (object_name, field_name), level in fields.items():
        connection.execute(
            delete(field_permissions).where(
                field_permissions.c.holder_kind == kind,
                field_permissions.c.holder_id == holder_id,
                field_permissions.c.object_name == object_name,
                field_permissions.c.field_name == field_name,
            )
        )
        connection.execute(
            insert(field_permissions).values(
                holder_kind=kind, holder_id=holder_id, object_name=object_name, field_name=field_name, access=level
            )
        )


def create_holder(
    connection: Connection, schema: Schema, kind: str, body: Any, actor_id: int, now: datetime
) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    unknown = set(body) - {"name", "objects", "fields"}
    if unknown:
        raise validation_failed([FieldError(sorted(unknown)[0], "unknown_key", _("Unknown property."))])
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise validation_failed([FieldError("name", "invalid_name", _("A name has 1 to 150 characters."))])
    table = HOLDERS[kind]
    if connection.execute(select(table.c.id).where(table.c.name == name.strip())).first():
        raise conflict(_("This name is taken."), [FieldError("name", "taken", _("This name is taken."))])
    objects, fields = _read_objects(schema, body.get("objects")), _read_fields(schema, body.get("fields"))
    extra = {"is_admin": False, "is_system": False, "default_crud": False} if kind == "profile" else {}
    inserted = connection.execute(insert(table).values(name=name.strip(), created_at=now, **extra)).inserted_primary_key
    assert inserted is not None
    holder_id = int(inserted[0])
    _write(connection, kind, holder_id, objects, fields)
    audit.record(connection, actor_id, f"{kind}.create", name, body, now=now)
    audit.security_changed(connection)
    return holder_json(connection, kind, holder_id)


def update_holder(connection: Connection, schema: Schema, kind: str, holder_id: int, body: Any, actor_id: int,
                  now: datetime) -> dict[str, Any]:  # fmt: skip
    row = _holder(connection, kind, holder_id)
    if kind == "profile" and row.is_admin:
        raise forbidden(_("The System administrator profile always has every permission."))
    body = body if isinstance(body, dict) else {}
    unknown = set(body) - {"name", "objects", "fields"}
    if unknown:
        raise validation_failed([FieldError(sorted(unknown)[0], "unknown_key", _("Unknown property."))])
    _write(
        connection,
        kind,
        holder_id,
        _read_objects(schema, body.get("objects")),
        _read_fields(schema, body.get("fields")),
    )
    audit.record(connection, actor_id, f"{kind}.update", row.name, body, now=now)
    audit.security_changed(connection)
    return holder_json(connection, kind, holder_id)


def delete_holder(connection: Connection, kind: str, holder_id: int, actor_id: int, now: datetime) -> None:
    row = _holder(connection, kind, holder_id)
    if kind == "profile":
        in_use = (
            row.is_system
            or connection.execute(select(func.count()).where(users.c.profile_id == holder_id)).scalar_one()
        )
    else:
        in_use = connection.execute(
            select(func.count()).where(user_permission_sets.c.permission_set_id == holder_id)
        ).scalar_one()
    if in_use:
        raise conflict(_("It is shipped with the product or assigned to users."), code="in_use")
    for table in (object_permissions, field_permissions):
        connection.execute(delete(table).where(table.c.holder_kind == kind, table.c.holder_id == holder_id))
    connection.execute(delete(HOLDERS[kind]).where(HOLDERS[kind].c.id == holder_id))
    audit.record(connection, actor_id, f"{kind}.delete", row.name, None, now=now)
    audit.security_changed(connection)


def _holder(connection: Connection, kind: str, holder_id: int) -> Any:
    table = HOLDERS[kind]
    row = connection.execute(select(table).where(table.c.id == holder_id)).first()
    if row is None:
        raise not_found()
    return row


def holder_json(connection: Connection, kind: str, holder_id: int) -> dict[str, Any]:
    row = _holder(connection, kind, holder_id)
    objects = {
        grant.object_name: {action: bool(getattr(grant, COLUMNS[action])) for action in ACTIONS}
        for grant in connection.execute(
            select(object_permissions).where(
                object_permissions.c.holder_kind == kind, object_permissions.c.holder_id == holder_id
            )
        )
    }
    fields = {
        f"{access.object_name}.{access.field_name}": access.access
        for access in connection.execute(
            select(field_permissions).where(
                field_permissions.c.holder_kind == kind, field_permissions.c.holder_id == holder_id
            )
        )
    }
    body = {"id": row.id, "name": row.name, "objects": objects, "fields": fields}
    if kind == "profile":
        body.update(admin=row.is_admin, system=row.is_system, default_crud=row.default_crud)
    return body


def list_holders(connection: Connection, kind: str) -> list[dict[str, Any]]:
    table = HOLDERS[kind]
    return [
        holder_json(connection, kind, holder_id)
        for holder_id in connection.execute(select(table.c.id).order_by(table.c.id)).scalars()
    ]
