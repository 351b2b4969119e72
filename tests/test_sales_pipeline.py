"""Sales processes and the opportunity rules: stages, probability, status, close date, loss reason, stage history."""

from __future__ import annotations

from typing import Any

from huitong.engine.errors import HuitongError
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from tests.conftest import Api, FakeClock

PROJECT: dict[str, Any] = {
    "name": "项目型销售",
    "business_type": None,
    "stages": [
        {"value": "lead_tracking", "label": {"en": "Lead tracking", "zh_CN": "潜在客户跟踪"}, "probability": 10,
         "expected_days": 60, "tasks": ["确认预算", "确认决策人"]},
        {"value": "bidding", "label": {"en": "Bidding", "zh_CN": "项目投标"}, "probability": 40, "expected_days": 30},
        {"value": "negotiating", "label": {"en": "Negotiating", "zh_CN": "商务洽谈"}, "probability": 70,
         "expected_days": 30},
        {"value": "won", "label": {"en": "Contract signed", "zh_CN": "签订合同"}, "probability": 100, "kind": "won"},
        {"value": "lost", "label": {"en": "Lost", "zh_CN": "输单"}, "probability": 0, "kind": "lost"},
    ],
}  # fmt: skip


def errors_of(response: Any, status: int = 422) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {error["field"]: error["code"] for error in response.json()["errors"]}


def history(platform: Platform, actor: Actor, opportunity_id: int) -> list[dict[str, Any]]:
    from huitong.modules.sales.process_store import list_records

    with platform.records.reading(actor) as (connection, bound, schema):
        return list_records(
            connection, schema, bound, platform.access, platform.filter_env(), "opportunity_stage_history",
            {"filter": {"field": "opportunity", "op": "eq", "value": opportunity_id}, "sort": ["id"]},
        )  # fmt: skip


def test_the_default_process_is_shipped_in_both_languages(api: Api) -> None:
    response = api.get("/api/v1/sales/processes")
    assert response.status_code == 200, response.text
    (process,) = response.json()["processes"]
    assert process["is_default"] and process["id"] > 0
    stages = [(s["value"], s["probability"], s["kind"]) for s in process["stages"]]
    assert stages == [
        ("initial_contact", 10, "open"), ("needs_confirmed", 30, "open"), ("solution_proposed", 50, "open"),
        ("negotiation", 70, "open"), ("won", 100, "won"), ("lost", 0, "lost"),
    ]  # fmt: skip
    assert process["stages"][0]["label"] == {"en": "Initial contact", "zh_CN": "初步接洽"}
    again = api.get("/api/v1/sales/processes").json()["processes"]
    assert [p["id"] for p in again] == [process["id"]]  # idempotent


def test_an_administrator_defines_a_process(api: Api) -> None:
    response = api.post("/api/v1/sales/processes", PROJECT)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] > 0 and body["name"] == "项目型销售" and not body["is_default"]
    assert [s["value"] for s in body["stages"]] == ["lead_tracking", "bidding", "negotiating", "won", "lost"]
    assert body["stages"][0]["tasks"] == ["确认预算", "确认决策人"]
    names = [p["name"] for p in api.get("/api/v1/sales/processes").json()["processes"]]
    assert names == ["标准销售流程", "项目型销售"]
    stage_field = api.get("/api/v1/meta/objects/opportunity").json()["fields"]
    values = [v["value"] for f in stage_field if f["name"] == "stage" for v in f["values"]]
    assert {"lead_tracking", "bidding", "negotiating", "initial_contact"} <= set(values)
    created = api.post("/api/v1/records/opportunity", {"name": "地铁安防", "sales_process": body["id"],
                                                       "amount": "500000"})  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["stage"] == "lead_tracking" and created.json()["probability"] == "10.00"


def test_a_process_is_checked(api: Api, user_api: Api) -> None:
    stages = PROJECT["stages"]
    bad = {**PROJECT, "stages": [{**stages[0], "probability": 50}, stages[1], stages[3],
                                 {**stages[3], "value": "won2"}, stages[4]]}  # fmt: skip
    problems = errors_of(api.post("/api/v1/sales/processes", bad))
    assert problems["stages[1].probability"] == "order"
    assert problems["stages"] == "won_stage"
    assert "stages" in errors_of(api.post("/api/v1/sales/processes", {**PROJECT, "stages": "nope"}))
    assert "stages[0].value" in errors_of(
        api.post("/api/v1/sales/processes", {**PROJECT, "stages": [{**stages[0], "value": "Bad Value"}, *stages[1:]]})
    )
    assert user_api.post("/api/v1/sales/processes", PROJECT).status_code == 403  # new stage values: admins only


def test_probability_status_and_close_date_follow_the_stage(platform: Platform, admin: Actor, clock: FakeClock) -> None:
    created = platform.records.create(admin, "opportunity", {"name": "ERP 升级", "amount": "120000"}).values
    assert (created["stage"], created["probability"], created["status"]) == ("initial_contact", 10, "open")
    assert created["sales_process"] is not None and created["furthest_stage"] == "initial_contact"
    record_id = created["id"]
    clock.advance(days=3)
    moved = platform.records.update(admin, "opportunity", record_id, {"stage": "solution_proposed"}, None).values
    assert moved["probability"] == 50 and moved["stage_entered_at"] == clock()
    edited = platform.records.update(admin, "opportunity", record_id, {"probability": 40}, None).values
    assert edited["probability"] == 40  # within the previous and the next stage's
    for wrong in (20, 80):
        try:
            platform.records.update(admin, "opportunity", record_id, {"probability": wrong}, None)
            raise AssertionError("accepted a probability outside the stage's band")
        except HuitongError as error:
            assert [e.field for e in error.errors] == ["probability"]
    clock.advance(days=2)
    won = platform.records.update(admin, "opportunity", record_id, {"status": "won"}, None).values
    assert (won["stage"], won["probability"], won["status"]) == ("won", 100, "won")
    assert str(won["close_date"]) == "2026-03-23" and won["days_to_close"] == 5
    reopened = platform.records.update(admin, "opportunity", record_id, {"stage": "negotiation"}, None).values
    assert (reopened["status"], reopened["probability"], reopened["furthest_stage"]) == ("open", 70, "won")


def test_a_lost_opportunity_needs_a_loss_reason(api: Api) -> None:
    created = api.post("/api/v1/records/opportunity", {"name": "门店系统", "amount": "8000"}).json()
    path = f"/api/v1/records/opportunity/{created['id']}"
    problems = errors_of(api.patch(path, {"stage": "lost", "version": created["version"]}))
    assert problems == {"loss_reason": "required"}
    response = api.patch(path, {"stage": "lost", "loss_reason": "price", "winning_competitor": "某友商",
                                "version": created["version"]})  # fmt: skip
    assert response.status_code == 200, response.text
    lost = response.json()
    assert (lost["status"], lost["probability"], lost["close_date"]) == ("lost", "0.00", "2026-03-18")
    assert errors_of(api.patch(path, {"loss_reason": None, "version": lost["version"]})) == {"loss_reason": "required"}
    assert errors_of(api.patch(path, {"stage": "bidding", "version": lost["version"]})) == {"stage": "invalid_choice"}


def test_the_stage_history_records_each_stay(platform: Platform, admin: Actor, clock: FakeClock) -> None:
    record_id = platform.records.create(admin, "opportunity", {"name": "云平台", "amount": "300000"}).values["id"]
    clock.advance(days=10)
    platform.records.update(admin, "opportunity", record_id, {"stage": "needs_confirmed", "amount": "320000"}, None)
    clock.advance(days=4, hours=12)
    platform.records.update(admin, "opportunity", record_id, {"next_step": "演示"}, None)  # no stage change
    platform.records.update(admin, "opportunity", record_id, {"stage": "negotiation"}, None)
    stays = history(platform, admin, record_id)
    assert [(s["stage"], s["days_in_stage"], s["left_at"] is None) for s in stays] == [
        ("initial_contact", "10.0", False), ("needs_confirmed", "4.5", False), ("negotiation", None, True),
    ]  # fmt: skip
    assert stays[1]["amount"] == "320000.00" and stays[2]["probability"] == "70.00"


def test_the_history_is_seen_by_whoever_sees_the_opportunity(api: Api, user_api: Api) -> None:
    mine = api.post("/api/v1/records/opportunity", {"name": "管理员的商机"}).json()
    theirs = user_api.post("/api/v1/records/opportunity", {"name": "张三的商机"})
    assert theirs.status_code == 201, theirs.text
    seen = user_api.get("/api/v1/records/opportunity_stage_history").json()["records"]
    assert {r["opportunity"] for r in seen} == {theirs.json()["id"]}
    assert mine["id"] not in {r["opportunity"] for r in seen}
