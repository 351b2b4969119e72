"""Demo work reports: for everyone who has a manager, the daily reports of the last working days (a few missed)
and last week's weekly report, each written and submitted by its author in the evening, some reviewed by the
manager — so the team view and the report pages have something to show. Today's are left to write."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.work_reports.periods import period_of

SUMMARIES = [
    "上午电话回访老客户，确认了下季度的采购计划；下午上门拜访，演示了新版方案，客户反馈积极。",
    "整理了三家客户的需求清单，发出两份报价单；跟进合同审批，法务已确认条款。",
    "拜访重点客户采购经理，了解到竞争对手报价更低，需要准备差异化说明。",
    "参加区域例会，梳理本月商机；与技术一起给客户做了产品演示。",
]  # fmt: skip
PROBLEMS = ["", "", "报价需要经理审批特殊折扣。", "客户要求缩短交期，需要和生产确认。", "样机不够，演示排不开。"]
PLANS = [
    "明天上门拜访两家新客户，发出正式报价。", "跟进合同签署，催收上期回款。", "准备投标文件，周五前提交。",
    "约技术交流会，推进方案评审。",
]  # fmt: skip
REVIEWS = ["收到，报价折扣我来申请。", "思路清楚，竞争对手的情况要持续跟踪。", "回款要抓紧，周五前给我进展。"]
WORKDAYS = 5


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def load_report_demo(platform: Platform, seed: int = 15) -> int:
    """Write the demo reports (as their authors, at the time they would have been written); returns how many."""
    rng = random.Random(seed)
    with platform.db.read() as connection:
        people = [(int(row.id), int(row.manager_id)) for row in connection.execute(
            select(users.c.id, users.c.manager_id).where(users.c.active.is_(True), users.c.manager_id.is_not(None))
            .order_by(users.c.id)
        )]  # fmt: skip
    today = platform.now().astimezone(platform.zone).date()
    days = working_days_before(today, WORKDAYS)
    clock = Clock(platform.now())
    story = Platform(platform.settings, platform.modules, clock=clock)  # the same database, its own clock
    written = 0
    try:
        for day in days:
            for author, manager in people:
                if rng.random() < 0.15:
                    continue  # not everyone submits every day
                clock.moment = evening(platform, day, rng)
                report_id = write(story, author, "daily", day, rng)
                written += 1
                if rng.random() < 0.4:
                    clock.moment += timedelta(minutes=rng.randint(20, 90))
                    review(story, manager, report_id, rng)
        last_week = period_of("weekly", today - timedelta(days=7))
        for author, _manager in people:
            clock.moment = evening(platform, last_week.start + timedelta(days=4), rng)  # that Friday evening
            write(story, author, "weekly", last_week.start, rng)
            written += 1
    finally:
        story.close()
    return written


def working_days_before(today: date, count: int) -> list[date]:
    found: list[date] = []
    day = today
    while len(found) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            found.append(day)
    return sorted(found)


def evening(platform: Platform, day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(17, rng.randint(30, 59)), tzinfo=platform.zone)
    return min(local + timedelta(minutes=rng.randint(0, 120)), platform.now())


def write(story: Platform, author: int, kind: str, day: date, rng: random.Random) -> int:
    data: dict[str, Any] = {
        "kind": kind, "period_start": day.isoformat(), "status": "submitted", "summary": rng.choice(SUMMARIES),
        "problems": rng.choice(PROBLEMS) or None, "next_plan": rng.choice(PLANS),
    }  # fmt: skip
    with story.records.transaction(Actor(author)) as context:
        return int(story.records.create_in(context, "work_report", data).values["id"])


def review(story: Platform, manager: int, report_id: int, rng: random.Random) -> None:
    with story.records.transaction(Actor(manager)) as context:
        story.records.create_in(context, "work_report_comment", {"work_report": report_id,
                                                                 "body": rng.choice(REVIEWS)})  # fmt: skip
