"""Organization-wide defaults, sharing rules and manual shares of single records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from huitong.engine.errors import FieldError, forbidden, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta import service as meta_service
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.criteria import read_criteria
from huitong.engine.security import audit, rule_indexes
from huitong.engine.security.tables import departments, groups, record_shares, roles, sharing_defaults, sharing_rules
from huitong.engine.system_tables import users

ACCESS_LEVELS = ("read", "read_write")
DEFAULT_LEVELS = ("private", "read", "read_write")
PRINCIPALS = {"role": roles, "department": departments, "group": groups, "user": users}


def set_default(connection: Connection, schema: Schema, object_name: str, body: Any, actor_id: int,
                now: datetime) -> dict[str, Any]:  # fmt: skip
    schema.object(object_name)
    body = body if isinstance(body, dict) else {}
    access, hierarchy = body.get("access"), body.get("grant_via_hierarchy", True)
    if access not in DEFAULT_LEVELS:
        raise validation_failed([FieldError("access", "invalid", _("Use private, read or read_write."))])
    if not isinstance(hierarchy, bool):
        raise validation_failed([FieldError("grant_via_hierarchy", "invalid_type", _("Enter true or false."))])
    connection.execute(delete(sharing_defaults).where(sharing_defaults.c.object_name == object_name))
    connection.execute(
        insert(sharing_defaults).values(object_name=object_name, access=access, grant_via_hierarchy=hierarchy)
    )
    audit.record(connection, actor_id, "sharing_default.set", object_name, body, now=now)
    audit.security_changed(connection)
    return {"object": object_name, "access": access, "grant_via_hierarchy": hierarchy}


def _principal(connection: Connection, raw: Any, where: str, kinds: tuple[str, ...]) -> tuple[str, int, bool]:
    if not isinstance(raw, dict):
        raise validation_failed([FieldError(where, "invalid", _("Name a role, department or group."))])
    found = [kind for kind in kinds if kind in raw]
    if len(found) != 1 or not isinstance(raw[found[0]], int) or isinstance(raw[found[0]], bool):
        raise validation_failed([FieldError(where, "invalid", _("Name a role, department or group."))])
    kind = found[0]
    table = PRINCIPALS[kind]
    if connection.execute(select(table.c.id).where(table.c.id == raw[kind])).first() is None:
        raise validation_failed([FieldError(f"{where}.{kind}", "not_found", _("There is no such item."))])
    subordinates = raw.get("include_subordinates", False)
    if not isinstance(subordinates, bool):
        raise validation_failed(
            [FieldError(f"{where}.include_subordinates", "invalid_type", _("Enter true or false."))]
        )
    return kind, int(raw[kind]), subordinates


def create_rule(connection: Connection, schema: Schema, body: Any, actor_id: int, env: FilterEnv,
                now: datetime) -> dict[str, Any]:  # fmt: skip
    body = body if isinstance(body, dict) else {}
    unknown = set(body) - {"object", "name", "criteria", "owned_by", "share_with", "access"}
    if unknown:
        raise validation_failed([FieldError(sorted(unknown)[0], "unknown_key", _("Unknown property."))])
    definition = schema.object(str(body.get("object", "")))
    criteria, owned_by = body.get("criteria"), body.get("owned_by")
    if criteria is not None:
        read_criteria(schema, definition, criteria, env)
    owner_group = _principal(connection, owned_by, "owned_by", ("role", "department", "group")) if owned_by else None
    if criteria is None and owner_group is None:
        message = _("A rule shares records matching criteria or owned by a role, department or group.")
        raise validation_failed([FieldError("criteria", "required", message)])
    share_with = _principal(connection, body.get("share_with"), "share_with", ("role", "department", "group"))
    if body.get("access") not in ACCESS_LEVELS:
        raise validation_failed([FieldError("access", "invalid", _("Use read or read_write."))])
    inserted = connection.execute(
        insert(sharing_rules).values(
            object_name=definition.name, name=str(body.get("name") or "")[:150] or None, criteria=criteria,
            owned_by_kind=owner_group[0] if owner_group else None, owned_by_id=owner_group[1] if owner_group else None,
            owned_by_subordinates=owner_group[2] if owner_group else False,
            share_with_kind=share_with[0], share_with_id=share_with[1], share_with_subordinates=share_with[2],
            access=body["access"], created_at=now,
        )
    ).inserted_primary_key  # fmt: skip
    assert inserted is not None
    rule_indexes.sync(connection, schema, env, definition.name)
    audit.record(connection, actor_id, "sharing_rule.create", definition.name, body, now=now)
    audit.security_changed(connection)
    return {"id": int(inserted[0]), **body}


def delete_rule(connection: Connection, schema: Schema, rule_id: int, actor_id: int, env: FilterEnv,
                now: datetime) -> None:  # fmt: skip
    row = connection.execute(select(sharing_rules).where(sharing_rules.c.id == rule_id)).first()
    if row is None:
        raise not_found()
    connection.execute(delete(sharing_rules).where(sharing_rules.c.id == rule_id))
    if row.object_name in schema.objects:  # a deleted object's table took its indexes along
        rule_indexes.sync(connection, schema, env, row.object_name)
    audit.record(connection, actor_id, "sharing_rule.delete", row.object_name, {"id": rule_id}, now=now)
    audit.security_changed(connection)


def list_rules(connection: Connection, object_name: str | None = None) -> list[dict[str, Any]]:
    query = select(sharing_rules).order_by(sharing_rules.c.id)
    if object_name:
        query = query.where(sharing_rules.c.object_name == object_name)
    rules = []
    for row in connection.execute(query):
        owned = (
            {row.owned_by_kind: row.owned_by_id, "include_subordinates": row.owned_by_subordinates}
            if row.owned_by_kind
            else None
        )
        rules.append({
            "id": row.id, "object": row.object_name, "name": row.name, "criteria": row.criteria, "owned_by": owned,
            "share_with": {row.share_with_kind: row.share_with_id, "include_subordinates": row.share_with_subordinates},
            "access": row.access,
        })  # fmt: skip
    return rules


def add_share(connection: Connection, object_name: str, record_id: int, body: Any, actor_id: int, *,
              may_share: bool, reason: str, now: datetime) -> dict[str, Any]:  # fmt: skip
    """Share one record with a user, group, role or department (manual sharing; teams use reason "team")."""
    if not may_share:
        raise forbidden(_("Only the owner, their managers and administrators may share this record."))
    body = body if isinstance(body, dict) else {}
    kind, principal, _subordinates = _principal(connection, body, "share", ("user", "group", "role", "department"))
    if body.get("access") not in ACCESS_LEVELS:
        raise validation_failed([FieldError("access", "invalid", _("Use read or read_write."))])
    connection.execute(
        delete(record_shares).where(
            record_shares.c.object_name == object_name, record_shares.c.record_id == record_id,
            record_shares.c.principal_kind == kind, record_shares.c.principal_id == principal,
            record_shares.c.reason == reason,
        )
    )  # fmt: skip
    inserted = connection.execute(
        insert(record_shares).values(
            object_name=object_name, record_id=record_id, principal_kind=kind, principal_id=principal,
            access=body["access"], reason=reason, created_by=actor_id, created_at=now,
        )
    ).inserted_primary_key  # fmt: skip
    assert inserted is not None
    return {"id": int(inserted[0]), kind: principal, "access": body["access"], "reason": reason}


def list_shares(connection: Connection, object_name: str, record_id: int) -> list[dict[str, Any]]:
    query = select(record_shares).where(
        record_shares.c.object_name == object_name, record_shares.c.record_id == record_id
    )
    return [
        {"id": row.id, row.principal_kind: row.principal_id, "access": row.access, "reason": row.reason}
        for row in connection.execute(query.order_by(record_shares.c.id))
    ]


def remove_share(connection: Connection, object_name: str, record_id: int, share_id: int, *, may_share: bool) -> None:
    if not may_share:
        raise forbidden(_("Only the owner, their managers and administrators may share this record."))
    result = connection.execute(
        delete(record_shares).where(
            record_shares.c.id == share_id,
            record_shares.c.object_name == object_name,
            record_shares.c.record_id == record_id,
        )
    )
    if result.rowcount != 1:
        raise not_found()


def purge_shares(connection: Connection, object_name: str, record_ids: list[int]) -> None:
    connection.execute(
        delete(record_shares).where(
            record_shares.c.object_name == object_name, record_shares.c.record_id.in_(record_ids)
        )
    )


def _fields_in(criteria: Any) -> set[str]:
    if isinstance(criteria, dict):
        found = {criteria["field"]} if isinstance(criteria.get("field"), str) else set()
        return found.union(*(_fields_in(value) for value in criteria.values()))
    if isinstance(criteria, list):
        return set().union(*(_fields_in(item) for item in criteria))
    return set()


def rules_using(connection: Connection, schema: Schema, object_name: str, field_name: str) -> list[str]:
    """Sharing rules whose criteria use a field: deleting the field would change who sees what."""
    rows = connection.execute(
        select(sharing_rules.c.id, sharing_rules.c.name, sharing_rules.c.criteria).where(
            sharing_rules.c.object_name == object_name
        )
    )
    return [
        _("The sharing rule %(rule)s uses this field; change or delete the rule first.") % {"rule": row.name or row.id}
        for row in rows
        if field_name in _fields_in(row.criteria)
    ]


meta_service.dependency_checks.append(rules_using)
