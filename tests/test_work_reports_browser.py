"""Work reports in a real browser: a sales rep writes and submits today's daily report from a phone; their region
manager sees it in the team view on a desktop and reviews it; the rep reads the review. Screenshots of each step at
desktop and phone widths go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def test_write_submit_and_review_a_daily_report(browser: Browser, server: LiveServer) -> None:
    # the rep, on a phone: the form opens with today's numbers; a minute of writing and it is sent
    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto("/work-reports")
    screenshot(phone, "work-reports-mine-phone")
    phone.get_by_role("link", name="写日报").click()
    expect(phone.locator("[data-number=calls]")).to_be_visible()
    # one tap puts the day's activities (the demo gave Zhao Liu a note today) into the summary, to edit
    phone.get_by_role("button", name="填入活动").click()
    expect(phone.get_by_label("工作总结")).to_have_value(re.compile("跟进记录："))
    phone.get_by_label("工作总结").fill("上午拜访南京新百，确认了 20 台设备的需求；下午整理报价。")
    phone.get_by_label("问题与需要的支持").fill("报价需要经理审批折扣。")
    phone.get_by_label("下一步计划").fill("周五前把方案发给客户。")
    screenshot(phone, "work-reports-new-daily-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("h1")).to_contain_text("已提交")
    expect(phone.locator(".report-text").first).to_contain_text("南京新百")
    report_url = phone.url
    screenshot(phone, "work-reports-submitted-phone")

    # the region manager, on a desktop: the team view of the day shows the report, then the manager reviews it
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhangsan")
    page.get_by_role("link", name="团队报告").first.click()
    row = page.locator(".team-reports tbody tr", has=page.get_by_role("link", name="赵六"))
    expect(row).to_contain_text("已提交")
    expect(page.locator(".team-reports tbody tr", has_text="孙七")).to_contain_text("未提交")
    screenshot(page, "work-reports-team")
    # last week, from the demo company: everyone wrote their weekly report
    page.get_by_role("link", name="周报").click()
    page.get_by_role("link", name="上一期").click()
    expect(page.locator(".team-reports tbody tr", has_text="孙七")).to_contain_text("已提交")
    screenshot(page, "work-reports-team-last-week")
    page.goto("/work-reports/team")
    row = page.locator(".team-reports tbody tr", has=page.get_by_role("link", name="赵六"))
    row.get_by_role("link", name="赵六").click()
    page.get_by_label("批阅意见").fill("折扣可以给到九五折，周五前发出。")
    page.get_by_role("button", name="发送").click()
    expect(page.locator("#comments")).to_contain_text("九五折")
    page.evaluate("window.scrollTo(0, 0)")  # the full-page shot is taken from the top, not the comments' anchor
    screenshot(page, "work-reports-reviewed")

    team_phone = open_page(browser, server, PHONE["width"])
    sign_in(team_phone, "zhangsan")
    team_phone.goto("/work-reports/team")
    expect(team_phone.locator(".team-reports")).to_contain_text("赵六")
    screenshot(team_phone, "work-reports-team-phone")

    # back on the phone, the rep reads the review
    phone.goto(report_url)
    expect(phone.locator("#comments")).to_contain_text(re.compile("九五折"))
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "work-reports-review-phone")
