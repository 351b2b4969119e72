"""Global search: one query over every object the user may read, grouped by object.

For each object, the candidates are one range of ``search_terms`` (the terms that start with the normalized
query), limited to the searchable fields the user may read, joined to the object's table through the query
compiler: the soft-delete filter and the access predicate are the same as a list's. Terms are read in term order,
so an exact match comes before longer values it starts; within what is read, a match at the start of a value
ranks before one further in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, exists, literal, or_, select, union_all

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.records.context import Actor
from huitong.engine.records.service import RecordService
from huitong.engine.search.tables import search_terms
from huitong.engine.search.terms import normalize_query, upper_bound

MAX_LIMIT = 50
DEFAULT_LIMIT = 10
MAX_QUERY = 200
KEYS = ("record_id", "term", "field_id", "at_start")  # labelled _record_id …: no field name starts with _
ROUNDS = 3  # reads of candidates per object before settling for fewer than ``limit`` records
MAX_SHARED = 500  # records shared with a narrow user that search looks up by id rather than through the term range


@dataclass(frozen=True)
class SearchHit:
    """One record found: its object, id, title (its title field, or #id when the user may not read that), a
    subtitle (the value that matched, or another searchable value) and the field that matched."""

    object: str
    id: int
    title: str
    subtitle: str | None
    field: str
    rank: int  # 0: the whole value matched; 1: the value starts with the query; 2: a later part of it does

    def as_json(self) -> dict[str, Any]:
        return {"object": self.object, "id": self.id, "title": self.title, "subtitle": self.subtitle,
                "field": self.field}  # fmt: skip


def read_limit(raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LIMIT:
        message = _("limit is a whole number from 1 to %(limit)s.") % {"limit": MAX_LIMIT}
        raise bad_request(message, [FieldError("limit", "invalid_limit", message)])
    return raw


def search(
    records: RecordService, actor: Actor, query: str, limit: int = DEFAULT_LIMIT, objects: Sequence[str] | None = None
) -> list[SearchHit]:
    """Records ``actor`` may read whose searchable fields (those they may read) match ``query``: at most ``limit``
    per object, grouped by object (objects with the best match first), best match first within each."""
    if not isinstance(query, str) or len(query) > MAX_QUERY:
        message = _("q is a text of at most %(limit)s characters.") % {"limit": MAX_QUERY}
        raise bad_request(message, [FieldError("q", "invalid_query", message)])
    limit = read_limit(limit)
    term = normalize_query(query)
    if not term:
        return []
    with records.reading(actor) as (connection, actor, schema):
        names = list(schema.objects) if objects is None else [schema.object(name).name for name in objects]
        readable = [schema.objects[name] for name in names if records.access.may(actor, schema.objects[name], "read")]
        groups = []
        for definition in _with_terms(connection, readable, term):
            hits = _search_object(connection, schema, records, actor, definition, term, limit)
            if hits:
                groups.append(hits)
    groups.sort(key=lambda hits: hits[0].rank)  # stable: objects keep the schema's order within a rank
    return [hit for hits in groups for hit in hits]


def _with_terms(connection: Connection, definitions: list[ObjectDef], term: str) -> list[ObjectDef]:
    """The objects with any term in the query's range, in one statement of one index probe per object: most
    objects have nothing to find, and a full query for each would cost more than the one that finds something."""
    t = search_terms
    probes = []
    for definition in definitions:
        fields = sorted(f.id for f in definition.searchable_fields if f.id is not None)
        if definition.id is None or not fields:
            continue
        found = exists().where(t.c.object_id == definition.id, t.c.term >= term, t.c.term < upper_bound(term),
                               t.c.field_id.in_(fields))  # fmt: skip
        probes.append(select(literal(definition.id).label("object_id")).where(found))
    if not probes:
        return []
    present = set(connection.execute(union_all(*probes)).scalars())
    return [definition for definition in definitions if definition.id in present]


def _search_object(
    connection: Connection, schema: Schema, records: RecordService, actor: Actor, definition: ObjectDef, term: str,
    limit: int,
) -> list[SearchHit]:  # fmt: skip
    fields = {f.id: f for f in definition.searchable_fields if f.id is not None}  # the user's view: no hidden field
    if definition.id is None or not fields:
        return []
    builder = QueryBuilder(schema, definition, actor, records.access)
    builder.dialect = connection.dialect.name
    title = definition.fields.get(definition.title_field)
    shown = list({f.name: f for f in [*([title] if title else []), *fields.values()]}.values())
    candidates = Candidates(connection, builder, definition, sorted(fields), shown, term, limit * 3)
    best: dict[int, tuple[int, str, Any]] = {}  # record id → (rank, term, row)
    last: tuple[str, int] | None = None
    for _round in range(ROUNDS):
        rows = list(connection.execute(candidates.after(last)).mappings())
        for row in rows:
            rank = 0 if row["_term"] == term and row["_at_start"] else 1 if row["_at_start"] else 2
            if row["_record_id"] not in best or (rank, row["_term"]) < best[row["_record_id"]][:2]:
                best[row["_record_id"]] = (rank, row["_term"], row)
        if len(best) >= limit or len(rows) < limit * 3:
            break
        last = (rows[-1]["_term"], rows[-1]["_record_id"])
    ordered = sorted(best.values(), key=lambda found: found[:2])[:limit]
    return [_hit(definition, title, shown, fields[row["_field_id"]], rank, row) for rank, _t, row in ordered]


class Candidates:
    """The query for one object's candidates: term rows in (term, record) order, joined to the readable records.

    For most users, one range of the (object, term) key, each term's record read by its id and tested with the
    access predicate (``record_id + 0`` keeps both planners from reading a user's records first and looking their
    terms up, which reads every record the user may see). A user who reads few owners' records would walk past
    everyone else's terms that way; for them the policy's read branches give one part per owner, read from the
    (object, owner, term) index, and one for what is shared with them, merged in term order (decisions/0007).
    """

    def __init__(
        self, connection: Connection, builder: QueryBuilder, definition: ObjectDef, field_ids: list[int],
        shown: list[FieldDef], term: str, reach: int,
    ) -> None:  # fmt: skip
        t, table = search_terms, builder.table
        self.builder, self.reach = builder, reach
        self.columns = [*(t.c[name].label(f"_{name}") for name in KEYS), *(table.c[f.name] for f in shown)]
        self.terms = and_(t.c.object_id == definition.id, t.c.term >= term, t.c.term < upper_bound(term),
                          t.c.field_id.in_(field_ids))  # fmt: skip
        self.parts = builder.access.read_branches(builder.actor, definition, table, by_role=False)
        self.shared: list[int] | None = None  # the records of the shared part, when they are few
        if self.parts:
            shared = select(table.c.id).where(table.c.deleted_at.is_(None), self.parts[-1]).limit(MAX_SHARED + 1)
            found = list(connection.execute(shared).scalars())
            self.shared = found if len(found) <= MAX_SHARED else None

    def after(self, last: tuple[str, int] | None) -> Any:
        t, table = search_terms, self.builder.table
        terms = self.terms if last is None else and_(self.terms, _after(*last))
        if not self.parts:
            query = self.builder.select(*self.columns).join(t, t.c.record_id + 0 == table.c.id).where(terms)
            return query.order_by(t.c.term, t.c.record_id).limit(self.reach)
        *owners, others = self.parts
        # the owner on the term equals the record's, so the database reads the owner's own range of terms
        arms = [self._arm(part, and_(t.c.record_id + 0 == table.c.id, t.c.owner_id == table.c.owner), terms)
                for part in owners]  # fmt: skip
        if self.shared is None:  # many records shared: their terms in the query's range, each record tested
            arms.append(self._arm(others, t.c.record_id + 0 == table.c.id, terms))
        elif self.shared:  # a few: looked up by id (planners misjudge a shares subquery against a term range)
            arms.append(self._arm(others, t.c.record_id == table.c.id, and_(terms, t.c.record_id.in_(self.shared))))
        merged = union_all(*arms)
        keys = [merged.selected_columns["_term"], merged.selected_columns["_record_id"]]
        return merged.order_by(*keys).limit(self.reach)

    def _arm(self, part: Any, join: Any, terms: Any) -> Any:
        t = search_terms
        arm = self.builder.select(*self.columns, part=part).join(t, join).where(terms)
        if self.builder.dialect == "sqlite":  # SQLite merges the ordered arms of a compound SELECT row by row
            return arm
        # PostgreSQL plans each arm for its own order and limit and merges them (Merge Append)
        return select(arm.order_by(t.c.term, t.c.record_id).limit(self.reach).subquery())


def _after(term: str, record_id: int) -> Any:
    t = search_terms
    return or_(t.c.term > term, and_(t.c.term == term, t.c.record_id > record_id))


def _hit(
    definition: ObjectDef, title: FieldDef | None, shown: list[FieldDef], matched: FieldDef, rank: int, row: Any
) -> SearchHit:
    record_id = int(row["_record_id"])
    title_text = _text(title, row[title.name]) if title is not None else None
    subtitle = None
    if title is None or matched.name != title.name:
        subtitle = _text(matched, row[matched.name])
    else:
        subtitle = next((_text(f, row[f.name]) for f in shown if f.name != title.name and row[f.name]), None)
    return SearchHit(definition.name, record_id, title_text or f"#{record_id}", subtitle, matched.name, rank)


def _text(field: FieldDef, stored: Any) -> str | None:
    if stored is None:
        return None
    value = field.field_type.to_json(field, field.field_type.from_db(field, stored))
    return None if value is None else str(value)
