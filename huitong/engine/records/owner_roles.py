"""Each record carries its owner's role in ``owner_role`` (decisions/0017), written here and nowhere else.

A manager's list is read per role below theirs through ``(owner_role, field, id)`` indexes, so the column must
equal the owner's current role at every commit: the record service stamps it whenever it writes an owner, and
changing a user's role rewrites it on every record they own in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, column, select, table, update

from huitong.engine.meta.model import TABLE_PREFIX
from huitong.engine.meta.schema import OWNER_ROLE
from huitong.engine.system_tables import meta_objects, users


def roles_of(connection: Connection, owners: Iterable[int | None]) -> dict[int, int | None]:
    wanted = sorted({owner for owner in owners if owner is not None})
    if not wanted:
        return {}
    query = select(users.c.id, users.c.role_id).where(users.c.id.in_(wanted))
    return {row.id: row.role_id for row in connection.execute(query)}


def stamp(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Give each new row its owner's role."""
    roles = roles_of(connection, (row.get("owner") for row in rows))
    for row in rows:
        row[OWNER_ROLE] = roles.get(row.get("owner"))  # type: ignore[arg-type]


def owner_changes(connection: Connection, changes: dict[str, Any]) -> dict[str, Any]:
    """What an update writes beside ``changes``: the new owner's role when the owner changes."""
    if "owner" not in changes:
        return {}
    return {OWNER_ROLE: roles_of(connection, [changes["owner"]]).get(changes["owner"])}


def follow_user(connection: Connection, user_id: int, role_id: int | None) -> None:
    """A user's role changed: so does the role on every record they own, of every object, deleted ones too."""
    names = connection.execute(select(meta_objects.c.name)).scalars()
    for name in names:
        records = table(TABLE_PREFIX + name, column("owner"), column(OWNER_ROLE))
        connection.execute(update(records).where(records.c.owner == user_id).values({OWNER_ROLE: role_id}))
