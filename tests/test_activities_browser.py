"""Activities in a real browser: a salesperson logs a call from an account's page and sees it at the top of the
timeline; plans the day from the home page and completes a task there, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from huitong.engine.system_tables import users
from tests.browser import DESKTOP, PHONE, SCREENSHOTS, LiveServer, open_page, screenshot, sign_in, watch_scripts

pytestmark = pytest.mark.xdist_group("browser")


def owned_account(server: LiveServer, username: str) -> tuple[int, str]:
    """One of ``username``'s demo accounts that has a contact."""
    platform = server.platform
    with platform.db.read() as connection:
        owner = connection.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        schema = platform.cache.current(connection)
        accounts, contacts = schema.table("account"), schema.table("contact")
        row = connection.execute(
            select(accounts.c.id, accounts.c.name)
            .join(contacts, contacts.c.account == accounts.c.id)
            .where(accounts.c.owner == owner, accounts.c.deleted_at.is_(None))
            .order_by(accounts.c.id)
            .limit(1)
        ).one()
    return int(row.id), str(row.name)


def test_log_a_call_from_an_account_page(browser: Browser, server: LiveServer) -> None:
    account_id, name = owned_account(server, "zhaoliu")
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhaoliu")
    page.goto(f"/records/account/{account_id}")
    timeline = page.locator("#activity-timeline")
    expect(timeline.get_by_role("heading", name="活动记录")).to_be_visible()
    screenshot(page, "activities-account-timeline")

    timeline.get_by_role("link", name="记录通话").click()
    page.wait_for_url(re.compile(r"/records/call/new\?"))
    expect(page.locator(".ts-control").filter(has_text=name).first).to_be_visible()  # the account, by name
    page.locator("#f-outcome").select_option("connected")
    page.locator("#f-duration_seconds").fill("420")
    page.locator("#f-notes").fill("客户确认下周三来公司参观，需准备演示环境")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/records/account/{account_id}$"))  # back where the call was logged from

    first = page.locator("#activity-items .activity-call").first  # upcoming tasks and events sort above it
    expect(first).to_contain_text("客户确认下周三来公司参观")
    expect(first).to_contain_text("7 分 0 秒")
    page.locator("#activity-timeline").get_by_role("button", name="通话记录").click()
    expect(page.locator("#activity-items .activity-item").first).to_contain_text("呼出")
    expect(page.locator("#activity-items .activity-note")).to_have_count(0)
    screenshot(page, "activities-call-logged")
    page.locator("#activity-timeline").screenshot(path=str(SCREENSHOTS / "activities-timeline-card.png"))
    last = page.locator(".detail-grid > div", has_text="最后联系时间").first
    expect(last).not_to_contain_text("—")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto(f"/records/account/{account_id}")
    phone.locator("#activity-timeline").screenshot(path=str(SCREENSHOTS / "activities-timeline-card-phone.png"))


def test_complete_and_postpone_tasks_from_home(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "sunqi")
    day = page.locator(".activity-home")
    expect(day.get_by_role("heading", name="我的今日")).to_be_visible()
    expect(day).to_contain_text("已逾期")
    expect(day).to_contain_text("今日日程")
    screenshot(page, "activities-home")
    day.screenshot(path=str(SCREENSHOTS / "activities-home-card.png"))

    task = day.locator(".activity-task:not(.is-done)").first
    subject = task.locator(".activity-title").inner_text()
    task_id = task.get_attribute("data-task")
    task.locator(".task-complete").click()
    done = day.locator(f"#task-{task_id}")
    expect(done).to_have_class(re.compile("is-done"))
    expect(done).to_contain_text(subject)

    later = day.locator(".activity-task:not(.is-done)").first
    later_id = later.get_attribute("data-task")
    later.locator(".task-menu").click()
    later.get_by_role("button", name="延到明天").click()
    expect(day.locator(f"#task-{later_id} .task-note")).to_have_text("已延期。")
    expect(day.locator(f"#task-{later_id}")).not_to_contain_text("已逾期")
    screenshot(page, "activities-home-after")

    gone = day.locator(".activity-task:not(.is-done)").last
    gone_id = gone.get_attribute("data-task")
    gone.locator(".task-menu").click()
    page.once("dialog", lambda dialog: dialog.accept())
    gone.get_by_role("button", name="删除").click()
    expect(day.locator(f"#task-{gone_id}")).to_have_count(0)

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "sunqi")
    expect(phone.locator(".activity-home")).to_be_visible()
    screenshot(phone, "activities-home-phone")
    phone.reload()
    expect(phone.locator(f"#task-{task_id}")).to_have_count(0)  # completed: no longer due


def test_check_in_to_a_visit_from_a_phone(browser: Browser, server: LiveServer) -> None:
    platform = server.platform
    with platform.db.read() as connection:
        owner = connection.execute(select(users.c.id).where(users.c.username == "zhouba")).scalar_one()
        events = platform.cache.current(connection).table("event")
        visit = connection.execute(
            select(events.c.id).where(events.c.owner == owner, events.c.kind == "visit", events.c.check_in_at.is_(None))
        ).scalar()
    assert visit is not None
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=server.url, permissions=["geolocation"],
                                  geolocation={"latitude": 39.9042, "longitude": 116.4074})  # fmt: skip
    phone = watch_scripts(context.new_page())
    phone.set_default_timeout(10_000)
    sign_in(phone, "zhouba")
    phone.goto(f"/records/event/{visit}")
    panel = phone.locator(".visit-panel")
    expect(panel.get_by_role("heading", name="拜访签到")).to_be_visible()
    panel.locator("#visit-address").fill("北京市朝阳区建国路 88 号")
    screenshot(phone, "activities-visit-check-in-phone")
    panel.get_by_role("button", name="立即签到").click()
    expect(phone.locator(".visit-checked-in")).to_be_visible()
    expect(phone.locator(".visit-location")).to_have_text("39.904200, 116.407400")
    panel.screenshot(path=str(SCREENSHOTS / "activities-visit-checked-in-phone.png"))
    phone.get_by_role("button", name="签退").click()
    expect(phone.locator(".visit-panel")).to_contain_text("签退时间")
    context.close()

    # the north region's manager sees it among the team's visits of the day
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "lisi")
    page.get_by_role("link", name="每日拜访").click()
    page.get_by_role("link", name="我的团队").click()
    row = page.locator(".visits-table tr", has=page.locator(f"a[href='/records/event/{visit}']"))
    expect(row).to_contain_text("北京市朝阳区建国路 88 号")
    expect(row).to_contain_text("周八")
    screenshot(page, "activities-team-visits")


def test_write_a_formatted_note_on_a_phone(browser: Browser, server: LiveServer) -> None:
    account_id, _name = owned_account(server, "zhaoliu")
    page = open_page(browser, server, PHONE["width"])
    sign_in(page, "zhaoliu")
    page.goto(f"/records/account/{account_id}")
    page.locator("#activity-timeline .activity-new-note").click()
    page.wait_for_url(re.compile(r"/records/note/new\?"))
    editor = page.locator("[data-rich-editor] .rich-editor-area")
    editor.click()
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("交期是关键")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.press("Enter")
    page.keyboard.type("下周送样<script>")
    screenshot(page, "activities-note-editor-phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/records/account/{account_id}$"))

    note = page.locator("#activity-items .activity-note").first
    expect(note.locator("b, strong").first).to_have_text("交期是关键")
    expect(note).to_contain_text("下周送样<script>")  # typed text, shown as text
    screenshot(page, "activities-note-written-phone")
