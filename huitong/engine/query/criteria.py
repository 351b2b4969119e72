"""Stored criteria (sharing rules, later assignment and automation rules): a filter on an object's own fields,
checked when saved and compiled onto any alias of the object's table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.query.filters import Node, paths_in, read_filter
from huitong.engine.records.context import Actor
from huitong.engine.security.access import AccessPolicy


def read_criteria(schema: Schema, definition: ObjectDef, raw: Any, env: FilterEnv, where: str = "criteria") -> Node:
    """Check criteria as they are saved: a valid filter that uses only the object's own fields."""
    node = read_filter(schema, definition, raw, env, where)
    if node is None:
        raise bad_request(_("Give criteria."), [FieldError(where, "required", _("Give criteria."))])
    if any(path.via is not None for path in paths_in(node)):
        message = _("Criteria may use only the object's own fields.")
        raise bad_request(message, [FieldError(where, "invalid_path", message)])
    return node


def compile_criteria(
    schema: Schema, definition: ObjectDef, table: Table, raw: Any, env: FilterEnv
) -> ColumnElement[bool]:
    node = read_criteria(schema, definition, raw, env)
    # Criteria touch no lookups, so no actor or access predicate of another object is involved.
    builder = QueryBuilder(schema, definition, Actor(0), AccessPolicy(), table=table)
    return builder.where(node)
