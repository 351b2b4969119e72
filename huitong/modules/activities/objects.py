"""Tasks, events (meetings, visits), calls, notes and logged emails/SMS (object and field api names are a contract with API clients).

Every activity names the records it is about through the same four lookups (``lead``, ``account``, ``contact``,
``opportunity``), so each of those records' pages lists it (decisions/0010). ``activity_at`` is when the activity
happens or happened, kept by the hooks, so that a timeline sorts every kind by one field.
"""

from __future__ import annotations

from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.meta.model import FieldDef

MODULE = "activities"
# The records an activity can be about, and on each the field its last contact rolls up into.
RELATIONS = {
    "lead": "last_follow_up_at",
    "account": "last_contacted_at",
    "contact": "last_contacted_at",
    "opportunity": "last_activity_at",
}
KINDS = ("task", "event", "call", "note", "message")
OPEN_TASK = ("open", "in_progress")

TASK_STATUSES = choices(
    ("open", "Not started", "未开始"), ("in_progress", "In progress", "进行中"),
    ("completed", "Completed", "已完成"), ("cancelled", "Cancelled", "已取消"),
)  # fmt: skip
PRIORITIES = choices(("high", "High", "高"), ("normal", "Normal", "中"), ("low", "Low", "低"))
EVENT_KINDS = choices(
    ("meeting", "Meeting", "会议"), ("visit", "Customer visit", "客户拜访"), ("demo", "Demo", "产品演示"),
    ("training", "Training", "培训"), ("other", "Other", "其他"),
)  # fmt: skip
# How long before an event starts its reminder goes out (minutes; a picklist stores text).
REMINDER_MINUTES = choices(
    ("0", "At the start", "开始时"), ("5", "5 minutes before", "提前 5 分钟"),
    ("15", "15 minutes before", "提前 15 分钟"), ("30", "30 minutes before", "提前 30 分钟"),
    ("60", "1 hour before", "提前 1 小时"), ("1440", "1 day before", "提前 1 天"),
)  # fmt: skip
CALL_DIRECTIONS = choices(("outbound", "Outbound", "呼出"), ("inbound", "Inbound", "呼入"))
CALL_OUTCOMES = choices(
    ("connected", "Connected", "已接通"), ("no_answer", "No answer", "无人接听"), ("busy", "Busy", "占线"),
    ("voicemail", "Left a message", "留言"), ("wrong_number", "Wrong number", "号码错误"),
)  # fmt: skip


MESSAGE_CHANNELS = choices(("email", "Email", "邮件"), ("sms", "SMS", "短信"), ("wechat", "WeChat", "微信"))
MESSAGE_DIRECTIONS = choices(("outbound", "Sent", "发出"), ("inbound", "Received", "收到"))


def relation_fields() -> list[FieldDef]:
    return [
        field("lead", "lookup", "Lead", "线索", target="lead"),
        field("account", "lookup", "Account", "客户", target="account"),
        field("contact", "lookup", "Contact", "联系人", target="contact"),
        field("opportunity", "lookup", "Opportunity", "商机", target="opportunity"),
        field("activity_at", "datetime", "Activity time", "活动时间", indexed=True, computed=True),
    ]


task = standard_object(
    "task", "Task", "任务",
    [
        field("subject", "text", "Subject", "主题", required=True, max_length=255),
        field("due_at", "datetime", "Due", "截止时间", indexed=True),
        field("priority", "picklist", "Priority", "优先级", default="normal", values=PRIORITIES),
        field("status", "picklist", "Status", "状态", default="open", indexed=True, tracked=True,
              values=TASK_STATUSES),
        field("reminder_at", "datetime", "Remind at", "提醒时间", indexed=True),
        # The reminder time a reminder was last sent for (reminders.py): a moved reminder differs, so it is sent again.
        field("reminded_at", "datetime", "Reminder sent for", "已提醒时间", computed=True),
        # The due time the owner was last told was missed: postponing the task re-arms the warning.
        field("overdue_notified_at", "datetime", "Overdue warning sent for", "已逾期提醒", computed=True),
        field("completed_at", "datetime", "Completed at", "完成时间"),
        field("description", "long_text", "Description", "描述", max_length=4000),
        *relation_fields(),
    ],
    module=MODULE,
    title_field="subject",
)  # fmt: skip

event = standard_object(
    "event", "Event", "日程",
    [
        field("subject", "text", "Subject", "主题", required=True, max_length=255),
        field("kind", "picklist", "Type", "类型", default="meeting", values=EVENT_KINDS),
        field("start_at", "datetime", "Starts", "开始时间", required=True, indexed=True),
        field("end_at", "datetime", "Ends", "结束时间"),
        field("all_day", "boolean", "All day", "全天", default=False),
        field("location", "text", "Location", "地点", max_length=255),
        # An RFC 5545 rule ("FREQ=WEEKLY;BYDAY=MO"); the calendar expands it into occurrences.
        field("recurrence", "text", "Repeats (RRULE)", "重复规则", max_length=255),
        # Occurrences taken out of the series (moved on their own): UTC instants, RFC 5545 form, comma-separated.
        field("skipped_occurrences", "long_text", "Occurrences moved out (EXDATE)", "已移出的重复",
              max_length=4000, computed=True),
        field("reminder_minutes", "picklist", "Reminder", "提醒", values=REMINDER_MINUTES),
        # The reminder instant (of the occurrence) last reminded of: a moved event or another occurrence differs.
        field("reminded_at", "datetime", "Reminder sent for", "已提醒时间", computed=True),
        field("description", "long_text", "Description", "描述", max_length=4000),
        field("check_in_at", "datetime", "Checked in at", "签到时间"),
        field("check_in_latitude", "decimal", "Check-in latitude", "签到纬度", scale=6, min=-90, max=90),
        field("check_in_longitude", "decimal", "Check-in longitude", "签到经度", scale=6, min=-180, max=180),
        field("check_in_address", "text", "Check-in address", "签到地址", max_length=255),
        field("check_out_at", "datetime", "Checked out at", "签退时间"),
        *relation_fields(),
    ],
    module=MODULE,
    title_field="subject",
)  # fmt: skip

# Who takes part in an event besides its owner: colleagues (users) and the customer's people (contacts).
event_attendee = standard_object(
    "event_attendee", "Event attendee", "参与人",
    [
        field("name", "text", "Name", "名称", max_length=255),  # the user's or contact's name, filled in
        field("event", "lookup", "Event", "日程", target="event", master_detail=True, required=True),
        field("user", "user", "Colleague", "同事"),
        field("contact", "lookup", "Contact", "联系人", target="contact"),
    ],
    module=MODULE,
)  # fmt: skip

call = standard_object(
    "call", "Call", "通话记录",
    [
        field("subject", "text", "Subject", "主题", max_length=255),  # filled from direction and number if empty
        field("direction", "picklist", "Direction", "方向", default="outbound", required=True,
              values=CALL_DIRECTIONS),
        field("phone", "phone", "Phone number", "电话号码"),
        field("started_at", "datetime", "Started at", "通话时间"),
        field("duration_seconds", "integer", "Duration (seconds)", "通话时长（秒）", min=0, max=86400),
        field("outcome", "picklist", "Outcome", "结果", default="connected", values=CALL_OUTCOMES),
        field("recording_url", "url", "Recording", "录音链接"),
        field("notes", "long_text", "Notes", "通话内容", max_length=4000),
        *relation_fields(),
    ],
    module=MODULE,
    title_field="subject",
)  # fmt: skip

note = standard_object(
    "note", "Note", "跟进记录",
    [
        field("title", "text", "Title", "标题", max_length=255),  # the body's first words if empty
        # Rich text (HTML), cleaned of scripts and event handlers on every write by its type.
        field("body", "rich_text", "Body", "内容", required=True, max_length=32000),
        *relation_fields(),
    ],
    module=MODULE,
    title_field="title",
)  # fmt: skip

# An email, SMS or WeChat message exchanged with the customer, logged by hand or by an integration (ACT-1): who
# wrote to whom, when, and what; it counts as a contact like a call.
message = standard_object(
    "message", "Email or SMS", "邮件短信记录",
    [
        field("subject", "text", "Subject", "主题", max_length=255),  # the body's first words if empty
        field("channel", "picklist", "Channel", "渠道", default="email", required=True, values=MESSAGE_CHANNELS),
        field("direction", "picklist", "Direction", "方向", default="outbound", required=True,
              values=MESSAGE_DIRECTIONS),
        field("sent_at", "datetime", "Sent at", "发送时间"),
        field("from_address", "text", "From", "发件人", max_length=255),
        field("to_addresses", "text", "To", "收件人", max_length=1000),
        field("cc_addresses", "text", "Cc", "抄送", max_length=1000),
        field("body", "long_text", "Message", "内容", max_length=32000),
        *relation_fields(),
    ],
    module=MODULE,
    title_field="subject",
    plural_en="Emails and SMS",
)  # fmt: skip

# A user's calendar subscription (the .ics feed, calendar_feed.py): only a hash of its secret address is kept, so
# neither a reader of the database nor a manager who may read their team's records can subscribe in their place.
calendar_feed = standard_object(
    "calendar_feed", "Calendar subscription", "日历订阅",
    [
        field("name", "text", "Name", "名称", required=True, max_length=255, searchable=False),  # not news to search
        field("token_hash", "text", "Address hash", "地址摘要", unique=True, max_length=64, searchable=False),
    ],
    module=MODULE,
)  # fmt: skip

OBJECTS = [task, event, event_attendee, call, note, message, calendar_feed]
