"""Pools in a real browser: a rep claims a lead from the East lead pool on the pools page, then releases it from
its record page with a reason (refused without one); at phone width, the pools page and a claim from the record's
own page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

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

    page.get_by_role("searchbox", name="在公海中搜索").fill("没有这家公司")
    page.keyboard.press("Enter")
    expect(page.get_by_text("公海中没有符合条件的记录。")).to_be_visible()
    page.get_by_role("searchbox", name="在公海中搜索").fill("有限公司")
    page.keyboard.press("Enter")
    expect(page.get_by_text("您负责的、最先回收的记录（除非跟进）")).to_be_visible()  # the three claimed this morning
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
    screenshot(page, "pools-released-record")
    released = server.platform.records.get(Actor(1, is_admin=True), "lead", record_id)
    assert (released["pool"], released["release_reason"]) == (lead["home_pool"], "客户今年没有预算")

    phone = open_page(browser, server, PHONE["width"])
    sign_in(phone, "zhaoliu")
    phone.goto("/sales/pools")
    expect(phone.get_by_role("button", name="领取").first).to_be_visible()
    screenshot(phone, "pools-phone")

    # a record in the pool has Claim on its own page; the one just released waits out the pool's seven days
    phone.goto(f"/records/lead/{record_id}")
    phone.get_by_role("link", name="领取", exact=True).click()
    expect(phone.get_by_text("它在 华东线索公海 中")).to_be_visible()
    phone.get_by_role("button", name="领取").click()
    expect(phone.get_by_text("您刚将该记录退回公海，退回 7 天后才能再次领取。")).to_be_visible()
    another = next_in_pool(server, record_id)
    phone.goto(f"/sales/lead/{another}/claim")
    screenshot(phone, "pools-claim-phone")
    phone.get_by_role("button", name="领取").click()
    phone.wait_for_url(re.compile(rf"/records/lead/{another}$"))
    expect(phone.get_by_role("link", name="领取", exact=True)).to_have_count(0)
    assert server.platform.records.get(Actor(1, is_admin=True), "lead", another)["pool"] is None


def next_in_pool(server: LiveServer, other_than: int) -> int:
    admin = Actor(1, is_admin=True)
    found = server.platform.records.get(admin, "lead", other_than)
    with server.platform.records.reading(admin) as (connection, _actor, schema):
        table = schema.table("lead")
        query = select(table.c.id).where(table.c.pool == found["pool"], table.c.id != other_than).order_by(table.c.id)
        return int(connection.execute(query.limit(1)).scalar_one())
