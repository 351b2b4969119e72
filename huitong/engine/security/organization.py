"""Departments and roles (trees of any depth) and public groups.

Each tree node keeps its path of ids from the root ("/1/4/9/"), so a subtree is one prefix match; moving a node
rewrites the paths of its subtree, and the people in it move with it (their visibility follows on the next
request, as every change bumps the security version).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from huitong.engine.errors import FieldError, conflict, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.security import audit
from huitong.engine.security.tables import departments, group_members, groups, roles
from huitong.engine.system_tables import users

TREES = {"department": departments, "role": roles}
MEMBER_KINDS = ("user", "role", "role_and_subordinates", "department")


def _name(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > 150:
        raise validation_failed([FieldError("name", "invalid_name", _("A name has 1 to 150 characters."))])
    return raw.strip()


def _node(connection: Connection, table: Table, node_id: Any, field: str = "parent") -> Any:
    row = None
    if isinstance(node_id, int) and not isinstance(node_id, bool):
        row = connection.execute(select(table).where(table.c.id == node_id)).first()
    if row is None:
        raise validation_failed([FieldError(field, "not_found", _("There is no such item."))])
    return row


def node_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "parent": row.parent_id, "path": row.path}


def create_node(connection: Connection, kind: str, body: Any, actor_id: int, now: datetime) -> dict[str, Any]:
    table = TREES[kind]
    body = body if isinstance(body, dict) else {}
    name = _name(body.get("name"))
    parent = _node(connection, table, body["parent"]) if body.get("parent") is not None else None
    inserted = connection.execute(
        insert(table).values(name=name, parent_id=parent.id if parent else None, path="/", created_at=now)
    )
    assert inserted.inserted_primary_key is not None
    node_id = int(inserted.inserted_primary_key[0])
    path = f"{parent.path if parent else '/'}{node_id}/"
    connection.execute(update(table).where(table.c.id == node_id).values(path=path))
    audit.record(connection, actor_id, f"{kind}.create", name, {"id": node_id, "parent": body.get("parent")}, now=now)
    audit.security_changed(connection)
    return {"id": node_id, "name": name, "parent": parent.id if parent else None, "path": path}


def update_node(
    connection: Connection, kind: str, node_id: int, body: Any, actor_id: int, now: datetime
) -> dict[str, Any]:
    table = TREES[kind]
    row = _node(connection, table, node_id, "id")
    body = body if isinstance(body, dict) else {}
    name = _name(body["name"]) if "name" in body else row.name
    if "parent" in body and body["parent"] != row.parent_id:
        _move(connection, table, row, body["parent"])
    connection.execute(update(table).where(table.c.id == node_id).values(name=name))
    audit.record(connection, actor_id, f"{kind}.update", name, {"id": node_id, **body}, now=now)
    audit.security_changed(connection)
    return node_json(connection.execute(select(table).where(table.c.id == node_id)).one())


def _move(connection: Connection, table: Table, row: Any, parent_id: Any) -> None:
    parent = _node(connection, table, parent_id) if parent_id is not None else None
    if parent is not None and parent.path.startswith(row.path):
        raise validation_failed([FieldError("parent", "cycle", _("An item cannot move under itself or below it."))])
    new_path = f"{parent.path if parent else '/'}{row.id}/"
    for node in connection.execute(select(table.c.id, table.c.path).where(table.c.path.startswith(row.path))).all():
        connection.execute(
            update(table).where(table.c.id == node.id).values(path=new_path + node.path[len(row.path) :])
        )
    connection.execute(update(table).where(table.c.id == row.id).values(parent_id=parent.id if parent else None))


def delete_node(connection: Connection, kind: str, node_id: int, actor_id: int, now: datetime) -> None:
    table = TREES[kind]
    row = _node(connection, table, node_id, "id")
    children = connection.execute(select(func.count()).where(table.c.parent_id == node_id)).scalar_one()
    column = users.c.department_id if kind == "department" else users.c.role_id
    people = connection.execute(select(func.count()).where(column == node_id)).scalar_one()
    if children or people:
        raise conflict(_("Move its sub-items and people elsewhere first."), code="in_use")
    connection.execute(delete(table).where(table.c.id == node_id))
    audit.record(connection, actor_id, f"{kind}.delete", row.name, {"id": node_id}, now=now)
    audit.security_changed(connection)


def list_nodes(connection: Connection, kind: str) -> list[dict[str, Any]]:
    table = TREES[kind]
    return [node_json(row) for row in connection.execute(select(table).order_by(table.c.path))]


def create_group(connection: Connection, body: Any, actor_id: int, now: datetime) -> dict[str, Any]:
    body = body if isinstance(body, dict) else {}
    name = _name(body.get("name"))
    if connection.execute(select(groups.c.id).where(groups.c.name == name)).first():
        raise conflict(_("This name is taken."), [FieldError("name", "taken", _("This name is taken."))])
    inserted = connection.execute(insert(groups).values(name=name, created_at=now)).inserted_primary_key
    assert inserted is not None
    group_id = int(inserted[0])
    set_members(connection, group_id, body.get("members", []), actor_id, now)
    return group_json(connection, group_id)


def set_members(connection: Connection, group_id: int, members: Any, actor_id: int, now: datetime) -> dict[str, Any]:
    row = _node(connection, groups, group_id, "id")
    if not isinstance(members, list) or not all(
        isinstance(m, dict) and m.get("kind") in MEMBER_KINDS and isinstance(m.get("id"), int) for m in members
    ):
        message = _('members is a list of {"kind": user | role | role_and_subordinates | department, "id": …}.')
        raise validation_failed([FieldError("members", "invalid", message)])
    connection.execute(delete(group_members).where(group_members.c.group_id == group_id))
    unique = {(m["kind"], m["id"]) for m in members}
    if unique:
        connection.execute(
            insert(group_members), [{"group_id": group_id, "member_kind": k, "member_id": i} for k, i in sorted(unique)]
        )
    audit.record(connection, actor_id, "group.members", row.name, {"id": group_id, "members": sorted(unique)}, now=now)
    audit.security_changed(connection)
    return group_json(connection, group_id)


def group_json(connection: Connection, group_id: int) -> dict[str, Any]:
    row = connection.execute(select(groups).where(groups.c.id == group_id)).first()
    if row is None:
        raise not_found()
    members = connection.execute(
        select(group_members.c.member_kind, group_members.c.member_id).where(group_members.c.group_id == group_id)
    )
    return {"id": row.id, "name": row.name, "members": [{"kind": k, "id": i} for k, i in members]}


def list_groups(connection: Connection) -> list[dict[str, Any]]:
    return [
        group_json(connection, group_id)
        for group_id in connection.execute(select(groups.c.id).order_by(groups.c.id)).scalars()
    ]
