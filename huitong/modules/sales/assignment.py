"""Lead assignment rules (LEAD-2): a new lead nobody chose an owner for goes to the owner of the first active rule
it matches, in the rules' order — a named user, or the members of a group in turn (round robin). A rule without
criteria matches every lead: put one last as the default owner.

Rules are records of a standard object (generic list, form, API); their hooks keep them to administrators and check
the user or group they name. Rules are matched against the new lead's values in its own transaction.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import func, select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.declare import field, standard_object
from huitong.engine.records.context import HookCall
from huitong.engine.security.tables import groups
from huitong.modules.sales.choices import INDUSTRIES, SOURCES

lead_assignment_rule = standard_object(
    "lead_assignment_rule", "Lead assignment rule", "线索分配规则",
    [
        field("name", "text", "Rule name", "规则名称", required=True, unique=True, max_length=100),
        field("sort_order", "integer", "Order", "顺序", required=True, default=10, min=0),
        field("active", "boolean", "Active", "启用", default=True),
        field("sources", "multi_picklist", "Lead sources", "线索来源", values=SOURCES),
        field("industries", "multi_picklist", "Industries", "行业", values=INDUSTRIES),
        field("provinces", "text", "Provinces (separated by commas)", "省份（用逗号分隔）", max_length=500),
        field("campaign", "text", "Campaign", "市场活动", max_length=200),
        field("assign_to", "user", "Assign to user", "分配给用户"),
        field("group", "text", "Or round robin in group", "或在用户组内轮流分配", max_length=150),
    ],
    module="sales",
)  # fmt: skip

# Leads a rule has assigned in a transaction and not yet written: a bulk import runs every lead's before-hooks
# before it inserts them, and each must take the next turn. Per connection, i.e. per transaction.
_pending: WeakKeyDictionary[Any, dict[str, int]] = WeakKeyDictionary()
_rules: WeakKeyDictionary[Any, list[Any]] = WeakKeyDictionary()
SEPARATORS = re.compile(r"[,，、;；\s]+")
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_key(text: Any) -> str:
    """ "江苏省" and "江苏" are one province."""
    value = str(text or "").strip()
    for suffix in PROVINCE_SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)]
    return value


def matches(rule: Any, lead: dict[str, Any]) -> bool:
    """Whether the lead meets every criterion the rule sets (criteria left empty do not count)."""
    sources = [item for item in str(rule.sources or "").split(";") if item]
    industries = [item for item in str(rule.industries or "").split(";") if item]
    provinces = {province_key(item) for item in SEPARATORS.split(rule.provinces or "") if item}
    return (
        (not sources or lead.get("source") in sources)
        and (not industries or lead.get("industry") in industries)
        and (not provinces or province_key(lead.get("province")) in provinces)
        and (not rule.campaign or str(lead.get("campaign") or "").strip().lower() == rule.campaign.strip().lower())
    )


def assign_new_lead(call: HookCall) -> None:
    """A before_create hook on leads: an owner chosen by whoever creates the lead stays; otherwise the rules decide.
    The rules are configuration every new lead follows, read whoever creates it."""
    if call.values.get("owner") is not None:
        return
    context = call.context
    for rule in active_rules(context):
        if not matches(rule, call.values):
            continue
        owner = rule.assign_to if rule.assign_to in active_users(context) else round_robin(call, rule)
        if owner is not None:
            call.values["owner"] = owner
            call.values["assigned_by_rule"] = rule.name
            pending = _pending.setdefault(context.connection, {})
            pending[rule.name] = pending.get(rule.name, 0) + 1
            return


def active_rules(context: Any) -> list[Any]:
    """The active rules in order, read once per transaction (an import of many leads asks for each)."""
    if context.connection not in _rules:
        table = context.schema.table("lead_assignment_rule")
        query = select(table).where(table.c.deleted_at.is_(None), table.c.active.is_(True))
        _rules[context.connection] = list(context.connection.execute(query.order_by(table.c.sort_order, table.c.id)))
    return _rules[context.connection]


def written(call: HookCall) -> None:
    """An after_create hook on leads: an assigned lead is in the table now, counted there."""
    name = call.values.get("assigned_by_rule")
    pending = _pending.get(call.context.connection, {})
    if name in pending:
        pending[name] -= 1


def round_robin(call: HookCall, rule: Any) -> int | None:
    """The group's active members in turn: the next one after as many leads as this rule has assigned so far."""
    members = sorted(group_members(call, rule.group))
    if not members:
        return None
    table = call.context.schema.table("lead")
    assigned = call.context.connection.execute(
        select(func.count()).where(table.c.assigned_by_rule == rule.name)
    ).scalar_one()
    assigned += _pending.get(call.context.connection, {}).get(rule.name, 0)
    return members[int(assigned) % len(members)]


def group_members(call: HookCall, name: str | None) -> set[int]:
    """Active people in the group (its roles and departments resolved), from the request's security snapshot."""
    if not name:
        return set()
    group_id = call.context.connection.execute(select(groups.c.id).where(groups.c.name == name)).scalar_one_or_none()
    model = call.context.actor.model  # the security snapshot the access policy bound (None under other policies)
    if group_id is None or model is None:
        return set()
    return set(model.users_in_group(group_id)) & active_users(call.context)


def active_users(context: Any) -> set[int]:
    model = context.actor.model
    return set(model.active_ids) if model is not None else set()


def check_rule(call: HookCall) -> None:
    """A rule names exactly one of a user and a group, and the group must exist."""
    values = {**(call.before or {}), **call.values}
    errors = []
    if (values.get("assign_to") is None) == (not values.get("group")):
        errors.append(FieldError("assign_to", "one_owner", _("Choose either a user or a group to assign to.")))
    elif values.get("group"):
        found = call.context.connection.execute(select(groups.c.id).where(groups.c.name == values["group"])).first()
        if found is None:
            errors.append(FieldError("group", "unknown_group", _("There is no group of this name.")))
    if errors:
        raise validation_failed(errors)
