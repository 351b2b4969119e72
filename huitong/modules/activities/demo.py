"""Demo activities: calls, visits, notes and tasks on the demo company's accounts, contacts, opportunities and leads,
spread over the past six weeks, and for every salesperson a day to plan (overdue, due today, a visit today)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor

ACCOUNTS = 150  # the first accounts get a history; enough for every screen, quick to load
LEADS = 60
CALL_NOTES = [
    "确认需求，客户关注交期和售后响应时间", "客户要求下周前发正式报价", "约好周四上门做产品演示",
    "采购经理出差，下周一再联系", "客户在比较两家供应商，价格是关键", "技术总监认可方案，等待内部评审",
]  # fmt: skip
NOTES = [
    ("拜访纪要", "<p>拜访纪要：</p><ul><li>确认采购预算约 <b>50 万</b></li><li>决策人：总经理</li><li>预计下月立项</li></ul>"),
    ("客户反馈", "<p>客户对<b>方案二</b>比较认可，价格还需再谈。</p>"),
    ("竞争情况", "<p>竞争对手已报价，比我们低 8%，需准备差异化说明。</p>"),
    ("回款情况", "<p>财务确认上期款项已付，发票已寄出。</p>"),
]  # fmt: skip
TASKS = ["发送报价单", "整理需求清单", "安排技术交流", "跟进合同审批", "节日问候", "催收回款", "准备投标文件"]
EVENTS = [("visit", "上门拜访"), ("meeting", "方案交流会"), ("demo", "产品演示")]
# near the demo cities, for check-ins
PLACES = [(31.2304, 121.4737, "上海市浦东新区世纪大道 100 号"), (39.9042, 116.4074, "北京市朝阳区建国路 88 号"),
          (22.5431, 114.0579, "深圳市南山区科技园"), (30.2741, 120.1551, "杭州市西湖区文三路 90 号")]  # fmt: skip


def load_activity_demo(platform: Platform, actor: Actor, seed: int = 6) -> int:
    """Write the demo activities as ``actor`` (an administrator); returns how many."""
    rng = random.Random(seed)
    now = platform.now()
    accounts = read(platform, actor, "account", ["id", "name", "owner"], {"field": "owner", "op": "is_null",
                                                                        "value": False}, ACCOUNTS)  # fmt: skip
    ids = [a["id"] for a in accounts]
    contacts = read(platform, actor, "contact", ["id", "account", "mobile"], in_accounts(ids), 1000)
    opportunities = read(platform, actor, "opportunity", ["id", "account", "status"], in_accounts(ids), 1000)
    leads = read(platform, actor, "lead", ["id", "name", "owner", "mobile"],
                 {"field": "status", "op": "in", "value": ["new", "working"]}, LEADS)  # fmt: skip
    made: dict[str, list[dict[str, Any]]] = {"call": [], "note": [], "event": [], "task": []}
    for account in accounts:
        people = [c for c in contacts if c["account"] == account["id"]]
        deals = [o for o in opportunities if o["account"] == account["id"] and o["status"] == "open"]
        for _ in range(rng.randint(1, 4)):
            about = {"account": account["id"], "owner": account["owner"]}
            if people and rng.random() < 0.7:
                about["contact"] = rng.choice(people)["id"]
            if deals and rng.random() < 0.5:
                about["opportunity"] = rng.choice(deals)["id"]
            kind, record = history(rng, now, about, account["name"], people)
            made[kind].append(record)
    for lead in leads:
        about = {"lead": lead["id"], "owner": lead["owner"]}
        made["call"].append(
            {**call(rng, past(rng, now, 21), about, lead.get("mobile")), "subject": f"电话跟进：{lead['name']}"}
        )
    made["task"] += planned(rng, now, platform.zone, accounts)
    made["event"] += visits_today(rng, now, platform.zone, accounts)
    writer = BulkWriter(platform.records)
    for kind in ("note", "call", "event", "task"):
        failed, results = writer.run(actor, kind, {"operation": "create", "records": made[kind]})
        if failed:
            raise RuntimeError(f"demo {kind}: {[r for r in results if not r['ok']][:3]}")
    return sum(len(records) for records in made.values())


def read(platform: Platform, actor: Actor, object_name: str, fields: list[str], filter_: Any,
         limit: int) -> list[dict[str, Any]]:  # fmt: skip
    with platform.records.reading(actor) as (connection, bound, schema):
        request = {"filter": filter_, "fields": fields, "sort": ["id"], "limit": limit}
        listing = Listing(schema, schema.object(object_name), bound, platform.access, platform.filter_env(), request)
        return [dict(row) for row in listing.run(connection)["records"]]


def in_accounts(ids: list[int]) -> Any:
    return {"field": "account", "op": "in", "value": ids or [0]}


def past(rng: random.Random, now: datetime, days: int) -> datetime:
    """A moment in working hours (Shanghai, 09:00–18:00) within the last ``days`` days."""
    moment = now - timedelta(days=rng.randint(1, days), hours=rng.randint(0, 9), minutes=rng.choice((0, 15, 30, 45)))
    return moment.replace(hour=rng.randint(1, 9), second=0, microsecond=0)


def history(rng: random.Random, now: datetime, about: dict[str, Any], name: str,
            people: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:  # fmt: skip
    when = past(rng, now, 42)
    roll = rng.random()
    if roll < 0.4:
        mobile = next((p["mobile"] for p in people if p["id"] == about.get("contact")), None)
        return "call", {**call(rng, when, about, mobile), "subject": f"电话沟通：{name[:12]}"}
    if roll < 0.6:
        title, body = rng.choice(NOTES)
        return "note", {**about, "title": title, "body": body}
    if roll < 0.8:
        kind, label = rng.choice(EVENTS)
        event = {**about, "subject": f"{label}：{name[:10]}", "kind": kind, "start_at": when.isoformat(),
                 "end_at": (when + timedelta(hours=1)).isoformat()}  # fmt: skip
        if kind == "visit":
            latitude, longitude, address = rng.choice(PLACES)
            event.update(check_in_at=(when + timedelta(minutes=5)).isoformat(), check_in_address=address,
                         check_in_latitude=str(latitude), check_in_longitude=str(longitude),
                         check_out_at=(when + timedelta(minutes=55)).isoformat())  # fmt: skip
        return "event", event
    return "task", {**about, "subject": rng.choice(TASKS), "due_at": when.isoformat(), "status": "completed",
                    "completed_at": (when + timedelta(hours=2)).isoformat()}  # fmt: skip


def call(rng: random.Random, when: datetime, about: dict[str, Any], phone: str | None) -> dict[str, Any]:
    outcome = rng.choice(["connected"] * 4 + ["no_answer", "busy", "voicemail"])
    return {
        **about, "direction": rng.choice(["outbound"] * 3 + ["inbound"]), "phone": phone, "started_at": when.isoformat(),
        "outcome": outcome, "duration_seconds": rng.randint(40, 900) if outcome == "connected" else 0,
        "notes": rng.choice(CALL_NOTES) if outcome == "connected" else None,
    }  # fmt: skip


def planned(rng: random.Random, now: datetime, zone: ZoneInfo, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each salesperson's open tasks: two overdue, two due later today, two in the coming week."""
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), tzinfo=zone)
    by_owner: dict[int, list[dict[str, Any]]] = {}
    for account in accounts:
        by_owner.setdefault(account["owner"], []).append(account)
    tasks = []
    for owner, theirs in by_owner.items():
        today = [min(now + timedelta(minutes=minutes), midnight - timedelta(minutes=5)) for minutes in (40, 150)]
        overdue = [now - timedelta(hours=rng.randint(2, 20)), now - timedelta(days=rng.randint(2, 5))]
        coming = [now + timedelta(days=rng.randint(2, 4)), now + timedelta(days=rng.randint(5, 8))]
        for due in (*overdue, *today, *coming):
            tasks.append({"owner": owner, "account": rng.choice(theirs)["id"], "subject": rng.choice(TASKS),
                          "due_at": due.replace(second=0, microsecond=0).isoformat(),
                          "priority": rng.choice(["high", "normal", "normal", "low"])})  # fmt: skip
    return tasks


def visits_today(
    rng: random.Random, now: datetime, zone: ZoneInfo, accounts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A customer visit today for each salesperson: in two hours, or in the last hours of the day when that would
    be tomorrow (a demo loaded late in the evening still has today's visits)."""
    seen: dict[int, dict[str, Any]] = {}
    for account in accounts:
        seen.setdefault(account["owner"], account)
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), tzinfo=zone)
    start = min(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2), midnight - timedelta(hours=2))
    return [
        {"owner": owner, "account": account["id"], "subject": f"上门拜访：{account['name'][:10]}", "kind": "visit",
         "start_at": start.isoformat(), "end_at": (start + timedelta(hours=1)).isoformat(),
         "location": rng.choice(PLACES)[2]}
        for owner, account in seen.items()
    ]  # fmt: skip
