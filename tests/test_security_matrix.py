"""The authorization matrix: every record, meta and security route, for an administrator, a Standard user (liu), a
user of the restricted custom profile "Sales" (wang: no cost field, sites read only) and a deactivated user (former),
with the exact status of each allowed and refused case; and the indirect leaks (counts, lookups, hidden fields,
error bodies, recycle bin, history).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from huitong.engine.platform import Platform
from tests.conftest import Api
from tests.security_fixtures import Org, build_org, ok, patch, put, record, visible_ids

EQUIPMENT = "/api/v1/records/x_equipment"
MISSING = 987654
NOT_VISIBLE = "This record does not exist or you may not see it."
PROFILE_REFUSES = "Your profile does not allow this on these records."


@pytest.fixture
def org(equipment: Api, platform: Platform) -> Org:
    return build_org(equipment, platform)


def renamed(response: Any, old: str, new: str) -> Any:
    """The JSON body of ``response`` with every ``old`` (a field name) written as ``new``."""
    return json.loads(json.dumps(response.json(), ensure_ascii=False).replace(old, new))


def assert_like_unknown(hidden: Any, unknown: Any, *, hidden_name: str = "x_price", status: int = 400) -> None:
    """A request naming a hidden field is answered exactly as one naming a field that does not exist."""
    assert (hidden.status_code, unknown.status_code) == (status, status), (hidden.text, unknown.text)
    assert hidden.json() == renamed(unknown, "x_nope", hidden_name)


def assert_like_missing(invisible: Any, missing: Any, status: int = 404) -> None:
    """A record one may not see is answered exactly as a record that does not exist."""
    assert (invisible.status_code, missing.status_code) == (status, status), (invisible.text, missing.text)
    assert invisible.json() == missing.json()


def share(org: Org, record_id: int, username: str, access: str) -> int:
    body = {"user": org.users[username], "access": access}
    return int(ok(org.admin.post(f"{EQUIPMENT}/{record_id}/shares", body), 201)["id"])


# -- reading ---------------------------------------------------------------------------------------------------------


def test_lists_queries_and_counts_show_each_user_what_they_may_read(org: Org) -> None:
    expected = {
        "wang": {"E-WANG-1", "E-WANG-2"},
        "zhao": {"E-ZHAO-1"},
        "liu": {"E-LIU-1"},
        "east_mgr": {"E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"},
        "north_mgr": {"E-NORTH-M", "E-LIU-1", "E-FORMER"},
        "director": set(org.equipment) - {"E-CEO"},
        "ceo": set(org.equipment),
    }
    for name, serials in expected.items():
        assert org.serials(visible_ids(org[name], page=2)) == serials, name
        listed = ok(org[name].get(f"{EQUIPMENT}?count=true&limit=1000"))
        assert ({r["x_serial"] for r in listed["records"]}, listed["total"]) == (serials, len(serials)), name
    assert visible_ids(org.admin) == set(org.equipment.values())
    assert org["former"].get(EQUIPMENT).status_code == 401
    assert org["former"].post(f"{EQUIPMENT}/query", {}).status_code == 401


def test_objects_outside_a_profile_are_refused_with_403(org: Org) -> None:
    ok(org.admin.post("/api/v1/records/account", {"name": "上海汇通贸易有限公司"}), 201)
    statuses = {
        name: (
            org[name].get("/api/v1/records/account").status_code,
            org[name].post("/api/v1/records/account/query", {}).status_code,
            org[name].post("/api/v1/records/account/aggregate", {}).status_code,
            org[name].post("/api/v1/records/account", {"name": "北京汇通"}).status_code,
        )
        for name in ("liu", "wang", "former")
    }
    assert statuses == {"liu": (200, 200, 200, 201), "wang": (403, 403, 403, 403), "former": (401, 401, 401, 401)}
    refused = org["wang"].get("/api/v1/records/account")
    assert (refused.json()["code"], refused.json()["detail"]) == ("forbidden", PROFILE_REFUSES)
    # Standard user liu sees only what they own (the account the admin made is not theirs)
    assert [r["name"] for r in ok(org["liu"].get("/api/v1/records/account"))["records"]] == ["北京汇通"]


def test_reading_a_record_answers_404_alike_for_invisible_and_missing_records(org: Org) -> None:
    zhao_record, wang_record = org.equipment["E-ZHAO-1"], org.equipment["E-WANG-1"]
    assert record(org["wang"], wang_record).status_code == 200
    assert record(org.admin, zhao_record).status_code == 200
    assert record(org["east_mgr"], zhao_record).status_code == 200
    assert record(org["former"], wang_record).status_code == 401
    for path in ("", "/history", "/shares"):
        invisible = org["wang"].get(f"{EQUIPMENT}/{zhao_record}{path}")
        missing = org["wang"].get(f"{EQUIPMENT}/{MISSING}{path}")
        assert_like_missing(invisible, missing)
        assert invisible.json()["detail"] == NOT_VISIBLE
    assert_like_missing(org["liu"].get(f"{EQUIPMENT}/{wang_record}"), org["liu"].get(f"{EQUIPMENT}/{MISSING}"))


def test_writing_a_record_one_may_not_see_answers_404_alike_for_invisible_and_missing(org: Org) -> None:
    invisible, wang = org.equipment["E-ZHAO-1"], org["wang"]
    cases = [
        lambda record_id: wang.patch(f"{EQUIPMENT}/{record_id}", {"version": 1, "x_status": "repair"}),
        lambda record_id: wang.delete(f"{EQUIPMENT}/{record_id}"),
        lambda record_id: wang.post(f"{EQUIPMENT}/{record_id}/transfer", {"owner": org.users["wang"]}),
        lambda record_id: wang.post(f"{EQUIPMENT}/{record_id}/shares", {"user": org.users["liu"], "access": "read"}),
        lambda record_id: wang.delete(f"{EQUIPMENT}/{record_id}/shares/1"),
    ]
    for case in cases:
        assert_like_missing(case(invisible), case(MISSING))
    assert ok(record(org.admin, invisible))["version"] == 1
    assert ok(org.admin.get(f"{EQUIPMENT}/{invisible}/shares")) == {"shares": []}


# -- creating and changing -------------------------------------------------------------------------------------------


def test_creating_records_by_profile(org: Org) -> None:
    def create(name: str, object_name: str, body: dict[str, Any]) -> int:
        return int(org[name].post(f"/api/v1/records/{object_name}", body).status_code)

    assert ok(org.admin.post(EQUIPMENT, {"x_serial": "N-ADMIN", "x_price": "1.00"}), 201)["x_price"] == "1.00"
    assert ok(org["liu"].post(EQUIPMENT, {"x_serial": "N-LIU", "x_price": "2.00"}), 201)["x_price"] == "2.00"
    created = ok(org["wang"].post(EQUIPMENT, {"x_serial": "N-WANG", "x_status": "active"}), 201)
    assert "x_price" not in created
    assert created["owner"] == org.users["wang"]
    assert create("former", "x_equipment", {"x_serial": "N-FORMER"}) == 401
    assert {name: create(name, "x_site", {"x_name": f"{name}站"}) for name in ("liu", "wang", "former")} == {
        "liu": 201, "wang": 403, "former": 401,
    }  # fmt: skip
    # the hidden field is refused on write exactly like a field that does not exist; a read-only one as read-only
    assert_like_unknown(
        org["wang"].post(EQUIPMENT, {"x_serial": "N-2", "x_price": "5"}),
        org["wang"].post(EQUIPMENT, {"x_serial": "N-2", "x_nope": "5"}),
        status=422,
    )
    read_only = org["wang"].post(EQUIPMENT, {"x_serial": "N-3", "x_installed": "2026-03-02"})
    assert read_only.status_code == 422
    assert [(e["field"], e["code"]) for e in read_only.json()["errors"]] == [("x_installed", "read_only")]
    assert {r["x_serial"] for r in ok(org["wang"].get(EQUIPMENT))["records"]} == {"E-WANG-1", "E-WANG-2", "N-WANG"}


def test_updating_records_by_access(org: Org) -> None:
    wang_1, wang_2, liu_1 = (org.equipment[s] for s in ("E-WANG-1", "E-WANG-2", "E-LIU-1"))
    share(org, wang_2, "liu", "read")
    changed = ok(patch(org.admin, org["wang"], wang_1, {"x_status": "repair"}))
    assert changed["x_status"] == "repair"
    assert "x_price" not in changed
    assert ok(patch(org.admin, org["east_mgr"], wang_1, {"x_status": "retired"}))["x_status"] == "retired"
    assert ok(patch(org.admin, org.admin, liu_1, {"x_price": "401"}))["x_price"] == "401.00"
    assert ok(patch(org.admin, org["liu"], liu_1, {"x_price": "402"}))["x_price"] == "402.00"
    refused = patch(org.admin, org["liu"], wang_2, {"x_status": "repair"})
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["detail"]) == (
        "forbidden", "You may see this record but not change or delete it.",
    )  # fmt: skip
    assert patch(org.admin, org["zhao"], wang_2, {"x_status": "repair"}).status_code == 404
    assert patch(org.admin, org["former"], org.equipment["E-FORMER"], {"x_status": "repair"}).status_code == 401
    assert patch(org.admin, org["wang"], org.sites["上海站"], {"x_name": "上海一站"}, "x_site").status_code == 403
    assert_like_unknown(
        patch(org.admin, org["wang"], wang_1, {"x_price": "9"}),
        patch(org.admin, org["wang"], wang_1, {"x_nope": "9"}),
        status=422,
    )
    read_only = patch(org.admin, org["wang"], wang_1, {"x_installed": "2026-03-02"})
    assert [(e["field"], e["code"]) for e in read_only.json()["errors"]] == [("x_installed", "read_only")]
    assert ok(record(org.admin, wang_2))["version"] == 1


def test_deleting_records_by_access(org: Org) -> None:
    wang_1, wang_2, zhao_1 = (org.equipment[s] for s in ("E-WANG-1", "E-WANG-2", "E-ZHAO-1"))
    share(org, wang_2, "liu", "read_write")
    assert ok(patch(org.admin, org["liu"], wang_2, {"x_status": "repair"}))["x_status"] == "repair"
    statuses = [
        org["liu"].delete(f"{EQUIPMENT}/{wang_2}").status_code,  # may edit through the share, not delete
        org["zhao"].delete(f"{EQUIPMENT}/{wang_1}").status_code,  # a peer does not see it
        org["former"].delete(f"{EQUIPMENT}/{org.equipment['E-FORMER']}").status_code,
        org["wang"].delete(f"/api/v1/records/x_site/{org.sites['上海站']}").status_code,  # sites are read only
        org["wang"].delete(f"{EQUIPMENT}/{wang_1}").status_code,  # the owner
        org["east_mgr"].delete(f"{EQUIPMENT}/{zhao_1}").status_code,  # a manager above the owner
        org.admin.delete(f"{EQUIPMENT}/{org.equipment['E-CEO']}").status_code,
    ]
    assert statuses == [403, 404, 401, 403, 204, 204, 204]
    assert visible_ids(org.admin) == set(org.equipment.values()) - {wang_1, zhao_1, org.equipment["E-CEO"]}


def test_bulk_writes_by_access(org: Org) -> None:
    bulk = f"{EQUIPMENT}/bulk"
    wang_1, zhao_1 = org.equipment["E-WANG-1"], org.equipment["E-ZHAO-1"]
    created = ok(org["wang"].post(bulk, {"operation": "create", "records": [{"x_serial": "B-1"}]}))
    assert [r["ok"] for r in created["results"]] == [True]
    assert org["former"].post(bulk, {"operation": "create", "records": [{"x_serial": "B-2"}]}).status_code == 401
    assert org["wang"].post("/api/v1/records/x_site/bulk", {"operation": "create", "records": [{"x_name": "站"}]}
                            ).status_code == 403  # fmt: skip
    # a hidden field in a bulk record is an unknown field
    assert_like_unknown(
        org["wang"].post(bulk, {"operation": "create", "records": [{"x_serial": "B-3", "x_price": 1}]}),
        org["wang"].post(bulk, {"operation": "create", "records": [{"x_serial": "B-3", "x_nope": 1}]}),
        status=422,
    )
    # updating: a record one may not see fails like one that does not exist
    invisible = org["wang"].post(
        bulk, {"operation": "update", "all_or_none": False, "records": [{"id": zhao_1, "x_status": "repair"}]}
    )
    missing = org["wang"].post(
        bulk, {"operation": "update", "all_or_none": False, "records": [{"id": MISSING, "x_status": "repair"}]}
    )
    assert (
        ok(invisible)
        == ok(missing)
        == {"results": [{"ok": False, "errors": [{"field": "id", "code": "not_found", "message": NOT_VISIBLE}]}]}
    )
    mixed = org["wang"].post(
        bulk, {"operation": "update", "records": [{"id": wang_1, "x_status": "repair"}, {"id": zhao_1}]}
    )
    assert mixed.status_code == 422
    assert [r["errors"][0]["code"] for r in mixed.json()["results"]] == ["not_written", "not_found"]
    assert ok(record(org.admin, wang_1))["x_status"] == "active"
    # a record one may read but not edit is refused as such
    share(org, zhao_1, "liu", "read")
    read_only = ok(
        org["liu"].post(bulk, {"operation": "update", "all_or_none": False, "records": [{"id": zhao_1, "x_status": "repair"}]})
    )  # fmt: skip
    assert read_only["results"][0]["errors"][0]["code"] == "forbidden"
    # upsert: own records are updated, new keys created; a key held by a record one may not see is not theirs
    upserted = ok(
        org["wang"].post(
            bulk,
            {"operation": "upsert", "key": "x_serial", "all_or_none": False,
             "records": [{"x_serial": "E-WANG-1", "x_status": "retired"}, {"x_serial": "U-NEW"},
                         {"x_serial": "E-ZHAO-1", "x_status": "retired"}]},
        )
    )  # fmt: skip
    assert [(r["ok"], r.get("created")) for r in upserted["results"]] == [(True, False), (True, True), (False, None)]
    assert upserted["results"][2]["errors"][0]["code"] == "not_found"
    assert ok(record(org.admin, zhao_1))["x_status"] == "active"
    assert ok(record(org.admin, wang_1))["x_status"] == "retired"


def test_upsert_needs_create_to_create_and_edit_to_update(org: Org) -> None:
    bulk = f"{EQUIPMENT}/bulk"
    editor = int(
        ok(org.admin.post("/api/v1/security/profiles",
                          {"name": "Editor", "objects": {"x_equipment": {"read": True, "edit": True}}}), 201)["id"]
    )  # fmt: skip
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"profile": editor}))
    creating = org["liu"].post(bulk, {"operation": "upsert", "key": "x_serial", "records": [{"x_serial": "U-1"}]})
    updating = org["liu"].post(
        bulk, {"operation": "upsert", "key": "x_serial", "records": [{"x_serial": "E-LIU-1", "x_status": "repair"}]}
    )
    assert (creating.status_code, creating.json()["detail"]) == (403, PROFILE_REFUSES)
    assert updating.status_code == 200
    assert org["liu"].post(EQUIPMENT, {"x_serial": "U-2"}).status_code == 403
    assert org.serials(visible_ids(org.admin)) == set(org.equipment)


# -- indirect leaks --------------------------------------------------------------------------------------------------


def test_aggregates_count_only_visible_rows(org: Org) -> None:
    def aggregate(name: str, body: dict[str, Any]) -> Any:
        return (
            org[name].post(f"{EQUIPMENT}/aggregate", body)
            if name != "admin"
            else org.admin.post(f"{EQUIPMENT}/aggregate", body)
        )

    by_owner = {"group_by": ["owner"], "measures": [{"fn": "count"}]}
    assert ok(aggregate("admin", {}))["rows"] == [{"count": 9}]
    assert ok(aggregate("wang", {}))["rows"] == [{"count": 2}]
    assert ok(aggregate("east_mgr", by_owner))["rows"] == sorted(
        [{"owner": org.users[n], "count": c} for n, c in (("east_mgr", 1), ("wang", 2), ("zhao", 1))],
        key=lambda row: row["owner"],
    )
    assert ok(aggregate("liu", {"measures": [{"fn": "sum", "field": "x_price"}, {"fn": "count"}]}))["rows"] == [
        {"sum_x_price": "400.00", "count": 1}
    ]
    assert ok(aggregate("north_mgr", {"measures": [{"fn": "sum", "field": "x_price"}]}))["rows"] == [
        {"sum_x_price": "1900.00"}
    ]
    assert aggregate("former", {}).status_code == 401


def test_a_hidden_field_answers_like_a_field_that_does_not_exist(org: Org) -> None:
    wang = org["wang"]

    def both(make: Any) -> tuple[Any, Any]:
        return make("x_price"), make("x_nope")

    requests = [
        lambda f: wang.post(f"{EQUIPMENT}/query", {"filter": {"field": f, "op": "gt", "value": 1}}),
        lambda f: wang.post(f"{EQUIPMENT}/query", {"sort": [{"field": f, "dir": "desc"}]}),
        lambda f: wang.post(f"{EQUIPMENT}/query", {"fields": ["x_serial", f]}),
        lambda f: wang.get(f"{EQUIPMENT}?{f}__gte=1"),
        lambda f: wang.get(f"{EQUIPMENT}?sort=-{f}"),
        lambda f: wang.post(f"{EQUIPMENT}/aggregate", {"group_by": [f]}),
        lambda f: wang.post(f"{EQUIPMENT}/aggregate", {"measures": [{"fn": "sum", "field": f}]}),
        lambda f: wang.post(f"{EQUIPMENT}/aggregate", {"filter": {"field": f, "op": "is_null", "value": False}}),
    ]
    for make in requests:
        assert_like_unknown(*both(make))
    # the same requests work for a user who may read the field
    assert ok(org["liu"].post(f"{EQUIPMENT}/query", {"filter": {"field": "x_price", "op": "gt", "value": 1}}))
    # a field hidden on the object a lookup points to is unknown through the lookup too
    ok(org.admin.patch(f"/api/v1/security/profiles/{org.profiles['Sales']}", {"fields": {"x_site.x_name": "hidden"}}))
    through = [
        lambda f: wang.post(f"{EQUIPMENT}/query", {"fields": ["x_serial", f"x_site.{f}"]}),
        lambda f: wang.post(f"{EQUIPMENT}/query", {"filter": {"field": f"x_site.{f}", "op": "eq", "value": "上海站"}}),
        lambda f: wang.post(f"{EQUIPMENT}/aggregate", {"group_by": [f"x_site.{f}"]}),
    ]
    for make in through:
        assert_like_unknown(make("x_name"), make("x_nope"), hidden_name="x_name")


def test_a_hidden_field_never_appears_in_what_the_user_reads(org: Org) -> None:
    wang, wang_1 = org["wang"], org.equipment["E-WANG-1"]
    ok(patch(org.admin, org.admin, wang_1, {"x_price": "150", "x_status": "repair"}))
    assert wang.delete(f"{EQUIPMENT}/{wang_1}").status_code == 204
    restored = ok(wang.post(f"/api/v1/recycle-bin/x_equipment/{wang_1}/restore"))
    bodies = [
        restored,
        ok(record(wang, wang_1)),
        *ok(wang.get(EQUIPMENT))["records"],
        *ok(wang.post(f"{EQUIPMENT}/query", {}))["records"],
        ok(wang.post(EQUIPMENT, {"x_serial": "H-1"}), 201),
        ok(patch(org.admin, wang, wang_1, {"x_status": "active"})),
    ]
    assert all("x_serial" in body and "x_price" not in body for body in bodies), bodies
    fields = [f["name"] for f in ok(wang.get("/api/v1/meta/objects/x_equipment"))["fields"]]
    assert "x_price" not in fields and "x_serial" in fields
    installed = next(
        f for f in ok(wang.get("/api/v1/meta/objects/x_equipment"))["fields"] if f["name"] == "x_installed"
    )
    assert installed["writable"] is False
    # the change of the (tracked) hidden field is left out of the history the user reads; the owner's is not
    history = ok(wang.get(f"{EQUIPMENT}/{wang_1}/history"))["history"]
    assert [h["field"] for h in history] == []
    assert [h["field"] for h in ok(org.admin.get(f"{EQUIPMENT}/{wang_1}/history"))["history"]] == ["x_price"]


def test_a_lookup_to_a_record_one_may_not_read_reads_as_empty(org: Org) -> None:
    wang = org["wang"]
    request = {"fields": ["x_serial", "x_site", "x_site.x_name"], "sort": ["x_serial"]}
    rows = ok(wang.post(f"{EQUIPMENT}/query", request))["records"]
    assert [(r["x_serial"], r["x_site"], r["x_site.x_name"]) for r in rows] == [
        ("E-WANG-1", org.sites["北京站"], None),
        ("E-WANG-2", org.sites["上海站"], "上海站"),
    ]
    found = ok(wang.post(f"{EQUIPMENT}/query", {"filter": {"field": "x_site.x_name", "op": "eq", "value": "北京站"}}))
    assert found["records"] == []
    grouped = ok(wang.post(f"{EQUIPMENT}/aggregate", {"group_by": ["x_site.x_name"]}))["rows"]
    assert grouped == [{"x_site.x_name": None, "count": 1}, {"x_site.x_name": "上海站", "count": 1}]
    by_name = ok(wang.post(f"{EQUIPMENT}/query", {"fields": ["x_serial"], "sort": ["-x_site.x_name"]}))["records"]
    assert [r["x_serial"] for r in by_name] == ["E-WANG-2", "E-WANG-1"]
    admin_rows = ok(
        org.admin.post(
            f"{EQUIPMENT}/query", {**request, "filter": {"field": "owner", "op": "eq", "value": org.users["wang"]}}
        )
    )
    assert [r["x_site.x_name"] for r in admin_rows["records"]] == ["北京站", "上海站"]  # fmt: skip
    # without read on sites at all, no site is named
    ok(org.admin.patch(f"/api/v1/security/profiles/{org.profiles['Sales']}", {"objects": {"x_site": {}}}))
    rows = ok(wang.post(f"{EQUIPMENT}/query", request))["records"]
    assert [(r["x_serial"], r["x_site.x_name"]) for r in rows] == [("E-WANG-1", None), ("E-WANG-2", None)]


def test_the_recycle_bin_lists_and_restores_only_what_the_user_may(org: Org) -> None:
    share(org, org.equipment["E-WANG-2"], "liu", "read")
    for serial in ("E-WANG-1", "E-WANG-2", "E-LIU-1", "E-CEO"):
        assert org.admin.delete(f"{EQUIPMENT}/{org.equipment[serial]}").status_code == 204

    def binned(api: Api) -> set[str]:
        return {entry["title"] for entry in ok(api.get("/api/v1/recycle-bin"))["entries"]}

    assert binned(org.admin) == {"E-WANG-1", "E-WANG-2", "E-LIU-1", "E-CEO"}
    assert binned(org["wang"]) == {"E-WANG-1", "E-WANG-2"}
    assert binned(org["zhao"]) == set()
    assert binned(org["liu"]) == {"E-LIU-1", "E-WANG-2"}
    assert binned(org["east_mgr"]) == {"E-WANG-1", "E-WANG-2"}
    assert org["former"].get("/api/v1/recycle-bin").status_code == 401

    def restore(api: Api, serial: str) -> Any:
        return api.post(f"/api/v1/recycle-bin/x_equipment/{org.equipment.get(serial, MISSING)}/restore")

    assert_like_missing(restore(org["zhao"], "E-WANG-1"), restore(org["zhao"], "nothing"))
    assert restore(org["liu"], "E-WANG-2").status_code == 403  # readable through the share, not restorable
    assert restore(org["former"], "E-FORMER").status_code == 401
    assert restore(org["wang"], "E-WANG-1").status_code == 200
    assert restore(org["east_mgr"], "E-WANG-2").status_code == 200
    assert binned(org.admin) == {"E-LIU-1", "E-CEO"}


def test_share_routes_by_access(org: Org) -> None:
    wang_1 = org.equipment["E-WANG-1"]
    path = f"{EQUIPMENT}/{wang_1}/shares"
    to_liu = {"user": org.users["liu"], "access": "read"}
    first = ok(org["wang"].post(path, to_liu), 201)
    assert first == {"id": first["id"], "user": org.users["liu"], "access": "read", "reason": "manual"}
    assert org["zhao"].post(path, to_liu).status_code == 404
    assert org["liu"].post(path, {"user": org.users["zhao"], "access": "read"}).status_code == 403
    by_manager = ok(org["east_mgr"].post(path, {"role": org.roles["north_manager"], "access": "read"}), 201)
    by_admin = ok(org.admin.post(path, {"group": 424242, "access": "read"}), 422)
    assert by_admin["errors"][0] == {"field": "share.group", "code": "not_found", "message": "There is no such item."}
    assert org["former"].post(path, to_liu).status_code == 401
    listed = {"shares": [first, {**by_manager}]}
    assert ok(org["wang"].get(path)) == ok(org["liu"].get(path)) == ok(org.admin.get(path)) == listed
    assert org["zhao"].get(path).status_code == 404
    assert org["liu"].delete(f"{path}/{first['id']}").status_code == 403
    assert org["wang"].delete(f"{path}/{first['id']}").status_code == 204
    assert org["wang"].delete(f"{path}/{first['id']}").status_code == 404
    assert record(org["liu"], wang_1).status_code == 404


def test_transfer_routes_by_access(org: Org) -> None:
    wang_1, wang_2, zhao_1 = (org.equipment[s] for s in ("E-WANG-1", "E-WANG-2", "E-ZHAO-1"))
    share(org, wang_2, "liu", "read_write")

    def transfer(api: Api, record_id: int, owner: str) -> Any:
        return api.post(f"{EQUIPMENT}/{record_id}/transfer", {"owner": org.users[owner]})

    assert ok(transfer(org["wang"], wang_1, "zhao"))["owner"] == org.users["zhao"]  # the owner
    assert transfer(org["wang"], wang_1, "wang").status_code == 404  # no longer theirs nor visible
    assert ok(transfer(org["east_mgr"], zhao_1, "wang"))["owner"] == org.users["wang"]  # a manager above
    refused = transfer(org["liu"], wang_2, "liu")  # may edit it through the share, not give it away
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("owner", "not_allowed")]
    inactive = transfer(org.admin, wang_2, "former")
    assert [(e["field"], e["code"]) for e in inactive.json()["errors"]] == [("owner", "inactive_user")]
    assert transfer(org["former"], org.equipment["E-FORMER"], "liu").status_code == 401

    def move(api: Api, source: str, target: str) -> Any:
        body = {"object": "x_equipment", "from_owner": org.users[source], "to_owner": org.users[target]}
        return api.post("/api/v1/security/transfer", body)

    assert move(org["liu"], "wang", "liu").status_code == 422
    assert move(org["zhao"], "wang", "zhao").status_code == 422
    assert ok(move(org["east_mgr"], "wang", "zhao")) == {"moved": 2}
    assert ok(move(org.admin, "former", "north_mgr")) == {"moved": 1}
    assert move(org["former"], "liu", "north_mgr").status_code == 401
    owners = {r["x_serial"]: r["owner"] for r in ok(org.admin.get(f"{EQUIPMENT}?limit=100"))["records"]}
    assert (owners["E-WANG-1"], owners["E-WANG-2"], owners["E-ZHAO-1"], owners["E-FORMER"]) == (
        org.users["zhao"], org.users["zhao"], org.users["zhao"], org.users["north_mgr"],
    )  # fmt: skip


# -- metadata and security administration ----------------------------------------------------------------------------


def test_meta_routes_by_profile(org: Org) -> None:
    def names(api: Api) -> set[str]:
        return {o["name"] for o in ok(api.get("/api/v1/meta/objects"))["objects"]}

    assert names(org["wang"]) == {"x_equipment", "x_site"}
    assert names(org["liu"]) == names(org.admin)
    assert {"account", "x_equipment", "x_site"} <= names(org["liu"])
    assert org["wang"].get("/api/v1/meta/objects/account").status_code == 403
    assert org["former"].get("/api/v1/meta/objects").status_code == 401
    assert org["wang"].get("/api/v1/meta/field-types").status_code == 200
    new_object = {"name": "x_asset", "label": {"en": "Asset"}}
    new_field = {"name": "x_cost", "type": "decimal", "label": {"en": "Cost"}}
    writes = [
        lambda api: api.post("/api/v1/meta/objects", new_object),
        lambda api: api.patch("/api/v1/meta/objects/x_site", {"label": {"en": "Site!"}}),
        lambda api: api.post("/api/v1/meta/objects/x_site/fields", new_field),
        lambda api: api.patch("/api/v1/meta/objects/x_site/fields/x_name", {"label": {"en": "Site name"}}),
        lambda api: api.delete("/api/v1/meta/objects/x_site/fields/x_name"),
        lambda api: api.delete("/api/v1/meta/objects/x_site"),
    ]
    for write in writes:
        assert [write(org[name]).status_code for name in ("liu", "wang", "former")] == [403, 403, 401]
    assert ok(org.admin.post("/api/v1/meta/objects", new_object), 201)["name"] == "x_asset"


def test_security_administration_is_for_administrators(org: Org) -> None:
    liu, wang, ceo = org.users["liu"], org.users["wang"], org.users["ceo"]
    group = {"name": "华东团队", "members": [{"kind": "department", "id": org.departments["华东区"]}]}
    routes: list[tuple[str, str, Any, int]] = [
        ("GET", "/api/v1/security/departments", None, 200),
        ("POST", "/api/v1/security/departments", {"name": "华南区", "parent": org.departments["集团"]}, 201),
        ("PATCH", f"/api/v1/security/departments/{org.departments['华北区']}", {"name": "华北大区"}, 200),
        ("GET", "/api/v1/security/roles", None, 200),
        ("POST", "/api/v1/security/roles", {"name": "south_manager", "parent": org.roles["director"]}, 201),
        ("PATCH", f"/api/v1/security/roles/{org.roles['north_rep']}", {"name": "北方代表"}, 200),
        ("GET", "/api/v1/security/groups", None, 200),
        ("POST", "/api/v1/security/groups", group, 201),
        ("GET", "/api/v1/security/users", None, 200),
        ("GET", f"/api/v1/security/users/{ceo}", None, 200),
        ("POST", "/api/v1/security/users", {"username": "sun", "password": "correct-horse-9"}, 201),
        ("PATCH", f"/api/v1/security/users/{wang}", {"display_name": "王五"}, 200),
        ("GET", "/api/v1/security/profiles", None, 200),
        ("GET", f"/api/v1/security/profiles/{org.profiles['Sales']}", None, 200),
        ("POST", "/api/v1/security/profiles", {"name": "Support"}, 201),
        ("PATCH", f"/api/v1/security/profiles/{org.profiles['Sales']}", {"fields": {"x_site.x_name": "read"}}, 200),
        ("GET", "/api/v1/security/permission-sets", None, 200),
        ("POST", "/api/v1/security/permission-sets", {"name": "Export"}, 201),
        ("PUT", "/api/v1/security/sharing-defaults/x_site", {"access": "read"}, 200),
        ("GET", "/api/v1/security/sharing-rules", None, 200),
        ("POST", "/api/v1/security/sharing-rules",
         {"object": "x_site", "criteria": None, "owned_by": {"role": org.roles["east_rep"]},
          "share_with": {"role": org.roles["north_rep"]}, "access": "read"}, 201),
        ("GET", "/api/v1/security/audit", None, 200),
        ("GET", "/api/v1/security/sign-ins", None, 200),
        ("GET", f"/api/v1/security/access/x_equipment/{org.equipment['E-WANG-1']}?user={ceo}", None, 200),
    ]  # fmt: skip

    def call(api: Api, method: str, path: str, body: Any) -> Any:
        if method == "PUT":
            return put(api, path, body)
        if method in ("GET", "DELETE"):
            return api.client.request(method, path, headers=api.headers())
        return api.client.request(method, path, json=body, headers=api.headers())

    answers = {}
    for method, path, body, allowed in routes:
        refusals = [call(org[name], method, path, body) for name in ("liu", "wang", "former")]
        assert [r.status_code for r in refusals] == [403, 403, 401], (method, path)
        assert refusals[0].json()["detail"] == "Only administrators may do this."
        answer = call(org.admin, method, path, body)
        assert answer.status_code == allowed, (method, path, answer.text)
        answers[(method, path)] = answer.json()
    # what is one's own is not refused: one's user, and what one may do with a record
    assert ok(org["liu"].get(f"/api/v1/security/users/{liu}"))["username"] == "liu"
    own = ok(org["liu"].get(f"/api/v1/security/access/x_equipment/{org.equipment['E-LIU-1']}"))
    assert own == {"read": True, "edit": True, "delete": True, "why": ["owner"]}
    assert (
        org["liu"].get(f"/api/v1/security/access/x_equipment/{org.equipment['E-LIU-1']}?user={liu}").status_code == 200
    )
    # deleting: the admin's removals, everyone else refused
    # every change is on the audit trail, newest first, with who made it
    trail = ok(org.admin.get("/api/v1/security/audit"))["entries"]
    assert {"department.create", "role.update", "group.members", "user.create", "user.update", "profile.create",
            "profile.update", "permission_set.create", "sharing_default.set", "sharing_rule.create"} <= {
        entry["action"] for entry in trail
    }  # fmt: skip
    assert trail[0]["action"] == "sharing_rule.create"
    assert {entry["actor"] for entry in trail[:10]} == {org.admin_id}
    department = answers[("POST", "/api/v1/security/departments")]["id"]
    rule = answers[("POST", "/api/v1/security/sharing-rules")]["id"]
    for path in (f"/api/v1/security/departments/{department}", f"/api/v1/security/sharing-rules/{rule}"):
        assert [org[name].delete(path).status_code for name in ("liu", "wang", "former")] == [403, 403, 401]
        assert org.admin.delete(path).status_code == 204


def test_a_hidden_field_still_gets_its_default_on_create(org: Org) -> None:
    ok(org.admin.patch("/api/v1/meta/objects/x_equipment/fields/x_price", {"default": "99"}))
    one = ok(org["wang"].post(EQUIPMENT, {"x_serial": "D-1"}), 201)
    bulk = ok(org["wang"].post(f"{EQUIPMENT}/bulk", {"operation": "create", "records": [{"x_serial": "D-2"}]}))
    ids = [one["id"], bulk["results"][0]["id"]]
    assert "x_price" not in one
    assert [ok(record(org.admin, record_id))["x_price"] for record_id in ids] == ["99.00", "99.00"]


def test_asking_what_one_may_do_with_an_unreadable_record_tells_nothing(org: Org) -> None:
    account = ok(org.admin.post("/api/v1/records/account", {"name": "上海汇通贸易有限公司"}), 201)["id"]
    ok(put(org.admin, "/api/v1/security/sharing-defaults/account", {"access": "read"}))
    nothing = {"read": False, "edit": False, "delete": False, "why": []}
    for path in (f"account/{account}", "account/987654", f"x_equipment/{org.equipment['E-ZHAO-1']}"):
        assert ok(org["wang"].get(f"/api/v1/security/access/{path}")) == nothing, path
    assert ok(org["liu"].get(f"/api/v1/security/access/account/{account}")) == {
        "read": True, "edit": False, "delete": False, "why": ["default:read"],
    }  # fmt: skip


def test_a_lookup_to_a_record_one_may_not_read_is_refused_like_one_to_a_missing_record(org: Org) -> None:
    wang, beijing, shanghai = org["wang"], org.sites["北京站"], org.sites["上海站"]
    assert_like_missing(
        wang.post(EQUIPMENT, {"x_serial": "L-1", "x_site": beijing}),
        wang.post(EQUIPMENT, {"x_serial": "L-1", "x_site": MISSING}),
        status=422,
    )
    bulk = f"{EQUIPMENT}/bulk"
    assert_like_missing(
        wang.post(bulk, {"operation": "create", "records": [{"x_serial": "L-2", "x_site": beijing}]}),
        wang.post(bulk, {"operation": "create", "records": [{"x_serial": "L-2", "x_site": MISSING}]}),
        status=422,
    )
    wang_2 = org.equipment["E-WANG-2"]
    assert_like_missing(
        patch(org.admin, wang, wang_2, {"x_site": beijing}), patch(org.admin, wang, wang_2, {"x_site": MISSING}), 422
    )
    # a link someone else made stays, even when sent back unchanged; a readable target is fine
    wang_1 = org.equipment["E-WANG-1"]
    assert ok(patch(org.admin, wang, wang_1, {"x_site": beijing, "x_status": "repair"}))["x_site"] == beijing
    assert ok(wang.post(EQUIPMENT, {"x_serial": "L-3", "x_site": shanghai}), 201)["x_site"] == shanghai
    assert ok(org["liu"].post(EQUIPMENT, {"x_serial": "L-4", "x_site": beijing}), 201)["x_site"] == beijing


def test_the_recycle_bin_does_not_show_a_hidden_title(org: Org) -> None:
    ok(
        org.admin.patch(
            f"/api/v1/security/profiles/{org.profiles['Sales']}", {"fields": {"x_equipment.x_serial": "hidden"}}
        )
    )
    wang_1 = org.equipment["E-WANG-1"]
    assert org.admin.delete(f"{EQUIPMENT}/{wang_1}").status_code == 204
    assert [(e["id"], e["title"]) for e in ok(org["wang"].get("/api/v1/recycle-bin"))["entries"]] == [
        (wang_1, f"#{wang_1}")
    ]
    assert [e["title"] for e in ok(org.admin.get("/api/v1/recycle-bin"))["entries"]] == ["E-WANG-1"]
