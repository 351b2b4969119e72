"""Stage history: when an opportunity entered and left each stage (time in stage, overdue, funnel conversion).

One record per stay in a stage, written by the pipeline hooks in the opportunity's own transaction. It is a detail of
the opportunity (master-detail): whoever may see the opportunity sees its history.
"""

from __future__ import annotations

from datetime import datetime

from huitong.engine.meta.declare import field, standard_object

opportunity_stage_history = standard_object(
    "opportunity_stage_history", "Stage history", "阶段历史",
    [
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity", master_detail=True,
              required=True),
        field("stage", "text", "Stage", "阶段", required=True, indexed=True, max_length=64),
        field("probability", "percent", "Probability (%)", "赢率（%）", min=0, max=100),
        field("amount", "currency", "Amount", "金额", currency="CNY"),
        field("entered_at", "datetime", "Entered", "进入时间", required=True, indexed=True),
        field("left_at", "datetime", "Left", "离开时间"),
        field("days_in_stage", "decimal", "Days in stage", "停留天数", scale=1),
    ],
    module="sales",
    title_field="stage",
    plural_en="Stage history",
)  # fmt: skip


def days_between(start: datetime | None, end: datetime | None) -> float | None:
    """Days from ``start`` to ``end`` (fractions kept), or None when either is missing."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 86400
