"""Assignment notices: made the owner by someone else, told once; your own records and other changes say nothing;
the demo's replayed past says nothing at all."""

from __future__ import annotations

from huitong.engine import notices
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from tests.conftest import Api
from tests.security_fixtures import add_user, ok
from tests.test_sales_leads import created


def test_whoever_is_given_a_record_by_someone_else_is_told(
    api: Api, platform: Platform, admin: Actor, heard: list[Notice]
) -> None:
    rep_id, rep = add_user(api, platform, "rep", display_name="王伟")
    # a lead the administrator gives the rep, and one the rep makes themselves
    lead = created(api, "lead", {"name": "李娜", "company": "杭州云启科技", "owner": rep_id})
    created(rep, "lead", {"name": "赵强", "company": "苏州恒信"})
    # an account handed over, then edited without changing hands
    account = created(api, "account", {"name": "南京同创软件有限公司"})
    ok(api.post(f"/api/v1/records/account/{account['id']}/transfer", {"owner": rep_id}))
    current = ok(rep.get(f"/api/v1/records/account/{account['id']}"))
    ok(rep.patch(f"/api/v1/records/account/{account['id']}", {"level": "A", "version": current["version"]}))

    told = [(n.kind, n.recipients, n.object, n.record_id, n.params["record"]) for n in heard]
    assert told == [
        ("assignment", (rep_id,), "lead", lead["id"], "李娜"),
        ("assignment", (rep_id,), "account", account["id"], "南京同创软件有限公司"),
    ]
    assert heard[0].params["actor"] == "管理员"

    with notices.muted():  # the demo writes its past like this
        created(api, "lead", {"name": "周敏", "company": "无锡", "owner": rep_id})
    assert len(heard) == 2
