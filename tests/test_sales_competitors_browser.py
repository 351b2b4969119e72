"""Win/loss by competitor in a real browser, on the demo company: the chart is drawn and the table lists the
competitors met; a competitor's name leads to its record."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def test_read_win_loss_by_competitor(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page)
    page.get_by_role("link", name="竞争对手赢输分析").first.click()
    expect(page.get_by_role("heading", name="竞争对手赢输分析")).to_be_visible()
    expect(page.locator("#competitor-chart canvas")).to_have_count(1)  # drawn by ECharts
    first = page.locator("#competitor-rows tbody tr a").first
    expect(first).to_be_visible()
    screenshot(page, "sales-competitors")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone)
    phone.goto("/sales/competitors")
    expect(phone.locator("#competitor-chart canvas")).to_have_count(1)
    screenshot(phone, "sales-competitors-phone")
