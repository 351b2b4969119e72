"""The demo company's sales story: 18 months of leads and deals played forward day by day.

A second ``Platform`` on the same settings and modules runs on a clock the story moves, so that every record is
written through the record service and its hooks at the moment it happens in the story: an opportunity is created
on a day in the last 18 months and moves stage by stage through the default process after plausible stays, most
deals stopping early (lost with a reason, a few suspended), about a third of the closed ones won. Stage history,
close dates, cycle lengths, good news and the funnel therefore come out as the pipeline hooks make them. All the
writes of one story day share one transaction (one clock reading); accounts and contacts, which need no story, are
bulk-written before the first day.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.security.tables import departments
from huitong.engine.system_tables import users
from huitong.modules.sales.choices import DEFAULT_STAGES
from huitong.modules.sales.conversion import convert
from huitong.modules.sales.target_store import create_targets

STORY_DAYS = 540  # 18 months
LEAD_DAYS = 180
# The default process's open stages with their expected days, and the share of deals that go on from each stage
# to the next (the last: negotiation → won). 0.7 × 0.75 × 0.8 × 0.75 ≈ 31 % of the deals are won; of the rest 85 %
# are lost and 15 % suspended, so about a third of the closed deals are won.
OPEN_STAGES = [(value, days or 14) for value, _en, _zh, _p, days in DEFAULT_STAGES if value not in ("won", "lost")]
GO_ON = [0.7, 0.75, 0.8, 0.75]
LOSS_REASONS = [("price", 30), ("competitor", 30), ("no_budget", 14), ("no_decision", 14), ("product_fit", 7),
                ("relationship", 5)]  # fmt: skip
FORECAST_BY_STAGE = {"solution_proposed": "best_case", "negotiation": "commit"}
PRODUCTS = [
    "ERP 实施",
    "CRM 升级",
    "MES 系统",
    "设备采购",
    "年度维保服务",
    "软件许可",
    "系统集成",
    "数据中台",
    "云迁移",
]
COMPETITORS = [
    ("云帆软件", "premium", "ERP、财务云", "品牌知名度高，大客户案例多", "实施周期长，价格高"),
    ("鼎新科技", "mid", "MES、供应链", "制造业经验深，现场实施团队强", "界面老旧，移动端弱"),
    ("天枢数据", "mid", "数据中台、BI", "技术强，报表灵活", "行业方案少，服务网点少"),
    ("博锐智能", "budget", "CRM、营销自动化", "价格低，上线快", "定制能力弱，稳定性一般"),
    ("长风信息", "mixed", "系统集成、运维服务", "本地关系好，响应快", "产品化程度低"),
    ("星河云", "budget", "SaaS 办公套件", "免费试用，获客能力强", "数据安全顾虑，难以私有化部署"),
    ("泰岳系统", "premium", "大型 ERP、咨询", "咨询能力强，高层关系好", "报价高，项目常延期"),
    ("华迅网络", "mid", "网络设备、机房建设", "硬件价格有优势", "软件能力弱"),
]  # fmt: skip
STRENGTHS = [5, 3, 2, 2, 3, 1, 4, 1]  # of the competitors above, in order
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红晓东海燕鹏飞宇浩然子涵雨欣思远佳琪梓轩"
CAMPAIGNS = ["2026 智能制造峰会", "春季新品发布会", "华东行业沙龙", "官网白皮书下载", "渠道伙伴大会"]


@dataclass
class Deal:
    """One opportunity's life: its values at creation and the changes on the days they happen."""

    values: dict[str, Any]
    created: date
    moves: list[tuple[date, dict[str, Any]]] = field(default_factory=list)
    rivals: list[int] = field(default_factory=list)
    extras: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # its competitors, contact roles, team
    from_lead: dict[str, Any] | None = None  # the lead it is converted from, created a few days before
    record_id: int | None = None
    lead_id: int | None = None


@dataclass
class Cast:
    """Who and what the story is about: the salespeople and the accounts (with their contacts) they own."""

    owners: list[int]
    accounts: list[dict[str, Any]]
    account_ids: list[int]
    contacts: dict[int, list[int]]
    competitors: list[int] = field(default_factory=list)
    strength: dict[int, int] = field(default_factory=dict)  # how often a competitor wins the deals we lose to one


class StoryClock:
    """The story's clock: starts before the story's first day; ``move`` goes to a day's working hour, never past
    the real now (today's events happen before the demo is loaded)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.moment = datetime.combine(now.date() - timedelta(days=STORY_DAYS + 20), time(2), tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def move(self, day: date, hour: int) -> None:
        self.moment = min(datetime.combine(day, time(hour), tzinfo=UTC), self.now)


@contextmanager
def story_platform(platform: Platform) -> Iterator[tuple[Platform, StoryClock]]:
    """A platform on the same database and modules whose clock the story moves."""
    clock = StoryClock(platform.now())
    story = Platform(platform.settings, platform.modules, clock=clock)
    try:
        yield story, clock
    finally:
        story.close()


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def amount_of(rng: random.Random) -> Decimal:
    """Most deals are tens of thousands of yuan, a few run into millions."""
    return Decimal(max(8, min(3000, round(rng.lognormvariate(4.6, 0.9))))) * 1000


def new_deal(rng: random.Random, cast: Cast, created: date) -> Deal:
    position = rng.randrange(len(cast.account_ids))
    account, account_id = cast.accounts[position], cast.account_ids[position]
    contacts: list[int | None] = [*cast.contacts.get(account_id, []), None]
    values: dict[str, Any] = {
        "name": f"{account['name'][:12]} {rng.choice(PRODUCTS)}", "account": account_id,
        "amount": str(amount_of(rng)), "owner": account["owner"], "primary_contact": contacts[0],
        "source": rng.choice(["website", "referral", "trade_show", "campaign", "cold_call", "partner"]),
        "next_step": rng.choice(["安排技术交流", "提交方案", "约见决策人", "商务谈判", "演示系统", "发送报价单"]),
    }  # fmt: skip
    deal = Deal(values, created)
    if rng.random() < 0.55:
        deal.rivals = rng.sample(cast.competitors, rng.choice((1, 1, 2, 3)))
    amount = Decimal(values["amount"])
    for rival in deal.rivals:
        deal.extras.append(("opportunity_competitor", {
            "competitor": rival, "product": rng.choice(["标准版", "企业版", "旗舰版", "定制方案"]),
            "quoted_price": str(round(amount * Decimal(rng.uniform(0.75, 1.1)) / 1000) * 1000),
            "threat_level": rng.choice(["high", "medium", "medium", "low"])}))  # fmt: skip
    for contact, role in zip(contacts[:-1], ["decision_maker", "evaluator", "purchaser"], strict=False):
        deal.extras.append(("opportunity_contact_role", {"contact": contact, "role": role,
                                                         "is_primary": role == "decision_maker"}))  # fmt: skip
    if amount >= 300000 and len(cast.owners) > 1:  # big deals get a presales colleague, credited a share
        colleague = rng.choice([owner for owner in cast.owners if owner != values["owner"]])
        deal.extras.append(("opportunity_team_member", {"user": colleague, "role": "presales", "access": "read",
                                                        "split_percent": rng.choice([10, 20, 30])}))  # fmt: skip
    return deal


def stays(rng: random.Random) -> list[int]:
    """Days in each open stage: around the stage's expected days, some much longer."""
    return [max(1, round(expected * rng.lognormvariate(0, 0.45))) for _stage, expected in OPEN_STAGES]


def advance(rng: random.Random, deal: Deal, day: date, index: int) -> None:
    """The deal moves on from open stage ``index`` to the next (the last one: won)."""
    following = OPEN_STAGES[index + 1][0] if index + 1 < len(OPEN_STAGES) else "won"
    change: dict[str, Any] = {"stage": following}
    if following in FORECAST_BY_STAGE:
        change["forecast_category"] = FORECAST_BY_STAGE[following]
    if following == "negotiation":  # the customer bargains
        change["amount"] = str(round(Decimal(deal.values["amount"]) * Decimal(rng.uniform(0.82, 1.0)) / 1000) * 1000)
    deal.moves.append((day, change))


def plan_deal(rng: random.Random, cast: Cast, today: date) -> Deal:
    """A deal of the last 18 months going on stage by stage until it stops (lost, suspended) or is won."""
    deal = new_deal(rng, cast, today - timedelta(days=int(STORY_DAYS * rng.random() ** 1.2)))  # more lately
    day = deal.created
    for index, stay in enumerate(stays(rng)):
        day += timedelta(days=stay)
        if rng.random() >= GO_ON[index]:
            deal.moves.append((day, ending(rng, deal, cast)))
            if deal.moves[-1][1].get("status") == "suspended":  # most never come back: the customer cancels
                cancelled = {"status": "terminated", "close_summary": "客户取消项目"}
                deal.moves.append((day + timedelta(days=rng.randint(45, 120)), cancelled))
            break
        advance(rng, deal, day, index)
    deal.values["close_date"] = deal.moves[-1][0].isoformat()  # the planned close; closing moves set the real one
    return deal


def plan_in_flight(rng: random.Random, cast: Cast, today: date, stage: int) -> Deal:
    """A deal that is at open stage ``stage`` today, somewhere in its stay there: the pipeline of every stage."""
    planned = stays(rng)
    elapsed = sum(planned[:stage]) + rng.randint(0, planned[stage] - 1)
    deal = new_deal(rng, cast, today - timedelta(days=elapsed))
    day = deal.created
    for index in range(stage):
        day += timedelta(days=planned[index])
        advance(rng, deal, day, index)
    closing = sum(planned[stage:]) - (elapsed - sum(planned[:stage]))
    # the owner's expected close: the stays ahead, give or take a few weeks of optimism
    deal.values["close_date"] = (today + timedelta(days=max(7, closing) + rng.randint(0, 45))).isoformat()
    return deal


def ending(rng: random.Random, deal: Deal, cast: Cast) -> dict[str, Any]:
    """How a deal that stops at its stage ends: mostly lost with a reason, a few suspended."""
    if rng.random() < 0.15:
        return {"status": "suspended", "next_step": "客户项目暂缓，季度后回访"}
    reason = rng.choices([r for r, _w in LOSS_REASONS], [w for _r, w in LOSS_REASONS])[0]
    change: dict[str, Any] = {"stage": "lost", "loss_reason": reason}
    if reason == "competitor":
        rivals = deal.rivals or cast.competitors  # the premium rivals take more of the deals they meet
        change["winner"] = rng.choices(rivals, [cast.strength.get(rival, 1) for rival in rivals])[0]
    return change


def plan_leads(rng: random.Random, cast: Cast, count: int, today: date) -> list[tuple[date, dict[str, Any]]]:
    """Leads of the last six months: the older, the further they went (new → working → qualified/unqualified)."""
    from huitong.demo import CITIES, TRADES, WORDS
    from huitong.demo import _mobile as mobile

    found = []
    for _ in range(count):
        age = int(LEAD_DAYS * rng.random())
        province, city = rng.choice(CITIES)
        trade, industry = rng.choice(TRADES)
        if age < 14:
            status = rng.choice(["new", "new", "working"])
        elif age < 60:
            status = rng.choice(["new", "working", "working", "qualified", "unqualified"])
        else:
            status = rng.choice(["working", "qualified", "qualified", "unqualified"])
        found.append((today - timedelta(days=age), {
            "name": person(rng), "company": f"{city}{''.join(rng.sample(WORDS, 2))}{trade}有限公司",
            "mobile": mobile(rng), "status": status, "industry": industry, "province": province, "city": city,
            "source": rng.choice(["website", "referral", "trade_show", "campaign", "cold_call"]),
            "campaign": rng.choice(CAMPAIGNS) if rng.random() < 0.3 else None,
            "rating": rng.choice(["hot", "warm", "warm", "cold"]), "owner": rng.choice(cast.owners),
        }))  # fmt: skip
    return found


def play_sales_story(
    story: Platform,
    clock: StoryClock,
    admin: Actor,
    cast: Cast,
    counts: tuple[int, int],
    rng: random.Random,
    today: date,
) -> dict[str, int]:
    """Play (opportunities, leads) up to today, day by day; returns how many of each were written."""
    opportunity_count, lead_count = counts
    cast.competitors = write_competitors(story, admin)
    cast.strength = dict(zip(cast.competitors, STRENGTHS, strict=True))
    in_flight = max(len(OPEN_STAGES) * 2, opportunity_count // 7)  # every stage of the board has deals today
    deals = [plan_in_flight(rng, cast, today, index % len(OPEN_STAGES)) for index in range(in_flight)]
    deals += [plan_deal(rng, cast, today) for _ in range(max(0, opportunity_count - in_flight))]
    for deal in rng.sample(deals, len(deals) // 12):  # some deals began as a lead that was converted
        company = cast.accounts[cast.account_ids.index(deal.values["account"])]["name"]
        deal.from_lead = {"name": person(rng), "company": company, "status": "qualified",
                          "owner": deal.values["owner"], "source": deal.values["source"]}  # fmt: skip
    days = calendar(deals, plan_leads(rng, cast, lead_count, today), today)
    for day in sorted(days):
        clock.move(day, rng.randint(1, 9))  # 09:00–17:00 in China
        play_day(story, admin, days[day])
    converted = sum(1 for deal in deals if deal.from_lead)  # each brought a new contact
    return {"opportunities": len(deals), "leads": lead_count + converted, "contacts": converted}


def calendar(
    deals: list[Deal], leads: list[tuple[date, dict[str, Any]]], today: date
) -> dict[date, list[tuple[str, Any, Any]]]:
    """What happens on each day up to today: ("lead", values), ("opportunity", deal), ("move", deal, change)."""
    days: dict[date, list[tuple[str, Any, Any]]] = defaultdict(list)
    for created, values in leads:
        days[created].append(("lead", values, None))
    for deal in deals:
        if deal.from_lead is not None:
            days[deal.created - timedelta(days=7 + deal.created.toordinal() % 21)].append(
                ("lead", deal.from_lead, deal)
            )
        days[deal.created].append(("opportunity", deal, None))
        for day, change in deal.moves:
            if day <= today:
                days[day].append(("move", deal, change))
    return {day: events for day, events in days.items() if day <= today}


def play_day(story: Platform, admin: Actor, events: list[tuple[str, Any, Any]]) -> None:
    """One story day: conversions first (each its own transaction, as the conversion screen does), then the rest
    of the day's writes in one transaction."""
    for kind, deal, _extra in events:
        if kind == "opportunity" and deal.lead_id is not None:
            opportunity = {key: deal.values[key] for key in ("name", "amount", "close_date")}
            made = convert(story, admin, deal.lead_id, {"account": deal.values["account"], "contact": None,
                                                        "opportunity": opportunity})  # fmt: skip
            deal.record_id = made["opportunity_id"]
    with story.records.transaction(admin) as context:
        for kind, subject, extra in events:
            if kind == "lead":
                lead = story.records.create_in(context, "lead", {k: v for k, v in subject.items() if v is not None})
                if extra is not None:
                    extra.lead_id = int(lead["id"])
            elif kind == "opportunity":
                start_deal(story, context, subject)
            elif subject.record_id is not None:
                story.records.update_in(context, "opportunity", subject.record_id, extra, None)


def start_deal(story: Platform, context: WriteContext, deal: Deal) -> None:
    if deal.record_id is None:
        deal.record_id = int(story.records.create_in(context, "opportunity", deal.values)["id"])
    elif deal.from_lead is not None:  # converted: the deal's other values join it
        story.records.update_in(context, "opportunity", deal.record_id, {"next_step": deal.values["next_step"]}, None)
    for object_name, values in deal.extras:
        story.records.create_in(context, object_name, {**values, "opportunity": deal.record_id})


def write_competitors(story: Platform, admin: Actor) -> list[int]:
    found = []
    with story.records.transaction(admin) as context:
        for name, price, products, strengths, weaknesses in COMPETITORS:
            values = {"name": name, "price_position": price, "main_products": products, "strengths": strengths,
                      "weaknesses": weaknesses}  # fmt: skip
            found.append(int(story.records.create_in(context, "competitor", values)["id"]))
    return found


def set_targets(platform: Platform, admin: Actor, owners: list[int]) -> int:
    """This year's targets per salesperson (split into quarters and months) and per region and the sales
    department: a little above what each won over the last twelve months, so attainment is near 100 %."""
    today = platform.now().date()
    with platform.db.read() as connection:
        query = select(users.c.id, users.c.department_id).where(users.c.id.in_(owners))
        homes = {row.id: row.department_id for row in connection.execute(query)}
        parents = {
            row.id: row.parent_id for row in connection.execute(select(departments.c.id, departments.c.parent_id))
        }
    won = won_last_year(platform, admin, today)
    # rounded to 120,000 a year, so that quarters and months are round too
    step = Decimal(120000)
    yearly = {
        owner: max(3 * step, round(won.get(owner, Decimal(0)) * Decimal("1.05") / step) * step) for owner in owners
    }
    by_department: dict[int, Decimal] = defaultdict(Decimal)
    for owner, amount in yearly.items():
        for department in chain(homes.get(owner), parents):
            by_department[department] += amount
    made = 0
    holders = [("user", owner, amount) for owner, amount in yearly.items()] + [
        ("department", department, amount) for department, amount in by_department.items()]  # fmt: skip
    for kind, holder, amount in holders:
        body = {kind: holder, "period": str(today.year), "amount": str(amount), "split": True}
        made += len(create_targets(platform, admin, body))
    return made


def chain(department: int | None, parents: dict[int, int | None]) -> Iterator[int]:
    """The department and those above it, stopping below the company (the root has no sales target)."""
    while department is not None and parents.get(department) is not None:
        yield department
        department = parents.get(department)


def won_last_year(platform: Platform, admin: Actor, today: date) -> dict[int, Decimal]:
    from huitong.engine.query.aggregate import Aggregation

    request = {
        "filter": {"and": [{"field": "status", "op": "eq", "value": "won"},
                           {"field": "close_date", "op": "gte", "value": (today - timedelta(days=365)).isoformat()}]},
        "group_by": ["owner"], "measures": [{"fn": "sum", "field": "amount", "as": "amount"}],
    }  # fmt: skip
    with platform.records.reading(admin) as (connection, bound, schema):
        rows = Aggregation(schema, schema.object("opportunity"), bound, platform.access, platform.filter_env(),
                           request).run(connection)["rows"]  # fmt: skip
    return {row["owner"]: Decimal(row["amount"] or 0) for row in rows}
