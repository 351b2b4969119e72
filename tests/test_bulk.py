"""Bulk create, update and upsert: all or nothing by default, per-record results, batch checks."""

from __future__ import annotations

from tests.conftest import Api

BULK = "/api/v1/records/x_equipment/bulk"


def count(api: Api) -> int:
    return int(api.get("/api/v1/records/x_equipment?count=true&limit=1").json()["total"])


def test_bulk_create_returns_ids_in_order(equipment: Api) -> None:
    records = [{"x_serial": f"S-{n:03}", "x_status": "active", "x_price": n} for n in range(250)]
    response = equipment.post(BULK, {"operation": "create", "records": records})
    assert response.status_code == 200
    results = response.json()["results"]
    assert all(result["ok"] and result["created"] for result in results)
    ids = [result["id"] for result in results]
    assert len(set(ids)) == 250
    listed = equipment.post(
        "/api/v1/records/x_equipment/query", {"sort": [{"field": "id", "dir": "asc"}], "limit": 1000}
    ).json()["records"]
    assert [(r["id"], r["x_serial"]) for r in listed] == [(ids[n], f"S-{n:03}") for n in range(250)]


def test_all_or_none_writes_nothing_when_one_record_fails(equipment: Api) -> None:
    records = [
        {"x_serial": "A-1"},
        {"x_serial": "A-2", "x_status": "nope"},
        {"x_serial": "A-1"},
        {"x_status": "active"},
    ]
    response = equipment.post(BULK, {"operation": "create", "records": records})
    assert response.status_code == 422
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [False, False, False, False]
    assert results[0]["errors"][0]["code"] == "not_written"
    assert [(e["field"], e["code"]) for e in results[1]["errors"]] == [("x_status", "invalid_choice")]
    assert [(e["field"], e["code"]) for e in results[2]["errors"]] == [("x_serial", "not_unique")]
    assert [(e["field"], e["code"]) for e in results[3]["errors"]] == [("x_serial", "required")]
    assert count(equipment) == 0


def test_partial_mode_writes_the_good_records(equipment: Api) -> None:
    records = [{"x_serial": "A-1"}, {"x_serial": "A-2", "x_price": "x"}, {"x_serial": "A-3"}]
    response = equipment.post(BULK, {"operation": "create", "all_or_none": False, "records": records})
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()["results"]] == [True, False, True]
    assert count(equipment) == 2


def test_bulk_update_checks_versions_and_existence(equipment: Api) -> None:
    created = equipment.post(BULK, {"operation": "create", "records": [{"x_serial": "A-1"}, {"x_serial": "A-2"}]})
    first, second = (r["id"] for r in created.json()["results"])
    stale = equipment.post(
        BULK,
        {"operation": "update", "records": [{"id": first, "version": 1, "x_price": 5}, {"id": second, "version": 9}]},
    )
    assert stale.status_code == 422
    assert stale.json()["results"][1]["errors"][0]["code"] == "version_conflict"
    assert equipment.get(f"/api/v1/records/x_equipment/{first}").json()["version"] == 1
    good = equipment.post(
        BULK,
        {"operation": "update", "records": [{"id": first, "version": 1, "x_price": 5}, {"id": second, "x_price": 7}]},
    )
    assert good.status_code == 200
    assert equipment.get(f"/api/v1/records/x_equipment/{first}").json()["x_price"] == "5.00"
    assert equipment.get(f"/api/v1/records/x_equipment/{second}").json()["version"] == 2
    missing = equipment.post(BULK, {"operation": "update", "records": [{"id": 987654, "x_price": 1}]})
    assert missing.json()["results"][0]["errors"][0]["code"] == "not_found"


def test_upsert_by_unique_key_creates_and_updates(equipment: Api) -> None:
    equipment.post(BULK, {"operation": "create", "records": [{"x_serial": "A-1", "x_price": 1}]})
    response = equipment.post(
        BULK,
        {"operation": "upsert", "key": "x_serial", "records": [{"x_serial": "A-1", "x_price": 2}, {"x_serial": "B-1"}]},
    )
    assert response.status_code == 200
    assert [(r["ok"], r["created"]) for r in response.json()["results"]] == [(True, False), (True, True)]
    rows = equipment.post("/api/v1/records/x_equipment/query", {"sort": ["x_serial"]}).json()["records"]
    assert [(r["x_serial"], r["x_price"], r["version"]) for r in rows] == [("A-1", "2.00", 2), ("B-1", None, 1)]


def test_upsert_needs_a_unique_key(equipment: Api) -> None:
    response = equipment.post(BULK, {"operation": "upsert", "key": "x_status", "records": [{"x_status": "active"}]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "key"


def test_more_than_ten_thousand_records_are_refused(equipment: Api) -> None:
    response = equipment.post(BULK, {"operation": "create", "records": [{"x_serial": "A"}] * 10_001})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "records"
    assert count(equipment) == 0


def test_bulk_assigns_consecutive_auto_numbers(api: Api) -> None:
    records = [{"name": f"商机 {n}"} for n in range(3)]
    response = api.post("/api/v1/records/opportunity/bulk", {"operation": "create", "records": records})
    ids = [r["id"] for r in response.json()["results"]]
    numbers = [api.get(f"/api/v1/records/opportunity/{i}").json()["number"] for i in ids]
    assert numbers == ["OPP-2026-0001", "OPP-2026-0002", "OPP-2026-0003"]
