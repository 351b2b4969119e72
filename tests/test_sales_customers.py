"""Accounts and contacts: trees without cycles, visit cycles by level, duplicate rules and merges."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.modules.sales.duplicates import company_key, email_key, phone_key
from tests.conftest import ADMIN_PASSWORD, Api
from tests.test_sales_leads import count, created, read
from tests.test_sales_pipeline_board import signed_in


def patch(api: Api, object_name: str, record_id: int, values: dict[str, Any]) -> Any:
    version = read(api, object_name, record_id)["version"]
    return api.patch(f"/api/v1/records/{object_name}/{record_id}", {**values, "version": version})


# -- trees -------------------------------------------------------------------------------------------------------
def test_account_tree_of_any_depth_refuses_cycles(api: Api) -> None:
    group = created(api, "account", {"name": "华润集团"})
    region = created(api, "account", {"name": "华润华东", "parent": group["id"]})
    branch = created(api, "account", {"name": "华润苏州", "parent": region["id"]})
    shop = created(api, "account", {"name": "华润苏州一店", "parent": branch["id"]})
    assert read(api, "account", shop["id"])["parent"] == branch["id"]

    for record_id, parent in ((group["id"], shop["id"]), (region["id"], region["id"]), (region["id"], branch["id"])):
        response = patch(api, "account", record_id, {"parent": parent})
        assert response.status_code == 422, response.text
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("parent", "cycle")]
    assert read(api, "account", group["id"])["parent"] is None
    # moving a branch elsewhere in the tree is fine
    assert patch(api, "account", branch["id"], {"parent": group["id"]}).status_code == 200
    assert patch(api, "account", region["id"], {"parent": branch["id"]}).status_code == 200


def test_reporting_lines_refuse_cycles(api: Api) -> None:
    boss = created(api, "contact", {"name": "周总"})
    manager = created(api, "contact", {"name": "吴经理", "reports_to": boss["id"]})
    response = patch(api, "contact", boss["id"], {"reports_to": manager["id"]})
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("reports_to", "cycle")]


def test_visit_cycle_follows_the_level_unless_set(api: Api) -> None:
    account = created(api, "account", {"name": "上海申通物流", "level": "A",
                                       "last_contacted_at": "2026-03-10T15:30:00Z"})  # fmt: skip
    # 23:30 in Shanghai on 10 March; an A account is visited weekly
    assert (account["visit_cycle_days"], account["next_visit_due"]) == (7, "2026-03-17")
    changed = patch(api, "account", account["id"], {"level": "C"}).json()
    assert (changed["visit_cycle_days"], changed["next_visit_due"]) == (30, "2026-04-09")
    own = patch(api, "account", account["id"], {"visit_cycle_days": 10}).json()
    assert own["next_visit_due"] == "2026-03-20"
    kept = patch(api, "account", account["id"], {"level": "B"}).json()
    assert kept["visit_cycle_days"] == 10  # a cycle someone chose stays


# -- duplicates --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("上海汇通科技有限公司", "上海汇通科技股份有限公司"),
        ("上海汇通科技集团有限公司", "上海汇通科技"),
        ("上海汇通科技（集团）有限公司", "上海汇通科技有限责任公司"),
        ("Huitong Technology Co., Ltd.", "HUITONG TECHNOLOGY CO.,LTD"),
        ("Huitong Technology Inc.", "huitong technology"),
    ],
)
def test_company_names_match_without_their_legal_form(first: str, second: str) -> None:
    assert company_key(first) == company_key(second) is not None


def test_normalized_keys() -> None:
    assert company_key("Costco") == "costco"  # "co" is a legal form only as a word of its own
    assert company_key("上海汇通（中国）有限公司") != company_key("上海汇通有限公司")
    assert phone_key("+86 138-0013-8000") == phone_key("13800138000") == "13800138000"
    assert phone_key("(021) 5555-1234 转 12") == "02155551234"
    assert phone_key("12") is None
    assert email_key(" Wang.JG@Hengxin.Example.CN ") == "wang.jg@hengxin.example.cn"


def test_duplicates_are_found_by_normalized_values(api: Api, user_api: Api) -> None:
    account = created(api, "account", {"name": "上海汇通科技有限公司", "phone": "021-5555 1234"})
    created(api, "account", {"name": "上海汇通科技发展有限公司"})  # a different company
    contact = created(api, "contact", {"name": "张伟", "mobile": "138-0013-8000", "email": "ZhangWei@Huitong.cn"})

    found = api.post("/api/v1/sales/duplicates/account/check", {"name": "上海汇通科技股份有限公司"}).json()
    assert [(m["id"], m["fields"]) for m in found["matches"]] == [(account["id"], ["name"])]
    assert found["matches"][0]["title"] == "上海汇通科技有限公司"
    by_phone = api.get("/api/v1/sales/duplicates/accounts", params={"phone": "02155551234"}).json()
    assert [m["id"] for m in by_phone["matches"]] == [account["id"]]

    both = api.post("/api/v1/sales/duplicates/contact/check",
                    {"phone": "+86 13800138000", "email": "zhangwei@huitong.CN"}).json()  # fmt: skip
    assert [(m["id"], m["fields"]) for m in both["matches"]] == [(contact["id"], ["mobile", "email"])]
    itself = api.post("/api/v1/sales/duplicates/contact/check", {"id": contact["id"], "mobile": "13800138000"})
    assert itself.json()["matches"] == []
    # only records the user may read are offered
    assert user_api.post("/api/v1/sales/duplicates/account/check", {"name": "上海汇通科技"}).json()["matches"] == []
    assert api.post("/api/v1/sales/duplicates/opportunity/check", {}).status_code == 400


def test_a_lead_is_checked_against_other_leads(api: Api) -> None:
    lead = created(api, "lead", {"name": "王建国", "company": "苏州恒信精密机械有限公司", "mobile": "13912345678"})
    found = api.post("/api/v1/sales/duplicates/lead/check",
                     {"name": "王先生", "company": "苏州恒信精密机械股份有限公司", "mobile": "139 1234 5678"}).json()  # fmt: skip
    assert [(m["id"], m["fields"]) for m in found["matches"]] == [(lead["id"], ["company", "mobile"])]
    assert (found["contacts"], found["accounts"]) == ([], [])
    contact = created(api, "contact", {"name": "王建国", "mobile": "+86 139-1234-5678"})
    account = created(api, "account", {"name": "苏州恒信精密机械集团"})
    again = api.post("/api/v1/sales/duplicates/leads/check",
                     {"company": "苏州恒信精密机械有限公司", "mobile": "13912345678"}).json()  # fmt: skip
    assert [(m["id"], m["fields"]) for m in again["contacts"]] == [(contact["id"], ["mobile"])]
    assert [(m["id"], m["fields"]) for m in again["accounts"]] == [(account["id"], ["name"])]


# -- merge -------------------------------------------------------------------------------------------------------
def test_merge_keeps_chosen_values_and_moves_every_related_record(api: Api) -> None:
    keep = created(api, "account", {"name": "上海汇通科技有限公司", "phone": "021-5555 1234", "level": "B"})
    other = created(api, "account", {"name": "上海汇通科技", "phone": "021-6666 8888", "level": "A",
                                     "industry": "it"})  # fmt: skip
    contacts = [created(api, "contact", {"name": name, "account": other["id"]}) for name in ("张伟", "李娜")]
    child = created(api, "account", {"name": "汇通北京分公司", "parent": other["id"]})
    opportunity = created(api, "opportunity", {"name": "CRM 升级", "account": other["id"]})
    lead = created(api, "lead", {"name": "张伟", "company": "汇通"})
    assert api.post(f"/api/v1/sales/leads/{lead['id']}/convert", {"account": other["id"]}).status_code == 200

    response = api.post("/api/v1/sales/account/merge", {
        "keep": keep["id"], "merge": [other["id"]], "values": {"level": other["id"], "industry": other["id"]}})  # fmt: skip
    assert response.status_code == 200, response.text
    # two contacts, the child account, the opportunity, the converted lead and the contact the lead became
    assert response.json() == {"id": keep["id"], "merged": [other["id"]], "moved": 6}

    kept = read(api, "account", keep["id"])
    assert (kept["name"], kept["phone"], kept["level"], kept["industry"]) == (
        "上海汇通科技有限公司", "021-5555 1234", "A", "it")  # fmt: skip
    assert all(read(api, "contact", c["id"])["account"] == keep["id"] for c in contacts)
    assert read(api, "account", child["id"])["parent"] == keep["id"]
    assert read(api, "opportunity", opportunity["id"])["account"] == keep["id"]
    assert read(api, "lead", lead["id"])["converted_account"] == keep["id"]
    assert api.get(f"/api/v1/records/account/{other['id']}").status_code == 404
    deleted = api.get("/api/v1/recycle-bin", params={"object": "account"}).json()["entries"]
    assert [entry["id"] for entry in deleted] == [other["id"]]


def test_merge_is_all_or_nothing(api: Api) -> None:
    keep = created(api, "contact", {"name": "张伟", "mobile": "13800138000"})
    other = created(api, "contact", {"name": "张 伟", "mobile": "138 0013 8000", "title": "CTO"})
    response = api.post("/api/v1/sales/contacts/merge",
                        {"keep": keep["id"], "merge": [other["id"], 999999], "values": {"title": other["id"]}})  # fmt: skip
    assert response.status_code == 404
    assert read(api, "contact", keep["id"])["title"] is None
    assert count(api, "contact") == 2
    bad = api.post("/api/v1/sales/contact/merge", {"keep": keep["id"], "merge": [keep["id"]]})
    assert (bad.status_code, [e["field"] for e in bad.json()["errors"]]) == (400, ["merge"])
    unknown = api.post("/api/v1/sales/contact/merge",
                       {"keep": keep["id"], "merge": [other["id"]], "values": {"nothing": other["id"]}})  # fmt: skip
    assert [e["field"] for e in unknown.json()["errors"]] == ["values.nothing"]


def test_merge_needs_the_right_to_delete_the_merged(api: Api, user_api: Api) -> None:
    mine = created(user_api, "account", {"name": "杭州云启科技"})
    theirs = created(api, "account", {"name": "杭州云启科技有限公司"})
    response = user_api.post("/api/v1/sales/account/merge", {"keep": mine["id"], "merge": [theirs["id"]]})
    assert response.status_code == 404  # not theirs to see
    assert read(api, "account", theirs["id"])["name"] == "杭州云启科技有限公司"


def test_relationships_between_accounts_show_on_both(api: Api) -> None:
    maker = created(api, "account", {"name": "宁波恒达模具有限公司"})
    buyer = created(api, "account", {"name": "上海汇通科技有限公司"})
    link = created(api, "account_relationship", {"account": maker["id"], "type": "supplier_of",
                                                  "related_account": buyer["id"]})  # fmt: skip
    assert link["name"] == "宁波恒达模具有限公司 → 上海汇通科技有限公司"
    for field, account in (("account", maker), ("related_account", buyer)):
        found = api.get("/api/v1/records/account_relationship", params={field: account["id"]}).json()["records"]
        assert [record["id"] for record in found] == [link["id"]]
    itself = api.post("/api/v1/records/account_relationship",
                      {"account": maker["id"], "type": "partner_of", "related_account": maker["id"]})  # fmt: skip
    assert [(e["field"], e["code"]) for e in itself.json()["errors"]] == [("related_account", "same_account")]


def test_the_duplicates_page_merges_the_ticked_records(api: Api) -> None:
    keep = created(api, "contact", {"name": "张伟", "mobile": "13800138000", "title": "经理"})
    other = created(api, "contact", {"name": "张伟", "mobile": "138-0013-8000", "title": "采购总监",
                                     "email": "zw@huitong.cn"})  # fmt: skip
    browser = TestClient(api.client.app, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 303
    assert (
        f'href="/sales/contact/{keep["id"]}/duplicates">查重</a>' in browser.get(f"/records/contact/{keep['id']}").text
    )
    page = browser.get(f"/sales/contact/{keep['id']}/duplicates")
    assert page.status_code == 200 and f'name="merge" value="{other["id"]}"' in page.text
    assert f'name="take_title" value="{keep["id"]}" checked' in page.text  # the kept record's value by default
    assert f'name="take_email" value="{other["id"]}" checked' in page.text  # …or the only one there is

    form = {"csrf_token": browser.cookies.get("huitong_csrf"), "merge": str(other["id"]),
            "take_title": str(other["id"]), "take_email": str(other["id"])}  # fmt: skip
    done = browser.post(f"/sales/contact/{keep['id']}/duplicates", data=form)
    assert (done.status_code, done.headers["location"]) == (303, f"/records/contact/{keep['id']}")
    kept = read(api, "contact", keep["id"])
    assert (kept["title"], kept["email"], kept["mobile"]) == ("采购总监", "zw@huitong.cn", "13800138000")
    assert count(api, "contact") == 1
    assert "没有找到相似的记录。" in browser.get(f"/sales/contact/{keep['id']}/duplicates").text


def test_the_360_view_rolls_amounts_up_the_tree(api: Api, user_api: Api) -> None:
    group = created(api, "account", {"name": "华润集团", "level": "A"})
    east = created(api, "account", {"name": "华润华东", "parent": group["id"]})
    suzhou = created(api, "account", {"name": "华润苏州", "parent": east["id"]})
    south = created(api, "account", {"name": "华润华南", "parent": group["id"]})
    deals = [(group, "100000", "open"), (group, "50000", "won"), (east, "20000", "open"), (suzhou, "7000", "open"),
             (suzhou, "3000", "won"), (south, "9999", "lost")]  # fmt: skip
    for account, amount, _status in deals:
        created(api, "opportunity", {"name": f"{account['name']} {amount}", "account": account["id"],
                                     "amount": amount, "close_date": "2026-04-30"})  # fmt: skip
    for opportunity in api.get("/api/v1/records/opportunity", params={"limit": 50}).json()["records"]:
        status = next(s for a, amount, s in deals if opportunity["name"] == f"{a['name']} {amount}")
        if status != "open":
            update = {"status": status, "stage": status, "loss_reason": "price"} if status == "lost" else {
                "status": "won", "stage": "won"}  # fmt: skip
            response = patch(api, "opportunity", opportunity["id"], update)
            assert response.status_code == 200, response.text
    boss = created(api, "contact", {"name": "周总", "account": group["id"], "title": "董事长",
                                    "buying_role": "decision_maker"})  # fmt: skip
    created(api, "contact", {"name": "吴经理", "account": group["id"], "reports_to": boss["id"]})
    created(api, "account_relationship", {"account": south["id"], "type": "supplier_of",
                                          "related_account": group["id"]})  # fmt: skip

    browser = TestClient(api.client.app, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 303
    assert (
        f'href="/sales/accounts/{group["id"]}/overview">客户全景</a>'
        in browser.get(f"/records/account/{group['id']}").text
    )
    page = browser.get(f"/sales/accounts/{group['id']}/overview")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    # own: open 100,000, won 50,000; with the tree: open 127,000, won 53,000 (the lost deal counts nowhere)
    for amount in ("¥100,000.00", "¥50,000.00", "¥127,000.00", "¥53,000.00"):
        assert amount in text, amount
    assert "与 3 个下级客户合计" in text
    # 华润华东 rolls up 苏州: open 27,000, won 3,000
    row = re.search(r'overview">华润华东</a></td>(.*?)</tr>', text)
    assert row is not None and re.findall(r">([^<]+)</td>", row.group(1)) == ["¥27,000.00", "¥3,000.00"], row
    assert text.index("周总") < text.index("吴经理") and "董事长 · 决策者" in text
    assert "华润华南 是本客户的供应商（上游）" in text
    # another user sees nothing they may not read
    assert user_api.get(f"/api/v1/records/account/{group['id']}").status_code == 404


def test_this_weeks_visits(api: Api, user_api: Api) -> None:
    # the clock reads Wednesday 18 March 2026, 10:00 in Shanghai: this week runs from Monday 16 to Sunday 22
    overdue = created(api, "account", {"name": "甲", "level": "A", "last_contacted_at": "2026-03-10T02:00:00Z"})
    visited = created(api, "account", {"name": "乙", "level": "C", "last_contacted_at": "2026-03-17T02:00:00Z"})
    never = created(api, "account", {"name": "丙", "level": "B"})
    later = created(api, "account", {"name": "丁", "level": "D", "last_contacted_at": "2026-03-01T02:00:00Z"})
    theirs = created(user_api, "account", {"name": "戊", "level": "A", "last_contacted_at": "2026-03-09T02:00:00Z"})
    assert overdue["next_visit_due"] == "2026-03-17"

    def ids(scope: str) -> dict[str, list[int]]:
        body = api.get("/api/v1/sales/visits", params={"scope": scope}).json()
        return {name: [record["id"] for record in found["records"]] for name, found in body.items()}

    assert ids("mine") == {"due": [overdue["id"]], "contacted": [visited["id"]],
                           "not_contacted": [overdue["id"], later["id"], never["id"]]}  # fmt: skip
    assert ids("all")["due"] == [overdue["id"], theirs["id"]] or ids("all")["due"] == [theirs["id"], overdue["id"]]
    assert api.get("/api/v1/sales/visits", params={"scope": "x"}).status_code == 400

    browser = TestClient(api.client.app, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert browser.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 303
    page = " ".join(browser.get("/sales/visits").text.split())
    assert "本周待拜访" in page and "2026年3月17日" in page


def test_the_create_form_warns_of_lookalikes_and_saves_once_confirmed(api: Api) -> None:
    # given: an account, and a browser creating another of the same company under another legal form
    existing = created(api, "account", {"name": "上海汇通物流有限公司", "phone": "021-5555 0001"})["id"]
    client = signed_in(api, language="zh-CN")
    form = {"csrf_token": client.cookies.get("huitong_csrf") or "", "name": "上海汇通物流", "phone": "02155550001"}
    # when: the form is sent
    warned = client.post("/records/account/new", data=form)
    # then: nothing is saved yet; the page names the lookalike and what matched, and keeps what was typed
    assert warned.status_code == 200
    assert f'href="/records/account/{existing}"' in warned.text and "上海汇通物流有限公司" in warned.text
    assert 'name="confirm_similar"' in warned.text and 'value="上海汇通物流"' in warned.text
    assert count(api, "account") == 1
    # when: sent again as confirmed, it is saved
    saved = client.post("/records/account/new", data={**form, "confirm_similar": "1"})
    assert saved.status_code == 303 and count(api, "account") == 2
    # and a company unlike any other is saved at once
    other = client.post("/records/account/new", data={**form, "name": "北京远景科技", "phone": ""})
    assert other.status_code == 303 and count(api, "account") == 3
