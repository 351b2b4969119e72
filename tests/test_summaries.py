"""Summaries: kept right by every kind of write, and answering aggregates exactly as reading the records would — for
an administrator and for a rep who reads their own deals, a shared one and those a criteria rule shares."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.records.context import Actor
from huitong.engine.summaries.answer import answer
from huitong.modules.sales import forecast, funnel
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default, tree

STATUSES = ["open", "open", "open", "won", "lost"]
STAGES = {"open": ["initial_contact", "needs_confirmed", "solution_proposed", "negotiation"], "won": ["won"],
          "lost": ["lost"]}  # fmt: skip


@pytest.fixture
def company(api: Api, platform: Platform) -> dict[str, Any]:
    """Forty deals of three people over eight months, then moved, re-dated, handed over, deleted and restored."""
    set_default(api, "opportunity", "private")
    roles = tree(api, "roles", [("经理", None), ("代表", "经理")])
    rep_id, rep = add_user(api, platform, "rep", role=roles["代表"])
    peer_id, peer = add_user(api, platform, "peer", role=roles["代表"])
    boss_id, boss = add_user(api, platform, "boss", role=roles["经理"])
    chance = random.Random(7)
    deals: list[dict[str, Any]] = []
    for number in range(40):
        status = chance.choice(STATUSES)
        owner = chance.choice([rep, peer, boss])
        body = {"name": f"商机{number}", "amount": str(chance.choice([1000, 25000, 480000, 3000000])),
                "stage": chance.choice(STAGES[status]),
                "close_date": (date(2026, 1, 1) + timedelta(days=chance.randrange(240))).isoformat()}  # fmt: skip
        if status == "lost":
            body["loss_reason"] = "price"
        deals.append(ok(owner.post("/api/v1/records/opportunity", body), 201))
    for deal in deals[:8]:  # moved on, re-dated
        changes = {"stage": "negotiation", "close_date": "2026-05-20", "version": deal["version"]}
        deals[deals.index(deal)] = ok(api.patch(f"/api/v1/records/opportunity/{deal['id']}", changes))
    for deal in deals[8:12]:  # handed over to the rep
        ok(api.post(f"/api/v1/records/opportunity/{deal['id']}/transfer", {"owner": rep_id}))
    for deal in deals[12:15]:
        ok(api.delete(f"/api/v1/records/opportunity/{deal['id']}"), 204)
    ok(api.post(f"/api/v1/recycle-bin/opportunity/{deals[12]['id']}/restore"))
    ok(api.post(f"/api/v1/records/opportunity/{deals[20]['id']}/shares", {"user": rep_id, "access": "read"}), 201)
    big_won = {
        "and": [{"field": "status", "op": "eq", "value": "won"}, {"field": "amount", "op": "gte", "value": "3000000"}]
    }
    ok(api.post("/api/v1/security/sharing-rules",
                {"object": "opportunity", "criteria": big_won, "share_with": {"role": roles["代表"]}, "access": "read"}), 201)  # fmt: skip
    return {"rep": rep_id, "peer": peer_id, "boss": boss_id}


REQUESTS: list[dict[str, Any]] = [
    {"filter": {"and": [{"field": "close_date", "op": "gte", "value": "2026-02-10"},
                        {"field": "close_date", "op": "lte", "value": "2026-06-30"},
                        {"field": "status", "op": "eq", "value": "open"}, forecast.COUNTED]},
     "group_by": ["owner", {"field": "close_date", "bucket": "month"}],
     "measures": [{"fn": "sum", "field": "amount", "as": "amount"},
                  {"fn": "sum", "field": "weighted_amount", "as": "weighted"}]},
    {"filter": {"and": [{"field": "close_date", "op": "gte", "value": "2026-01-01"},
                        {"field": "close_date", "op": "lte", "value": "2026-09-30"},
                        {"field": "status", "op": "eq", "value": "won"}]},
     "group_by": ["owner", {"field": "close_date", "bucket": "quarter"}],
     "measures": [{"fn": "sum", "field": "amount", "as": "amount"}, {"fn": "count", "as": "deals"}]},
    {"group_by": [{"field": "close_date", "bucket": "year"}, "status"],
     "measures": [{"fn": "avg", "field": "amount", "as": "average"}, {"fn": "count", "as": "deals"}]},
    {"filter": {"field": "close_date", "op": "eq", "value": "2026-05-20"}, "measures": [{"fn": "count"}]},
    {"filter": {"and": [{"field": "created_at", "op": "gte", "value": "2026-03-01"},
                        {"field": "created_at", "op": "lt", "value": "2026-04-01"},
                        {"field": "status", "op": "eq", "value": "won"}]},
     "measures": [{"fn": "avg", "field": "days_to_close", "as": "days"}, {"fn": "count", "as": "won"}]},
    {"filter": {"and": [{"field": "created_at", "op": "gte", "value": "2025-03-01"},
                        {"field": "created_at", "op": "lt", "value": "2026-03-19"}]},
     "group_by": ["furthest_stage", "stage", "status"],
     "measures": [{"fn": "count", "as": "count"}, {"fn": "sum", "field": "amount", "as": "amount"},
                  {"fn": "avg", "field": "days_to_close", "as": "days"},
                  {"fn": "avg", "field": "stage_days_1", "as": "first_stage_days"}]},
]  # fmt: skip


def aggregate(platform: Platform, user_id: int, request: dict[str, Any], *, summarized: bool) -> Any:
    with platform.records.reading(Actor(user_id)) as (connection, actor, schema):
        aggregation = Aggregation(schema, schema.object("opportunity"), actor, platform.access, platform.filter_env(),
                                  request, summaries=platform.records.summaries if summarized else None)  # fmt: skip
        used = answer(platform.records.summaries, aggregation, connection) is not None
        return aggregation.run(connection)["rows"], used


@pytest.mark.parametrize("request_number", range(len(REQUESTS)))
def test_a_summary_answers_as_the_records_would(
    api: Api, platform: Platform, company: dict[str, Any], admin: Actor, request_number: int
) -> None:
    request = REQUESTS[request_number]
    for user_id in (admin.user_id, company["rep"], company["boss"]):
        live, _ = aggregate(platform, user_id, request, summarized=False)
        summarized, used = aggregate(platform, user_id, request, summarized=True)
        assert used, "the summary should answer this aggregate"
        assert summarized == live
        assert live, "an aggregate over no rows proves nothing"


def test_what_a_summary_cannot_answer_runs_live(platform: Platform, company: dict[str, Any], admin: Actor) -> None:
    by_name = {"filter": {"field": "name", "op": "contains", "value": "商机1"}, "measures": [{"fn": "count"}]}
    by_week = {"group_by": [{"field": "close_date", "bucket": "week"}], "measures": [{"fn": "count"}]}
    for request in (by_name, by_week):
        rows, used = aggregate(platform, admin.user_id, request, summarized=True)
        assert not used and rows == aggregate(platform, admin.user_id, request, summarized=False)[0]


def test_the_kept_summary_equals_one_built_from_the_records(platform: Platform, company: dict[str, Any]) -> None:
    summaries = platform.records.summaries
    for summary in (forecast.SUMMARY, funnel.SUMMARY):
        with platform.db.write() as connection:
            schema = platform.cache.current(connection)
            table = summaries.table(schema, summary)
            assert table is not None
            kept = {row.key: tuple(row)[1:] for row in connection.execute(select(table)) if row.records}
            summaries.rebuild(connection, schema, summary)
            built = {row.key: tuple(row)[1:] for row in connection.execute(select(table))}
        assert kept == built and len(built) > 10
