"""The evening reminder: on working days at 18:00 (company time), everyone who reports to someone and has not
submitted today's daily report is told once. The notice's key (user and day) makes a second run — two workers, a
retry — send nothing more."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from huitong.engine.i18n import N_
from huitong.engine.notices import Notice, notice_params
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.work_reports.objects import DAILY, SUBMITTED
from huitong.modules.work_reports.periods import period_of

REMINDER = N_("Your daily report for %(period)s is not submitted yet")
AT = (18, 0)  # the end of a working day: late enough to have done the day, early enough to write it


def due(platform: Platform, day: date) -> list[int]:
    """The active users who report to someone (a manager named on them, or someone above them by role), may write
    reports and have not submitted the report of ``day``."""
    with platform.db.read() as connection:
        rows = list(connection.execute(select(users.c.id, users.c.manager_id).where(users.c.active.is_(True))))
        schema = platform.cache.current(connection)
        if "work_report" not in schema.objects:
            return []
        definition = schema.object("work_report")
        wanted: list[int] = []
        for row in rows:
            actor = platform.access.bind(connection, Actor(int(row.id)))
            if not platform.access.may(actor, definition, "create"):
                continue
            if row.manager_id is not None or platform.access.managers_of(actor, int(row.id)):
                wanted.append(int(row.id))
        if not wanted:
            return []
        table = schema.table("work_report")
        sent = set(connection.execute(select(table.c.owner).where(
            table.c.kind == DAILY, table.c.period_start == day, table.c.status == SUBMITTED,
            table.c.deleted_at.is_(None), table.c.owner.in_(wanted),
        )).scalars())  # fmt: skip
    return [user_id for user_id in wanted if user_id not in sent]


def run(platform: Platform) -> int:
    today = platform.now().astimezone(platform.zone).date()
    if today.weekday() >= 5:  # Saturday and Sunday: whoever works them writes without being chased
        return 0
    keeper = platform.job_actor("work report reminder")
    if keeper is None:
        return 0
    period = period_of(DAILY, today)
    told = 0
    with platform.records.transaction(keeper) as context:
        for user_id in due(platform, today):
            sent = context.notify(Notice(
                kind="work_report_reminder", recipients=(user_id,), message=REMINDER,
                params=notice_params(period=period.text), key=f"work_report_reminder:{user_id}:{today.isoformat()}",
            ))  # fmt: skip
            told += 1 if sent else 0
    return told
