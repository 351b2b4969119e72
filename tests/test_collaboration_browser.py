"""Comments in a real browser: a rep mentions his manager through the @ type-ahead on an account's page, sees the
comment at the top of the timeline with the mention marked, is told before saving that a colleague of another
region cannot see the account, and finds the comment in his work circle; on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import DESKTOP, PHONE, SCREENSHOTS, LiveServer, open_page, screenshot, sign_in
from tests.test_activities_browser import owned_account

pytestmark = pytest.mark.xdist_group("browser")


def test_comment_with_a_mention_from_an_account_page(browser: Browser, server: LiveServer) -> None:
    account_id, name = owned_account(server, "zhaoliu")
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhaoliu")
    page.goto(f"/records/account/{account_id}")
    box = page.locator("#collab-box")
    text = box.get_by_role("combobox")
    text.click()
    text.press_sequentially("@周")
    people = box.locator("#collab-people")
    expect(people).to_be_visible()
    expect(people.locator(".collab-person", has_text="周八")).to_contain_text("无法查看此记录")  # North: not his
    text.press("Escape")
    text.fill("")
    text.press_sequentially("@张")
    manager = people.locator(".collab-person", has_text="张三")
    expect(manager).to_be_visible()
    expect(manager).not_to_contain_text("无法查看此记录")
    screenshot(page, "collaboration-type-ahead")
    manager.click()
    expect(text).to_have_value("@张三 ")
    text.press_sequentially("客户要求本周内给出分期付款方案，请审批")
    box.get_by_role("button", name="发表评论").click()

    first = page.locator("#activity-items .activity-comment").first  # upcoming events sort above it
    expect(first).to_contain_text("客户要求本周内给出分期付款方案")
    expect(first.locator(".mention")).to_have_text("@张三")
    expect(first.locator(".comment-author")).to_have_text("赵六")
    expect(page.locator("#collab-box .collab-following")).to_be_visible()  # commenting follows the record
    expect(text).to_have_value("")
    page.locator("#activity-timeline").get_by_role("group").get_by_role("button", name="评论").click()
    expect(page.locator("#activity-items .activity-call")).to_have_count(0)
    expect(page.locator("#activity-items .activity-comment").first).to_contain_text("分期付款方案，请审批")
    screenshot(page, "collaboration-comment-posted")
    page.locator("#activity-timeline").screenshot(path=str(SCREENSHOTS / "collaboration-timeline-card.png"))

    # Answering the manager's reply of the demo: the reply names him and is marked as an answer.
    page.locator("#activity-items .activity-comment", has_text="先按三期报").get_by_role("button", name="回复").click()
    expect(page.locator("#collab-box .collab-replying")).to_contain_text("回复 张三")
    expect(text).to_have_value("@张三 ")
    text.press_sequentially("好的，今天发给客户")
    box.get_by_role("button", name="发表评论").click()
    answer = page.locator("#activity-items .activity-comment").first
    expect(answer).to_contain_text("好的，今天发给客户")
    expect(answer.locator(".comment-reply")).to_have_text("↪ 回复 张三")

    # A mention typed by hand of someone who cannot see the account is refused, naming them; nothing is saved.
    text.fill("@zhouba 帮忙看看")
    box.get_by_role("button", name="发表评论").click()
    expect(page.locator("#collab-box .collab-error")).to_have_text("周八 无法查看此记录。")
    expect(page.locator("#collab-box").get_by_role("combobox")).to_have_value("@zhouba 帮忙看看")

    page.goto("/collaboration/feed")
    expect(page.locator(".feed-list .activity-comment").first).to_contain_text(name)
    # the demo's conversation: his manager's answer on a followed account, and the director's post
    expect(page.locator(".feed-list")).to_contain_text("先按三期报")
    expect(page.locator(".feed-list")).to_contain_text("本季度还剩三周")
    screenshot(page, "collaboration-feed")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto(f"/records/account/{account_id}")
    expect(phone.locator("#activity-items .activity-comment", has_text="请审批")).to_be_visible()
    phone.locator("#activity-timeline").screenshot(path=str(SCREENSHOTS / "collaboration-timeline-card-phone.png"))
    phone.goto("/collaboration/feed")
    screenshot(phone, "collaboration-feed-phone")
