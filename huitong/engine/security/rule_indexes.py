"""Partial indexes of a sharing rule by criteria: its records in the order of each sortable indexed field.

"Won deals in the east → the east sales department" shares records of any owner, so no owner or role index gives
them in a list's order. Each such rule gets, per field that has an owner index (``has_owner_index``) and for the
default order by id, an index on ``(field, id)`` holding only the records its criteria match (``WHERE <criteria>``).
A reader's list page then reads the rule's records as one more merged part
(``SecurityPolicy.read_branches``, decisions/0018), stopping at the page's end.

The indexes only make a part fast; what a part returns never depends on them. Criteria on relative dates
("closing this month") change meaning every day and get no index: a rule with such criteria keeps the single
predicate. Made when a rule is created, dropped when it is deleted, kept in step with the object's fields when
they change (``sync``), and by ``huitong migrate`` for rules that predate them (``sync_all``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Index, MetaData, inspect, select

from huitong.engine.db import Database
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import lock_metadata
from huitong.engine.meta.schema import Schema, build_table, has_owner_index
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query import relative_dates
from huitong.engine.query.criteria import compile_criteria
from huitong.engine.security.tables import sharing_rules

PREFIX = "sx_"


def indexable(criteria: Any) -> bool:
    """Whether criteria mean the same every day: no relative date anywhere in them."""
    if isinstance(criteria, dict):
        return all(indexable(value) for value in criteria.values())
    if isinstance(criteria, list):
        return all(indexable(value) for value in criteria)
    return criteria is not None and not relative_dates.is_relative(criteria)


def index_name(rule_id: int, field_name: str) -> str:
    return f"{PREFIX}{rule_id}_{field_name}"[:63]


def specs(
    schema: Schema, definition: ObjectDef, rule_id: int, criteria: Any, env: FilterEnv, dialect: str
) -> list[Index]:
    table = build_table(definition, MetaData())  # apart: an index made on a table attaches to it
    # the criteria alone: PostgreSQL weighs every partial index for every part of a page, and gives up on one at
    # the first clause of its predicate the part does not imply (deleted records only make the index a little larger)
    where = compile_criteria(schema, definition, table, criteria, env)
    options: dict[str, Any] = {f"{dialect}_where": where}  # sqlite_where or postgresql_where
    found = [Index(index_name(rule_id, "id"), table.c.id, **options)]
    for field in definition.fields.values():
        if has_owner_index(field):
            leading = table.c[field.name].asc().nulls_first() if dialect == "postgresql" else table.c[field.name]
            found.append(Index(index_name(rule_id, field.name), leading, table.c.id, **options))
    return found


def create(connection: Connection, schema: Schema, rule_id: int, object_name: str, criteria: Any,
           env: FilterEnv) -> set[str]:  # fmt: skip
    """Make the rule's indexes it lacks; the names of all it should have (none for criteria without indexes)."""
    if criteria is None or not indexable(criteria):
        return set()
    definition = schema.object(object_name)
    present = {index["name"] for index in inspect(connection).get_indexes(definition.table_name)}
    wanted = specs(schema, definition, rule_id, criteria, env, connection.dialect.name)
    for index in wanted:
        if index.name not in present:
            index.create(connection)
    return {str(index.name) for index in wanted}


def drop(connection: Connection, table_name: str, rule_id: int | None = None, field_name: str | None = None) -> None:
    """Drop the rule indexes of one rule, or of one field (before its column goes), or both."""
    for index in inspect(connection).get_indexes(table_name):
        name = str(index["name"])
        if not name.startswith(PREFIX):
            continue
        number = name[len(PREFIX) :].partition("_")[0]
        if not number.isdigit() or (rule_id is not None and int(number) != rule_id):
            continue
        # compared as made: a long field's name is cut to 63 characters in the index's
        if field_name is None or name == index_name(int(number), field_name):
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def sync(connection: Connection, schema: Schema, env: FilterEnv, object_name: str | None = None) -> None:
    """Make the indexes rules by criteria lack and drop those no rule or sortable indexed field asks for any more:
    for one object's rules after its fields change (indexed, unique, added), or for every rule."""
    query = select(sharing_rules.c.id, sharing_rules.c.object_name, sharing_rules.c.criteria)
    if object_name is not None:
        query = query.where(sharing_rules.c.object_name == object_name)
    wanted: dict[str, set[str]] = {}
    for rule in connection.execute(query):
        definition = schema.objects.get(rule.object_name)
        if definition is not None:
            made = create(connection, schema, rule.id, rule.object_name, rule.criteria, env)
            wanted.setdefault(definition.table_name, set()).update(made)
    objects = [schema.object(object_name)] if object_name is not None else schema.objects.values()
    for definition in objects:
        for index in inspect(connection).get_indexes(definition.table_name):
            name = str(index["name"])
            if name.startswith(PREFIX) and name not in wanted.get(definition.table_name, set()):
                connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def sync_all(db: Database, env: FilterEnv) -> None:
    """``sync`` for every object (``huitong migrate``): rules, or fields they order, that came before their indexes."""
    with db.write() as connection:
        sync(connection, lock_metadata(connection), env)
