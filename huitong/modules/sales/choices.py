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

# Leads and customers ----------------------------------------------------------------------------------------------
RATINGS = choices(("hot", "Hot", "热"), ("warm", "Warm", "温"), ("cold", "Cold", "冷"))
ACCOUNT_TYPES = choices(
    ("customer", "Customer", "客户"),
    ("prospect", "Prospect", "潜在客户"),
    ("partner", "Partner", "合作伙伴"),
    ("agent", "Agent", "代理商"),
    ("dealer", "Dealer", "经销商"),
    ("competitor", "Competitor", "竞争对手"),
    ("supplier", "Supplier", "供应商"),
)
ACCOUNT_LEVELS = choices(("A", "A (key)", "A（重点）"), ("B", "B", "B"), ("C", "C", "C"), ("D", "D", "D"))
# Days between visits an account of each level gets unless someone sets its own cycle (the seeds' 拜访周期).
VISIT_CYCLE_DAYS = {"A": 7, "B": 14, "C": 30, "D": 90}
COMPANY_SIZES = choices(
    ("micro", "Under 20 people", "20人以下"),
    ("small", "20-99 people", "20-99人"),
    ("medium", "100-499 people", "100-499人"),
    ("large", "500-999 people", "500-999人"),
    ("enterprise", "1000 people or more", "1000人以上"),
)
ACCOUNT_TAGS = choices(
    ("key_project", "Key project", "重点项目"),
    ("government", "Government", "政府单位"),
    ("state_owned", "State-owned", "国企"),
    ("listed", "Listed company", "上市公司"),
    ("repeat_buyer", "Repeat buyer", "回头客"),
    ("price_sensitive", "Price-sensitive", "价格敏感"),
)
CREDIT_RATINGS = choices(("AAA", "AAA", "AAA"), ("AA", "AA", "AA"), ("A", "A", "A"), ("B", "B", "B"), ("C", "C", "C"))
LIST_FLAGS = choices(("white", "White list", "白名单"), ("black", "Black list", "黑名单"))
BUYING_ROLES = choices(
    ("decision_maker", "Decision maker", "决策者"),
    ("influencer", "Influencer", "影响者"),
    ("user", "User", "使用者"),
    ("evaluator", "Technical evaluator", "技术评估者"),
    ("purchaser", "Purchaser", "采购"),
    ("gatekeeper", "Gatekeeper", "把关者"),
    ("champion", "Champion", "支持者"),
)
RELATIONSHIP_STRENGTHS = choices(
    ("close", "Close", "密切"), ("good", "Good", "良好"), ("normal", "Normal", "一般"), ("weak", "Weak", "疏远")
)

# The default sales process (the common "10/30/50/70/100" funnel): value, English, Chinese, probability, expected days.
DEFAULT_STAGES = (
    ("initial_contact", "Initial contact", "初步接洽", 10, 14),
    ("needs_confirmed", "Needs confirmed", "需求确认", 30, 21),
    ("solution_proposed", "Solution proposed", "方案报价", 50, 21),
    ("negotiation", "Quote and negotiation", "谈判审核", 70, 30),
    ("won", "Won", "赢单", 100, None),
    ("lost", "Lost", "输单", 0, None),
)
FORECAST_CATEGORIES = choices(
    ("pipeline", "Pipeline", "管道"),
    ("best_case", "Best case", "最佳情况"),
    ("commit", "Commit", "承诺"),
    ("closed", "Closed", "已成交"),
    ("omitted", "Omitted", "不计入"),
)
LOSS_REASONS = choices(
    ("price", "Price", "价格"),
    ("product_fit", "Product fit", "产品不匹配"),
    ("competitor", "Lost to a competitor", "输给竞争对手"),
    ("no_budget", "No budget", "无预算"),
    ("no_decision", "No decision", "无决策"),
    ("relationship", "Relationship", "客户关系"),
    ("other", "Other", "其他"),
)
# What the account is to the related account (ACC-4): "<account> is the <type> of <related account>".
RELATIONSHIP_TYPES = choices(
    ("supplier_of", "Supplier (upstream)", "供应商（上游）"),
    ("customer_of", "Customer (downstream)", "客户（下游）"),
    ("partner_of", "Partner", "合作伙伴"),
    ("parent_brand_of", "Parent brand", "母品牌"),
    ("sub_brand_of", "Sub-brand", "子品牌"),
    ("competitor_of", "Competitor", "竞争对手"),
)
