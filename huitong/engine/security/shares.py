"""Records shared by hand: which of an object's records are shared with a user, as a predicate on its table.

A share names a user, a group, a role or a department (``record_shares``); the access policy adds this predicate
to what a user reaches by ownership and sharing rules.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select, union_all

from huitong.engine.security.model import UserContext
from huitong.engine.security.tables import record_shares

READ, READ_WRITE = "read", "read_write"


def shared_with(user: UserContext, object_name: str, table: Table, level: str) -> ColumnElement[bool]:
    """Shared with the user, one of their groups, their role or one of their departments: one search of the
    (object, kind, principal) index per kind, so that the database never lists the object's every share."""
    principals: list[tuple[str, list[int]]] = [("user", [user.user_id]), ("group", sorted(user.group_ids))]
    principals += [("role", [user.role_id] if user.role_id is not None else []),
                   ("department", sorted(user.department_ids))]  # fmt: skip
    searches = []
    for kind, ids in principals:
        if not ids:
            continue
        search = select(record_shares.c.record_id).where(
            record_shares.c.object_name == object_name,
            record_shares.c.principal_kind == kind,
            record_shares.c.principal_id.in_(ids) if len(ids) > 1 else record_shares.c.principal_id == ids[0],
        )
        searches.append(search if level == READ else search.where(record_shares.c.access == READ_WRITE))
    return table.c.id.in_(union_all(*searches) if len(searches) > 1 else searches[0])
