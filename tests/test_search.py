"""Global search: Chinese substrings, pinyin and initials, phone numbers, emails; only what the user may read."""

from __future__ import annotations

from typing import Any

import pytest

from huitong.config import Settings
from huitong.engine.jobs.queue import Tasks, make_huey
from huitong.engine.platform import Platform
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor
from huitong.engine.search.maintenance import queue_everything, reindex_pending
from huitong.engine.search.query import SearchHit, search
from huitong.engine.search.terms import digit_terms, normalize_query, text_terms
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default

CONTACTS: list[dict[str, Any]] = [
    {"name": "张三丰", "mobile": "138-1234-5678", "email": "sanfeng.zhang@wudang.cn"},
    {"name": "张三", "mobile": "13912345678"},
    {"name": "李四", "phone": "+86 21 5555 0199", "email": "lisi@example.com"},
    {"name": "Alice Chen", "email": "alice@acme.com"},
]


def titles(hits: list[SearchHit], object_name: str = "contact") -> list[str]:
    return [hit.title for hit in hits if hit.object == object_name]


def found(api: Api, q: str, **params: Any) -> list[dict[str, Any]]:
    return list(ok(api.get("/api/v1/search", params={"q": q, **params}))["results"])


@pytest.fixture
def contacts(platform: Platform, admin: Actor) -> dict[str, int]:
    return {data["name"]: platform.records.create(admin, "contact", data)["id"] for data in CONTACTS}


# -- terms -------------------------------------------------------------------------------------------------------------
def test_a_chinese_name_gives_its_substrings_pinyin_and_initials() -> None:
    terms = dict(text_terms("张三丰"))
    assert terms == {"张三丰": True, "三丰": False, "zhangsanfeng": True, "sanfeng": False, "feng": False,
                     "zsf": True, "sf": False}  # fmt: skip


def test_a_phone_gives_every_suffix_of_four_digits_or_more() -> None:
    assert [term for term, _start in digit_terms("138-1234-5678")] == [
        "13812345678", "3812345678", "812345678", "12345678", "2345678", "345678", "45678", "5678",
    ]  # fmt: skip
    assert digit_terms("021 5555 1234 ext 88")[0] == ("02155551234", True)


def test_queries_are_normalized_like_terms() -> None:
    assert normalize_query(" 138-1234 5678 ") == "13812345678"
    assert normalize_query("Zhang San") == "zhangsan"
    assert normalize_query("ＡＢＣ") == "abc"  # full-width letters from a Chinese keyboard
    assert normalize_query("-- ") == ""


# -- finding -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", ["张三", "张三丰"]),  # the exact match first
        ("三丰", ["张三丰"]),  # two characters inside a name
        ("zhangsan", ["张三", "张三丰"]),
        ("zs", ["张三", "张三丰"]),
        ("zsf", ["张三丰"]),
        ("sanfeng", ["张三丰"]),
        ("Zhang San", ["张三", "张三丰"]),
        ("138-1234-5678", ["张三丰"]),
        ("138 1234 5678", ["张三丰"]),
        ("13812345678", ["张三丰"]),
        ("5678", ["张三丰", "张三"]),  # the last digits of both mobiles; the whole of neither
        ("55550199", ["李四"]),
        ("lisi@example.com", ["李四"]),
        ("wudang", ["张三丰"]),
        ("alice", ["Alice Chen"]),
        ("chen", ["Alice Chen"]),
        ("王五", []),
    ],
)
def test_search_finds_contacts(platform: Platform, admin: Actor, contacts: dict[str, int], query: str,
                               expected: list[str]) -> None:  # fmt: skip
    assert sorted(titles(search(platform.records, admin, query))) == sorted(expected)
    if len(expected) > 1 and query != "5678":
        assert titles(search(platform.records, admin, query))[0] == expected[0]


def test_the_hit_names_what_matched(platform: Platform, admin: Actor, contacts: dict[str, int]) -> None:
    (hit,) = search(platform.records, admin, "1381234")
    assert (hit.object, hit.id, hit.title, hit.subtitle, hit.field) == (
        "contact", contacts["张三丰"], "张三丰", "138-1234-5678", "mobile",
    )  # fmt: skip
    (by_name,) = search(platform.records, admin, "三丰")
    assert by_name.subtitle == "138-1234-5678"  # another searchable value of the record


def test_results_are_grouped_by_object_and_limited_per_object(platform: Platform, admin: Actor) -> None:
    platform.records.create(admin, "account", {"name": "张三科技有限公司"})
    for index in range(5):
        platform.records.create(admin, "contact", {"name": f"张三{index}"})
    hits = search(platform.records, admin, "zs", limit=3)
    assert [hit.object for hit in hits] == ["account", "contact", "contact", "contact"]
    assert [hit.object for hit in search(platform.records, admin, "zs", limit=3, objects=["contact"])] == [
        "contact"
    ] * 3


def test_an_updated_name_is_found_by_the_new_name_only(
    platform: Platform, admin: Actor, contacts: dict[str, int]
) -> None:
    record_id = contacts["李四"]
    platform.records.update(admin, "contact", record_id, {"name": "王五"}, None)
    assert titles(search(platform.records, admin, "王五")) == ["王五"]
    assert titles(search(platform.records, admin, "ww")) == ["王五"]
    assert titles(search(platform.records, admin, "lisi")) == ["王五"]  # still by the email
    assert titles(search(platform.records, admin, "李四")) == []


def test_deleted_records_are_gone_and_come_back_when_restored(
    platform: Platform, admin: Actor, contacts: dict[str, int]
) -> None:
    platform.records.delete(admin, "contact", contacts["张三丰"])
    assert titles(search(platform.records, admin, "zs")) == ["张三"]
    platform.records.restore(admin, "contact", contacts["张三丰"])
    assert sorted(titles(search(platform.records, admin, "zs"))) == ["张三", "张三丰"]


def test_bulk_created_and_updated_records_are_found(platform: Platform, admin: Actor) -> None:
    writer = BulkWriter(platform.records)
    records = [{"name": f"赵{index}", "mobile": f"1370000{index:04d}"} for index in range(50)]
    failed, results = writer.run(admin, "contact", {"operation": "create", "records": records})
    assert not failed
    assert len(titles(search(platform.records, admin, "zhao", limit=50))) == 50
    first = results[0]["id"]
    failed, _ = writer.run(admin, "contact", {"operation": "update", "records": [{"id": first, "mobile": None}]})
    assert not failed
    assert titles(search(platform.records, admin, "13700000000")) == []
    assert len(titles(search(platform.records, admin, "1370000", limit=50))) == 49


def test_custom_objects_are_searched_by_their_title_field(equipment: Api) -> None:
    ok(equipment.post("/api/v1/records/x_site", {"x_name": "上海浦东站"}), 201)
    assert [(hit["object"], hit["title"]) for hit in found(equipment, "pudong")] == [("x_site", "上海浦东站")]
    assert [hit["title"] for hit in found(equipment, "浦东")] == ["上海浦东站"]


def test_a_field_made_searchable_finds_existing_records_after_reindexing(
    platform: Platform, admin: Actor, api: Api, contacts: dict[str, int]
) -> None:
    platform.records.update(admin, "contact", contacts["张三"], {"wechat": "wx_zhangsan88"}, None)
    assert found(api, "zhangsan88") == []
    field = ok(api.patch("/api/v1/meta/objects/contact/fields/wechat", {"searchable": True}))
    assert field["searchable"] is True
    reindex_pending(platform.db, platform.cache)
    assert [hit["title"] for hit in found(api, "zhangsan88")] == ["张三"]
    ok(api.patch("/api/v1/meta/objects/contact/fields/wechat", {"searchable": False}))
    assert found(api, "zhangsan88") == []


def test_the_periodic_job_indexes_fields_made_searchable(
    platform: Platform, admin: Actor, api: Api, contacts: dict[str, int], tmp_path: Any
) -> None:
    platform.records.update(admin, "contact", contacts["李四"], {"department": "华东销售部"}, None)
    ok(api.patch("/api/v1/meta/objects/contact/fields/department", {"searchable": True}))
    tasks = Tasks(make_huey(Settings(jobs_path=str(tmp_path / "jobs.db")), immediate=True), lambda: platform)
    tasks.reindex_search()
    assert [hit["title"] for hit in found(api, "销售部")] == ["李四"]


def test_a_full_rebuild_finds_the_same_records(platform: Platform, admin: Actor, contacts: dict[str, int]) -> None:
    before = search(platform.records, admin, "zs")
    with platform.db.write() as connection:
        queue_everything(connection, rebuild=True)
    assert search(platform.records, admin, "zs") == []
    assert reindex_pending(platform.db, platform.cache, batch=2) == len(CONTACTS) * 4  # four searchable fields
    assert search(platform.records, admin, "zs") == before


def test_a_type_that_cannot_be_searched_refuses_the_flag(api: Api) -> None:
    response = api.patch("/api/v1/meta/objects/contact/fields/birthday", {"searchable": True})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "searchable"


# -- who sees what -----------------------------------------------------------------------------------------------------
@pytest.fixture
def reps(api: Api, platform: Platform) -> dict[str, Any]:
    """Two reps on a profile that hides contact emails; contacts private to their owners."""
    profile = ok(api.post("/api/v1/security/profiles", {
        "name": "Rep", "objects": {"contact": {"create": True, "read": True, "edit": True}},
        "fields": {"contact.email": "hidden"},
    }), 201)["id"]  # fmt: skip
    set_default(api, "contact", "private", hierarchy=False)
    wang, wang_api = add_user(api, platform, "wang", profile=profile)
    zhao, zhao_api = add_user(api, platform, "zhao", profile=profile)
    ids = {}
    for name, owner, email in (("张伟", wang, "zhangwei@acme.com"), ("张卫", zhao, "zw@acme.com")):
        ids[name] = ok(api.post("/api/v1/records/contact", {"name": name, "email": email, "owner": owner}), 201)["id"]
    return {"wang": wang_api, "zhao": zhao_api, "ids": ids}


def test_records_the_user_may_not_read_are_not_returned(api: Api, reps: dict[str, Any]) -> None:
    assert sorted(hit["title"] for hit in found(api, "zw")) == ["张伟", "张卫"]
    assert [hit["title"] for hit in found(reps["wang"], "zw")] == ["张伟"]
    assert [hit["title"] for hit in found(reps["zhao"], "zw")] == ["张卫"]


def test_a_field_the_user_may_not_read_is_neither_matched_nor_shown(api: Api, reps: dict[str, Any]) -> None:
    assert [hit["title"] for hit in found(api, "zhangwei@acme")] == ["张伟"]
    assert found(reps["wang"], "zhangwei@acme") == []
    assert found(reps["wang"], "acme") == []
    (hit,) = found(reps["wang"], "张伟")
    assert hit["subtitle"] is None and hit["field"] == "name"


def test_objects_the_user_may_not_read_are_not_searched(api: Api, platform: Platform, reps: dict[str, Any]) -> None:
    ok(api.post("/api/v1/records/account", {"name": "张伟贸易有限公司"}), 201)
    assert {hit["object"] for hit in found(api, "zw")} == {"account", "contact"}
    assert {hit["object"] for hit in found(reps["wang"], "zw")} == {"contact"}


def test_a_narrow_user_searches_their_owners_terms_and_what_is_shared_with_them(
    api: Api, platform: Platform, reps: dict[str, Any]
) -> None:
    # given: wang reads only his own contacts, so search reads them through the policy's read branches
    wang_id = ok(api.get("/api/v1/records/contact/" + str(reps["ids"]["张伟"])))["owner"]
    zhao_id = ok(api.get("/api/v1/records/contact/" + str(reps["ids"]["张卫"])))["owner"]
    with platform.records.reading(Actor(wang_id)) as (_connection, actor, schema):
        branches = platform.access.read_branches(actor, schema.object("contact"), schema.table("contact"))
    assert branches is not None
    assert [hit["title"] for hit in found(reps["wang"], "zw")] == ["张伟"]
    # when: zhao shares 张卫 with wang
    ok(
        reps["zhao"].post(f"/api/v1/records/contact/{reps['ids']['张卫']}/shares", {"user": wang_id, "access": "read"}),
        201,
    )
    # then: wang finds it through the shared part
    assert sorted(hit["title"] for hit in found(reps["wang"], "zw")) == ["张伟", "张卫"]
    # when: 张伟 changes hands to zhao
    ok(api.patch(f"/api/v1/records/contact/{reps['ids']['张伟']}", {"owner": zhao_id, "version": 1}))
    # then: zhao finds both as their owner (the terms followed the record), wang only what is shared with him
    assert sorted(hit["title"] for hit in found(reps["zhao"], "zw")) == ["张伟", "张卫"]
    assert [hit["title"] for hit in found(reps["wang"], "zw")] == ["张卫"]


# -- the API -----------------------------------------------------------------------------------------------------------
def test_the_api_answers_the_contract(api: Api, contacts: dict[str, int]) -> None:
    body = ok(api.get("/api/v1/search", params={"q": "zs", "limit": 20}))
    assert body["results"][0] == {"object": "contact", "id": contacts["张三"], "title": "张三",
                                  "subtitle": "13912345678", "field": "name"}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "status"),
    [({"q": "zs", "limit": "0"}, 400), ({"q": "zs", "limit": "x"}, 400), ({"q": "zs", "limit": "51"}, 400),
     ({"q": "zs", "sort": "x"}, 400), ({"q": "x" * 201}, 400), ({"q": "zs", "objects": "nothing"}, 404),
     ({"q": ""}, 200), ({}, 200)],
)  # fmt: skip
def test_the_api_refuses_bad_parameters(api: Api, params: dict[str, str], status: int) -> None:
    assert api.get("/api/v1/search", params=params).status_code == status


def test_the_api_needs_a_signed_in_user(client: Any) -> None:
    assert client.get("/api/v1/search", params={"q": "zs"}).status_code == 401
