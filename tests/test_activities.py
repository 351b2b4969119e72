"""Activities: the last-contact roll-up (forward only, every relation, whatever the writer may edit), notes cleaned
of scripts, the account filled in from a contact or opportunity, and task actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huitong.engine.errors import HuitongError
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules.activities import events_job, task_actions
from huitong.modules.activities.task_actions import postponed_until
from tests.conftest import ADMIN_PASSWORD, Api, FakeClock
from tests.security_fixtures import add_user, set_default
from tests.test_activities_pages import signed_in
from tests.test_sales_leads import created, read

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = "2026-03-18T02:00:00Z"  # the clock fixture: a Wednesday, 10:00 in Shanghai


@pytest.fixture
def customer(api: Api) -> dict[str, int]:
    """An account with a contact and an opportunity, and a lead, all the administrator's."""
    account = created(api, "account", {"name": "苏州恒信精密机械有限公司", "level": "A"})
    contact = created(api, "contact", {"name": "王建国", "account": account["id"], "mobile": "139 1234 5678"})
    opportunity = created(api, "opportunity", {"name": "恒信 数控设备采购", "account": account["id"]})
    lead = created(api, "lead", {"name": "李娜", "company": "杭州云启科技"})
    return {"account": account["id"], "contact": contact["id"], "opportunity": opportunity["id"], "lead": lead["id"]}


def last_contact(api: Api, ids: dict[str, int]) -> dict[str, Any]:
    fields = {"lead": "last_follow_up_at", "account": "last_contacted_at", "contact": "last_contacted_at",
              "opportunity": "last_activity_at"}  # fmt: skip
    return {name: read(api, name, record_id)[fields[name]] for name, record_id in ids.items()}


# -- roll-up -----------------------------------------------------------------------------------------------------
def test_a_logged_call_moves_last_contact_on_every_record_it_is_about(api: Api, customer: dict[str, int]) -> None:
    # Given a call about the contact and the opportunity (not naming the account)
    call = created(api, "call", {"contact": customer["contact"], "opportunity": customer["opportunity"],
                                 "phone": "139 1234 5678", "started_at": "2026-03-17T06:30:00Z", "duration_seconds": 300})  # fmt: skip
    # Then the account is filled in from them, the call is named, and each record's last contact is the call's time
    assert call["account"] == customer["account"]
    assert call["subject"] == "Outbound 139 1234 5678"
    assert last_contact(api, customer) == {
        "account": "2026-03-17T06:30:00Z", "contact": "2026-03-17T06:30:00Z",
        "opportunity": "2026-03-17T06:30:00Z", "lead": None,
    }  # fmt: skip
    # and the account's next visit is due one cycle (A: a week) after it
    assert read(api, "account", customer["account"])["next_visit_due"] == "2026-03-24"

    # When a note is written about the lead
    created(api, "note", {"lead": customer["lead"], "body": "<p>电话沟通，下周拜访</p>"})
    # Then the lead's last follow-up is now
    assert read(api, "lead", customer["lead"])["last_follow_up_at"] == NOW


def test_last_contact_only_moves_forward_and_never_into_the_future(api: Api, customer: dict[str, int]) -> None:
    about = {"account": customer["account"]}
    created(api, "call", {**about, "started_at": "2026-03-16T08:00:00Z"})
    # an older call logged late leaves the newer contact as it is
    created(api, "call", {**about, "started_at": "2026-03-02T08:00:00Z"})
    assert read(api, "account", customer["account"])["last_contacted_at"] == "2026-03-16T08:00:00Z"
    # a call dated tomorrow and an event that has not happened are no contact yet
    created(api, "call", {**about, "started_at": "2026-03-19T08:00:00Z"})
    created(api, "event", {**about, "subject": "拜访", "kind": "visit", "start_at": "2026-03-20T01:00:00Z"})
    assert read(api, "account", customer["account"])["last_contacted_at"] == "2026-03-16T08:00:00Z"


def test_a_task_counts_once_completed_and_a_visit_once_checked_in(
    api: Api, customer: dict[str, int], clock: FakeClock
) -> None:
    about = {"opportunity": customer["opportunity"]}
    task = created(api, "task", {**about, "subject": "发报价单", "due_at": "2026-03-18T09:00:00Z"})
    assert (task["status"], task.get("completed_at"), task["account"]) == ("open", None, customer["account"])
    assert read(api, "opportunity", customer["opportunity"])["last_activity_at"] is None

    clock.advance(hours=1)
    done = api.patch(f"/api/v1/records/task/{task['id']}", {"status": "completed", "version": task["version"]}).json()
    assert done["completed_at"] == "2026-03-18T03:00:00Z"
    assert last_contact(api, {"opportunity": customer["opportunity"], "account": customer["account"]}) == {
        "opportunity": "2026-03-18T03:00:00Z", "account": "2026-03-18T03:00:00Z"}  # fmt: skip
    reopened = api.patch(f"/api/v1/records/task/{task['id']}", {"status": "open", "version": done["version"]}).json()
    assert reopened.get("completed_at") is None

    clock.advance(hours=2)
    visit = created(api, "event", {"subject": "上门拜访", "kind": "visit", "contact": customer["contact"],
                                   "start_at": "2026-03-19T01:00:00Z", "check_in_at": "2026-03-18T04:40:00Z",
                                   "check_in_latitude": "31.298886", "check_in_longitude": "120.585316",
                                   "check_in_address": "苏州工业园区星湖街 328 号"})  # fmt: skip
    assert visit["account"] == customer["account"]
    assert read(api, "contact", customer["contact"])["last_contacted_at"] == "2026-03-18T04:40:00Z"
    refused = api.patch(f"/api/v1/records/event/{visit['id']}",
                        {"check_out_at": "2026-03-18T04:00:00Z", "version": visit["version"]})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "check_out_at"


def test_a_rep_who_may_only_read_an_account_still_moves_its_last_contact(
    api: Api, platform: Platform, customer: dict[str, int]
) -> None:
    # Given accounts everyone may read but only their owner edit, and a rep who is not the owner
    set_default(api, "account", "read")
    _rep_id, rep = add_user(api, platform, "zhaoliu")
    version = read(api, "account", customer["account"])["version"]
    refused = rep.patch(f"/api/v1/records/account/{customer['account']}", {"level": "B", "version": version})
    assert refused.status_code == 403
    # When the rep logs a call on it
    response = rep.post("/api/v1/records/call", {"account": customer["account"], "outcome": "connected"})
    assert response.status_code == 201, response.text
    # Then its last contact moved all the same (a side effect of the call, not the rep's edit of the account)
    account = read(api, "account", customer["account"])
    assert (account["last_contacted_at"], account["level"]) == (NOW, "A")


def test_an_account_the_writer_may_not_read_is_not_filled_in(api: Api, platform: Platform) -> None:
    # A contact shared with nobody but whose account the rep may not read: the call keeps to what the rep sees
    set_default(api, "contact", "read")
    _rep_id, rep = add_user(api, platform, "sunqi")
    account = created(api, "account", {"name": "深圳鑫达电子"})
    contact = created(api, "contact", {"name": "陈敏", "account": account["id"]})
    response = rep.post("/api/v1/records/call", {"contact": contact["id"]})
    assert response.status_code == 201, response.text
    assert response.json().get("account") is None
    assert read(api, "contact", contact["id"])["last_contacted_at"] == NOW


def test_a_converted_lead_is_left_as_it_was(api: Api, customer: dict[str, int]) -> None:
    lead = created(api, "lead", {"name": "周杰", "company": "青岛海达物流"})
    converted = api.post(f"/api/v1/sales/leads/{lead['id']}/convert", {"account": None, "contact": None})
    assert converted.status_code == 200, converted.text
    assert created(api, "note", {"lead": lead["id"], "body": "转化后的备注"})["lead"] == lead["id"]
    assert read(api, "lead", lead["id"])["last_follow_up_at"] is None


# -- notes -------------------------------------------------------------------------------------------------------
def test_a_note_is_cleaned_of_scripts_and_handlers_and_keeps_its_formatting(api: Api) -> None:
    body = ('<p onclick="steal()">客户<b>很关注</b>交期<script>alert(1)</script></p>'
            '<ul><li><a href="javascript:alert(2)">报价</a></li><li><a href="https://example.cn/q">方案</a></li></ul>'
            '<img src=x onerror="alert(3)"><style>p{}</style>')  # fmt: skip
    note = created(api, "note", {"body": body})
    cleaned = note["body"]
    for gone in ("<script", "onclick", "onerror", "javascript:", "<style", "alert"):
        assert gone not in cleaned
    for kept in ("<p>", "<b>很关注</b>", "<ul>", "<li>", 'href="https://example.cn/q"'):
        assert kept in cleaned
    assert note["title"] == "客户很关注交期 报价 方案"
    changed = api.patch(f"/api/v1/records/note/{note['id']}",
                        {"body": "<i>ok</i><iframe src='https://evil.example'></iframe>", "version": note["version"]})  # fmt: skip
    assert changed.json()["body"] == "<i>ok</i>"


def test_a_note_typed_as_plain_text_keeps_its_lines_and_its_angle_brackets(api: Api) -> None:
    note = created(api, "note", {"body": "报价 a < b，需确认\n下周二拜访\n\n带样品"})
    assert note["body"] == "<p>报价 a &lt; b，需确认<br>下周二拜访</p><p>带样品</p>"
    assert note["title"] == "报价 a < b，需确认 下周二拜访 带样品"


# -- task actions ------------------------------------------------------------------------------------------------
def test_postponing_moves_the_due_time_and_its_reminder(api: Api, platform: Platform, admin: Actor) -> None:
    task = created(api, "task", {"subject": "回访", "due_at": "2026-03-17T07:00:00Z",
                                 "reminder_at": "2026-03-17T06:30:00Z"})  # fmt: skip
    # overdue: an hour from now, not from the old due time
    later = task_actions.postpone(platform, admin, task["id"], "hour", SHANGHAI)
    assert later["due_at"] == datetime(2026, 3, 18, 3, 0, tzinfo=UTC)
    assert later["reminder_at"] == datetime(2026, 3, 18, 2, 30, tzinfo=UTC)
    # tomorrow at the same time of day, in the user's zone
    tomorrow = task_actions.postpone(platform, admin, task["id"], "tomorrow", SHANGHAI)
    assert tomorrow["due_at"] == datetime(2026, 3, 19, 11, 0, tzinfo=SHANGHAI)
    week = task_actions.postpone(platform, admin, task["id"], "next_week", SHANGHAI)
    assert week["due_at"] == datetime(2026, 3, 25, 11, 0, tzinfo=SHANGHAI)


def test_postponing_without_a_due_time_starts_the_morning() -> None:
    now = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
    assert postponed_until(None, "tomorrow", now, SHANGHAI, None) == datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(HuitongError) as refused:
        postponed_until(None, "someday", now, SHANGHAI, None)
    assert [error.field for error in refused.value.errors] == ["by"]


def test_completing_a_task_stamps_it_and_rolls_up(api: Api, platform: Platform, admin: Actor,
                                                  customer: dict[str, int]) -> None:  # fmt: skip
    task = created(api, "task", {"subject": "确认需求", "contact": customer["contact"]})
    done = task_actions.complete(platform, admin, task["id"])
    assert (done["status"], done["completed_at"]) == ("completed", datetime(2026, 3, 18, 2, 0, tzinfo=UTC))
    assert read(api, "contact", customer["contact"])["last_contacted_at"] == NOW
    with pytest.raises(Exception, match="already"):
        task_actions.complete(platform, admin, task["id"])
    with pytest.raises(Exception, match="open task"):
        task_actions.postpone(platform, admin, task["id"], "hour", SHANGHAI)


def test_following_up_prefills_the_next_task_or_event(customer: dict[str, int]) -> None:
    task = {"subject": "发报价单", "priority": "high", "account": customer["account"], "contact": None,
            "opportunity": customer["opportunity"]}  # fmt: skip
    address = task_actions.follow_up_address(task)
    assert address.startswith("/records/task/new?")
    assert f"account={customer['account']}" in address and f"opportunity={customer['opportunity']}" in address
    assert "contact=" not in address and "priority=high" in address and "subject=Follow+up" in address
    assert task_actions.follow_up_address(task, "event").startswith("/records/event/new?")


def test_an_attendee_is_a_colleague_or_a_contact(api: Api, customer: dict[str, int], admin_id: int) -> None:
    event = created(api, "event", {"subject": "方案交流会", "start_at": "2026-03-20T02:00:00Z"})
    colleague = created(api, "event_attendee", {"event": event["id"], "user": admin_id})
    assert colleague["name"] == "管理员"
    contact = created(api, "event_attendee", {"event": event["id"], "contact": customer["contact"]})
    assert contact["name"] == "王建国"
    refused = api.post("/api/v1/records/event_attendee", {"event": event["id"]})
    assert refused.status_code == 422


def test_an_event_rolls_up_once_it_is_over_through_the_periodic_job(
    api: Api, platform: Platform, customer: dict[str, int], clock: FakeClock
) -> None:
    # Given a meeting this afternoon: planned, no contact yet
    created(api, "event", {"subject": "方案交流会", "opportunity": customer["opportunity"],
                           "start_at": "2026-03-18T06:00:00Z", "end_at": "2026-03-18T07:30:00Z"})  # fmt: skip
    assert events_job.run(platform) == 0
    # When the day goes by and the job runs (twice: two workers)
    clock.advance(hours=8)
    assert events_job.run(platform) == 2  # the opportunity and its account
    assert events_job.run(platform) == 0
    # Then the opportunity and its account were last contacted when the meeting ended
    assert last_contact(api, {"opportunity": customer["opportunity"], "account": customer["account"]}) == {
        "opportunity": "2026-03-18T07:30:00Z", "account": "2026-03-18T07:30:00Z"}  # fmt: skip


def test_a_repeating_event_keeps_its_rule_in_rrule_form(api: Api) -> None:
    event = created(api, "event", {"subject": "周例会", "start_at": "2026-03-23T01:00:00Z",
                                   "recurrence": "rrule:freq=weekly;byday=mo;count=10"})  # fmt: skip
    assert event["recurrence"] == "FREQ=WEEKLY;BYDAY=MO;COUNT=10"
    refused = api.post("/api/v1/records/event", {"subject": "乱写", "start_at": "2026-03-23T01:00:00Z",
                                                 "recurrence": "every monday"})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "invalid_rule"


def test_a_logged_email_counts_as_a_contact_and_shows_on_the_timeline(api: Api, customer: dict[str, int]) -> None:
    # Given an email received from the contact yesterday, logged without a subject
    body = "王经理您好，报价单已收到，我们内部评估后下周回复。\n谢谢"
    message = created(api, "message", {"contact": customer["contact"], "channel": "email", "direction": "inbound",
                                       "from_address": "wang@hengxin.example", "to_addresses": "me@huitong.example",
                                       "sent_at": "2026-03-17T01:00:00Z", "body": body})  # fmt: skip
    # Then it is named by its first words, placed on the account too, and it is the contact's last contact
    assert message["subject"].startswith("王经理您好，报价单已收到") and message["account"] == customer["account"]
    assert read(api, "contact", customer["contact"])["last_contacted_at"] == "2026-03-17T01:00:00Z"
    assert read(api, "account", customer["account"])["last_contacted_at"] == "2026-03-17T01:00:00Z"
    # and an SMS logged with no time was sent now
    sms = created(api, "message", {"lead": customer["lead"], "channel": "sms", "to_addresses": "139 1234 5678",
                                   "body": "明天下午三点拜访，烦请确认。"})  # fmt: skip
    assert sms["sent_at"] == NOW and read(api, "lead", customer["lead"])["last_follow_up_at"] == NOW
    # and the contact's timeline lists it under its own filter, with its channel and what it said
    browser = signed_in(api.client.app, "admin", ADMIN_PASSWORD)
    timeline = browser.get(f"/activities/timeline/contact/{customer['contact']}?kind=message").text
    assert "报价单已收到" in timeline and "activity-message" in timeline and "明天下午三点" not in timeline
