"""Accounts and contacts (field api names are a contract with API clients)."""

from __future__ import annotations

from huitong.engine.meta.declare import field, standard_object
from huitong.modules.sales.choices import (
    ACCOUNT_LEVELS,
    ACCOUNT_TAGS,
    ACCOUNT_TYPES,
    BUYING_ROLES,
    COMPANY_SIZES,
    CREDIT_RATINGS,
    INDUSTRIES,
    LIST_FLAGS,
    RELATIONSHIP_STRENGTHS,
    RELATIONSHIP_TYPES,
    SOURCES,
)
from huitong.modules.sales.pools import pool_fields

account = standard_object(
    "account", "Account", "客户",
    [
        field("name", "text", "Account name", "客户名称", required=True, tracked=True, indexed=True, max_length=200),
        field("type", "picklist", "Type", "客户类型", default="prospect", values=ACCOUNT_TYPES),
        field("level", "picklist", "Level", "客户级别", tracked=True, values=ACCOUNT_LEVELS),
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
        field("address", "text", "Address", "详细地址", max_length=255),
        field("size", "picklist", "Company size", "企业规模", values=COMPANY_SIZES),
        field("tags", "multi_picklist", "Tags", "标签", values=ACCOUNT_TAGS),
        field("credit_rating", "picklist", "Credit rating", "信用等级", tracked=True, values=CREDIT_RATINGS),
        field("credit_limit", "currency", "Credit limit", "信用额度", tracked=True, currency="CNY"),
        field("list_flag", "picklist", "Black/white list", "黑白名单", tracked=True, values=LIST_FLAGS),
        field("last_transaction_at", "datetime", "Last transaction", "最后交易时间"),
        field("last_service_at", "datetime", "Last service", "最后服务时间"),
        field("visit_cycle_days", "integer", "Visit cycle (days)", "拜访周期（天）", min=1, max=3650),
        field("next_visit_due", "date", "Next visit due", "下次拜访日期", indexed=True),
        *pool_fields(),
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
        field("qq", "text", "QQ", "QQ", max_length=20),
        field("buying_role", "picklist", "Buying role", "采购角色", values=BUYING_ROLES),
        field("relationship", "picklist", "Relationship strength", "关系程度", values=RELATIONSHIP_STRENGTHS),
        field("description", "long_text", "Description", "备注"),
        field("last_contacted_at", "datetime", "Last contacted", "最后联系时间", indexed=True),
    ],
    module="sales",
)  # fmt: skip

# One record per pair of accounts: both lookups point at accounts, so each account's page lists it (both ways).
account_relationship = standard_object(
    "account_relationship", "Account relationship", "客户关系",
    [
        field("name", "text", "Name", "名称", max_length=255),  # "<account> → <related account>", filled in
        field("account", "lookup", "Account", "客户", required=True, target="account"),
        field("type", "picklist", "Is the related account's", "是关联客户的", required=True,
              values=RELATIONSHIP_TYPES),
        field("related_account", "lookup", "Related account", "关联客户", required=True, target="account"),
        field("description", "text", "Description", "说明", max_length=255),
    ],
    module="sales",
)  # fmt: skip
