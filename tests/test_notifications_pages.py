"""The notification centre's pages over HTTP: the bell on every page, the list (paged, unread only), opening one
(marks it read, goes to its record), marking all read, the preferences form, announcements' pages and read
receipts, and the server-sent events that keep the bell current."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.engine.api.app import create_app
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules.notifications import pages
from tests.conftest import Api
from tests.security_fixtures import PASSWORD, add_user, ok, tree


def signed_in(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform), headers={"Accept-Language": "en"}, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    return client


def form_post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={"csrf_token": client.cookies.get("huitong_csrf") or "", **(data or {})})


def notify(platform: Platform, actor: Actor, *notices: Notice) -> None:
    with platform.records.transaction(actor) as context:
        for notice in notices:
            context.notify(notice)


@pytest.fixture
def rep(api: Api, platform: Platform) -> tuple[int, Api, TestClient]:
    user_id, user_api = add_user(api, platform, "rep", display_name="王伟", locale="en")
    return user_id, user_api, signed_in(platform, "rep")


def test_every_page_has_the_bell_and_its_stream(rep: tuple[int, Api, TestClient]) -> None:
    _user_id, _api, browser = rep
    for path in ("/", "/records/account", "/notifications"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert 'id="notification-bell"' in page.text and 'new EventSource("/notifications/stream")' in page.text
        # and the user menu leads to one's notification settings
        assert '<a class="dropdown-item" href="/notifications/preferences">Notification settings</a>' in page.text


def test_the_list_opens_a_notification_at_its_record_and_marks_it_read(
    api: Api, platform: Platform, admin: Actor, rep: tuple[int, Api, TestClient]
) -> None:
    user_id, user_api, browser = rep
    account = ok(user_api.post("/api/v1/records/account", {"name": "上海申通物流"}), 201)
    notify(platform, admin, *(Notice("overdue", (user_id,), "Task overdue: %(subject)s", {"subject": f"#{n}"})
                              for n in range(22)))  # fmt: skip
    notify(platform, admin, Notice("assignment", (user_id,), "Assigned to you: %(record)s",
                                   {"record": "上海申通物流"}, object="account", record_id=account["id"]))  # fmt: skip

    first = browser.get("/notifications")
    assert "23 unread" in first.text and "Assigned to you: 上海申通物流" in first.text
    assert "/notifications?page=2" in first.text
    second = browser.get("/notifications?page=2")
    assert re.findall(r"<span>(Task overdue: #\d+)</span>", second.text) == [f"Task overdue: #{n}" for n in (2, 1, 0)]

    newest = ok(user_api.get("/api/v1/notifications?limit=1"))["notifications"][0]
    opened = form_post(browser, f"/notifications/{newest['id']}/open")
    assert opened.status_code == 303 and opened.headers["location"] == f"/records/account/{account['id']}"
    assert ok(user_api.get("/api/v1/notifications/unread-count"))["unread"] == 22
    assert "Assigned to you" not in browser.get("/notifications?unread=1").text

    done = form_post(browser, "/notifications/read-all", {"next": "/notifications?unread=1"})
    assert done.status_code == 303 and done.headers["location"] == "/notifications?unread=1"
    assert "No unread notifications." in browser.get("/notifications?unread=1").text


def test_someone_elses_notification_cannot_be_opened_and_bad_input_is_no_500(
    api: Api, platform: Platform, admin: Actor, rep: tuple[int, Api, TestClient]
) -> None:
    notify(platform, admin, Notice("mention", (admin.user_id,), "Mentioned"))
    theirs = ok(api.get("/api/v1/notifications"))["notifications"][0]["id"]
    _user_id, _api, browser = rep
    assert form_post(browser, f"/notifications/{theirs}/open").status_code == 404
    assert form_post(browser, "/notifications/abc/open").status_code in (400, 404, 422)
    assert browser.get("/notifications?page=zz").status_code == 200
    assert browser.get("/notifications?page=999999").status_code == 200
    assert form_post(browser, "/notifications/read-all", {"next": "https://evil.example"}).headers["location"] == "/"
    without_csrf = browser.post("/notifications/read-all", data={})
    assert without_csrf.status_code == 403


def test_the_preferences_page_saves_channels_and_the_birthday_time(rep: tuple[int, Api, TestClient]) -> None:
    _user_id, user_api, browser = rep
    page = browser.get("/notifications/preferences")
    assert 'name="channels.mention" value="email" checked' in page.text
    saved = form_post(browser, "/notifications/preferences", {"channels.mention": ["sms"],
                                                              "channels.birthday": ["email", "sms"],
                                                              "birthday_time": "07:30"})  # fmt: skip
    assert saved.status_code == 200 and "Your choices are saved." in saved.text
    chosen = ok(user_api.get("/api/v1/notifications/preferences"))
    assert chosen["channels"]["mention"] == ["in_app", "sms"]
    assert chosen["channels"]["birthday"] == ["in_app", "email", "sms"]
    assert chosen["channels"]["assignment"] == ["in_app"]  # unticked on the form
    assert chosen["birthday_time"] == "07:30"
    refused = form_post(browser, "/notifications/preferences", {"birthday_time": "31:99"})
    assert refused.status_code == 422 and "Give a time as HH:MM." in refused.text
    assert ok(user_api.get("/api/v1/notifications/preferences"))["birthday_time"] == "07:30"


def test_announcements_are_written_on_a_form_listed_and_read_with_receipts(
    api: Api, platform: Platform, rep: tuple[int, Api, TestClient]
) -> None:
    departments = tree(api, "departments", [("销售部", None), ("财务部", None)])
    seller_id, seller = add_user(api, platform, "seller", locale="en", department=departments["销售部"])
    user_id, _user_api, browser = rep  # the author, in no department
    form = browser.get("/announcements/new")
    assert form.status_code == 200 and "销售部" in form.text
    refused = form_post(browser, "/announcements", {"title": "", "audience": "departments"})
    assert refused.status_code == 422
    created = form_post(browser, "/announcements", {"title": "销售部例会", "body": "<p>周一 9:00</p>",
                                                   "audience": "departments",
                                                   "departments": [str(departments["销售部"])]})  # fmt: skip
    assert created.status_code == 303
    announcement = created.headers["location"]
    assert re.fullmatch(r"/records/announcement/\d+", announcement)

    listed = browser.get("/announcements")
    assert "销售部例会" in listed.text and "Read by 0 of 1" in listed.text
    # the seller reads it on its page: that is a read receipt
    seller_browser = signed_in(platform, "seller")
    page = seller_browser.get(announcement)
    assert page.status_code == 200 and "<p>周一 9:00</p>" in page.text and "Read by" not in page.text
    marker = re.search(r'hx-post="(/announcements/\d+/read)" hx-trigger="load"', page.text)
    assert marker is not None
    headers = {"HX-Request": "true", "X-CSRF-Token": seller_browser.cookies.get("huitong_csrf") or ""}
    assert seller_browser.post(marker.group(1), headers=headers).status_code == 204
    assert ok(seller.get("/api/v1/notifications/unread-count"))["unread"] == 0
    author_page = browser.get(announcement)
    assert "Read by 1 of 1" in author_page.text
    receipts = author_page.text.split("Who has read it")[1]
    assert re.search(r"<li>seller · <span class=\"text-green\">", receipts), receipts[:400]
    assert seller_id != user_id


def test_the_stream_pushes_the_unread_count_when_it_changes(
    api: Api, platform: Platform, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _user_api = add_user(api, platform, "rep", locale="en")
    monkeypatch.setattr(pages, "POLL_SECONDS", 0.01)

    class Request:
        """What the stream asks of its request: whether the browser has gone (after ``polls`` looks)."""

        def __init__(self, polls: int) -> None:
            self.polls = polls

        async def is_disconnected(self) -> bool:
            self.polls -= 1
            return self.polls < 0

    async def collect() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        stream = pages.unread_events(Request(6), platform, Actor(user_id), "zh_CN")  # type: ignore[arg-type]
        async for chunk in stream:
            if chunk.startswith("event: unread"):
                events.append(json.loads(chunk.split("data: ", 1)[1]))
                if len(events) == 1:  # the page is open; a colleague announces something
                    await asyncio.to_thread(notify, platform, admin,
                                            Notice("announcement", (user_id,), "New announcement: %(title)s",
                                                   {"title": "周五团建"}))  # fmt: skip
        return events

    events = asyncio.run(collect())
    assert [event["count"] for event in events] == [0, 1]  # once at the start, then only on a change
    assert events[1]["newest"]["text"] == "新公告：周五团建"  # in the reader's language


def test_the_stream_needs_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/notifications/stream", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_home_page_lists_unread_notifications_until_they_are_read(
    platform: Platform, admin: Actor, rep: tuple[int, Api, TestClient]
) -> None:
    user_id, user_api, browser = rep
    assert "Unread notifications" not in browser.get("/").text  # nothing unread: no card
    notify(platform, admin, Notice("mention", (user_id,), "Mentioned by %(actor)s", {"actor": "张三"}))
    home = browser.get("/").text
    assert "Unread notifications" in home and "Mentioned by 张三" in home
    ok(user_api.post("/api/v1/notifications/read-all"))
    assert "Unread notifications" not in browser.get("/").text
