"""Aggregation through the API: groups by picklist, lookup and date buckets, measures as exact strings, errors."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from tests.conftest import Api

AGGREGATE = "/api/v1/records/x_equipment/aggregate"


@pytest.fixture
def fleet(equipment: Api) -> Api:
    """x_equipment with an integer, a datetime and a boolean field besides the issue's fields."""
    for spec in (
        {"name": "x_qty", "type": "integer", "label": {"en": "Quantity"}},
        {"name": "x_checked", "type": "datetime", "label": {"en": "Checked"}},
        {"name": "x_ok", "type": "boolean", "label": {"en": "OK"}},
    ):
        response = equipment.post("/api/v1/meta/objects/x_equipment/fields", spec)
        assert response.status_code == 201, response.text
    return equipment


def create(api: Api, obj: str = "x_equipment", **values: Any) -> int:
    response = api.post(f"/api/v1/records/{obj}", values)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def bulk(api: Api, records: list[dict[str, Any]]) -> None:
    response = api.post("/api/v1/records/x_equipment/bulk", {"operation": "create", "records": records})
    assert response.status_code == 200, response.text


def aggregate(api: Api, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post(AGGREGATE, body)
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def problems(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


def add_price_list(api: Api) -> tuple[int, int]:
    north, south = create(api, "x_site", x_name="North"), create(api, "x_site", x_name="South")
    bulk(
        api,
        [
            {"x_serial": "E1", "x_status": "active", "x_price": "1000.10", "x_site": north, "x_qty": 1,
             "x_installed": "2026-03-02", "x_ok": True},
            {"x_serial": "E2", "x_status": "active", "x_price": "2000.20", "x_site": south, "x_qty": 2,
             "x_installed": "2026-03-18", "x_ok": True},
            {"x_serial": "E3", "x_status": "active", "x_price": "1210.20", "x_site": north, "x_qty": 2,
             "x_installed": "2026-03-31", "x_ok": False},
            {"x_serial": "E4", "x_status": "repair", "x_price": "99.99", "x_qty": 7, "x_installed": "2026-04-01"},
            {"x_serial": "E5", "x_status": "repair", "x_site": south, "x_installed": "2026-03-05", "x_ok": False},
            {"x_serial": "E6", "x_price": "5", "x_site": north},
        ],
    )  # fmt: skip
    return north, south


def test_the_issue_example_groups_by_status_and_install_month(fleet: Api) -> None:
    # given
    add_price_list(fleet)
    # when
    rows = aggregate(
        fleet,
        {
            "filter": {"field": "x_status", "op": "eq", "value": "active"},
            "group_by": [{"field": "x_status"}, {"field": "x_installed", "bucket": "month"}],
            "measures": [{"fn": "count"}, {"fn": "sum", "field": "x_price", "as": "total"}],
        },
    )
    # then
    assert rows == [{"x_status": "active", "x_installed": "2026-03", "count": 3, "total": "4210.50"}]


def test_group_by_picklist_with_every_measure_as_exact_strings(fleet: Api) -> None:
    # given
    add_price_list(fleet)
    # when
    rows = aggregate(
        fleet,
        {
            "group_by": [{"field": "x_status"}],
            "measures": [
                {"fn": "count"},
                {"fn": "sum", "field": "x_price"},
                {"fn": "avg", "field": "x_price"},
                {"fn": "min", "field": "x_price"},
                {"fn": "max", "field": "x_price", "as": "dearest"},
                {"fn": "count", "field": "x_price", "as": "priced"},
            ],
        },
    )
    # then: the group of empty status comes first, as empty values sort first
    assert rows == [
        {"x_status": None, "count": 1, "sum_x_price": "5.00", "avg_x_price": "5.00", "min_x_price": "5.00",
         "dearest": "5.00", "priced": 1},
        {"x_status": "active", "count": 3, "sum_x_price": "4210.50", "avg_x_price": "1403.50",
         "min_x_price": "1000.10", "dearest": "2000.20", "priced": 3},
        {"x_status": "repair", "count": 2, "sum_x_price": "99.99", "avg_x_price": "99.99", "min_x_price": "99.99",
         "dearest": "99.99", "priced": 1},
    ]  # fmt: skip


def test_integer_measures(fleet: Api) -> None:
    # given
    add_price_list(fleet)
    # when
    rows = aggregate(
        fleet,
        {
            "group_by": ["x_status"],
            "measures": [{"fn": f, "field": "x_qty", "as": f} for f in ("sum", "avg", "min", "max")],
        },
    )
    # then
    assert rows == [
        {"x_status": None, "sum": None, "avg": None, "min": None, "max": None},
        {"x_status": "active", "sum": 5, "avg": "1.67", "min": 1, "max": 2},
        {"x_status": "repair", "sum": 7, "avg": "7.00", "min": 7, "max": 7},
    ]


def test_sums_and_averages_stay_exact_to_the_cent(equipment: Api) -> None:
    # given
    bulk(
        equipment,
        [{"x_serial": f"T{i}", "x_status": "active", "x_price": "0.10"} for i in range(10)]
        + [{"x_serial": f"H{i}", "x_status": "repair", "x_price": "1999999.99"} for i in range(3)]
        + [{"x_serial": "R1", "x_status": "retired", "x_price": "0.01"},
           {"x_serial": "R2", "x_status": "retired", "x_price": "0.02"}],
    )  # fmt: skip
    # when
    rows = aggregate(
        equipment,
        {
            "group_by": ["x_status"],
            "measures": [
                {"fn": "sum", "field": "x_price", "as": "sum"},
                {"fn": "avg", "field": "x_price", "as": "avg"},
            ],
        },
    )
    # then: the average 0.015 rounds half up
    assert rows == [
        {"x_status": "active", "sum": "1.00", "avg": "0.10"},
        {"x_status": "repair", "sum": "5999999.97", "avg": "1999999.99"},
        {"x_status": "retired", "sum": "0.03", "avg": "0.02"},
    ]


def test_without_groups_one_row_sums_everything(fleet: Api) -> None:
    # given: nothing yet
    empty = aggregate(fleet, {"measures": [{"fn": "count"}, {"fn": "sum", "field": "x_price", "as": "total"}]})
    add_price_list(fleet)
    # when
    rows = aggregate(fleet, {"measures": [{"fn": "count"}, {"fn": "sum", "field": "x_price", "as": "total"}]})
    # then
    assert empty == [{"count": 0, "total": None}]
    assert rows == [{"count": 6, "total": "4315.49"}]
    assert aggregate(fleet, {}) == [{"count": 6}]


def test_the_filter_applies_before_grouping(fleet: Api) -> None:
    # given
    add_price_list(fleet)
    dear, seven = {"field": "x_price", "op": "gte", "value": "100"}, {"field": "x_qty", "op": "eq", "value": 7}
    # when
    rows = aggregate(
        fleet,
        {
            "filter": {"or": [dear, seven]},
            "group_by": [{"field": "x_status"}],
            "measures": [{"fn": "count"}, {"fn": "sum", "field": "x_price", "as": "total"}],
        },
    )
    # then
    assert rows == [
        {"x_status": "active", "count": 3, "total": "4210.50"},
        {"x_status": "repair", "count": 1, "total": "99.99"},
    ]


def test_group_by_lookup_and_through_the_lookup(fleet: Api) -> None:
    # given
    north, south = add_price_list(fleet)
    measures = [{"fn": "count"}, {"fn": "sum", "field": "x_price", "as": "total"}]
    # when
    by_site = aggregate(fleet, {"group_by": ["x_site"], "measures": measures})
    by_name = aggregate(fleet, {"group_by": ["x_site.x_name"], "measures": measures})
    # then
    assert by_site == [
        {"x_site": None, "count": 1, "total": "99.99"},
        {"x_site": north, "count": 3, "total": "2215.30"},
        {"x_site": south, "count": 2, "total": "2000.20"},
    ]
    assert by_name == [
        {"x_site.x_name": None, "count": 1, "total": "99.99"},
        {"x_site.x_name": "North", "count": 3, "total": "2215.30"},
        {"x_site.x_name": "South", "count": 2, "total": "2000.20"},
    ]
    # when: a deleted site no longer names a group
    assert fleet.delete(f"/api/v1/records/x_site/{south}").status_code == 204
    assert aggregate(fleet, {"group_by": ["x_site.x_name"], "measures": measures}) == [
        {"x_site.x_name": None, "count": 3, "total": "2100.19"},
        {"x_site.x_name": "North", "count": 3, "total": "2215.30"},
    ]


def test_group_by_boolean_and_two_fields(fleet: Api) -> None:
    # given
    add_price_list(fleet)
    # when
    rows = aggregate(fleet, {"group_by": ["x_ok", "x_status"], "measures": [{"fn": "count"}]})
    # then
    assert rows == [
        {"x_ok": None, "x_status": None, "count": 1},
        {"x_ok": None, "x_status": "repair", "count": 1},
        {"x_ok": False, "x_status": "active", "count": 1},
        {"x_ok": False, "x_status": "repair", "count": 1},
        {"x_ok": True, "x_status": "active", "count": 2},
    ]
    assert aggregate(fleet, {"group_by": ["x_ok", "x_status"], "limit": 2}) == rows[:2]


BUCKET_DAYS = [
    "2021-01-03", "2024-12-30", "2025-12-28", "2025-12-29", "2026-01-01", "2026-03-01", "2026-03-02",
    "2026-03-31", "2026-04-01", "2026-12-31", "2027-01-03", "2027-01-04", "2027-01-04",
]  # fmt: skip


def iso_week(day: str) -> str:
    year, week, _weekday = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def test_date_buckets(equipment: Api) -> None:
    # given
    bulk(
        equipment,
        [{"x_serial": f"D{i:02d}", "x_installed": day} for i, day in enumerate(BUCKET_DAYS)] + [{"x_serial": "none"}],
    )

    def buckets(unit: str) -> list[tuple[str | None, int]]:
        rows = aggregate(equipment, {"group_by": [{"field": "x_installed", "bucket": unit}]})
        return [(row["x_installed"], row["count"]) for row in rows]

    # then
    assert buckets("day") == [(None, 1), *sorted(Counter(BUCKET_DAYS).items())]
    assert buckets("week") == [
        (None, 1), ("2020-W53", 1), ("2025-W01", 1), ("2025-W52", 1), ("2026-W01", 2), ("2026-W09", 1),
        ("2026-W10", 1), ("2026-W14", 2), ("2026-W53", 2), ("2027-W01", 2),
    ]  # fmt: skip
    assert buckets("week") == [(None, 1), *sorted(Counter(iso_week(day) for day in BUCKET_DAYS).items())]
    assert buckets("month") == [
        (None, 1), ("2021-01", 1), ("2024-12", 1), ("2025-12", 2), ("2026-01", 1), ("2026-03", 3), ("2026-04", 1),
        ("2026-12", 1), ("2027-01", 3),
    ]  # fmt: skip
    assert buckets("quarter") == [
        (None, 1), ("2021-Q1", 1), ("2024-Q4", 1), ("2025-Q4", 2), ("2026-Q1", 4), ("2026-Q2", 1), ("2026-Q4", 1),
        ("2027-Q1", 3),
    ]  # fmt: skip
    assert buckets("year") == [(None, 1), ("2021", 1), ("2024", 1), ("2025", 2), ("2026", 6), ("2027", 3)]
    assert aggregate(equipment, {"group_by": ["x_installed"]})[:3] == [
        {"x_installed": None, "count": 1},
        {"x_installed": "2021-01-03", "count": 1},
        {"x_installed": "2024-12-30", "count": 1},
    ]


def test_datetime_buckets_use_the_shanghai_calendar(fleet: Api) -> None:
    # given
    moments = [
        "2025-12-31T15:59:59Z",  # 2025-12-31 23:59:59 in Shanghai, a Wednesday of 2026-W01
        "2025-12-31T16:00:00Z",  # 2026-01-01 00:00 in Shanghai
        "2026-03-29T15:59:59Z",  # Sunday 2026-03-29 23:59:59, the end of 2026-W13
        "2026-03-29T16:00:00Z",  # Monday 2026-03-30 00:00, 2026-W14
        "2026-03-31T15:59:59Z",  # 2026-03-31 23:59:59
        "2026-03-31T17:00:00Z",  # 2026-04-01 01:00
    ]
    bulk(fleet, [{"x_serial": f"M{i}", "x_checked": moment} for i, moment in enumerate(moments)])

    def buckets(unit: str | None) -> list[tuple[str | None, int]]:
        group = {"field": "x_checked", **({"bucket": unit} if unit else {})}
        return [(row["x_checked"], row["count"]) for row in aggregate(fleet, {"group_by": [group]})]

    # then
    days = [
        ("2025-12-31", 1),
        ("2026-01-01", 1),
        ("2026-03-29", 1),
        ("2026-03-30", 1),
        ("2026-03-31", 1),
        ("2026-04-01", 1),
    ]
    assert buckets("day") == days
    assert buckets(None) == days
    assert buckets("week") == [("2026-W01", 2), ("2026-W13", 1), ("2026-W14", 3)]
    assert buckets("month") == [("2025-12", 1), ("2026-01", 1), ("2026-03", 3), ("2026-04", 1)]
    assert buckets("quarter") == [("2025-Q4", 1), ("2026-Q1", 4), ("2026-Q2", 1)]
    assert buckets("year") == [("2025", 1), ("2026", 5)]


def test_min_and_max_of_dates_and_datetimes(fleet: Api) -> None:
    # given
    bulk(
        fleet,
        [
            {"x_serial": "A", "x_installed": "2026-03-18", "x_checked": "2026-03-31T17:00:00Z"},
            {"x_serial": "B", "x_installed": "2025-12-31", "x_checked": "2026-01-01T00:00:00+08:00"},
            {"x_serial": "C"},
        ],
    )
    # when
    rows = aggregate(
        fleet,
        {"measures": [{"fn": fn, "field": name} for fn in ("min", "max") for name in ("x_installed", "x_checked")]},
    )
    # then
    assert rows == [
        {
            "min_x_installed": "2025-12-31",
            "min_x_checked": "2025-12-31T16:00:00Z",
            "max_x_installed": "2026-03-18",
            "max_x_checked": "2026-03-31T17:00:00Z",
        }
    ]


def test_aggregate_errors_name_the_place(fleet: Api) -> None:
    def errors(body: Any) -> list[tuple[str, str]]:
        return problems(fleet.post(AGGREGATE, body))

    assert errors({"measures": [{"fn": "sum", "field": "x_serial"}]}) == [("measures[0].field", "invalid_measure")]
    assert errors({"measures": [{"fn": "count"}, {"fn": "avg", "field": "x_status"}]}) == [
        ("measures[1].field", "invalid_measure")
    ]
    assert errors({"measures": [{"fn": "min", "field": "x_ok"}]}) == [("measures[0].field", "invalid_measure")]
    assert errors({"measures": [{"fn": "median", "field": "x_price"}]}) == [("measures[0]", "invalid_measure")]
    assert errors({"measures": [{"fn": ["sum"], "field": "x_price"}]}) == [("measures[0]", "invalid_measure")]
    assert errors({"measures": [{"fn": "sum"}]}) == [("measures[0].field", "missing_field")]
    assert errors({"measures": [{"fn": "sum", "field": "x_nope"}]}) == [("measures[0].field", "unknown_field")]
    assert errors({"measures": []}) == [("measures", "invalid_measure")]
    assert errors({"group_by": ["x_status"], "measures": [{"fn": "count", "as": "x_status"}]}) == [
        ("measures[0].as", "invalid_name")
    ]
    assert errors({"measures": [{"fn": "count"}, {"fn": "count", "field": "x_price", "as": "count"}]}) == [
        ("measures[1].as", "invalid_name")
    ]
    assert errors({"group_by": [{"field": "x_status", "bucket": "month"}]}) == [
        ("group_by[0].bucket", "invalid_bucket")
    ]
    assert errors({"group_by": [{"field": "x_price", "bucket": "year"}]}) == [("group_by[0].bucket", "invalid_bucket")]
    assert errors({"group_by": [{"field": "x_installed", "bucket": "decade"}]}) == [
        ("group_by[0].bucket", "invalid_bucket")
    ]
    assert errors({"group_by": ["x_status", "x_nope"]}) == [("group_by[1].field", "unknown_field")]
    assert errors({"group_by": ["x_status", "x_status"]}) == [("group_by[1].field", "duplicate_group")]
    assert errors(
        {"group_by": [{"field": "x_installed", "bucket": "year"}, {"field": "x_installed", "bucket": "month"}]}
    ) == [("group_by[1].field", "duplicate_group")]
    assert errors({"group_by": "x_status"}) == [("group_by", "invalid_group")]
    assert errors({"group_by": [{"field": "x_status", "order": "desc"}]}) == [("group_by[0]", "invalid_group")]
    assert errors({"filter": {"field": "x_nope", "op": "eq", "value": 1}}) == [("filter.field", "unknown_field")]
    assert errors({"filter": {"field": "x_price", "op": "contains", "value": "1"}}) == [
        ("filter.op", "invalid_operator")
    ]
    assert errors({"limit": 0}) == [("limit", "invalid_limit")]
    assert errors({"having": {}}) == [("having", "unknown_key")]
