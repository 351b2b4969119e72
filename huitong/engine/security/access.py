"""The access policy: what an actor may do on an object and which rows they may see.

The query compiler adds ``read_filter`` to every read (list, get, aggregate, bulk, export), so no screen can
forget it. This base policy lets every signed-in user read and write everything; the security issue replaces it
with profiles, roles and sharing, behind the same two methods.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table

from huitong.engine.errors import HuitongError
from huitong.engine.meta.model import ObjectDef
from huitong.engine.records.context import Actor


class AccessPolicy:
    def read_filter(self, actor: Actor, definition: ObjectDef, table: Table) -> ColumnElement[bool] | None:
        """A predicate limiting rows to those ``actor`` may read, or None for all rows."""
        return None

    def check_object(self, actor: Actor, definition: ObjectDef, action: str) -> None:
        """Raise ``forbidden`` unless ``actor`` may ``action`` (create, read, edit, delete) records of the object."""

    def may(self, actor: Actor, definition: ObjectDef, action: str) -> bool:
        try:
            self.check_object(actor, definition, action)
        except HuitongError:
            return False
        return True

    def may_set_owner(self, actor: Actor, definition: ObjectDef, values: dict[str, Any] | None = None) -> bool:
        return actor.is_admin
