"""Pools in a real browser: a rep claims a lead from the East lead pool on the pools page, then releases it from
its record page with a reason (refused without one); the pools page at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from huitong.engine.records.context import Actor
from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def test_claim_from_the_pool_page_and_release_from_the_record_page(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, DESKTOP["width"])
    sign_in(page, "zhaoliu")
    page.get_by_role("link", name="公海池", exact=True).first.click()
    expect(page.get_by_role("heading", name="公海池")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("华东线索公海"))).to_be_visible()
    expect(page.locator("#claimed-today")).to_contain_text("3 / 5")  # the demo's rep claimed three this morning
    screenshot(page, "pools")

    first = page.locator(".pool-records [data-record]").first
    record_id = int(first.get_attribute("data-record") or 0)
    first.get_by_role("button", name="领取").click()
    expect(page.get_by_text("领取成功，该记录现在由您负责。")).to_be_visible()
    expect(page.locator("#claimed-today")).to_contain_text("4 / 5")
    expect(page.locator(f".pool-records [data-record='{record_id}']")).to_have_count(0)
    lead = server.platform.records.get(Actor(1, is_admin=True), "lead", record_id)
    assert lead["pool"] is None and lead["claimed_by"] == lead["owner"]

    page.goto(f"/records/lead/{record_id}")
    page.get_by_role("link", name="退回公海", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("退回公海"))).to_be_visible()
    page.get_by_role("button", name="退回公海").click()
    expect(page.get_by_text("请填写退回公海的原因。").first).to_be_visible()
    page.get_by_label("原因").fill("客户今年没有预算")
    screenshot(page, "pools-release")
    page.get_by_role("button", name="退回公海").click()
    page.wait_for_url(re.compile(rf"/records/lead/{record_id}$"))
    expect(page.get_by_text("客户今年没有预算").first).to_be_visible()
    released = server.platform.records.get(Actor(1, is_admin=True), "lead", record_id)
    assert (released["pool"], released["release_reason"]) == (lead["home_pool"], "客户今年没有预算")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto("/sales/pools")
    expect(phone.get_by_role("button", name="领取").first).to_be_visible()
    screenshot(phone, "pools-phone")
