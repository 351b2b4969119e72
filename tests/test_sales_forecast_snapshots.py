"""Forecast snapshots: taken once a week per owner and month, and set beside what was won when the month is over."""

from __future__ import annotations

from huitong.engine.platform import Platform
from huitong.modules.sales import forecast_snapshots
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, set_default, tree
from tests.test_activities_pages import signed_in
from tests.test_sales_forecast import created


def test_a_months_forecast_week_by_week_beside_what_was_won(api: Api, platform: Platform, clock: FakeClock) -> None:
    # Given a rep (under a manager) with a won deal and an open one at 30 % this month, and a peer with a deal
    set_default(api, "opportunity", "private")
    roles = tree(api, "roles", [("经理", None), ("代表", "经理")])
    _rep_id, rep = add_user(api, platform, "rep", role=roles["代表"])
    _boss_id, boss = add_user(api, platform, "boss", role=roles["经理"])
    _peer_id, peer = add_user(api, platform, "peer", role=roles["代表"])
    created(rep, name="已签", amount="50000", stage="won", close_date="2026-03-10")
    pending = created(rep, name="在谈", amount="100000", stage="needs_confirmed", close_date="2026-03-30")
    created(peer, name="同事的", amount="70000", stage="won", close_date="2026-03-05")

    # When the weekly snapshot is taken (Wednesday 18 March: the week of Monday the 16th), twice
    taken = forecast_snapshots.take(platform)
    assert taken == 2  # March for the rep and for the peer; nobody has deals in April or May
    assert forecast_snapshots.take(platform) == 0

    # and a week later the open deal has been won
    clock.advance(days=7)
    won = rep.patch(f"/api/v1/records/opportunity/{pending['id']}", {"stage": "won", "version": pending["version"]})
    assert won.status_code == 200, won.text
    assert forecast_snapshots.take(platform) == 2

    # Then in April the manager sees March as each snapshot forecast it for the team, beside the 220,000 it won
    clock.advance(days=14)
    body = ok(boss.get("/api/v1/sales/forecast/accuracy"))
    assert body["period"] == "2026-03" and body["won"] == "220000.00"
    assert body["snapshots"] == [
        {"taken_on": "2026-03-16", "forecast": "150000.00", "won_then": "120000.00", "weighted": "30000.00",
         "pipeline": "100000.00", "error": -0.3182},
        {"taken_on": "2026-03-23", "forecast": "220000.00", "won_then": "220000.00", "weighted": "0.00",
         "pipeline": "0.00", "error": 0.0},
    ]  # fmt: skip
    # while the peer sees only their own month
    mine = ok(peer.get("/api/v1/sales/forecast/accuracy?period=2026-03"))
    assert mine["won"] == "70000.00" and [s["forecast"] for s in mine["snapshots"]] == ["70000.00", "70000.00"]
    # and the forecast page shows the card
    page = signed_in(api.client.app, "boss").get("/sales/forecast?accuracy_period=2026-03")
    assert page.status_code == 200 and "forecast-accuracy" in page.text and "-32%" in page.text


def test_a_month_that_is_not_one_is_a_clear_error(api: Api) -> None:
    response = api.get("/api/v1/sales/forecast/accuracy?period=2026-13")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "period"


def test_the_home_page_shows_this_months_attainment(api: Api, platform: Platform) -> None:
    roles = tree(api, "roles", [("经理", None), ("代表", "经理")])
    rep_id, rep = add_user(api, platform, "rep", role=roles["代表"])
    add_user(api, platform, "boss", role=roles["经理"])
    ok(api.post("/api/v1/sales/targets", {"user": rep_id, "period": "2026-03", "amount": "100000"}), 201)
    created(rep, name="已签", amount="50000", stage="won", close_date="2026-03-10")
    created(rep, name="在谈", amount="100000", stage="needs_confirmed", close_date="2026-03-30")

    mine = signed_in(api.client.app, "rep").get("/").text
    card = mine[mine.index('id="home-target"') :]
    assert "50%" in card and "¥50,000.00" in card and "¥80,000.00" in card  # won, and won + 30 % of the open deal
    assert 'data-figures="mine"' in card and 'data-figures="team"' not in card
    team = signed_in(api.client.app, "boss").get("/").text
    assert 'data-figures="team"' in team[team.index('id="home-target"') :]
