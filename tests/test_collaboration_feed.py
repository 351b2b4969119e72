"""The work circle feed and the record page's comments, over HTTP on SQLite and PostgreSQL: newest first across
comments, field changes and activities of followed records, paged by cursor without gaps or repeats; posts reach
the author's department and managers only; the comment box posts with htmx and CSRF and the timeline shows it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from huitong.engine.platform import Platform
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, set_default, tree
from tests.test_activities_pages import htmx_post, signed_in
from tests.test_sales_leads import created, read

FEED = "/api/v1/collaboration/feed"


def every_entry(client: Api, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = ok(client.get(FEED, params={"limit": limit, **({"cursor": cursor} if cursor else {})}))
        assert len(body["entries"]) <= limit
        found += body["entries"]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


@pytest.fixture
def circle(api: Api, platform: Platform) -> dict[str, Any]:
    """The sales director in 销售部; Sales East (manager and two reps) and Sales North (one rep) below it; accounts
    readable by everyone."""
    set_default(api, "account", "read")
    departments = tree(api, "departments", [("销售部", None), ("华东区", "销售部"), ("华北区", "销售部")])
    roles = tree(api, "roles", [("director", None), ("east_manager", "director"), ("east_rep", "east_manager"),
                                ("north_rep", "director")])  # fmt: skip
    users: dict[str, Any] = {}
    for username, role, department in (("chenjing", "director", "销售部"), ("zhangsan", "east_manager", "华东区"),
                                       ("wang", "east_rep", "华东区"), ("zhao", "east_rep", "华东区"),
                                       ("liu", "north_rep", "华北区")):  # fmt: skip
        users[username + "_id"], users[username] = add_user(
            api, platform, username, role=roles[role], department=departments[department], display_name=username
        )
    return users


def test_the_feed_is_newest_first_across_sources_and_pages_without_gaps(
    api: Api, circle: dict[str, Any], clock: FakeClock
) -> None:
    wang = circle["wang"]
    accounts = [created(api, "account", {"name": f"客户{n}"})["id"] for n in range(3)]
    for account in accounts[:2]:
        ok(wang.post("/api/v1/collaboration/follow", {"object": "account", "record": account}), 201)
    expected: list[tuple[str, str]] = []
    for round_ in range(7):
        for index, account in enumerate(accounts):
            clock.advance(minutes=1)
            body = f"第{round_}轮 客户{index}"
            ok(api.post("/api/v1/collaboration/comments", {"object": "account", "record": account, "body": body}), 201)
            if index < 2:
                expected.append(("comment", body))
        clock.advance(minutes=1)
        version = read(api, "account", accounts[0])["version"]
        ok(api.patch(f"/api/v1/records/account/{accounts[0]}", {"level": "AB"[round_ % 2], "version": version}))
        expected.append(("change", "level"))
    clock.advance(minutes=1)
    ok(api.post("/api/v1/records/note", {"account": accounts[1], "title": "管理员的备注", "body": "<p>秘密</p>"}), 201)
    ok(wang.post("/api/v1/records/note", {"account": accounts[1], "title": "拜访纪要", "body": "<p>谈妥</p>"}), 201)
    expected.append(("note", "拜访纪要"))  # not the administrator's: notes are private to their owners
    expected.reverse()

    entries = every_entry(wang, limit=3)
    shown = [(entry["kind"], entry.get("body") or entry.get("field") or "拜访纪要") for entry in entries]
    assert shown == expected  # not the third account's comments: wang does not follow it
    assert len({(entry["kind"], entry["id"]) for entry in entries}) == len(entries)
    assert [entry["when"] for entry in entries] == sorted((entry["when"] for entry in entries), reverse=True)
    assert every_entry(wang, limit=100) == entries  # the same, whatever the page size
    page = signed_in(api.client.app, "wang").get("/collaboration/feed")
    assert page.status_code == 200 and "第6轮 客户1" in page.text and "第0轮 客户1" not in page.text  # 20 of 22
    more = re.search(r'hx-get="(/collaboration/feed\?before=[^"]+)"', page.text)
    assert more is not None
    rest = signed_in(api.client.app, "wang").get(more.group(1).replace("&amp;", "&"))
    assert rest.status_code == 200 and "第0轮 客户0" in rest.text and "<html" not in rest.text


def test_posts_reach_the_department_its_leadership_and_the_managers_above(
    api: Api, circle: dict[str, Any], clock: FakeClock
) -> None:
    ok(circle["wang"].post("/api/v1/collaboration/comments", {"body": "本周华东区签了两单！"}), 201)
    clock.advance(minutes=1)
    ok(circle["chenjing"].post("/api/v1/collaboration/comments", {"body": "季度冲刺，大家加油"}), 201)

    def posts(username: str) -> list[str]:
        return [entry["body"] for entry in ok(circle[username].get(FEED))["entries"] if entry["kind"] == "comment"]

    # east: their own department's and the director's (placed in the department above theirs)
    assert posts("wang") == posts("zhao") == posts("zhangsan") == ["季度冲刺，大家加油", "本周华东区签了两单！"]
    assert posts("chenjing") == ["季度冲刺，大家加油", "本周华东区签了两单！"]  # every department below hers
    assert posts("liu") == ["季度冲刺，大家加油"]  # north: not east's
    # the author may mention a department colleague, not someone the post does not reach
    refused = circle["wang"].post("/api/v1/collaboration/comments", {"body": "@liu 你们呢？", "mentions": []})
    assert refused.status_code == 422 and refused.json()["detail"] == "liu cannot see this post."


def test_the_record_page_posts_a_comment_with_htmx_and_shows_it_in_the_timeline(
    api: Api, circle: dict[str, Any]
) -> None:
    account = created(api, "account", {"name": "上海申通物流"})["id"]
    wang = signed_in(api.client.app, "wang")
    page = wang.get(f"/records/account/{account}")
    assert page.status_code == 200 and 'id="collab-box"' in page.text and "☆" in page.text
    people = wang.get(f"/collaboration/people?q=zha&object=account&record={account}").json()["results"]
    assert [(person["name"], person["department"], person["may_read"]) for person in people] == [
        ("zhangsan", "华东区", True), ("zhao", "华东区", True)]  # fmt: skip
    posted = htmx_post(wang, "/collaboration/comments", {"object": "account", "record": str(account),
                                                         "body": "@zhao 明天一起拜访", "mentions": str(circle["zhao_id"])})  # fmt: skip
    assert posted.status_code == 200 and posted.headers["HX-Trigger"] == '{"huitong:timeline": true}'
    assert "★" in posted.text  # commenting follows the record
    timeline = wang.get(f"/activities/timeline/account/{account}?kind=comment")
    assert timeline.status_code == 200
    assert '<span class="mention">@zhao</span> 明天一起拜访' in timeline.text and "wang" in timeline.text
    assert "@zhao" not in wang.get(f"/activities/timeline/account/{account}?kind=call").text
    # refused: shown in the box again with what was written, and nothing saved
    set_default(api, "account", "private", hierarchy=False)
    mine = created(circle["wang"], "account", {"name": "杭州云启科技"})["id"]
    refused = htmx_post(wang, "/collaboration/comments", {"object": "account", "record": str(mine),
                                                          "body": "@liu 看看", "mentions": str(circle["liu_id"])})  # fmt: skip
    assert refused.status_code == 200 and "liu 无法查看此记录。" in refused.text and "@liu 看看" in refused.text
    assert "HX-Trigger" not in refused.headers
    assert ok(api.get(f"/api/v1/collaboration/comments?object=account&record={mine}"))["comments"] == []
    # without CSRF the post is refused
    assert wang.post("/collaboration/comments", data={"object": "account", "record": str(mine), "body": "x"},
                     headers={"HX-Request": "true"}).status_code == 403  # fmt: skip
    # the follow button toggles
    unfollowed = htmx_post(wang, "/collaboration/follow", {"object": "account", "record": str(account),
                                                           "action": "unfollow"})  # fmt: skip
    assert unfollowed.status_code == 200 and "☆" in unfollowed.text
    # a comment's own page and the list of comments are ordinary record pages, while its record is readable
    listed = ok(api.get(f"/api/v1/collaboration/comments?object=account&record={account}"))["comments"]
    assert wang.get(f"/records/comment/{listed[0]['id']}").status_code == 404  # the account is private now
    set_default(api, "account", "read")
    assert wang.get(f"/records/comment/{listed[0]['id']}").status_code == 200
    assert "明天一起拜访" in wang.get("/records/comment").text
    # the author deletes their comment; a colleague who reads it cannot
    first = ok(api.get(f"/api/v1/collaboration/comments?object=account&record={account}"))["comments"][0]["id"]
    zhao = signed_in(api.client.app, "zhao")
    assert htmx_post(zhao, f"/collaboration/comments/{first}/delete").status_code == 403
    assert 'class="btn btn-link btn-sm p-0 text-secondary comment-delete"' not in zhao.get(
        f"/activities/timeline/account/{account}?kind=comment").text  # fmt: skip
    gone = htmx_post(wang, f"/collaboration/comments/{first}/delete")
    assert gone.status_code == 200 and gone.text == ""
    assert ok(api.get(f"/api/v1/collaboration/comments?object=account&record={account}"))["comments"] == []
    # bad input is a 4xx page, never a server error
    for path in ("/collaboration/people?object=account&record=x", "/collaboration/feed?before=%%",
                 "/activities/timeline/account/1?kind=nothing"):  # fmt: skip
        assert wang.get(path).status_code == 400, path
    assert htmx_post(wang, "/collaboration/comments", {"body": "x"}).status_code == 400
    assert htmx_post(wang, "/collaboration/follow", {"object": "nothing", "record": "1"}).status_code == 422
    assert htmx_post(wang, "/collaboration/comments/99999/delete").status_code == 404
    # in English, for someone who reads the site in English
    ok(api.patch(f"/api/v1/security/users/{circle['zhao_id']}", {"locale": "en"}))
    english = signed_in(api.client.app, "zhao").get(f"/records/account/{account}").text
    assert "Post comment" in english and "☆ Follow" in english and ">Comments</button>" in english
    assert "Work circle" in signed_in(api.client.app, "zhao").get("/collaboration/feed").text
    # the page of a record activities are not about (a task) has the same timeline and box, without quick buttons
    task = wang.get(f"/records/task/{created(circle['wang'], 'task', {'subject': '准备报价'})['id']}")
    assert task.status_code == 200 and "collab-box" in task.text and "activity-new-call" not in task.text
