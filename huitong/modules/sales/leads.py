"""Leads (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.modules.sales.choices import INDUSTRIES, RATINGS, SOURCES
from huitong.modules.sales.pools import pool_fields

lead = standard_object(
    "lead", "Lead", "线索",
    [
        field("name", "text", "Name", "姓名", required=True, indexed=True, max_length=100),
        # Searchable: the duplicate check finds companies through the search index.
        field("company", "text", "Company", "公司名称", indexed=True, searchable=True, max_length=200),
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
        field("wechat", "text", "WeChat", "微信", max_length=64),
        field("address", "text", "Address", "详细地址", max_length=255),
        field("campaign", "text", "Campaign", "市场活动", max_length=200),
        field("rating", "picklist", "Rating", "线索评级", values=RATINGS),
        field("last_follow_up_at", "datetime", "Last follow-up", "最后跟进时间", indexed=True),
        field("converted_account", "lookup", "Converted to account", "转化客户", target="account"),
        field("converted_contact", "lookup", "Converted to contact", "转化联系人", target="contact"),
        field("converted_opportunity", "lookup", "Converted to opportunity", "转化商机", target="opportunity"),
        field("converted_at", "datetime", "Converted at", "转化时间"),
        field("assigned_by_rule", "text", "Assigned by rule", "分配规则", indexed=True, max_length=100),
        *pool_fields(),
    ],
    module="sales",
)  # fmt: skip

# How an administrator's custom lead fields carry over on conversion: one row per lead field and target field.
# A standard object rather than a module table, so it gets the generic list, form, API and recycle bin; its hooks
# (hooks_customers) keep it to administrators and check that both fields exist and fit.
lead_mapping = standard_object(
    "lead_mapping", "Lead conversion mapping", "线索转化映射",
    [
        field("lead_field", "text", "Lead field", "线索字段", required=True, max_length=63),
        field("target", "picklist", "Converts into", "转化为", required=True, values=choices(
            ("account", "Account", "客户"), ("contact", "Contact", "联系人"), ("opportunity", "Opportunity", "商机"))),
        field("target_field", "text", "Target field", "目标字段", required=True, max_length=63),
    ],
    module="sales",
    title_field="lead_field",
)  # fmt: skip
