"""Administering users: create, change (department, role, profile, manager, permission sets), deactivate.

Deactivating keeps every record the user owns and blocks their sign-in, tokens and sessions at once (every
request checks that its user is active).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from huitong.engine.errors import FieldError, not_found, validation_failed
from huitong.engine.i18n import LOCALES, _
from huitong.engine.records import owner_roles
from huitong.engine.security import audit
from huitong.engine.security.tables import departments, permission_sets, profiles, roles, user_permission_sets
from huitong.engine.security.users import create_user, hash_password, password_errors
from huitong.engine.system_tables import users

REFERENCES: dict[str, tuple[Table, str]] = {
    "department": (departments, "department_id"),
    "role": (roles, "role_id"),
    "profile": (profiles, "profile_id"),
    "manager": (users, "manager_id"),
}
TEXTS = {"display_name": 150, "email": 254, "mobile": 40, "time_zone": 64}
KEYS = {"username", "password", "active", "locale", "permission_sets", *REFERENCES, *TEXTS}


def user_json(connection: Connection, user_id: int) -> dict[str, Any]:
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise not_found()
    sets = connection.execute(
        select(user_permission_sets.c.permission_set_id).where(user_permission_sets.c.user_id == user_id)
    ).scalars()
    return {
        "id": row.id, "username": row.username, "display_name": row.display_name, "email": row.email,
        "mobile": row.mobile, "department": row.department_id, "role": row.role_id, "profile": row.profile_id,
        "manager": row.manager_id, "active": row.active, "locale": row.locale, "time_zone": row.time_zone,
        "permission_sets": sorted(sets),
    }  # fmt: skip


def list_users(connection: Connection) -> list[dict[str, Any]]:
    return [
        user_json(connection, user_id)
        for user_id in connection.execute(select(users.c.id).order_by(users.c.id)).scalars()
    ]


def _values(connection: Connection, body: dict[str, Any], user_id: int | None) -> dict[str, Any]:
    errors = [FieldError(key, "unknown_key", _("Unknown property.")) for key in body if key not in KEYS]
    values: dict[str, Any] = {}
    for key, limit in TEXTS.items():
        if key in body:
            value = body[key]
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                errors.append(
                    FieldError(key, "invalid", _("At most %(limit)s characters are allowed.") % {"limit": limit})
                )
            values[key] = value
    for key, (table, column) in REFERENCES.items():
        if key in body:
            value = body[key]
            if value is None and key != "profile":
                values[column] = None
            elif (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not connection.execute(select(table.c.id).where(table.c.id == value)).first()
            ):
                errors.append(FieldError(key, "not_found", _("There is no such item.")))
            elif key == "manager" and value == user_id:
                errors.append(FieldError(key, "invalid", _("A user cannot be their own manager.")))
            else:
                values[column] = value
    if "active" in body:
        if not isinstance(body["active"], bool):
            errors.append(FieldError("active", "invalid_type", _("Enter true or false.")))
        values["active"] = body["active"]
    if "locale" in body:
        if body["locale"] not in LOCALES:
            errors.append(FieldError("locale", "invalid", _("Use zh_CN or en.")))
        values["locale"] = body["locale"]
    if errors:
        raise validation_failed(errors)
    return values


def create(connection: Connection, body: Any, actor_id: int, now: datetime) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str):
        raise validation_failed([FieldError("username", "required", _("A user needs a username."))])
    values = _values(
        connection, {k: v for k, v in body.items() if k not in ("username", "password", "permission_sets")}, None
    )
    user_id = create_user(
        connection, username, password if isinstance(password, str) else "", display_name=body.get("display_name")
    )
    if values:
        connection.execute(update(users).where(users.c.id == user_id).values(**values))
    _set_permission_sets(connection, user_id, body.get("permission_sets", []))
    audit.record(
        connection, actor_id, "user.create", username, {k: v for k, v in body.items() if k != "password"}, now=now
    )
    audit.security_changed(connection)
    return user_json(connection, user_id)


def change(connection: Connection, user_id: int, body: Any, actor_id: int, now: datetime) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    row = connection.execute(select(users.c.username).where(users.c.id == user_id)).first()
    if row is None:
        raise not_found()
    if "username" in body and body["username"] != row.username:
        raise validation_failed([FieldError("username", "read_only", _("This property cannot be changed."))])
    values = _values(
        connection, {k: v for k, v in body.items() if k not in ("username", "password", "permission_sets")}, user_id
    )
    if "password" in body:
        errors = password_errors(row.username, body["password"])
        if errors:
            raise validation_failed(errors)
        values.update(password_hash=hash_password(body["password"]), failed_logins=0, locked_until=None)
    if values:
        connection.execute(update(users).where(users.c.id == user_id).values(**values))
    if "role_id" in values:
        owner_roles.follow_user(connection, user_id, values["role_id"])
    if "permission_sets" in body:
        _set_permission_sets(connection, user_id, body["permission_sets"])
    audit.record(
        connection, actor_id, "user.update", row.username, {k: v for k, v in body.items() if k != "password"}, now=now
    )
    audit.security_changed(connection)
    return user_json(connection, user_id)


def _set_permission_sets(connection: Connection, user_id: int, raw: Any) -> None:
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise validation_failed([FieldError("permission_sets", "invalid", _("Give a list of permission set ids."))])
    known = set(connection.execute(select(permission_sets.c.id).where(permission_sets.c.id.in_(raw))).scalars())
    if known != set(raw):
        raise validation_failed([FieldError("permission_sets", "not_found", _("There is no such item."))])
    connection.execute(delete(user_permission_sets).where(user_permission_sets.c.user_id == user_id))
    if raw:
        connection.execute(
            insert(user_permission_sets), [{"user_id": user_id, "permission_set_id": i} for i in sorted(known)]
        )
