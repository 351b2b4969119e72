"""Pools (公海): members see and claim what sits in a pool, within the daily and holding limits; owners release with
a reason; the reclaim job returns records not followed up and reminds their owners once before; every move is on the
record's history; two people claiming one record at once: one wins."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from huitong.engine.errors import HuitongError
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules.sales import pool_actions, pool_reclaim
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, tree


@dataclass
class Team:
    """Departments 销售部 → 华东区, 华北区; wang and zhao in 华东区 (members through their department), liu in
    华北区 (not a member); the pool is administered by the administrator."""

    admin: Api
    admin_id: int
    wang: Api
    wang_id: int
    zhao: Api
    zhao_id: int
    liu: Api
    liu_id: int


@pytest.fixture
def team(api: Api, platform: Platform, admin_id: int) -> Team:
    departments = tree(api, "departments", [("销售部", None), ("华东区", "销售部"), ("华北区", "销售部")])
    wang_id, wang = add_user(api, platform, "wang", display_name="王伟", department=departments["华东区"])
    zhao_id, zhao = add_user(api, platform, "zhao", display_name="赵敏", department=departments["华东区"])
    liu_id, liu = add_user(api, platform, "liu", display_name="刘洋", department=departments["华北区"])
    return Team(api, admin_id, wang, wang_id, zhao, zhao_id, liu, liu_id)


def new_pool(team: Team, **values: Any) -> dict[str, Any]:
    body = {"name": "华东线索池", "kind": "lead", "administrator": team.admin_id, "member_departments": "华东区",
            **values}  # fmt: skip
    created: dict[str, Any] = ok(team.admin.post("/api/v1/records/pool", body), 201)
    return created


def pooled(team: Team, pool: dict[str, Any], count: int = 1, object_name: str = "lead") -> list[int]:
    """Records put into the pool by the administrator (as an import into the pool would)."""
    ids = []
    for index in range(count):
        values = {"name": f"客户{index}", "pool": pool["id"]}
        if object_name == "lead":
            values["company"] = f"苏州恒信{index}号有限公司"
        ids.append(ok(team.admin.post(f"/api/v1/records/{object_name}", values), 201)["id"])
    return ids


def claim(api: Api, pool: dict[str, Any], record_id: int, status: int = 200) -> Any:
    response = api.post(f"/api/v1/sales/pools/{pool['id']}/claim", {"id": record_id})
    assert response.status_code == status, response.text
    return response.json()


def release(api: Api, record_id: int, reason: str = "客户暂无预算", status: int = 200, kind: str = "leads") -> Any:
    response = api.post(f"/api/v1/sales/{kind}/{record_id}/release", {"reason": reason})
    assert response.status_code == status, response.text
    return response.json()


def read(api: Api, record_id: int, object_name: str = "lead") -> Any:
    return ok(api.get(f"/api/v1/records/{object_name}/{record_id}"))


def history(api: Api, record_id: int, object_name: str = "lead") -> list[tuple[str, Any, Any]]:
    rows = ok(api.get(f"/api/v1/records/{object_name}/{record_id}/history"))["history"]
    return [(row["field"], row["old"], row["new"]) for row in reversed(rows)]


# -- seeing and claiming -----------------------------------------------------------------------------------------
def test_members_see_and_claim_what_sits_in_the_pool_and_nobody_else_does(team: Team) -> None:
    pool = new_pool(team)
    (lead,) = pooled(team, pool)
    stored = read(team.admin, lead)
    assert (stored["owner"], stored["pool"], stored["home_pool"]) == (team.admin_id, pool["id"], pool["id"])

    assert read(team.wang, lead)["pool"] == pool["id"]  # a member of 华东区 reads it through the pool
    assert team.liu.get(f"/api/v1/records/lead/{lead}").status_code == 404
    assert [p["name"] for p in ok(team.wang.get("/api/v1/sales/pools"))["pools"]] == ["华东线索池"]
    assert ok(team.liu.get("/api/v1/sales/pools"))["pools"] == []
    assert team.liu.get(f"/api/v1/sales/pools/{pool['id']}/records").status_code == 404
    listed = ok(team.wang.get(f"/api/v1/sales/pools/{pool['id']}/records"))
    assert ([r["id"] for r in listed["records"]], listed["total"]) == ([lead], 1)
    assert ok(team.wang.get(f"/api/v1/sales/pools/{pool['id']}/records?q=恒信0"))["total"] == 1  # by company
    assert ok(team.wang.get(f"/api/v1/sales/pools/{pool['id']}/records?q=无锡"))["total"] == 0

    assert claim(team.liu, pool, lead, 404)["status"] == 404  # not a member: as if the pool did not exist
    claimed = claim(team.wang, pool, lead)
    assert (claimed["owner"], claimed["pool"], claimed["claimed_by"]) == (team.wang_id, None, team.wang_id)
    assert team.zhao.get(f"/api/v1/records/lead/{lead}").status_code == 404  # out of the pool: wang's own now
    assert claim(team.zhao, pool, lead, 409)["code"] == "already_claimed"
    assert ("owner", team.admin_id, team.wang_id) in history(team.admin, lead)
    assert ("pool", pool["id"], None) in history(team.admin, lead)
    claimed_by = {row["changed_by"] for row in ok(team.admin.get(f"/api/v1/records/lead/{lead}/history"))["history"]
                  if row["field"] == "owner"}  # fmt: skip
    assert claimed_by == {team.wang_id}  # the history says who claimed it, not the pool's administrator


def test_daily_claim_limit_per_person_resets_the_next_day(team: Team, clock: FakeClock) -> None:
    pool = new_pool(team, daily_claim_limit=2)
    leads = pooled(team, pool, 4)
    claim(team.wang, pool, leads[0])
    claim(team.wang, pool, leads[1])
    refused = claim(team.wang, pool, leads[2], 422)
    assert refused["errors"][0]["code"] == "daily_limit"
    assert "2 of 2" in refused["detail"]
    team.wang.language = "zh_CN"
    assert "今天" in claim(team.wang, pool, leads[2], 422)["detail"]
    claim(team.zhao, pool, leads[2])  # the limit is per person
    assert ok(team.wang.get("/api/v1/sales/pools"))["pools"][0]["claimed_today"] == 2
    clock.advance(days=1)
    claim(team.wang, pool, leads[3])


def test_a_person_holds_at_most_the_pools_limit(team: Team) -> None:
    pool = new_pool(team, owned_limit=2)
    leads = pooled(team, pool, 3)
    ok(team.wang.post("/api/v1/records/lead", {"name": "自己开拓的", "company": "无锡某公司"}), 201)
    claim(team.wang, pool, leads[0])
    refused = claim(team.wang, pool, leads[1], 422)
    assert refused["errors"][0]["code"] == "owned_limit"
    release(team.wang, leads[0])
    claim(team.wang, pool, leads[1])


def test_release_needs_a_reason_and_the_previous_owner_waits_to_claim_again(team: Team, clock: FakeClock) -> None:
    pool = new_pool(team, reclaim_block_days=3)
    (lead,) = pooled(team, pool)
    claim(team.wang, pool, lead)
    assert release(team.wang, lead, "  ", 422)["errors"][0]["field"] == "reason"
    assert team.zhao.post(f"/api/v1/sales/leads/{lead}/release", {"reason": "x"}).status_code == 404
    released = release(team.wang, lead, "联系人已离职")
    assert (released["owner"], released["pool"], released["previous_owner"]) == (
        team.admin_id,
        pool["id"],
        team.wang_id,
    )
    assert released["release_reason"] == "联系人已离职"
    assert release(team.admin, lead, status=409)["code"] == "in_pool"
    assert claim(team.wang, pool, lead, 422)["errors"][0]["code"] == "recently_released"
    clock.advance(days=3, minutes=1)
    claim(team.wang, pool, lead)
    assert [(f, new) for f, _old, new in history(team.admin, lead) if f in ("owner", "release_reason")] == [
        ("owner", team.wang_id), ("owner", team.admin_id), ("release_reason", "联系人已离职"), ("owner", team.wang_id)]  # fmt: skip


def test_pool_fields_move_only_through_the_pool(team: Team) -> None:
    pool = new_pool(team)
    mine = ok(team.wang.post("/api/v1/records/lead", {"name": "自己的", "company": "某公司"}), 201)
    edited = team.wang.patch(f"/api/v1/records/lead/{mine['id']}", {"pool": pool["id"], "version": mine["version"]})
    assert edited.status_code == 422 and edited.json()["errors"][0]["field"] == "pool"
    created = team.wang.post("/api/v1/records/lead", {"name": "新的", "claimed_at": "2026-03-01T00:00:00Z"})
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "claimed_at"


def test_customer_pools_hold_accounts(team: Team) -> None:
    pool = new_pool(team, name="华东客户池", kind="account")
    (account,) = pooled(team, pool, object_name="account")
    assert claim(team.zhao, pool, account)["owner"] == team.zhao_id
    released = release(team.zhao, account, "重复客户", kind="accounts")
    assert released["pool"] == pool["id"]
    wrong = new_pool(team, name="线索池")
    moved = team.admin.post(f"/api/v1/sales/accounts/{account}/release", {"reason": "x", "pool": wrong["id"]})
    assert moved.status_code == 409  # already in a pool


# -- permissions -------------------------------------------------------------------------------------------------
def test_only_administrators_change_pools_and_pool_administrators_assign(team: Team, platform: Platform) -> None:
    pool = new_pool(team)
    (lead, other) = pooled(team, pool, 2)
    assert team.wang.post("/api/v1/records/pool", {"name": "我的池", "kind": "lead",
                                                   "administrator": team.wang_id}).status_code == 403  # fmt: skip
    patched = team.wang.patch(f"/api/v1/records/pool/{pool['id']}", {"daily_claim_limit": 100, "version": 1})
    assert patched.status_code == 403
    assert team.wang.delete(f"/api/v1/records/pool/{pool['id']}").status_code == 403
    assert team.wang.post("/api/v1/sales/pools/reclaim").status_code == 403
    refused = team.wang.post(f"/api/v1/sales/pools/{pool['id']}/assign", {"id": lead, "owner": team.wang_id})
    assert refused.status_code == 403
    outsider = team.admin.post(f"/api/v1/sales/pools/{pool['id']}/assign", {"id": lead, "owner": team.liu_id})
    assert outsider.status_code == 422 and outsider.json()["errors"][0]["field"] == "owner"
    assigned = ok(team.admin.post(f"/api/v1/sales/pools/{pool['id']}/assign", {"id": lead, "owner": team.zhao_id}))
    assert (assigned["owner"], assigned["pool"], assigned["claimed_by"]) == (team.zhao_id, None, None)
    assert team.admin.delete(f"/api/v1/records/pool/{pool['id']}").status_code == 409  # `other` still sits in it
    wrong_bodies: list[Any] = [{"id": True, "owner": team.zhao_id}, {"id": lead, "owner": 2**60}, []]
    for wrong_body in wrong_bodies:
        assert team.admin.post(f"/api/v1/sales/pools/{pool['id']}/assign", wrong_body).status_code in (400, 422)
    assert team.admin.post(f"/api/v1/sales/pools/{pool['id']}/claim", {"id": "1"}).status_code == 400
    mine = ok(team.wang.post("/api/v1/records/lead", {"name": "自己的", "company": "某公司"}), 201)["id"]
    wrong = team.wang.post(f"/api/v1/sales/leads/{mine}/release", {"reason": "x", "pool": True})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "pool"
    unknown = team.admin.patch(f"/api/v1/records/pool/{pool['id']}", {"member_users": "nobody", "version": 1})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "member_users"
    # membership follows the pool's fields: liu added by name, and reads what sits in the pool at once
    ok(team.admin.patch(f"/api/v1/records/pool/{pool['id']}", {"member_users": "刘洋", "version": 1}))
    assert read(team.liu, other)["pool"] == pool["id"]
    # a new pool administrator takes over what sits in the pool
    ok(team.admin.patch(f"/api/v1/records/pool/{pool['id']}", {"administrator": team.liu_id, "version": 2}))
    assert (read(team.liu, other)["owner"], read(team.zhao, lead)["owner"]) == (team.liu_id, team.zhao_id)


# -- reclaim -----------------------------------------------------------------------------------------------------
def test_reclaim_warns_once_then_returns_the_record(team: Team, platform: Platform, clock: FakeClock) -> None:
    pool = new_pool(team, reclaim_days=7, warn_days=2)
    (lead,) = pooled(team, pool)
    claimed = claim(team.wang, pool, lead)
    assert claimed["reclaim_due_at"] == "2026-03-25T02:00:00Z"
    clock.advance(days=4)
    assert pool_reclaim.run(platform) == 0
    clock.advance(days=1, hours=1)  # due in under two days
    assert pool_reclaim.run(platform) == 1
    warned = read(team.wang, lead)
    assert warned["reclaim_warned_at"] == "2026-03-23T03:00:00Z" and warned["owner"] == team.wang_id
    assert pool_reclaim.run(platform) == 0  # warned once
    clock.advance(days=2)
    assert pool_reclaim.run(platform) == 1
    back = read(team.admin, lead)
    assert (back["owner"], back["pool"], back["previous_owner"]) == (team.admin_id, pool["id"], team.wang_id)
    assert back["release_reason"] == "7 天未跟进，自动回收"  # in the administrator's language
    assert pool_reclaim.run(platform) == 0  # running again changes nothing
    assert read(team.zhao, lead)["pool"] == pool["id"]  # members see it again
    assert ("owner", team.wang_id, team.admin_id) in history(team.admin, lead)


def test_a_follow_up_postpones_the_return_and_the_reminder(team: Team, platform: Platform, clock: FakeClock) -> None:
    pool = new_pool(team, reclaim_days=7, warn_days=2)
    (lead,) = pooled(team, pool)
    claim(team.wang, pool, lead)
    clock.advance(days=6)
    assert pool_reclaim.run(platform) == 1  # reminded
    stored = read(team.wang, lead)
    followed = team.wang.patch(f"/api/v1/records/lead/{lead}",
                               {"last_follow_up_at": "2026-03-24T01:00:00Z", "version": stored["version"]})  # fmt: skip
    assert followed.status_code == 200, followed.text
    assert (followed.json()["reclaim_due_at"], followed.json()["reclaim_warned_at"]) == ("2026-03-31T01:00:00Z", None)
    clock.advance(days=2)
    assert pool_reclaim.run(platform) == 0
    moved = team.wang.patch(
        f"/api/v1/records/lead/{lead}", {"status": "working", "version": followed.json()["version"]}
    )
    assert moved.json()["reclaim_due_at"] == "2026-04-02T02:00:00Z"  # a status change counts as following up


def test_a_deal_moving_counts_as_following_up_its_account(team: Team, platform: Platform, clock: FakeClock) -> None:
    pool = new_pool(team, name="华东客户池", kind="account", reclaim_days=7)
    (account,) = pooled(team, pool, object_name="account")
    claim(team.zhao, pool, account)
    clock.advance(days=5)
    deal = ok(
        team.zhao.post("/api/v1/records/opportunity", {"name": "产线改造", "account": account, "amount": "1000"}), 201
    )
    assert deal["stage_entered_at"] == "2026-03-23T02:00:00Z"
    clock.advance(days=3)
    assert pool_reclaim.run(platform) == 1  # looked at, and postponed
    kept = read(team.zhao, account, "account")
    assert (kept["pool"], kept["reclaim_due_at"]) == (None, "2026-03-30T02:00:00Z")
    clock.advance(days=4, minutes=1)
    assert pool_reclaim.run(platform) == 1
    assert read(team.admin, account, "account")["pool"] == pool["id"]


def test_protection_keeps_a_claimed_record_for_its_period(team: Team, platform: Platform, clock: FakeClock) -> None:
    pool = new_pool(team, reclaim_days=7, protection_days=15)
    (lead,) = pooled(team, pool)
    assert claim(team.wang, pool, lead)["reclaim_due_at"] == "2026-04-02T02:00:00Z"
    clock.advance(days=10)
    assert pool_reclaim.run(platform) == 0
    clock.advance(days=5, minutes=1)
    assert pool_reclaim.run(platform) == 1
    assert read(team.admin, lead)["pool"] == pool["id"]


def test_changed_rules_apply_to_what_the_pool_holds(team: Team, platform: Platform, clock: FakeClock) -> None:
    pool = new_pool(team, reclaim_days=30)
    (lead,) = pooled(team, pool)
    assert claim(team.wang, pool, lead)["reclaim_due_at"] == "2026-04-17T02:00:00Z"
    ok(team.admin.patch(f"/api/v1/records/pool/{pool['id']}", {"reclaim_days": 7, "version": 1}))
    assert read(team.wang, lead)["reclaim_due_at"] == "2026-03-25T02:00:00Z"
    clock.advance(days=8)
    assert pool_reclaim.run(platform) == 1


def test_the_worker_schedules_the_reclaim_every_half_hour(platform: Platform, tmp_path: Any) -> None:
    from huey import SqliteHuey

    from huitong.engine.jobs.queue import Tasks

    queue = SqliteHuey("pools", filename=str(tmp_path / "jobs.db"))
    tasks = Tasks(queue, lambda: platform)
    scheduled = {task.name: task for task in queue._registry.periodic_tasks}["sales.pool_reclaim"]
    assert scheduled.validate_datetime(datetime(2026, 3, 18, 9, 30))
    assert not scheduled.validate_datetime(datetime(2026, 3, 18, 9, 40))
    assert tasks.module_jobs["sales.pool_reclaim"].call_local() == 0  # no administrator, no pools: nothing to do


def test_reclaim_works_in_batches(team: Team, platform: Platform, clock: FakeClock,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(pool_reclaim, "BATCH", 2)
    pool = new_pool(team, reclaim_days=1)
    leads = pooled(team, pool, 5)
    for lead in leads:
        claim(team.wang, pool, lead)
    clock.advance(days=2)
    assert pool_reclaim.run(platform) == 5
    assert ok(team.wang.get(f"/api/v1/sales/pools/{pool['id']}/records"))["total"] == 5


# -- two at once -------------------------------------------------------------------------------------------------
def test_two_people_claiming_one_record_at_once_one_wins(team: Team, platform: Platform) -> None:
    pool = new_pool(team)
    (lead,) = pooled(team, pool)
    start = threading.Barrier(2)
    outcomes: dict[int, Any] = {}

    def attempt(user_id: int) -> None:
        start.wait()
        try:
            outcomes[user_id] = pool_actions.claim(platform, Actor(user_id), pool["id"], lead)["owner"]
        except HuitongError as error:
            outcomes[user_id] = error.status

    threads = [threading.Thread(target=attempt, args=(user,)) for user in (team.wang_id, team.zhao_id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [user for user, outcome in outcomes.items() if outcome == user]
    assert len(winners) == 1 and sorted(outcomes.values(), key=str)[0] in (409, winners[0])
    loser = next(user for user in outcomes if user not in winners)
    assert outcomes[loser] == 409
    assert read(team.admin, lead)["owner"] == winners[0]
    assert [f for f, _old, _new in history(team.admin, lead)].count("owner") == 1


def test_a_pool_whose_group_name_is_taken_gets_the_next_free_one(team: Team) -> None:
    for name in ("Pool · 华东线索池", "Pool · 华东线索池 (2)"):
        ok(team.admin.post("/api/v1/security/groups", {"name": name, "members": []}), 201)
    pool = new_pool(team)
    names = {group["id"]: group["name"] for group in ok(team.admin.get("/api/v1/security/groups"))["groups"]}
    assert names[pool["member_group"]] == "Pool · 华东线索池 (3)"
