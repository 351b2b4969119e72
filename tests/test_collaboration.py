"""Comments, @mentions and following, over the API on SQLite and PostgreSQL: a comment is read exactly when its
record is (list, count, API, feed), a mention of someone who may not read the record is refused naming them, an
allowed one notifies exactly the mentioned, followers hear of others' comments, and bad input is a 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default, visible_ids
from tests.test_activities_pages import signed_in
from tests.test_sales_leads import created

COMMENTS = "/api/v1/collaboration/comments"


@pytest.fixture
def people(api: Api, platform: Platform) -> dict[str, Any]:
    """Accounts private to their owners (no hierarchy); wang owns one; zhao and liu are colleagues."""
    set_default(api, "account", "private", hierarchy=False)
    users: dict[str, Any] = {}
    for username, display in (("wang", "王强"), ("zhao", "赵敏"), ("liu", "刘洋")):
        user_id, client = add_user(api, platform, username, display_name=display)
        users[username], users[username + "_id"] = client, user_id
    users["account"] = created(users["wang"], "account", {"name": "苏州恒信精密机械有限公司"})["id"]
    return users


def comment(client: Api, account: int, body: str, mentions: list[int] | None = None, status: int = 201) -> Any:
    payload = {"object": "account", "record": account, "body": body, "mentions": mentions or []}
    return ok(client.post(COMMENTS, payload), status)


def comments_of(client: Api, account: int) -> list[str]:
    return [item["body"] for item in ok(client.get(f"{COMMENTS}?object=account&record={account}"))["comments"]]


def test_a_mention_of_someone_who_may_not_read_the_record_is_refused_naming_them(
    api: Api, people: dict[str, Any], heard: list[Notice]
) -> None:
    account = people["account"]
    refused = comment(people["wang"], account, "@赵敏 请看报价", [people["zhao_id"]], status=422)
    assert [error["field"] for error in refused["errors"]] == ["mentions"]
    assert refused["detail"] == "赵敏 cannot see this record."
    people["wang"].language = "zh_CN"
    # typed by hand, not picked: the same rule, in the writer's language
    refused = comment(people["wang"], account, "@zhao 和 @liu 看看", status=422)
    assert sorted(error["message"] for error in refused["errors"]) == ["刘洋 无法查看此记录。", "赵敏 无法查看此记录。"]
    assert comments_of(api, account) == [] and heard == []  # nothing saved, nobody told


def test_an_allowed_mention_notifies_exactly_the_mentioned_who_may_read(
    api: Api, people: dict[str, Any], heard: list[Notice]
) -> None:
    account = people["account"]
    ok(api.post(f"/api/v1/records/account/{account}/shares", {"user": people["zhao_id"], "access": "read"}), 201)
    saved = comment(people["wang"], account, "@赵敏 周五前确认交期，@wang 自己跟进", [people["zhao_id"]])
    assert saved["mentions"] == [people["zhao_id"], people["wang_id"]]
    mention = [notice for notice in heard if notice.kind == "mention"]
    assert [notice.recipients for notice in mention] == [(people["zhao_id"],)]  # not the author, not liu
    notice = mention[0]
    assert (notice.object, notice.record_id, notice.actor_id) == ("account", account, people["wang_id"])
    assert notice.params == {"actor": "王强", "record": "苏州恒信精密机械有限公司"}
    assert notice.message == "%(actor)s mentioned you on %(record)s"
    assert (notice.body or "").startswith("@赵敏 周五前")
    # a chosen person whose name was deleted from the text again is not mentioned
    quiet = comment(people["wang"], account, "不提任何人", [people["zhao_id"]])
    assert quiet["mentions"] == []


def test_a_comment_is_read_exactly_when_its_record_is(api: Api, people: dict[str, Any]) -> None:
    account = people["account"]
    comment(people["wang"], account, "客户要求分期付款")
    comment(api, account, "管理员：同意分期")
    zhao = people["zhao"]
    # not through the module's API, the generic list and count, global search, or the feed
    assert zhao.get(f"{COMMENTS}?object=account&record={account}").status_code == 404
    assert visible_ids(zhao, "comment") == set()
    assert [hit for hit in ok(zhao.get("/api/v1/search?q=分期付款"))["results"] if hit["object"] == "comment"] == []
    follow = zhao.post("/api/v1/collaboration/follow", {"object": "account", "record": account})
    assert follow.status_code == 422 and "苏州恒信" not in follow.text
    assert ok(zhao.get("/api/v1/collaboration/feed"))["entries"] == []
    # the author may read their comment only while they may read the record; an admin reads both
    assert len(visible_ids(people["wang"], "comment")) == 2 and len(visible_ids(api, "comment")) == 2
    # once the record is shared with zhao, its comments are too, everywhere
    ok(api.post(f"/api/v1/records/account/{account}/shares", {"user": people["zhao_id"], "access": "read"}), 201)
    assert comments_of(zhao, account) == ["管理员：同意分期", "客户要求分期付款"]
    assert len(visible_ids(zhao, "comment")) == 2
    ok(zhao.post("/api/v1/collaboration/follow", {"object": "account", "record": account}), 201)
    assert [entry["body"] for entry in ok(zhao.get("/api/v1/collaboration/feed"))["entries"]] == [
        "管理员：同意分期", "客户要求分期付款"]  # fmt: skip
    # the record's page shows them in its one timeline, with the author; the feed page too
    page = signed_in(api.client.app, "zhao").get(f"/records/account/{account}")
    assert page.status_code == 200 and "管理员：同意分期" in page.text and "collab-box" in page.text
    # and they go when the record goes out of sight (ownership moves away from whoever shared it is kept: delete)
    ok(api.delete(f"/api/v1/records/account/{account}"), 204)
    assert visible_ids(zhao, "comment") == set() and ok(zhao.get("/api/v1/collaboration/feed"))["entries"] == []
    assert visible_ids(people["wang"], "comment") == set()


def test_followers_hear_of_others_comments_and_commenting_follows(
    api: Api, people: dict[str, Any], heard: list[Notice]
) -> None:
    set_default(api, "account", "read")
    account = people["account"]
    ok(people["zhao"].post("/api/v1/collaboration/follow", {"object": "account", "record": account}), 201)
    ok(people["zhao"].post("/api/v1/collaboration/follow", {"object": "account", "record": account}), 200)  # again
    comment(people["wang"], account, "已寄样品")
    changes = [notice for notice in heard if notice.kind == "followed_change"]
    assert [notice.recipients for notice in changes] == [(people["zhao_id"],)]
    assert (
        changes[0].params == {"actor": "王强", "record": "苏州恒信精密机械有限公司"} and changes[0].body == "已寄样品"
    )
    heard.clear()
    comment(people["zhao"], account, "收到，谢谢")  # wang follows since he commented; zhao is not told of his own
    assert [(notice.kind, notice.recipients) for notice in heard] == [("followed_change", (people["wang_id"],))]
    heard.clear()
    # mentioned and following: one notice (the mention), not two
    comment(people["zhao"], account, "@王强 请安排", [people["wang_id"]])
    assert [(notice.kind, notice.recipients) for notice in heard] == [("mention", (people["wang_id"],))]
    heard.clear()
    ok(people["wang"].delete(f"/api/v1/collaboration/follow?object=account&record={account}"), 204)
    comment(people["zhao"], account, "好的")
    assert heard == []
    ok(people["wang"].post("/api/v1/collaboration/follow", {"object": "account", "record": account}), 201)
    comment(people["zhao"], account, "明天见")
    assert [(notice.kind, notice.recipients) for notice in heard] == [("followed_change", (people["wang_id"],))]
    assert ok(people["wang"].get("/api/v1/recycle-bin"))["entries"] == []  # unfollowing deleted nothing


def test_bad_input_is_refused_not_a_server_error(api: Api, people: dict[str, Any]) -> None:
    account = people["account"]
    wang = people["wang"]
    for path in (f"{COMMENTS}", f"{COMMENTS}?object=account&record=abc", f"{COMMENTS}?object=account&record=-1",
                 f"{COMMENTS}?object=account&record={account}&cursor=%%%", f"{COMMENTS}?object=account&record=1&limit=0",
                 "/api/v1/collaboration/feed?cursor=bm9wZQ", "/api/v1/collaboration/feed?limit=1000"):  # fmt: skip
        assert wang.get(path).status_code == 400, path
    assert wang.get(f"{COMMENTS}?object=nothing&record=1").status_code == 404
    assert wang.get(f"{COMMENTS}?object=account&record=99999999").status_code == 404
    for body, status in (
        ({"object": "account", "record": account, "body": "   "}, 422),
        ({"object": "account", "record": account, "body": 12}, 422),
        ({"object": "nothing", "record": 1, "body": "x"}, 422),
        ({"object": "comment", "record": 1, "body": "x"}, 422),
        ({"object": "account", "body": "x"}, 400),
        ({"object": "account", "record": account, "body": "x", "mentions": [999999]}, 422),
        ({"object": "account", "record": account, "body": "x" * 4001}, 422),
        ({"object": "account", "record": account, "body": "x", "parent": "y"}, 422),
        ([1, 2], 400),
    ):
        assert wang.post(COMMENTS, body).status_code == status, body
    assert wang.post("/api/v1/collaboration/follow", {"object": "account", "record": "x"}).status_code == 400
    assert wang.post("/api/v1/collaboration/follow", [1]).status_code == 400
    assert wang.delete("/api/v1/collaboration/follow").status_code == 400


def test_odd_values_in_any_field_are_answered_without_a_server_error(api: Api, people: dict[str, Any]) -> None:
    account = people["account"]
    good = {"object": "account", "record": account, "body": "正常", "mentions": [], "parent": None}
    odd: list[Any] = [None, 0, -1, 2**70, "", "x", "１２", [], [None], {}, True, 1.5, "a" * 5000]
    for key in good:
        for value in odd:
            response = people["wang"].post(COMMENTS, {**good, key: value})
            assert response.status_code < 500, (key, value, response.text)
            assert response.status_code in (201, 400, 403, 404, 422), (key, value)
    for key in ("object", "record", "limit", "cursor"):
        for value in ("", "x", "-1", "1e9", "%00", "9" * 30):
            params = {"object": "account", "record": str(account), key: value}
            assert people["wang"].get(COMMENTS, params=params).status_code in (200, 400, 404), (key, value)


def test_the_notification_centre_stores_a_mention_in_the_readers_language(api: Api, people: dict[str, Any]) -> None:
    account = people["account"]
    ok(api.post(f"/api/v1/records/account/{account}/shares", {"user": people["zhao_id"], "access": "read"}), 201)
    comment(people["wang"], account, "@赵敏 请确认交期", [people["zhao_id"]])
    people["zhao"].language = "zh_CN"
    found = ok(people["zhao"].get("/api/v1/notifications"))
    assert "王强 在 苏州恒信精密机械有限公司 中提到了你" in str(found) and "请确认交期" in str(found)
    assert "请确认交期" not in str(ok(people["liu"].get("/api/v1/notifications")))
