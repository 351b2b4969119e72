"""Work reports (日报 / 周报) and the comments on them (object and field api names are a contract with API clients).

The author owns the report, so who reads it is the platform's ordinary rule for a private object: the author, the
users above them in the role hierarchy and administrators, not peers (decisions/0015). The period's numbers are
plain integer and currency fields rather than one JSON value, so lists, filters and the aggregate API can total a
team's calls or won amounts like any other field.
"""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.meta.model import FieldDef

MODULE = "work_reports"
DAILY, WEEKLY = "daily", "weekly"
DRAFT, SUBMITTED = "draft", "submitted"

KINDS = choices(("daily", "Daily report", "日报"), ("weekly", "Weekly report", "周报"))
STATUSES = choices(("draft", "Draft", "草稿"), ("submitted", "Submitted", "已提交"))

# The numbers a report keeps, in the order the pages show them: (field, type, English, Chinese).
NUMBERS = (
    ("calls", "integer", "Calls", "通话"),
    ("visits", "integer", "Visits (checked in)", "拜访签到"),
    ("tasks_completed", "integer", "Tasks completed", "完成任务"),
    ("notes", "integer", "Follow-up notes", "跟进记录"),
    ("new_leads", "integer", "New leads", "新增线索"),
    ("new_accounts", "integer", "New accounts", "新增客户"),
    ("new_opportunities", "integer", "New opportunities", "新增商机"),
    ("new_opportunity_amount", "currency", "New opportunities amount", "新增商机金额"),
    ("opportunities_moved", "integer", "Opportunities moved", "推进商机"),
    ("deals_won", "integer", "Deals won", "赢单"),
    ("won_amount", "currency", "Won amount", "赢单金额"),
)
NUMBER_FIELDS = tuple(name for name, *_rest in NUMBERS)
# What the author writes: changed by the author only, and only while the report is a draft.
TEXT_FIELDS = ("summary", "problems", "next_plan")
CONTENT_FIELDS = ("kind", "period_start", "period_end", *TEXT_FIELDS, *NUMBER_FIELDS)


def number_field(name: str, kind: str, en: str, zh: str) -> FieldDef:
    if kind == "currency":
        return field(name, kind, en, zh, currency="CNY", min=0, computed=True)
    return field(name, kind, en, zh, min=0, computed=True)


work_report = standard_object(
    "work_report", "Work report", "工作报告",
    [
        field("name", "text", "Title", "标题", max_length=255),  # kind and period, filled in
        field("kind", "picklist", "Type", "类型", required=True, default=DAILY, indexed=True, values=KINDS),
        # A daily report's day; a weekly report's Monday (any day of the week is moved to its Monday).
        field("period_start", "date", "Period start", "开始日期", required=True, indexed=True),
        field("period_end", "date", "Period end", "结束日期"),  # filled in: the day, or the week's Sunday
        field("status", "picklist", "Status", "状态", required=True, default=DRAFT, indexed=True, tracked=True,
              values=STATUSES),
        field("submitted_at", "datetime", "Submitted at", "提交时间", computed=True),
        field("submitted_to", "user", "Submitted to", "提交给", computed=True),
        field("summary", "long_text", "Work done", "工作总结", max_length=8000),
        field("problems", "long_text", "Problems and help needed", "问题与需要的支持", max_length=4000),
        field("next_plan", "long_text", "Next plan", "下一步计划", max_length=4000),
        *(number_field(*number) for number in NUMBERS),
        field("reviewed_at", "datetime", "Reviewed at", "批阅时间", computed=True),
        field("reviewed_by", "user", "Reviewed by", "批阅人", computed=True),
        # author:kind:period_start — unique, so two tabs saving the same day's report at once still make one.
        field("period_key", "text", "Period key", "期间键", unique=True, max_length=80, computed=True),
    ],
    module=MODULE,
    plural_en="Work reports",
)  # fmt: skip

# A manager's review of a report, and the author's replies: a detail of the report (whoever may read the report
# reads its comments).
work_report_comment = standard_object(
    "work_report_comment", "Report comment", "报告批阅",
    [
        field("name", "text", "Title", "标题", max_length=255),  # the body's first words, filled in
        field("work_report", "lookup", "Work report", "工作报告", target="work_report", master_detail=True,
              required=True),
        field("body", "long_text", "Comment", "批阅意见", required=True, max_length=4000),
    ],
    module=MODULE,
)  # fmt: skip

OBJECTS = [work_report, work_report_comment]
