"""Lead conversion: new or linked account and contact, an optional opportunity, custom field mappings, refusals,
and the lead kept read-only afterwards."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huitong.engine.platform import Platform
from tests.conftest import ADMIN_PASSWORD, Api
from tests.security_fixtures import add_user

LEAD = {
    "name": "王建国", "company": "苏州恒信精密机械有限公司", "title": "采购经理", "mobile": "139 1234 5678",
    "phone": "0512-6688 1234", "email": "wangjg@hengxin.example.cn", "wechat": "wjg_hx", "industry": "manufacturing",
    "source": "trade_show", "province": "江苏", "city": "苏州", "campaign": "2026 工博会", "rating": "hot",
    "description": "展会上留下名片，关注数控设备",
}  # fmt: skip


def created(api: Api, object_name: str, values: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"/api/v1/records/{object_name}", values)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def read(api: Api, object_name: str, record_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/records/{object_name}/{record_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def count(api: Api, object_name: str) -> int:
    total: int = api.post(f"/api/v1/records/{object_name}/query", {"count": True, "limit": 1}).json()["total"]
    return total


def convert(api: Api, lead_id: int, body: dict[str, Any]) -> Any:
    return api.post(f"/api/v1/sales/leads/{lead_id}/convert", body)


def test_conversion_creates_account_contact_and_opportunity(api: Api) -> None:
    lead = created(api, "lead", {**LEAD, "last_follow_up_at": "2026-03-16T06:00:00Z"})
    response = convert(api, lead["id"], {"account": None, "contact": None, "opportunity": {
        "name": "恒信 数控设备采购", "amount": "380000", "close_date": "2026-06-30"}})  # fmt: skip
    assert response.status_code == 200, response.text
    ids = response.json()
    assert set(ids) == {"account_id", "contact_id", "opportunity_id"}

    account = read(api, "account", ids["account_id"])
    assert (account["name"], account["industry"], account["source"]) == (LEAD["company"], "manufacturing", "trade_show")
    assert (account["province"], account["city"], account["phone"]) == ("江苏", "苏州", "0512-6688 1234")
    assert account["last_contacted_at"] == "2026-03-16T06:00:00Z"
    contact = read(api, "contact", ids["contact_id"])
    assert (contact["name"], contact["title"], contact["mobile"]) == ("王建国", "采购经理", "139 1234 5678")
    assert (contact["email"], contact["wechat"], contact["account"]) == (LEAD["email"], "wjg_hx", ids["account_id"])
    opportunity = read(api, "opportunity", ids["opportunity_id"])
    assert (opportunity["name"], opportunity["amount"], opportunity["close_date"]) == (
        "恒信 数控设备采购", "380000.00", "2026-06-30")  # fmt: skip
    assert (opportunity["account"], opportunity["source"], opportunity["campaign"]) == (
        ids["account_id"], "trade_show", "2026 工博会")  # fmt: skip
    assert opportunity["primary_contact"] == ids["contact_id"]

    after = read(api, "lead", lead["id"])
    assert after["status"] == "converted"
    assert (after["converted_account"], after["converted_contact"], after["converted_opportunity"]) == (
        ids["account_id"], ids["contact_id"], ids["opportunity_id"])  # fmt: skip
    assert after["converted_at"] == "2026-03-18T02:00:00Z"


def test_conversion_links_existing_records_and_creates_no_opportunity(api: Api) -> None:
    account = created(api, "account", {"name": "恒信精密"})
    contact = created(api, "contact", {"name": "王建国", "mobile": "13912345678"})
    lead = created(api, "lead", LEAD)
    response = convert(api, lead["id"], {"account": account["id"], "contact": contact["id"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"account_id": account["id"], "contact_id": contact["id"], "opportunity_id": None}
    assert (count(api, "account"), count(api, "contact"), count(api, "opportunity")) == (1, 1, 0)
    assert read(api, "contact", contact["id"])["account"] == account["id"]  # a contact of no account joins it
    assert read(api, "account", account["id"])["name"] == "恒信精密"  # linking changes nothing else


def test_a_new_contact_joins_a_linked_account(api: Api) -> None:
    account = created(api, "account", {"name": "恒信精密"})
    lead = created(api, "lead", {"name": "李娜", "company": "恒信"})
    ids = convert(api, lead["id"], {"account": account["id"], "contact": None, "opportunity": None}).json()
    assert ids["account_id"] == account["id"] and ids["opportunity_id"] is None
    assert read(api, "contact", ids["contact_id"])["account"] == account["id"]


def test_a_lead_without_company_becomes_an_account_of_its_person(api: Api) -> None:
    lead = created(api, "lead", {"name": "赵个体"})
    ids = convert(api, lead["id"], {}).json()
    assert read(api, "account", ids["account_id"])["name"] == "赵个体"


def test_custom_fields_follow_the_administrators_mapping(api: Api, user_api: Api) -> None:
    fields = [
        ("lead", {"name": "x_budget", "type": "currency", "label": {"en": "Budget", "zh_CN": "预算"}}),
        ("opportunity", {"name": "x_budget", "type": "currency", "label": {"en": "Budget", "zh_CN": "预算"}}),
        ("lead", {"name": "x_hobby", "type": "text", "label": {"en": "Hobby", "zh_CN": "爱好"}}),
        ("contact", {"name": "x_notes", "type": "long_text", "label": {"en": "Notes", "zh_CN": "备忘"}}),
    ]
    for object_name, spec in fields:
        response = api.post(f"/api/v1/meta/objects/{object_name}/fields", spec)
        assert response.status_code == 201, response.text
    created(api, "lead_mapping", {"lead_field": "x_budget", "target": "opportunity", "target_field": "x_budget"})
    created(api, "lead_mapping", {"lead_field": "x_hobby", "target": "contact", "target_field": "x_notes"})

    refused = api.post("/api/v1/records/lead_mapping",
                       {"lead_field": "x_hobby", "target": "opportunity", "target_field": "amount"})  # fmt: skip
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("target_field", "type_mismatch")]
    unknown = api.post("/api/v1/records/lead_mapping",
                       {"lead_field": "x_nothing", "target": "account", "target_field": "name"})  # fmt: skip
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("lead_field", "unknown_field")]
    not_admin = user_api.post("/api/v1/records/lead_mapping",
                              {"lead_field": "x_hobby", "target": "account", "target_field": "name"})  # fmt: skip
    assert not_admin.status_code == 403

    lead = created(api, "lead", {**LEAD, "x_budget": "500000", "x_hobby": "钓鱼"})
    ids = convert(api, lead["id"], {"opportunity": {"name": "数控设备", "amount": "450000"}}).json()
    assert read(api, "opportunity", ids["opportunity_id"])["x_budget"] == "500000.00"
    assert read(api, "opportunity", ids["opportunity_id"])["amount"] == "450000.00"
    assert read(api, "contact", ids["contact_id"])["x_notes"] == "钓鱼"


def test_a_converted_lead_is_refused_and_read_only(api: Api) -> None:
    lead = created(api, "lead", LEAD)
    assert convert(api, lead["id"], {}).status_code == 200
    again = convert(api, lead["id"], {})
    assert (again.status_code, again.json()["code"]) == (409, "already_converted")
    assert count(api, "account") == 1

    version = read(api, "lead", lead["id"])["version"]
    edit = api.patch(f"/api/v1/records/lead/{lead['id']}", {"title": "总经理", "version": version})
    assert (edit.status_code, edit.json()["code"]) == (409, "lead_converted")
    assert read(api, "lead", lead["id"])["title"] == "采购经理"


def test_marking_a_lead_converted_by_hand_is_refused(api: Api) -> None:
    lead = created(api, "lead", LEAD)
    account = created(api, "account", {"name": "恒信"})
    response = api.patch(f"/api/v1/records/lead/{lead['id']}",
                         {"status": "converted", "converted_account": account["id"], "version": 1})  # fmt: skip
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["converted_account", "status"]
    # other edits of an open lead are as usual
    assert api.patch(f"/api/v1/records/lead/{lead['id']}", {"status": "working", "version": 1}).status_code == 200


def test_conversion_is_all_or_nothing(api: Api) -> None:
    lead = created(api, "lead", LEAD)
    response = convert(api, lead["id"], {"opportunity": {"name": "设备", "amount": "很多"}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["opportunity.amount"]
    assert (count(api, "account"), count(api, "contact"), count(api, "opportunity")) == (0, 0, 0)
    assert read(api, "lead", lead["id"])["status"] == "new"


def test_linking_a_record_that_does_not_exist_is_a_field_error(api: Api) -> None:
    lead = created(api, "lead", LEAD)
    response = convert(api, lead["id"], {"account": 999999})
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("account", "not_found")]
    bad = convert(api, lead["id"], {"account": "x", "extra": 1})
    assert bad.status_code == 400
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["account", "extra"]
    assert count(api, "account") == 0


def test_a_user_may_not_convert_a_lead_they_may_not_edit(api: Api, user_api: Api) -> None:
    lead = created(api, "lead", LEAD)  # the administrator's: private to others by default
    response = convert(user_api, lead["id"], {})
    assert response.status_code == 404
    assert (count(api, "account"), read(api, "lead", lead["id"])["status"]) == (0, "new")

    own = created(user_api, "lead", {"name": "陈晓", "company": "杭州云启科技有限公司"})
    response = convert(user_api, own["id"], {})
    assert response.status_code == 200, response.text
    account = read(api, "account", response.json()["account_id"])
    assert account["name"] == "杭州云启科技有限公司"
    assert account["owner"] == read(api, "lead", own["id"])["owner"]


def test_the_conversion_page_offers_duplicates_and_converts(api: Api) -> None:
    existing = created(api, "account", {"name": "苏州恒信精密机械股份有限公司"})
    lead = created(api, "lead", LEAD)
    browser = TestClient(api.client.app, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 303

    record_page = browser.get(f"/records/lead/{lead['id']}").text
    assert f'href="/sales/leads/{lead["id"]}/convert">转化</a>' in record_page
    page = browser.get(f"/sales/leads/{lead['id']}/convert")
    assert page.status_code == 200
    assert "已有 1 个相似的客户。" in page.text and f'value="{existing["id"]}"' in page.text

    form = {"csrf_token": browser.cookies.get("huitong_csrf"), "account": str(existing["id"]), "contact": "new",
            "create_opportunity": "on", "opportunity_name": "数控设备", "opportunity_amount": "很多"}  # fmt: skip
    refused = browser.post(f"/sales/leads/{lead['id']}/convert", data=form)
    assert refused.status_code == 422 and "商机 · 金额" in refused.text
    assert count(api, "contact") == 0

    done = browser.post(f"/sales/leads/{lead['id']}/convert", data={**form, "opportunity_amount": "120000"})
    assert (done.status_code, done.headers["location"]) == (303, f"/records/lead/{lead['id']}")
    after = read(api, "lead", lead["id"])
    assert (after["status"], after["converted_account"]) == ("converted", existing["id"])
    assert read(api, "opportunity", after["converted_opportunity"])["amount"] == "120000.00"
    assert "/convert" not in browser.get(f"/records/lead/{lead['id']}").text
    converted_page = browser.get(f"/sales/leads/{lead['id']}/convert").text
    assert f'<a href="/records/account/{existing["id"]}">苏州恒信精密机械股份有限公司</a>' in converted_page


# -- assignment rules --------------------------------------------------------------------------------------------
def test_new_leads_go_to_the_first_matching_rule(api: Api, user_api: Api, platform: Platform) -> None:
    users = {name: add_user(api, platform, name)[0] for name in ("east1", "east2", "south", "keeper")}
    group = api.post("/api/v1/security/groups", {"name": "华东销售组", "members": [
        {"kind": "user", "id": users["east1"]}, {"kind": "user", "id": users["east2"]}]})  # fmt: skip
    assert group.status_code == 201, group.text
    rules = [
        {"name": "展会大客户", "sort_order": 1, "sources": ["trade_show"], "industries": ["manufacturing"],
         "assign_to": users["keeper"]},
        {"name": "华东", "sort_order": 2, "provinces": "江苏, 浙江、上海", "group": "华东销售组"},
        {"name": "华南", "sort_order": 3, "provinces": "广东", "assign_to": users["south"], "active": False},
        {"name": "默认", "sort_order": 9, "assign_to": users["south"]},
    ]  # fmt: skip
    for rule in rules:
        created(api, "lead_assignment_rule", rule)

    def owner_of(values: dict[str, Any], client: Api = api) -> tuple[int, str | None]:
        lead = created(client, "lead", {"name": "客户", **values})
        return lead["owner"], lead.get("assigned_by_rule")

    assert owner_of({"source": "trade_show", "industry": "manufacturing", "province": "江苏"}) == (
        users["keeper"], "展会大客户")  # fmt: skip
    turns = [owner_of({"province": province}) for province in ("江苏省", "浙江", "上海市", "江苏")]
    assert turns == [(users["east1"], "华东"), (users["east2"], "华东"), (users["east1"], "华东"),
                     (users["east2"], "华东")]  # fmt: skip
    assert owner_of({"province": "广东"}) == (users["south"], "默认")  # the 华南 rule is off
    # an import takes turns too, continuing where single leads left off
    imported = api.post("/api/v1/records/lead/bulk", {"operation": "create", "records": [
        {"name": f"导入{n}", "province": "浙江"} for n in range(3)]})  # fmt: skip
    assert imported.status_code == 200, imported.text
    owners = [read(api, "lead", result["id"])["owner"] for result in imported.json()["results"]]
    assert owners == [users["east1"], users["east2"], users["east1"]]
    # an owner someone chose stays; a salesperson's own lead through the API is theirs when they say so
    admin_id = read(api, "lead", created(api, "lead", {"name": "自己的"})["id"])["created_by"]
    assert owner_of({"province": "江苏", "owner": admin_id}) == (admin_id, None)


def test_only_administrators_define_sound_assignment_rules(api: Api, user_api: Api) -> None:
    refused = user_api.post("/api/v1/records/lead_assignment_rule", {"name": "我的", "group": "x"})
    assert refused.status_code == 403
    both = api.post("/api/v1/records/lead_assignment_rule", {"name": "两者", "group": "x", "assign_to": 1})
    assert [(e["field"], e["code"]) for e in both.json()["errors"]] == [("assign_to", "one_owner")]
    unknown = api.post("/api/v1/records/lead_assignment_rule", {"name": "无组", "group": "不存在的组"})
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("group", "unknown_group")]


def test_the_conversion_page_asks_which_record_to_link_to(api: Api) -> None:
    lead = created(api, "lead", LEAD)
    browser = TestClient(api.client.app, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 303
    form = {"csrf_token": browser.cookies.get("huitong_csrf"), "account": "other", "account_other": "",
            "contact": "new"}  # fmt: skip
    response = browser.post(f"/sales/leads/{lead['id']}/convert", data=form)
    assert response.status_code == 422 and "请选择要关联的记录。" in response.text
    assert count(api, "account") == 0
