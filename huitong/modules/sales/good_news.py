"""Good news (喜报): a won deal announces itself to the owner's management (SALES-10, the simple form).

When an opportunity is won, a ``sales_good_news`` record is written in the same transaction, owned by the deal's
owner: whoever sees the owner's records through the role hierarchy (their managers, up the chain) sees it in the
good-news list, and each of them who may read the deal is notified (kind ``deal_won``).
"""

from __future__ import annotations

from typing import Any

from huitong.engine.i18n import N_, _
from huitong.engine.meta.declare import field, standard_object
from huitong.engine.notices import Notice, notice_params
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.web.cells import user_names

sales_good_news = standard_object(
    "sales_good_news", "Good news", "喜报",
    [
        field("title", "text", "Headline", "标题", required=True, max_length=255),
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity", master_detail=True, required=True),
        field("amount", "currency", "Amount", "金额", currency="CNY"),
        field("won_at", "datetime", "Won at", "赢单时间", indexed=True),
    ],
    module="sales",
    title_field="title",
    plural_en="Good news",
)  # fmt: skip


def install(hooks: Hooks) -> None:
    def announce(call: HookCall) -> None:
        if call.values.get("status") == "won" and (call.before or {}).get("status") != "won":
            write(call, call.context.records)

    hooks.register("after_create", "opportunity", announce)
    hooks.register("after_update", "opportunity", announce)


def write(call: HookCall, service: Any) -> None:
    deal = call.values
    amount = deal.get("amount")
    definition = call.context.schema.object("opportunity")
    shown = definition.fields["amount"].field_type.display(definition.fields["amount"], amount) if amount else ""
    title = _("Won: %(name)s %(amount)s") % {"name": deal.get("name") or "", "amount": shown}
    news = {"title": title.strip()[:255], "opportunity": call.record_id, "amount": amount, "won_at": call.context.now}
    if deal.get("owner") and service.access.may_manage(call.context.actor, definition, deal["owner"]):
        news["owner"] = deal["owner"]  # the owner's managers see it through the role hierarchy
    service.create_in(call.context, "sales_good_news", news)
    tell_managers(call, service, deal, shown)


def tell_managers(call: HookCall, service: Any, deal: dict[str, Any], amount: str) -> None:
    owner = deal.get("owner") or call.context.actor.user_id
    managers = service.access.managers_of(call.context.actor, owner)
    if not managers:
        return
    owner_name = user_names(call.context.connection, [owner]).get(owner, "")
    call.context.notify(
        Notice(
            "deal_won",
            tuple(managers),
            N_("%(owner)s won %(deal)s %(amount)s"),
            notice_params(owner=owner_name, deal=deal.get("name"), amount=amount),
            object="opportunity",
            record_id=call.record_id,
            actor_id=call.context.actor.user_id,
            key=f"deal_won:{call.record_id}",  # won once: reopening and winning again does not ring twice
        )
    )
