"""The organization and permissions as one immutable snapshot, and what they mean for one user.

Every process caches the snapshot of the current ``security_state.version`` (a few hundred users, roles and
rules load in milliseconds) and derives each user's ``UserContext`` from it once. Any change to the organization or
permissions bumps the version, so every process sees it on its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, select

from huitong.engine.security.tables import (
    departments,
    field_permissions,
    group_members,
    object_permissions,
    profiles,
    roles,
    security_state,
    sharing_defaults,
    sharing_rules,
    user_permission_sets,
)
from huitong.engine.snapshots import Snapshots
from huitong.engine.system_tables import users

T = TypeVar("T")

ACTIONS = ("create", "read", "edit", "delete", "view_all", "modify_all")
FIELD_ORDER = {"hidden": 0, "read": 1, "edit": 2}


@dataclass(frozen=True)
class Grant:
    """What a user may do with the records of one object (before record-level access)."""

    create: bool = False
    read: bool = False
    edit: bool = False
    delete: bool = False
    view_all: bool = False
    modify_all: bool = False

    def allows(self, action: str) -> bool:
        return bool(getattr(self, action))

    def merged(self, other: Grant) -> Grant:
        return Grant(*(self.allows(a) or other.allows(a) for a in ACTIONS))

    def implied(self) -> Grant:
        """With what the wider permissions include: modify all reads, edits and deletes all; view all reads."""
        return Grant(
            create=self.create,
            read=self.read or self.view_all or self.modify_all,
            edit=self.edit or self.modify_all,
            delete=self.delete or self.modify_all,
            view_all=self.view_all or self.modify_all,
            modify_all=self.modify_all,
        )


FULL = Grant(True, True, True, True, True, True)
CRUD = Grant(True, True, True, True, False, False)
NONE = Grant()
MAX_REMEMBERED = 10_000


@dataclass(frozen=True)
class Default:
    """The organization-wide default of an object."""

    access: str = "private"  # private | read | read_write
    grant_via_hierarchy: bool = True


@dataclass(frozen=True)
class Rule:
    id: int
    object_name: str
    criteria: Any
    owned_by: tuple[str, int, bool] | None  # (kind, id, with subordinates)
    share_with: tuple[str, int, bool]
    access: str


@dataclass(frozen=True)
class UserRow:
    id: int
    active: bool
    profile_id: int
    role_id: int | None
    department_id: int | None


@dataclass
class UserContext:
    """One user's standing: profile grants, field access, place in the trees, groups."""

    user_id: int
    is_admin: bool
    role_id: int | None
    department_id: int | None
    subordinate_ids: frozenset[int]
    group_ids: frozenset[int]
    department_ids: frozenset[int]  # the user's department and those above it
    grants: dict[str, Grant]
    default_crud: bool
    field_access: dict[str, dict[str, str]]

    def grant(self, object_name: str) -> Grant:
        if self.is_admin:
            return FULL
        return self.grants.get(object_name, CRUD if self.default_crud else NONE)


@dataclass
class SecurityModel:
    version: int
    users: dict[int, UserRow]
    role_paths: dict[int, str]
    department_paths: dict[int, str]
    admin_profiles: frozenset[int]
    crud_profiles: frozenset[int]
    permissions: dict[tuple[str, int], dict[str, Grant]]
    fields: dict[tuple[str, int], dict[str, dict[str, str]]]
    user_sets: dict[int, list[int]]
    members: dict[int, list[tuple[str, int]]]
    defaults: dict[str, Default]
    rules: dict[str, list[Rule]]
    _contexts: dict[int, UserContext] = field(default_factory=dict)
    _principals: dict[tuple[str, int, bool], frozenset[int]] = field(default_factory=dict)
    _remembered: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def remembered(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """What ``make`` builds from this snapshot, built once per ``key`` (the access policy's read parts, whose
        records a user reads, an object's rule tags): a new snapshot starts afresh."""
        if key in self._remembered:
            return cast(T, self._remembered[key])
        found = make()
        if len(self._remembered) >= MAX_REMEMBERED:  # bounded: filters choose among rules, users are many
            self._remembered.clear()
        self._remembered[key] = found
        return found

    # -- trees -------------------------------------------------------------------------------------------------
    def users_in_roles(self, role_id: int, with_subordinates: bool) -> frozenset[int]:
        path = self.role_paths.get(role_id)
        if path is None:
            return frozenset()
        return frozenset(
            u.id
            for u in self.users.values()
            if u.role_id is not None
            and (u.role_id == role_id or (with_subordinates and self.role_paths.get(u.role_id, "").startswith(path)))
        )

    def roles_under(self, role_id: int, *, including: bool) -> frozenset[int]:
        """The roles below ``role_id`` (and ``role_id`` itself when ``including``) that have people in them."""
        path = self.role_paths.get(role_id)
        if path is None:
            return frozenset()
        return frozenset(
            role
            for role, other in self.role_paths.items()
            if other.startswith(path) and (including or role != role_id) and role in self.staffed_roles
        )

    @cached_property
    def staffed_roles(self) -> frozenset[int]:
        return frozenset(u.role_id for u in self.users.values() if u.role_id is not None)

    def users_in_department(self, department_id: int) -> frozenset[int]:
        """A department's people include those of its sub-departments."""
        path = self.department_paths.get(department_id)
        if path is None:
            return frozenset()
        return frozenset(
            u.id
            for u in self.users.values()
            if u.department_id is not None and self.department_paths.get(u.department_id, "").startswith(path)
        )

    def users_in_group(self, group_id: int) -> frozenset[int]:
        found: set[int] = set()
        for kind, member in self.members.get(group_id, []):
            found |= self.users_of(kind, member, with_subordinates=kind == "role_and_subordinates")
        return frozenset(found)

    def users_of(self, kind: str, principal: int, with_subordinates: bool) -> frozenset[int]:
        """The people a principal names; remembered, as the snapshot never changes (every request asks)."""
        key = (kind, principal, with_subordinates)
        found = self._principals.get(key)
        if found is None:
            found = self._principals[key] = self._users_of(kind, principal, with_subordinates)
        return found

    def _users_of(self, kind: str, principal: int, with_subordinates: bool) -> frozenset[int]:
        if kind == "user":
            return frozenset({principal})
        if kind in ("role", "role_and_subordinates"):
            return self.users_in_roles(principal, with_subordinates or kind == "role_and_subordinates")
        if kind == "department":
            return self.users_in_department(principal)
        if kind == "group":
            return self.users_in_group(principal)
        return frozenset()

    def subordinates_of(self, user_id: int) -> frozenset[int]:
        """Users whose role is below this user's role (not beside it)."""
        user = self.users.get(user_id)
        if user is None or user.role_id is None:
            return frozenset()
        path = self.role_paths[user.role_id]
        return frozenset(
            other.id
            for other in self.users.values()
            if other.role_id is not None
            and other.role_id != user.role_id
            and self.role_paths.get(other.role_id, "").startswith(path)
        )

    def managers_of(self, user_id: int) -> list[int]:
        """The active users whose role is above this user's role, nearest first: the manager chain."""
        user = self.users.get(user_id)
        if user is None or user.role_id is None:
            return []
        path = self.role_paths[user.role_id]
        above = [
            (len(self.role_paths[other.role_id]), other.id)
            for other in self.users.values()
            if other.active
            and other.role_id is not None
            and other.role_id != user.role_id
            and path.startswith(self.role_paths.get(other.role_id, "\0"))
        ]
        return [other for _, other in sorted(above, reverse=True)]

    # -- one user ----------------------------------------------------------------------------------------------
    def context(self, user_id: int) -> UserContext:
        found = self._contexts.get(user_id)
        if found is None:
            found = self._contexts[user_id] = self._build_context(user_id)
        return found

    def _build_context(self, user_id: int) -> UserContext:
        user = self.users.get(user_id) or UserRow(user_id, False, -1, None, None)
        profile = ("profile", user.profile_id)
        sets = [("permission_set", s) for s in self.user_sets.get(user_id, [])]
        # Permission sets only add to the profile: an object the profile does not list keeps what the profile
        # grants unlisted objects, and a field it does not list stays editable whatever a set says of it.
        unlisted = CRUD if user.profile_id in self.crud_profiles else NONE
        grants = dict(self.permissions.get(profile, {}))
        access = {name: dict(by_field) for name, by_field in self.fields.get(profile, {}).items()}
        for holder in sets:
            for object_name, grant in self.permissions.get(holder, {}).items():
                grants[object_name] = grants.get(object_name, unlisted).merged(grant)
            for object_name, by_field in self.fields.get(holder, {}).items():
                limited = access.get(object_name, {})
                for field_name, level in by_field.items():
                    if field_name in limited and FIELD_ORDER[level] > FIELD_ORDER[limited[field_name]]:
                        limited[field_name] = level
        department_ids = frozenset(
            department
            for department, path in self.department_paths.items()
            if user.department_id is not None and self.department_paths[user.department_id].startswith(path)
        )
        return UserContext(
            user_id=user_id,
            is_admin=user.profile_id in self.admin_profiles,
            role_id=user.role_id,
            department_id=user.department_id,
            subordinate_ids=self.subordinates_of(user_id),
            group_ids=frozenset(g for g in self.members if user_id in self.users_in_group(g)),
            department_ids=department_ids,
            grants={name: grant.implied() for name, grant in grants.items()},
            default_crud=user.profile_id in self.crud_profiles,
            field_access=access,
        )

    def default_for(self, object_name: str) -> Default:
        return self.defaults.get(object_name, Default())

    def rules_for(self, object_name: str) -> list[Rule]:
        return self.rules.get(object_name, [])

    def shares_with(self, rule: Rule, user: UserContext) -> bool:
        kind, principal, with_subordinates = rule.share_with
        return user.user_id in self.users_of(kind, principal, with_subordinates)

    @cached_property
    def active_ids(self) -> frozenset[int]:
        return frozenset(u.id for u in self.users.values() if u.active)


def load_model(connection: Connection) -> SecurityModel:
    version = connection.execute(select(security_state.c.version).where(security_state.c.id == 1)).scalar_one()
    permissions: dict[tuple[str, int], dict[str, Grant]] = {}
    for row in connection.execute(select(object_permissions)):
        grant = Grant(row.can_create, row.can_read, row.can_edit, row.can_delete, row.view_all, row.modify_all)
        permissions.setdefault((row.holder_kind, row.holder_id), {})[row.object_name] = grant
    fields: dict[tuple[str, int], dict[str, dict[str, str]]] = {}
    for row in connection.execute(select(field_permissions)):
        holder = fields.setdefault((row.holder_kind, row.holder_id), {})
        holder.setdefault(row.object_name, {})[row.field_name] = row.access
    user_sets: dict[int, list[int]] = {}
    for row in connection.execute(select(user_permission_sets)):
        user_sets.setdefault(row.user_id, []).append(row.permission_set_id)
    members: dict[int, list[tuple[str, int]]] = {}
    for row in connection.execute(select(group_members)):
        members.setdefault(row.group_id, []).append((row.member_kind, row.member_id))
    rules: dict[str, list[Rule]] = {}
    for row in connection.execute(select(sharing_rules).order_by(sharing_rules.c.id)):
        owned_by = (row.owned_by_kind, row.owned_by_id, row.owned_by_subordinates) if row.owned_by_kind else None
        share_with = (row.share_with_kind, row.share_with_id, row.share_with_subordinates)
        rules.setdefault(row.object_name, []).append(
            Rule(row.id, row.object_name, row.criteria, owned_by, share_with, row.access)
        )
    profile_rows = list(connection.execute(select(profiles.c.id, profiles.c.is_admin, profiles.c.default_crud)))
    return SecurityModel(
        version=version,
        users={
            row.id: UserRow(row.id, row.active, row.profile_id, row.role_id, row.department_id)
            for row in connection.execute(
                select(users.c.id, users.c.active, users.c.profile_id, users.c.role_id, users.c.department_id)
            )
        },
        role_paths={row.id: row.path for row in connection.execute(select(roles.c.id, roles.c.path))},
        department_paths={row.id: row.path for row in connection.execute(select(departments.c.id, departments.c.path))},
        admin_profiles=frozenset(row.id for row in profile_rows if row.is_admin),
        crud_profiles=frozenset(row.id for row in profile_rows if row.default_crud),
        permissions=permissions,
        fields=fields,
        user_sets=user_sets,
        members=members,
        defaults={
            row.object_name: Default(row.access, row.grant_via_hierarchy)
            for row in connection.execute(select(sharing_defaults))
        },
        rules=rules,
    )


class SecurityCache(Snapshots[SecurityModel]):
    """The per-process snapshot, reloaded when ``security_state.version`` moves."""

    def __init__(self) -> None:
        super().__init__(security_state, load_model)
