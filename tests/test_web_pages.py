"""The pages over HTTP, on SQLite and PostgreSQL: sign-in, CSRF, and permissions everywhere a page shows data.

The organization is tests/security_fixtures.py's: wang is an East rep on the "Sales" profile, which hides
x_equipment.x_price and grants nothing on the sales objects.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.engine.platform import Platform, RecordAction
from tests.conftest import Api
from tests.security_fixtures import PASSWORD, Org, build_org


@pytest.fixture
def org(equipment: Api, platform: Platform) -> Org:
    return build_org(equipment, platform)


def browser(org: Org, username: str, language: str = "zh-CN") -> TestClient:
    """A cookie-keeping client signed in through the sign-in form, as a browser is."""
    client = TestClient(org.admin.client.app, headers={"Accept-Language": language}, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    return client


def form_post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": client.cookies.get("huitong_csrf"), **data})


def rows(html: str) -> set[str]:
    return set(re.findall(r"E-[A-Z]+(?:-\d|-M)?", html))


def test_signing_in_refuses_wrong_passwords_and_foreign_redirects(org: Org) -> None:
    client = TestClient(org.admin.client.app, follow_redirects=False, headers={"Accept-Language": "zh-CN"})
    refused = client.post("/login", data={"username": "wang", "password": "nope"})
    assert refused.status_code == 400 and "用户名或密码错误" in refused.text
    assert client.get("/records/x_equipment").headers["location"] == "/login?next=/records/x_equipment"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"username": "wang", "password": PASSWORD, "next": target})
        assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_form_post_without_the_csrf_token_changes_nothing(org: Org) -> None:
    client = browser(org, "wang")
    record = org.equipment["E-WANG-1"]
    response = client.post(f"/records/x_equipment/{record}/delete", data={})
    assert response.status_code == 403 and "过期" in response.text
    assert client.get(f"/records/x_equipment/{record}").status_code == 200


def test_a_list_page_shows_only_readable_rows_and_never_a_hidden_field(org: Org) -> None:
    client = browser(org, "wang")
    page = client.get("/records/x_equipment")
    assert page.status_code == 200
    assert rows(page.text) == {"E-WANG-1", "E-WANG-2"}
    assert "价格" not in page.text and "100.00" not in page.text and "200.00" not in page.text
    named = client.get("/records/x_equipment?columns=x_serial,x_price")
    assert "价格" not in named.text and "100.00" not in named.text
    assert rows(named.text) == {"E-WANG-1", "E-WANG-2"}
    filtered = client.get("/records/x_equipment?x_price__gte=0")
    assert filtered.status_code == 400 and "E-WANG" not in filtered.text
    count = client.get("/records/x_equipment/count")
    assert count.text == "共 2 条记录"
    manager = browser(org, "east_mgr")
    assert rows(manager.get("/records/x_equipment").text) == {"E-WANG-1", "E-WANG-2", "E-ZHAO-1", "E-EAST-M"}


def test_a_record_page_never_shows_what_its_reader_may_not_see(org: Org) -> None:
    client = browser(org, "wang")
    mine = client.get(f"/records/x_equipment/{org.equipment['E-WANG-1']}")
    assert mine.status_code == 200 and "E-WANG-1" in mine.text
    assert "价格" not in mine.text and "100.00" not in mine.text
    # The site it points at belongs to liu in the north, which wang may not read: not even its name shows.
    assert "北京站" not in mine.text and f"#{org.sites['北京站']}" in mine.text
    theirs = client.get(f"/records/x_equipment/{org.equipment['E-ZHAO-1']}")
    missing = client.get("/records/x_equipment/999999")
    assert theirs.status_code == missing.status_code == 404
    assert "E-ZHAO-1" not in theirs.text
    assert client.get(f"/records/x_equipment/{org.equipment['E-ZHAO-1']}/edit").status_code == 404


def test_navigation_lists_only_objects_the_user_may_read(org: Org) -> None:
    wang = browser(org, "wang").get("/").text
    sidebar = wang[wang.index('id="app-sidebar"') :]
    assert "/records/x_equipment" in sidebar and "/records/x_site" in sidebar
    assert "/records/account" not in sidebar and "/settings/objects" not in sidebar
    assert browser(org, "wang").get("/records/account").status_code == 403
    assert "/sales/pipeline" not in sidebar  # a module's page goes with the records it is made of
    admin = browser(org, "admin").get("/").text
    assert "/records/account" in admin and "/settings/objects" in admin
    assert "/sales/pipeline" in admin and "商机看板" in admin


def test_a_module_sidebar_lists_its_main_objects_in_its_order_and_settings_reach_the_rest(org: Org) -> None:
    admin = browser(org, "admin")
    home = admin.get("/").text
    sidebar = home[home.index('id="app-sidebar"') :]
    listed = [sidebar.index(f'href="/records/{name}"') for name in ("lead", "account", "contact", "opportunity")]
    assert listed == sorted(listed)
    assert 'href="/records/lead_mapping"' not in home and 'href="/records/opportunity_stage_history"' not in home
    assert 'href="/records/lead_mapping"' in admin.get("/settings/objects").text
    assert admin.get("/records/lead_mapping").status_code == 200


def test_lookup_type_ahead_offers_only_readable_records(org: Org) -> None:
    liu = browser(org, "liu").get("/lookup/x_site?q=站").json()["results"]
    assert [site["title"] for site in liu] == ["北京站"]
    assert browser(org, "wang").get("/lookup/account?q=").status_code == 403


def test_the_form_shows_errors_beside_fields_and_keeps_what_was_typed(org: Org) -> None:
    client = browser(org, "wang")
    empty = form_post(client, "/records/x_equipment/new", {"x_serial": "", "x_status": "active"})
    assert empty.status_code == 422 and re.search(r'id="error-x_serial">此字段为必填项', empty.text)
    refused = form_post(client, "/records/x_equipment/new", {"x_serial": "E-9", "x_status": "bogus",
                                                              "x_site": "not a number"})  # fmt: skip
    assert refused.status_code == 422
    assert 'id="error-x_status">bogus 不是此字段的可选值' in refused.text and 'id="error-x_site"' in refused.text
    assert 'value="E-9"' in refused.text
    # x_installed is read-only for the Sales profile: shown disabled, never posted
    assert re.search(r'id="f-x_installed"[^>]*disabled', refused.text)
    created = form_post(client, "/records/x_equipment/new", {"x_serial": "E-NEW-1", "x_status": "repair"})
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "E-NEW-1" in page.text and "维修中" in page.text


def test_an_edit_over_someone_elses_change_is_refused_with_their_value(org: Org) -> None:
    client = browser(org, "wang")
    record = org.equipment["E-WANG-2"]
    form = client.get(f"/records/x_equipment/{record}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    org["wang"].patch(f"/api/v1/records/x_equipment/{record}", {"version": int(version.group(1)),
                                                                   "x_status": "retired"})  # fmt: skip
    stale = form_post(
        client,
        f"/records/x_equipment/{record}/edit",
        {"version": version.group(1), "x_serial": "E-WANG-2", "x_status": "repair"},
    )
    assert stale.status_code == 409
    assert "对方的值： 报废" in stale.text
    assert org["wang"].get(f"/api/v1/records/x_equipment/{record}").json()["x_status"] == "retired"


def test_saved_views_are_private_unless_shared(org: Org) -> None:
    wang, zhao = browser(org, "wang"), browser(org, "zhao")
    private = form_post(wang, "/records/x_equipment/views", {"name": "我的在用设备", "query": "x_status=active"})
    shared = form_post(wang, "/records/x_equipment/views", {"name": "全部维修", "query": "x_status=repair",
                                                            "shared": "on"})  # fmt: skip
    assert private.status_code == shared.status_code == 303
    private_id = private.headers["location"].rpartition("=")[2]
    assert "我的在用设备" in wang.get("/records/x_equipment").text
    zhaos_list = zhao.get("/records/x_equipment").text
    assert "全部维修" in zhaos_list and "我的在用设备" not in zhaos_list
    assert zhao.get(f"/records/x_equipment?view={private_id}").status_code == 404
    assert form_post(zhao, f"/records/x_equipment/views/{private_id}/delete", {}).status_code == 404
    opened = wang.get(f"/records/x_equipment?view={private_id}")
    assert rows(opened.text) == {"E-WANG-1", "E-WANG-2"} and "x_status" in opened.text


def test_delete_moves_to_the_recycle_bin_and_undo_restores(org: Org) -> None:
    client = browser(org, "wang")
    record = org.equipment["E-WANG-1"]
    deleted = form_post(client, f"/records/x_equipment/{record}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/records/x_equipment?deleted={record}"
    assert "E-WANG-1" not in client.get("/records/x_equipment").text
    assert form_post(client, f"/records/x_equipment/{record}/restore", {}).status_code == 303
    assert "E-WANG-1" in client.get("/records/x_equipment").text


def test_home_lists_recently_viewed_records_the_user_may_still_read(org: Org) -> None:
    client = browser(org, "wang")
    record = org.equipment["E-WANG-2"]
    client.get(f"/records/x_equipment/{record}")
    assert f"/records/x_equipment/{record}" in client.get("/").text
    org.admin.post(f"/api/v1/records/x_equipment/{record}/transfer", {"owner": org.users["liu"]})
    assert f"/records/x_equipment/{record}" not in client.get("/").text


def test_the_language_switch_is_remembered_for_the_user(org: Org) -> None:
    client = browser(org, "wang", language="zh-CN")
    assert "首页" in client.get("/").text
    assert form_post(client, "/language", {"locale": "en", "next": "/records/x_site"}).headers["location"] == (
        "/records/x_site"
    )
    assert ">Home<" in client.get("/").text
    other_device = browser(org, "wang", language="zh-CN")
    assert ">Home<" in other_device.get("/").text


def test_the_search_box_shows_only_what_the_user_may_read(org: Org) -> None:
    """The same hits as the API, grouped under the object's name; nothing of zhao's for wang."""
    wang = browser(org, "wang")
    fragment = wang.get("/search?q=E-", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    api_hits = {hit["id"] for hit in org["wang"].get("/api/v1/search?q=E-").json()["results"]}
    page_hits = {int(found) for found in re.findall(r"/records/x_equipment/(\d+)", fragment.text)}
    assert page_hits == api_hits == org.ids("E-WANG-1", "E-WANG-2")
    assert "E-ZHAO-1" not in fragment.text and "100.00" not in fragment.text
    whole = wang.get("/search?q=E-ZHAO")
    assert whole.status_code == 200 and "E-ZHAO-1" not in whole.text and "E-ZHAO" in whole.text  # "nothing for …"


def test_the_record_page_names_whom_it_is_shared_with(org: Org) -> None:
    record = org.equipment["E-WANG-1"]
    org.admin.post(f"/api/v1/records/x_equipment/{record}/shares", {"user": org.users["liu"], "access": "read"})
    page = browser(org, "wang").get(f"/records/x_equipment/{record}").text
    shared = page[page.index("共享给") :]
    assert re.search(r"用户: liu · 只读", shared)


def test_field_history_shows_values_as_the_page_does(org: Org) -> None:
    # given: a deal whose stage, amount and owner changed
    deal = org.admin.post("/api/v1/records/opportunity", {"name": "历史测试", "amount": "1000.00"}).json()
    changed = org.admin.patch(f"/api/v1/records/opportunity/{deal['id']}", {
        "stage": "needs_confirmed", "amount": "2500.00", "owner": org.users["wang"], "version": deal["version"],
    })  # fmt: skip
    assert changed.status_code == 200, changed.text
    # when
    page = browser(org, "admin").get(f"/records/opportunity/{deal['id']}").text
    history = page[page.index("字段历史") :]
    # then: labels, money and names, not stored values
    assert "初步接洽 → 需求确认" in history and "needs_confirmed" not in history
    assert "¥1,000.00 → ¥2,500.00" in history
    assert "→ wang" in history and f"→ {org.users['wang']}<" not in history  # the user's name (here: username)


def test_a_record_action_is_left_out_while_its_record_has_a_value_it_names() -> None:
    release = RecordAction("lead", {"en": "Release to pool"}, "/sales/lead/{id}/release", {"status": "converted"},
                           ("pool",))  # fmt: skip
    assert release.shown_for({"id": 1, "status": "working", "pool": None})
    assert not release.shown_for({"id": 1, "status": "working", "pool": 3})
    assert not release.shown_for({"id": 1, "status": "converted", "pool": None})


def test_fields_a_module_keeps_itself_are_not_on_the_form(org: Org) -> None:
    # stage_days_1 is kept by the pipeline's hooks as a deal leaves a stage; typing into it would be lost
    form = browser(org, "admin", "en").get("/records/opportunity/new").text
    assert 'name="amount"' in form and 'name="stage_days_1"' not in form
