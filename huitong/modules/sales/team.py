"""Team selling: an opportunity's team members, their role, their access to it and their share of its revenue.

A member is a detail of the opportunity (master-detail) and gets the opportunity shared with them (reason "team",
read or read and write) through the security module's record shares. Revenue splits of one opportunity add up to
at most 100 %; the owner is credited with the rest. ``split_amount`` (amount × split) is kept by the hooks, so that
the forecast's split-adjusted "won" is a sum the query engine computes.

Contact roles are the customer's side: which contacts play which part in the buying decision.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, forbidden, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.records.service import RecordService
from huitong.engine.security import sharing
from huitong.modules.sales.choices import BUYING_ROLES
from huitong.modules.sales.process_store import list_records

REASON = "team"
CENT = Decimal("0.01")

opportunity_team_member = standard_object(
    "opportunity_team_member", "Opportunity team member", "商机团队成员",
    [
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity", master_detail=True, required=True),
        field("user", "user", "Member", "成员", required=True),
        field("role", "picklist", "Role", "角色", default="sales_rep", values=choices(
            ("sales_rep", "Sales rep", "销售代表"), ("presales", "Presales", "售前顾问"),
            ("manager", "Sales manager", "销售经理"), ("support", "Technical support", "技术支持"),
            ("other", "Other", "其他"))),
        field("access", "picklist", "Access", "权限", default="read", values=choices(
            ("read", "Read", "只读"), ("read_write", "Read and edit", "读写"))),
        field("split_percent", "percent", "Revenue split (%)", "业绩分配（%）", default=0, min=0, max=100),
        field("split_amount", "currency", "Split amount", "分配金额", currency="CNY"),
        field("member_key", "text", "Key", "唯一键", unique=True, max_length=64),
    ],
    module="sales",
    title_field="member_key",
)  # fmt: skip


def install(hooks: Hooks) -> None:

    def before(call: HookCall) -> None:
        check_member(call, call.context.records)

    def after(call: HookCall) -> None:
        share_with_member(call, call.context.records)

    def removed(call: HookCall) -> None:
        unshare(call, call.context.records)

    def amount_changed(call: HookCall) -> None:
        if (call.before or {}).get("amount") != call.values.get("amount"):
            resplit(call, call.context.records)

    hooks.register("before_create", "opportunity_team_member", before)
    hooks.register("before_update", "opportunity_team_member", before)
    hooks.register("after_create", "opportunity_team_member", after)
    hooks.register("after_update", "opportunity_team_member", after)
    hooks.register("after_delete", "opportunity_team_member", removed)
    hooks.register("after_update", "opportunity", amount_changed)

    def contact_named(call: HookCall) -> None:
        name_contact(call, call.context.records)

    hooks.register("before_create", "opportunity_contact_role", contact_named)
    hooks.register("before_update", "opportunity_contact_role", contact_named)


def name_contact(call: HookCall, service: RecordService) -> None:
    """The role's title is its contact's name (the role shows beside it)."""
    contact = call.values.get("contact")
    if contact is None:
        return
    found = _list(call, service, "contact", {"filter": {"field": "id", "op": "eq", "value": contact},
                                             "fields": ["name"]})  # fmt: skip
    if found:
        call.values["name"] = found[0]["name"]


def _list(call: HookCall, service: RecordService, object_name: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    context = call.context
    env = FilterEnv(now=context.now, zone=service.zone)
    return list_records(context.connection, context.schema, context.actor, service.access, env, object_name, request)


def check_member(call: HookCall, service: RecordService) -> None:
    values = {**(call.before or {}), **call.values}
    opportunity_id = values.get("opportunity")
    if opportunity_id is None:
        return  # the record service reports the missing opportunity
    found = _list(call, service, "opportunity", {"filter": {"field": "id", "op": "eq", "value": opportunity_id},
                                                 "fields": ["amount"]})  # fmt: skip
    if not found:
        return  # the record service's lookup check reports it
    same = [{"field": "opportunity", "op": "eq", "value": opportunity_id}]
    if call.record_id is not None:
        same.append({"field": "id", "op": "ne", "value": call.record_id})
    others = _list(call, service, "opportunity_team_member", {"filter": {"and": same}, "fields": ["split_percent"]})
    percent = Decimal(str(values.get("split_percent") or 0))
    if percent + sum((Decimal(o["split_percent"] or 0) for o in others), Decimal(0)) > 100:
        message = _("The revenue splits of an opportunity add up to at most 100 %.")
        raise validation_failed([FieldError("split_percent", "over_100", message)])
    amount = Decimal(found[0]["amount"] or 0)
    call.values["split_amount"] = (amount * percent / 100).quantize(CENT)
    call.values["member_key"] = f"{opportunity_id}:{values.get('user')}"


def _may_share(call: HookCall, service: RecordService, opportunity_id: int) -> bool:
    context = call.context
    definition = context.schema.object("opportunity")
    owner = _list(call, service, "opportunity", {"filter": {"field": "id", "op": "eq", "value": opportunity_id},
                                                 "fields": ["owner"]})  # fmt: skip
    return bool(owner) and service.access.may_manage(context.actor, definition, owner[0]["owner"])


def share_with_member(call: HookCall, service: RecordService) -> None:
    row, before = call.values, call.before or {}
    if before and all(before.get(k) == row.get(k) for k in ("user", "access", "opportunity")):
        return
    if not _may_share(call, service, row["opportunity"]):
        raise forbidden(_("Only the owner, their managers and administrators may change the opportunity's team."))
    if before:
        _remove_share(call, before)
    sharing.add_share(
        call.context.connection, "opportunity", row["opportunity"], {"user": row["user"], "access": row["access"]},
        call.context.actor.user_id, may_share=True, reason=REASON, now=call.context.now,
    )  # fmt: skip


def unshare(call: HookCall, service: RecordService) -> None:
    if not _may_share(call, service, call.values["opportunity"]):
        raise forbidden(_("Only the owner, their managers and administrators may change the opportunity's team."))
    _remove_share(call, call.values)


def _remove_share(call: HookCall, member: dict[str, Any]) -> None:
    connection = call.context.connection
    for share in sharing.list_shares(connection, "opportunity", member["opportunity"]):
        if share["reason"] == REASON and share.get("user") == member["user"]:
            sharing.remove_share(connection, "opportunity", member["opportunity"], share["id"], may_share=True)


def resplit(call: HookCall, service: RecordService) -> None:
    """The opportunity's amount changed: its members' split amounts follow."""
    amount = Decimal(str(call.values.get("amount") or 0))
    members = _list(call, service, "opportunity_team_member", {
        "filter": {"field": "opportunity", "op": "eq", "value": call.record_id},
        "fields": ["split_percent", "version"]})  # fmt: skip
    for member in members:
        split = (amount * Decimal(member["split_percent"] or 0) / 100).quantize(CENT)
        service.update_in(call.context, "opportunity_team_member", member["id"], {"split_amount": str(split)},
                          member["version"])  # fmt: skip


# The customer's side of the deal: which contacts play which part in the buying decision.
opportunity_contact_role = standard_object(
    "opportunity_contact_role", "Contact role", "联系人角色",
    [
        field("name", "text", "Contact name", "联系人姓名", max_length=100),
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity", master_detail=True, required=True),
        field("contact", "lookup", "Contact", "联系人", target="contact", required=True),
        field("role", "picklist", "Role in the decision", "决策角色", values=BUYING_ROLES),
        field("is_primary", "boolean", "Primary contact", "主要联系人", default=False),
        field("note", "text", "Note", "备注", max_length=255),
    ],
    module="sales",
    title_field="name",
    plural_en="Contact roles",
)  # fmt: skip
