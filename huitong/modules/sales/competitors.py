"""Competitors (OPP-6): who we meet in deals, and on each opportunity who competes with what at which price.

``competitor`` is a standard object every salesperson reads (its organization-wide default becomes "read" when the
first competitor is stored, unless an administrator has chosen one), so that the whole team shares one list of
rivals with their strengths and weaknesses. ``opportunity_competitor`` is a detail of the opportunity
(master-detail): whoever may see the deal sees who competes for it. An opportunity's ``winner`` is the competitor
that took a lost deal; setting it marks that competitor's row on the deal as having won (adding the row if the
competitor was not listed), so the win/loss analysis reads one object (docs/decisions/0011-competitors.md).
"""

from __future__ import annotations

from typing import Any

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.records.service import RecordService
from huitong.modules.sales.process_store import list_records, readable_by_everyone

PRICE_POSITIONS = choices(
    ("premium", "Premium", "高端"),
    ("mid", "Mid-range", "中端"),
    ("budget", "Budget", "低价"),
    ("mixed", "Mixed", "多档"),
)
THREAT_LEVELS = choices(("high", "High", "高"), ("medium", "Medium", "中"), ("low", "Low", "低"))
# The competitor's standing in this deal: still in it, took it from us, lost it (to us or another), dropped out.
COMPETING_STATUSES = choices(
    ("active", "Still competing", "竞争中"),
    ("won", "Won the deal (we lost)", "对手赢单"),
    ("lost", "Lost the deal", "对手输单"),
    ("withdrawn", "Withdrew", "已退出"),
)

competitor = standard_object(
    "competitor", "Competitor", "竞争对手",
    [
        field("name", "text", "Competitor name", "竞争对手名称", required=True, unique=True, indexed=True,
              max_length=200),
        field("website", "url", "Website", "网站", max_length=255),
        field("main_products", "long_text", "Main products", "主要产品", max_length=2000),
        field("price_position", "picklist", "Price positioning", "价格定位", values=PRICE_POSITIONS),
        field("strengths", "long_text", "Strengths", "优势", max_length=4000),
        field("weaknesses", "long_text", "Weaknesses", "劣势", max_length=4000),
        field("notes", "long_text", "Notes", "备注", max_length=4000),
    ],
    module="sales",
)  # fmt: skip

opportunity_competitor = standard_object(
    "opportunity_competitor", "Competitor on a deal", "商机竞争对手",
    [
        field("name", "text", "Competitor name", "竞争对手名称", max_length=200),
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity", master_detail=True, required=True),
        field("competitor", "lookup", "Competitor", "竞争对手", target="competitor", required=True),
        field("product", "text", "Their product", "对手产品", max_length=200),
        field("quoted_price", "currency", "Their quoted price", "对手报价", currency="CNY", min=0),
        field("threat_level", "picklist", "Threat level", "威胁程度", default="medium", values=THREAT_LEVELS),
        field("status", "picklist", "Standing", "竞争状态", default="active", values=COMPETING_STATUSES),
        field("strengths", "long_text", "Their strengths in this deal", "本单对手优势", max_length=2000),
        field("weaknesses", "long_text", "Their weaknesses in this deal", "本单对手劣势", max_length=2000),
        field("competitor_key", "text", "Key", "唯一键", unique=True, max_length=64),
    ],
    module="sales",
    plural_en="Competitors on the deal",
)  # fmt: skip


def install(hooks: Hooks) -> None:
    def first_competitor(call: HookCall) -> None:
        readable_by_everyone(call.context, "competitor")

    def named(call: HookCall) -> None:
        name_competitor(call, call.context.records)

    def winner_named(call: HookCall) -> None:
        winner_from_name(call, call.context.records)

    def winner_set(call: HookCall) -> None:
        mark_winner(call, call.context.records)

    hooks.register("before_create", "competitor", first_competitor)
    hooks.register("before_create", "opportunity_competitor", named)
    hooks.register("before_update", "opportunity_competitor", named)
    hooks.register("before_create", "opportunity", winner_named)
    hooks.register("before_update", "opportunity", winner_named)
    hooks.register("after_create", "opportunity", winner_set)
    hooks.register("after_update", "opportunity", winner_set)


def _list(call: HookCall, service: RecordService, object_name: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    context = call.context
    env = FilterEnv(now=context.now, zone=service.zone)
    return list_records(context.connection, context.schema, context.actor, service.access, env, object_name, request)


def name_competitor(call: HookCall, service: RecordService) -> None:
    """The row's title is the competitor's name; one row per competitor and deal (the key is unique)."""
    values = {**(call.before or {}), **call.values}
    chosen, deal = values.get("competitor"), values.get("opportunity")
    if chosen is None or deal is None:
        return  # the record service reports the missing value
    if "competitor" in call.values:
        found = _list(call, service, "competitor", {"filter": {"field": "id", "op": "eq", "value": chosen},
                                                    "fields": ["name"]})  # fmt: skip
        if found:
            call.values["name"] = found[0]["name"]
    call.values["competitor_key"] = f"{deal}:{chosen}"


def winner_from_name(call: HookCall, service: RecordService) -> None:
    """An import (or an old client) names the winner as text: the competitor of that name becomes the winner."""
    text = call.values.get("winning_competitor")
    if not text or call.values.get("winner") is not None:
        return
    found = _list(call, service, "competitor", {"filter": {"field": "name", "op": "eq", "value": str(text).strip()},
                                                "fields": ["name"]})  # fmt: skip
    if found:
        call.values["winner"] = found[0]["id"]


def mark_winner(call: HookCall, service: RecordService) -> None:
    """A deal's winner is on its competitor list as the one that won it; a winner replaced (or cleared) did not."""
    winner, before = call.values.get("winner"), (call.before or {}).get("winner")
    if winner == before:
        return
    rows = _list(call, service, "opportunity_competitor", {
        "filter": {"and": [{"field": "opportunity", "op": "eq", "value": call.record_id},
                           {"field": "competitor", "op": "in", "value": [v for v in (winner, before) if v]}]},
        "fields": ["competitor", "status", "version"]})  # fmt: skip
    listed = {row["competitor"]: row for row in rows}
    if before in listed and listed[before]["status"] == "won":
        row = listed[before]
        service.update_in(call.context, "opportunity_competitor", row["id"], {"status": "lost"}, row["version"])
    if winner is None:
        return
    if winner not in listed:
        service.create_in(
            call.context, "opportunity_competitor",
            {"opportunity": call.record_id, "competitor": winner, "status": "won"},
        )  # fmt: skip
    elif listed[winner]["status"] != "won":
        row = listed[winner]
        service.update_in(call.context, "opportunity_competitor", row["id"], {"status": "won"}, row["version"])
