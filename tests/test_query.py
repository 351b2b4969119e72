"""The query API: every operator on every type, relative dates, sorts, keyset and offset pages, field selection,
the query-string form and the errors, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import Api, FakeClock

QUERY = "/api/v1/records/x_equipment/query"

EXTRA_FIELDS: list[dict[str, Any]] = [
    {"name": "x_note", "type": "text", "label": {"en": "Note"}},
    {"name": "x_qty", "type": "integer", "label": {"en": "Quantity"}, "min": 0, "max": 100},
    {"name": "x_weight", "type": "decimal", "label": {"en": "Weight"}, "scale": 3},
    {"name": "x_checked", "type": "datetime", "label": {"en": "Checked"}},
    {"name": "x_ok", "type": "boolean", "label": {"en": "OK"}},
    {"name": "x_tags", "type": "multi_picklist", "label": {"en": "Tags"},
     "values": [{"value": v} for v in ("a_b", "a-b", "axb", "A", "a", "ops")]},
]  # fmt: skip


@pytest.fixture
def catalog(equipment: Api) -> Api:
    """x_equipment with one more field of each remaining type: text, integer, decimal, datetime, boolean, tags."""
    for spec in EXTRA_FIELDS:
        response = equipment.post("/api/v1/meta/objects/x_equipment/fields", spec)
        assert response.status_code == 201, response.text
    return equipment


def create(api: Api, obj: str = "x_equipment", **values: Any) -> int:
    response = api.post(f"/api/v1/records/{obj}", values)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create_site(api: Api, name: str | None) -> int:
    return create(api, "x_site", x_name=name)


def query(api: Api, body: dict[str, Any], obj: str = "x_equipment") -> dict[str, Any]:
    response = api.post(f"/api/v1/records/{obj}/query", body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def serials(api: Api, condition: dict[str, Any]) -> list[str]:
    """The serials of the records a filter finds, in serial order."""
    body = {"filter": condition, "fields": ["x_serial"], "sort": [{"field": "x_serial"}], "limit": 1000}
    return [record["x_serial"] for record in query(api, body)["records"]]


def check(api: Api, field: str, cases: list[tuple[str, Any, list[str]]]) -> None:
    """Run ``field <op> value`` for every case and compare all results at once."""
    actual = [(op, value, serials(api, {"field": field, "op": op, "value": value})) for op, value, _ in cases]
    assert actual == cases


def problems(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


# -- operators by type ---------------------------------------------------------------------------------------


def test_text_operators_match_case_insensitively_and_take_wildcards_literally(catalog: Api) -> None:
    # given
    notes = {
        "T1": "Pump 100%", "T2": "Pump 1000", "T3": "under_score", "T4": "underXscore", "T5": "Alpha",
        "T6": "alpha beta", "T7": "ALPHABET", "T8": "back\\slash", "T9": "华通设备", "T0": None,
    }  # fmt: skip
    for serial, note in notes.items():
        create(catalog, x_serial=serial, x_note=note)
    everything = sorted(notes)
    # then
    check(
        catalog,
        "x_note",
        [
            ("contains", "alpha", ["T5", "T6", "T7"]),
            ("contains", "ALPHA", ["T5", "T6", "T7"]),
            ("contains", "100%", ["T1"]),
            ("contains", "%", ["T1"]),
            ("contains", "_", ["T3"]),
            ("contains", "\\", ["T8"]),
            ("contains", "通设", ["T9"]),
            ("starts_with", "pump", ["T1", "T2"]),
            ("starts_with", "under_", ["T3"]),
            ("starts_with", "%", []),
            ("ends_with", "%", ["T1"]),
            ("ends_with", "Et", ["T7"]),
            ("ends_with", "_score", ["T3"]),
            ("eq", "Alpha", ["T5"]),
            ("eq", "Pump 100_", []),
            ("ne", "Alpha", [s for s in everything if s != "T5"]),
            ("in", ["Alpha", "华通设备"], ["T5", "T9"]),
            ("not_in", ["Alpha", "Pump 1000"], [s for s in everything if s not in ("T5", "T2")]),
            ("is_null", True, ["T0"]),
            ("is_null", False, [s for s in everything if s != "T0"]),
        ],
    )


def test_picklist_operators(equipment: Api) -> None:
    # given
    for serial, status in (("P1", "active"), ("P2", "repair"), ("P3", "retired"), ("P4", "active"), ("P0", None)):
        create(equipment, x_serial=serial, x_status=status)
    # then
    check(
        equipment,
        "x_status",
        [
            ("eq", "active", ["P1", "P4"]),
            ("ne", "active", ["P0", "P2", "P3"]),
            ("in", ["repair", "retired"], ["P2", "P3"]),
            ("not_in", ["active", "repair"], ["P0", "P3"]),
            ("is_null", True, ["P0"]),
            ("is_null", False, ["P1", "P2", "P3", "P4"]),
        ],
    )


def test_multi_picklist_operators_match_whole_values_exactly(catalog: Api) -> None:
    # given: values that differ only by a LIKE wildcard or by case
    tags = {"M1": ["a_b"], "M2": ["a-b", "ops"], "M3": ["axb"], "M4": ["A"], "M5": ["a", "a_b"], "M0": []}
    for serial, chosen in tags.items():
        create(catalog, x_serial=serial, x_tags=chosen)
    # then
    check(
        catalog,
        "x_tags",
        [
            ("contains", "a_b", ["M1", "M5"]),
            ("contains", "a-b", ["M2"]),
            ("contains", "A", ["M4"]),
            ("contains", "a", ["M5"]),
            ("in", ["ops", "axb"], ["M2", "M3"]),
            ("in", ["a_b"], ["M1", "M5"]),
            ("not_in", ["a_b"], ["M0", "M2", "M3", "M4"]),
            ("not_in", ["A", "ops"], ["M0", "M1", "M3", "M5"]),
            ("is_null", True, ["M0"]),
            ("is_null", False, ["M1", "M2", "M3", "M4", "M5"]),
        ],
    )
    record = query(catalog, {"filter": {"field": "x_serial", "op": "eq", "value": "M2"}, "fields": ["x_tags"]})
    assert record["records"] == [{"id": 2, "x_tags": ["a-b", "ops"]}]


def test_integer_operators(catalog: Api) -> None:
    # given
    for serial, qty in (("I1", 0), ("I2", 3), ("I3", 10), ("I4", 100), ("I0", None)):
        create(catalog, x_serial=serial, x_qty=qty)
    # then
    check(
        catalog,
        "x_qty",
        [
            ("eq", 3, ["I2"]),
            ("eq", "3", ["I2"]),
            ("ne", 3, ["I0", "I1", "I3", "I4"]),
            ("lt", 3, ["I1"]),
            ("lte", 3, ["I1", "I2"]),
            ("gt", 3, ["I3", "I4"]),
            ("gte", 3, ["I2", "I3", "I4"]),
            ("between", [1, 10], ["I2", "I3"]),
            ("between", [10, 1], []),
            ("in", [0, 100], ["I1", "I4"]),
            ("not_in", [0, 100], ["I0", "I2", "I3"]),
            ("is_null", True, ["I0"]),
            ("is_null", False, ["I1", "I2", "I3", "I4"]),
            # a filter compares: the field's min 0 and max 100 bound what is stored, not what is asked
            ("gt", -1, ["I1", "I2", "I3", "I4"]),
            ("lt", 1000, ["I1", "I2", "I3", "I4"]),
        ],
    )


def test_currency_operators_compare_exactly_without_rounding_the_filter_value(equipment: Api) -> None:
    # given
    for serial, price in (("C1", "-3.50"), ("C2", "10.00"), ("C3", "10.01"), ("C4", "1999.99"), ("C0", None)):
        create(equipment, x_serial=serial, x_price=price)
    # then
    check(
        equipment,
        "x_price",
        [
            ("eq", "10.01", ["C3"]),
            ("eq", 10, ["C2"]),
            ("eq", "10.010", ["C3"]),
            ("eq", "10.005", []),
            ("eq", "10.1", []),
            ("ne", "10.00", ["C0", "C1", "C3", "C4"]),
            ("gt", "10.005", ["C3", "C4"]),
            ("gte", "10.005", ["C3", "C4"]),
            ("lt", "10.004", ["C1", "C2"]),
            ("lte", "10.00", ["C1", "C2"]),
            ("lt", -3.5, []),
            ("between", ["-3.5", "10"], ["C1", "C2"]),
            ("between", ["10.001", "1999.999"], ["C3", "C4"]),
            ("in", ["10", "1999.99"], ["C2", "C4"]),
            ("not_in", ["10", "1999.99"], ["C0", "C1", "C3"]),
            ("is_null", True, ["C0"]),
            ("is_null", False, ["C1", "C2", "C3", "C4"]),
        ],
    )


def test_decimal_operators_use_the_field_scale(catalog: Api) -> None:
    # given
    for serial, weight in (("W1", "0.001"), ("W2", "1.234"), ("W3", "1.2345"), ("W0", None)):
        create(catalog, x_serial=serial, x_weight=weight)
    # then: 1.2345 was stored as 1.235
    check(
        catalog,
        "x_weight",
        [
            ("eq", "1.2340", ["W2"]),
            ("eq", "1.235", ["W3"]),
            ("gt", "1.2341", ["W3"]),
            ("lt", "0.0011", ["W1"]),
            ("between", ["0.001", "1.234"], ["W1", "W2"]),
            ("ne", "0.001", ["W0", "W2", "W3"]),
        ],
    )
    assert query(catalog, {"sort": ["x_weight"], "fields": ["x_weight"]})["records"] == [
        {"id": 4, "x_weight": None}, {"id": 1, "x_weight": "0.001"}, {"id": 2, "x_weight": "1.234"},
        {"id": 3, "x_weight": "1.235"},
    ]  # fmt: skip


def test_date_operators(equipment: Api) -> None:
    # given
    for serial, day in (("D1", "2026-02-28"), ("D2", "2026-03-01"), ("D3", "2026-03-18"), ("D0", None)):
        create(equipment, x_serial=serial, x_installed=day)
    # then
    check(
        equipment,
        "x_installed",
        [
            ("eq", "2026-03-01", ["D2"]),
            ("ne", "2026-03-01", ["D0", "D1", "D3"]),
            ("lt", "2026-03-01", ["D1"]),
            ("lte", "2026-03-01", ["D1", "D2"]),
            ("gt", "2026-03-01", ["D3"]),
            ("gte", "2026-03-01", ["D2", "D3"]),
            ("between", ["2026-02-28", "2026-03-01"], ["D1", "D2"]),
            ("between", ["2026-03-02", "2026-03-17"], []),
            ("is_null", True, ["D0"]),
            ("is_null", False, ["D1", "D2", "D3"]),
        ],
    )


CHECKED = {
    "T1": "2026-03-15T15:59:59Z",  # Sunday 15 March, 23:59:59 in Shanghai
    "T2": "2026-03-15T16:00:00Z",  # Monday 16 March, midnight in Shanghai
    "T3": "2026-03-17T15:59:59Z",  # yesterday, last second
    "T4": "2026-03-17T16:00:00Z",  # today, first second
    "T5": "2026-03-18T15:59:59Z",  # today, last second
    "T6": "2026-03-18T16:00:00Z",  # tomorrow, first second
    "T7": "2026-03-31T15:59:59Z",  # 31 March, last second
    "T8": "2026-03-31T16:00:00Z",  # 1 April in Shanghai
    "T0": None,
}


def test_datetime_operators_read_dates_in_the_company_time_zone(catalog: Api) -> None:
    # given
    for serial, moment in CHECKED.items():
        create(catalog, x_serial=serial, x_checked=moment)
    # then
    check(
        catalog,
        "x_checked",
        [
            ("eq", "2026-03-18", ["T4", "T5"]),
            ("ne", "2026-03-18", ["T0", "T1", "T2", "T3", "T6", "T7", "T8"]),
            ("lt", "2026-03-18", ["T1", "T2", "T3"]),
            ("lte", "2026-03-18", ["T1", "T2", "T3", "T4", "T5"]),
            ("gt", "2026-03-18", ["T6", "T7", "T8"]),
            ("gte", "2026-03-18", ["T4", "T5", "T6", "T7", "T8"]),
            ("between", ["2026-03-16", "2026-03-18"], ["T2", "T3", "T4", "T5"]),
            ("eq", "2026-03-18T00:00:00+08:00", ["T4"]),
            ("eq", "2026-03-17T16:00:00Z", ["T4"]),
            ("ne", "2026-03-17T16:00:00Z", ["T0", "T1", "T2", "T3", "T5", "T6", "T7", "T8"]),
            ("lt", "2026-03-17T16:00:00Z", ["T1", "T2", "T3"]),
            ("lte", "2026-03-17T16:00:00Z", ["T1", "T2", "T3", "T4"]),
            ("gt", "2026-03-18T23:59:59+08:00", ["T6", "T7", "T8"]),
            ("gte", "2026-03-18T23:59:59+08:00", ["T5", "T6", "T7", "T8"]),
            ("between", ["2026-03-17T16:00:00Z", "2026-03-19T00:00:00+08:00"], ["T4", "T5", "T6"]),
            ("is_null", True, ["T0"]),
        ],
    )
    record = query(catalog, {"filter": {"field": "x_serial", "op": "eq", "value": "T8"}, "fields": ["x_checked"]})
    assert record["records"] == [{"id": 8, "x_checked": "2026-03-31T16:00:00Z"}]


def test_boolean_operators(catalog: Api) -> None:
    # given
    for serial, ok in (("B1", True), ("B2", False), ("B0", None)):
        create(catalog, x_serial=serial, x_ok=ok)
    # then
    check(
        catalog,
        "x_ok",
        [
            ("eq", True, ["B1"]),
            ("eq", False, ["B2"]),
            ("eq", "yes", ["B1"]),
            ("ne", True, ["B0", "B2"]),
            ("ne", False, ["B0", "B1"]),
            ("is_null", True, ["B0"]),
            ("is_null", False, ["B1", "B2"]),
        ],
    )


def test_lookup_operators_and_filters_through_the_lookup(equipment: Api) -> None:
    # given
    shanghai, beijing, unnamed = (create_site(equipment, name) for name in ("上海工厂", "北京仓库", None))
    for serial, site in (("L1", shanghai), ("L2", beijing), ("L3", shanghai), ("L4", unnamed), ("L0", None)):
        create(equipment, x_serial=serial, x_site=site)
    # then
    check(
        equipment,
        "x_site",
        [
            ("eq", shanghai, ["L1", "L3"]),
            ("eq", str(beijing), ["L2"]),
            ("ne", shanghai, ["L0", "L2", "L4"]),
            ("in", [beijing, unnamed], ["L2", "L4"]),
            ("not_in", [shanghai], ["L0", "L2", "L4"]),
            ("is_null", True, ["L0"]),
            ("is_null", False, ["L1", "L2", "L3", "L4"]),
        ],
    )
    check(
        equipment,
        "x_site.x_name",
        [
            ("contains", "上海", ["L1", "L3"]),
            ("eq", "北京仓库", ["L2"]),
            ("ne", "北京仓库", ["L0", "L1", "L3", "L4"]),
            ("is_null", True, ["L0", "L4"]),
        ],
    )


def test_auto_number_operators(api: Api) -> None:
    # given
    numbers = {}
    for name in ("Alpha", "Beta", "Gamma"):
        response = api.post("/api/v1/records/opportunity", {"name": name})
        assert response.status_code == 201, response.text
        numbers[name] = response.json()["number"]
    assert numbers == {"Alpha": "OPP-2026-0001", "Beta": "OPP-2026-0002", "Gamma": "OPP-2026-0003"}

    def names(op: str, value: Any) -> list[str]:
        body = {"filter": {"field": "number", "op": op, "value": value}, "fields": ["name"], "sort": ["number"]}
        return [record["name"] for record in query(api, body, "opportunity")["records"]]

    # then
    assert names("eq", "OPP-2026-0002") == ["Beta"]
    assert names("ne", "OPP-2026-0002") == ["Alpha", "Gamma"]
    assert names("in", ["OPP-2026-0001", "OPP-2026-0003"]) == ["Alpha", "Gamma"]
    assert names("not_in", ["OPP-2026-0001"]) == ["Beta", "Gamma"]
    assert names("starts_with", "opp-2026-000") == ["Alpha", "Beta", "Gamma"]
    assert names("contains", "-0003") == ["Gamma"]
    assert names("ends_with", "2") == ["Beta"]
    assert names("is_null", False) == ["Alpha", "Beta", "Gamma"]
    descending = query(api, {"sort": ["-number"], "fields": ["number"]}, "opportunity")["records"]
    assert [record["number"] for record in descending] == ["OPP-2026-0003", "OPP-2026-0002", "OPP-2026-0001"]
    wrong = api.post(
        "/api/v1/records/opportunity/query", {"filter": {"field": "number", "op": "eq", "value": {"a": 1}}}
    )
    assert problems(wrong) == [("filter.value", "invalid_type")]


def test_a_value_cleared_with_null_is_empty_to_filters(catalog: Api) -> None:
    # given
    record = create(catalog, x_serial="N1", x_price="5", x_qty=5, x_note="x", x_ok=True, x_installed="2026-03-01")
    # when
    response = catalog.patch(
        f"/api/v1/records/x_equipment/{record}",
        {"version": 1, "x_price": None, "x_qty": None, "x_note": None, "x_ok": None, "x_installed": None},
    )
    # then
    assert response.status_code == 200, response.text
    for field in ("x_price", "x_qty", "x_note", "x_ok", "x_installed"):
        assert serials(catalog, {"field": field, "op": "is_null", "value": True}) == ["N1"], field


# -- combinations --------------------------------------------------------------------------------------------


def test_nested_and_or_not(equipment: Api) -> None:
    # given
    rows = (
        ("E1", "active", "100.00"), ("E2", "active", "5.00"), ("E3", "repair", "100.00"),
        ("E4", "retired", None), ("E5", None, "50.00"), ("E6", None, None),
    )  # fmt: skip
    for serial, status, price in rows:
        create(equipment, x_serial=serial, x_status=status, x_price=price)
    active = {"field": "x_status", "op": "eq", "value": "active"}
    expensive = {"field": "x_price", "op": "gte", "value": "50"}
    # then
    assert serials(equipment, {"and": [active, expensive]}) == ["E1"]
    assert serials(equipment, {"or": [active, expensive]}) == ["E1", "E2", "E3", "E5"]
    assert serials(equipment, {"not": active}) == ["E3", "E4", "E5", "E6"]
    assert serials(equipment, {"not": {"not": active}}) == ["E1", "E2"]
    assert serials(
        equipment,
        {"and": [{"not": active}, {"or": [expensive, {"field": "x_status", "op": "is_null", "value": True}]}]},
    ) == ["E3", "E5", "E6"]
    assert serials(
        equipment, {"or": [{"and": [active, {"not": expensive}]}, {"field": "x_price", "op": "is_null", "value": True}]}
    ) == ["E2", "E4", "E6"]


def test_not_of_a_condition_includes_empty_values_like_ne_does(equipment: Api) -> None:
    # given
    for serial, status, price in (("E1", "active", "100.00"), ("E2", "repair", "5.00"), ("E3", None, None)):
        create(equipment, x_serial=serial, x_status=status, x_price=price)
    # then: "not (x op v)" is the complement of "x op v", empty values included
    assert serials(equipment, {"not": {"field": "x_price", "op": "gt", "value": "10"}}) == ["E2", "E3"]
    assert serials(equipment, {"not": {"field": "x_status", "op": "eq", "value": "active"}}) == serials(
        equipment, {"field": "x_status", "op": "ne", "value": "active"}
    )
    assert serials(equipment, {"not": {"field": "x_status", "op": "in", "value": ["active"]}}) == ["E2", "E3"]
    dear, in_repair = (
        {"field": "x_price", "op": "gt", "value": "10"},
        {"field": "x_status", "op": "eq", "value": "repair"},
    )
    assert serials(equipment, {"not": {"or": [dear, in_repair]}}) == ["E3"]
    assert serials(equipment, {"not": {"and": [{"not": dear}, {"not": in_repair}]}}) == ["E1", "E2"]
    assert serials(equipment, {"not": {"not": {"field": "x_price", "op": "lt", "value": "10"}}}) == ["E2"]


# -- relative dates ------------------------------------------------------------------------------------------

DAYS = [
    "2025-09-30", "2025-10-01", "2025-12-22", "2025-12-28", "2025-12-31", "2026-01-01", "2026-02-28",
    "2026-03-01", "2026-03-11", "2026-03-12", "2026-03-15", "2026-03-16", "2026-03-17", "2026-03-18",
    "2026-03-19", "2026-03-22", "2026-03-23", "2026-03-25", "2026-03-26", "2026-03-29", "2026-03-30",
    "2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01", "2026-12-31", "2027-01-01",
]  # fmt: skip


@pytest.fixture
def calendar(equipment: Api) -> Api:
    """One record per day of DAYS (its serial is the date) and one without a date."""
    records = [{"x_serial": day, "x_installed": day} for day in DAYS] + [{"x_serial": "none"}]
    response = equipment.post("/api/v1/records/x_equipment/bulk", {"operation": "create", "records": records})
    assert response.status_code == 200, response.text
    return equipment


def days(api: Api, op: str, value: Any) -> list[str]:
    return serials(api, {"field": "x_installed", "op": op, "value": value})


def between(low: str, high: str) -> list[str]:
    return [day for day in DAYS if low <= day <= high]


def test_relative_dates_on_a_wednesday(calendar: Api) -> None:
    # given: the clock reads 2026-03-18 10:00 in Shanghai, a Wednesday
    tokens = [
        "today", "yesterday", "tomorrow", "this_week", "last_week", "next_week", "this_month", "last_month",
        "next_month", "this_quarter", "last_quarter", "next_quarter", "this_year", "last_year", "next_year",
        "last_n_days:7", "last_n_days:1", "next_n_days:7", "next_n_days:1", "last_n_days:30",
    ]  # fmt: skip
    # when
    found = {token: days(calendar, "eq", token) for token in tokens}
    # then
    assert found == {
        "today": ["2026-03-18"],
        "yesterday": ["2026-03-17"],
        "tomorrow": ["2026-03-19"],
        "this_week": between("2026-03-16", "2026-03-22"),
        "last_week": between("2026-03-09", "2026-03-15"),
        "next_week": between("2026-03-23", "2026-03-29"),
        "this_month": between("2026-03-01", "2026-03-31"),
        "last_month": ["2026-02-28"],
        "next_month": ["2026-04-01"],
        "this_quarter": between("2026-01-01", "2026-03-31"),
        "last_quarter": between("2025-10-01", "2025-12-31"),
        "next_quarter": between("2026-04-01", "2026-06-30"),
        "this_year": between("2026-01-01", "2026-12-31"),
        "last_year": between("2025-01-01", "2025-12-31"),
        "next_year": ["2027-01-01"],
        "last_n_days:7": between("2026-03-12", "2026-03-18"),
        "last_n_days:1": ["2026-03-18"],
        "next_n_days:7": between("2026-03-19", "2026-03-25"),
        "next_n_days:1": ["2026-03-19"],
        "last_n_days:30": between("2026-02-17", "2026-03-18"),
    }
    assert between("2026-03-16", "2026-03-22") == ["2026-03-16", "2026-03-17", "2026-03-18", "2026-03-19", "2026-03-22"]


def test_relative_dates_with_other_operators(calendar: Api) -> None:
    assert days(calendar, "lt", "today") == between("0000", "2026-03-17")
    assert days(calendar, "lte", "today") == between("0000", "2026-03-18")
    assert days(calendar, "gt", "this_week") == between("2026-03-23", "9999")
    assert days(calendar, "gte", "this_month") == between("2026-03-01", "9999")
    assert days(calendar, "lte", "last_month") == between("0000", "2026-02-28")
    assert days(calendar, "ne", "this_quarter") == sorted(
        [*between("0000", "2025-12-31"), *between("2026-04-01", "9999"), "none"]
    )
    assert days(calendar, "between", ["last_month", "this_month"]) == between("2026-02-01", "2026-03-31")
    assert days(calendar, "between", ["2026-03-16", "this_week"]) == between("2026-03-16", "2026-03-22")
    assert days(calendar, "between", ["yesterday", "2026-03-19"]) == between("2026-03-17", "2026-03-19")


def test_relative_dates_follow_the_clock_across_week_month_quarter_and_year_ends(
    calendar: Api, clock: FakeClock
) -> None:
    # given: 23:59:59 on 31 December 2025 in Shanghai (15:59:59 UTC), a Wednesday
    clock.set(datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC))
    assert days(calendar, "eq", "today") == ["2025-12-31"]
    assert days(calendar, "eq", "this_week") == between("2025-12-29", "2026-01-04")
    assert days(calendar, "eq", "next_month") == between("2026-01-01", "2026-01-31")
    # when: one second later it is 2026 in Shanghai, while still 2025 in UTC
    clock.advance(seconds=1)
    # then
    assert days(calendar, "eq", "today") == ["2026-01-01"]
    assert days(calendar, "eq", "yesterday") == ["2025-12-31"]
    assert days(calendar, "eq", "this_week") == between("2025-12-29", "2026-01-04")
    assert days(calendar, "eq", "last_week") == between("2025-12-22", "2025-12-28")
    assert days(calendar, "eq", "last_month") == between("2025-12-01", "2025-12-31")
    assert days(calendar, "eq", "this_month") == ["2026-01-01"]
    assert days(calendar, "eq", "last_quarter") == between("2025-10-01", "2025-12-31")
    assert days(calendar, "eq", "this_quarter") == between("2026-01-01", "2026-03-31")
    assert days(calendar, "eq", "last_year") == between("2025-01-01", "2025-12-31")
    assert days(calendar, "eq", "this_year") == between("2026-01-01", "2026-12-31")
    assert days(calendar, "eq", "last_n_days:2") == ["2025-12-31", "2026-01-01"]
    assert days(calendar, "eq", "next_n_days:365") == between("2026-01-02", "2027-01-01")


def test_weeks_start_on_monday(calendar: Api, clock: FakeClock) -> None:
    # given: Sunday 22 March, the last day of the week
    clock.set(datetime(2026, 3, 22, 2, 0, tzinfo=UTC))
    assert days(calendar, "eq", "this_week") == between("2026-03-16", "2026-03-22")
    assert days(calendar, "eq", "next_week") == between("2026-03-23", "2026-03-29")
    # when: Monday 23 March begins, 16:00 UTC on the 22nd
    clock.set(datetime(2026, 3, 22, 16, 0, tzinfo=UTC))
    # then
    assert days(calendar, "eq", "this_week") == between("2026-03-23", "2026-03-29")
    assert days(calendar, "eq", "last_week") == between("2026-03-16", "2026-03-22")
    assert days(calendar, "eq", "today") == ["2026-03-23"]


def test_relative_dates_on_a_datetime_field_use_shanghai_days(catalog: Api, clock: FakeClock) -> None:
    # given
    for serial, moment in CHECKED.items():
        create(catalog, x_serial=serial, x_checked=moment)

    def found(op: str, value: Any) -> list[str]:
        return serials(catalog, {"field": "x_checked", "op": op, "value": value})

    # then
    assert found("eq", "today") == ["T4", "T5"]
    assert found("eq", "yesterday") == ["T3"]
    assert found("eq", "tomorrow") == ["T6"]
    assert found("eq", "this_week") == ["T2", "T3", "T4", "T5", "T6"]
    assert found("eq", "last_week") == ["T1"]
    assert found("eq", "this_month") == ["T1", "T2", "T3", "T4", "T5", "T6", "T7"]
    assert found("eq", "next_month") == ["T8"]
    assert found("lt", "today") == ["T1", "T2", "T3"]
    assert found("gt", "today") == ["T6", "T7", "T8"]
    assert found("eq", "last_n_days:3") == ["T2", "T3", "T4", "T5"]
    assert found("eq", "next_n_days:13") == ["T6", "T7"]
    # when: just after midnight in Shanghai, still the day before in UTC
    clock.set(datetime(2026, 3, 18, 16, 0, 1, tzinfo=UTC))
    # then
    assert found("eq", "today") == ["T6"]
    assert found("eq", "yesterday") == ["T4", "T5"]


# -- sorting and pages ---------------------------------------------------------------------------------------


def make_fleet(api: Api) -> list[dict[str, Any]]:
    """23 records with many ties and empty values in status, price and site name."""
    north, south = create_site(api, "North"), create_site(api, "South")
    statuses = ["active", "repair", None, "retired", "active", None]
    prices = ["10.00", None, "10.00", "2.50", None, "99.99", "10.00"]
    sites = [north, None, south, north, south]
    records = [
        {"x_serial": f"S{index:02d}", "x_status": statuses[index % 6], "x_price": prices[index % 7],
         "x_site": sites[index % 5]}
        for index in range(23)
    ]  # fmt: skip
    for record in records:
        create(api, **{key: value for key, value in record.items() if value is not None})
    return records


def walk(api: Api, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Every page of a list by cursor; returns the records and the number of pages."""
    records: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        page = query(api, {**body, **({"cursor": cursor} if cursor else {})})
        pages += 1
        records += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return records, pages
        assert pages < 50


def test_multi_field_sort_puts_empty_values_first_ascending_and_last_descending(equipment: Api) -> None:
    # given
    rows = (
        ("A", "repair", "5.00"), ("B", None, "7.00"), ("C", "active", None), ("D", "active", "5.00"),
        ("E", None, None), ("F", "repair", "9.00"), ("G", "active", "7.00"),
    )  # fmt: skip
    for serial, status, price in rows:
        create(equipment, x_serial=serial, x_status=status, x_price=price)

    def order(*sort: str) -> list[str]:
        return [r["x_serial"] for r in query(equipment, {"sort": list(sort), "fields": ["x_serial"]})["records"]]

    # then
    assert order("x_status", "x_price") == ["E", "B", "C", "D", "G", "A", "F"]
    assert order("x_status", "-x_price") == ["B", "E", "G", "D", "C", "F", "A"]
    assert order("-x_status", "x_price") == ["A", "F", "C", "D", "G", "E", "B"]
    assert order("-x_status", "-x_price") == ["F", "A", "G", "D", "C", "B", "E"]
    assert order("x_price", "x_serial") == ["C", "E", "A", "D", "B", "G", "F"]
    assert order("-x_price", "-x_serial") == ["F", "G", "B", "D", "A", "E", "C"]
    as_objects = query(
        equipment,
        {"sort": [{"field": "x_status", "dir": "desc"}, {"field": "x_serial"}], "fields": ["x_serial"]},
    )["records"]
    assert [r["x_serial"] for r in as_objects] == ["A", "F", "C", "D", "G", "B", "E"]


SORTS: list[list[dict[str, str]]] = [
    [{"field": "x_status"}],
    [{"field": "x_price", "dir": "desc"}],
    [{"field": "x_status", "dir": "desc"}, {"field": "x_price"}],
    [{"field": "x_price"}, {"field": "x_status", "dir": "desc"}],
    [{"field": "x_site.x_name"}, {"field": "x_price", "dir": "desc"}],
    [{"field": "x_status", "dir": "desc"}, {"field": "x_site.x_name", "dir": "desc"}, {"field": "x_serial"}],
    [],
]


def in_sort_order(records: list[dict[str, Any]], sort: list[dict[str, str]]) -> bool:
    """Whether records follow ``sort`` (ties in every sort field may come in any order); empty is the smallest."""

    def value(record: dict[str, Any], name: str) -> Any:
        return Decimal(record[name]) if name == "x_price" and record[name] is not None else record[name]

    def compare(left: dict[str, Any], right: dict[str, Any]) -> int:
        for key in sort:
            a, b = value(left, key["field"]), value(right, key["field"])
            if a != b:
                order = -1 if a is None or (b is not None and a < b) else 1
                return -order if key.get("dir") == "desc" else order
        return 0

    return all(compare(left, right) <= 0 for left, right in pairwise(records))


def test_cursor_pages_walk_the_whole_sorted_list_once(equipment: Api) -> None:
    # given: ties and empty values in every sort field
    records = make_fleet(equipment)
    for sort in SORTS:
        body: dict[str, Any] = {"sort": sort, "fields": ["x_serial", "x_status", "x_price", "x_site.x_name"]}
        full = query(equipment, {**body, "limit": 1000})
        # when
        walked, pages = walk(equipment, {**body, "limit": 4})
        # then
        assert full["next_cursor"] is None
        assert walked == full["records"], sort
        assert pages == 6, sort
        assert sorted(r["x_serial"] for r in walked) == [r["x_serial"] for r in records], sort
        assert in_sort_order(walked, sort), sort
    newest_first = query(equipment, {"fields": ["x_serial"], "limit": 1000})["records"]
    assert [r["id"] for r in newest_first] == list(range(23, 0, -1))


def test_cursor_pages_with_a_filter_and_single_row_pages(equipment: Api) -> None:
    # given
    make_fleet(equipment)
    body: dict[str, Any] = {
        "filter": {"field": "x_status", "op": "ne", "value": "active"},
        "sort": [{"field": "x_price", "dir": "desc"}, {"field": "x_status"}],
        "fields": ["x_serial"],
    }
    full = query(equipment, {**body, "limit": 1000, "count": True})
    # when
    walked, pages = walk(equipment, {**body, "limit": 1})
    # then
    assert full["total"] == 15
    assert len(full["records"]) == 15
    assert walked == full["records"]
    assert pages == 15


def test_offset_pages_and_count(equipment: Api) -> None:
    # given
    make_fleet(equipment)
    body: dict[str, Any] = {"sort": ["x_status", "x_serial"], "fields": ["x_serial"], "limit": 10}
    full = [r["x_serial"] for r in query(equipment, {**body, "limit": 1000})["records"]]
    # when
    pages = [query(equipment, {**body, "offset": offset, "count": True}) for offset in (0, 10, 20, 30)]
    # then
    assert [[r["x_serial"] for r in page["records"]] for page in pages] == [full[0:10], full[10:20], full[20:], []]
    assert [page["total"] for page in pages] == [23, 23, 23, 23]
    assert [page["next_cursor"] for page in pages] == [None, None, None, None]
    assert "total" not in query(equipment, body)
    filtered = query(equipment, {"filter": {"field": "x_status", "op": "is_null", "value": True}, "count": True})
    assert filtered["total"] == 7
    assert len(filtered["records"]) == 7
    assert full[:7] == sorted(r["x_serial"] for r in filtered["records"])


def test_default_order_is_newest_first_and_default_limit_is_50(equipment: Api) -> None:
    # given
    for index in range(55):
        create(equipment, x_serial=f"S{index:02d}")
    # when
    first = query(equipment, {"fields": ["x_serial"]})
    # then
    assert [r["id"] for r in first["records"]] == list(range(55, 5, -1))
    second = query(equipment, {"fields": ["x_serial"], "cursor": first["next_cursor"]})
    assert [r["id"] for r in second["records"]] == [5, 4, 3, 2, 1]
    assert second["next_cursor"] is None


# -- fields ----------------------------------------------------------------------------------------------------


def test_fields_follow_a_lookup_and_a_deleted_site_reads_as_null(equipment: Api) -> None:
    # given
    kept, removed = create_site(equipment, "上海工厂"), create_site(equipment, "北京仓库")
    create(equipment, x_serial="F1", x_site=kept)
    create(equipment, x_serial="F2", x_site=removed)
    create(equipment, x_serial="F3")
    assert equipment.delete(f"/api/v1/records/x_site/{removed}").status_code == 204
    # when
    found = query(equipment, {"fields": ["x_serial", "x_site.x_name", "x_site"], "sort": ["x_serial"]})
    # then
    assert found["records"] == [
        {"id": 1, "x_serial": "F1", "x_site.x_name": "上海工厂", "x_site": kept},
        {"id": 2, "x_serial": "F2", "x_site.x_name": None, "x_site": removed},
        {"id": 3, "x_serial": "F3", "x_site.x_name": None, "x_site": None},
    ]
    assert serials(equipment, {"field": "x_site.x_name", "op": "is_null", "value": True}) == ["F2", "F3"]
    counted = query(equipment, {"filter": {"field": "x_site.x_name", "op": "ne", "value": "上海工厂"}, "count": True})
    assert counted["total"] == 2
    by_name = query(equipment, {"fields": ["x_serial"], "sort": ["-x_site.x_name", "x_serial"]})["records"]
    assert [r["x_serial"] for r in by_name] == ["F1", "F2", "F3"]


def test_fields_default_to_all_fields_and_a_repeated_field_is_returned_once(equipment: Api) -> None:
    # given
    create(equipment, x_serial="F1", x_price="12.5")
    # when
    everything = query(equipment, {})["records"][0]
    repeated = query(equipment, {"fields": ["x_price", "x_serial", "x_price", "id"]})["records"]
    # then
    assert {"id", "x_serial", "x_status", "x_site", "x_price", "x_installed", "version", "owner"} <= set(everything)
    assert "deleted_at" not in everything
    assert repeated == [{"id": 1, "x_price": "12.50", "x_serial": "F1"}]


# -- query string --------------------------------------------------------------------------------------------


def test_query_string_form(equipment: Api) -> None:
    # given
    rows = (("Q1", "active", "150.00"), ("Q2", "active", "99.99"), ("Q3", "repair", "300.00"), ("Q4", "active", "100"))
    for serial, status, price in rows:
        create(equipment, x_serial=serial, x_status=status, x_price=price)
    create(equipment, x_serial="Q5")
    # when
    listed = equipment.get(
        "/api/v1/records/x_equipment?x_status=active&x_price__gte=100&sort=-x_price,x_serial&limit=50&count=true"
    )
    # then
    assert listed.status_code == 200
    assert [(r["x_serial"], r["x_price"]) for r in listed.json()["records"]] == [("Q1", "150.00"), ("Q4", "100.00")]
    assert listed.json()["total"] == 2

    def found(query_string: str) -> list[str]:
        response = equipment.get(f"/api/v1/records/x_equipment?{query_string}&fields=x_serial&sort=x_serial")
        assert response.status_code == 200, response.text
        return [r["x_serial"] for r in response.json()["records"]]

    assert found("x_status__in=active,repair") == ["Q1", "Q2", "Q3", "Q4"]
    assert found("x_status__not_in=active") == ["Q3", "Q5"]
    assert found("x_status__is_null=true") == ["Q5"]
    assert found("x_price__between=99.99,100") == ["Q2", "Q4"]
    assert found("x_serial__starts_with=q") == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert found("x_price__lt=100&x_status__ne=repair") == ["Q2"]
    first = equipment.get("/api/v1/records/x_equipment?sort=x_serial&limit=2&fields=x_serial").json()
    rest = equipment.get(
        f"/api/v1/records/x_equipment?sort=x_serial&limit=2&fields=x_serial&cursor={first['next_cursor']}"
    )
    assert [r["x_serial"] for r in first["records"] + rest.json()["records"]] == ["Q1", "Q2", "Q3", "Q4"]
    bad = equipment.get("/api/v1/records/x_equipment?x_price__gte=cheap")
    assert problems(bad) == [("filter.and[0].value", "invalid_type")]


# -- errors --------------------------------------------------------------------------------------------------


def test_filter_errors_name_the_place(equipment: Api) -> None:
    status = {"field": "x_status", "op": "eq", "value": "active"}

    def errors(condition: Any) -> list[tuple[str, str]]:
        return problems(equipment.post(QUERY, {"filter": condition}))

    assert errors({"and": [status, {"field": "x_colour", "op": "eq", "value": "red"}]}) == [
        ("filter.and[1].field", "unknown_field")
    ]
    assert errors({"and": [status, {"field": "x_status", "op": "gt", "value": "active"}]}) == [
        ("filter.and[1].op", "invalid_operator")
    ]
    assert errors({"and": [status, {"field": "x_price", "op": "gte", "value": "cheap"}]}) == [
        ("filter.and[1].value", "invalid_type")
    ]
    assert errors({"or": [status, {"not": {"field": "x_installed", "op": "eq", "value": "03/01/2026"}}]}) == [
        ("filter.or[1].not.value", "invalid_date")
    ]
    assert errors({"field": "x_status", "op": "eq", "value": "broken"}) == [("filter.value", "invalid_choice")]
    assert errors({"field": "x_site", "op": "eq", "value": "abc"}) == [("filter.value", "invalid_type")]
    assert errors({"field": "x_serial", "op": "lt", "value": "A"}) == [("filter.op", "invalid_operator")]
    assert errors({"field": "x_installed", "op": "in", "value": ["2026-03-01"]}) == [("filter.op", "invalid_operator")]
    assert errors({"field": "x_serial", "op": "like", "value": "A"}) == [("filter.op", "invalid_operator")]
    assert errors({"field": "x_serial", "op": ["eq"], "value": "A"}) == [("filter.op", "invalid_operator")]
    assert errors({"field": "x_serial", "op": None, "value": "A"}) == [("filter.op", "invalid_operator")]
    assert errors({"field": "x_serial", "op": "eq"}) == [("filter.value", "missing_value")]
    assert errors({"field": "x_serial", "op": "eq", "value": None}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_price", "op": "eq", "value": ""}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_installed", "op": "lt", "value": " "}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_site", "op": "ne", "value": ""}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_serial", "op": "eq", "value": ""}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_serial", "op": "is_null", "value": "yes"}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_status", "op": "in", "value": []}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_status", "op": "not_in", "value": "active"}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_price", "op": "between", "value": ["1"]}) == [("filter.value", "invalid_value")]
    assert errors({"field": "x_installed", "op": "eq", "value": "last_n_days:x"}) == [("filter.value", "invalid_date")]
    assert errors({"field": "x_site.x_nope", "op": "eq", "value": "x"}) == [("filter.field", "unknown_field")]
    assert errors({"field": "x_serial.x_name", "op": "eq", "value": "x"}) == [("filter.field", "invalid_path")]
    assert errors({"field": "deleted_at", "op": "is_null", "value": True}) == [("filter.field", "unknown_field")]
    assert errors({"and": []}) == [("filter.and", "invalid_filter")]
    assert errors({"and": [status], "or": [status]}) == [("filter", "invalid_filter")]
    assert errors({"field": "x_serial", "op": "eq", "value": "A", "extra": 1}) == [("filter", "invalid_filter")]
    assert errors([status]) == [("filter", "invalid_filter")]
    deep: dict[str, Any] = status
    for _ in range(9):
        deep = {"not": deep}
    assert errors(deep) == [("filter" + ".not" * 9, "too_deep")]


def test_request_errors_name_the_place(equipment: Api) -> None:
    # given
    for index in range(3):
        create(equipment, x_serial=f"S{index}", x_price=str(index))
    by_price = query(equipment, {"sort": ["x_price"], "limit": 1})

    def errors(body: Any) -> list[tuple[str, str]]:
        return problems(equipment.post(QUERY, body))

    # then
    assert errors({"limit": 0}) == [("limit", "invalid_limit")]
    assert errors({"limit": 1001}) == [("limit", "invalid_limit")]
    assert errors({"limit": "10"}) == [("limit", "invalid_limit")]
    assert errors({"limit": True}) == [("limit", "invalid_limit")]
    assert query(equipment, {"limit": 1000})["next_cursor"] is None
    assert errors({"offset": -1}) == [("offset", "invalid_offset")]
    assert errors({"offset": 0, "cursor": by_price["next_cursor"]}) == [("cursor", "invalid_query")]
    assert errors({"filtre": {}}) == [("filtre", "unknown_key")]
    assert errors({"count": "yes"}) == [("count", "invalid_type")]
    assert errors({"sort": ["x_nope"]}) == [("sort[0].field", "unknown_field")]
    assert errors({"sort": [{"field": "x_price", "dir": "up"}]}) == [("sort[0]", "invalid_sort")]
    assert errors({"sort": "x_price"}) == [("sort", "invalid_sort")]
    assert errors({"fields": ["x_serial", "x_nope"]}) == [("fields[1]", "unknown_field")]
    assert errors({"fields": []}) == [("fields", "invalid_fields")]
    assert errors({"cursor": "not-a-cursor"}) == [("cursor", "invalid_cursor")]
    assert errors({"cursor": 12}) == [("cursor", "invalid_cursor")]
    assert errors({"sort": ["x_price"], "cursor": "@@@"}) == [("cursor", "invalid_cursor")]
    assert errors({"sort": ["-x_price"], "cursor": by_price["next_cursor"]}) == [("cursor", "invalid_cursor")]
    assert errors({"sort": ["x_serial"], "cursor": by_price["next_cursor"]}) == [("cursor", "invalid_cursor")]
    assert errors({"cursor": by_price["next_cursor"]}) == [("cursor", "invalid_cursor")]
    forged = json.loads(base64.urlsafe_b64decode(by_price["next_cursor"] + "=="))
    for values in (["cheap", 1], [1], "x", [[1], 1]):
        text = json.dumps({"s": forged["s"], "v": values}).encode()
        cursor = base64.urlsafe_b64encode(text).decode().rstrip("=")
        assert errors({"sort": ["x_price"], "cursor": cursor}) == [("cursor", "invalid_cursor")], values
    assert query(equipment, {"sort": ["x_price"], "cursor": by_price["next_cursor"]})["records"][0]["x_serial"] == "S1"
    not_sortable = equipment.post("/api/v1/meta/objects/x_equipment/fields", EXTRA_FIELDS[-1])
    assert not_sortable.status_code == 201
    assert errors({"sort": ["x_tags"]}) == [("sort[0].field", "not_sortable")]
    assert errors({"filter": {"field": "x_tags", "op": "eq", "value": "ops"}}) == [("filter.op", "invalid_operator")]
    assert errors({"filter": {"field": "x_tags", "op": "contains", "value": "nope"}}) == [
        ("filter.value", "invalid_choice")
    ]
