"""A small company built through the security API, for the security tests.

Departments: 集团 → 华东区 → 上海分公司, and 集团 → 华北区. Roles (four levels): CEO → sales director → East manager
and North manager → East rep and North rep. Users (password ``PASSWORD``):

    ceo        CEO            集团       Standard user
    director   sales director 集团       Standard user
    east_mgr   East manager   华东区     Standard user
    north_mgr  North manager  华北区     Standard user
    wang, zhao East rep       上海分公司 "Sales" (x_equipment CRUD, x_site read only, x_price hidden)
    liu        North rep      华北区     Standard user
    former     North rep      华北区     Standard user, deactivated once their records exist

Equipment (x_equipment) and sites (x_site) are owned by different people; every object is private with access
through the role hierarchy (the default when none is set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from huitong.engine.platform import Platform
from huitong.engine.security.users import create_token
from tests.conftest import Api

PASSWORD = "correct-horse-9"
DEPARTMENTS = [("集团", None), ("华东区", "集团"), ("上海分公司", "华东区"), ("华北区", "集团")]
ROLES = [
    ("ceo", None),
    ("director", "ceo"),
    ("east_manager", "director"),
    ("north_manager", "director"),
    ("east_rep", "east_manager"),
    ("north_rep", "north_manager"),
]
# username → (role, department, uses the Sales profile)
PEOPLE = {
    "ceo": ("ceo", "集团", False),
    "director": ("director", "集团", False),
    "east_mgr": ("east_manager", "华东区", False),
    "north_mgr": ("north_manager", "华北区", False),
    "wang": ("east_rep", "上海分公司", True),
    "zhao": ("east_rep", "上海分公司", True),
    "liu": ("north_rep", "华北区", False),
    "former": ("north_rep", "华北区", False),
}
SALES_PROFILE = {
    "name": "Sales",
    "objects": {
        "x_equipment": {"create": True, "read": True, "edit": True, "delete": True},
        "x_site": {"read": True},
    },
    "fields": {"x_equipment.x_price": "hidden", "x_equipment.x_installed": "read"},
}
# site name → owner
SITES = {"上海站": "wang", "北京站": "liu"}
# serial → (owner, site, price)
EQUIPMENT: dict[str, tuple[str, str | None, str]] = {
    "E-WANG-1": ("wang", "北京站", "100.00"),
    "E-WANG-2": ("wang", "上海站", "200.00"),
    "E-ZHAO-1": ("zhao", "上海站", "300.00"),
    "E-LIU-1": ("liu", "北京站", "400.00"),
    "E-EAST-M": ("east_mgr", None, "500.00"),
    "E-NORTH-M": ("north_mgr", None, "600.00"),
    "E-DIR": ("director", None, "700.00"),
    "E-CEO": ("ceo", None, "800.00"),
    "E-FORMER": ("former", "北京站", "900.00"),
}


@dataclass
class Org:
    admin: Api
    platform: Platform
    departments: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)
    profiles: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    equipment: dict[str, int] = field(default_factory=dict)
    admin_id: int = 0

    def __getitem__(self, username: str) -> Api:
        return self.apis[username]

    def serials(self, ids: set[int] | list[int]) -> set[str]:
        by_id = {record_id: serial for serial, record_id in self.equipment.items()}
        return {by_id[record_id] for record_id in ids}

    def ids(self, *serials: str) -> set[int]:
        return {self.equipment[serial] for serial in serials}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.status_code != 204 else None


def token_api(admin: Api, platform: Platform, user_id: int) -> Api:
    with platform.db.write() as connection:
        token = create_token(connection, user_id, "tests")
    return Api(admin.client, token)


def add_user(admin: Api, platform: Platform, username: str, **values: Any) -> tuple[int, Api]:
    """A user through the API (Standard user unless ``profile`` says otherwise) and a client signed in as them."""
    body = ok(admin.post("/api/v1/security/users", {"username": username, "password": PASSWORD, **values}), 201)
    return int(body["id"]), token_api(admin, platform, int(body["id"]))


def tree(admin: Api, kind: str, nodes: list[tuple[str, str | None]]) -> dict[str, int]:
    made: dict[str, int] = {}
    for name, parent in nodes:
        body = ok(admin.post(f"/api/v1/security/{kind}", {"name": name, "parent": made.get(parent or "")}), 201)
        made[name] = int(body["id"])
    return made


def build_org(admin: Api, platform: Platform) -> Org:
    """The company above, on top of the ``equipment`` fixture's objects."""
    org = Org(admin, platform)
    org.admin_id = next(u["id"] for u in ok(admin.get("/api/v1/security/users"))["users"] if u["username"] == "admin")
    org.departments = tree(admin, "departments", DEPARTMENTS)
    org.roles = tree(admin, "roles", ROLES)
    org.profiles["Sales"] = int(ok(admin.post("/api/v1/security/profiles", SALES_PROFILE), 201)["id"])
    for username, (role, department, sales) in PEOPLE.items():
        profile = {"profile": org.profiles["Sales"]} if sales else {}
        user_id, api = add_user(
            admin, platform, username, role=org.roles[role], department=org.departments[department], **profile
        )
        org.users[username], org.apis[username] = user_id, api
    sites = [{"x_name": name, "owner": org.users[owner]} for name, owner in SITES.items()]
    for name, result in zip(SITES, bulk_create(admin, "x_site", sites), strict=True):
        org.sites[name] = result
    records = [
        {"x_serial": serial, "owner": org.users[owner], "x_site": org.sites.get(site or ""), "x_price": price,
         "x_status": "active", "x_installed": "2026-03-01"}
        for serial, (owner, site, price) in EQUIPMENT.items()
    ]  # fmt: skip
    for serial, result in zip(EQUIPMENT, bulk_create(admin, "x_equipment", records), strict=True):
        org.equipment[serial] = result
    ok(admin.patch(f"/api/v1/security/users/{org.users['former']}", {"active": False}))
    return org


def bulk_create(api: Api, object_name: str, records: list[dict[str, Any]]) -> list[int]:
    results = ok(api.post(f"/api/v1/records/{object_name}/bulk", {"operation": "create", "records": records}))
    return [int(result["id"]) for result in results["results"]]


def visible_ids(api: Api, object_name: str = "x_equipment", *, page: int = 1000, **request: Any) -> set[int]:
    """Every id ``POST /query`` returns, following cursors; checks that ``count`` agrees."""
    found: list[int] = []
    cursor = None
    total = None
    while True:
        body = {"fields": ["id"], "limit": page, "count": True, **request}
        if cursor is not None:
            body["cursor"] = cursor
        answer = ok(api.post(f"/api/v1/records/{object_name}/query", body))
        found += [record["id"] for record in answer["records"]]
        total = answer["total"] if total is None else total
        assert answer["total"] == total
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert len(found) == len(set(found)) == total
    return set(found)


def set_default(admin: Api, object_name: str, access: str, hierarchy: bool = True) -> None:
    ok(
        admin.client.put(
            f"/api/v1/security/sharing-defaults/{object_name}",
            json={"access": access, "grant_via_hierarchy": hierarchy},
            headers=admin.headers(),
        )
    )


def put(api: Api, path: str, body: Any) -> Any:
    return api.client.put(path, json=body, headers=api.headers())


def record(api: Api, record_id: int, object_name: str = "x_equipment") -> Any:
    return api.get(f"/api/v1/records/{object_name}/{record_id}")


def patch(admin: Api, api: Api, record_id: int, values: dict[str, Any], object_name: str = "x_equipment") -> Any:
    """PATCH as ``api`` with the current version (read by the admin), so that a refusal is about access alone."""
    version = ok(record(admin, record_id, object_name))["version"]
    return api.patch(f"/api/v1/records/{object_name}/{record_id}", {**values, "version": version})
