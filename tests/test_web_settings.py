"""The settings pages through HTTP, as a browser posts them: objects, fields, picklist values, users."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.engine.platform import Platform
from huitong.engine.security.users import create_user
from tests.conftest import ADMIN_PASSWORD, Api


def sign_in(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Sign in through the web form; returns the CSRF token every POST form carries."""
    response = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(client.cookies.get("huitong_csrf"))


@pytest.fixture
def web(api: Api) -> tuple[TestClient, str]:
    """The administrator signed in to the browser UI, in English."""
    client = api.client
    csrf = sign_in(client)
    assert client.post("/language", data={"locale": "en", "csrf_token": csrf}).status_code == 200
    return client, csrf


def post(client: TestClient, path: str, csrf: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)


def create_equipment(client: TestClient, csrf: str) -> None:
    response = post(client, "/settings/objects/new", csrf, {
        "label_zh_CN": "设备", "label_en": "Equipment", "plural_zh_CN": "设备", "plural_en": "Equipment",
        "name": "", "title_label_zh_CN": "名称", "title_label_en": "Name", "title_name": "x_name", "title_type": "text",
    })  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings/objects/x_equipment?done=object_created"


STATUS_FIELD = {
    "type": "picklist", "label_zh_CN": "状态", "label_en": "Status", "name": "status",
    "pv_code": ["active", "", "retired"], "pv_zh_CN": ["在用", "维修中", "报废"], "pv_en": ["Active", "In repair", "Retired"],
}  # fmt: skip


def test_an_administrator_creates_an_object_and_fields_that_work_at_once(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    # when
    create_equipment(client, csrf)
    fields: list[dict[str, Any]] = [
        {"type": "text", "label_zh_CN": "序列号", "label_en": "Serial no.", "name": "", "required": "true",
         "unique": "true", "tracked": "true", "opt_max_length": "64"},
        STATUS_FIELD,
        {"type": "currency", "label_en": "Price", "name": "x_price", "opt_currency": "USD", "opt_scale": "2"},
        {"type": "lookup", "label_en": "Replaces", "name": "replaces", "opt_target": "x_equipment"},
        {"type": "date", "label_zh_CN": "安装日期", "name": "installed"},
        {"type": "boolean", "label_en": "Insured", "name": "insured"},
    ]  # fmt: skip
    for field in fields:
        response = post(client, "/settings/objects/x_equipment/fields/new", csrf, field)
        assert response.status_code == 303, response.text
    # then
    listing = client.get("/settings/objects").text
    assert 'data-object="x_equipment"' in listing
    page = client.get("/settings/objects/x_equipment").text
    for name in ("x_name", "x_serial_no", "x_status", "x_price", "x_replaces", "x_installed", "x_insured"):
        assert f'data-field="{name}"' in page
    records = client.get("/records/x_equipment")
    assert records.status_code == 200
    assert 'href="/records/x_equipment"' in records.text  # in the sidebar
    created = post(client, "/records/x_equipment/new", csrf, {
        "x_name": "Pump 1", "x_serial_no": "A-1", "x_status": "in_repair", "x_price": "10.50", "x_insured": "true",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    record = client.get(created.headers["location"])
    assert record.status_code == 200
    assert "In repair" in record.text and "Pump 1" in record.text


def test_the_new_object_form_suggests_nothing_the_server_does_not_check(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    # when: no labels at all and a name that is not one
    response = post(client, "/settings/objects/new", csrf, {"name": "Bad Name!", "title_name": "x_name"})
    # then
    assert response.status_code == 422
    assert 'id="error-label"' in response.text
    assert "Enter a label in Chinese, English or both." in response.text
    # when: a Chinese label only, and no name to make from it
    chinese = post(client, "/settings/objects/new", csrf, {"label_zh_CN": "设备", "title_label_en": "Name"})
    assert chinese.status_code == 422
    assert "Enter an API name, or an English label to make one from." in chinese.text
    # when: labels, but the name is taken
    create_equipment(client, csrf)
    again = post(client, "/settings/objects/new", csrf, {"label_en": "Equipment", "title_label_en": "Name"})
    assert again.status_code == 422
    assert 'id="error-name"' in again.text
    assert "An object with this name already exists." in again.text


def test_field_errors_show_beside_their_inputs_in_the_users_language(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    # when
    english = post(client, "/settings/objects/x_equipment/fields/new", csrf,
                   {"type": "text", "label_en": "Code", "opt_max_length": "99999"})  # fmt: skip
    assert client.post("/language", data={"locale": "zh_CN", "csrf_token": csrf}).status_code == 200
    chinese = post(client, "/settings/objects/x_equipment/fields/new", csrf, {"type": "picklist", "name": "kind"})
    # then
    assert english.status_code == 422
    assert 'id="error-opt_max_length"' in english.text
    assert "max_length must be a whole number from 1 to 4000." in english.text
    assert chinese.status_code == 422
    assert 'id="error-label"' in chinese.text
    assert "请填写中文或英文标签" in chinese.text


def test_non_administrators_get_the_403_page_and_no_settings_link(api: Api, platform: Platform) -> None:
    # given
    with platform.db.write() as connection:
        create_user(connection, "zhangsan", ADMIN_PASSWORD, display_name="张三")
    client = api.client
    csrf = sign_in(client, "zhangsan")
    # when / then
    for path in ("/settings/objects", "/settings/objects/new", "/settings/users", "/settings/objects/lead",
                 "/settings/roles", "/settings/profiles"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 403, path
    refused = post(client, "/settings/objects/new", csrf, {"label_en": "Sneaky", "title_label_en": "Name"})
    assert refused.status_code == 403
    assert client.get("/records/x_sneaky").status_code == 404
    assert "/settings/objects" not in client.get("/").text


def test_picklist_values_are_renamed_deactivated_added_and_reordered(web: tuple[TestClient, str], api: Api) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    assert post(client, "/settings/objects/x_equipment/fields/new", csrf, STATUS_FIELD).status_code == 303
    page = client.get("/settings/objects/x_equipment/fields/x_status").text
    assert re.findall(r'name="pv_existing" value="([^"]+)"', page) == ["active", "in_repair", "retired"]
    # when: dragged retired to the top, renamed in_repair, switched active off, added one at the end
    response = post(client, "/settings/objects/x_equipment/fields/x_status", csrf, {
        "label_zh_CN": "状态", "label_en": "Status",
        "pv_existing": ["retired", "active", "in_repair"], "pv_code": ["retired", "active", "in_repair", "lent"],
        "pv_zh_CN": ["报废", "在用", "修理中", "借出"], "pv_en": ["Retired", "Active", "Being repaired", "Lent out"],
        "pv_active": ["retired", "in_repair"],
    })  # fmt: skip
    # then
    assert response.status_code == 303, response.text
    field = next(f for f in api.get("/api/v1/meta/objects/x_equipment").json()["fields"] if f["name"] == "x_status")
    assert [(v["value"], v["active"]) for v in field["values"]] == [
        ("retired", True),
        ("active", False),
        ("in_repair", True),
        ("lent", True),
    ]
    assert field["values"][2]["label"] == {"zh_CN": "修理中", "en": "Being repaired"}
    page = client.get("/settings/objects/x_equipment/fields/x_status").text
    assert re.findall(r'name="pv_existing" value="([^"]+)"', page) == ["retired", "active", "in_repair", "lent"]


def test_a_saved_value_cannot_be_removed(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    assert post(client, "/settings/objects/x_equipment/fields/new", csrf, STATUS_FIELD).status_code == 303
    # when
    response = post(client, "/settings/objects/x_equipment/fields/x_status", csrf, {
        "label_en": "Status", "pv_existing": ["active"], "pv_code": ["active"], "pv_zh_CN": ["在用"], "pv_en": ["Active"],
        "pv_active": ["active"],
    })  # fmt: skip
    # then
    assert response.status_code == 422
    assert 'id="error-opt_values"' in response.text
    assert "mark them inactive instead: in_repair, retired" in response.text


def test_a_field_is_changed_and_a_custom_one_deleted_unless_something_needs_it(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    data = {"type": "text", "label_en": "Serial", "name": "serial"}
    assert post(client, "/settings/objects/x_equipment/fields/new", csrf, data).status_code == 303
    # when
    changed = post(client, "/settings/objects/x_equipment/fields/x_serial", csrf, {
        "label_zh_CN": "序列号", "label_en": "Serial no.", "help_en": "On the plate", "required": "true", "unique": "true",
    })  # fmt: skip
    refused = post(client, "/settings/objects/x_equipment/fields/x_name/delete", csrf, {})
    deleted = post(client, "/settings/objects/x_equipment/fields/x_serial/delete", csrf, {})
    # then
    assert changed.status_code == 303, changed.text
    assert refused.status_code == 422
    assert 'id="delete-errors"' in refused.text
    assert "It is the object&#39;s title field; choose another title field first." in refused.text
    assert deleted.status_code == 303
    assert 'data-field="x_serial"' not in client.get("/settings/objects/x_equipment").text


def test_the_type_options_fragment_follows_the_option_schema(web: tuple[TestClient, str]) -> None:
    # given
    client, _csrf = web
    # when
    lookup = client.get("/settings/objects/lead/field-options?type=lookup", headers={"HX-Request": "true"})
    auto = client.get("/settings/objects/lead/fields/new?type=auto_number")
    # then
    assert lookup.status_code == 200 and "<html" not in lookup.text
    assert 'id="opt_target"' in lookup.text and 'id="opt_master_detail"' in lookup.text
    assert 'id="opt_pattern"' in auto.text and 'id="flag-unique"' not in auto.text


def test_users_are_created_changed_and_deactivated(web: tuple[TestClient, str], api: Api, admin_id: int) -> None:
    # given
    client, csrf = web
    # when
    weak = post(client, "/settings/users/new", csrf, {"username": "lisi", "password": "short"})
    created = post(client, "/settings/users/new", csrf, {
        "username": "lisi", "password": "a-long-password-9", "display_name": "李四", "email": "lisi@example.com",
        "locale": "en", "time_zone": "Asia/Shanghai",
    })  # fmt: skip
    user_id = int(re.findall(r"user=(\d+)", created.headers["location"])[0])
    changed = post(client, f"/settings/users/{user_id}", csrf, {
        "display_name": "李四 (Li Si)", "email": "", "mobile": "13800000000", "locale": "zh_CN", "active": "true",
        "time_zone": "Asia/Shanghai", "profile": "2", "department": "", "role": "", "manager": str(admin_id),
    })  # fmt: skip
    deactivated = post(client, f"/settings/users/{user_id}/active", csrf, {"active": "false"})
    myself = post(client, f"/settings/users/{admin_id}/active", csrf, {"active": "false"})
    # then
    assert weak.status_code == 422 and 'id="error-password"' in weak.text
    assert created.status_code == 303, created.text
    assert changed.status_code == 303, changed.text
    assert deactivated.status_code == 303
    assert myself.status_code == 422
    found = api.get(f"/api/v1/security/users/{user_id}").json()
    assert (found["display_name"], found["mobile"], found["manager"], found["active"]) == (
        "李四 (Li Si)", "13800000000", admin_id, False,
    )  # fmt: skip
    listing = client.get("/settings/users").text
    assert 'data-user="lisi"' in listing and "Inactive" in listing
    assert client.get("/settings/departments").status_code == 200
    assert client.get("/settings/profiles").status_code == 200


def test_a_standard_picklist_gets_a_value_and_a_custom_object_is_deleted_once_confirmed(
    web: tuple[TestClient, str], api: Api
) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    page = client.get("/settings/objects/account/fields/level").text
    codes = re.findall(r'name="pv_existing" value="([^"]+)"', page)
    labels = re.findall(r'name="pv_en" value="([^"]*)"', page)
    # when
    added = post(client, "/settings/objects/account/fields/level", csrf, {
        "label_zh_CN": "客户级别", "label_en": "Level", "tracked": "true", "pv_existing": codes, "pv_active": codes,
        "pv_code": [*codes, "vip"], "pv_zh_CN": [*(["x"] * len(codes)), "贵宾"], "pv_en": [*labels, "VIP"],
    })  # fmt: skip
    unconfirmed = post(client, "/settings/objects/x_equipment/delete", csrf, {"confirm_name": "equipment"})
    confirmed = post(client, "/settings/objects/x_equipment/delete", csrf, {"confirm_name": "x_equipment"})
    # then
    assert added.status_code == 303, added.text
    level = next(f for f in api.get("/api/v1/meta/objects/account").json()["fields"] if f["name"] == "level")
    assert [v["value"] for v in level["values"]] == [*codes, "vip"]
    assert unconfirmed.status_code == 422 and 'id="error-confirm_name"' in unconfirmed.text
    assert confirmed.status_code == 303
    assert client.get("/records/x_equipment").status_code == 404
    assert 'data-object="x_equipment"' not in client.get("/settings/objects").text


def test_htmx_posts_are_redirected_as_whole_pages(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    create_equipment(client, csrf)
    # when
    response = client.post(
        "/settings/objects/x_equipment/fields/new",
        data={"type": "email", "label_en": "Email"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    # then
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/settings/objects/x_equipment?done=field_created"


def test_what_does_not_exist_is_a_404_page_and_standard_fields_stay(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    # when / then
    for path in ("/settings/objects/nothing", "/settings/objects/lead/fields/id", "/settings/objects/lead/fields/nope",
                 "/settings/objects/nothing/fields/new", "/settings/users/999999"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert post(client, "/settings/objects/lead/fields/owner", csrf, {"label_en": "Owner"}).status_code == 404
    assert post(client, "/settings/objects/lead/fields/nope/delete", csrf, {}).status_code == 404
    assert post(client, "/settings/users/999999", csrf, {"active": "true"}).status_code == 404
    assert client.get("/settings/objects/lead/fields/new?type=nonsense").status_code == 200
    standard = post(client, "/settings/objects/lead/fields/status/delete", csrf, {})
    assert standard.status_code == 422
    assert "Only custom fields can be deleted; standard fields are part of the product." in standard.text


def test_an_object_may_be_named_by_an_auto_number(web: tuple[TestClient, str]) -> None:
    # given
    client, csrf = web
    form = {"label_en": "Ticket", "title_label_en": "Number", "title_name": "number", "title_type": "auto_number"}
    # when
    missing = post(client, "/settings/objects/new", csrf, form)
    created = post(client, "/settings/objects/new", csrf, {**form, "title_pattern": "TK-{0000}"})
    record = post(client, "/records/x_ticket/new", csrf, {})
    # then
    assert missing.status_code == 422 and 'id="error-title_pattern"' in missing.text
    assert created.status_code == 303, created.text
    assert record.status_code == 303, record.text
    assert "TK-0001" in client.get(record.headers["location"]).text
