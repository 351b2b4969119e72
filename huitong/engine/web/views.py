"""Saved list views: a user's own, and those shared with everyone who may read the object.

A view keeps only a filter, a sort and columns; whoever opens it still sees only the rows and fields their
permissions allow, so sharing a view never shares data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from huitong.engine.errors import FieldError, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.web.tables import saved_views

MAX_NAME = 100


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    shared: bool
    mine: bool
    definition: dict[str, Any]


def views_for(connection: Connection, object_name: str, user_id: int) -> list[SavedView]:
    rows = connection.execute(
        select(saved_views)
        .where(saved_views.c.object_name == object_name)
        .where(or_(saved_views.c.owner_id == user_id, saved_views.c.shared.is_(True)))
        .order_by(saved_views.c.name, saved_views.c.id)
    )
    return [
        SavedView(row.id, row.name, row.shared, row.owner_id == user_id, json.loads(row.definition)) for row in rows
    ]


def find_view(connection: Connection, object_name: str, user_id: int, view_id: int) -> SavedView:
    for view in views_for(connection, object_name, user_id):
        if view.id == view_id:
            return view
    raise not_found(_("This view does not exist, or it is not shared with you."))


def save_view(
    connection: Connection, object_name: str, user_id: int, name: str, shared: bool, definition: dict[str, Any],
    now: datetime,
) -> int:  # fmt: skip
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        message = _("Give the view a name of at most 100 characters.")
        raise validation_failed([FieldError("name", "invalid_name", message)], message)
    result = connection.execute(
        insert(saved_views).values(
            object_name=object_name, owner_id=user_id, name=name, shared=shared, definition=json.dumps(definition),
            created_at=now, updated_at=now,
        )
    )  # fmt: skip
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def delete_view(connection: Connection, object_name: str, user_id: int, view_id: int) -> None:
    """Only the view's owner deletes it; for anyone else it does not exist."""
    result = connection.execute(
        delete(saved_views).where(
            saved_views.c.id == view_id, saved_views.c.object_name == object_name, saved_views.c.owner_id == user_id
        )
    )
    if result.rowcount == 0:
        raise not_found(_("This view does not exist, or it is not shared with you."))
