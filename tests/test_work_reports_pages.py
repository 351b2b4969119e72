"""The work reports' pages over HTTP, on SQLite and PostgreSQL: a new daily report's form prefilled with the day's
numbers and activities, saving and submitting it, the one report per period (the form reopens the draft), the
manager's review box, the team page, a peer's 404, both languages, the home reminder after 17:00, and bad input
answered with an error page, never a 500."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.engine.platform import Platform
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, tree
from tests.test_activities_pages import signed_in
from tests.test_sales_leads import created, read

TODAY = "2026-03-18"


@pytest.fixture
def people(api: Api, platform: Platform) -> dict[str, Any]:
    roles = tree(api, "roles", [("经理", None), ("代表", "经理")])
    found: dict[str, Any] = {}
    for username, role, name in (("manager", "经理", "李经理"), ("wang", "代表", "王五"), ("zhao", "代表", "赵六")):
        found[f"{username}_id"], found[username] = add_user(api, platform, username, role=roles[role],
                                                            display_name=name)  # fmt: skip
    created(found["wang"], "call", {"subject": "致电华泰采购", "started_at": "2026-03-18T01:00:00Z"})
    created(found["wang"], "task", {"subject": "发报价单", "status": "completed"})
    found["app"] = api.client.app
    return found


def form_token(client: TestClient) -> str:
    return client.cookies.get("huitong_csrf") or ""


def number(html: str, name: str) -> str:
    found = re.search(rf'data-number="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


def test_a_daily_report_is_written_from_the_prefilled_form_and_submitted(people: dict[str, Any]) -> None:
    wang = signed_in(people["app"], "wang")
    listing = wang.get("/work-reports")
    assert listing.status_code == 200 and "写日报" in listing.text
    form = wang.get("/work-reports/new?kind=daily")
    assert form.status_code == 200
    assert number(form.text, "calls") == "1" and number(form.text, "tasks_completed") == "1"
    assert "致电华泰采购" in form.text and "发报价单" in form.text and 'href="/records/call/' in form.text
    saved = wang.post("/work-reports/new", data={
        "csrf_token": form_token(wang), "kind": "daily", "date": TODAY, "summary": "拜访华泰，报价已发",
        "problems": "", "next_plan": "周五前给方案", "action": "save"})  # fmt: skip
    assert saved.status_code == 303
    report_path = saved.headers["location"]
    draft = wang.get(report_path)
    assert "拜访华泰，报价已发" in draft.text and "保存草稿" in draft.text
    # a second "new daily report" opens the draft instead of starting another
    assert wang.get("/work-reports/new?kind=daily").headers["location"] == report_path
    version = re.search(r'name="version" value="(\d+)"', draft.text)
    assert version
    sent = wang.post(report_path, data={"csrf_token": form_token(wang), "version": version.group(1),
                                        "summary": "拜访华泰，报价已发", "next_plan": "周五前给方案",
                                        "action": "submit"})  # fmt: skip
    assert sent.status_code == 303
    shown = wang.get(report_path).text
    assert "已提交" in shown and "提交给 李经理" in shown and "保存草稿" not in shown
    report_id = int(report_path.rsplit("/", 1)[1])
    assert read(people["wang"], "work_report", report_id)["status"] == "submitted"


def test_the_manager_reviews_from_the_report_page_and_a_peer_gets_404(people: dict[str, Any]) -> None:
    report = created(people["wang"], "work_report", {"kind": "daily", "period_start": TODAY, "summary": "机密进展"})
    people["wang"].post(f"/api/v1/work-reports/{report['id']}/submit")
    manager = signed_in(people["app"], "manager")
    page = manager.get(f"/work-reports/{report['id']}")
    assert page.status_code == 200 and "机密进展" in page.text and 'name="body"' in page.text
    posted = manager.post(f"/work-reports/{report['id']}/comments",
                          data={"csrf_token": form_token(manager), "body": "华泰要跟紧"})  # fmt: skip
    assert posted.status_code == 303
    shown = signed_in(people["app"], "wang").get(f"/work-reports/{report['id']}").text
    assert "华泰要跟紧" in shown and "李经理 已批阅" in shown
    empty = manager.post(f"/work-reports/{report['id']}/comments", data={"csrf_token": form_token(manager),
                                                                          "body": "  "})  # fmt: skip
    assert empty.status_code == 422 and "请先填写批阅意见。" in empty.text
    peer = signed_in(people["app"], "zhao")
    assert peer.get(f"/work-reports/{report['id']}").status_code == 404
    assert "机密进展" not in peer.get(f"/work-reports/{report['id']}").text


def test_the_team_page_lists_who_has_and_has_not_submitted(people: dict[str, Any]) -> None:
    report = created(people["wang"], "work_report", {"kind": "daily", "period_start": TODAY})
    people["wang"].post(f"/api/v1/work-reports/{report['id']}/submit")
    manager = signed_in(people["app"], "manager")
    page = manager.get(f"/work-reports/team?kind=daily&date={TODAY}")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>\s*<td>(.*?)</td>", page.text, re.S)
    statuses = {re.sub(r"<[^>]+>", "", name).strip(): re.sub(r"<[^>]+>", " ", status).split()[0]
                for name, status in rows}  # fmt: skip
    assert statuses == {"王五": "已提交", "赵六": "未提交"}
    assert "团队报告" in page.text and "已提交 1 / 2" in page.text
    # in English for whoever chose it
    manager.post("/language", data={"csrf_token": form_token(manager), "locale": "en", "next": "/"})
    english = manager.get(f"/work-reports/team?kind=daily&date={TODAY}").text
    assert "Team reports" in english and "Not submitted" in english and "1 of 2 submitted" in english
    weekly = manager.get(f"/work-reports/team?kind=weekly&date={TODAY}")
    assert weekly.status_code == 200 and "2026-03-16 ~ 2026-03-22" in weekly.text


@pytest.mark.parametrize(
    "path", ["/work-reports/new?kind=monthly", "/work-reports/new?date=2026-02-30", "/work-reports/team?date=x",
             "/work-reports/team?kind=yearly", "/work-reports/999999"],
)  # fmt: skip
def test_bad_input_is_an_error_page(people: dict[str, Any], path: str) -> None:
    response = signed_in(people["app"], "wang").get(path)
    assert response.status_code in (400, 404, 422), response.text


def test_home_reminds_of_todays_report_after_five(people: dict[str, Any], clock: FakeClock) -> None:
    wang = signed_in(people["app"], "wang")
    assert "今天的日报还没有提交" not in wang.get("/").text  # 10:00 in Shanghai
    clock.advance(hours=8)  # 18:00
    assert "今天的日报还没有提交" in wang.get("/").text
    report = created(people["wang"], "work_report", {"kind": "daily", "period_start": TODAY})
    people["wang"].post(f"/api/v1/work-reports/{report['id']}/submit")
    assert "今天的日报还没有提交" not in wang.get("/").text


def test_a_second_report_for_the_day_from_a_stale_form_shows_why(people: dict[str, Any]) -> None:
    wang = signed_in(people["app"], "wang")
    form = wang.get("/work-reports/new?kind=daily")  # opened in one tab …
    assert form.status_code == 200
    first = created(people["wang"], "work_report", {"kind": "daily", "period_start": TODAY})  # … saved in another
    again = wang.post("/work-reports/new", data={"csrf_token": form_token(wang), "kind": "daily", "date": TODAY,
                                                 "summary": "第二份", "action": "save"})  # fmt: skip
    assert again.status_code == 422
    assert f"你已有该期间的报告（编号 {first['id']}）" in again.text and "第二份" in again.text


def test_the_generic_record_pages_serve_reports_too(people: dict[str, Any]) -> None:
    report = created(people["wang"], "work_report", {"kind": "weekly", "period_start": TODAY})
    wang = signed_in(people["app"], "wang")
    page = wang.get(f"/records/work_report/{report['id']}")
    assert page.status_code == 200 and f'href="/work-reports/{report["id"]}"' in page.text
    assert wang.get("/records/work_report").status_code == 200
    assert wang.get("/records/work_report/new").status_code == 200
    assert 'href="/work-reports"' in page.text and 'href="/work-reports/team"' in page.text  # navigation


def test_a_weekly_report_is_written_from_the_weeks_daily_reports(people: dict[str, Any]) -> None:
    for day, summary in (("2026-03-16", "周一拜访华泰"), ("2026-03-17", "周二发报价")):
        created(people["wang"], "work_report", {"kind": "daily", "period_start": day, "summary": summary})
    created(people["zhao"], "work_report", {"kind": "daily", "period_start": "2026-03-16", "summary": "赵的日报"})
    wang = signed_in(people["app"], "wang")
    form = wang.get(f"/work-reports/new?kind=weekly&date={TODAY}").text
    assert "本周日报" in form and "周一拜访华泰" in form and "周二发报价" in form and "赵的日报" not in form
    lines = re.search(r'data-lines="([^"]*)"', form)
    assert lines and json.loads(html.unescape(lines.group(1)))[:2] == [
        "2026-03-16：周一拜访华泰",
        "2026-03-17：周二发报价",
    ]
    # the manager reads the week with its days
    report = created(people["wang"], "work_report", {"kind": "weekly", "period_start": TODAY})
    shown = signed_in(people["app"], "manager").get(f"/work-reports/{report['id']}").text
    assert "周一拜访华泰" in shown and "2026-03-16 ~ 2026-03-22" in shown
