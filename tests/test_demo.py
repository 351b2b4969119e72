"""The demo company tells a story: 18 months of deals played forward, so the funnel, stage history, forecast,
targets, leads and competitors all show something meaningful on first start."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huitong.demo import load_demo
from huitong.engine.platform import Platform
from huitong.engine.security.users import create_token
from huitong.engine.system_tables import users
from tests.conftest import Api


@pytest.fixture
def demo(platform: Platform, client: TestClient) -> Api:
    """The demo company with 60 accounts (30 opportunities), read through the API as its administrator."""
    assert load_demo(platform, 60).startswith("Demo data loaded: 60 accounts")
    with platform.db.write() as connection:
        admin = connection.execute(select(users.c.id).where(users.c.username == "admin")).scalar_one()
        token = create_token(connection, admin, "tests")
    return Api(client, token)


def test_the_demo_tells_a_sales_story(demo: Api, platform: Platform) -> None:
    today = platform.now().date()
    since = (today - timedelta(days=550)).isoformat()
    # the funnel of the deals created in the last 18 months reaches every stage, fewer at each
    funnel = demo.get(f"/api/v1/sales/funnel?from={since}&to={today.isoformat()}").json()
    reached = [stage["reached"] for stage in funnel["stages"]]
    assert reached[0] == 30 and all(count > 0 for count in reached), reached
    assert reached == sorted(reached, reverse=True) and reached[-1] < reached[0]
    assert funnel["avg_cycle_days"] > 20 and 0 < funnel["win_rate"] < 1
    assert all(stage["avg_days"] and stage["avg_days"] >= 1 for stage in funnel["stages"][:-1])
    # every closed stay in a stage lasted a day or more
    stays = demo.get("/api/v1/records/opportunity_stage_history?left_at__is_null=false&limit=500").json()["records"]
    assert stays and all(Decimal(stay["days_in_stage"]) >= 1 for stay in stays)
    # deals were won in past months, and this year's targets are set
    months = demo.get(f"/api/v1/sales/forecast?period=month&from={since}&to={today.isoformat()}").json()["rows"]
    won_months = {row["period"] for row in months if Decimal(row["won"]) > 0}
    assert len(won_months) >= 3 and max(won_months) <= today.strftime("%Y-%m")
    targets = demo.get(f"/api/v1/sales/targets?year={today.year}").json()["targets"]
    assert any(t["user"] for t in targets) and any(t["department"] for t in targets)
    assert {t["period_type"] for t in targets} == {"year", "quarter", "month"}
    good_news = demo.get("/api/v1/records/sales_good_news").json()["records"]
    assert good_news and all(news["won_at"] < platform.now().isoformat() for news in good_news)


def test_the_demo_has_leads_in_every_status_and_competitors(demo: Api) -> None:
    for status in ("new", "working", "qualified", "unqualified", "converted"):
        found = demo.get(f"/api/v1/records/lead?status={status}&limit=5").json()["records"]
        assert found, status
        if status == "converted":
            assert all(lead["converted_account"] and lead["converted_opportunity"] for lead in found)
    lost = demo.get("/api/v1/records/opportunity?status=lost&limit=200").json()["records"]
    assert lost and all(deal["loss_reason"] for deal in lost)
    analysis = demo.get("/api/v1/sales/competitors/analysis?from=2024-01-01&to=2027-12-31").json()["competitors"]
    assert analysis and sum(row["met"] for row in analysis) > 0
