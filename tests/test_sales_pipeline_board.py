"""The pipeline board page: columns with totals and weighted totals, moving a card, errors that snap it back."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from huitong.engine.platform import Platform
from tests.conftest import ADMIN_PASSWORD, Api


def signed_in(api: Api, username: str = "admin", language: str = "en") -> TestClient:
    client = TestClient(api.client.app, headers={"Accept-Language": language}, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": ADMIN_PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    csrf = client.cookies.get("huitong_csrf") or ""
    chosen = client.post("/language", data={"csrf_token": csrf, "locale": language.replace("-", "_"), "next": "/"})
    assert chosen.status_code == 303, chosen.text
    return client


def created(api: Api, **values: Any) -> dict[str, Any]:
    response = api.post("/api/v1/records/opportunity", values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def move(client: TestClient, **values: Any) -> Any:
    csrf = client.cookies.get("huitong_csrf") or ""
    return client.post("/sales/pipeline/move", data=values, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})


def test_the_board_shows_each_stage_with_its_totals(api: Api, user_api: Api) -> None:
    created(api, name="华鑫ERP", amount="100000", stage="needs_confirmed", close_date="2026-03-20")
    created(api, name="博盛门店", amount="50000", stage="needs_confirmed", close_date="2026-03-28")
    created(user_api, name="张三的商机", amount="7000")
    created(api, name="暂停的商机", amount="1000", status="suspended")
    created(api, name="终止的商机", amount="1000", status="terminated")
    html = signed_in(api).get("/sales/pipeline").text
    assert "华鑫ERP" in html and "博盛门店" in html and "张三的商机" in html
    assert "暂停的商机" in html and "Suspended" in html and "终止的商机" not in html
    assert "¥150,000.00" in html and "¥45,000.00" in html  # 需求确认: total, weighted at 30 %
    assert 'data-stage="negotiation"' in html and "Quote and negotiation" in html
    mine = signed_in(api).get("/sales/pipeline?owner=mine").text
    assert "张三的商机" not in mine and "华鑫ERP" in mine
    east = api.post("/api/v1/security/departments", {"name": "华东区"}).json()["id"]
    zhang = api.get("/api/v1/security/users").json()["users"]
    zhang_id = next(u["id"] for u in zhang if u["username"] == "zhangsan")
    assert api.patch(f"/api/v1/security/users/{zhang_id}", {"department": east}).status_code == 200
    region = signed_in(api).get(f"/sales/pipeline?owner=d{east}").text
    assert "张三的商机" in region and "华鑫ERP" not in region and f'value="d{east}" selected' in region
    chinese = signed_in(user_api, "zhangsan", "zh-CN").get("/sales/pipeline").text
    assert "张三的商机" in chinese and "华鑫ERP" not in chinese and "需求确认" in chinese


def test_dragging_a_card_moves_the_opportunity(api: Api, platform: Platform) -> None:
    deal = created(api, name="汇通云", amount="80000", close_date="2026-03-30")
    client = signed_in(api)
    response = move(client, id=deal["id"], version=deal["version"], stage="solution_proposed")
    assert response.status_code == 200, response.text
    assert "汇通云 moved." in response.text
    after = api.get(f"/api/v1/records/opportunity/{deal['id']}").json()
    assert (after["stage"], after["probability"]) == ("solution_proposed", "50.00")
    stale = move(client, id=deal["id"], version=deal["version"], stage="negotiation")  # drawn before the move
    assert "Someone else changed this record" in stale.text
    assert api.get(f"/api/v1/records/opportunity/{deal['id']}").json()["stage"] == "solution_proposed"


def test_a_lost_card_needs_its_reason(api: Api) -> None:
    deal = created(api, name="丰远物流", amount="30000", close_date="2026-03-30")
    client = signed_in(api)
    refused = move(client, id=deal["id"], version=deal["version"], stage="lost")
    assert "A lost opportunity needs a loss reason." in refused.text and 'role="alert"' in refused.text
    assert api.get(f"/api/v1/records/opportunity/{deal['id']}").json()["stage"] == "initial_contact"
    rival = api.post("/api/v1/records/competitor", {"name": "用友网络"}).json()
    board = client.get("/sales/pipeline").text
    assert 'id="pipeline-loss-winner"' in board and "用友网络" in board  # the dialog asks who won
    done = move(client, id=deal["id"], version=deal["version"], stage="lost", loss_reason="price", winner=rival["id"])
    assert "丰远物流 moved." in done.text
    lost = api.get(f"/api/v1/records/opportunity/{deal['id']}").json()
    assert (lost["status"], lost["winner"]) == ("lost", rival["id"])


def test_the_forecast_page_shows_the_forecast_and_the_funnel(api: Api) -> None:
    created(api, name="华鑫ERP", amount="100000", stage="needs_confirmed", close_date="2026-03-20")
    created(api, name="博盛门店", amount="50000", stage="won", close_date="2026-03-10")
    client = signed_in(api)
    html = client.get("/sales/forecast?from=2026-03-01&to=2026-03-31").text
    assert "¥100,000.00" in html and "¥30,000.00" in html and "¥80,000.00" in html  # pipeline, weighted, forecast
    assert "/static/vendor/echarts/echarts.min.js" in html and 'id="funnel-rows"' in html
    assert "echarts" not in client.get("/sales/pipeline").text
    chinese = signed_in(api, language="zh-CN").get("/sales/forecast?group_by=department").text
    assert "销售预测" in chinese and "部门" in chinese


def test_cards_warn_when_a_stage_takes_too_long(api: Api, clock: Any) -> None:
    created(api, name="按期商机", amount="1000")
    clock.advance(days=12)  # initial contact expects 14 days: soon overdue after 11.2
    created(api, name="新商机", amount="1000")
    html = signed_in(api).get("/sales/pipeline").text
    assert html.count("Soon overdue") == 1
    clock.advance(days=3)
    html = signed_in(api).get("/sales/pipeline").text
    assert "is-overdue" in html and "Overdue · 15 d" in html and "Soon overdue" not in html


def test_an_administrator_edits_processes_on_their_page(api: Api) -> None:
    client = signed_in(api)
    listed = client.get("/sales/processes").text
    assert "标准销售流程" in listed and "Needs confirmed" in listed
    editor = client.get("/sales/processes/new").text
    assert 'id="process-stages-data"' in editor and "initial_contact" in editor
    stages = [
        {"value": "visit", "en": "Visit", "zh_CN": "拜访", "probability": "20", "expected_days": "7",
         "tasks": "确认需求\n约见决策人", "kind": "open"},
        {"value": "won", "en": "Won", "zh_CN": "赢单", "probability": "100", "expected_days": "", "tasks": "",
         "kind": "won"},
        {"value": "lost", "en": "Lost", "zh_CN": "输单", "probability": "0", "expected_days": "", "tasks": "",
         "kind": "lost"},
    ]  # fmt: skip
    csrf = client.cookies.get("huitong_csrf") or ""
    bad = client.post("/sales/processes", data={"csrf_token": csrf, "name": "门店销售", "stages": json.dumps(
        [{**stages[0], "probability": "120"}, *stages[1:]])})  # fmt: skip
    assert bad.status_code == 422 and "probability is a whole number from 0 to 100." in bad.text
    saved = client.post("/sales/processes", data={"csrf_token": csrf, "name": "门店销售", "stages": json.dumps(stages)})
    assert saved.status_code == 303, saved.text
    process = next(p for p in api.get("/api/v1/sales/processes").json()["processes"] if p["name"] == "门店销售")
    assert process["stages"][0]["tasks"] == ["确认需求", "约见决策人"] and process["stages"][0]["expected_days"] == 7
    deal = created(api, name="门店一", sales_process=process["id"])
    other = {**process["stages"][0], "value": "needs_confirmed"}  # "visit" gone: its opportunity would be lost
    renamed = api.patch(f"/api/v1/sales/processes/{process['id']}", {"stages": [other, *process["stages"][1:]],
                                                                      "version": process["version"]})  # fmt: skip
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["code"] == "stage_in_use"
    kept = api.patch(f"/api/v1/sales/processes/{process['id']}", {"name": "门店销售流程",
                                                                   "version": process["version"]})  # fmt: skip
    assert kept.status_code == 200 and kept.json()["name"] == "门店销售流程"
    assert deal["stage"] == "visit"
