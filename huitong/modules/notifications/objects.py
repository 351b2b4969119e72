"""The notification centre's objects (api names are a contract with API clients).

``notification``: one per recipient of a notice, owned by the recipient and private to them — not even their
manager reads it through the role hierarchy (``sharing_default``). The message is stored as the msgid and its
parameters and translated when shown or sent, in the reader's language. ``dedupe`` is ``"<user>:<key>"`` for a
notice with a key: its unique index is what makes "once per user" hold when two workers send at once.
Delivery by email or SMS is tracked on the row: ``channels`` still to use, claimed and delivered times.

``notification_setting``: one per user (``name``, the user's id, unique): the channels chosen per kind, the birthday time.

``announcement``: a text to the whole company or to departments; everyone may read announcements (a bulletin
board), the audience is whom it is pushed to. Read receipts are its notifications' read times.
"""

from __future__ import annotations

from dataclasses import replace

from huitong.engine.meta.declare import choices, field, standard_object

MODULE = "notifications"
PRIVATE = {"sharing_default": {"access": "private", "grant_via_hierarchy": False}}

notification = standard_object(
    "notification", "Notification", "通知",
    [
        field("message", "text", "Message", "消息", required=True, max_length=255, searchable=False),
        field("kind", "text", "Kind", "类型", required=True, indexed=True, max_length=40, searchable=False),
        field("params", "long_text", "Parameters", "参数", max_length=8000, searchable=False),  # JSON object
        field("body", "long_text", "Details", "详情", max_length=4000, searchable=False),
        field("target_object", "text", "About object", "相关对象", max_length=63, searchable=False),
        field("target_id", "integer", "About record", "相关记录", min=1),
        field("link", "text", "Link", "链接", max_length=500, searchable=False),
        field("actor", "user", "From", "发送人"),
        field("read_at", "datetime", "Read at", "阅读时间", indexed=True),
        field("notice_key", "text", "Key", "去重键", max_length=200, searchable=False),
        field("dedupe", "text", "Once-only key", "唯一键", unique=True, max_length=255, searchable=False),
        field("channels", "text", "Channels to deliver", "待发送渠道", max_length=40, searchable=False),
        field("delivery_claimed_at", "datetime", "Delivery started", "发送开始时间"),
        field("delivered_at", "datetime", "Delivered at", "发送时间", indexed=True),
        field("delivery_attempts", "integer", "Delivery attempts", "发送次数", default=0, min=0),
        field("delivery_error", "text", "Delivery error", "发送错误", max_length=255, searchable=False),
    ],
    module=MODULE,
    title_field="message",
)  # fmt: skip
notification = replace(notification, options=PRIVATE)

notification_setting = standard_object(
    "notification_setting", "Notification setting", "通知设置",
    [
        field("user", "user", "User", "用户", required=True, indexed=True),
        # the user's id as text: a user field cannot be unique, this one is, so a user has one record
        field("name", "text", "Name", "名称", required=True, unique=True, max_length=40, searchable=False),
        field("channels", "long_text", "Channels per kind", "各类通知的渠道", max_length=4000,
              searchable=False),  # JSON: {"mention": ["email"], …}; in-app is always on
        field("birthday_time", "text", "Birthday reminder time", "生日提醒时间", max_length=5, default="09:00",
              searchable=False),
        # the local day the birthday job last looked at this user's contacts: once a day, not every run
        field("birthdays_checked_on", "date", "Birthdays checked on", "生日检查日期"),
    ],
    module=MODULE,
)  # fmt: skip
notification_setting = replace(notification_setting, options=PRIVATE)

AUDIENCES = choices(("company", "Whole company", "全公司"), ("departments", "Departments", "指定部门"))
ANNOUNCEMENT_STATUSES = choices(("draft", "Draft", "草稿"), ("published", "Published", "已发布"))

announcement = standard_object(
    "announcement", "Announcement", "公告",
    [
        field("title", "text", "Title", "标题", required=True, max_length=200),
        # Rich text (HTML), cleaned of scripts and event handlers on every write by its type.
        field("body", "rich_text", "Body", "内容", max_length=32000),
        field("audience", "picklist", "Audience", "发送范围", default="company", required=True, values=AUDIENCES),
        # The departments' ids, comma separated ("3,7"); each includes its sub-departments.
        field("departments", "text", "Departments", "部门", max_length=1000, searchable=False),
        field("status", "picklist", "Status", "状态", default="published", required=True,
              values=ANNOUNCEMENT_STATUSES),
        field("published_at", "datetime", "Published at", "发布时间", indexed=True),
        field("audience_size", "integer", "People notified", "通知人数", min=0),
    ],
    module=MODULE,
    title_field="title",
)  # fmt: skip
announcement = replace(announcement, options={"sharing_default": {"access": "read", "grant_via_hierarchy": True}})

OBJECTS = [notification, notification_setting, announcement]
