"""Property: for any filter tree, the query API finds exactly the records a plain-Python reading of it finds.

One custom object with a text, integer, decimal, date, boolean and picklist field holds a fixed set of 40 varied
records (empty values, LIKE wildcards, case, Chinese text, boundary dates) on each backend. Hypothesis draws nested
and/or/not trees of conditions, each with an operator and a value valid for its field's type.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api

FIELDS: list[dict[str, Any]] = [
    {"name": "x_text", "type": "text", "label": {"en": "Text"}},
    {"name": "x_int", "type": "integer", "label": {"en": "Integer"}},
    {"name": "x_dec", "type": "decimal", "label": {"en": "Decimal"}, "scale": 2},
    {"name": "x_day", "type": "date", "label": {"en": "Day"}},
    {"name": "x_flag", "type": "boolean", "label": {"en": "Flag"}},
    {"name": "x_kind", "type": "picklist", "label": {"en": "Kind"},
     "values": [{"value": v} for v in ("new", "open", "on_hold", "closed")]},
]  # fmt: skip

TEXTS = [
    "a%b", "a_b", "axb", "A%B", "100%", "50_50", "back\\slash", "Hello World", "hello", "HELLO", "华通",
    "华通设备", "x", "Ab_c%", None,
]  # fmt: skip
INTEGERS = [-3, -1, 0, 1, 2, 5, 100, None]
DECIMALS = ["-1.50", "0.00", "0.01", "2.50", "10.00", "10.01", "999.99", None]
DAYS = [
    "2025-12-31", "2026-01-01", "2026-02-28", "2026-03-01", "2026-03-15", "2026-03-16", "2026-03-17",
    "2026-03-18", "2026-03-19", "2026-03-22", "2026-03-23", "2026-03-31", "2026-04-01", None,
]  # fmt: skip
FLAGS = [True, False, None]
KINDS = ["new", "open", "on_hold", "closed", None]


def population() -> list[dict[str, Any]]:
    """40 records: every value of every pool (empty included) at least once, the rest drawn with a fixed seed."""
    chooser = random.Random(20260318)
    pools = {"x_text": TEXTS, "x_int": INTEGERS, "x_dec": DECIMALS, "x_day": DAYS, "x_flag": FLAGS, "x_kind": KINDS}
    records = []
    for index in range(40):
        record = {name: pool[index] if index < len(pool) else chooser.choice(pool) for name, pool in pools.items()}
        records.append(record)
    return records


# -- the reference: a plain-Python reading of a filter, with the clock at 2026-03-18 in Shanghai --------------

TODAY = date(2026, 3, 18)
SPANS = {  # relative date → [start, end)
    "today": (TODAY, date(2026, 3, 19)),
    "yesterday": (date(2026, 3, 17), TODAY),
    "this_week": (date(2026, 3, 16), date(2026, 3, 23)),
    "last_week": (date(2026, 3, 9), date(2026, 3, 16)),
    "this_month": (date(2026, 3, 1), date(2026, 4, 1)),
    "last_month": (date(2026, 2, 1), date(2026, 3, 1)),
    "this_quarter": (date(2026, 1, 1), date(2026, 4, 1)),
    "last_year": (date(2025, 1, 1), date(2026, 1, 1)),
    "last_n_days:7": (date(2026, 3, 12), date(2026, 3, 19)),
    "next_n_days:14": (date(2026, 3, 19), date(2026, 4, 2)),
}


def span(value: str) -> tuple[date, date]:
    if value in SPANS:
        return SPANS[value]
    day = date.fromisoformat(value)
    return day, day + timedelta(days=1)


def parse(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "x_int":
        return int(value)
    if field == "x_dec":
        return Decimal(str(value))
    if field == "x_day":
        return date.fromisoformat(value)
    return value


def matches(record: dict[str, Any], node: dict[str, Any]) -> bool:
    if "and" in node:
        return all(matches(record, item) for item in node["and"])
    if "or" in node:
        return any(matches(record, item) for item in node["or"])
    if "not" in node:
        return not matches(record, node["not"])
    field, op, value = node["field"], node["op"], node["value"]
    actual = record[field]
    if op == "is_null":
        return (actual is None) is value
    if op == "ne":
        return actual is None or not matches(record, {**node, "op": "eq"})
    if op == "not_in":
        return actual is None or not matches(record, {**node, "op": "in"})
    if actual is None:
        return False
    if field == "x_day":
        if op == "between":
            return span(value[0])[0] <= actual < span(value[1])[1]
        start, end = span(value)
        return {
            "eq": start <= actual < end, "lt": actual < start, "lte": actual < end, "gt": actual >= end,
            "gte": actual >= start,
        }[op]  # fmt: skip
    if op == "in":
        return actual in [parse(field, item) for item in value]
    if op == "between":
        return parse(field, value[0]) <= actual <= parse(field, value[1])
    if op in ("contains", "starts_with", "ends_with"):
        text, needle = actual.lower(), value.lower()
        return {"contains": needle in text, "starts_with": text.startswith(needle), "ends_with": text.endswith(needle)}[
            op
        ]
    wanted = parse(field, value)
    return {
        "eq": actual == wanted, "lt": actual < wanted, "lte": actual <= wanted, "gt": actual > wanted,
        "gte": actual >= wanted,
    }[op]  # fmt: skip


# -- strategies ----------------------------------------------------------------------------------------------

NEEDLES = ["%", "_", "\\", "a", "A", "b", "hello", "通", "o w", "a_", "%b", "0%", "Ab_c%", "x", "50_", "LO"]
TEXT_VALUES = [text for text in TEXTS if text is not None] + ["nope", "a"]
INTEGER_VALUES = [-3, -2, 0, 1, 2, 5, 100, 101, "2"]
DECIMAL_VALUES = ["-1.5", "0", "0.005", "0.01", "2.5", "10", "10.005", "10.01", "999.99", "1000", 2.5, 10]
DAY_VALUES = [day for day in DAYS if day is not None] + ["2026-03-20", *SPANS]
KIND_VALUES = ["new", "open", "on_hold", "closed"]

EQUALITY = ["eq", "ne", "in", "not_in", "is_null"]
ORDERING = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "is_null", "between"]


def conditions(field: str, operators: list[str], values: list[Any], needles: list[str] | None = None) -> Any:
    def value_for(op: str) -> Any:
        if op == "is_null":
            return st.booleans()
        if op in ("in", "not_in"):
            return st.lists(st.sampled_from(values), min_size=1, max_size=3)
        if op == "between":
            return st.lists(st.sampled_from(values), min_size=2, max_size=2)
        if op in ("contains", "starts_with", "ends_with"):
            return st.sampled_from(needles or [])
        return st.sampled_from(values)

    return st.sampled_from(operators).flatmap(
        lambda op: value_for(op).map(lambda value: {"field": field, "op": op, "value": value})
    )


CONDITIONS = st.one_of(
    conditions("x_text", [*EQUALITY, "contains", "starts_with", "ends_with"], TEXT_VALUES, NEEDLES),
    conditions("x_int", ORDERING, INTEGER_VALUES),
    conditions("x_dec", ORDERING, DECIMAL_VALUES),
    conditions("x_day", [op for op in ORDERING if op not in ("in", "not_in")], DAY_VALUES),
    conditions("x_flag", ["eq", "ne", "is_null"], [True, False]),
    conditions("x_kind", EQUALITY, KIND_VALUES),
)


def trees(depth: int) -> Any:
    if depth == 0:
        return CONDITIONS
    inner = trees(depth - 1)
    return st.one_of(
        CONDITIONS,
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"and": items}),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"or": items}),
        inner.map(lambda item: {"not": item}),
    )


# -- the property --------------------------------------------------------------------------------------------


@pytest.fixture
def stocked(api: Api) -> tuple[Api, dict[int, dict[str, Any]]]:
    """The object and its 40 records, as the API returns them."""
    assert api.post("/api/v1/meta/objects", {"name": "x_prop", "label": {"en": "Property"}}).status_code == 201
    for spec in FIELDS:
        response = api.post("/api/v1/meta/objects/x_prop/fields", spec)
        assert response.status_code == 201, response.text
    response = api.post("/api/v1/records/x_prop/bulk", {"operation": "create", "records": population()})
    assert response.status_code == 200, response.text
    names = [spec["name"] for spec in FIELDS]
    listed = api.post("/api/v1/records/x_prop/query", {"fields": names, "limit": 1000}).json()["records"]
    assert len(listed) == 40
    return api, {row["id"]: {name: parse(name, row[name]) for name in names} for row in listed}


def test_the_population_covers_empty_values_and_every_pool_value(
    stocked: tuple[Api, dict[int, dict[str, Any]]],
) -> None:
    _api, records = stocked
    assert {record["x_text"] for record in records.values()} == set(TEXTS)
    assert {record["x_day"] for record in records.values()} == {parse("x_day", day) for day in DAYS}
    assert {record["x_dec"] for record in records.values()} == {parse("x_dec", value) for value in DECIMALS}
    assert all(None in {record[name] for record in records.values()} for name in records[1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=trees(3))
def test_the_query_api_finds_what_a_python_reading_of_the_filter_finds(
    stocked: tuple[Api, dict[int, dict[str, Any]]], condition: dict[str, Any]
) -> None:
    # given
    api, records = stocked
    expected = sorted(record_id for record_id, record in records.items() if matches(record, condition))
    # when
    body = {"filter": condition, "fields": ["id"], "sort": ["id"], "limit": 1000, "count": True}
    response = api.post("/api/v1/records/x_prop/query", body)
    # then
    assert response.status_code == 200, response.text
    assert [record["id"] for record in response.json()["records"]] == expected, condition
    assert response.json()["total"] == len(expected)
