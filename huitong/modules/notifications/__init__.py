"""Notifications: the notification centre (bell, list, read state), delivery by in-app push, email and SMS, each
user's channels per kind, announcements with read receipts, and contacts' birthdays (issue 6).

It is the sink of the engine's notices (huitong/engine/notices.py): every module tells users things through
``context.notify``; this module stores one notification per recipient and delivers it.
"""

from __future__ import annotations

from huitong.engine.platform import Module

module = Module(name="notifications", label={"en": "Notifications", "zh_CN": "通知"})
