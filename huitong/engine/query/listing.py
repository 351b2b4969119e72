"""Lists: filter, multi-field sort, keyset (cursor) or offset pages, field selection with one lookup hop, count.

Keyset pages stay as fast on page 1,000 as on page 1. Sorting treats empty values as the smallest; the record id
breaks ties, so an order is always total and a cursor always resumes exactly where the last page ended.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    and_,
    false,
    func,
    or_,
    true,
    union_all,
)

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema, has_owner_index
from huitong.engine.meta.types import ValueProblem
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.query.filters import FieldPath, read_filter, resolve_path
from huitong.engine.query.written import written_rows
from huitong.engine.records.context import Actor
from huitong.engine.records.values import HIDDEN_IN_RECORDS
from huitong.engine.security.access import AccessPolicy

MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
MAX_OFFSET = 100_000
REQUEST_KEYS = {"filter", "sort", "fields", "limit", "cursor", "offset", "count"}


@dataclass(frozen=True)
class SortKey:
    path: FieldPath
    descending: bool


def _fail(where: str, code: str, message: str) -> None:
    raise bad_request(message, [FieldError(where, code, message)], code="invalid_query")


def read_sort(schema: Schema, definition: ObjectDef, raw: Any) -> list[SortKey]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 5:
        _fail("sort", "invalid_sort", _('sort is a list of at most 5 {"field", "dir"} items.'))
    keys = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            item = {"field": item.removeprefix("-"), "dir": "desc" if item.startswith("-") else "asc"}
        if not isinstance(item, dict) or set(item) - {"field", "dir"} or item.get("dir", "asc") not in ("asc", "desc"):
            _fail(f"sort[{index}]", "invalid_sort", _('Each sort item is {"field": …, "dir": "asc" | "desc"}.'))
        path = resolve_path(schema, definition, item.get("field"), f"sort[{index}].field")
        if not path.field.field_type.sortable:
            _fail(f"sort[{index}].field", "not_sortable", _("Records cannot be sorted by this field."))
        keys.append(SortKey(path, item.get("dir", "asc") == "desc"))
    return [key for key in keys if key.path.text != "id"] + [k for k in keys if k.path.text == "id"][:1]


def read_fields(schema: Schema, definition: ObjectDef, raw: Any) -> list[FieldPath]:
    if raw is None:
        return [FieldPath(name, field) for name, field in definition.fields.items() if name not in HIDDEN_IN_RECORDS]
    if not isinstance(raw, list) or not raw or len(raw) > 200:
        _fail("fields", "invalid_fields", _("fields is a non-empty list of field names."))
    paths = [resolve_path(schema, definition, name, f"fields[{index}]") for index, name in enumerate(raw)]
    unique = {path.text: path for path in paths if path.text != "id"}  # a name given twice is returned once
    return [FieldPath("id", definition.fields["id"]), *unique.values()]


def read_limit(raw: Any, where: str = "limit") -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LIMIT:
        _fail(where, "invalid_limit", _("limit is a whole number from 1 to 1000."))
    return int(raw)


class Listing:
    """One list request, compiled. ``run`` returns records as API JSON, the next cursor and the total if asked."""

    def __init__(
        self, schema: Schema, definition: ObjectDef, actor: Actor, access: AccessPolicy, env: FilterEnv,
        request: Mapping[str, Any],
    ) -> None:  # fmt: skip
        unknown = set(request) - REQUEST_KEYS
        if unknown:
            _fail(sorted(unknown)[0], "unknown_key", _("Unknown property."))
        self.definition = definition
        self.builder = QueryBuilder(schema, definition, actor, access)
        self.count_builder = QueryBuilder(schema, definition, actor, access)
        self.node = read_filter(schema, definition, request.get("filter"), env)
        self.sort = read_sort(schema, definition, request.get("sort"))
        self.fields = read_fields(schema, definition, request.get("fields"))
        self.limit = read_limit(request.get("limit"))
        self.count = request.get("count", False)
        if not isinstance(self.count, bool):
            _fail("count", "invalid_type", _("Enter true or false."))
        self.offset = request.get("offset")
        self.cursor = request.get("cursor")
        if self.offset is not None and self.cursor is not None:
            _fail("cursor", "invalid_query", _("Use either cursor or offset, not both."))
        if self.offset is not None and (
            isinstance(self.offset, bool) or not isinstance(self.offset, int) or not 0 <= self.offset <= MAX_OFFSET
        ):
            _fail("offset", "invalid_offset", _("offset is a whole number from 0 to 100000."))
        if self.cursor is not None and not isinstance(self.cursor, str):
            _fail("cursor", "invalid_cursor", _("This cursor is not valid for this list; start again without it."))

    # -- order -------------------------------------------------------------------------------------------------
    def order_keys(self) -> list[tuple[Any, bool, FieldPath]]:
        keys = [(self.builder.column(k.path), k.descending, k.path) for k in self.sort if k.path.text != "id"]
        id_path = FieldPath("id", self.definition.fields["id"])
        explicit_id = [k for k in self.sort if k.path.text == "id"]
        descending = explicit_id[0].descending if explicit_id else (keys[-1][1] if keys else True)
        return [*keys, (self.builder.table.c.id, descending, id_path)]

    def order_by(self, keys: list[tuple[Any, bool, FieldPath]], dialect: str, outer: Any = None) -> list[Any]:
        """ORDER BY for ``keys``; ``outer``: the same keys as columns of a subquery (its columns keep the order)."""
        clauses = []
        for index, (column, descending, _path) in enumerate(keys):
            selected = column if outer is None else outer[index]
            ordered = selected.desc() if descending else selected.asc()
            # Match SQLite (empty values sort as the smallest); a column that is never empty (the id) keeps the
            # plain order, so that it matches the second column of the (field, id) indexes.
            if dialect == "postgresql" and _nullable(column):
                ordered = ordered.nulls_last() if descending else ordered.nulls_first()
            clauses.append(ordered)
        return clauses

    def signature(self) -> str:
        text = json.dumps([(k.path.text, k.descending) for k in self.sort])
        return hashlib.sha1(text.encode()).hexdigest()[:8]

    def after(self, keys: list[tuple[Any, bool, FieldPath]], values: list[Any]) -> ColumnElement[bool]:
        """Rows that come after ``values`` in the order ``keys`` (empty values count as the smallest)."""
        alternatives = []
        for position, (column, descending, _path) in enumerate(keys):
            equal = [_equal(c, v) for (c, _d, _p), v in zip(keys[:position], values[:position], strict=False)]
            alternatives.append(and_(*equal, _beyond(column, descending, values[position], strict=True)))
        # Neither planner turns the OR above into an index range; this redundant bound on the leading key does,
        # so that page 1,000 reads no more of the index than page 1.
        leading, descending, _path = keys[0]
        return and_(_beyond(leading, descending, values[0], strict=False), or_(*alternatives))

    def encode_cursor(self, keys: list[tuple[Any, bool, FieldPath]], row: Mapping[str, Any]) -> str:
        values = [p.field.field_type.cursor_value(p.field, row[p.text]) for _c, _d, p in keys]
        payload = json.dumps({"s": self.signature(), "v": values}, ensure_ascii=False, default=str)
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def decode_cursor(self, keys: list[tuple[Any, bool, FieldPath]]) -> list[Any]:
        problem = _("This cursor is not valid for this list; start again without it.")
        try:
            text = str(self.cursor)
            payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if payload["s"] != self.signature() or len(payload["v"]) != len(keys):
                raise ValueError
            return [
                p.field.field_type.from_cursor(p.field, v) for (_c, _d, p), v in zip(keys, payload["v"], strict=False)
            ]
        except (ValueError, KeyError, TypeError, ValueProblem, UnicodeDecodeError):
            _fail("cursor", "invalid_cursor", problem)
            raise AssertionError from None

    # -- run ---------------------------------------------------------------------------------------------------
    def run(self, connection: Connection) -> dict[str, Any]:
        dialect = connection.dialect.name
        keys = self.order_keys()
        columns = [self.builder.column(p).label(p.text) for p in self.fields]
        sort_columns = [
            c.label(f"_sort{i}") for i, (c, _d, p) in enumerate(keys) if p.text not in {f.text for f in self.fields}
        ]
        after = self.after(keys, self.decode_cursor(keys)) if self.cursor is not None else None
        query: Any = self.merged(keys, [*columns, *sort_columns], after, dialect)
        if query is None:
            single = self.builder.select(*columns, *sort_columns, node=self.node)
            if after is not None:
                single = single.where(after)
            query = single.order_by(*self.order_by(keys, dialect)).limit(written_rows(self.limit + 1))
            if self.offset:
                query = query.offset(written_rows(self.offset))
        rows = [dict(row) for row in connection.execute(query).mappings()]
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        body: dict[str, Any] = {"records": [self.record(row) for row in rows], "next_cursor": None}
        if more and self.offset is None:
            body["next_cursor"] = self.encode_cursor(keys, self.sort_row(keys, rows[-1]))
        if self.count:
            body["total"] = self.total(connection)
        return body

    def merged(
        self, keys: list[tuple[Any, bool, FieldPath]], columns: list[Any], after: ColumnElement[bool] | None,
        dialect: str,
    ) -> CompoundSelect[Any] | None:  # fmt: skip
        """The page as a merge of the access policy's read branches, each read in the page's order, or None.

        Each branch (the records of one owner, …) is read through an index in the page's order and stops at the
        page's end; the database merges them (SQLite: MERGE (UNION ALL), PostgreSQL: Merge Append), so that a
        user who may read few records reads about as many rows as one who may read all (decisions/0006).
        """
        *leading, last = keys
        if leading and (
            len(leading) > 1
            or leading[0][2].via is not None
            or not has_owner_index(leading[0][2].field)
            or leading[0][1] != last[1]
        ):
            return None  # no (owner, field, id) index gives this order
        builder = self.builder
        parts = builder.access.read_branches(builder.actor, self.definition, builder.table, self.node)
        if not parts:
            return None
        reach = written_rows(self.limit + 1 + (self.offset or 0))
        order = self.order_by(keys, dialect)
        arms = []
        for arm in builder.select_parts(columns, self.node, parts):
            arm = arm if after is None else arm.where(after)
            # PostgreSQL plans each arm for the rows it may have to give (its own order and limit) and merges the
            # ordered arms; SQLite merges the arms of a compound SELECT … ORDER BY row by row as it stands.
            arms.append(arm if dialect == "sqlite" else arm.order_by(*order).limit(reach))
        pages = union_all(*arms)
        names = {f.text for f in self.fields}
        labels = [p.text if p.text in names else f"_sort{i}" for i, (_c, _d, p) in enumerate(keys)]
        outer = [pages.selected_columns[label] for label in labels]
        query = pages.order_by(*self.order_by(keys, dialect, outer)).limit(written_rows(self.limit + 1))
        return query.offset(written_rows(self.offset)) if self.offset else query

    def sort_row(self, keys: list[tuple[Any, bool, FieldPath]], row: Mapping[str, Any]) -> dict[str, Any]:
        names = {f.text for f in self.fields}
        values = {}
        for index, (_c, _d, path) in enumerate(keys):
            stored = row[path.text] if path.text in names else row[f"_sort{index}"]
            values[path.text] = path.field.field_type.from_db(path.field, stored)
        return values

    @cached_property
    def readers(self) -> list[tuple[str, Callable[[Any], Any] | None]]:
        """Converters looked up once per listing: ``record`` runs for every cell of every page."""
        return [(path.text, path.field.field_type.json_reader(path.field)) for path in self.fields]

    def record(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: row[name] if read is None else read(row[name]) for name, read in self.readers}

    def total(self, connection: Connection) -> int:
        query = self.count_builder.select(func.count(), node=self.node)
        return int(connection.execute(query).scalar_one())


def _nullable(column: Any) -> bool:
    return bool(getattr(column, "nullable", True))


def _beyond(column: Any, descending: bool, value: Any, *, strict: bool) -> ColumnElement[bool]:
    """Rows after ``value`` in this column's order (``strict``) or at or after it; empty is the smallest."""
    if value is None:
        if descending:  # empty values come last: only other empty values are at or after one
            return false() if strict else column.is_(None)
        return column.is_not(None) if strict else true()
    if descending:
        bound = column < value if strict else column <= value
        return or_(bound, column.is_(None)) if _nullable(column) else bound
    return column > value if strict else column >= value


def _equal(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
