"""Competitors (OPP-6): the shared competitor list, competitors on a deal (following the deal's access), the winner
of a lost deal, and the win/loss analysis by competitor against a hand-computed example."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, Api
from tests.test_sales_forecast import created

RANGE = "from=2026-01-01&to=2026-06-30"


def competitor(api: Api, name: str, **values: Any) -> int:
    response = api.post("/api/v1/records/competitor", {"name": name, **values})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def listed(api: Api, deal: int, rival: int, status: int = 201, **values: Any) -> Any:
    response = api.post("/api/v1/records/opportunity_competitor", {"opportunity": deal, "competitor": rival, **values})
    assert response.status_code == status, response.text
    return response.json()


def analysis(api: Api, query: str = RANGE) -> dict[str, dict[str, Any]]:
    response = api.get(f"/api/v1/sales/competitors/analysis?{query}")
    assert response.status_code == 200, response.text
    return {row["name"]: row for row in response.json()["competitors"]}


def market(api: Api) -> dict[str, int]:
    """金蝶 and 用友 met in A (won 100,000), B (lost 50,000 to 金蝶, who was not listed before it won), C (lost
    30,000 on price, 金蝶 in it), D (open 20,000, 用友 in it); E (won 70,000 against 金蝶) closed in 2025."""
    rivals = {name: competitor(api, name, price_position="mid") for name in ("金蝶", "用友", "鼎捷")}
    kingdee, yonyou = rivals["金蝶"], rivals["用友"]
    a = created(api, name="A", amount="100000", stage="won", close_date="2026-03-10")["id"]
    b = created(api, name="B", amount="50000", stage="negotiation", close_date="2026-03-05")
    c = created(api, name="C", amount="30000", stage="lost", loss_reason="price", close_date="2026-02-01")["id"]
    d = created(api, name="D", amount="20000", close_date="2026-04-15")["id"]
    e = created(api, name="E", amount="70000", stage="won", close_date="2025-01-10")["id"]
    for deal, rival in ((a, kingdee), (a, yonyou), (b["id"], yonyou), (c, kingdee), (d, yonyou), (e, kingdee)):
        listed(api, deal, rival, product="ERP", quoted_price="88000")
    lost = api.patch(f"/api/v1/records/opportunity/{b['id']}", {
        "stage": "lost", "loss_reason": "competitor", "winner": kingdee, "version": b["version"]})  # fmt: skip
    assert lost.status_code == 200, lost.text
    return {**rivals, "B": b["id"]}


def test_a_lost_deals_winner_is_listed_as_having_won_it(api: Api) -> None:
    rivals = market(api)
    rows = api.get(f"/api/v1/records/opportunity_competitor?opportunity={rivals['B']}").json()["records"]
    assert sorted((r["name"], r["status"]) for r in rows) == [("用友", "active"), ("金蝶", "won")]
    again = listed(api, rivals["B"], rivals["金蝶"], status=422)  # one row per competitor and deal
    assert again["errors"][0]["field"] == "competitor_key"
    deal = api.get(f"/api/v1/records/opportunity/{rivals['B']}").json()
    changed = api.patch(
        f"/api/v1/records/opportunity/{rivals['B']}", {"winner": rivals["用友"], "version": deal["version"]}
    )
    assert changed.status_code == 200, changed.text  # it was 用友 after all: 金蝶 did not win it
    rows = api.get(f"/api/v1/records/opportunity_competitor?opportunity={rivals['B']}").json()["records"]
    assert sorted((r["name"], r["status"]) for r in rows) == [("用友", "won"), ("金蝶", "lost")]


def test_analysis_by_competitor(api: Api) -> None:
    market(api)
    found = analysis(api)
    assert found["金蝶"] == {
        "competitor": found["金蝶"]["competitor"], "name": "金蝶", "met": 3, "open": 0, "won": 1, "lost": 2,
        "lost_to": 1, "win_rate": 0.3333, "amount_met": "180000.00", "amount_open": "0.00",
        "amount_won": "100000.00", "amount_lost": "80000.00", "amount_lost_to": "50000.00",
    }  # fmt: skip
    assert {k: found["用友"][k] for k in ("met", "open", "won", "lost", "lost_to", "win_rate", "amount_met")} == {
        "met": 3,
        "open": 1,
        "won": 1,
        "lost": 1,
        "lost_to": 0,
        "win_rate": 0.5,
        "amount_met": "170000.00",
    }
    assert "鼎捷" not in found  # met in no deal
    last_year = analysis(api, "from=2025-01-01&to=2025-12-31")
    assert list(last_year) == ["金蝶"] and last_year["金蝶"]["won"] == 1


def test_a_rep_analyses_only_the_deals_they_may_read(api: Api, user_api: Api) -> None:
    rivals = market(api)
    own = created(user_api, name="F", amount="40000", stage="negotiation", close_date="2026-03-20")
    lost = user_api.patch(f"/api/v1/records/opportunity/{own['id']}", {
        "stage": "lost", "loss_reason": "competitor", "winner": rivals["鼎捷"], "version": own["version"]})  # fmt: skip
    assert lost.status_code == 200, lost.text
    mine = analysis(user_api)
    assert list(mine) == ["鼎捷"] and mine["鼎捷"]["lost_to"] == 1 and mine["鼎捷"]["amount_lost_to"] == "40000.00"
    assert analysis(api)["鼎捷"]["lost_to"] == 1  # the administrator sees every deal


def test_competitors_on_a_deal_follow_the_deals_access(api: Api, user_api: Api) -> None:
    rivals = market(api)
    assert user_api.get(f"/api/v1/records/competitor/{rivals['金蝶']}").status_code == 200  # read by everyone
    theirs = api.get(f"/api/v1/records/opportunity_competitor?opportunity={rivals['B']}").json()["records"]
    assert user_api.get(f"/api/v1/records/opportunity_competitor/{theirs[0]['id']}").status_code == 404
    assert user_api.get("/api/v1/records/opportunity_competitor").json()["records"] == []
    refused = user_api.post("/api/v1/records/opportunity_competitor",
                            {"opportunity": rivals["B"], "competitor": rivals["鼎捷"]})  # fmt: skip
    assert refused.status_code in (403, 404, 422), refused.text


def test_a_winner_named_as_text_becomes_the_competitor(api: Api) -> None:
    rival = competitor(api, "SAP")
    deal = created(api, name="G", amount="10000", stage="lost", loss_reason="competitor", winning_competitor="SAP",
                   close_date="2026-03-01")  # fmt: skip
    assert deal["winner"] == rival


def test_analysis_checks_its_range(api: Api) -> None:
    response = api.get("/api/v1/sales/competitors/analysis?from=2026-03-02&to=2026-03-01")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "to"


def test_the_page_shows_the_table(api: Api) -> None:
    market(api)
    client = TestClient(api.client.app, headers={"Accept-Language": "en"}, follow_redirects=False)
    signed = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "next": "/"})
    assert signed.status_code == 303, signed.text
    page = client.get(f"/sales/competitors?{RANGE}")
    assert page.status_code == 200, page.text
    assert 'id="competitor-rows"' in page.text and "金蝶" in page.text and "competitor-chart" in page.text
