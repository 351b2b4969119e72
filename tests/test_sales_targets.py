"""Sales targets: entered per user or department and period, split down evenly, read by the forecast (attainment)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from huitong.modules.sales.targets import Targets, split_down, spread
from tests.conftest import Api
from tests.test_sales_forecast import book, rows


def post(api: Api, body: dict[str, Any], status: int = 201) -> Any:
    response = api.post("/api/v1/sales/targets", body)
    assert response.status_code == status, response.text
    return response.json()


def test_even_shares_add_up_to_the_cent() -> None:
    assert spread(Decimal("100.00"), 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = dict(split_down("2026", Decimal("1200000")))
    assert len(parts) == 17 and parts["2026-Q2"] == Decimal("300000.00") and parts["2026-05"] == Decimal("100000.00")


def test_a_period_reads_entered_finer_or_coarser_targets() -> None:
    targets = Targets([
        {"user": 1, "period": "2026", "amount": "1200000"},
        {"user": 2, "period": "2026-01", "amount": "10"}, {"user": 2, "period": "2026-02", "amount": "20"},
        {"user": 2, "period": "2026-03", "amount": "30"},
    ], None)  # fmt: skip
    assert targets.of("user", 1, "2026-Q3") == Decimal("300000.00")
    assert targets.of("user", 1, "2026-07") == Decimal("100000.00")
    assert targets.of("user", 2, "2026-Q1") == Decimal("60")
    assert targets.of("user", 2, "2026-Q2") is None and targets.of("user", 1, "2026-W09") is None


def test_targets_through_the_api_and_on_the_forecast(api: Api, user_api: Api) -> None:
    admin, zhang = book(api, user_api)
    made = post(api, {"user": admin, "period": "2026-Q1", "amount": "300000", "split": True})["targets"]
    assert [(t["period"], t["period_type"], t["amount"]) for t in made] == [
        ("2026-Q1", "quarter", "300000.00"), ("2026-01", "month", "100000.00"), ("2026-02", "month", "100000.00"),
        ("2026-03", "month", "100000.00"),
    ]  # fmt: skip
    post(api, {"user": zhang, "period": "2026", "amount": "1200000"})
    problems = post(api, {"user": admin, "period": "2026-03", "amount": "5"}, 422)["errors"]
    assert problems[0]["field"] == "target_key"  # one target per holder and period
    assert post(api, {"user": admin, "period": "2026-13", "amount": "5"}, 422)["errors"][0]["field"] == "period"
    assert post(api, {"period": "2026", "amount": "5"}, 422)["errors"][0]["field"] == "user"
    march = {r["owner"]: (r["target"], r["attainment"]) for r in rows(api, "from=2026-03-01&to=2026-03-31")}
    assert march == {admin: ("100000.00", 0.8), zhang: ("100000.00", 0.0)}
    quarter = {r["owner"]: r["target"] for r in rows(api, "period=quarter&from=2026-01-01&to=2026-03-31")}
    assert quarter == {admin: "300000.00", zhang: "300000.00"}
    listed = user_api.get("/api/v1/sales/targets?year=2026").json()["targets"]
    assert len(listed) == 5  # targets are read by everyone
