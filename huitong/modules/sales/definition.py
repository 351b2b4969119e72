"""The sales objects as the platform sees them. Field api names here are a contract with API clients."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object

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

account = standard_object(
    "account", "Account", "客户",
    [
        field("name", "text", "Account name", "客户名称", required=True, tracked=True, indexed=True, max_length=200),
        field("type", "picklist", "Type", "客户类型", default="prospect", values=choices(
            ("customer", "Customer", "客户"), ("prospect", "Prospect", "潜在客户"), ("partner", "Partner", "合作伙伴"),
            ("competitor", "Competitor", "竞争对手"), ("supplier", "Supplier", "供应商"))),
        field("level", "picklist", "Level", "客户级别", tracked=True, values=choices(
            ("A", "A (key)", "A（重点）"), ("B", "B", "B"), ("C", "C", "C"), ("D", "D", "D"))),
        field("industry", "picklist", "Industry", "行业", values=INDUSTRIES),
        field("source", "picklist", "Source", "来源", values=SOURCES),
        field("parent", "lookup", "Parent account", "上级客户", target="account"),
        field("phone", "phone", "Phone", "电话"),
        field("website", "url", "Website", "网址"),
        field("province", "text", "Province", "省份", max_length=50),
        field("city", "text", "City", "城市", max_length=50),
        field("annual_revenue", "currency", "Annual revenue", "年营业额"),
        field("employees", "integer", "Employees", "员工人数", min=0),
        field("last_contacted_at", "datetime", "Last contacted", "最后联系时间"),
        field("description", "long_text", "Description", "备注"),
    ],
    module="sales",
)  # fmt: skip

contact = standard_object(
    "contact", "Contact", "联系人",
    [
        field("name", "text", "Name", "姓名", required=True, indexed=True, max_length=100),
        field("account", "lookup", "Account", "所属客户", target="account"),
        field("title", "text", "Title", "职务", max_length=100),
        field("department", "text", "Department", "部门", max_length=100),
        field("mobile", "phone", "Mobile", "手机", indexed=True),
        field("phone", "phone", "Phone", "电话"),
        field("email", "email", "Email", "邮箱", indexed=True),
        field("wechat", "text", "WeChat", "微信", max_length=64),
        field("reports_to", "lookup", "Reports to", "直属上级", target="contact"),
        field("birthday", "date", "Birthday", "生日"),
    ],
    module="sales",
)  # fmt: skip

lead = standard_object(
    "lead", "Lead", "线索",
    [
        field("name", "text", "Name", "姓名", required=True, indexed=True, max_length=100),
        field("company", "text", "Company", "公司名称", indexed=True, max_length=200),
        field("title", "text", "Title", "职务", max_length=100),
        field("mobile", "phone", "Mobile", "手机", indexed=True),
        field("phone", "phone", "Phone", "电话"),
        field("email", "email", "Email", "邮箱", indexed=True),
        field("status", "picklist", "Status", "状态", default="new", tracked=True, indexed=True, values=choices(
            ("new", "New", "新线索"), ("working", "Working", "跟进中"), ("qualified", "Qualified", "已确认"),
            ("unqualified", "Unqualified", "无效"), ("converted", "Converted", "已转化"))),
        field("source", "picklist", "Source", "线索来源", values=SOURCES),
        field("industry", "picklist", "Industry", "行业", values=INDUSTRIES),
        field("province", "text", "Province", "省份", max_length=50),
        field("city", "text", "City", "城市", max_length=50),
        field("description", "long_text", "Description", "备注"),
    ],
    module="sales",
)  # fmt: skip

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

OBJECTS = [account, contact, lead, opportunity]
