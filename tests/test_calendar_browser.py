"""The calendar in a real browser: a salesperson opens their week, drags a meeting to another day and time, reloads
and finds it there; the month view, a manager's team overlay, and the phone's list and day views."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def user_id(server: LiveServer, username: str) -> int:
    with server.platform.db.read() as connection:
        return int(connection.execute(select(users.c.id).where(users.c.username == username)).scalar_one())


def next_monday() -> date:
    today = datetime.now(SHANGHAI).date()
    return today + timedelta(days=7 - today.weekday())


def test_drag_an_event_to_another_day_and_time_and_it_stays(browser: Browser, server: LiveServer) -> None:
    monday = next_monday()
    tuesday, thursday = monday + timedelta(days=1), monday + timedelta(days=3)
    rep = Actor(user_id(server, "zhaoliu"))
    start = datetime.combine(tuesday, time(10, 0), tzinfo=SHANGHAI)
    meeting = server.platform.records.create(rep, "event", {
        "subject": "拜访恒信 · 方案演示", "kind": "visit", "start_at": start, "end_at": start + timedelta(hours=1),
        "location": "苏州工业园区星湖街 328 号"})  # fmt: skip
    server.platform.records.create(rep, "event", {
        "subject": "部门周会", "start_at": datetime.combine(monday, time(9, 0), tzinfo=SHANGHAI),
        "end_at": datetime.combine(monday, time(9, 30), tzinfo=SHANGHAI), "recurrence": "FREQ=WEEKLY;BYDAY=MO"})  # fmt: skip
    server.platform.records.create(rep, "task", {
        "subject": "给王总发报价", "due_at": datetime.combine(thursday, time(17, 0), tzinfo=SHANGHAI)})  # fmt: skip

    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhaoliu")
    page.goto(f"/activities/calendar?view=week&date={monday.isoformat()}")
    grid = page.locator("[data-cal-grid]")
    item = grid.locator(f'.cal-event[data-id="{meeting["id"]}"]')
    expect(item).to_contain_text("10:00–11:00")
    expect(grid.locator(f'[data-drop-time="{tuesday.isoformat()}"]')).to_contain_text("拜访恒信")
    weekly = grid.locator(".cal-event", has_text="部门周会")
    expect(weekly).to_have_attribute("data-occurrence", re.compile(r"^\d{8}T\d{6}Z$"))  # one of a series
    screenshot(page, "calendar-week")

    # drag it to Thursday 15:00: the pointer holds the item at its middle (half an hour below its top)
    column = grid.locator(f'[data-drop-time="{thursday.isoformat()}"]')
    hour = column.bounding_box()["height"] / 24  # type: ignore[index]
    item.drag_to(column, target_position={"x": 20, "y": 15 * hour + item.bounding_box()["height"] / 2})  # type: ignore[index]
    expect(page.locator("#calendar-message")).to_contain_text(f"已移到 {thursday.isoformat()} 15:00")

    page.reload()
    moved = page.locator(f'[data-drop-time="{thursday.isoformat()}"] .cal-event[data-id="{meeting["id"]}"]')
    expect(moved).to_contain_text("15:00–16:00")
    expect(page.locator(f'[data-drop-time="{tuesday.isoformat()}"]')).not_to_contain_text("拜访恒信")
    stored = server.platform.records.get(rep, "event", meeting["id"]).values
    assert stored["start_at"] == datetime.combine(thursday, time(15, 0), tzinfo=SHANGHAI)
    assert stored["end_at"] - stored["start_at"] == timedelta(hours=1)
    screenshot(page, "calendar-week-after-drag")

    # this Monday's meeting of the weekly series moves alone, to Wednesday 11:00
    wednesday = grid.locator(f'[data-drop-time="{(monday + timedelta(days=2)).isoformat()}"]')
    weekly.drag_to(wednesday, target_position={"x": 20, "y": 11 * hour + weekly.bounding_box()["height"] / 2})  # type: ignore[index]
    expect(page.locator("#calendar-message")).to_contain_text(
        f"仅这一次的部门周会已移到 {(monday + timedelta(days=2)).isoformat()} 11:00"
    )
    expect(wednesday.locator(".cal-event", has_text="部门周会")).to_contain_text("11:00–11:30")
    expect(grid.locator(f'[data-drop-time="{monday.isoformat()}"]')).not_to_contain_text("部门周会")

    # a task dropped on another day's top strip keeps its time of day
    task = page.locator("[data-cal-grid] .cal-chip.is-task", has_text="给王总发报价")
    task.drag_to(page.locator(f'.cal-top[data-drop-day="{(thursday + timedelta(days=1)).isoformat()}"]'))
    expect(page.locator("#calendar-message")).to_contain_text(f"{(thursday + timedelta(days=1)).isoformat()} 17:00")

    # the month: every Monday has the weekly meeting
    page.goto(f"/activities/calendar?view=month&date={monday.isoformat()}")
    expect(page.locator(".cal-month .cal-chip", has_text="部门周会").first).to_be_visible()
    assert page.locator(".cal-month .cal-chip", has_text="部门周会").count() >= 4
    screenshot(page, "calendar-month")

    # a click on an empty slot opens the new event form at that time
    page.goto(f"/activities/calendar?view=day&date={monday.isoformat()}")
    slot = page.locator(f'[data-drop-time="{monday.isoformat()}"]')
    slot.click(position={"x": 100, "y": 14 * slot.bounding_box()["height"] / 24 + 5})  # type: ignore[index]
    page.wait_for_url(re.compile(r"/records/event/new\?"))
    expect(page.locator("#f-start_at")).to_have_value(f"{monday.isoformat()}T14:00")
    expect(page.locator("#f-end_at")).to_have_value(f"{monday.isoformat()}T15:00")


def test_a_manager_overlays_the_team_and_a_phone_gets_a_list(browser: Browser, server: LiveServer) -> None:
    monday = next_monday()
    rep = Actor(user_id(server, "zhaoliu"))
    server.platform.records.create(rep, "event", {
        "subject": "赵六的客户拜访", "start_at": datetime.combine(monday + timedelta(days=2), time(14, 0), tzinfo=SHANGHAI),
        "end_at": datetime.combine(monday + timedelta(days=2), time(15, 30), tzinfo=SHANGHAI)})  # fmt: skip
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhangsan")  # the East region manager, above zhaoliu
    page.goto(f"/activities/calendar?view=week&date={monday.isoformat()}")
    page.get_by_role("button", name="显示同事的日历").click()
    page.locator(".cal-people label", has_text="赵六").locator("input").check()
    page.locator(".cal-people").get_by_role("button", name="显示").click()
    expect(page.locator("[data-cal-grid] .cal-event", has_text="赵六的客户拜访")).to_be_visible()
    screenshot(page, "calendar-week-team")
    # the same page in English
    choose = "document.querySelector(\"form[action='/language'] button[value='%s']\").click()"
    with page.expect_navigation():
        page.evaluate(choose % "en")
    expect(page.get_by_role("link", name="Week view")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-cal-grid] .cal-event", has_text="赵六的客户拜访")).to_be_visible()
    expect(page.locator(".cal-feed summary")).to_have_text("Subscribe on your phone (.ics)")
    screenshot(page, "calendar-week-team-en")
    with page.expect_navigation():
        page.evaluate(choose % "zh_CN")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto(f"/activities/calendar?date={monday.isoformat()}")
    agenda = phone.locator(".cal-agenda")
    expect(agenda).to_be_visible()
    expect(agenda).to_contain_text("赵六的客户拜访")
    expect(phone.locator("[data-cal-grid]")).to_be_hidden()
    screenshot(phone, "calendar-phone-week")
    phone.goto(f"/activities/calendar?view=day&date={(monday + timedelta(days=2)).isoformat()}")
    expect(phone.locator(".cal-event", has_text="赵六的客户拜访")).to_be_visible()
    screenshot(phone, "calendar-phone-day")
    phone.goto("/")
    expect(phone.locator(".activity-home").get_by_role("link", name="日历")).to_be_visible()
