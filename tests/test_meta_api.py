"""Metadata through the API: custom objects and fields become real tables and columns on both databases."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import inspect

from huitong.engine.meta.schema import Schema, load_schema
from huitong.engine.platform import Platform
from tests.conftest import Api


def columns_of(platform: Platform, table: str) -> set[str]:
    return {column["name"] for column in inspect(platform.db.engine).get_columns(table)}


def indexes_of(platform: Platform, table: str) -> set[str]:
    return {index["name"] for index in inspect(platform.db.engine).get_indexes(table)}


def test_create_custom_object_makes_a_real_table(api: Api, platform: Platform) -> None:
    response = api.post("/api/v1/meta/objects", {"name": "x_equipment", "label": {"en": "Equipment", "zh_CN": "设备"}})
    assert response.status_code == 201
    assert response.json()["name"] == "x_equipment"
    assert response.json()["custom"] is True
    assert columns_of(platform, "obj_x_equipment") == {
        "id", "owner", "created_at", "created_by", "updated_at", "updated_by", "version", "deleted_at",
        "owner_role",  # the owner's role, kept by the engine for reading per role (decisions/0017)
    }  # fmt: skip


def test_custom_field_is_a_real_indexed_column(equipment: Api, platform: Platform) -> None:
    columns = columns_of(platform, "obj_x_equipment")
    assert {"x_serial", "x_status", "x_site", "x_price", "x_installed"} <= columns
    indexes = indexes_of(platform, "obj_x_equipment")
    assert "uq_obj_x_equipment_x_serial" in indexes
    assert "ix_obj_x_equipment_x_site" in indexes


def test_custom_names_need_the_x_prefix(api: Api) -> None:
    object_response = api.post("/api/v1/meta/objects", {"name": "equipment", "label": "Equipment"})
    field_response = api.post(
        "/api/v1/meta/objects/account/fields", {"name": "wechat_id", "type": "text", "label": "WeChat"}
    )
    assert object_response.status_code == 422
    assert object_response.json()["errors"] == [
        {
            "field": "name",
            "code": "custom_prefix_required",
            "message": "Custom object names start with x_ (for example x_equipment).",
        }
    ]
    assert field_response.status_code == 422
    assert field_response.json()["errors"][0]["code"] == "custom_prefix_required"


def test_custom_field_on_a_standard_object(api: Api, platform: Platform) -> None:
    response = api.post(
        "/api/v1/meta/objects/account/fields",
        {"name": "x_wechat_id", "type": "text", "label": {"en": "WeChat ID", "zh_CN": "微信号"}, "max_length": 40},
    )
    assert response.status_code == 201
    assert "x_wechat_id" in columns_of(platform, "obj_account")
    created = api.post("/api/v1/records/account", {"name": "华鑫科技有限公司", "x_wechat_id": "huaxin_sh"})
    assert created.status_code == 201
    assert created.json()["x_wechat_id"] == "huaxin_sh"


def test_duplicate_object_or_field_is_a_conflict(equipment: Api) -> None:
    again = equipment.post("/api/v1/meta/objects", {"name": "x_site", "label": "Site"})
    field_again = equipment.post("/api/v1/meta/objects/x_site/fields", {"name": "x_name", "type": "text", "label": "N"})
    assert (again.status_code, field_again.status_code) == (409, 409)


def test_every_field_type_can_be_created_and_round_trips(api: Api) -> None:
    api.post("/api/v1/meta/objects", {"name": "x_all", "label": {"en": "All types", "zh_CN": "全部类型"}})
    specs = [
        {"name": "x_text", "type": "text", "label": "Text", "max_length": 20},
        {"name": "x_long", "type": "long_text", "label": "Long"},
        {"name": "x_int", "type": "integer", "label": "Int", "min": 0, "max": 100},
        {"name": "x_dec", "type": "decimal", "label": "Dec", "scale": 3},
        {"name": "x_money", "type": "currency", "label": "Money", "currency": "USD"},
        {"name": "x_pct", "type": "percent", "label": "Pct"},
        {"name": "x_day", "type": "date", "label": "Day"},
        {"name": "x_at", "type": "datetime", "label": "At"},
        {"name": "x_flag", "type": "boolean", "label": "Flag", "default": False},
        {"name": "x_pick", "type": "picklist", "label": "Pick", "values": [{"value": "a"}, {"value": "b"}]},
        {"name": "x_multi", "type": "multi_picklist", "label": "Multi", "values": [{"value": "r"}, {"value": "g"}]},
        {"name": "x_link", "type": "lookup", "label": "Link", "target": "account"},
        {"name": "x_mail", "type": "email", "label": "Mail"},
        {"name": "x_tel", "type": "phone", "label": "Tel"},
        {"name": "x_web", "type": "url", "label": "Web"},
        {"name": "x_no", "type": "auto_number", "label": "No.", "pattern": "EQ-{YYYY}{MM}-{0000}"},
    ]
    for spec in specs:
        assert api.post("/api/v1/meta/objects/x_all/fields", spec).status_code == 201, spec
    account = api.post("/api/v1/records/account", {"name": "上海汇通"}).json()["id"]
    values = {
        "x_text": "你好", "x_long": "多行\n文本", "x_int": 42, "x_dec": "3.14159", "x_money": 12, "x_pct": "12.5",
        "x_day": "2026-02-28", "x_at": "2026-03-01T09:30:00+08:00", "x_pick": "b", "x_multi": ["g", "r", "g"],
        "x_link": account, "x_mail": "Zhang.San@Example.COM", "x_tel": "+86 138-0013-8000", "x_web": "huitong.cn",
    }  # fmt: skip
    created = api.post("/api/v1/records/x_all", values)
    assert created.status_code == 201, created.text
    body = created.json()
    assert {key: body[key] for key in [*values, "x_flag", "x_no"]} == {
        "x_text": "你好", "x_long": "多行\n文本", "x_int": 42, "x_dec": "3.142", "x_money": "12.00", "x_pct": "12.50",
        "x_day": "2026-02-28", "x_at": "2026-03-01T01:30:00Z", "x_pick": "b", "x_multi": ["r", "g"],
        "x_link": account, "x_mail": "Zhang.San@example.com", "x_tel": "+86 138-0013-8000",
        "x_web": "https://huitong.cn", "x_flag": False, "x_no": "EQ-202603-0001",
    }  # fmt: skip
    assert api.get(f"/api/v1/records/x_all/{body['id']}").json() == body


def test_field_option_errors_are_precise(equipment: Api) -> None:
    cases = [
        ({"name": "x_a", "type": "picklist", "label": "A"}, "values", "invalid_option"),
        ({"name": "x_b", "type": "lookup", "label": "B", "target": "x_missing"}, "target", "unknown_target"),
        ({"name": "x_c", "type": "text", "label": "C", "max_length": 0}, "max_length", "invalid_option"),
        ({"name": "x_d", "type": "integer", "label": "D", "min": 5, "max": 1}, "min", "invalid_option"),
        ({"name": "x_e", "type": "formula", "label": "E"}, "type", "invalid_type"),
        ({"name": "x_f", "type": "text", "label": "F", "target": "account"}, "target", "unknown_option"),
        ({"name": "x_g", "type": "integer", "label": "G", "default": "many"}, "default", "invalid_default"),
        ({"name": "x_h", "type": "boolean", "label": "H", "unique": True}, "unique", "invalid_option"),
        ({"name": "Bad Name", "type": "text", "label": "I"}, "name", "invalid_name"),
        ({"name": "x_j", "type": "text"}, "label", "invalid_label"),
    ]
    for spec, field, code in cases:
        response = equipment.post("/api/v1/meta/objects/x_equipment/fields", spec)
        assert response.status_code == 422, spec
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)], spec


def test_changing_labels_keeps_data(equipment: Api) -> None:
    record = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-1", "x_status": "active"}).json()
    response = equipment.patch(
        "/api/v1/meta/objects/x_equipment/fields/x_serial", {"label": {"en": "Serial number", "zh_CN": "出厂编号"}}
    )
    assert response.status_code == 200
    assert response.json()["label"] == {"en": "Serial number", "zh_CN": "出厂编号"}
    assert equipment.get(f"/api/v1/records/x_equipment/{record['id']}").json()["x_serial"] == "A-1"
    renamed = equipment.patch("/api/v1/meta/objects/x_equipment", {"label": {"en": "Device", "zh_CN": "设备台账"}})
    assert renamed.json()["label"] == {"en": "Device", "zh_CN": "设备台账"}


def test_picklist_values_can_be_added_reordered_and_deactivated_but_not_removed(equipment: Api) -> None:
    equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-1", "x_status": "retired"})
    path = "/api/v1/meta/objects/x_equipment/fields/x_status"
    values = [
        {"value": "repair"},
        {"value": "active"},
        {"value": "retired", "active": False},
        {"value": "spare", "label": {"en": "Spare", "zh_CN": "备用"}},
    ]
    assert equipment.patch(path, {"values": values}).status_code == 200
    removed = equipment.patch(path, {"values": values[:2]})
    assert removed.status_code == 422
    assert removed.json()["errors"][0]["code"] == "value_removed"
    inactive = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-2", "x_status": "retired"})
    assert inactive.json()["errors"][0]["code"] == "invalid_choice"
    still_found = equipment.post(
        "/api/v1/records/x_equipment/query", {"filter": {"field": "x_status", "op": "eq", "value": "retired"}}
    )
    assert [r["x_serial"] for r in still_found.json()["records"]] == ["A-1"]


def test_type_change_is_refused(equipment: Api) -> None:
    response = equipment.patch("/api/v1/meta/objects/x_equipment/fields/x_serial", {"type": "integer"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "type"


def test_making_a_field_unique_over_duplicates_is_refused(equipment: Api) -> None:
    for serial in ("A-1", "A-2"):
        equipment.post("/api/v1/records/x_equipment", {"x_serial": serial, "x_status": "active"})
    equipment.post("/api/v1/meta/objects/x_equipment/fields", {"name": "x_batch", "type": "text", "label": "Batch"})
    for record in equipment.get("/api/v1/records/x_equipment").json()["records"]:
        equipment.patch(f"/api/v1/records/x_equipment/{record['id']}", {"version": record["version"], "x_batch": "B7"})
    response = equipment.patch("/api/v1/meta/objects/x_equipment/fields/x_batch", {"unique": True})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "duplicates_exist"
    field = equipment.get("/api/v1/meta/objects/x_equipment").json()["fields"]
    assert [f["unique"] for f in field if f["name"] == "x_batch"] == [False]


def test_delete_field_drops_the_column(equipment: Api, platform: Platform) -> None:
    assert equipment.delete("/api/v1/meta/objects/x_equipment/fields/x_installed").status_code == 204
    assert "x_installed" not in columns_of(platform, "obj_x_equipment")
    response = equipment.post("/api/v1/records/x_equipment", {"x_serial": "A-1", "x_installed": "2026-01-01"})
    assert response.json()["errors"][0]["code"] == "unknown_field"


def test_removing_what_something_depends_on_is_refused_with_the_reason(equipment: Api) -> None:
    title = equipment.delete("/api/v1/meta/objects/x_site/fields/x_name")
    target = equipment.delete("/api/v1/meta/objects/x_site")
    standard = equipment.delete("/api/v1/meta/objects/account/fields/name")
    assert title.status_code == 422
    assert "title field" in title.json()["errors"][0]["message"]
    assert target.status_code == 422
    assert "x_equipment.x_site" in target.json()["errors"][0]["message"]
    assert standard.status_code == 422


def test_delete_custom_object_drops_its_table(equipment: Api, platform: Platform) -> None:
    assert equipment.delete("/api/v1/meta/objects/x_equipment").status_code == 204
    assert "obj_x_equipment" not in inspect(platform.db.engine).get_table_names()
    assert equipment.get("/api/v1/meta/objects/x_equipment").status_code == 404


def test_only_administrators_change_metadata(user_api: Api) -> None:
    response = user_api.post("/api/v1/meta/objects", {"name": "x_thing", "label": "Thing"})
    assert response.status_code == 403
    assert user_api.get("/api/v1/meta/objects").status_code == 200


def test_openapi_shows_a_field_added_a_moment_ago(equipment: Api) -> None:
    before = equipment.get("/api/v1/openapi.json").json()
    assert "x_colour" not in before["components"]["schemas"]["XEquipment"]["properties"]
    equipment.post("/api/v1/meta/objects/x_equipment/fields", {"name": "x_colour", "type": "text", "label": "Colour"})
    after = equipment.get("/api/v1/openapi.json").json()
    assert after["components"]["schemas"]["XEquipment"]["properties"]["x_colour"]["type"] == ["string", "null"]
    assert "/api/v1/records/x_equipment/{record_id}" in after["paths"]


def test_interactive_docs_are_served(client: object) -> None:
    response = client.get("/api/docs")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_standard_objects_are_synced_on_migrate(api: Api, platform: Platform) -> None:
    objects = {o["name"]: o for o in api.get("/api/v1/meta/objects").json()["objects"]}
    assert {"account", "contact", "lead", "opportunity"} <= set(objects)
    assert objects["account"]["custom"] is False
    assert objects["account"]["label"] == {"en": "Account", "zh_CN": "客户"}
    platform.migrate()  # idempotent: nothing to add the second time
    assert {o["name"] for o in api.get("/api/v1/meta/objects").json()["objects"]} == set(objects)


def test_metadata_changes_are_on_the_audit_trail(equipment: Api, admin_id: int) -> None:
    equipment.delete("/api/v1/meta/objects/x_equipment/fields/x_installed")
    entries = equipment.get("/api/v1/security/audit").json()["entries"]
    actions = [(entry["action"], entry["target"], entry["actor"]) for entry in entries]
    assert actions[0] == ("field.delete", "x_equipment.x_installed", admin_id)
    assert ("object.create", "x_equipment", admin_id) in actions
    assert ("field.create", "x_equipment.x_serial", admin_id) in actions


def test_a_field_a_sharing_rule_uses_cannot_be_deleted(equipment: Api) -> None:
    role = equipment.post("/api/v1/security/roles", {"name": "Engineers", "parent": None}).json()["id"]
    rule = equipment.post(
        "/api/v1/security/sharing-rules",
        {"object": "x_equipment", "name": "在用设备", "criteria": {"field": "x_status", "op": "eq", "value": "active"},
         "share_with": {"role": role}, "access": "read"},
    )  # fmt: skip
    assert rule.status_code == 201, rule.text
    response = equipment.delete("/api/v1/meta/objects/x_equipment/fields/x_status")
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "The sharing rule 在用设备 uses this field; change or delete the rule first."
    )


def test_deleting_an_object_forgets_its_permissions(equipment: Api) -> None:
    profile = equipment.post(
        "/api/v1/security/profiles",
        {
            "name": "Field service",
            "objects": {"x_equipment": {"read": True}},
            "fields": {"x_equipment.x_price": "hidden"},
        },
    ).json()["id"]
    equipment.delete("/api/v1/meta/objects/x_equipment")
    equipment.post("/api/v1/meta/objects", {"name": "x_equipment", "label": "Equipment"})
    again = equipment.get(f"/api/v1/security/profiles/{profile}").json()
    assert (again["objects"], again["fields"]) == ({}, {})


def test_a_field_definition_that_is_not_an_object_is_a_clear_error(equipment: Api) -> None:
    for body in ([], 1, "x", True):
        response = equipment.post("/api/v1/meta/objects/x_equipment/fields", body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["code"] == "invalid_body"


def test_threads_sharing_a_fresh_schema_all_see_every_table(platform: Platform) -> None:
    # One snapshot serves every request thread; the first ones in used to see its tables half built.
    with platform.db.read() as connection:
        schema = load_schema(connection)
    last = list(schema.objects)[-1]
    start = threading.Barrier(8)

    def last_table(fresh: Schema) -> str:
        start.wait()
        return fresh.table(last).name

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            fresh = Schema(version=schema.version, objects=schema.objects)
            with ThreadPoolExecutor(max_workers=8) as pool:
                assert set(pool.map(last_table, [fresh] * 8)) == {schema.table(last).name}
    finally:
        sys.setswitchinterval(previous)
