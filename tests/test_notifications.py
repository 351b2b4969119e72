"""The notification centre: notices stored once per recipient (and once per key, even sent by two transactions at
once), private to the recipient, shown in the reader's language, and the API that reads and marks them."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from huitong.engine.i18n import N_
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security.tables import sharing_defaults
from huitong.modules import MODULES
from huitong.modules.notifications import center
from huitong.modules.notifications.announcements import MESSAGE as ANNOUNCED
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default, tree


def stored(platform: Platform, **where: Any) -> list[dict[str, Any]]:
    """Every notification row (a system read, for checking what the sink wrote)."""
    with platform.db.read() as connection:
        table = platform.cache.current(connection).table("notification")
        query = table.select().order_by(table.c.id)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return [dict(row) for row in connection.execute(query).mappings()]


def notify(platform: Platform, actor: Actor, notice: Notice) -> Notice | None:
    with platform.records.transaction(actor) as context:
        return context.notify(notice)


def test_a_notice_is_stored_once_per_recipient_owned_by_them_and_read_in_their_language(
    api: Api, platform: Platform, admin: Actor
) -> None:
    english_id, english = add_user(api, platform, "english", locale="en")
    chinese_id, chinese = add_user(api, platform, "chinese", locale="zh_CN")

    sent = notify(platform, admin, Notice("announcement", (english_id, chinese_id), ANNOUNCED,
                                          {"title": "Q3 kick-off"}, actor_id=admin.user_id, body="Friday 9:00"))  # fmt: skip

    assert sent is not None
    rows = stored(platform)
    assert [(row["owner"], row["kind"], row["message"]) for row in rows] == [
        (english_id, "announcement", ANNOUNCED),
        (chinese_id, "announcement", ANNOUNCED),
    ]
    # the msgid is kept and translated when read, in the reader's language
    english_list = ok(english.get("/api/v1/notifications"))
    chinese_list = ok(chinese.get("/api/v1/notifications", headers={"Accept-Language": "zh-CN"}))
    assert [n["text"] for n in english_list["notifications"]] == ["New announcement: Q3 kick-off"]
    assert [n["text"] for n in chinese_list["notifications"]] == ["新公告：Q3 kick-off"]
    assert english_list["unread"] == 1 and english_list["notifications"][0]["body"] == "Friday 9:00"


def test_a_keyed_notice_reaches_a_user_once_and_the_senders_transaction_carries_on(
    api: Api, platform: Platform, admin: Actor
) -> None:
    user_id, _ = add_user(api, platform, "rep")
    notice = Notice("task_reminder", (user_id,), N_("Task due soon: %(subject)s"), {"subject": "Call Li"},
                    key="task:7:reminder")  # fmt: skip
    notify(platform, admin, notice)
    with platform.records.transaction(admin) as context:
        context.notify(notice)
        account = context.records.create_in(context, "account", {"name": "杭州云启科技有限公司"})
    assert len(stored(platform, owner=user_id)) == 1
    assert ok(api.get(f"/api/v1/records/account/{account.values['id']}"))["name"] == "杭州云启科技有限公司"
    # a different key, or another user, is another notification
    notify(platform, admin, Notice("task_reminder", (user_id,), "Task due soon", key="task:8:reminder"))
    assert len(stored(platform, owner=user_id)) == 2


def test_two_transactions_sending_the_same_keyed_notice_at_once_store_it_once(
    api: Api, platform: Platform, admin: Actor
) -> None:
    user_id, _ = add_user(api, platform, "rep")
    second = Platform(platform.settings, MODULES, clock=platform.clock)  # another process's connections
    # PostgreSQL runs both transactions side by side: both are open (and have looked) before either inserts, and
    # the unique index decides. SQLite takes the write lock at BEGIN, so there the second waits for the first.
    both_open = threading.Barrier(1 if platform.db.is_sqlite else 2)
    errors: list[BaseException] = []
    notice = Notice("task_reminder", (user_id,), "Task due soon", key="task:9:reminder")

    def send(on: Platform, name: str) -> None:
        try:
            with on.records.transaction(admin) as context:
                both_open.wait(timeout=10)
                context.notify(notice)
                context.records.create_in(context, "account", {"name": name})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(on, name)) for on, name in ((platform, "甲"), (second, "乙"))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        second.close()
    assert errors == []
    assert len(stored(platform, owner=user_id)) == 1
    names = {r["name"] for r in ok(api.post("/api/v1/records/account/query", {"fields": ["name"]}))["records"]}
    assert names == {"甲", "乙"}  # both senders' own work committed


def test_a_notification_is_private_to_its_recipient_even_from_their_manager_and_the_administrator(
    api: Api, platform: Platform, admin: Actor
) -> None:
    roles = tree(api, "roles", [("manager", None), ("rep", "manager")])
    _manager_id, manager = add_user(api, platform, "manager", role=roles["manager"])
    rep_id, rep = add_user(api, platform, "rep", role=roles["rep"])
    notify(platform, admin, Notice("deal_won", (rep_id,), "Deal won", key="won:1"))
    notify(platform, admin, Notice("deal_won", (admin.user_id,), "Deal won", key="won:1"))
    theirs = stored(platform, owner=rep_id)[0]

    # the manager (above the rep in the role hierarchy) does not read it through the records API either
    assert manager.get(f"/api/v1/records/notification/{theirs['id']}").status_code == 404
    assert ok(manager.get("/api/v1/notifications"))["notifications"] == []
    # nobody else reads or marks it: 404, not 403
    for other in (manager, api):
        assert other.post(f"/api/v1/notifications/{theirs['id']}/read").status_code == 404
    # the administrator's bell shows their own only
    mine = ok(api.get("/api/v1/notifications"))["notifications"]
    assert [n["id"] for n in mine] == [stored(platform, owner=admin.user_id)[0]["id"]]
    assert stored(platform, owner=rep_id)[0]["read_at"] is None
    # the recipient reads and marks it
    marked = ok(rep.post(f"/api/v1/notifications/{theirs['id']}/read"))
    assert marked["read"] is True
    assert ok(rep.get("/api/v1/notifications/unread-count"))["unread"] == 0


def test_the_list_pages_filters_unread_and_marks_all_read(api: Api, platform: Platform, admin: Actor) -> None:
    user_id, user = add_user(api, platform, "rep")
    for number in range(25):
        notify(platform, admin, Notice("overdue", (user_id,), "Task overdue: %(subject)s", {"subject": f"#{number}"}))
    first = ok(user.get("/api/v1/notifications?limit=10"))
    assert first["total"] == 25 and first["unread"] == 25 and len(first["notifications"]) == 10
    assert first["notifications"][0]["text"] == "Task overdue: #24"  # newest first
    ok(user.post(f"/api/v1/notifications/{first['notifications'][0]['id']}/read"))
    unread = ok(user.get("/api/v1/notifications?unread=true&limit=100"))
    assert unread["total"] == 24 and all(not n["read"] for n in unread["notifications"])
    third = ok(user.get("/api/v1/notifications?offset=20&limit=10"))
    assert [n["text"] for n in third["notifications"]] == [f"Task overdue: #{n}" for n in range(4, -1, -1)]

    assert ok(user.post("/api/v1/notifications/read-all"))["marked"] == 24
    assert ok(user.get("/api/v1/notifications/unread-count")) == {"unread": 0, "newest": None}


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "offset=x", "unread=maybe", "limit=1e3"])
def test_bad_paging_is_a_400_that_names_the_parameter(api: Api, query: str) -> None:
    response = api.get(f"/api/v1/notifications?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_a_notice_of_a_record_the_recipient_may_not_read_is_not_stored(api: Api, platform: Platform,
                                                                        admin: Actor) -> None:  # fmt: skip
    set_default(api, "account", "private", hierarchy=False)
    outsider_id, outsider = add_user(api, platform, "outsider")
    account = ok(api.post("/api/v1/records/account", {"name": "苏州恒信精密机械有限公司"}), 201)
    notify(platform, admin, Notice("mention", (outsider_id,), "Mentioned", object="account", record_id=account["id"]))
    assert stored(platform, owner=outsider_id) == []
    assert ok(outsider.get("/api/v1/notifications"))["total"] == 0


def test_unread_count_gives_the_newest_for_the_bell(api: Api, platform: Platform, admin: Actor) -> None:
    user_id, user = add_user(api, platform, "rep", locale="en")
    account = ok(user.post("/api/v1/records/account", {"name": "Acme"}), 201)  # theirs, so they may read it
    notify(platform, admin, Notice("assignment", (user_id,), "Assigned to you: %(record)s", {"record": "Acme"},
                                   object="account", record_id=account["id"]))  # fmt: skip
    body = ok(user.get("/api/v1/notifications/unread-count"))
    assert body["unread"] == 1
    assert body["newest"]["link"] == f"/records/account/{account['id']}"
    assert body["newest"]["text"] == "Assigned to you: Acme"
    count, newest = center.unread_count(platform, Actor(user_id))
    assert count == 1 and newest is not None and newest["kind"] == "assignment"


def test_the_declared_sharing_default_is_written_once_and_an_administrators_choice_kept(
    api: Api, platform: Platform
) -> None:
    with platform.db.read() as connection:
        rows = {row.object_name: (row.access, row.grant_via_hierarchy)
                for row in connection.execute(select(sharing_defaults))}  # fmt: skip
    assert rows["notification"] == ("private", False)
    assert rows["notification_setting"] == ("private", False)
    assert rows["announcement"] == ("read", True)
    set_default(api, "notification", "private", hierarchy=True)  # an administrator decides otherwise
    platform.migrate()
    with platform.db.read() as connection:
        kept = connection.execute(
            select(sharing_defaults.c.grant_via_hierarchy).where(sharing_defaults.c.object_name == "notification")
        ).scalar_one()
    assert kept is True
