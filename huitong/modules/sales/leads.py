"""Leads (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.modules.sales.choices import INDUSTRIES, SOURCES

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
