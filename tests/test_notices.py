"""The engine's notice routing: a notice about a record reaches only active recipients who may read the record, and
sinks see it inside the sender's transaction."""

from __future__ import annotations

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default
from tests.test_sales_leads import created


def test_a_notice_reaches_only_active_recipients_who_may_read_its_record(
    api: Api, platform: Platform, admin: Actor, heard: list[Notice]
) -> None:
    # Given accounts private to their owners, and three colleagues: the owner, an outsider, and one who left
    set_default(api, "account", "private", hierarchy=False)
    owner_id, owner = add_user(api, platform, "owner")
    outsider_id, _ = add_user(api, platform, "outsider")
    former_id, _ = add_user(api, platform, "former")
    account = created(owner, "account", {"name": "苏州恒信精密机械有限公司"})
    ok(api.patch(f"/api/v1/security/users/{former_id}", {"active": False}))

    # When a notice about the account is sent to all three (and the owner twice)
    with platform.records.transaction(admin) as context:
        sent = context.notify(
            Notice(
                "mention",
                (outsider_id, owner_id, former_id, owner_id),
                "%(actor)s mentioned you",
                object="account",
                record_id=account["id"],
            )
        )

    # Then only the owner receives it
    assert sent is not None and sent.recipients == (owner_id,)
    assert [notice.recipients for notice in heard] == [(owner_id,)]


def test_a_notice_nobody_may_read_is_not_sent(api: Api, platform: Platform, admin: Actor, heard: list[Notice]) -> None:
    set_default(api, "account", "private", hierarchy=False)
    outsider_id, _ = add_user(api, platform, "outsider")
    account = created(api, "account", {"name": "杭州云启科技有限公司"})
    with platform.records.transaction(admin) as context:
        assert (
            context.notify(Notice("deal_won", (outsider_id,), "won", object="account", record_id=account["id"])) is None
        )
    assert heard == []


def test_a_notice_about_no_record_reaches_every_active_recipient(
    api: Api, platform: Platform, admin: Actor, heard: list[Notice]
) -> None:
    first_id, _ = add_user(api, platform, "first")
    second_id, _ = add_user(api, platform, "second")
    with platform.records.transaction(admin) as context:
        context.notify(Notice("announcement", (first_id, second_id), "Office closed on Friday"))
    assert [notice.recipients for notice in heard] == [(first_id, second_id)]


def test_a_deleted_record_is_news_to_nobody(api: Api, platform: Platform, admin: Actor, heard: list[Notice]) -> None:
    account = created(api, "account", {"name": "南京同创软件有限公司"})
    ok(api.delete(f"/api/v1/records/account/{account['id']}"), 204)
    with platform.records.transaction(admin) as context:
        context.notify(Notice("mention", (admin.user_id,), "gone", object="account", record_id=account["id"]))
    assert heard == []
