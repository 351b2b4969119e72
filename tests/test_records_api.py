"""Records through the REST API: the issue's contract, checks, optimistic locking, history, recycle bin."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def create_site(api: Api, name: str = "上海工厂") -> int:
    response = api.post("/api/v1/records/x_site", {"x_name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create_equipment(api: Api, **values: Any) -> dict[str, Any]:
    response = api.post("/api/v1/records/x_equipment", values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_returns_the_record_with_system_fields(equipment: Api, admin_id: int) -> None:
    # given
    site = create_site(equipment)
    # when
    response = equipment.post(
        "/api/v1/records/x_equipment",
        {"x_serial": "A-1", "x_status": "active", "x_price": "1999.50", "x_installed": "2026-03-01", "x_site": site},
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["owner"] == admin_id
    assert body["created_by"] == admin_id
    assert body["created_at"] == "2026-03-18T02:00:00Z"
    assert {key: body[key] for key in ("x_serial", "x_status", "x_price", "x_installed", "x_site")} == {
        "x_serial": "A-1", "x_status": "active", "x_price": "1999.50", "x_installed": "2026-03-01", "x_site": site,
    }  # fmt: skip
    assert "deleted_at" not in body
    assert equipment.get(f"/api/v1/records/x_equipment/{body['id']}").json() == body


def test_decimal_accepts_numbers_and_strings_and_stays_exact(equipment: Api) -> None:
    first = create_equipment(equipment, x_serial="N-1", x_price=10.1)
    second = create_equipment(equipment, x_serial="N-2", x_price="12345678901234.56")
    assert first["x_price"] == "10.10"
    assert second["x_price"] == "12345678901234.56"
    assert equipment.get(f"/api/v1/records/x_equipment/{second['id']}").json()["x_price"] == "12345678901234.56"


def test_bad_values_are_reported_per_field_and_nothing_is_written(equipment: Api) -> None:
    response = equipment.post(
        "/api/v1/records/x_equipment",
        {"x_status": "broken", "x_price": "abc", "x_installed": "03/01/2026", "x_unknown": 1, "x_site": 999},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {error["field"]: error["code"] for error in response.json()["errors"]}
    assert errors == {
        "x_status": "invalid_choice",
        "x_price": "invalid_type",
        "x_installed": "invalid_date",
        "x_unknown": "unknown_field",
    }
    assert equipment.get("/api/v1/records/x_equipment?count=true").json()["total"] == 0


def test_required_unique_and_lookup_checks(equipment: Api) -> None:
    create_equipment(equipment, x_serial="A-1")
    missing = equipment.post("/api/v1/records/x_equipment", {"x_status": "active"})
    duplicate = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-1"})
    dangling = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-2", "x_site": 424242})
    assert [e["code"] for e in missing.json()["errors"]] == ["required"]
    assert [(e["field"], e["code"]) for e in duplicate.json()["errors"]] == [("x_serial", "not_unique")]
    assert [(e["field"], e["code"]) for e in dangling.json()["errors"]] == [("x_site", "not_found")]
    assert equipment.get("/api/v1/records/x_equipment?count=true").json()["total"] == 1


def test_messages_follow_accept_language(equipment: Api) -> None:
    equipment.language = "zh-CN,zh;q=0.9"
    response = equipment.post("/api/v1/records/x_equipment", {"x_status": "active"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "此字段为必填项。"
    equipment.language = "en-US"
    response = equipment.post("/api/v1/records/x_equipment", {"x_status": "active"})
    assert response.json()["errors"][0]["message"] == "This field is required."


def test_update_with_stale_version_is_refused_with_the_current_version(equipment: Api) -> None:
    record = create_equipment(equipment, x_serial="A-1", x_price="10")
    path = f"/api/v1/records/x_equipment/{record['id']}"
    first = equipment.patch(path, {"version": 1, "x_price": "20"})
    stale = equipment.patch(path, {"version": 1, "x_price": "30"})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert equipment.get(path).json()["x_price"] == "20.00"


def test_update_accepts_if_match_and_requires_a_version(equipment: Api) -> None:
    record = create_equipment(equipment, x_serial="A-1")
    path = f"/api/v1/records/x_equipment/{record['id']}"
    without = equipment.patch(path, {"x_price": "5"})
    with_header = equipment.patch(path, {"x_price": "5"}, headers={"If-Match": '"1"'})
    assert without.status_code == 422
    assert without.json()["errors"][0]["code"] == "version_required"
    assert with_header.status_code == 200
    assert with_header.headers["etag"] == '"2"'


def test_tracked_fields_keep_history(equipment: Api, admin_id: int) -> None:
    record = create_equipment(equipment, x_serial="A-1", x_price="10")
    path = f"/api/v1/records/x_equipment/{record['id']}"
    equipment.patch(path, {"version": 1, "x_price": "12.5", "x_status": "repair"})
    history = equipment.get(f"{path}/history").json()["history"]
    assert [(h["field"], h["old"], h["new"], h["changed_by"]) for h in history] == [
        ("x_price", "10.00", "12.50", admin_id)
    ]


def test_unchanged_values_do_not_bump_the_version(equipment: Api) -> None:
    record = create_equipment(equipment, x_serial="A-1", x_price="10")
    response = equipment.patch(f"/api/v1/records/x_equipment/{record['id']}", {"version": 1, "x_price": "10.00"})
    assert response.json()["version"] == 1


def test_delete_moves_to_the_recycle_bin_and_restore_brings_it_back(equipment: Api) -> None:
    record = create_equipment(equipment, x_serial="A-1")
    path = f"/api/v1/records/x_equipment/{record['id']}"
    assert equipment.delete(path).status_code == 204
    assert equipment.get(path).status_code == 404
    assert equipment.get("/api/v1/records/x_equipment?count=true").json()["total"] == 0
    entries = equipment.get("/api/v1/recycle-bin").json()["entries"]
    assert [(e["object"], e["id"], e["title"]) for e in entries] == [("x_equipment", record["id"], "A-1")]
    restored = equipment.post(f"/api/v1/recycle-bin/x_equipment/{record['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["version"] == 3
    assert equipment.get(path).status_code == 200
    assert equipment.get("/api/v1/recycle-bin").json()["entries"] == []


def test_a_value_held_in_the_recycle_bin_stays_taken(equipment: Api) -> None:
    record = create_equipment(equipment, x_serial="A-1")
    equipment.delete(f"/api/v1/records/x_equipment/{record['id']}")
    again = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-1"})
    assert again.status_code == 422
    assert "recycle bin" in again.json()["errors"][0]["message"]


def test_requests_without_a_valid_token_are_refused(client: Any, equipment: Api) -> None:
    missing = client.get("/api/v1/records/x_equipment")
    wrong = client.get("/api/v1/records/x_equipment", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"


def test_token_endpoint_exchanges_credentials(client: Any, admin_id: int) -> None:
    good = client.post("/api/v1/auth/token", json={"username": "admin", "password": "correct-horse-9"})
    bad = client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong"})
    assert good.status_code == 200
    assert (
        client.get("/api/v1/meta/objects", headers={"Authorization": f"Bearer {good.json()['token']}"}).status_code
        == 200
    )
    assert bad.status_code == 401


def test_malformed_bodies_get_400_not_500(equipment: Api) -> None:
    headers = equipment.headers({"Content-Type": "application/json"})
    for body in (b"{", b"", b"[1,2]", b'"text"'):
        response = equipment.client.post("/api/v1/records/x_equipment", content=body, headers=headers)
        assert response.status_code == 400, (body, response.text)


def test_unknown_object_is_404(api: Api) -> None:
    assert api.get("/api/v1/records/x_nothing").status_code == 404
    assert api.post("/api/v1/records/x_nothing", {"a": 1}).status_code == 404
