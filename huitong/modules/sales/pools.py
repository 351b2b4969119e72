"""Pools (公海, LEAD-3 and ACC-7): lead pools and customer pools, their rules, and the fields a lead or account
carries while it sits in a pool or was claimed from one (docs/sales-pools.md, decisions/0009).

A pool is a standard object (generic list, form, API, recycle bin); its hooks keep it to administrators, resolve its
members (department and user names) into a security group of its own, and make pools readable by everyone. The
records in a pool are owned by the pool's administrator and shared (reason "pool", read) with the pool's group:
members see them through the ordinary record shares, and nobody else does.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import Connection, func, select

from huitong.engine.errors import FieldError, conflict, forbidden, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.meta.model import FieldDef
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.security import organization
from huitong.engine.security.tables import departments, groups
from huitong.engine.system_tables import users

POOL_KINDS = ("lead", "account")
SEPARATORS = re.compile(r"[,，、;；\s]+")

pool = standard_object(
    "pool", "Pool", "公海池",
    [
        field("name", "text", "Pool name", "公海池名称", required=True, unique=True, max_length=100),
        field("kind", "picklist", "Holds", "类型", required=True, default="lead", values=choices(
            ("lead", "Leads", "线索池"), ("account", "Accounts", "客户池"))),
        field("active", "boolean", "Active", "启用", default=True),
        # Owns the records in the pool, and assigns them (as do their managers and system administrators).
        field("administrator", "user", "Pool administrator", "公海管理员", required=True),
        field("member_departments", "text", "Member departments (names, separated by commas)",
              "成员部门（部门名称，用逗号分隔）", max_length=1000),
        field("member_users", "text", "Member users (user names, separated by commas)",
              "成员用户（用户名，用逗号分隔）", max_length=1000),
        field("daily_claim_limit", "integer", "Claims per person per day", "每人每日领取上限", min=0, max=100000),
        field("owned_limit", "integer", "Most a person may own", "每人保有上限", min=0, max=1000000),
        field("protection_days", "integer", "Protected after claiming (days)", "领取后保护期（天）", min=0, max=3650),
        field("reclaim_days", "integer", "Returns when not followed up for (days)", "未跟进自动回收（天）",
              min=1, max=3650),
        field("warn_days", "integer", "Remind the owner before return (days)", "回收前提醒（天）", min=0, max=365),
        field("reclaim_block_days", "integer", "Previous owner may claim again after (days)",
              "前负责人再次领取间隔（天）", min=0, max=3650),
        field("member_group", "integer", "Member group (id)", "成员组（编号）"),
        field("description", "long_text", "Description", "说明"),
    ],
    module="sales",
)  # fmt: skip


def pool_fields() -> list[FieldDef]:
    """The fields a lead or an account has for pools (appended to both declarations)."""
    return [
        field("pool", "lookup", "In pool", "所在公海", target="pool", tracked=True, indexed=True),
        field("home_pool", "lookup", "Returns to pool", "所属公海", target="pool", indexed=True),
        field("pool_entered_at", "datetime", "Entered the pool", "进入公海时间"),
        field("previous_owner", "user", "Previous owner", "前负责人"),
        field("release_reason", "text", "Reason returned to the pool", "退回公海原因", tracked=True, max_length=255),
        field("claimed_by", "user", "Claimed by", "领取人", indexed=True),
        field("claimed_at", "datetime", "Claimed at", "领取时间"),
        field("reclaim_due_at", "datetime", "Returns to the pool on", "预计回收时间", indexed=True),
        field("reclaim_warned_at", "datetime", "Return reminder at", "回收提醒时间"),
    ]  # fmt: skip


# -- the pool's own rules ----------------------------------------------------------------------------------------
def only_administrators(call: HookCall) -> None:
    """Everyone follows a pool's rules, so only administrators set them (pool administrators assign records)."""
    if not call.context.actor.is_admin:
        raise forbidden(_("Only administrators may change pools."))


def check_pool(call: HookCall) -> None:
    """The kind stays what it was (records of the other kind may sit in it); the members must exist."""
    before = call.before or {}
    if before and "kind" in call.values and call.values["kind"] != before.get("kind"):
        message = _("A pool holds leads or accounts for good; create another pool instead.")
        raise validation_failed([FieldError("kind", "read_only", message)])
    call.values.pop("member_group", None)  # kept by the pool itself
    member_fields = ("member_departments", "member_users")
    if before.get("member_group") is not None and all(
        call.values.get(name, before.get(name)) == before.get(name) for name in member_fields
    ):
        return  # the group stands as it is (changing it reloads every process's security snapshot)
    values = {**before, **call.values}
    members, errors = resolve_members(call.context.connection, values)
    if errors:
        raise validation_failed(errors)
    call.values["member_group"] = keep_group(call, members, before.get("member_group"))


def resolve_members(connection: Connection, values: dict[str, Any]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Department names and user names (login or display name) as members of a security group."""
    members: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for field_name, kind, table, columns in (
        ("member_departments", "department", departments, (departments.c.name,)),
        ("member_users", "user", users, (users.c.username, users.c.display_name)),
    ):
        unknown = []
        for name in names_in(values.get(field_name)):
            found = connection.execute(
                select(table.c.id).where(func.lower(columns[0]) == name.lower() if len(columns) == 1 else
                                         (columns[0] == name) | (columns[1] == name)).order_by(table.c.id).limit(1)
            ).scalar()  # fmt: skip
            if found is None:
                unknown.append(name)
            else:
                members.append({"kind": kind, "id": int(found)})
        if unknown:
            message = _("Not found: %(names)s") % {"names": "、".join(unknown)}
            errors.append(FieldError(field_name, "not_found", message))
    return members, errors


def names_in(text: Any) -> list[str]:
    return [name for name in SEPARATORS.split(str(text or "")) if name]


def keep_group(call: HookCall, members: list[dict[str, Any]], group_id: Any) -> int:
    """The pool's security group with these members: created with the pool, its members replaced on each save."""
    context = call.context
    connection, actor = context.connection, context.actor.user_id
    exists = group_id is not None and connection.execute(select(groups.c.id).where(groups.c.id == group_id)).first()
    if exists:
        organization.set_members(connection, int(group_id), members, actor, context.now)
        return int(group_id)
    base = (_("Pool · %(name)s") % {"name": call.values.get("name") or (call.before or {}).get("name")})[:140].strip()
    name = free_name(connection, base)
    return int(organization.create_group(connection, {"name": name, "members": members}, actor, context.now)["id"])


def free_name(connection: Connection, base: str) -> str:
    """``base``, else ``base (n)`` after the n - 1 groups named so (group names are unique), in a query or two:
    a bulk of pools named alike by the thousand must not cost more per pool as it goes."""
    alike = connection.execute(
        select(func.count()).where((groups.c.name == base) | groups.c.name.startswith(f"{base} (", autoescape=True))
    ).scalar_one()
    if not alike:
        return base
    for candidate in (f"{base} ({alike + 1})", f"{base} ({secrets.token_hex(3)})"):
        if connection.execute(select(groups.c.id).where(groups.c.name == candidate)).first() is None:
            return candidate
    return f"{base} ({secrets.token_hex(8)})"


def readable(call: HookCall) -> None:
    """Pools are configuration everyone reads (a lead names its pool; the pools page lists them)."""
    from huitong.modules.sales.process_store import readable_by_everyone

    readable_by_everyone(call.context, "pool")


def keep_while_holding(call: HookCall) -> None:
    """A pool with records in it stays (deactivate it instead): its records would have nowhere to return."""
    pool_id = call.record_id
    for object_name in POOL_KINDS:
        table = call.context.schema.table(object_name)
        held = call.context.connection.execute(
            select(table.c.id).where(table.c.deleted_at.is_(None), table.c.pool == pool_id).limit(1)
        ).first()
        if held:
            raise conflict(_("Records sit in this pool; move them out or deactivate the pool instead."),
                           code="pool_in_use")  # fmt: skip


def install(hooks: Hooks) -> None:
    for event in ("before_create", "before_update", "before_delete"):
        hooks.register(event, "pool", only_administrators)
    hooks.register("before_create", "pool", check_pool)
    hooks.register("before_update", "pool", check_pool)
    hooks.register("after_create", "pool", readable)
    hooks.register("before_delete", "pool", keep_while_holding)
