"""Compile checked filters, sorts and field selections into SQLAlchemy for one object.

The access predicate of the queried object, and of every object reached through a lookup, is part of what this
builds: a row the actor may not read is never returned, counted or used as a lookup label.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Table, and_, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import KeyedColumnElement

from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.query.filters import AllOf, AnyOf, Condition, FieldPath, Node, NotNode
from huitong.engine.records.context import Actor
from huitong.engine.security.access import AccessPolicy


class QueryBuilder:
    def __init__(
        self, schema: Schema, definition: ObjectDef, actor: Actor, access: AccessPolicy, table: Any = None
    ) -> None:
        """``table`` compiles onto an alias of the object's table instead of the table itself."""
        self.schema = schema
        self.definition = definition
        self.actor = actor
        self.access = access
        self.table: Table = schema.table(definition.name) if table is None else table
        self._joins: dict[str, Any] = {}
        self.dialect = ""

    def column(self, path: FieldPath) -> KeyedColumnElement[Any]:
        if path.via is None:
            return self.table.c[path.field.name]
        return self._joined(path).c[path.field.name]

    def _joined(self, path: FieldPath) -> Any:
        assert path.via is not None and path.target is not None
        joined = self._joins.get(path.via.name)
        if joined is None:
            joined = self.schema.table(path.target.name).alias(f"via_{path.via.name}")
            self._joins[path.via.name] = joined
        return joined

    def source(self) -> FromClause:
        """The base table left-joined to every lookup target used, each limited to rows the actor may read."""
        source: FromClause = self.table
        for via_name, joined in self._joins.items():
            target = self.schema.object(str(self.definition.fields[via_name].options["target"]))
            condition = and_(joined.c.id == self.table.c[via_name], joined.c.deleted_at.is_(None))
            visible = self.access.read_filter(self.actor, target, joined)
            source = source.outerjoin(joined, condition if visible is None else and_(condition, visible))
        return source

    def base_conditions(self, part: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
        """Not deleted, and readable: by the policy's read predicate, or by ``part``, one of its read branches."""
        conditions: list[ColumnElement[bool]] = [self.table.c.deleted_at.is_(None)]
        visible = self.access.read_filter(self.actor, self.definition, self.table) if part is None else part
        if visible is not None:
            conditions.append(visible)
        return and_(*conditions)

    def where(self, node: Node | None) -> ColumnElement[bool]:
        if node is None:
            return true()
        if isinstance(node, Condition):
            return node.path.field.field_type.condition(self.column(node.path), node.operator, node.value)
        if isinstance(node, NotNode):
            # A condition on an empty value is unknown (NULL) in SQL; count it as false, so that "not" keeps the
            # records "ne" and "not_in" keep: the exact complement of what the inner filter finds.
            return not_(func.coalesce(self.where(node.item), false()))
        parts = [self.where(item) for item in node.items]
        return and_(*parts) if isinstance(node, AllOf) else or_(*parts)

    def select(self, *columns: Any, node: Node | None = None, part: ColumnElement[bool] | None = None) -> Select[Any]:
        """SELECT columns with the access predicate (or ``part``, one of its read branches), the soft-delete filter
        and ``node`` applied.

        Compile ``node`` and every column before calling, so that their lookups are joined.
        """
        condition = self.where(node)
        return select(*columns).select_from(self.source()).where(self.base_conditions(part), condition)

    def select_parts(
        self, columns: list[Any], node: Node | None, parts: list[ColumnElement[bool]]
    ) -> list[Select[Any]]:
        """``select`` once per read branch of the access policy, ``node`` compiled once."""
        condition = self.where(node)  # first: it may join lookups that the source must include
        base = select(*columns).select_from(self.source()).where(self.table.c.deleted_at.is_(None), condition)
        return [base.where(part) for part in parts]


__all__ = ["AnyOf", "QueryBuilder"]
