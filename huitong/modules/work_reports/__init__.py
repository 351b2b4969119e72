"""Work reports: daily and weekly reports pre-filled from the period's activities and results, submitted to the
manager, who comments; the team's submissions at a glance (issue 6, ACT-4; docs/work-reports.md).

Reads the activities' and sales' objects only by api name through the query engine (never importing those
modules), and leaves a number out when its object is not installed.
"""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import HomeWidget, Module, PeriodicJob, RecordAction, Screen
from huitong.modules.work_reports import api, hooks, pages, reminders
from huitong.modules.work_reports.objects import OBJECTS

module = Module(
    name="work_reports",
    objects=OBJECTS,
    label={"en": "Work reports", "zh_CN": "工作报告"},
    install_hooks=hooks.install,
    routers=[api.api, pages.pages],
    screens=[
        Screen({"en": "My reports", "zh_CN": "我的报告"}, "/work-reports", "work_report"),
        Screen({"en": "Team reports", "zh_CN": "团队报告"}, "/work-reports/team", "work_report"),
    ],
    templates=Path(__file__).resolve().parent / "templates",
    # The generic list (filters, export) under the screens; comments are reached from their report.
    sidebar=["work_report"],
    record_actions=[RecordAction("work_report", {"en": "Open the report", "zh_CN": "打开报告"}, "/work-reports/{id}")],
    home_widgets=[HomeWidget("work_reports.reminder", pages.reminder)],
    periodic=[PeriodicJob("work_reports.reminder", reminders.run, daily_at=reminders.AT)],
)
