"""Aggregation: group by fields and date buckets; count, sum, avg, min, max. The base of reports and forecasts.

Buckets read ``2026-03-01`` (day), ``2026-W09`` (ISO week), ``2026-03`` (month), ``2026-Q1`` (quarter) and
``2026`` (year). Datetimes fall into the bucket of the company's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)  # fmt: skip

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.query.filters import FieldPath, Node, read_filter, resolve_path
from huitong.engine.records.context import Actor
from huitong.engine.security.access import AccessPolicy
from huitong.engine.summaries.answer import answer as summary_answer
from huitong.engine.summaries.upkeep import Summaries

BUCKETS = ("day", "week", "month", "quarter", "year")
FUNCTIONS = ("count", "sum", "avg", "min", "max")
MAX_GROUPS = 10_000
REQUEST_KEYS = {"filter", "group_by", "measures", "limit"}


def _fail(where: str, code: str, message: str) -> None:
    raise bad_request(message, [FieldError(where, code, message)], code="invalid_aggregate")


def date_bucket(column: Any, unit: str, dialect: str, is_datetime: bool, zone: ZoneInfo) -> Any:
    if dialect == "postgresql":
        local = column.op("AT TIME ZONE")(literal(zone.key)) if is_datetime else column
        pattern = {
            "day": "YYYY-MM-DD",
            "week": 'IYYY-"W"IW',
            "month": "YYYY-MM",
            "quarter": 'YYYY-"Q"Q',
            "year": "YYYY",
        }
        return func.to_char(local, pattern[unit])
    # SQLite stores UTC wall time; shift by the zone's current offset (exact for zones without summer time).
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    modifiers = [f"{int(offset.total_seconds()) // 60:+d} minutes"] if is_datetime and offset else []
    if unit == "week":  # ISO week: the week's Thursday decides its year
        thursday = func.date(column, *modifiers, "weekday 0", "-3 days")
        week = (cast(func.strftime("%j", thursday), Integer) - 1) // 7 + 1
        return func.strftime("%Y", thursday, type_=String) + "-W" + func.printf("%02d", week, type_=String)
    if unit == "quarter":
        quarter = (cast(func.strftime("%m", column, *modifiers), Integer) + 2) // 3
        return func.strftime("%Y", column, *modifiers, type_=String) + "-Q" + cast(quarter, String)
    shape = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[unit]
    return func.strftime(shape, column, *modifiers, type_=String)


class Aggregation:
    def __init__(
        self, schema: Schema, definition: ObjectDef, actor: Actor, access: AccessPolicy, env: FilterEnv,
        request: Mapping[str, Any], *, summaries: Summaries | None = None,
    ) -> None:  # fmt: skip
        """``summaries``: the platform's (``platform.records.summaries``), to answer from one when it can."""
        unknown = set(request) - REQUEST_KEYS
        if unknown:
            _fail(sorted(unknown)[0], "unknown_key", _("Unknown property."))
        self.schema = schema
        self.definition = definition
        self.env = env
        self.builder = QueryBuilder(schema, definition, actor, access)
        self.node = read_filter(schema, definition, request.get("filter"), env)
        self.groups = self.read_groups(request.get("group_by", []))
        self.measures = self.read_measures(request.get("measures", [{"fn": "count"}]))
        limit = request.get("limit", MAX_GROUPS)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_GROUPS:
            _fail("limit", "invalid_limit", _("limit is a whole number from 1 to 10000."))
        self.limit = limit
        self.summaries = summaries

    def read_groups(self, raw: Any) -> list[tuple[str, FieldPath, str | None]]:
        if not isinstance(raw, list) or len(raw) > 4:
            _fail("group_by", "invalid_group", _('group_by is a list of at most 4 {"field", "bucket"} items.'))
        groups: list[tuple[str, FieldPath, str | None]] = []
        for index, item in enumerate(raw):
            where = f"group_by[{index}]"
            if isinstance(item, str):
                item = {"field": item}
            if not isinstance(item, dict) or set(item) - {"field", "bucket"}:
                _fail(where, "invalid_group", _('Each group is {"field": …, "bucket": …}.'))
            path = resolve_path(self.schema, self.definition, item.get("field"), f"{where}.field")
            bucket = item.get("bucket")
            temporal = path.field.type in ("date", "datetime")
            if bucket is not None and (not temporal or bucket not in BUCKETS):
                _fail(
                    f"{where}.bucket", "invalid_bucket", _("Buckets (day, week, month, quarter, year) apply to dates.")
                )
            if not path.field.field_type.groupable:
                _fail(f"{where}.field", "not_groupable", _("Records cannot be grouped by this field."))
            if temporal and path.field.type == "datetime" and bucket is None:
                bucket = "day"
            if any(name == path.text for name, _p, _b in groups):
                _fail(f"{where}.field", "duplicate_group", _("Each result column needs its own name."))
            groups.append((path.text, path, bucket))
        return groups

    def read_measures(self, raw: Any) -> list[tuple[str, str, FieldPath | None]]:
        if not isinstance(raw, list) or not raw or len(raw) > 20:
            _fail("measures", "invalid_measure", _('measures is a non-empty list of {"fn", "field", "as"}.'))
        measures = []
        names = {name for name, _p, _b in self.groups}
        for index, item in enumerate(raw):
            where = f"measures[{index}]"
            if not isinstance(item, dict) or set(item) - {"fn", "field", "as"} or item.get("fn") not in FUNCTIONS:
                _fail(where, "invalid_measure", _("fn is one of count, sum, avg, min, max."))
            function = item["fn"]
            path: FieldPath | None = None
            if "field" in item:
                path = resolve_path(self.schema, self.definition, item["field"], f"{where}.field")
                kind = path.field.field_type
                if (function in ("sum", "avg") and not kind.summable) or (
                    function in ("min", "max") and not kind.comparable
                ):
                    _fail(f"{where}.field", "invalid_measure", _("This function does not apply to this field."))
            elif function != "count":
                _fail(f"{where}.field", "missing_field", _("This function needs a field."))
            name = item.get("as") or (function if path is None else f"{function}_{path.text.replace('.', '_')}")
            if not isinstance(name, str) or not name or len(name) > 63 or name in names:
                _fail(f"{where}.as", "invalid_name", _("Each result column needs its own name."))
            names.add(name)
            measures.append((name, function, path))
        return measures

    def run(self, connection: Connection) -> dict[str, Any]:
        rows = None if self.summaries is None else summary_answer(self.summaries, self, connection)
        if rows is None:
            rows = self.grouped(connection, self.node, self.measures, limit=self.limit)
        return {"rows": [self.row_json(row) for row in rows]}

    def grouped(
        self, connection: Connection, node: Node | None, measures: list[tuple[str, str, FieldPath | None]],
        part: ColumnElement[bool] | None = None, limit: int = MAX_GROUPS,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """The groups and ``measures`` of the records meeting ``node`` that the actor reads (``part``: only those one
        piece of the access predicate lets through)."""
        dialect = connection.dialect.name
        group_columns = []
        for name, path, bucket in self.groups:
            column = self.builder.column(path)
            if bucket:
                column = date_bucket(column, bucket, dialect, path.field.type == "datetime", self.env.zone)
            group_columns.append(column.label(name))
        measured = [(name, function, None if path is None else self.builder.column(path))
                    for name, function, path in measures]  # fmt: skip
        builder = self.builder
        parts = [part] if part is not None else builder.access.read_branches(
            builder.actor, self.definition, builder.table, node, ordered=False
        )  # fmt: skip
        if parts:
            query, grouped = self.merged(group_columns, measured, node, parts)
        else:
            query = builder.select(*group_columns, *self.totals(measured), node=node)
            grouped = [column.element for column in group_columns]
        if grouped:
            positions: list[Any] = [literal_column(str(i + 1)) for i in range(len(grouped))]
            if dialect == "postgresql":  # match SQLite: the group of empty values comes first
                positions = [position.nulls_first() for position in positions]
            query = query.group_by(*grouped).order_by(*positions)
        return [dict(row) for row in connection.execute(query.limit(limit)).mappings()]

    def month_path(self, name: str) -> FieldPath:
        return resolve_path(self.schema, self.definition, name, "group_by")

    @staticmethod
    def totals(measured: list[tuple[str, str, Any]]) -> list[Any]:
        return [func.count().label(name) if column is None else getattr(func, function)(column).label(name)
                for name, function, column in measured]  # fmt: skip

    def merged(
        self, group_columns: list[Any], measured: list[tuple[str, str, Any]], node: Node | None, parts: list[Any]
    ) -> tuple[Any, list[Any]]:
        """The rows of each of the access policy's read branches (one per owner the user reads, through the
        (owner, field, id) indexes, and one for what is shared), grouped together: a user who reads few owners'
        records reads only theirs instead of testing every row the filter keeps (decisions/0006). The query and
        the columns to group by."""
        values = [column.label(f"_m_{name}") for name, _f, column in measured if column is not None]
        columns = [*group_columns, *values] or [literal(1).label("_row")]  # a count alone still needs a column
        rows = union_all(*self.builder.select_parts(columns, node, parts)).subquery()
        totals = self.totals([(name, function, None if column is None else rows.c[f"_m_{name}"])
                              for name, function, column in measured])  # fmt: skip
        groups = [rows.c[column.name] for column in group_columns]
        return select(*[group.label(group.name) for group in groups], *totals).select_from(rows), groups

    def row_json(self, row: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, path, bucket in self.groups:
            value = row[name]
            body[name] = (
                value
                if bucket or value is None
                else path.field.field_type.to_json(path.field, path.field.field_type.from_db(path.field, value))
            )
        for name, function, measured in self.measures:
            body[name] = measure_json(function, measured, row[name])
        return body


def measure_json(function: str, path: FieldPath | None, value: Any) -> Any:
    if function == "count":
        return int(value or 0)
    if value is None or path is None:
        return None
    field = path.field
    if function == "avg":
        scale = int(field.options.get("scale", 2)) if field.type != "integer" else 2
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))
    if field.type == "integer" and function == "sum":
        return int(value)
    kind = field.field_type
    return kind.to_json(field, kind.from_db(field, value))
