"""What notifies on its own: announcements to the company or to departments (with read receipts), contacts'
birthdays at the time each owner chose in their own time zone (fake clock), and the pool's reclaim warning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from huitong.engine.platform import Platform
from huitong.modules.notifications import birthdays
from huitong.modules.sales import pool_reclaim
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, put, tree
from tests.test_sales_pools import Team, claim, new_pool, pooled, team  # noqa: F401 - the team fixture


def texts(api: Api) -> list[str]:
    return [n["text"] for n in ok(api.get("/api/v1/notifications?limit=100"))["notifications"]]


# -- announcements -----------------------------------------------------------------------------------------------
@pytest.fixture
def company(api: Api, platform: Platform) -> dict[str, Any]:
    """销售部 → 华东区 → 上海分公司, and 财务部; one person in each, and one in no department."""
    made = tree(
        api, "departments", [("销售部", None), ("华东区", "销售部"), ("上海分公司", "华东区"), ("财务部", None)]
    )
    people: dict[str, Any] = {"departments": made}
    for username, department in (("sales", "销售部"), ("east", "华东区"), ("shanghai", "上海分公司"),
                                 ("finance", "财务部"), ("nowhere", None)):  # fmt: skip
        values = {"department": made[department]} if department else {}
        people[username] = add_user(api, platform, username, locale="en", **values)
    return people


def test_an_announcement_to_departments_reaches_their_people_and_sub_departments_only(
    api: Api, company: dict[str, Any]
) -> None:
    east = company["departments"]["华东区"]
    created = ok(api.post("/api/v1/records/announcement", {
        "title": "华东区季度会议", "body": "<p>周五 <b>9:00</b></p><script>alert(1)</script>",
        "audience": "departments", "departments": str(east)}), 201)  # fmt: skip

    assert created["published_at"] is not None and created["audience_size"] == 2
    assert created["body"] == "<p>周五 <b>9:00</b></p>"  # cleaned
    for username, told in (("east", True), ("shanghai", True), ("sales", False), ("finance", False),
                           ("nowhere", False)):  # fmt: skip
        assert texts(company[username][1]) == (["New announcement: 华东区季度会议"] if told else []), username
    # everyone may read announcements (a bulletin board); the audience is whom it is pushed to
    assert ok(company["finance"][1].get(f"/api/v1/records/announcement/{created['id']}"))["title"] == "华东区季度会议"


def test_a_draft_notifies_nobody_until_published_and_then_the_whole_company_once(
    api: Api, company: dict[str, Any]
) -> None:
    draft = ok(api.post("/api/v1/records/announcement", {"title": "放假通知", "status": "draft"}), 201)
    assert draft.get("published_at") is None and texts(company["finance"][1]) == []
    published = ok(api.patch(f"/api/v1/records/announcement/{draft['id']}", {"status": "published", "version": 1}))
    assert published["audience_size"] == 5
    again = ok(api.patch(f"/api/v1/records/announcement/{draft['id']}", {"title": "放假通知（更新）",
                                                                        "version": published["version"]}))  # fmt: skip
    assert again["published_at"] == published["published_at"]
    for username in ("sales", "east", "shanghai", "finance", "nowhere"):
        assert texts(company[username][1]) == ["New announcement: 放假通知"], username


def test_an_announcement_typed_as_plain_text_keeps_its_lines(api: Api) -> None:
    created = ok(
        api.post("/api/v1/records/announcement", {"title": "T", "body": "第一行\n第二行 & 3 > 2\n\n新段落"}), 201
    )
    assert created["body"] == "<p>第一行<br>第二行 &amp; 3 &gt; 2</p><p>新段落</p>"


@pytest.mark.parametrize("departments", ["", "9999", "abc", "1,,x"])
def test_an_announcement_to_no_or_unknown_departments_is_refused(api: Api, departments: str) -> None:
    response = api.post("/api/v1/records/announcement", {"title": "T", "audience": "departments",
                                                         "departments": departments})  # fmt: skip
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "departments"


def test_read_receipts_count_who_has_read_and_only_the_author_and_administrators_see_them(
    api: Api, platform: Platform, company: dict[str, Any]
) -> None:
    author_id, author = add_user(api, platform, "author", locale="en")
    created = ok(author.post("/api/v1/records/announcement", {"title": "新版报价单"}), 201)
    receipts = f"/api/v1/notifications/announcements/{created['id']}/receipts"
    assert ok(author.get(receipts))["told"] == 6 and ok(author.get(receipts))["read"] == 0  # all but the author

    finance = company["finance"][1]
    [notice] = ok(finance.get("/api/v1/notifications"))["notifications"]
    ok(finance.post(f"/api/v1/notifications/{notice['id']}/read"))

    for reader in (author, api):
        answer = ok(reader.get(receipts))
        assert (answer["told"], answer["read"], answer["unread"]) == (6, 1, 5)
        assert answer["people"][0]["user"] == company["finance"][0] and answer["people"][0]["read_at"]
    assert finance.get(receipts).status_code == 403  # told, may read it, but it is not theirs to audit
    assert author.get("/api/v1/notifications/announcements/99999/receipts").status_code == 404
    assert author_id not in [person["user"] for person in ok(author.get(receipts))["people"]]


# -- birthdays ---------------------------------------------------------------------------------------------------
def test_birthdays_reach_each_owner_at_their_chosen_time_in_their_time_zone_once_a_year(
    api: Api, platform: Platform, clock: FakeClock
) -> None:
    # Shanghai (UTC+8), keeping 09:00; New York (UTC-4 in March), choosing 08:00
    li_id, li = add_user(api, platform, "li", locale="zh_CN", time_zone="Asia/Shanghai")
    amy_id, amy = add_user(api, platform, "amy", locale="en", time_zone="America/New_York")
    ok(put(amy, "/api/v1/notifications/preferences", {"birthday_time": "08:00"}))
    account = ok(li.post("/api/v1/records/account", {"name": "苏州恒信"}), 201)
    ok(li.post("/api/v1/records/contact", {"name": "陈静", "birthday": "1985-03-20", "account": account["id"]}), 201)
    ok(li.post("/api/v1/records/contact", {"name": "不是今天", "birthday": "1985-03-21"}), 201)
    ok(amy.post("/api/v1/records/contact", {"name": "Bob Smith", "birthday": "1979-03-20"}), 201)

    clock.set(datetime(2026, 3, 20, 0, 50, tzinfo=UTC))  # 08:50 in Shanghai; 19 March, 20:50 in New York
    birthdays.run(platform)
    assert texts(li) == [] and texts(amy) == []
    clock.set(datetime(2026, 3, 20, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    birthdays.run(platform)
    assert ok(li.get("/api/v1/notifications", headers={"Accept-Language": "zh-CN"}))["notifications"][0]["text"] \
        == "今天是 陈静（苏州恒信）的生日"  # fmt: skip
    assert texts(amy) == []  # still the 19th for Amy
    clock.set(datetime(2026, 3, 20, 11, 55, tzinfo=UTC))  # 07:55 in New York
    birthdays.run(platform)
    assert texts(amy) == []
    clock.set(datetime(2026, 3, 20, 12, 5, tzinfo=UTC))  # 08:05 in New York: the job runs every few minutes
    birthdays.run(platform)
    birthdays.run(platform)  # and twice changes nothing
    assert texts(amy) == ["Today is the birthday of Bob Smith"]
    assert len(texts(li)) == 1
    # the next day nobody is told again; next year, again
    clock.set(datetime(2026, 3, 21, 2, 0, tzinfo=UTC))
    birthdays.run(platform)
    assert len(texts(li)) == 2 and "不是今天" in texts(li)[0]
    clock.set(datetime(2027, 3, 20, 2, 0, tzinfo=UTC))
    birthdays.run(platform)
    assert len(texts(li)) == 3
    assert li_id != amy_id


def test_a_29_february_birthday_is_remembered_on_28_february_of_a_common_year(
    api: Api, platform: Platform, clock: FakeClock
) -> None:
    _li_id, li = add_user(api, platform, "li", locale="en", time_zone="Asia/Shanghai")
    ok(li.post("/api/v1/records/contact", {"name": "闰年生", "birthday": "1988-02-29"}), 201)
    clock.set(datetime(2026, 2, 28, 2, 0, tzinfo=UTC))
    birthdays.run(platform)
    assert texts(li) == ["Today is the birthday of 闰年生"]


def test_a_bad_birthday_time_is_refused(api: Api) -> None:
    response = put(api, "/api/v1/notifications/preferences", {"birthday_time": "9am"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "birthday_time"


# -- the pool's reclaim warning ----------------------------------------------------------------------------------
def test_the_pool_warns_the_owner_once_in_the_notification_centre(
    team: Team,  # noqa: F811 - the fixture imported above
    platform: Platform,
    clock: FakeClock,
) -> None:
    pool = new_pool(team, reclaim_days=7, warn_days=2)
    (lead,) = pooled(team, pool)
    claim(team.wang, pool, lead)
    clock.advance(days=5, hours=1)  # due in under two days
    assert pool_reclaim.run(platform) == 1
    [notice] = ok(team.wang.get("/api/v1/notifications", headers={"Accept-Language": "en"}))["notifications"]
    assert notice["kind"] == "pool_reclaim"
    assert notice["text"] == "客户0 returns to the pool 华东线索池 on 2026-03-25 unless you follow it up"
    assert notice["link"] == f"/records/lead/{lead}"
    assert pool_reclaim.run(platform) == 0
    assert len(ok(team.wang.get("/api/v1/notifications"))["notifications"]) == 1
    assert ok(team.zhao.get("/api/v1/notifications"))["notifications"] == []
