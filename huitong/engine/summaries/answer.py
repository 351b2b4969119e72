"""Answering an aggregate from a summary: the whole months of the range from the summary rows of the owners whose
records the user reads, and the rest live — the days of a range's first and last months that are not whole months,
and the records the user reads some other way (shared with them, a sharing rule by criteria).

An aggregate is answered only when everything it asks is in the summary: groups by its dimensions (its month field
by month, quarter or year), filters on its dimensions (its month field by date ranges), count, sum and avg of its
measures. Anything else returns None and the aggregate runs live, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, String, Table, cast, func, literal, select

from huitong.engine.meta.types.temporal import TemporalType
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.query.filters import AllOf, AnyOf, Condition, Node, NotNode
from huitong.engine.summaries.model import Summary

if TYPE_CHECKING:
    from huitong.engine.query.aggregate import Aggregation
    from huitong.engine.summaries.upkeep import Summaries

RANGE = ("gte", "gt", "lt", "lte", "eq")
SIMPLE = {"eq", "ne", "in", "not_in", "is_null"}


@dataclass
class Plan:
    summary: Summary
    table: Table
    rest: list[Node]  # the filter's conditions on dimensions
    low: date | None  # the month field's range, [low, high) in days
    high: date | None


def answer(summaries: Summaries, aggregation: Aggregation, connection: Connection) -> list[dict[str, Any]] | None:
    """The aggregate's rows (as the database would return them), or None when no summary can answer it."""
    scope = aggregation.builder.access.owner_scope(
        aggregation.builder.actor, aggregation.definition, aggregation.builder.table, aggregation.node
    )
    if scope is None:
        return None
    plan = next((p for s, t in summaries.of(aggregation.schema, aggregation.definition.name)
                 if (p := fit(aggregation, s, t)) is not None), None)  # fmt: skip
    if plan is None:
        return None
    owners, elsewhere = scope
    first, end = whole_months(plan.low, plan.high)
    totals: dict[tuple[Any, ...], list[Any]] = {}
    if first is None or end is None or first < end:
        merge(totals, from_summary(aggregation, plan, owners, first, end, connection))
        for part in elsewhere if owners is not None else []:
            merge(totals, live(aggregation, plan, first, end, connection, part))
    for low, high in edges(plan.low, plan.high, first, end):
        merge(totals, live(aggregation, plan, low, high, connection, None))
    return finished(aggregation, totals)


# -- does it fit? --------------------------------------------------------------------------------------------------
def fit(aggregation: Aggregation, summary: Summary, table: Table) -> Plan | None:
    dimensions = set(summary.dimensions)
    for _name, path, bucket in aggregation.groups:
        if path.via is not None:
            return None
        if path.field.name == summary.month:
            if bucket not in ("month", "quarter", "year"):
                return None
        elif path.field.name not in dimensions or bucket is not None:
            return None
    for _name, function, measured in aggregation.measures:
        if measured is None and function == "count":
            continue
        if measured is None or measured.via is not None or function not in ("sum", "avg", "count"):
            return None
        if measured.field.name not in summary.measures:
            return None
    node = aggregation.node
    conjuncts = list(node.items) if isinstance(node, AllOf) else ([] if node is None else [node])
    plan = Plan(summary, table, [], None, None)
    for item in conjuncts:
        if isinstance(item, Condition) and item.path.via is None and item.path.field.name == summary.month:
            if not narrow(plan, item, aggregation.env.zone):
                return None
        elif on_dimensions(item, dimensions):
            plan.rest.append(item)
        else:
            return None
    return plan


def on_dimensions(node: Node, dimensions: set[str]) -> bool:
    if isinstance(node, Condition):
        temporal = node.path.field.type in ("date", "datetime")
        return node.path.via is None and node.path.field.name in dimensions and node.operator in SIMPLE and not temporal
    if isinstance(node, NotNode):
        return on_dimensions(node.item, dimensions)
    return isinstance(node, AllOf | AnyOf) and all(on_dimensions(item, dimensions) for item in node.items)


def narrow(plan: Plan, condition: Condition, zone: ZoneInfo) -> bool:
    """Fold a range condition on the month field into [low, high); False when it is not a whole-day range."""
    span = condition.value
    if condition.operator not in RANGE or not hasattr(span, "start"):
        return False
    start, end = day_of(span.start, zone), day_of(span.end, zone)
    if start is None or end is None:
        return False
    if span.exact:  # a date field's literal day: the range [day, next day)
        if isinstance(span.start, datetime):
            return False
        end = start + timedelta(days=1)
    low, high = {"gte": (start, None), "gt": (end, None), "lt": (None, start), "lte": (None, end),
                 "eq": (start, end)}[condition.operator]  # fmt: skip
    if low is not None:
        plan.low = low if plan.low is None else max(plan.low, low)
    if high is not None:
        plan.high = high if plan.high is None else min(plan.high, high)
    return True


def day_of(value: Any, zone: ZoneInfo) -> date | None:
    """The day a span bound stands for: a date, or a datetime at the company's midnight (filters by day make them);
    None for any other instant."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return None
        local = value.astimezone(zone)
        return local.date() if local.time() == time() else None
    return value if isinstance(value, date) else None


# -- the range in whole months and the days at its edges -------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(low: date | None, high: date | None) -> tuple[date | None, date | None]:
    """[first, end): the whole months within [low, high) (None: unbounded on that side)."""
    first = None if low is None else (low if low.day == 1 else next_month(low))
    end = None if high is None else month_start(high)
    return first, end


def edges(low: date | None, high: date | None, first: date | None, end: date | None) -> list[tuple[date, date]]:
    if first is not None and end is not None and first >= end:
        return [(low, high)] if low is not None and high is not None and low < high else []
    found = []
    if low is not None and first is not None and low < first:
        found.append((low, first))
    if high is not None and end is not None and end < high:
        found.append((end, high))
    return found


# -- reading -------------------------------------------------------------------------------------------------------
def components(aggregation: Aggregation) -> list[tuple[str, str, Any]]:
    """What each measure is made of, so that parts add up: records, and a sum and a count of each field."""
    wanted: list[tuple[str, str, Any]] = [("_records", "count", None)]
    for _name, _function, path in aggregation.measures:
        if path is not None:
            wanted += [(f"_sum_{path.field.name}", "sum", path), (f"_n_{path.field.name}", "count", path)]
    return list({name: (name, fn, path) for name, fn, path in wanted}.values())


def from_summary(
    aggregation: Aggregation, plan: Plan, owners: frozenset[int] | None, first: date | None, end: date | None,
    connection: Connection,
) -> list[dict[str, Any]]:  # fmt: skip
    table = plan.table
    month = table.c[plan.summary.month_column]
    groups = []
    for name, path, bucket in aggregation.groups:
        if path.field.name == plan.summary.month:
            groups.append(bucketed(month, bucket).label(name))
        else:
            groups.append(table.c[path.field.name].label(name))
    builder = QueryBuilder(aggregation.schema, aggregation.definition, aggregation.builder.actor,
                           aggregation.builder.access, table=table)  # fmt: skip
    conditions = [builder.where(item) for item in plan.rest]
    if first is not None:
        conditions.append(month >= first.strftime("%Y-%m"))
    if end is not None:
        conditions.append(month < end.strftime("%Y-%m"))
    if owners is not None:
        conditions.append(table.c.owner.in_(sorted(owners)))
    measures = [func.sum(table.c.records).label("_records")]
    for name, _function, path in components(aggregation)[1:]:
        column = f"sum__{path.field.name}" if name.startswith("_sum_") else f"n__{path.field.name}"
        measures.append(func.sum(table.c[column]).label(name))
    query = select(*groups, *measures).where(*conditions)
    if groups:
        query = query.group_by(*[group.element for group in groups])
    return [dict(row) for row in connection.execute(query).mappings()]


def bucketed(month: Any, bucket: str | None) -> Any:
    year = func.substr(month, 1, 4, type_=String)
    if bucket == "year":
        return year
    if bucket == "quarter":  # 2026-05 → 2026-Q2, as the live aggregate's buckets read
        quarter = (cast(func.substr(month, 6, 2, type_=String), Integer) + 2) // 3
        return year.concat(literal("-Q", String)).concat(cast(quarter, String))
    return month


def live(
    aggregation: Aggregation, plan: Plan, low: date | None, high: date | None, connection: Connection, part: Any
) -> list[dict[str, Any]]:
    """The aggregate run on the records, within [low, high) of the month field (and ``part`` of the access)."""
    path = aggregation.month_path(plan.summary.month)
    kind = path.field.field_type
    assert isinstance(kind, TemporalType)  # the month field is a date or a datetime
    bounds: list[Node] = []
    if low is not None:
        bounds.append(Condition(path, "gte", kind.day_span(low, low + timedelta(days=1), aggregation.env)))
    if high is not None:
        bounds.append(Condition(path, "lt", kind.day_span(high, high + timedelta(days=1), aggregation.env)))
    items = (*plan.rest, *bounds)
    node = AllOf(items) if items else None
    return aggregation.grouped(connection, node, components(aggregation), part)


def merge(totals: dict[tuple[Any, ...], list[Any]], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        key = tuple(value for name, value in row.items() if not name.startswith("_"))
        values = [number(row[name]) for name in row if name.startswith("_")]
        found = totals.get(key)
        if found is None:
            totals[key] = values
        else:
            for index, value in enumerate(values):
                found[index] += value


def number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(0) if value is None else Decimal(value) if isinstance(value, int) else Decimal(str(value))


def finished(aggregation: Aggregation, totals: dict[tuple[Any, ...], list[Any]]) -> list[dict[str, Any]]:
    names = [name for name, _fn, _path in components(aggregation)]
    rows = []
    for key, values in totals.items():
        parts = dict(zip(names, values, strict=True))
        if not parts["_records"]:
            continue
        row: dict[str, Any] = dict(zip([name for name, _p, _b in aggregation.groups], key, strict=True))
        for name, function, path in aggregation.measures:
            if path is None:
                row[name] = int(parts["_records"])
                continue
            total, counted = parts[f"_sum_{path.field.name}"], int(parts[f"_n_{path.field.name}"])
            row[name] = (counted if function == "count" else None if not counted
                         else total if function == "sum" else total / counted)  # fmt: skip
        rows.append(row)
    rows.sort(key=lambda row: [(row[name] is not None, row[name]) for name, _p, _b in aggregation.groups])
    return rows[: aggregation.limit]
