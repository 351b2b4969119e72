"""Overdue deals (OPP-3): an open opportunity still in a stage after the stage's expected days is flagged to its
owner and the owner's manager chain, once per stay in the stage.

Entering a stage sets ``stage_due_at`` (entered + expected days; none for a stage without a duration) and clears
``overdue_notified_at``; this hourly sweep finds the open deals past their due time not yet flagged, tells them, and
sets ``overdue_notified_at``. The deal list can filter on both fields ("overdue in stage").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from huitong.engine.i18n import N_
from huitong.engine.jobs.sweep import sweep
from huitong.engine.notices import Notice, notice_params
from huitong.engine.platform import PeriodicJob, Platform
from huitong.engine.records.context import WriteContext
from huitong.engine.web.cells import user_names


def run(platform: Platform) -> int:
    keeper = platform.job_actor("overdue deals")
    if keeper is None:
        return 0
    condition = {"and": [{"field": "status", "op": "eq", "value": "open"},
                         {"field": "stage_due_at", "op": "lt", "value": instant(platform.now())},
                         {"field": "overdue_notified_at", "op": "is_null", "value": True}]}  # fmt: skip
    fields = ["name", "owner", "stage_entered_at", "stage_due_at"]
    return sweep(
        platform, keeper, "opportunity", condition, fields, lambda context, deal: flag(platform, context, deal)
    )


def flag(platform: Platform, context: WriteContext, deal: dict[str, Any]) -> dict[str, Any]:
    entered, due = moment(deal["stage_entered_at"]), moment(deal["stage_due_at"])
    owner = int(deal["owner"])
    owner_name = user_names(context.connection, [owner]).get(owner)
    days, expected = (context.now - entered).days, (due - entered).days
    context.notify(
        Notice(
            "overdue",
            (owner, *platform.access.managers_of(context.actor, owner)),
            N_("%(deal)s (%(owner)s) has been in its stage for %(days)s days; %(expected)s were expected"),
            notice_params(deal=deal["name"], owner=owner_name, days=days, expected=expected),
            object="opportunity",
            record_id=deal["id"],
            key=f"stage_overdue:{deal['id']}:{deal['stage_entered_at']}",
        )
    )
    return {"overdue_notified_at": context.now}


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


JOB = PeriodicJob("sales.stage_overdue", run, minutes=60)
