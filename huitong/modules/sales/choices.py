"""Picklist values the sales objects share (industries, sources, the default stages)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices

INDUSTRIES = choices(
    ("manufacturing", "Manufacturing", "制造业"),
    ("retail", "Retail", "零售"),
    ("it", "IT and software", "信息技术"),
    ("finance", "Finance", "金融"),
    ("healthcare", "Healthcare", "医疗健康"),
    ("education", "Education", "教育"),
    ("logistics", "Logistics", "物流"),
    ("real_estate", "Real estate", "房地产"),
    ("energy", "Energy", "能源"),
    ("food", "Food and beverage", "餐饮食品"),
    ("other", "Other", "其他"),
)
SOURCES = choices(
    ("website", "Website", "官网"),
    ("referral", "Referral", "客户推荐"),
    ("trade_show", "Trade show", "展会"),
    ("campaign", "Campaign", "市场活动"),
    ("cold_call", "Cold call", "电话开拓"),
    ("partner", "Partner", "合作伙伴"),
    ("other", "Other", "其他"),
)

STAGES = choices(
    ("initial_contact", "Initial contact", "初步接洽"),
    ("needs_confirmed", "Needs confirmed", "需求确认"),
    ("solution_proposed", "Solution proposed", "方案报价"),
    ("negotiation", "Quote and negotiation", "谈判审核"),
    ("won", "Won", "赢单"),
    ("lost", "Lost", "输单"),
)
