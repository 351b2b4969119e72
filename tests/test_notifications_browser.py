"""The bell in a real browser: its count goes up by itself (server-sent events) when a colleague publishes an
announcement while the page is open; the menu and the list open it and mark it read; on a desktop and a phone."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from huitong.engine.security.users import create_token
from huitong.engine.system_tables import users
from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def admin_token(server: LiveServer) -> str:
    with server.platform.db.write() as connection:
        admin_id = connection.execute(select(users.c.id).where(users.c.username == "admin")).scalar_one()
        return create_token(connection, int(admin_id), "browser test")


def announce(server: LiveServer, title: str) -> int:
    """An announcement to the whole company, through the API, as the administrator."""
    response = httpx.post(f"{server.url}/api/v1/records/announcement", json={"title": title, "body": "<p>请准时参加</p>"},
                          headers={"Authorization": f"Bearer {admin_token(server)}"}, timeout=30)  # fmt: skip
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def live_count(page: Page) -> int:
    """The bell's count once the stream has given it."""
    badge = page.locator("#notification-count")
    expect(badge).to_have_attribute("data-live", "1", timeout=15_000)
    return int(badge.get_attribute("data-count") or "0")


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]], ids=["desktop", "phone"])
def test_the_bell_counts_a_new_announcement_without_a_reload(browser: Browser, server: LiveServer, width: int) -> None:
    page = open_page(browser, server, width)
    sign_in(page, "zhaoliu")
    before = live_count(page)
    device = "desktop" if width == DESKTOP["width"] else "phone"

    title = f"周五销售例会（{device}）"
    announcement = announce(server, title)
    badge = page.locator("#notification-count")
    expect(badge).to_have_attribute("data-count", str(before + 1), timeout=15_000)  # pushed: no reload
    expect(badge).to_be_visible()
    expect(page.locator("#toasts").get_by_text(f"新公告：{title}")).to_be_visible()  # said once, briefly
    screenshot(page, f"notifications-bell-{device}")

    page.locator("#notification-bell > a").click()
    menu = page.locator("#notification-menu")
    expect(menu.get_by_text(f"新公告：{title}")).to_be_visible()
    screenshot(page, f"notifications-menu-{device}")
    menu.get_by_text(f"新公告：{title}").click()
    page.wait_for_url(re.compile(rf"/records/announcement/{announcement}$"))
    expect(page.locator(".announcement-body").get_by_text("请准时参加")).to_be_visible()
    expect(page.locator("#notification-count")).to_have_attribute("data-count", str(before), timeout=15_000)
    screenshot(page, f"notifications-announcement-{device}")

    page.goto("/notifications")
    expect(page.get_by_role("heading", name="通知")).to_be_visible()
    screenshot(page, f"notifications-list-{device}")
    page.close()


def test_preferences_and_announcements_pages(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, PHONE["width"])
    sign_in(page, "zhaoliu")
    page.goto("/notifications/preferences")
    page.locator('input[name="channels.birthday"][value="email"]').check()
    page.locator("#birthday-time").fill("08:30")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("您的选择已保存。")).to_be_visible()
    expect(page.locator('input[name="channels.birthday"][value="email"]')).to_be_checked()
    screenshot(page, "notifications-preferences-phone")
    page.close()

    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "admin")
    page.goto("/announcements/new")
    page.locator("#announcement-title").fill("华东区第三季度目标")
    page.locator('input[name="audience"][value="departments"]').check()
    page.locator('input[name="departments"]').first.check()
    screenshot(page, "announcements-form-desktop")
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r"/records/announcement/\d+$"))
    expect(page.get_by_text(re.compile(r"已读 0 / \d+ 人"))).to_be_visible()
    page.goto("/announcements")
    expect(page.get_by_text("华东区第三季度目标")).to_be_visible()
    expect(page.get_by_text("下半年销售冲刺启动")).to_be_visible()  # the demo's
    screenshot(page, "announcements-list-desktop")
    page.close()
