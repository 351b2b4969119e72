"""Notifications: the notification centre (bell, list, read state), delivery by in-app push, email and SMS, each
user's channels per kind, announcements with read receipts, and contacts' birthdays (issue 6; docs/notifications.md,
decisions/0012).

It is the sink of the engine's notices (huitong/engine/notices.py): every module tells users things through
``context.notify``; this module stores one notification per recipient and delivers it.
"""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import HomeWidget, Module, PeriodicJob, RecordPanel, Screen
from huitong.engine.records.context import Hooks
from huitong.modules.notifications import (
    announcement_pages,
    announcements,
    api,
    assignments,
    birthdays,
    delivery,
    pages,
    sink,
)
from huitong.modules.notifications.objects import OBJECTS


def install_hooks(hooks: Hooks) -> None:
    announcements.install(hooks)
    assignments.install(hooks)


module = Module(
    name="notifications",
    label={"en": "Notifications", "zh_CN": "通知"},
    objects=OBJECTS,
    notice_sink=sink.store,
    install_hooks=install_hooks,
    # notifications live under the bell; announcements have their board (read state, receipts, the audience form)
    # beside the generic list (the navigation shows a module's screens only when it lists one of its objects)
    sidebar=["announcement"],
    screens=[Screen({"en": "Announcement board", "zh_CN": "公告栏"}, "/announcements", "announcement")],
    routers=[api.api, announcement_pages.api, pages.pages, announcement_pages.pages],
    templates=Path(__file__).resolve().parent / "templates",
    top_bar=["notifications_bell.html"],
    user_menu=[({"en": "Notification settings", "zh_CN": "通知设置"}, "/notifications/preferences")],
    home_widgets=[HomeWidget("notifications.unread", pages.home_widget)],
    record_panels=[RecordPanel("notifications.announcement", announcement_pages.panel, objects=["announcement"])],
    periodic=[
        PeriodicJob("notifications.deliver", delivery.run, minutes=1),
        PeriodicJob("notifications.birthdays", birthdays.run, minutes=5),
    ],
)
