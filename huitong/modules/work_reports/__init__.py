"""Work reports: daily and weekly reports pre-filled from the period's activities and results, submitted to the
manager, who comments; the team's submissions at a glance (issue 6)."""

from __future__ import annotations

from huitong.engine.platform import Module

module = Module(name="work_reports", label={"en": "Work reports", "zh_CN": "工作报告"})
