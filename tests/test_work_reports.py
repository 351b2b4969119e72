"""Work reports over the API, on SQLite and PostgreSQL: the numbers counted from a hand-built day of activities
and results (only records the author may read, inside the author's day), one report per author, kind and period,
submission (numbers counted again, the manager named and told), review (the author told), who may read a report,
and the team's view of who has and has not submitted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import WriteContext
from huitong.modules.work_reports import reminders
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, tree
from tests.test_sales_leads import created, read

TODAY = "2026-03-18"  # the clock's Wednesday: 10:00 in Shanghai


@pytest.fixture
def heard(platform: Platform) -> Iterator[list[Notice]]:
    received: list[Notice] = []

    def sink(context: WriteContext, notice: Notice) -> None:
        if notice.kind.startswith("work_report"):
            received.append(notice)

    platform.notices.register(sink)
    yield received
    platform.notices.sinks.remove(sink)


@pytest.fixture
def team(api: Api, platform: Platform) -> dict[str, Any]:
    """A manager with two reps under them (peers), and the reps' director above the manager."""
    roles = tree(api, "roles", [("总监", None), ("经理", "总监"), ("代表", "经理")])
    people: dict[str, Any] = {}
    for username, role, name in (("director", "总监", "周总监"), ("manager", "经理", "李经理"),
                                 ("wang", "代表", "王五"), ("zhao", "代表", "赵六")):  # fmt: skip
        user_id, client = add_user(api, platform, username, role=roles[role], display_name=name)
        people[username], people[f"{username}_id"] = client, user_id
    return people


def numbers(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body["numbers"].items() if value not in (0, "0.00")}


def a_day_of_work(team: dict[str, Any]) -> None:
    """Wang's Wednesday (Shanghai): two calls, a checked-in visit, two tasks done, a note, a lead and an account
    brought in, two opportunities opened — one moved on a stage, one won. Around it: a call late the evening before
    and one just after midnight (other days), a visit not checked in, an open task, a lead Wang handed to Zhao (no
    longer his to read) and Zhao's own call."""
    wang, zhao = team["wang"], team["zhao"]
    for subject, at in (("致电华泰采购", "2026-03-18T01:00:00Z"), ("回访申通", "2026-03-18T06:00:00Z"),
                        ("前一晚的电话", "2026-03-17T15:00:00Z"), ("午夜后的电话", "2026-03-18T16:30:00Z")):  # fmt: skip
        created(wang, "call", {"subject": subject, "started_at": at})
    created(zhao, "call", {"subject": "赵的电话", "started_at": "2026-03-18T02:00:00Z"})
    created(wang, "event", {"subject": "拜访华泰", "kind": "visit", "start_at": "2026-03-18T03:00:00Z",
                            "check_in_at": "2026-03-18T03:05:00Z"})  # fmt: skip
    created(wang, "event", {"subject": "没去的拜访", "kind": "visit", "start_at": "2026-03-18T07:00:00Z"})
    for subject, status in (("发报价单", "completed"), ("整理名片", "completed"), ("约下周会议", "open")):
        created(wang, "task", {"subject": subject, "status": status, "due_at": "2026-03-18T09:00:00Z"})
    created(wang, "note", {"title": "华泰需求", "body": "<p>需要 20 台设备</p>"})
    created(wang, "lead", {"name": "陈先生", "company": "南京新百"})
    handed = created(wang, "lead", {"name": "刘女士", "company": "苏州园区"})
    ok(wang.patch(f"/api/v1/records/lead/{handed['id']}", {"owner": team["zhao_id"], "version": handed["version"]}))
    created(wang, "account", {"name": "华泰证券"})
    moving = created(wang, "opportunity", {"name": "华泰设备采购", "amount": "50000.00"})
    ok(wang.patch(f"/api/v1/records/opportunity/{moving['id']}", {"stage": "needs_confirmed",
                                                                 "version": moving["version"]}))  # fmt: skip
    winning = created(wang, "opportunity", {"name": "申通仓储系统", "amount": "120000.00"})
    ok(wang.patch(f"/api/v1/records/opportunity/{winning['id']}", {"status": "won", "version": winning["version"]}))


def test_the_day_is_counted_from_what_the_author_did_and_may_read(team: dict[str, Any]) -> None:
    a_day_of_work(team)
    body = ok(team["wang"].get(f"/api/v1/work-reports/prefill?kind=daily&date={TODAY}"))
    assert body["period"] == {"start": TODAY, "end": TODAY} and body["existing"] is None
    assert numbers(body) == {
        "calls": 2, "visits": 1, "tasks_completed": 2, "notes": 1, "new_leads": 1, "new_accounts": 1,
        "new_opportunities": 2, "new_opportunity_amount": "170000.00", "opportunities_moved": 2, "deals_won": 1,
        "won_amount": "120000.00",
    }  # fmt: skip
    titles = {(item["kind"], item["title"]) for item in body["items"]}
    assert {("call", "致电华泰采购"), ("visit", "拜访华泰"), ("task", "发报价单"), ("note", "华泰需求"),
            ("deals_won", "申通仓储系统"), ("opportunities_moved", "华泰设备采购")} <= titles  # fmt: skip
    assert not {"前一晚的电话", "午夜后的电话", "没去的拜访", "约下周会议", "刘女士", "赵的电话"} & {
        t for _k, t in titles
    }
    # the same without a date: today in the author's zone
    assert numbers(ok(team["wang"].get("/api/v1/work-reports/prefill"))) == numbers(body)
    # Zhao's day: his own call, and the lead handed to him is not his "new lead" (he did not bring it in)
    assert numbers(ok(team["zhao"].get(f"/api/v1/work-reports/prefill?date={TODAY}"))) == {"calls": 1}


def test_a_week_runs_monday_to_sunday_in_the_authors_zone(api: Api, team: dict[str, Any], clock: FakeClock) -> None:
    a_day_of_work(team)
    week = ok(team["wang"].get(f"/api/v1/work-reports/prefill?kind=weekly&date={TODAY}"))
    assert week["period"] == {"start": "2026-03-16", "end": "2026-03-22"}
    assert week["numbers"]["calls"] == 4  # the evening before and just after midnight are the same week
    # For a user in New York (UTC-4 in March) it is still Tuesday 22:00: their day is the 17th
    ok(api.patch(f"/api/v1/security/users/{team['zhao_id']}", {"time_zone": "America/New_York"}))
    created(team["zhao"], "call", {"subject": "纽约晚上的电话", "started_at": "2026-03-18T03:00:00Z"})  # 23:00
    created(team["zhao"], "call", {"subject": "纽约午夜后的电话", "started_at": "2026-03-18T04:30:00Z"})  # 00:30
    day = ok(team["zhao"].get("/api/v1/work-reports/prefill"))
    assert day["period"]["start"] == "2026-03-17"
    assert {item["title"] for item in day["items"]} == {"赵的电话", "纽约晚上的电话"}  # 22:00 and 23:00
    assert day["numbers"]["calls"] == 2


def test_one_report_per_author_kind_and_period(team: dict[str, Any]) -> None:
    wang = team["wang"]
    daily = created(wang, "work_report", {"kind": "daily", "period_start": TODAY, "summary": "拜访华泰"})
    assert daily["period_end"] == TODAY and daily["status"] == "draft" and daily["name"].endswith(TODAY)
    again = wang.post("/api/v1/records/work_report", {"kind": "daily", "period_start": TODAY})
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "duplicate_report"
    weekly = created(wang, "work_report", {"kind": "weekly", "period_start": "2026-03-20"})
    assert (weekly["period_start"], weekly["period_end"]) == ("2026-03-16", "2026-03-22")
    assert wang.post("/api/v1/records/work_report", {"kind": "weekly", "period_start": "2026-03-16"}).status_code == 422
    # another author's report for the same day is theirs to write
    created(team["zhao"], "work_report", {"kind": "daily", "period_start": TODAY})
    assert ok(wang.get(f"/api/v1/work-reports/prefill?date={TODAY}"))["existing"] == daily["id"]
    # nobody writes a report in someone else's name
    forged = team["zhao"].post("/api/v1/records/work_report", {"kind": "daily", "period_start": "2026-03-19",
                                                               "owner": team["wang_id"]})  # fmt: skip
    assert forged.status_code == 422


def test_submitting_counts_again_names_the_manager_and_tells_them(
    team: dict[str, Any], heard: list[Notice], clock: FakeClock
) -> None:
    wang = team["wang"]
    draft = created(wang, "work_report", {"kind": "daily", "period_start": TODAY, "summary": "拜访华泰，报价已发"})
    assert draft["calls"] == 0
    created(wang, "call", {"subject": "下午的电话", "started_at": "2026-03-18T07:00:00Z"})
    clock.advance(hours=8)  # 18:00 in Shanghai
    sent = ok(wang.post(f"/api/v1/work-reports/{draft['id']}/submit"))
    assert sent["status"] == "submitted" and sent["calls"] == 1
    assert sent["submitted_to"] == team["manager_id"] and sent["submitted_at"] == "2026-03-18T10:00:00Z"
    assert [(n.recipients, n.params["author"], n.params["period"]) for n in heard] == [
        ((team["manager_id"],), "王五", TODAY)
    ]
    # the snapshot stays: a later call does not change a submitted report, and nobody edits it any more
    created(wang, "call", {"subject": "晚上的电话", "started_at": "2026-03-18T11:00:00Z"})
    assert read(wang, "work_report", draft["id"])["calls"] == 1
    late = wang.patch(f"/api/v1/records/work_report/{draft['id']}", {"summary": "改", "version": sent["version"]})
    assert late.status_code == 422
    assert wang.post(f"/api/v1/work-reports/{draft['id']}/submit").status_code == 422


def test_the_managers_comment_reviews_the_report_and_tells_the_author(
    team: dict[str, Any], heard: list[Notice]
) -> None:
    wang, manager = team["wang"], team["manager"]
    draft = created(wang, "work_report", {"kind": "daily", "period_start": TODAY, "summary": "拜访华泰"})
    early = manager.post("/api/v1/records/work_report_comment", {"work_report": draft["id"], "body": "先别急"})
    assert early.status_code == 422  # a draft is not reviewed yet
    ok(wang.post(f"/api/v1/work-reports/{draft['id']}/submit"))
    heard.clear()
    created(manager, "work_report_comment", {"work_report": draft["id"], "body": "华泰要跟紧，周五前给方案"})
    report = read(wang, "work_report", draft["id"])
    assert report["reviewed_by"] == team["manager_id"] and report["reviewed_at"]
    assert [(n.recipients, n.params["reviewer"], n.body) for n in heard] == [
        ((team["wang_id"],), "李经理", "华泰要跟紧，周五前给方案")
    ]
    heard.clear()
    created(wang, "work_report_comment", {"work_report": draft["id"], "body": "好的"})
    assert [n.recipients for n in heard] == [(team["manager_id"],)]


def test_a_report_is_read_by_its_author_and_those_above_not_by_peers(team: dict[str, Any]) -> None:
    draft = created(team["wang"], "work_report", {"kind": "daily", "period_start": TODAY, "summary": "机密"})
    path = f"/api/v1/records/work_report/{draft['id']}"
    assert team["zhao"].get(path).status_code == 404
    assert team["manager"].get(path).status_code == 200 and team["director"].get(path).status_code == 200
    # a manager reads and reviews, but does not rewrite the rep's report
    changed = team["manager"].patch(path, {"summary": "改写", "version": draft["version"]})
    assert changed.status_code == 422
    assert team["zhao"].post(f"/api/v1/work-reports/{draft['id']}/submit").status_code == 404


def test_a_manager_named_on_the_user_receives_and_reads_the_report(
    api: Api, platform: Platform, team: dict[str, Any], heard: list[Notice]
) -> None:
    # a project lead outside the role chain, named as Zhao's manager
    lead_id, lead = add_user(api, platform, "lead", display_name="项目负责人")
    ok(api.patch(f"/api/v1/security/users/{team['zhao_id']}", {"manager": lead_id}))
    draft = created(team["zhao"], "work_report", {"kind": "daily", "period_start": TODAY})
    assert lead.get(f"/api/v1/records/work_report/{draft['id']}").status_code == 404
    sent = ok(team["zhao"].post(f"/api/v1/work-reports/{draft['id']}/submit"))
    assert sent["submitted_to"] == lead_id and [n.recipients for n in heard] == [(lead_id,)]
    assert lead.get(f"/api/v1/records/work_report/{draft['id']}").status_code == 200
    created(lead, "work_report_comment", {"work_report": draft["id"], "body": "收到"})
    team_view = ok(lead.get(f"/api/v1/work-reports/team?date={TODAY}"))
    assert [(m["name"], m["status"]) for m in team_view["members"]] == [("赵六", "submitted")]


def test_the_team_view_shows_who_has_and_has_not_submitted(api: Api, team: dict[str, Any]) -> None:
    created(team["wang"], "call", {"subject": "致电华泰", "started_at": "2026-03-18T01:00:00Z"})
    report = created(team["wang"], "work_report", {"kind": "daily", "period_start": TODAY})
    ok(team["wang"].post(f"/api/v1/work-reports/{report['id']}/submit"))
    created(team["zhao"], "work_report", {"kind": "daily", "period_start": TODAY})  # a draft only
    body = ok(team["manager"].get(f"/api/v1/work-reports/team?kind=daily&date={TODAY}"))
    members = {m["name"]: m for m in body["members"]}
    assert set(members) == {"王五", "赵六"}
    assert members["王五"]["status"] == "submitted" and members["王五"]["calls"] == 1
    assert members["王五"]["report"] == report["id"] and members["王五"]["submitted_at"]
    assert members["赵六"]["status"] == "draft"
    assert (body["submitted"], body["total"], body["totals"]["calls"]) == (1, 2, 1)
    # the director sees the whole line below; a rep has nobody below
    directors = {m["name"] for m in ok(team["director"].get(f"/api/v1/work-reports/team?date={TODAY}"))["members"]}
    assert directors == {"李经理", "王五", "赵六"}
    assert ok(team["wang"].get("/api/v1/work-reports/team"))["members"] == []
    # the week before nobody had written anything
    week = ok(team["manager"].get("/api/v1/work-reports/team?kind=weekly&date=2026-03-10"))
    assert {m["status"] for m in week["members"]} == {"missing"}
    assert week["period"] == {"start": "2026-03-09", "end": "2026-03-15"}
    # someone who left is no longer listed
    ok(api.patch(f"/api/v1/security/users/{team['zhao_id']}", {"active": False}))
    names = {m["name"] for m in ok(team["manager"].get(f"/api/v1/work-reports/team?date={TODAY}"))["members"]}
    assert names == {"王五"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/work-reports/prefill?kind=monthly", "/api/v1/work-reports/prefill?date=2026-13-45",
     "/api/v1/work-reports/prefill?date=0001-01-01", "/api/v1/work-reports/team?date=yesterday",
     "/api/v1/work-reports/team?kind=%00"],
)  # fmt: skip
def test_bad_input_is_a_clear_error_not_a_crash(team: dict[str, Any], path: str) -> None:
    response = team["wang"].get(path)
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"][0]["message"]


def test_unknown_or_unreadable_reports_are_not_found(team: dict[str, Any]) -> None:
    assert team["wang"].post("/api/v1/work-reports/999999/submit").status_code == 404
    assert team["wang"].post("/api/v1/work-reports/abc/submit").status_code in (400, 404, 422)


def test_a_draft_is_the_authors_to_delete_and_a_submitted_report_is_kept(api: Api, team: dict[str, Any]) -> None:
    wang, manager = team["wang"], team["manager"]
    draft = created(wang, "work_report", {"kind": "daily", "period_start": TODAY})
    assert manager.delete(f"/api/v1/records/work_report/{draft['id']}").status_code == 422
    assert wang.delete(f"/api/v1/records/work_report/{draft['id']}").status_code == 204
    # the deleted draft still holds its day: restore it rather than write another
    again = wang.post("/api/v1/records/work_report", {"kind": "daily", "period_start": TODAY})
    assert again.status_code == 422 and "recycle bin" in again.json()["errors"][0]["message"]
    report = created(wang, "work_report", {"kind": "daily", "period_start": "2026-03-17"})
    ok(wang.post(f"/api/v1/work-reports/{report['id']}/submit"))
    assert wang.delete(f"/api/v1/records/work_report/{report['id']}").status_code == 422
    assert api.delete(f"/api/v1/records/work_report/{report['id']}").status_code == 204


def test_what_the_crm_fills_in_is_not_taken_from_the_client(team: dict[str, Any]) -> None:
    wang = team["wang"]
    draft = created(wang, "work_report", {"kind": "daily", "period_start": TODAY, "calls": 99,
                                          "submitted_to": team["zhao_id"], "period_key": "x"})  # fmt: skip
    assert (draft["calls"], draft["submitted_to"], draft["status"]) == (0, None, "draft")
    changed = ok(wang.patch(f"/api/v1/records/work_report/{draft['id']}", {
        "period_key": "x", "calls": 5, "reviewed_by": team["manager_id"], "summary": "写好了",
        "version": draft["version"]}))  # fmt: skip
    assert (changed["calls"], changed["reviewed_by"], changed["summary"]) == (0, None, "写好了")
    assert changed["period_key"] == f"{team['wang_id']}:daily:{TODAY}"


def test_the_evening_reminder_tells_who_has_not_submitted_once(
    platform: Platform, team: dict[str, Any], heard: list[Notice], clock: FakeClock
) -> None:
    report = created(team["zhao"], "work_report", {"kind": "daily", "period_start": TODAY})
    ok(team["zhao"].post(f"/api/v1/work-reports/{report['id']}/submit"))
    created(team["wang"], "work_report", {"kind": "daily", "period_start": TODAY})  # a draft is not submitted
    heard.clear()
    clock.advance(hours=8)  # 18:00 in Shanghai
    assert reminders.run(platform) == 2
    # the director reports to nobody; the manager reports to the director
    assert sorted(n.recipients[0] for n in heard) == sorted([team["wang_id"], team["manager_id"]])
    assert {n.kind for n in heard} == {"work_report_reminder"}
    assert {n.params["period"] for n in heard} == {TODAY}
    assert len({n.key for n in heard}) == 2  # once per person and day, whatever runs it again
    heard.clear()
    clock.advance(days=3)  # Saturday
    assert reminders.run(platform) == 0 and heard == []
