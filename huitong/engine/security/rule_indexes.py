"""Indexes that give the records sharing rules by criteria share in a list's order: one set per object, by tag.

"Won deals in the east → the east sales department" shares records of any owner, so no owner or role index gives
them in a list's order. So each record has a tag: the first rule by criteria, in rule order, whose criteria it
meets — ``CASE WHEN <criteria 1> THEN 1 WHEN <criteria 2> THEN 2 … END``, numbered by the rules' ids. Rules with
the same criteria (the same deals shared with two departments) share one tag. The tag is never stored: the database
works it out as it indexes a record. Per field that has an owner index (``has_owner_index``), and for the default
order by id, a partial index on ``(tag, field, id)`` holds the tagged records. A reader's list page reads each tag
that may hold records of their rules as one more merged part, stopping at the page's end
(``SecurityPolicy.read_branches``, decisions/0018).

One expression for every rule keeps the table's indexes few: PostgreSQL's planner weighs each index of the table
for each part of a page, a partial index several times as long as a plain one, and with a set of indexes per rule a
regional manager's page took longer to plan than to run. Rules change seldom; when they do, the object's tag indexes
are made anew in the same transaction (each reads the table once).

The indexes only make a part fast; what a part returns never depends on them. Criteria on relative dates
("closing this month") change meaning every day and get no tag: a rule with such criteria keeps the single
predicate. Kept in step when rules are created or deleted and when the object's fields change (``sync``), and by
``huitong migrate`` for rules that predate them (``sync_all``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, MetaData, Table, case, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement, Grouping
from sqlalchemy.sql.visitors import InternalTraversal

from huitong.engine.db import Database
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import lock_metadata
from huitong.engine.meta.schema import Schema, build_table, has_owner_index
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query import relative_dates
from huitong.engine.query.criteria import compile_criteria
from huitong.engine.query.exclusion import exclude_each_other
from huitong.engine.query.filters import Node
from huitong.engine.security.model import Rule
from huitong.engine.security.tables import sharing_rules

PREFIX = "sx_"
FORM = 2  # of the tag's SQL, in the names: 1 wrote the CASE in the indexes, 2 calls a function on PostgreSQL


@dataclass(frozen=True)
class Tag:
    """Criteria some rules share, numbered by the first of them."""

    number: int
    key: str  # the criteria as canonical JSON: rules with equal keys share the tag
    criteria: Any


def indexable(criteria: Any) -> bool:
    """Whether criteria mean the same every day: no relative date anywhere in them."""
    if isinstance(criteria, dict):
        return all(indexable(value) for value in criteria.values())
    if isinstance(criteria, list):
        return all(indexable(value) for value in criteria)
    return criteria is not None and not relative_dates.is_relative(criteria)


def criteria_key(criteria: Any) -> str:
    return json.dumps(criteria, sort_keys=True, ensure_ascii=False, default=str)


def tags(rules: Iterable[tuple[int, Any]]) -> list[Tag]:
    """The tags of an object's rules ``(id, criteria)``: their distinct criteria with indexes, in rule order."""
    found: dict[str, Tag] = {}
    for number, criteria in sorted(rules, key=lambda rule: rule[0]):
        if criteria is not None and indexable(criteria):
            key = criteria_key(criteria)
            found.setdefault(key, Tag(number, key, criteria))
    return list(found.values())


class RuleTag(ColumnElement[int]):
    """A record's tag: the CASE over the rules' criteria. On PostgreSQL, the call of a function holding that CASE
    (``function``, made by ``sync``): the planner copies an index's expression and predicate for every part of
    a page it plans, and a CASE over a dozen criteria made that slower than running the page."""

    __visit_name__ = "rule_tag"
    inherit_cache = True
    _traverse_internals = [
        ("function", InternalTraversal.dp_string),
        ("choice", InternalTraversal.dp_clauseelement),
        ("arguments", InternalTraversal.dp_clauseelement_list),
    ]

    def __init__(self, function: str, choice: Any, arguments: list[Any]) -> None:
        self.function, self.choice, self.arguments = function, choice, arguments
        self.type = Integer()


@compiles(RuleTag)
def _written_whole(element: RuleTag, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.choice, **kw))


@compiles(RuleTag, "postgresql")
def _called(element: RuleTag, compiler: Any, **kw: Any) -> str:
    return f"{element.function}({', '.join(compiler.process(argument, **kw) for argument in element.arguments)})"


def tag_of(schema: Schema, definition: ObjectDef, table: Table, found: list[Tag], env: FilterEnv) -> RuleTag | None:
    """A record's tag as SQL (NULL for a record no rule with indexes shares); None when there are no tags."""
    if not found:
        return None
    choice = case(*((compile_criteria(schema, definition, table, tag.criteria, env), tag.number) for tag in found))
    arguments = sorted({column.name: column for column in _columns(choice)}.values(), key=lambda column: column.name)
    # named after what it says: rules that change it change the names, so sync makes the new and drops the old
    written = str(choice.compile(compile_kwargs={"literal_binds": True}))
    digest = hashlib.sha1(f"{FORM} {definition.table_name} {written}".encode()).hexdigest()[:12]
    return RuleTag(f"{PREFIX}{digest}", choice, arguments)


def _columns(element: Any) -> list[Any]:
    return [found for found in visitors.iterate(element) if isinstance(found, Column)]


def tags_holding(known: list[tuple[Tag, Node]], rules: list[Rule], within: Node | None) -> list[tuple[Tag, list[Rule]]]:
    """The tags that may hold records of ``rules`` (all with tags) that meet ``within``, each with those rules.

    A record's tag is the first criteria it meets, so a rule's records have its own tag or an earlier one whose
    criteria do not exclude the rule's."""
    place = {tag.key: (index, node) for index, (tag, node) in enumerate(known)}
    found = []
    for index, (tag, node) in enumerate(known):
        if exclude_each_other(node, within):
            continue
        members = []
        for rule in rules:
            at, rule_node = place[criteria_key(rule.criteria)]
            if at == index or (at > index and not exclude_each_other(node, rule_node)):
                members.append(rule)
        if members:
            found.append((tag, members))
    return found


def index_name(digest: str, field_name: str) -> str:
    return f"{PREFIX}{digest}_{field_name}"[:63]


def specs(table: Table, definition: ObjectDef, tag: RuleTag | None, dialect: Dialect) -> list[Index]:
    if tag is None:
        return []
    digest = tag.function.removeprefix(PREFIX)
    options: dict[str, Any] = {f"{dialect.name}_where": tag.is_not(None)}  # sqlite_where or postgresql_where
    leading = Grouping(tag)  # an expression in an index's columns is written in parentheses
    indexes = [Index(index_name(digest, "id"), leading, table.c.id, **options)]
    for field in definition.fields.values():
        if has_owner_index(field):
            column = table.c[field.name].asc().nulls_first() if dialect.name == "postgresql" else table.c[field.name]
            indexes.append(Index(index_name(digest, field.name), leading, column, table.c.id, **options))
    return indexes


def _make_function(connection: Connection, tag: RuleTag) -> None:
    """The PostgreSQL function holding a tag's CASE: immutable (the criteria's values are written in it)."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    parameters = ", ".join(f"{quote(column.name)} {column.type.compile(dialect=dialect)}" for column in tag.arguments)
    body = str(tag.choice.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}))
    fence = f"${tag.function}$"
    connection.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {tag.function}({parameters}) RETURNS integer LANGUAGE plpgsql IMMUTABLE "
        f"PARALLEL SAFE AS {fence} BEGIN RETURN {body}; END {fence}".replace("%", "%%")
    )


def _drop_unused_functions(connection: Connection) -> None:
    """Drop the tag functions no index uses any more (their rules changed, or their object went)."""
    unused = connection.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname LIKE 'sx\\_%%' "
        "AND p.pronamespace = current_schema()::regnamespace "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refobjid = p.oid AND d.classid = 'pg_class'::regclass)"
    )
    for (signature,) in unused.all():
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature}")


def present(connection: Connection, table_name: str) -> set[str]:
    """The names of a table's tag indexes (from the catalog: SQLAlchemy does not reflect SQLite's on expressions)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
    names = {str(row[0]) for row in connection.exec_driver_sql(query, (table_name,))}
    return {name for name in names if name.startswith(PREFIX)}


def drop(connection: Connection, table_name: str, field_name: str) -> None:
    """Drop the tag indexes in one field's order (before its column goes)."""
    for name in present(connection, table_name):
        digest = name[len(PREFIX) :].partition("_")[0]
        # compared as made: a long field's name is cut to 63 characters in the index's
        if name == index_name(digest, field_name):
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def sync(connection: Connection, schema: Schema, env: FilterEnv, object_name: str | None = None) -> None:
    """Give one object (or every object) the tag indexes its rules and sortable indexed fields ask for, and no
    other: after a rule is created or deleted, after its fields change (indexed, unique, added), in migrations."""
    query = select(sharing_rules.c.id, sharing_rules.c.object_name, sharing_rules.c.criteria)
    if object_name is not None:
        query = query.where(sharing_rules.c.object_name == object_name)
    rules: dict[str, list[tuple[int, Any]]] = {}
    for rule in connection.execute(query):
        rules.setdefault(rule.object_name, []).append((rule.id, rule.criteria))
    objects = [schema.object(object_name)] if object_name is not None else schema.objects.values()
    for definition in objects:
        table = build_table(definition, MetaData())  # apart: an index made on a table attaches to it
        tag = tag_of(schema, definition, table, tags(rules.get(definition.name, [])), env)
        wanted = specs(table, definition, tag, connection.dialect)
        names = {str(index.name) for index in wanted}
        found = present(connection, definition.table_name)
        for name in found - names:
            connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
        if tag is not None and connection.dialect.name == "postgresql":
            _make_function(connection, tag)
        for index in wanted:
            if index.name not in found:
                index.create(connection)
    if connection.dialect.name == "postgresql":
        _drop_unused_functions(connection)


def sync_all(db: Database, env: FilterEnv) -> None:
    """``sync`` for every object (``huitong migrate``): rules, or fields they order, that came before their indexes."""
    with db.write() as connection:
        sync(connection, lock_metadata(connection), env)
