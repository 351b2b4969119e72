"""Team selling: members get the opportunity shared with them; revenue splits move won credit on the forecast."""

from __future__ import annotations

from typing import Any

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from tests.conftest import Api
from tests.security_fixtures import add_user, tree
from tests.test_sales_forecast import created, rows


def member(api: Api, status: int = 201, **values: Any) -> Any:
    response = api.post("/api/v1/records/opportunity_team_member", values)
    assert response.status_code == status, response.text
    return response.json()


def test_revenue_splits_move_won_credit(api: Api, user_api: Api) -> None:
    deal = created(api, name="轨交项目", amount="100000", stage="won", close_date="2026-03-10")
    admin = deal["owner"]
    zhang = created(user_api, name="张三自己的", amount="1000", close_date="2026-05-01")["owner"]
    assert user_api.get(f"/api/v1/records/opportunity/{deal['id']}").status_code == 404
    joined = member(api, opportunity=deal["id"], user=zhang, role="presales", split_percent="30")
    assert joined["split_amount"] == "30000.00"
    assert user_api.get(f"/api/v1/records/opportunity/{deal['id']}").status_code == 200  # shared with the team
    march = {r["owner"]: r["won"] for r in rows(api, "from=2026-03-01&to=2026-03-31")}
    assert march == {admin: "70000.00", zhang: "30000.00"}
    problems = member(api, 422, opportunity=deal["id"], user=admin, split_percent="80")["errors"]
    assert problems[0]["field"] == "split_percent"
    changed = api.patch(f"/api/v1/records/opportunity/{deal['id']}", {"amount": "200000", "version": deal["version"]})
    assert changed.status_code == 200, changed.text
    again = api.get(f"/api/v1/records/opportunity_team_member/{joined['id']}").json()
    assert again["split_amount"] == "60000.00"
    march = {r["owner"]: r["won"] for r in rows(api, "from=2026-03-01&to=2026-03-31")}
    assert march == {admin: "140000.00", zhang: "60000.00"}
    removed = api.delete(f"/api/v1/records/opportunity_team_member/{joined['id']}")
    assert removed.status_code == 204, removed.text
    assert user_api.get(f"/api/v1/records/opportunity/{deal['id']}").status_code == 404


def test_only_who_manages_the_deal_changes_its_team(api: Api, user_api: Api) -> None:
    deal = created(api, name="管理员的", amount="1000")
    zhang = created(user_api, name="张三的", amount="1000")
    member(api, opportunity=deal["id"], user=zhang["owner"], access="read_write")
    edited = user_api.patch(f"/api/v1/records/opportunity/{deal['id']}", {"next_step": "拜访", "version": 1})
    assert edited.status_code == 200, edited.text  # read and write through the team
    refused = user_api.post("/api/v1/records/opportunity_team_member",
                            {"opportunity": deal["id"], "user": zhang["owner"], "split_percent": "10"})  # fmt: skip
    assert refused.status_code in (403, 422), refused.text


def test_a_won_deal_is_good_news_for_the_owners_managers(api: Api, platform: Platform, heard: list[Notice]) -> None:
    roles = tree(api, "roles", [("销售总监", None), ("华东经理", "销售总监"), ("华东代表", "华东经理")])
    _rep, rep = add_user(api, platform, "rep1", role=roles["华东代表"], display_name="王伟")
    _peer, peer = add_user(api, platform, "rep2", role=roles["华东代表"])
    boss_id, boss = add_user(api, platform, "boss", role=roles["华东经理"])
    director_id, _ = add_user(api, platform, "director", role=roles["销售总监"])
    deal = created(rep, name="苏州工厂MES", amount="880000")
    assert boss.get("/api/v1/records/sales_good_news").json()["records"] == []
    won = rep.patch(f"/api/v1/records/opportunity/{deal['id']}", {"stage": "won", "version": deal["version"]})
    assert won.status_code == 200, won.text
    (news,) = boss.get("/api/v1/records/sales_good_news").json()["records"]
    assert news["opportunity"] == deal["id"] and news["amount"] == "880000.00" and "苏州工厂MES" in news["title"]
    assert peer.get("/api/v1/records/sales_good_news").json()["records"] == []
    # and the manager chain, nearest first, is told once (the peer is not)
    (notice,) = heard
    assert (notice.kind, notice.recipients, notice.record_id) == ("deal_won", (boss_id, director_id), deal["id"])
    assert notice.params["owner"] == "王伟" and notice.params["deal"] == "苏州工厂MES"
    again = rep.patch(f"/api/v1/records/opportunity/{deal['id']}", {"next_step": "回款", "version": 2})
    assert again.status_code == 200 and len(boss.get("/api/v1/records/sales_good_news").json()["records"]) == 1
    assert len(heard) == 1


def test_contact_roles_name_the_customers_side(api: Api) -> None:
    deal = created(api, name="数据中心", amount="500000")
    contact = api.post("/api/v1/records/contact", {"name": "王芳"}).json()
    role = api.post("/api/v1/records/opportunity_contact_role",
                    {"opportunity": deal["id"], "contact": contact["id"], "role": "decision_maker"})  # fmt: skip
    assert role.status_code == 201, role.text
    assert role.json()["name"] == "王芳" and role.json()["role"] == "decision_maker"
