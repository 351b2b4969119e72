"""Record access rules in behaviour: ownership, the role hierarchy, moving subtrees, sharing rules and manual shares,
organization-wide defaults, view-all and modify-all, master-detail, transfers, deactivation, lock-out and the
access explanation. The company is the one of ``tests/security_fixtures.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from huitong.engine.platform import Platform
from tests.conftest import ADMIN_PASSWORD, Api, FakeClock
from tests.security_fixtures import Org, build_org, ok, patch, record, set_default, visible_ids

EQUIPMENT = "/api/v1/records/x_equipment"


@pytest.fixture
def org(equipment: Api, platform: Platform) -> Org:
    return build_org(equipment, platform)


def sees(org: Org, username: str) -> set[str]:
    return org.serials(visible_ids(org[username]))


def rule(org: Org, body: dict[str, Any]) -> int:
    return int(ok(org.admin.post("/api/v1/security/sharing-rules", {"object": "x_equipment", **body}), 201)["id"])


def explain(org: Org, serial: str, username: str) -> Any:
    user = org.users[username]
    return ok(org.admin.get(f"/api/v1/security/access/x_equipment/{org.equipment[serial]}?user={user}"))


# -- ownership and the role hierarchy --------------------------------------------------------------------------------


def test_the_owner_sees_their_records_and_a_peer_in_the_same_role_does_not(org: Org) -> None:
    assert sees(org, "wang") == {"E-WANG-1", "E-WANG-2"}
    assert sees(org, "zhao") == {"E-ZHAO-1"}
    assert record(org["wang"], org.equipment["E-WANG-1"]).status_code == 200
    assert record(org["zhao"], org.equipment["E-WANG-1"]).status_code == 404


def test_managers_above_the_owner_see_and_change_their_records(org: Org) -> None:
    assert sees(org, "east_mgr") == {"E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "north_mgr") == {"E-NORTH-M", "E-LIU-1", "E-FORMER"}  # the deactivated rep's too
    assert sees(org, "director") == set(org.equipment) - {"E-CEO"}
    assert sees(org, "ceo") == set(org.equipment)
    assert ok(patch(org.admin, org["director"], org.equipment["E-WANG-1"], {"x_status": "repair"}))["version"] == 2
    assert org["ceo"].delete(f"{EQUIPMENT}/{org.equipment['E-LIU-1']}").status_code == 204
    # nobody below sees above
    assert record(org["east_mgr"], org.equipment["E-DIR"]).status_code == 404


def test_without_access_through_the_hierarchy_managers_see_only_their_own(org: Org) -> None:
    set_default(org.admin, "x_equipment", "private", hierarchy=False)
    assert sees(org, "east_mgr") == {"E-EAST-M"}
    assert sees(org, "ceo") == {"E-CEO"}
    assert patch(org.admin, org["east_mgr"], org.equipment["E-WANG-1"], {"x_status": "repair"}).status_code == 404
    # nor may they give those records away or share them
    body = {"object": "x_equipment", "from_owner": org.users["wang"], "to_owner": org.users["zhao"]}
    refused = org["east_mgr"].post("/api/v1/security/transfer", body)
    assert (refused.status_code, [(e["field"], e["code"]) for e in refused.json()["errors"]]) == (
        422, [("owner", "not_allowed")],
    )  # fmt: skip
    assert sees(org, "wang") == {"E-WANG-1", "E-WANG-2"}
    # sites keep the default: private, through the hierarchy
    assert ok(record(org["east_mgr"], org.sites["上海站"], "x_site"))["x_name"] == "上海站"
    assert ok(org["east_mgr"].post("/api/v1/security/transfer", {**body, "object": "x_site"})) == {"moved": 1}


def test_moving_a_role_subtree_moves_what_managers_see_on_the_next_request(org: Org) -> None:
    assert ok(
        org.admin.patch(f"/api/v1/security/roles/{org.roles['east_rep']}", {"parent": org.roles["north_manager"]})
    )
    assert sees(org, "east_mgr") == {"E-EAST-M"}
    assert sees(org, "north_mgr") == {"E-NORTH-M", "E-LIU-1", "E-FORMER", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "director") == set(org.equipment) - {"E-CEO"}
    # moving the East manager (and the reps now below North) under the North manager puts them below too
    assert ok(
        org.admin.patch(f"/api/v1/security/roles/{org.roles['east_manager']}", {"parent": org.roles["north_manager"]})
    )
    assert sees(org, "north_mgr") == set(org.equipment) - {"E-CEO", "E-DIR"}
    roles = {r["name"]: r["path"] for r in ok(org.admin.get("/api/v1/security/roles"))["roles"]}
    assert roles["east_manager"].startswith(roles["north_manager"])
    # a role cannot move below itself
    loop = org.admin.patch(f"/api/v1/security/roles/{org.roles['north_manager']}", {"parent": org.roles["east_rep"]})
    assert (loop.status_code, loop.json()["errors"][0]["code"]) == (422, "cycle")


def test_moving_a_department_subtree_moves_its_people_out_of_department_rules(org: Org) -> None:
    rule(org, {"owned_by": {"department": org.departments["华东区"]},
               "share_with": {"role": org.roles["north_rep"]}, "access": "read"})  # fmt: skip
    assert sees(org, "liu") == {"E-LIU-1", "E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    moved = org.admin.patch(
        f"/api/v1/security/departments/{org.departments['上海分公司']}", {"parent": org.departments["华北区"]}
    )
    assert (
        ok(moved)["path"] == f"/{org.departments['集团']}/{org.departments['华北区']}/{org.departments['上海分公司']}/"
    )
    assert sees(org, "liu") == {"E-LIU-1", "E-EAST-M"}


# -- sharing ---------------------------------------------------------------------------------------------------------


def test_a_sharing_rule_by_criteria_shares_the_records_that_match_while_they_match(org: Org) -> None:
    rule(org, {"criteria": {"field": "x_status", "op": "eq", "value": "repair"},
               "share_with": {"role": org.roles["north_rep"]}, "access": "read"})  # fmt: skip
    assert sees(org, "liu") == {"E-LIU-1"}
    ok(patch(org.admin, org.admin, org.equipment["E-WANG-1"], {"x_status": "repair"}))
    assert sees(org, "liu") == {"E-LIU-1", "E-WANG-1"}
    assert sees(org, "zhao") == {"E-ZHAO-1"}  # not shared with East reps
    assert patch(org.admin, org["liu"], org.equipment["E-WANG-1"], {"x_status": "active"}).status_code == 403
    ok(patch(org.admin, org.admin, org.equipment["E-WANG-1"], {"x_status": "retired"}))
    assert sees(org, "liu") == {"E-LIU-1"}


def test_a_sharing_rule_by_owner_group_gives_read_or_read_write(org: Org) -> None:
    group = ok(
        org.admin.post(
            "/api/v1/security/groups",
            {"name": "华东团队", "members": [{"kind": "role_and_subordinates", "id": org.roles["east_manager"]}]},
        ),
        201,
    )
    reading = rule(org, {"owned_by": {"group": group["id"]}, "share_with": {"role": org.roles["north_rep"]},
                         "access": "read"})  # fmt: skip
    wang_1 = org.equipment["E-WANG-1"]
    assert sees(org, "liu") == {"E-LIU-1", "E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "north_mgr") == {"E-NORTH-M", "E-LIU-1", "E-FORMER"}  # the role shared with, not above it
    refused = patch(org.admin, org["liu"], wang_1, {"x_status": "repair"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    writing = rule(org, {"owned_by": {"group": group["id"]}, "share_with": {"role": org.roles["north_rep"]},
                         "access": "read_write"})  # fmt: skip
    assert ok(patch(org.admin, org["liu"], wang_1, {"x_status": "repair"}))["x_status"] == "repair"
    assert org["liu"].delete(f"{EQUIPMENT}/{wang_1}").status_code == 403  # sharing never gives deleting
    # the group's members change: the East manager's own records leave it
    ok(put_members(org, group["id"], [{"kind": "role", "id": org.roles["east_rep"]}]))
    assert sees(org, "liu") == {"E-LIU-1", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    for rule_id in (reading, writing):
        assert org.admin.delete(f"/api/v1/security/sharing-rules/{rule_id}").status_code == 204
    assert sees(org, "liu") == {"E-LIU-1"}


def put_members(org: Org, group: int, members: list[dict[str, Any]]) -> Any:
    return org.admin.client.put(f"/api/v1/security/groups/{group}/members", json=members, headers=org.admin.headers())


def test_a_rule_shared_with_a_role_and_its_subordinates_reaches_below_it(org: Org) -> None:
    rule(
        org,
        {
            "owned_by": {"role": org.roles["east_rep"]},
            "share_with": {"role": org.roles["north_manager"], "include_subordinates": True},
            "access": "read",
        },
    )
    assert sees(org, "north_mgr") == {"E-NORTH-M", "E-LIU-1", "E-FORMER", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "liu") == {"E-LIU-1", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "east_mgr") == {"E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"}


def test_a_manual_share_to_a_user_gives_access_until_it_is_removed(org: Org) -> None:
    wang_1 = org.equipment["E-WANG-1"]
    path = f"{EQUIPMENT}/{wang_1}/shares"
    ok(org["wang"].post(path, {"user": org.users["zhao"], "access": "read"}), 201)
    assert sees(org, "zhao") == {"E-ZHAO-1", "E-WANG-1"}
    assert patch(org.admin, org["zhao"], wang_1, {"x_status": "repair"}).status_code == 403
    write = ok(org["wang"].post(path, {"user": org.users["zhao"], "access": "read_write"}), 201)
    assert ok(org["wang"].get(path))["shares"] == [write]  # sharing again replaces the earlier grant
    assert ok(patch(org.admin, org["zhao"], wang_1, {"x_status": "repair"}))["x_status"] == "repair"
    assert org["wang"].delete(f"{path}/{write['id']}").status_code == 204
    assert sees(org, "zhao") == {"E-ZHAO-1"}
    assert record(org["zhao"], wang_1).status_code == 404


def test_manual_shares_to_a_group_a_role_and_a_department(org: Org) -> None:
    wang_1, wang_2, zhao_1 = (org.equipment[s] for s in ("E-WANG-1", "E-WANG-2", "E-ZHAO-1"))
    group = ok(
        org.admin.post(
            "/api/v1/security/groups", {"name": "质检", "members": [{"kind": "user", "id": org.users["liu"]}]}
        ),
        201,
    )
    shares = [
        (wang_1, {"group": group["id"], "access": "read"}),
        (wang_2, {"role": org.roles["north_manager"], "access": "read"}),
        (zhao_1, {"department": org.departments["华北区"], "access": "read"}),
    ]
    made = [ok(org.admin.post(f"{EQUIPMENT}/{record_id}/shares", body), 201) for record_id, body in shares]
    assert sees(org, "liu") == {"E-LIU-1", "E-WANG-1", "E-ZHAO-1"}
    assert sees(org, "north_mgr") == {"E-NORTH-M", "E-LIU-1", "E-FORMER", "E-WANG-2", "E-ZHAO-1"}
    assert sees(org, "director") == set(org.equipment) - {"E-CEO"}
    # a share to a department reaches its sub-departments: 上海分公司 is below 华东区
    ok(org.admin.post(f"{EQUIPMENT}/{org.equipment['E-LIU-1']}/shares",
                      {"department": org.departments["华东区"], "access": "read"}), 201)  # fmt: skip
    assert sees(org, "wang") == {"E-WANG-1", "E-WANG-2", "E-LIU-1"}
    # people leaving the group lose what it was given
    ok(put_members(org, group["id"], []))
    assert sees(org, "liu") == {"E-LIU-1", "E-ZHAO-1"}
    assert org.admin.delete(f"{EQUIPMENT}/{zhao_1}/shares/{made[2]['id']}").status_code == 204
    assert sees(org, "liu") == {"E-LIU-1"}


def test_organization_wide_read_and_read_write_defaults(org: Org) -> None:
    wang_1 = org.equipment["E-WANG-1"]
    set_default(org.admin, "x_equipment", "read")
    assert sees(org, "liu") == sees(org, "zhao") == set(org.equipment)
    assert patch(org.admin, org["liu"], wang_1, {"x_status": "repair"}).status_code == 403
    set_default(org.admin, "x_equipment", "read_write")
    assert ok(patch(org.admin, org["liu"], wang_1, {"x_status": "repair"}))["x_status"] == "repair"
    assert org["liu"].delete(f"{EQUIPMENT}/{wang_1}").status_code == 403
    assert org["liu"].post(f"{EQUIPMENT}/{wang_1}/transfer", {"owner": org.users["liu"]}).status_code == 422
    # other objects keep theirs
    assert record(org["liu"], org.sites["上海站"], "x_site").status_code == 404
    set_default(org.admin, "x_equipment", "private")
    assert sees(org, "liu") == {"E-LIU-1"}


def test_view_all_and_modify_all_through_a_permission_set(org: Org) -> None:
    def permission_set(name: str, grant: dict[str, bool]) -> int:
        body = {"name": name, "objects": {"x_equipment": grant}}
        return int(ok(org.admin.post("/api/v1/security/permission-sets", body), 201)["id"])

    auditor, manager = permission_set("设备审计", {"view_all": True}), permission_set("设备管理", {"modify_all": True})
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"permission_sets": [auditor]}))
    assert sees(org, "liu") == set(org.equipment)
    assert patch(org.admin, org["liu"], org.equipment["E-WANG-1"], {"x_status": "repair"}).status_code == 403
    # the set adds to the Standard user profile: liu still creates and changes their own
    assert org["liu"].post(EQUIPMENT, {"x_serial": "E-LIU-2"}).status_code == 201
    assert ok(patch(org.admin, org["liu"], org.equipment["E-LIU-1"], {"x_status": "repair"}))["x_status"] == "repair"
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"permission_sets": [manager]}))
    assert len(visible_ids(org["liu"])) == 10  # every machine, E-LIU-2 included
    assert ok(patch(org.admin, org["liu"], org.equipment["E-WANG-1"], {"x_status": "repair"}))["x_status"] == "repair"
    assert org["liu"].delete(f"{EQUIPMENT}/{org.equipment['E-CEO']}").status_code == 204
    assert ok(org["liu"].post(f"{EQUIPMENT}/{org.equipment['E-DIR']}/transfer", {"owner": org.users["zhao"]}))
    # a restricted profile given modify-all on equipment may do everything with equipment, nothing more
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['wang']}", {"permission_sets": [manager]}))
    assert len(visible_ids(org["wang"])) == 9
    assert org["wang"].get("/api/v1/records/account").status_code == 403
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"permission_sets": []}))
    assert len(visible_ids(org["liu"])) == 2  # E-LIU-1 and E-LIU-2, their own


def test_a_permission_set_adds_field_access_and_never_narrows_it(org: Org) -> None:
    def permission_set(name: str, fields: dict[str, str]) -> int:
        body = {"name": name, "fields": fields}
        return int(ok(org.admin.post("/api/v1/security/permission-sets", body), 201)["id"])

    costs = permission_set("成本", {"x_equipment.x_price": "read"})
    narrow = permission_set("只读状态", {"x_equipment.x_status": "read"})
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['wang']}", {"permission_sets": [costs]}))
    wang_1 = org.equipment["E-WANG-1"]
    assert ok(record(org["wang"], wang_1))["x_price"] == "100.00"
    assert patch(org.admin, org["wang"], wang_1, {"x_price": "1"}).json()["errors"][0]["code"] == "read_only"
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"permission_sets": [narrow]}))
    assert ok(patch(org.admin, org["liu"], org.equipment["E-LIU-1"], {"x_status": "repair"}))["x_status"] == "repair"


# -- master-detail ---------------------------------------------------------------------------------------------------


@pytest.fixture
def visits(org: Org) -> dict[str, int]:
    """x_visit, a detail of x_equipment; one visit (owned by the admin) on each of three machines."""
    ok(org.admin.post("/api/v1/meta/objects", {"name": "x_visit", "label": {"en": "Visit", "zh_CN": "巡检"}}), 201)
    for spec in (
        {"name": "x_note", "type": "text", "label": {"en": "Note"}},
        {"name": "x_machine", "type": "lookup", "label": {"en": "Machine"}, "target": "x_equipment",
         "master_detail": True},
    ):  # fmt: skip
        ok(org.admin.post("/api/v1/meta/objects/x_visit/fields", spec), 201)
    made = {}
    for serial in ("E-LIU-1", "E-EAST-M", "E-NORTH-M"):
        body = {"x_note": f"巡检 {serial}", "x_machine": org.equipment[serial]}
        made[serial] = int(ok(org.admin.post("/api/v1/records/x_visit", body), 201)["id"])
    return made


def test_a_detail_record_follows_its_master(org: Org, visits: dict[str, int]) -> None:
    def notes(username: str) -> set[str]:
        found = ok(org[username].post("/api/v1/records/x_visit/query", {"fields": ["x_note"], "count": True}))
        assert found["total"] == len(found["records"])
        return {r["x_note"].removeprefix("巡检 ") for r in found["records"]}

    assert notes("liu") == {"E-LIU-1"}
    assert notes("north_mgr") == {"E-LIU-1", "E-NORTH-M"}
    assert notes("east_mgr") == {"E-EAST-M"}
    assert notes("ceo") == {"E-LIU-1", "E-EAST-M", "E-NORTH-M"}
    visit = visits["E-LIU-1"]
    assert ok(patch(org.admin, org["liu"], visit, {"x_note": "已巡检"}, "x_visit"))["x_note"] == "已巡检"
    # a read share of the master gives read on its details; a read_write one, edit
    ok(org.admin.post(f"{EQUIPMENT}/{org.equipment['E-EAST-M']}/shares", {"user": org.users["liu"], "access": "read"}),
       201)  # fmt: skip
    assert notes("liu") == {"已巡检", "E-EAST-M"}
    assert patch(org.admin, org["liu"], visits["E-EAST-M"], {"x_note": "x"}, "x_visit").status_code == 403
    # transferring the master moves the details with it
    ok(org.admin.post(f"{EQUIPMENT}/{org.equipment['E-LIU-1']}/transfer", {"owner": org.users["east_mgr"]}))
    assert notes("liu") == {"E-EAST-M"}
    assert notes("east_mgr") == {"E-EAST-M", "已巡检"}
    assert explain_visit(org, visit, "east_mgr")["why"] == ["master_record"]


def explain_visit(org: Org, visit: int, username: str) -> Any:
    return ok(org.admin.get(f"/api/v1/security/access/x_visit/{visit}?user={org.users[username]}"))


def test_the_owner_of_the_master_deletes_its_details(org: Org, visits: dict[str, int]) -> None:
    visit = visits["E-LIU-1"]
    assert explain_visit(org, visit, "liu") == {"read": True, "edit": True, "delete": True, "why": ["master_record"]}
    assert org["liu"].delete(f"/api/v1/records/x_visit/{visit}").status_code == 204
    assert org["east_mgr"].delete(f"/api/v1/records/x_visit/{visits['E-NORTH-M']}").status_code == 404


def test_hiding_the_master_field_does_not_change_who_reads_the_details(org: Org, visits: dict[str, int]) -> None:
    ok(org.admin.patch(f"/api/v1/security/users/{org.users['liu']}", {"profile": org.profiles["Sales"]}))
    ok(
        org.admin.patch(
            f"/api/v1/security/profiles/{org.profiles['Sales']}",
            {"objects": {"x_visit": {"read": True, "edit": True}}, "fields": {"x_visit.x_machine": "hidden"}},
        )
    )
    found = ok(org["liu"].post("/api/v1/records/x_visit/query", {}))["records"]
    assert [(r["id"], "x_machine" in r) for r in found] == [(visits["E-LIU-1"], False)]


def test_a_sharing_rule_on_a_hidden_field_still_shares(org: Org) -> None:
    rule(org, {"criteria": {"field": "x_price", "op": "gte", "value": 400},
               "share_with": {"role": org.roles["east_rep"]}, "access": "read"})  # fmt: skip
    assert sees(org, "wang") == {"E-WANG-1", "E-WANG-2"} | {
        "E-LIU-1", "E-EAST-M", "E-NORTH-M", "E-DIR", "E-CEO", "E-FORMER",
    }  # fmt: skip


# -- ownership transfer ----------------------------------------------------------------------------------------------


def test_transferring_a_record_is_kept_in_its_history(org: Org) -> None:
    wang_1 = org.equipment["E-WANG-1"]
    moved = ok(org["wang"].post(f"{EQUIPMENT}/{wang_1}/transfer", {"owner": org.users["zhao"]}))
    assert (moved["owner"], moved["version"]) == (org.users["zhao"], 2)
    assert sees(org, "wang") == {"E-WANG-2"}
    assert sees(org, "zhao") == {"E-ZHAO-1", "E-WANG-1"}
    history = ok(org["zhao"].get(f"{EQUIPMENT}/{wang_1}/history"))["history"]
    assert [(h["field"], h["old"], h["new"], h["changed_by"]) for h in history] == [
        ("owner", org.users["wang"], org.users["zhao"], org.users["wang"])
    ]


def test_a_standard_user_cannot_transfer_a_peers_record_and_a_manager_can(org: Org) -> None:
    liu_1, wang_1 = org.equipment["E-LIU-1"], org.equipment["E-WANG-1"]
    assert org["zhao"].post(f"{EQUIPMENT}/{wang_1}/transfer", {"owner": org.users["zhao"]}).status_code == 404
    ok(org.admin.post(f"{EQUIPMENT}/{wang_1}/shares", {"user": org.users["zhao"], "access": "read_write"}), 201)
    refused = org["zhao"].post(f"{EQUIPMENT}/{wang_1}/transfer", {"owner": org.users["zhao"]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "owner", "code": "not_allowed",
         "message": "Only the owner, their managers and administrators may choose the owner."}
    ]  # fmt: skip
    assert ok(org["north_mgr"].post(f"{EQUIPMENT}/{liu_1}/transfer", {"owner": org.users["north_mgr"]}))
    assert ok(record(org.admin, liu_1))["owner"] == org.users["north_mgr"]


def test_moving_all_of_one_owners_records_keeps_each_move_in_history(org: Org) -> None:
    body = {"object": "x_equipment", "from_owner": org.users["wang"], "to_owner": org.users["zhao"]}
    assert org["zhao"].post("/api/v1/security/transfer", body).status_code == 422  # a peer
    assert org["liu"].post("/api/v1/security/transfer", body).status_code == 422
    assert ok(org["east_mgr"].post("/api/v1/security/transfer", body)) == {"moved": 2}
    assert sees(org, "zhao") == {"E-ZHAO-1", "E-WANG-1", "E-WANG-2"}
    assert sees(org, "wang") == set()
    for serial in ("E-WANG-1", "E-WANG-2"):
        history = ok(org.admin.get(f"{EQUIPMENT}/{org.equipment[serial]}/history"))["history"]
        assert [(h["field"], h["old"], h["new"], h["changed_by"]) for h in history] == [
            ("owner", org.users["wang"], org.users["zhao"], org.users["east_mgr"])
        ]
    # deactivated people's records go to whoever takes over
    back = {"object": "x_equipment", "from_owner": org.users["former"], "to_owner": org.users["liu"]}
    assert ok(org["north_mgr"].post("/api/v1/security/transfer", back)) == {"moved": 1}
    assert sees(org, "liu") == {"E-LIU-1", "E-FORMER"}


def test_choosing_the_owner_of_a_new_record(org: Org) -> None:
    for_wang = ok(org["east_mgr"].post(EQUIPMENT, {"x_serial": "N-1", "owner": org.users["wang"]}), 201)
    assert for_wang["owner"] == org.users["wang"]
    assert "N-1" in {r["x_serial"] for r in ok(org["wang"].get(EQUIPMENT))["records"]}
    for username, owner, code in (("zhao", "wang", "not_allowed"), ("liu", "north_mgr", "not_allowed"),
                                  ("north_mgr", "former", "inactive_user")):  # fmt: skip
        refused = org[username].post(EQUIPMENT, {"x_serial": f"N-{username}", "owner": org.users[owner]})
        assert (refused.status_code, [(e["field"], e["code"]) for e in refused.json()["errors"]]) == (
            422, [("owner", code)],
        )  # fmt: skip
    bulk = org["zhao"].post(f"{EQUIPMENT}/bulk", {"operation": "create", "records": [
        {"x_serial": "N-2", "owner": org.users["zhao"]}, {"x_serial": "N-3", "owner": org.users["wang"]}]})  # fmt: skip
    assert bulk.status_code == 422
    assert [r["errors"][0]["code"] for r in bulk.json()["results"]] == ["not_written", "not_allowed"]


# -- users, sign-in and the access explanation -----------------------------------------------------------------------


def test_deactivating_a_user_blocks_their_token_at_once_and_reactivating_restores_it(
    api: Api, user_api: Api, platform: Platform
) -> None:
    me = ok(user_api.get("/api/v1/records/account"))
    assert me == {"records": [], "next_cursor": None}
    user = next(u for u in ok(api.get("/api/v1/security/users"))["users"] if u["username"] == "zhangsan")
    assert ok(api.patch(f"/api/v1/security/users/{user['id']}", {"active": False}))["active"] is False
    refused = user_api.get("/api/v1/records/account")
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    signing_in = api.client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": ADMIN_PASSWORD})
    assert signing_in.status_code == 401
    ok(api.patch(f"/api/v1/security/users/{user['id']}", {"active": True}))
    assert user_api.get("/api/v1/records/account").status_code == 200


def test_five_failed_sign_ins_lock_the_account_for_15_minutes(api: Api, user_api: Api, clock: FakeClock) -> None:
    def sign_in(password: str) -> Any:
        return api.client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": password})

    wrong = [sign_in("not-the-password") for _ in range(5)]
    assert [r.status_code for r in wrong] == [401] * 5
    assert {r.json()["detail"] for r in wrong} == {"Wrong username or password."}
    locked = sign_in(ADMIN_PASSWORD)
    assert (locked.status_code, locked.json()["detail"]) == (
        401, "Too many failed attempts: this account is locked for 15 minutes.",
    )  # fmt: skip
    clock.advance(minutes=14, seconds=59)
    assert sign_in(ADMIN_PASSWORD).status_code == 401
    clock.advance(seconds=1)
    assert sign_in(ADMIN_PASSWORD).status_code == 200
    history = ok(api.get("/api/v1/security/sign-ins"))["entries"]
    assert [(h["username"], h["success"], h["reason"]) for h in reversed(history)] == [
        *[("zhangsan", False, "wrong_password")] * 5, ("zhangsan", False, "locked"), ("zhangsan", False, "locked"),
        ("zhangsan", True, None),
    ]  # fmt: skip
    # the counter starts again after a success: four more failures do not lock
    assert [sign_in("nope-nope").status_code for _ in range(4)] == [401] * 4
    assert sign_in(ADMIN_PASSWORD).status_code == 200
    assert user_api.get("/api/v1/security/sign-ins").status_code == 403


def test_the_access_explanation_gives_every_reason(org: Org) -> None:
    group = ok(
        org.admin.post(
            "/api/v1/security/groups", {"name": "北方", "members": [{"kind": "user", "id": org.users["liu"]}]}
        ),
        201,
    )
    by_group = rule(org, {"owned_by": {"role": org.roles["east_rep"]}, "share_with": {"group": group["id"]},
                          "access": "read"})  # fmt: skip
    by_status = rule(org, {"criteria": {"field": "x_status", "op": "eq", "value": "active"},
                           "share_with": {"role": org.roles["north_rep"]}, "access": "read_write"})  # fmt: skip
    ok(org.admin.post(f"{EQUIPMENT}/{org.equipment['E-WANG-1']}/shares", {"user": org.users["liu"],
                                                                             "access": "read_write"}), 201)  # fmt: skip
    full = {"read": True, "edit": True, "delete": True}
    assert explain(org, "E-WANG-1", "wang") == {**full, "why": ["owner"]}
    assert explain(org, "E-WANG-1", "director") == {**full, "why": ["manager_of_owner"]}
    assert explain(org, "E-WANG-1", "zhao") == {"read": False, "edit": False, "delete": False, "why": []}
    assert explain(org, "E-WANG-1", "liu") == {
        "read": True, "edit": True, "delete": False,
        "why": [f"sharing_rule:{by_group}:read", f"sharing_rule:{by_status}:read_write", "shared:read_write"],
    }  # fmt: skip
    admin = ok(org.admin.get(f"/api/v1/security/access/x_equipment/{org.equipment['E-WANG-1']}"))
    assert admin == {**full, "why": ["administrator"]}
    set_default(org.admin, "x_equipment", "read", hierarchy=False)
    assert explain(org, "E-WANG-1", "director") == {"read": True, "edit": False, "delete": False,
                                                     "why": ["default:read"]}  # fmt: skip
    missing = ok(org.admin.get(f"/api/v1/security/access/x_equipment/987654?user={org.users['liu']}"))
    assert missing == {"read": False, "edit": False, "delete": False, "why": []}


def test_a_rule_with_an_owner_group_and_criteria_shares_what_meets_both(org: Org) -> None:
    rule(org, {"owned_by": {"role": org.roles["east_rep"]}, "criteria": {"field": "x_status", "op": "eq",
               "value": "repair"}, "share_with": {"role": org.roles["north_rep"]}, "access": "read"})  # fmt: skip
    for serial in ("E-WANG-1", "E-EAST-M"):
        ok(patch(org.admin, org.admin, org.equipment[serial], {"x_status": "repair"}))
    assert sees(org, "liu") == {"E-LIU-1", "E-WANG-1"}
