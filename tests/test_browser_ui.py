"""The UI in a real browser (Debian's chromium driven by Playwright): what a newcomer does in the first minutes.

Each test also saves screenshots of the pages it visits under artifacts/screenshots/ (desktop and phone, zh_CN and
en), for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import DESKTOP, PHONE, LiveServer, open_page, screenshot, sign_in

pytestmark = pytest.mark.xdist_group("browser")


def choose_language(page: Page, label: str) -> None:
    page.get_by_role("button", name=re.compile("用户菜单|User menu")).click()
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state()


def first_record_id(page: Page) -> str:
    href = page.locator("#record-rows tbody tr a").first.get_attribute("href") or ""
    return href.rsplit("/", 1)[-1]


def test_sign_in_and_switch_language(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server)
    page.goto("/login")
    expect(page.get_by_role("heading", name="登录您的账号")).to_be_visible()
    screenshot(page, "login-desktop-zh_CN")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("wrong password")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码")
    sign_in(page)
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    screenshot(page, "home-desktop-zh_CN")
    choose_language(page, "English")
    expect(page.get_by_role("link", name="Home")).to_be_visible()
    expect(page.locator("#app-sidebar")).to_contain_text("Accounts")
    page.reload()
    expect(page.get_by_role("link", name="Home")).to_be_visible()  # remembered on the user
    screenshot(page, "home-desktop-en")
    choose_language(page, "简体中文")
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    page.context.close()


def test_create_edit_and_delete_a_record_with_validation_errors(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server)
    sign_in(page, "zhangsan")
    page.goto("/records/account/new")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error-name")).to_contain_text("必填")
    expect(page.get_by_label(re.compile("客户名称"))).to_have_attribute("aria-describedby", "error-name")
    screenshot(page, "form-errors-desktop-zh_CN")
    page.get_by_label(re.compile("客户名称")).fill("杭州云杉科技有限公司")
    page.get_by_label("客户级别").select_option("A")
    page.get_by_label("员工人数").fill("-5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error-employees")).to_be_visible()
    expect(page.get_by_label(re.compile("客户名称"))).to_have_value("杭州云杉科技有限公司")  # nothing typed is lost
    page.get_by_label("员工人数").fill("120")
    page.get_by_label("年营业额").fill("1234.5")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="杭州云杉科技有限公司")).to_be_visible()
    expect(page.locator("main")).to_contain_text("¥1,234.50")
    expect(page.locator("main")).to_contain_text("A（重点）")
    screenshot(page, "record-desktop-zh_CN")
    record_address = page.url

    page.get_by_role("link", name="编辑").click()
    page.get_by_label("电话").fill("0571-88886666")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(record_address)
    expect(page.locator("main")).to_contain_text("0571-88886666")

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="删除").click()
    expect(page.get_by_role("heading", name="杭州云杉科技有限公司")).to_be_visible()
    assert asked == ["确定将此记录移入回收站吗？"] and page.url.endswith(record_address)  # declined: nothing moved
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除").click()
    expect(page.get_by_role("status")).to_contain_text("回收站")
    page.get_by_role("button", name="撤销").click()
    expect(page.get_by_role("heading", name="杭州云杉科技有限公司")).to_be_visible()
    page.context.close()


def test_an_administrator_creates_a_custom_object_and_uses_it_like_a_built_in_one(
    browser: Browser, server: LiveServer
) -> None:
    page = open_page(browser, server)
    sign_in(page)
    page.locator("#app-sidebar").get_by_role("link", name="对象管理器").click()
    page.goto("/settings/objects/new")
    page.locator("#label_zh_CN").fill("设备")
    page.locator("#label_en").fill("Equipment")
    page.locator("#plural_zh_CN").fill("设备")
    page.locator("#plural_en").fill("Equipment")
    page.locator("#title_label_zh_CN").fill("设备名称")
    page.locator("#title_label_en").fill("Equipment name")
    screenshot(page, "settings-new-object-desktop-zh_CN")
    page.locator("#create-object").click()
    page.wait_for_url(re.compile(r"/settings/objects/x_equipment(\?.*)?$"))
    expect(page.locator("#app-sidebar")).to_contain_text("设备")  # in the navigation at once

    page.goto("/settings/objects/x_equipment/fields/new")
    page.locator("#type-picklist").check()
    expect(page.locator("#picklist-editor")).to_be_visible()
    page.locator("#label_zh_CN").fill("设备状态")
    page.locator("#label_en").fill("Status")
    for index, (chinese, english) in enumerate((("在用", "In use"), ("维修中", "In repair"))):
        if index:
            page.locator("#add-value").click()
        row = page.locator("#picklist-rows > *").nth(index)
        row.locator("[name=pv_zh_CN]").fill(chinese)
        row.locator("[name=pv_en]").fill(english)
    screenshot(page, "settings-new-field-desktop-zh_CN")
    page.locator("#save-field").click()
    page.wait_for_url(re.compile(r"/settings/objects/x_equipment(\?.*)?$"))
    expect(page.locator("main")).to_contain_text("设备状态")

    page.goto("/records/x_equipment/new")
    page.get_by_label(re.compile("设备名称")).fill("一号车床")
    page.get_by_label("设备状态").select_option(label="维修中")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="一号车床")).to_be_visible()
    expect(page.locator("main")).to_contain_text("维修中")
    page.goto("/records/x_equipment")
    expect(page.locator("#record-rows")).to_contain_text("一号车床")
    screenshot(page, "custom-object-list-desktop-zh_CN")
    page.context.close()


def test_a_conflicting_edit_shows_the_other_persons_change(browser: Browser, server: LiveServer) -> None:
    mine, theirs = open_page(browser, server), open_page(browser, server)
    sign_in(mine)
    sign_in(theirs)
    mine.goto("/records/account")
    record = first_record_id(mine)
    mine.goto(f"/records/account/{record}/edit")
    theirs.goto(f"/records/account/{record}/edit")
    theirs.get_by_label("城市").fill("苏州工业园区")  # no demo city: a real change
    theirs.get_by_role("button", name="保存").click()
    theirs.wait_for_url(re.compile(rf"/records/account/{record}$"))
    mine.get_by_label("城市").fill("无锡新区")
    mine.get_by_role("button", name="保存").click()
    expect(mine.get_by_role("alert")).to_contain_text("其他人保存了这条记录")
    expect(mine.locator("main")).to_contain_text("对方的值： 苏州工业园区")
    expect(mine.get_by_label("城市")).to_have_value("无锡新区")
    screenshot(mine, "form-conflict-desktop-zh_CN")
    mine.get_by_role("button", name="保存").click()  # saving again, knowingly, wins
    mine.wait_for_url(re.compile(rf"/records/account/{record}$"))
    expect(mine.locator("main")).to_contain_text("无锡新区")
    mine.context.close()
    theirs.context.close()


def test_a_saved_view_keeps_its_filter(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server)
    sign_in(page)
    page.goto("/records/account")
    page.get_by_role("button", name="添加筛选").click()
    page.get_by_label("字段").select_option("level")
    page.get_by_label("条件").select_option("eq")
    page.get_by_label("值").fill("A")
    page.get_by_role("button", name="应用").click()
    expect(page.get_by_label("已应用的筛选条件")).to_contain_text("客户级别 等于 A（重点）")
    levels = page.locator("#record-rows tbody tr td:nth-child(4)").all_inner_texts()
    assert levels and all(level == "A（重点）" for level in levels)
    page.get_by_role("button", name="保存视图").click()
    page.get_by_label("名称", exact=True).fill("A 类客户")
    page.get_by_label("共享给所有能查看这些记录的人").check()
    page.locator("#save-view").get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"view=\d+"))
    screenshot(page, "list-saved-view-desktop-zh_CN")
    page.goto("/records/account")
    page.get_by_role("button", name="视图", exact=True).click()
    page.get_by_role("link", name=re.compile("A 类客户")).click()
    expect(page.get_by_label("已应用的筛选条件")).to_contain_text("客户级别")
    expect(page.locator("#record-count")).to_contain_text("条记录")
    page.context.close()


def test_search_as_you_type_in_chinese_pinyin_and_digits(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server)
    sign_in(page)
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "huitong_csrf")
    created = page.request.post("/api/v1/records/contact", headers={"X-CSRF-Token": csrf},
                                data={"name": "张三丰", "mobile": "138-0013-4567"})  # fmt: skip
    assert created.status == 201, created.text()
    box = page.get_by_role("searchbox", name="搜索")
    page.keyboard.press("/")
    expect(box).to_be_focused()
    for query in ("张三", "zhangsanfeng", "zsf", "13800134567", "0013 4567"):
        box.fill(query)
        results = page.locator("#search-results")
        expect(results.get_by_role("option", name=re.compile("张三丰"))).to_be_visible()
        expect(results).to_contain_text("联系人")
    screenshot(page, "search-desktop-zh_CN")
    results.get_by_role("option", name=re.compile("张三丰")).first.click()
    expect(page.get_by_role("heading", name="张三丰")).to_be_visible()
    page.context.close()


def test_user_typed_text_is_shown_not_run(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server)
    sign_in(page)
    dialogs: list[Any] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/records/account/new")
    page.get_by_label(re.compile("客户名称")).fill('<img src=x onerror="alert(1)">"><script>alert(2)</script>')
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=re.compile("<img src=x"))).to_be_visible()
    page.goto("/records/account?sort=-created_at")
    expect(page.locator("#record-rows")).to_contain_text("<script>alert(2)</script>")
    assert dialogs == []
    page.context.close()


def test_a_phone_gets_cards_a_drawer_and_stacked_forms(browser: Browser, server: LiveServer) -> None:
    page = open_page(browser, server, PHONE["width"])
    sign_in(page)
    expect(page.locator("#app-sidebar")).not_to_be_in_viewport()
    page.get_by_role("button", name="打开导航").click()
    expect(page.locator("#app-sidebar")).to_be_in_viewport()
    screenshot(page, "home-drawer-phone-zh_CN")
    page.locator("#app-sidebar").get_by_role("link", name="客户", exact=True).click()
    expect(page.locator(".record-cards")).to_be_visible()
    expect(page.locator(".table-wrapper-records")).to_be_hidden()
    screenshot(page, "list-phone-zh_CN")
    page.locator(".record-cards a").first.click()
    screenshot(page, "record-phone-zh_CN")
    page.goto("/records/account/new")
    name = page.get_by_label(re.compile("客户名称")).bounding_box()
    kind = page.get_by_label("客户类型").bounding_box()
    assert name and kind and kind["y"] > name["y"] + name["height"]  # one column: the next field is below
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    screenshot(page, "form-phone-zh_CN")
    page.context.close()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_screenshots_of_the_main_pages(browser: Browser, server: LiveServer, locale: str) -> None:
    for phone in (False, True):
        page = open_page(browser, server, PHONE["width"] if phone else DESKTOP["width"])
        sign_in(page, "lisi")
        choose_language(page, "English" if locale == "en" else "简体中文")
        size = "phone" if phone else "desktop"
        for name, address in (("home", "/"), ("list", "/records/opportunity"), ("new", "/records/opportunity/new")):
            page.goto(address)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"main-{name}-{size}-{locale}")
        page.goto("/records/opportunity")
        page.locator("#record-rows a[href^='/records/opportunity/']:visible").first.click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, f"main-record-{size}-{locale}")
        page.context.close()
