"""Overdue deals: a deal past its stage's expected days is flagged to its owner and their managers, once per stay."""

from __future__ import annotations

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.modules.sales import stage_overdue
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, tree
from tests.test_sales_forecast import created


def test_a_deal_past_its_stage_duration_is_flagged_once_per_stage(
    api: Api, platform: Platform, clock: FakeClock, heard: list[Notice]
) -> None:
    roles = tree(api, "roles", [("华东经理", None), ("华东代表", "华东经理")])
    rep_id, rep = add_user(api, platform, "rep", role=roles["华东代表"], display_name="王伟")
    boss_id, _ = add_user(api, platform, "boss", role=roles["华东经理"])
    _, peer = add_user(api, platform, "peer", role=roles["华东代表"])
    # Given a deal entering "initial contact" (14 days expected) now
    deal = created(rep, name="苏州工厂MES", amount="880000")
    assert deal["stage_due_at"] == "2026-04-01T02:00:00Z" and deal["overdue_notified_at"] is None

    # When 14 days pass, nothing is overdue yet; a day later the owner and the manager are told
    clock.advance(days=14)
    assert stage_overdue.run(platform) == 0
    clock.advance(days=1)
    assert stage_overdue.run(platform) == 1
    (notice,) = heard
    assert (notice.kind, notice.recipients, notice.record_id) == ("overdue", (rep_id, boss_id), deal["id"])
    assert notice.params == {"deal": "苏州工厂MES", "owner": "王伟", "days": "15", "expected": "14"}
    # and only once
    assert stage_overdue.run(platform) == 0 and len(heard) == 1

    # When the deal moves on, the next stage's clock starts (21 days) and it can be flagged again
    current = rep.get(f"/api/v1/records/opportunity/{deal['id']}").json()
    moved = rep.patch(f"/api/v1/records/opportunity/{deal['id']}",
                      {"stage": "needs_confirmed", "version": current["version"]})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["overdue_notified_at"] is None and moved.json()["stage_due_at"] == "2026-04-23T02:00:00Z"
    clock.advance(days=22)
    assert stage_overdue.run(platform) == 1 and len(heard) == 2
    assert peer.get(f"/api/v1/records/opportunity/{deal['id']}").status_code == 404  # the peer was never told


def test_closed_deals_are_never_overdue(api: Api, platform: Platform, clock: FakeClock) -> None:
    won = created(api, name="已赢单", amount="1000", stage="won")
    assert won["stage_due_at"] is None
    created(api, name="进行中", amount="1000")
    lost = created(api, name="输单", amount="1000")
    closed = api.patch(f"/api/v1/records/opportunity/{lost['id']}",
                       {"stage": "lost", "loss_reason": "price", "version": lost["version"]})  # fmt: skip
    assert closed.status_code == 200, closed.text
    clock.advance(days=60)
    assert stage_overdue.run(platform) == 1  # only the open one
