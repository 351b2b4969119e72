"""Property: for any organization, every user's ``POST /query`` finds exactly the records a slow, plain-Python reading
of the access rules says they may read, and ``count`` (and an aggregate count) agree.

Hypothesis draws an organization: a role forest up to 6 levels deep, a department tree, groups of users, roles and
departments, 8 to 15 users placed in them (a few administrators, view-all holders and deactivated people), 40
records of a fresh custom object with random owners, an organization-wide default, sharing rules by owner group
and by simple criteria, and manual shares. Each example builds all of it through the API on a fresh object, with
fresh roles, departments and groups; one pool of users (signing up costs a password hash) is placed anew each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huitong.engine.platform import Platform
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default, visible_ids

POOL = 15
RECORDS = 40
STATUSES = ("a", "b", "c")
MAX_DEPTH = 6
ADMIN, STANDARD = 1, 2
KINDS = ("user", "role", "role_and_subordinates", "department")


# -- what hypothesis draws ---------------------------------------------------------------------------------------


@dataclass
class Person:
    role: int | None
    department: int | None
    admin: bool
    view_all: bool
    active: bool


@dataclass
class Plan:
    role_parents: list[int | None]
    department_parents: list[int | None]
    people: list[Person]
    groups: list[list[tuple[str, int]]]
    records: list[tuple[int, str, int]]  # owner (index of a person), status, amount
    default: tuple[str, bool] | None
    rules: list[dict[str, Any]]
    shares: list[tuple[int, str, int, str]]  # record, principal kind, principal (index), access
    moves: list[tuple[int, int | None]] = field(default_factory=list)  # person, new role, once the records exist

    def moved(self) -> Plan:
        """The plan as it stands after the moves: the rules read people's roles as they are now."""
        people = list(self.people)
        for person, role in self.moves:
            people[person] = replace(people[person], role=role)
        return replace(self, people=people)


def forest(draw: Any, size: int, depth: int) -> list[int | None]:
    """Parents by index (each before its children), no branch deeper than ``depth``."""
    parents: list[int | None] = []
    levels: list[int] = []
    for _index in range(size):
        candidates = [i for i, level in enumerate(levels) if level < depth]
        parent = draw(st.sampled_from([None, *candidates]))
        parents.append(parent)
        levels.append(1 if parent is None else levels[parent] + 1)
    return parents


def principal(draw: Any, kinds: list[str], roles: int, departments: int, groups: int, people: int) -> tuple[str, int]:
    sizes = {"user": people, "role": roles, "role_and_subordinates": roles, "department": departments, "group": groups}
    kind = draw(st.sampled_from([k for k in kinds if sizes[k]]))
    return kind, draw(st.integers(0, sizes[kind] - 1))


@st.composite
def plans(draw: Any) -> Plan:
    roles, departments = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    role_parents, department_parents = forest(draw, roles, MAX_DEPTH), forest(draw, departments, 4)
    size = draw(st.integers(8, POOL))
    people = [
        Person(
            role=draw(st.none() | st.integers(0, roles - 1)),
            department=draw(st.none() | st.integers(0, departments - 1)),
            admin=draw(st.integers(0, 11)) == 0,
            view_all=draw(st.integers(0, 9)) == 0,
            active=draw(st.integers(0, 9)) != 0,
        )
        for _ in range(size)
    ]
    groups = [
        [principal(draw, list(KINDS), roles, departments, 0, size) for _ in range(draw(st.integers(1, 3)))]
        for _ in range(draw(st.integers(0, 3)))
    ]
    records = [
        (draw(st.integers(0, size - 1)), draw(st.sampled_from(STATUSES)), draw(st.integers(0, 9)))
        for _ in range(RECORDS)
    ]
    default = draw(st.none() | st.tuples(st.sampled_from(["private", "read", "read_write"]), st.booleans()))
    owners = ["role", "department", "group"]
    rules = []
    for _ in range(draw(st.integers(0, 4))):
        owned = draw(st.booleans())
        criteria = draw(st.booleans()) or not owned
        rule: dict[str, Any] = {
            "owned_by": (*principal(draw, owners, roles, departments, len(groups), size), draw(st.booleans()))
            if owned
            else None,
            "criteria": draw(
                st.one_of(
                    st.sampled_from(STATUSES).map(lambda v: {"field": "x_status", "op": "eq", "value": v}),
                    st.integers(0, 9).map(lambda v: {"field": "x_amount", "op": "gte", "value": v}),
                )
            )
            if criteria
            else None,
            "share_with": (*principal(draw, owners, roles, departments, len(groups), size), draw(st.booleans())),
            "access": draw(st.sampled_from(["read", "read_write"])),
        }
        rules.append(rule)
    shares = [
        (
            draw(st.integers(0, RECORDS - 1)),
            *principal(draw, ["user", "group", "role", "department"], roles, departments, len(groups), size),
            draw(st.sampled_from(["read", "read_write"])),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    moves = [(draw(st.integers(0, size - 1)), draw(st.none() | st.integers(0, roles - 1)))
             for _ in range(draw(st.integers(0, 2)))]  # fmt: skip
    return Plan(role_parents, department_parents, people, groups, records, default, rules, shares, moves)


# -- the reference: who may read what, by the rules as documented --------------------------------------------------


def subtree(parents: list[int | None], node: int) -> set[int]:
    """``node`` and every node below it."""
    found = {node}
    changed = True
    while changed:
        below = {child for child, parent in enumerate(parents) if parent in found}
        changed = not below <= found
        found |= below
    return found


@dataclass
class Reference:
    plan: Plan
    members: dict[int, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.members = {index: self.users_of_members(group) for index, group in enumerate(self.plan.groups)}

    def people(self) -> range:
        return range(len(self.plan.people))

    def in_roles(self, role: int, below: bool) -> set[int]:
        roles = subtree(self.plan.role_parents, role) if below else {role}
        return {p for p in self.people() if self.plan.people[p].role in roles}

    def in_department(self, department: int) -> set[int]:
        """A department's people include those of the departments below it."""
        departments = subtree(self.plan.department_parents, department)
        return {p for p in self.people() if self.plan.people[p].department in departments}

    def users_of_members(self, members: list[tuple[str, int]]) -> set[int]:
        found: set[int] = set()
        for kind, index in members:
            if kind == "user":
                found.add(index)
            elif kind == "role":
                found |= self.in_roles(index, below=False)
            elif kind == "role_and_subordinates":
                found |= self.in_roles(index, below=True)
            else:
                found |= self.in_department(index)
        return found

    def users_of(self, kind: str, index: int, below: bool) -> set[int]:
        if kind == "role":
            return self.in_roles(index, below)
        if kind == "department":
            return self.in_department(index)
        return self.members[index]

    def subordinates(self, person: int) -> set[int]:
        role = self.plan.people[person].role
        if role is None:
            return set()
        below = subtree(self.plan.role_parents, role) - {role}
        return {p for p in self.people() if self.plan.people[p].role in below}

    def matches(self, criteria: dict[str, Any], record: tuple[int, str, int]) -> bool:
        _owner, status, amount = record
        return status == criteria["value"] if criteria["field"] == "x_status" else amount >= criteria["value"]

    def may_read(self, person: int, index: int) -> bool:
        me, record = self.plan.people[person], self.plan.records[index]
        owner = record[0]
        access, hierarchy = self.plan.default or ("private", True)
        if me.admin or me.view_all or access != "private" or owner == person:
            return True
        if hierarchy and owner in self.subordinates(person):
            return True
        for rule in self.plan.rules:
            if person not in self.users_of(*rule["share_with"]):
                continue
            owned = rule["owned_by"] is None or owner in self.users_of(*rule["owned_by"])
            matching = rule["criteria"] is None or self.matches(rule["criteria"], record)
            if owned and matching:
                return True
        my_departments = set() if me.department is None else {
            d for d in range(len(self.plan.department_parents)) if me.department in subtree(self.plan.department_parents, d)
        }  # fmt: skip
        for shared, kind, target, _access in self.plan.shares:
            if shared != index:
                continue
            if (
                (kind == "user" and target == person)
                or (kind == "group" and person in self.members[target])
                or (kind == "role" and me.role == target)
                or (kind == "department" and target in my_departments)
            ):
                return True
        return False


# -- building a plan through the API --------------------------------------------------------------------------------


@dataclass
class Pool:
    admin: Api
    ids: list[int]
    apis: list[Api]
    serial: count[int] = field(default_factory=count)


@pytest.fixture
def pool(api: Api, platform: Platform) -> Pool:
    made = [add_user(api, platform, f"p{n:02}", display_name=f"用户{n}") for n in range(POOL)]
    return Pool(api, [user_id for user_id, _api in made], [user_api for _id, user_api in made])


def build(pool: Pool, plan: Plan) -> tuple[str, list[int]]:
    """The plan's organization and records through the API; the object's name and the records' ids."""
    admin, n = pool.admin, next(pool.serial)
    name = f"x_p{n}"
    ok(admin.post("/api/v1/meta/objects", {"name": name, "label": {"en": f"Property {n}"}}), 201)
    ok(admin.post(f"/api/v1/meta/objects/{name}/fields", {"name": "x_amount", "type": "integer", "label": "Amount"}),
       201)  # fmt: skip
    status = {"name": "x_status", "type": "picklist", "label": "Status", "values": [{"value": v} for v in STATUSES]}
    ok(admin.post(f"/api/v1/meta/objects/{name}/fields", status), 201)

    def tree(kind: str, parents: list[int | None]) -> list[int]:
        made: list[int] = []
        for index, parent in enumerate(parents):
            body = {"name": f"{name}-{kind}-{index}", "parent": None if parent is None else made[parent]}
            made.append(int(ok(admin.post(f"/api/v1/security/{kind}", body), 201)["id"]))
        return made

    roles, departments = tree("roles", plan.role_parents), tree("departments", plan.department_parents)
    view_all = ok(admin.post("/api/v1/security/permission-sets",
                             {"name": f"{name} view all", "objects": {name: {"view_all": True}}}), 201)["id"]  # fmt: skip
    for index, user in enumerate(pool.ids):
        person = plan.people[index] if index < len(plan.people) else Person(None, None, False, False, True)
        ok(admin.patch(f"/api/v1/security/users/{user}", {
            "role": None if person.role is None else roles[person.role],
            "department": None if person.department is None else departments[person.department],
            "profile": ADMIN if person.admin else STANDARD, "permission_sets": [view_all] if person.view_all else [],
            "active": True,
        }))  # fmt: skip

    def ids(kind: str, index: int) -> int:
        by_kind = {"user": pool.ids, "role": roles, "role_and_subordinates": roles, "department": departments}
        return by_kind[kind][index] if kind != "group" else groups[index]

    groups = [
        int(ok(admin.post("/api/v1/security/groups", {"name": f"{name}-group-{index}",
                                                      "members": [{"kind": k, "id": ids(k, i)} for k, i in members]}),
               201)["id"])
        for index, members in enumerate(plan.groups)
    ]  # fmt: skip
    rows = [{"owner": pool.ids[owner], "x_status": s, "x_amount": amount} for owner, s, amount in plan.records]
    created = ok(admin.post(f"/api/v1/records/{name}/bulk", {"operation": "create", "records": rows}))["results"]
    records = [int(result["id"]) for result in created]
    for person, role in plan.moves:  # their records' access follows them to the new role
        ok(admin.patch(f"/api/v1/security/users/{pool.ids[person]}", {"role": None if role is None else roles[role]}))
    if plan.default is not None:
        set_default(admin, name, *plan.default)
    for rule in plan.rules:
        body: dict[str, Any] = {"object": name, "criteria": rule["criteria"], "access": rule["access"]}
        kind, index, below = rule["share_with"]
        body["share_with"] = {kind: ids(kind, index), "include_subordinates": below}
        if rule["owned_by"] is not None:
            kind, index, below = rule["owned_by"]
            body["owned_by"] = {kind: ids(kind, index), "include_subordinates": below}
        ok(admin.post("/api/v1/security/sharing-rules", body), 201)
    for record, kind, index, access in plan.shares:
        ok(admin.post(f"/api/v1/records/{name}/{records[record]}/shares", {kind: ids(kind, index), "access": access}),
           201)  # fmt: skip
    for index, person in enumerate(plan.people):
        if not person.active:
            ok(admin.patch(f"/api/v1/security/users/{pool.ids[index]}", {"active": False}))
    return name, records


# -- the property ------------------------------------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=plans())
def test_every_user_finds_exactly_what_the_rules_let_them_read(pool: Pool, plan: Plan) -> None:
    # given
    name, records = build(pool, plan)
    reference = Reference(plan.moved())
    for person, details in enumerate(plan.people):
        if not details.active:
            assert pool.apis[person].post(f"/api/v1/records/{name}/query", {}).status_code == 401
            continue
        expected = {records[index] for index in range(RECORDS) if reference.may_read(person, index)}
        # when
        found = visible_ids(pool.apis[person], name, page=16)
        counted = ok(pool.apis[person].post(f"/api/v1/records/{name}/aggregate", {}))["rows"]
        # then
        assert found == expected, (person, plan)
        assert counted == [{"count": len(expected)}]
