"""Activities: tasks, events and visits, calls and notes; the last-contact roll-up, the record timeline, task
actions and the home workbench's tasks and schedule (issue 6, first part; docs/activities.md).

Depends on the sales module: activities point at its leads, accounts, contacts and opportunities by lookup, and
roll up into their last-contact fields. It comes after sales in ``huitong.modules.MODULES``.
"""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import HomeWidget, Module, PeriodicJob, RecordPanel, Screen
from huitong.modules.activities import events_job, home, hooks, routes, team_visits, timeline
from huitong.modules.activities.objects import OBJECTS, RELATIONS

module = Module(
    name="activities",
    objects=OBJECTS,
    label={"en": "Activities", "zh_CN": "活动"},
    install_hooks=hooks.install,
    routers=[routes.pages, team_visits.pages],
    screens=[Screen({"en": "Visits of the day", "zh_CN": "每日拜访"}, "/activities/visits", "event")],
    templates=Path(__file__).resolve().parent / "templates",
    sidebar=["task", "event", "call", "note"],
    record_panels=[
        RecordPanel("activities.task_actions", routes.task_panel, objects=["task"]),
        RecordPanel("activities.visit", routes.visit_panel, objects=["event"]),
        RecordPanel("activities.timeline", timeline.panel, objects=list(RELATIONS)),
    ],
    home_widgets=[HomeWidget("activities.today", home.widget)],
    periodic=[PeriodicJob("activities.events_happened", events_job.run, minutes=15)],
)
