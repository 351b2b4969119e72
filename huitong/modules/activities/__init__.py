"""Activities: tasks, events and visits, calls and notes; the last-contact roll-up, the record timeline, task
actions and the home workbench's tasks and schedule (issue 6, first part; docs/activities.md); the calendar, its
.ics feed, and reminders (decisions/0014).

Depends on the sales module: activities point at its leads, accounts, contacts and opportunities by lookup, and
roll up into their last-contact fields. It comes after sales in ``huitong.modules.MODULES``.
"""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import HomeWidget, Module, PeriodicJob, RecordPanel, Screen, TimelineSource
from huitong.engine.records.context import Hooks
from huitong.modules.activities import (
    calendar,
    calendar_feed,
    events_job,
    home,
    hooks,
    ics,
    reminders,
    routes,
    team_visits,
    timeline,
)
from huitong.modules.activities.objects import OBJECTS


def install_hooks(registry: Hooks) -> None:
    hooks.install(registry)
    calendar_feed.install(registry)


module = Module(
    name="activities",
    objects=OBJECTS,
    label={"en": "Activities", "zh_CN": "活动"},
    install_hooks=install_hooks,
    # the .ics feed first: its address needs no session, and the calendar's pages would answer with a sign-in page
    routers=[ics.feed, calendar.pages, routes.pages, team_visits.pages],
    screens=[
        Screen({"en": "Calendar", "zh_CN": "日历"}, "/activities/calendar", "event"),
        Screen({"en": "Visits of the day", "zh_CN": "每日拜访"}, "/activities/visits", "event"),
    ],
    templates=Path(__file__).resolve().parent / "templates",
    sidebar=["task", "event", "call", "note", "message"],
    record_panels=[
        RecordPanel("activities.task_actions", routes.task_panel, objects=["task"]),
        RecordPanel("activities.visit", routes.visit_panel, objects=["event"]),
        RecordPanel("activities.timeline", timeline.panel),  # every record page: one timeline (COL-1)
    ],
    home_widgets=[HomeWidget("activities.today", home.widget)],
    # the activities about records, for other modules' timelines (the work circle feed of followed records)
    timeline_sources=[TimelineSource("activity", {"en": "Activities", "zh_CN": "活动"}, timeline.entries)],
    periodic=[
        PeriodicJob("activities.events_happened", events_job.run, minutes=15),
        PeriodicJob("activities.reminders", reminders.run, minutes=1),
    ],
)
