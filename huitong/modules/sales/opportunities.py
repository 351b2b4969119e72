"""Opportunities (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.modules.sales.choices import FORECAST_CATEGORIES, LOSS_REASONS, SOURCES, STAGES

# Days a deal spent in the n-th open stage of its process (all its stays there), kept by the stage hook as it leaves
# the stage: the funnel's "average days in stage" sums them up through the funnel's summary, without reading the
# stage history. Processes with more open stages than this read the history for the rest.
STAGE_DAYS = 6
STAGE_DAYS_FIELDS = [
    field(f"stage_days_{n}", "decimal", f"Days in stage {n}", f"第{n}阶段停留天数", scale=1, computed=True)
    for n in range(1, STAGE_DAYS + 1)
]

opportunity = standard_object(
    "opportunity", "Opportunity", "商机",
    [
        field("number", "auto_number", "Number", "商机编号", pattern="OPP-{YYYY}-{0000}"),
        field("name", "text", "Opportunity name", "商机名称", required=True, indexed=True, max_length=200),
        field("account", "lookup", "Account", "客户", target="account"),
        field("amount", "currency", "Amount", "金额", tracked=True, currency="CNY"),
        field("close_date", "date", "Expected close date", "预计成交日期", indexed=True, tracked=True),
        field("stage", "picklist", "Stage", "销售阶段", default="initial_contact", tracked=True, indexed=True,
              values=STAGES),
        field("probability", "percent", "Probability (%)", "赢率（%）", min=0, max=100),
        field("weighted_amount", "currency", "Weighted amount", "加权金额", currency="CNY", computed=True),
        field("status", "picklist", "Status", "状态", default="open", index_with=["close_date", "created_at"], values=choices(
            ("open", "Open", "进行中"), ("won", "Won", "赢单"), ("lost", "Lost", "输单"),
            ("suspended", "Suspended", "暂停"), ("terminated", "Terminated", "终止"))),
        field("source", "picklist", "Source", "来源", values=SOURCES),
        field("next_step", "text", "Next step", "下一步", max_length=255),
        field("sales_process", "lookup", "Sales process", "销售流程", target="sales_process"),
        field("primary_contact", "lookup", "Primary contact", "主要联系人", target="contact"),
        field("forecast_category", "picklist", "Forecast category", "预测类别", default="pipeline",
              values=FORECAST_CATEGORIES),
        field("business_type", "text", "Business type", "业务类型", max_length=64),
        field("campaign", "text", "Campaign", "市场活动", max_length=200),
        field("competitors", "text", "Competitors (notes)", "竞争对手（备注）", max_length=255),
        field("loss_reason", "picklist", "Loss reason", "输单原因", tracked=True, values=LOSS_REASONS),
        field("winner", "lookup", "Winning competitor", "赢单竞争对手", target="competitor"),
        # Before competitors were records: the winner's name as text, kept for existing data (decisions/0011).
        field("winning_competitor", "text", "Winning competitor (text, old)", "赢单竞争对手（文本，旧）", max_length=200),
        field("close_summary", "long_text", "Win/loss summary", "赢/输单总结", max_length=4000),
        field("stage_entered_at", "datetime", "In stage since", "进入本阶段时间", computed=True),
        field("stage_due_at", "datetime", "Stage due", "本阶段应完成时间", indexed=True, computed=True),
        field("overdue_notified_at", "datetime", "Overdue flagged at", "超期提醒时间", computed=True),
        *STAGE_DAYS_FIELDS,
        field("furthest_stage", "text", "Furthest stage reached", "到达的最远阶段", indexed=True, max_length=64, computed=True),
        field("days_to_close", "decimal", "Days to close", "成交周期（天）", scale=1, computed=True),
        field("last_activity_at", "datetime", "Last activity", "最后跟进时间", indexed=True, computed=True),
    ],
    module="sales",
    plural_en="Opportunities",
)  # fmt: skip
