"""Accounts and contacts (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.modules.sales.choices import INDUSTRIES, SOURCES

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
