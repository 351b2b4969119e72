"""Opportunities (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.modules.sales.choices import SOURCES, STAGES

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
        field("status", "picklist", "Status", "状态", default="open", values=choices(
            ("open", "Open", "进行中"), ("won", "Won", "赢单"), ("lost", "Lost", "输单"),
            ("suspended", "Suspended", "暂停"), ("terminated", "Terminated", "终止"))),
        field("source", "picklist", "Source", "来源", values=SOURCES),
        field("next_step", "text", "Next step", "下一步", max_length=255),
    ],
    module="sales",
    plural_en="Opportunities",
)  # fmt: skip
