"""The access policy: the questions the engine asks before every read and write.

The query compiler adds ``read_filter`` to every read (list, get, aggregate, bulk, export) and the record service
adds ``write_filter`` to every change, so no screen can forget them. This base policy allows everything to
everyone signed in; ``SecurityPolicy`` (profiles, roles, sharing) answers the same questions for the product.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table

from huitong.engine.errors import HuitongError
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.records.context import Actor


class AccessPolicy:
    def bind(self, connection: Connection, actor: Actor, version: int | None = None) -> Actor:
        """The actor with what they may do loaded, once per request (``version``: the security version, if read)."""
        return actor

    def restrict(self, schema: Schema, actor: Actor) -> Schema:
        """The schema as ``actor`` sees it: fields they may not read removed, fields they may not edit read-only."""
        return schema

    def check_object(self, actor: Actor, definition: ObjectDef, action: str) -> None:
        """Raise ``forbidden`` unless ``actor`` may ``action`` (create, read, edit, delete) records of the object."""

    def may(self, actor: Actor, definition: ObjectDef, action: str) -> bool:
        try:
            self.check_object(actor, definition, action)
        except HuitongError:
            return False
        return True

    def read_filter(self, actor: Actor, definition: ObjectDef, table: Table) -> ColumnElement[bool] | None:
        """A predicate limiting rows to those ``actor`` may read, or None for all rows."""
        return None

    def read_branches(
        self, actor: Actor, definition: ObjectDef, table: Table, within: Any = None, *, ordered: bool = True,
        by_role: bool = True,
    ) -> list[ColumnElement[bool]] | None:  # fmt: skip
        """The read predicate as disjoint parts, one per index the database can read in order, or None.

        Every part is a predicate the caller puts in place of ``read_filter``; their union, within the rows meeting
        the filter ``within`` (a checked filter tree, or None), is exactly what ``read_filter`` lets through. The
        list query reads each part in the page's order and merges them, instead of reading the whole object in
        that order and testing every row; an aggregate (``ordered=False``) reads every row of each part. None: one
        predicate is cheaper (or the policy has no parts to give).
        """
        return None

    def owner_scope(
        self, actor: Actor, definition: ObjectDef, table: Table, within: Any = None
    ) -> tuple[frozenset[int] | None, list[ColumnElement[bool]]] | None:
        """The read predicate split by owner, for summaries kept per owner (engine/summaries): ``(owners, rest)``
        where the user reads every record owned by one of ``owners`` (None: every record) and, of the others,
        those one of the disjoint predicates ``rest`` lets through; None when access is not a matter of owners
        (master-detail). ``rest`` may leave out what the filter ``within`` (a checked filter tree) rules out anyway.
        """
        return None, []

    def write_filter(
        self, actor: Actor, definition: ObjectDef, table: Table, action: str
    ) -> ColumnElement[bool] | None:
        """A predicate limiting rows to those ``actor`` may ``action`` (edit or delete), or None for all rows."""
        return None

    def may_manage(self, actor: Actor, definition: ObjectDef, owner: int) -> bool:
        """Whether ``actor`` may transfer and share the records ``owner`` owns."""
        return True

    def managers_of(self, actor: Actor, user_id: int) -> list[int]:
        """The manager chain of ``user_id`` (nearest first), for telling managers about their team's work."""
        return []

    def check_owner(self, actor: Actor, definition: ObjectDef, current: int | None, new: int) -> None:
        """Raise unless ``actor`` may make ``new`` the owner of a record owned by ``current`` (None: a new record)."""

    def explain(
        self, connection: Connection, actor: Actor, definition: ObjectDef, table: Table, record_id: int
    ) -> dict[str, Any]:
        """What ``actor`` may do with one record and why."""
        return {"read": True, "edit": True, "delete": True, "why": ["no_policy"]}
