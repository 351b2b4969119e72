"""The pipeline board and the forecast page in a real browser: drag a card (and a lost one that asks its reason),
read a forecast and its funnel chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")
BOARD_WIDTH = 2000  # every column of the board in view, so a drag needs no scrolling


def drag(page: Page, card: Locator, column: Locator) -> None:
    """A person's drag: press, move a little (SortableJS starts), move over the column, release."""
    card.scroll_into_view_if_needed()
    start, end = card.bounding_box(), column.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + 30, start["y"] + 30)
    page.mouse.down()
    page.mouse.move(start["x"] + 60, start["y"] + 50, steps=5)
    page.mouse.move(end["x"] + 40, end["y"] + 40, steps=20)
    # Linger over the target: on a busy machine SortableJS may not have taken the last move as the drop place
    # yet, and a release then lands in a column the pointer passed on the way.
    page.mouse.move(end["x"] + 50, end["y"] + 50, steps=5)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_drag_a_card_to_the_next_stage_and_one_to_lost(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, BOARD_WIDTH)
    sign_in(page)
    page.goto("/sales/pipeline")
    expect(page.get_by_role("heading", name="销售看板")).to_be_visible()
    card = page.locator("[data-stage=initial_contact] .pipeline-card").first
    name = card.locator("a").inner_text()
    drag(page, card, page.locator("ul[data-stage=needs_confirmed]"))
    expect(page.locator("#pipeline-message")).to_contain_text(name)
    expect(page.locator("[data-stage=needs_confirmed]")).to_contain_text(name)
    screenshot(page, "pipeline-board-moved")

    card = page.locator("[data-stage=negotiation] .pipeline-card").first
    name = card.locator("a").inner_text()
    drag(page, card, page.locator("ul[data-stage=lost]"))
    screenshot(page, "pipeline-board-lost-dialog")
    expect(page.locator("#pipeline-loss")).to_be_visible()
    page.locator("#pipeline-loss button[value=cancel]").click()
    expect(page.locator("[data-stage=negotiation]")).to_contain_text(name)  # snapped back
    card = page.locator("[data-stage=negotiation] .pipeline-card", has_text=name)
    drag(page, card, page.locator("ul[data-stage=lost]"))
    page.locator("#pipeline-loss-reason").select_option("price")
    page.locator("#pipeline-loss-ok").click()
    expect(page.locator("#pipeline-message")).to_contain_text(name)
    expect(page.locator("[data-stage=lost]")).to_contain_text(name)
    expect(page.locator("[data-stage=negotiation]")).not_to_contain_text(name)


def test_read_a_forecast_and_its_funnel(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page)
    page.goto("/sales/forecast")
    expect(page.get_by_role("heading", name="销售预测与漏斗")).to_be_visible()
    expect(page.locator("#forecast-rows tbody tr").first).to_be_visible()
    expect(page.locator("#funnel-chart canvas")).to_have_count(1)  # drawn by ECharts
    expect(page.locator("#funnel-rows tbody tr")).to_have_count(5)
    screenshot(page, "sales-forecast")
    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone)
    phone.goto("/sales/pipeline")
    board = phone.locator(".pipeline-board")
    assert board.evaluate("element => element.scrollWidth > element.clientWidth")  # columns scroll sideways
    screenshot(phone, "pipeline-board-phone")
