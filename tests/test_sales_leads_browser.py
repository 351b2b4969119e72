"""Converting a lead in a real browser: the Convert button on its page, a duplicate offered, another account
looked up by typing, an opportunity with its amount and date; afterwards the lead shows what it became."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from huitong.engine.records.context import Actor
from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def test_convert_a_lead_linking_a_looked_up_account(browser: Browser, server: LiveServer) -> None:
    records, admin = server.platform.records, Actor(1, is_admin=True)
    lead = records.create(admin, "lead", {"name": "欧阳明", "company": "厦门海润贸易有限公司", "mobile": "13655550101",
                                          "source": "trade_show", "province": "福建", "city": "厦门"})  # fmt: skip
    twin = records.create(admin, "account", {"name": "厦门海润贸易股份有限公司"})  # offered as a duplicate
    target = records.create(admin, "account", {"name": "厦门海润集团总部"})
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page)
    page.goto(f"/records/lead/{lead['id']}")
    page.get_by_role("link", name="转化", exact=True).click()
    expect(page.get_by_role("heading", name="转化线索：欧阳明")).to_be_visible()
    expect(page.get_by_text("已有 1 个相似的客户。")).to_be_visible()
    expect(page.locator(f"input[name=account][value='{twin['id']}']")).to_be_checked()  # the duplicate first
    screenshot(page, "lead-convert")

    look_up = page.locator("fieldset:has(input[name=account]) .ts-wrapper")
    look_up.locator(".ts-control").click()
    page.keyboard.type("海润集团")
    # every type-ahead answer is in: a late one may re-open the dropdown, and opening it takes the focus
    expect(look_up).not_to_have_class(re.compile(r"\bloading\b"))
    page.locator(".ts-dropdown .option", has_text="厦门海润集团总部").click()
    expect(page.locator("input[name=account][value=other]")).to_be_checked()
    page.locator("#opportunity_amount").click()
    page.locator("#opportunity_amount").fill("260000")
    page.locator("#opportunity_close_date").fill("2026-06-30")
    expect(page.locator("#opportunity_amount")).to_have_value("260000")
    page.get_by_role("button", name="转化", exact=True).click()
    page.wait_for_url(re.compile(rf"/records/lead/{lead['id']}$"))
    expect(page.get_by_text("已转化").first).to_be_visible()
    expect(page.get_by_role("link", name="转化", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="厦门海润集团总部")).to_be_visible()
    screenshot(page, "lead-converted")

    converted = records.get(admin, "lead", lead["id"])
    assert converted["converted_account"] == target["id"]
    opportunity = records.get(admin, "opportunity", converted["converted_opportunity"])
    assert (str(opportunity["amount"]), str(opportunity["close_date"])) == ("260000.00", "2026-06-30")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone)
    phone.goto(f"/sales/leads/{lead['id']}/convert")
    expect(phone.get_by_text("该线索已转化，并按原样保留。它转化成了：")).to_be_visible()
    screenshot(phone, "lead-converted-phone")
