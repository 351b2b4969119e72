"""Comments on custom objects and through the generic records API keep the same rules; replies, edits, and the
work circle leaving out changes of fields hidden from the reader. The company of ``tests/security_fixtures.py``:
equipment private through the role hierarchy, the Sales profile (wang, zhao) not seeing ``x_price``."""

from __future__ import annotations

from typing import Any

import pytest

from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from tests.conftest import Api
from tests.security_fixtures import Org, build_org, ok, patch, visible_ids

COMMENTS = "/api/v1/collaboration/comments"


@pytest.fixture
def org(equipment: Api, platform: Platform) -> Org:
    return build_org(equipment, platform)


def about(org: Org, serial: str, body: str, **more: Any) -> dict[str, Any]:
    return {"object": "x_equipment", "record": org.equipment[serial], "body": body, **more}


def test_comments_on_a_custom_object_follow_its_hierarchy(org: Org, heard: list[Notice]) -> None:
    liu, north_mgr = org.apis["liu"], org.apis["north_mgr"]
    ok(liu.post(COMMENTS, about(org, "E-LIU-1", "@north_mgr 这台设备需要返修", mentions=[])), 201)
    assert [(notice.kind, notice.recipients) for notice in heard] == [("mention", (org.users["north_mgr"],))]
    # his manager and those above read it; the east region does not, nor the Sales profile (no comments at all)
    for username in ("north_mgr", "director", "ceo"):
        assert len(visible_ids(org.apis[username], "comment")) == 1, username
    assert visible_ids(org.apis["east_mgr"], "comment") == set()
    assert org.apis["wang"].post("/api/v1/records/comment/query", {}).status_code == 403
    assert org.apis["wang"].post(COMMENTS, about(org, "E-WANG-1", "试试")).status_code == 403
    refused = north_mgr.post(COMMENTS, about(org, "E-LIU-1", "@east_mgr @zhao 知悉", mentions=[org.users["zhao"]]))
    assert refused.status_code == 422
    assert sorted(error["message"] for error in refused.json()["errors"]) == [
        "east_mgr cannot see this record.", "zhao cannot see this record."]  # fmt: skip
    # a former colleague cannot be chosen
    gone = liu.post(COMMENTS, about(org, "E-LIU-1", "@former", mentions=[org.users["former"]]))
    assert gone.status_code == 422 and gone.json()["errors"][0]["code"] == "inactive_user"


def test_the_generic_records_api_keeps_the_rules(org: Org, heard: list[Notice]) -> None:
    liu, north_mgr = org.apis["liu"], org.apis["north_mgr"]
    record = org.equipment["E-LIU-1"]
    refused = liu.post("/api/v1/records/comment", {"object_name": "x_equipment", "record_id": record,
                                                   "body": "@east_mgr 看看"})  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "east_mgr cannot see this record."
    hidden = liu.post("/api/v1/records/comment", {"object_name": "x_equipment", "record_id": org.equipment["E-WANG-1"],
                                                  "body": "偷看"})  # fmt: skip
    assert hidden.status_code == 422 and "E-WANG-1" not in hidden.text
    saved = ok(liu.post("/api/v1/records/comment", {"object_name": "x_equipment", "record_id": record,
                                                    "body": "已联系厂家"}), 201)  # fmt: skip
    # a reply is about its parent's record, and cannot be about another
    reply = ok(north_mgr.post(COMMENTS, {"body": "好", "parent": saved["id"]}), 201)
    assert (reply["object"], reply["record"]) == ("x_equipment", record)
    assert north_mgr.post(COMMENTS, about(org, "E-NORTH-M", "x", parent=saved["id"])).status_code == 422
    # only the author edits; an added mention tells only the newly mentioned
    heard.clear()
    assert patch(org.admin, north_mgr, saved["id"], {"body": "改"}, "comment").status_code == 403
    ok(patch(org.admin, liu, saved["id"], {"body": "已联系厂家 @north_mgr"}, "comment"))
    assert [(notice.kind, notice.recipients) for notice in heard] == [("mention", (org.users["north_mgr"],))]
    heard.clear()
    ok(patch(org.admin, liu, saved["id"], {"body": "已联系厂家 @north_mgr 明天到货"}, "comment"))
    assert heard == []  # already mentioned
    moved = patch(org.admin, liu, saved["id"], {"record_id": org.equipment["E-NORTH-M"]}, "comment")
    assert moved.status_code == 422


def test_the_work_circle_leaves_out_changes_of_fields_hidden_from_the_reader(org: Org) -> None:
    record = org.equipment["E-WANG-1"]
    for username in ("wang", "east_mgr"):
        ok(org.apis[username].post("/api/v1/collaboration/follow", {"object": "x_equipment", "record": record}), 201)
    ok(patch(org.admin, org.admin, record, {"x_price": "150.00"}))
    ok(patch(org.admin, org.admin, record, {"owner": org.users["zhao"]}))
    seen = {username: [entry["field"] for entry in ok(org.apis[username].get("/api/v1/collaboration/feed"))["entries"]]
            for username in ("wang", "east_mgr")}  # fmt: skip
    assert seen["east_mgr"] == ["owner", "x_price"]
    assert seen["wang"] == []  # x_price is hidden from the Sales profile, and the record is now zhao's
