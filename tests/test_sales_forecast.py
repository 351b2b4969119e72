"""Forecast and funnel numbers against hand-computed examples, as the signed-in user sees them."""

from __future__ import annotations

from typing import Any

from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from tests.conftest import Api, FakeClock
from tests.test_sales_pipeline import PROJECT


def created(api: Api, **values: Any) -> dict[str, Any]:
    response = api.post("/api/v1/records/opportunity", values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def rows(api: Api, query: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/sales/forecast?{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def book(api: Api, user_api: Api) -> tuple[int, int]:
    """The admin: A 100,000 at 30 % and B 50,000 at 70 % closing in March, C 80,000 won on 10 March, D 20,000 at
    10 % closing in April, E 30,000 lost in March and G 90,000 left out of the forecast (neither counted); 张三:
    F 40,000 at 50 % closing in March."""
    admin = created(api, name="A", amount="100000", stage="needs_confirmed", close_date="2026-03-20")["owner"]
    created(api, name="B", amount="50000", stage="negotiation", close_date="2026-03-31")
    created(api, name="C", amount="80000", stage="won", close_date="2026-03-10")
    created(api, name="D", amount="20000", stage="initial_contact", close_date="2026-04-15")
    created(api, name="E", amount="30000", stage="lost", loss_reason="price", close_date="2026-03-05")
    created(api, name="G", amount="90000", forecast_category="omitted", close_date="2026-03-15")  # not counted
    zhang = created(user_api, name="F", amount="40000", stage="solution_proposed", close_date="2026-03-25")["owner"]
    return admin, zhang


def test_forecast_by_month_and_owner(api: Api, user_api: Api) -> None:
    admin, zhang = book(api, user_api)
    assert rows(api, "period=month&from=2026-03-01&to=2026-04-30&group_by=owner") == [
        {"period": "2026-03", "owner": admin, "pipeline": "150000.00", "weighted": "65000.00", "won": "80000.00",
         "forecast": "145000.00", "target": None, "attainment": None},
        {"period": "2026-03", "owner": zhang, "pipeline": "40000.00", "weighted": "20000.00", "won": "0.00",
         "forecast": "20000.00", "target": None, "attainment": None},
        {"period": "2026-04", "owner": admin, "pipeline": "20000.00", "weighted": "2000.00", "won": "0.00",
         "forecast": "2000.00", "target": None, "attainment": None},
    ]  # fmt: skip
    quarters = rows(api, "period=quarter&from=2026-01-01&to=2026-06-30")
    assert [(r["period"], r["owner"], r["forecast"]) for r in quarters] == [
        ("2026-Q1", admin, "145000.00"), ("2026-Q1", zhang, "20000.00"), ("2026-Q2", admin, "2000.00"),
    ]  # fmt: skip
    weeks = rows(api, "period=week&from=2026-03-16&to=2026-03-22")
    assert [(r["period"], r["pipeline"], r["weighted"]) for r in weeks] == [("2026-W12", "100000.00", "30000.00")]


def test_a_user_forecasts_only_what_they_may_see(api: Api, user_api: Api) -> None:
    _admin, zhang = book(api, user_api)
    assert rows(user_api, "period=month&from=2026-03-01&to=2026-04-30") == [
        {"period": "2026-03", "owner": zhang, "pipeline": "40000.00", "weighted": "20000.00", "won": "0.00",
         "forecast": "20000.00", "target": None, "attainment": None},
    ]  # fmt: skip


def test_forecast_by_department_rolls_up_the_tree(api: Api, user_api: Api, platform: Platform) -> None:
    company = api.post("/api/v1/security/departments", {"name": "汇通集团"}).json()["id"]
    east = api.post("/api/v1/security/departments", {"name": "华东区", "parent": company}).json()["id"]
    _admin, zhang = book(api, user_api)
    assert api.patch(f"/api/v1/security/users/{zhang}", {"department": east}).status_code == 200
    found = {(r["period"], r["department"]): r["forecast"] for r in rows(api, "group_by=department&from=2026-03-01"
                                                                                "&to=2026-03-31")}  # fmt: skip
    assert found == {("2026-03", None): "145000.00", ("2026-03", company): "20000.00", ("2026-03", east): "20000.00"}


def test_forecast_parameters_are_checked(api: Api) -> None:
    for query, where in (("period=year", "period"), ("group_by=team", "group_by"), ("from=2026-13-01", "from"),
                         ("from=2026-03-02&to=2026-03-01", "to")):  # fmt: skip
        response = api.get(f"/api/v1/sales/forecast?{query}")
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == where


def test_the_seed_project_funnel(api: Api, platform: Platform, admin: Actor, clock: FakeClock) -> None:
    """The seed's project sale: 潜在客户跟踪 → 项目投标 → 商务洽谈 → 签订合同, two months then one and one, 50 % / 80 %
    / 90 % stage conversion. 50 opportunities of 10,000: 50万 tracked, 25万 bid, 20万 negotiated, 18 signed."""
    process = api.post("/api/v1/sales/processes", PROJECT).json()["id"]
    ids = [
        platform.records.create(admin, "opportunity", {"name": f"项目{i}", "amount": "10000",
                                                       "sales_process": process}).values["id"]
        for i in range(50)
    ]  # fmt: skip
    created(api, name="其他流程", amount="999")  # the default process: not in this funnel

    def move(chosen: list[int], stage: str) -> None:
        extra = {"loss_reason": "price"} if stage == "lost" else {}
        for record_id in chosen:
            platform.records.update(admin, "opportunity", record_id, {"stage": stage, **extra}, None)

    clock.advance(days=60)
    move(ids[:25], "bidding")
    move(ids[25:], "lost")
    clock.advance(days=30)
    move(ids[:20], "negotiating")
    move(ids[20:25], "lost")
    clock.advance(days=30)
    move(ids[:18], "won")
    move(ids[18:20], "lost")
    response = api.get(f"/api/v1/sales/funnel?process={process}&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(s["stage"], s["reached"], s["amount"], s["conversion"], s["avg_days"]) for s in body["stages"]] == [
        ("lead_tracking", 50, "500000.00", 0.5, 60.0),
        ("bidding", 25, "250000.00", 0.8, 30.0),
        ("negotiating", 20, "200000.00", 0.9, 30.0),
        ("won", 18, "180000.00", None, None),
    ]  # fmt: skip
    assert body["win_rate"] == 0.36 and body["avg_cycle_days"] == 120.0
    assert body["stages"][1]["label"] == "Bidding"
    later = api.get(f"/api/v1/sales/funnel?process={process}&from=2026-04-01&to=2026-04-30").json()
    assert [s["reached"] for s in later["stages"]] == [0, 0, 0, 0] and later["win_rate"] is None


def test_a_users_funnel_counts_what_they_may_see(api: Api, user_api: Api) -> None:
    created(api, name="管理员的", amount="1000")
    created(user_api, name="张三的", amount="2000", stage="needs_confirmed")
    body = user_api.get("/api/v1/sales/funnel?from=2026-03-01&to=2026-03-31").json()
    assert [(s["stage"], s["reached"], s["amount"]) for s in body["stages"][:3]] == [
        ("initial_contact", 1, "2000.00"), ("needs_confirmed", 1, "2000.00"), ("solution_proposed", 0, "0.00"),
    ]  # fmt: skip
    assert api.get("/api/v1/sales/funnel?from=2026-03-01&to=2026-03-31").json()["stages"][0]["reached"] == 2
