"""Demo data: a believable small company, so that every screen shows something on first start."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from huitong.demo_sales import Cast, play_sales_story, set_targets, story_platform
from huitong.engine import notices
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor
from huitong.engine.security import organization
from huitong.engine.security.users import create_user
from huitong.engine.system_tables import users
from huitong.modules.activities.demo import load_activity_demo
from huitong.modules.collaboration.demo import load_collaboration_demo
from huitong.modules.notifications.demo import load_notifications_demo
from huitong.modules.sales.pool_demo import load_pool_demo
from huitong.modules.work_reports.demo import load_report_demo

ADMIN = "admin"
DEMO_PASSWORD = "huitong2026"
# (username, name, region, role): the sales director sees everyone, each regional manager their region's reps.
SALES_TEAM = [
    ("chenjing", "陈静", None, "director"),
    ("zhangsan", "张三", "east", "manager"), ("lisi", "李四", "north", "manager"), ("wangwu", "王五", "south", "manager"),
    ("zhaoliu", "赵六", "east", "rep"), ("sunqi", "孙七", "east", "rep"), ("amy", "Amy Chen", "east", "rep"),
    ("zhouba", "周八", "north", "rep"), ("wujiu", "吴九", "north", "rep"),
    ("zhengshi", "郑十", "south", "rep"), ("linfang", "林芳", "south", "rep"),
]  # fmt: skip
REGIONS = {"east": "华东区", "north": "华北区", "south": "华南区"}
CITIES = [
    ("上海", "上海"), ("北京", "北京"), ("广东", "深圳"), ("广东", "广州"), ("浙江", "杭州"), ("江苏", "苏州"),
    ("江苏", "南京"), ("四川", "成都"), ("湖北", "武汉"), ("陕西", "西安"), ("山东", "青岛"), ("福建", "厦门"),
]  # fmt: skip
WORDS = [
    "华",
    "鑫",
    "汇",
    "通",
    "达",
    "博",
    "盛",
    "泰",
    "恒",
    "科",
    "瑞",
    "德",
    "丰",
    "远",
    "航",
    "宏",
    "源",
    "信",
    "联",
    "创",
]
TRADES = [
    ("科技", "it"), ("电子", "manufacturing"), ("机械", "manufacturing"), ("商贸", "retail"), ("物流", "logistics"),
    ("医疗器械", "healthcare"), ("教育科技", "education"), ("食品", "food"), ("新能源", "energy"), ("置业", "real_estate"),
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红晓东海燕鹏飞宇浩然子涵雨欣思远佳琪梓轩"
TITLES = ["总经理", "采购经理", "技术总监", "财务总监", "IT经理", "运营主管", "销售总监", "行政经理"]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def load_demo(platform: Platform, account_count: int = 2000, seed: int = 2026, opportunities: int | None = None) -> str:
    """The demo company: accounts and contacts, then 18 months of leads and deals played forward (demo_sales.py),
    pools, this year's targets and the activities. ``opportunities`` defaults to half the accounts."""
    with platform.db.write() as connection:
        if connection.execute(select(users.c.id).where(users.c.username == ADMIN)).first():
            return _("The demo data is already loaded.")
        admin_id = create_user(connection, ADMIN, DEMO_PASSWORD, display_name="系统管理员", is_admin=True)
        owners = _organization(connection, admin_id, platform.now())
    rng = random.Random(seed)
    actor = Actor(admin_id, is_admin=True)
    today = platform.now().date()
    with notices.muted(), story_platform(platform) as (story, clock):  # the past is no news
        writer = BulkWriter(story.records)  # the story's clock is before its first day: the customers come first
        taken: set[str] = set()
        accounts = [_account(rng, taken, owners) for _ in range(account_count)]
        account_ids = _write(writer, actor, "account", accounts)
        contacts = [
            _contact(rng, account_id, account["owner"])
            for account_id, account in zip(account_ids, accounts, strict=False)
            for _ in range(rng.randint(1, 3))
        ]
        people: dict[int, list[int]] = {}
        for contact, contact_id in zip(contacts, _write(writer, actor, "contact", contacts), strict=True):
            people.setdefault(contact["account"], []).append(contact_id)
        cast = Cast(owners, accounts, account_ids, people)
        deals = account_count // 2 if opportunities is None else opportunities
        written = play_sales_story(story, clock, actor, cast, (deals, account_count // 2), rng, today)
    with notices.muted():
        load_pool_demo(platform, actor)
        set_targets(platform, actor, owners)
        load_activity_demo(platform, actor)
    load_collaboration_demo(platform)
    load_report_demo(platform)
    load_notifications_demo(platform)
    return _(
        "Demo data loaded: %(accounts)s accounts, %(contacts)s contacts, %(leads)s leads, %(opportunities)s "
        "opportunities. Sign in as %(admin)s / %(password)s (or zhangsan, lisi … with the same password)."
    ) % {
        "accounts": len(accounts), "contacts": len(contacts) + written["contacts"], "leads": written["leads"],
        "opportunities": written["opportunities"], "admin": ADMIN, "password": DEMO_PASSWORD,
    }  # fmt: skip


def _organization(connection: Connection, admin_id: int, now: datetime) -> list[int]:
    """Departments 汇通集团 → 销售部 → regions, roles 总经理 → 销售总监 → regional managers → reps, and the team."""

    def node(kind: str, name: str, parent: int | None) -> int:
        return int(organization.create_node(connection, kind, {"name": name, "parent": parent}, admin_id, now)["id"])

    sales = node("department", "销售部", node("department", "汇通集团", None))
    director_role = node("role", "销售总监", node("role", "总经理", None))
    places: dict[str, tuple[int, int, int]] = {}
    for key, region in REGIONS.items():
        manager_role = node("role", f"{region}销售经理", director_role)
        places[key] = (node("department", region, sales), manager_role, node("role", f"{region}销售代表", manager_role))
    people: dict[str, int] = {}
    for username, display, area, kind in SALES_TEAM:
        department, manager_role, rep_role = places[area] if area else (sales, director_role, director_role)
        role = {"director": director_role, "manager": manager_role, "rep": rep_role}[kind]
        manager = (
            people.get("chenjing")
            if kind == "manager"
            else next((people[u] for u, _d, r, k in SALES_TEAM if r == area and k == "manager" and u in people), None)
        )
        user_id = create_user(
            connection, username, DEMO_PASSWORD, display_name=display, email=f"{username}@demo.huitong.cn"
        )
        connection.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(department_id=department, role_id=role, manager_id=manager)
        )
        people[username] = user_id
    return [people[username] for username, _d, _r, kind in SALES_TEAM if kind != "director"]


def _write(writer: BulkWriter, actor: Actor, object_name: str, records: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(records), 5000):
        failed, results = writer.run(
            actor, object_name, {"operation": "create", "records": records[start : start + 5000]}
        )
        if failed:
            raise RuntimeError(f"demo {object_name}: {[r for r in results if not r['ok']][:3]}")
        ids += [result["id"] for result in results]
    return ids


def _account(rng: random.Random, taken: set[str], owners: list[int]) -> dict[str, Any]:
    """A company with a name no other demo account has (city, a two- or three-character brand, trade)."""
    while True:
        province, city = rng.choice(CITIES)
        trade, industry = rng.choice(TRADES)
        name = f"{city}{''.join(rng.sample(WORDS, rng.choice((2, 2, 3))))}{trade}有限公司"
        if name not in taken:
            taken.add(name)
            break
    return {
        "name": name,
        "type": rng.choice(["customer", "customer", "prospect", "prospect", "partner", "supplier"]),
        "level": rng.choice(["A", "B", "B", "C", "C", "D"]),
        "industry": industry,
        "source": rng.choice(["website", "referral", "trade_show", "campaign", "cold_call", "partner"]),
        "phone": f"0{rng.randint(10, 99)}-{rng.randint(50000000, 89999999)}",
        "province": province,
        "city": city,
        "annual_revenue": str(rng.randint(50, 50000) * 10000),
        "employees": rng.choice([20, 50, 120, 300, 800, 2000, 5000]),
        "owner": rng.choice(owners),
    }


def _contact(rng: random.Random, account_id: int, owner: int) -> dict[str, Any]:
    return {
        "name": _person(rng),
        "account": account_id,
        "title": rng.choice(TITLES),
        "mobile": _mobile(rng),
        "email": f"user{rng.randint(1000, 999999)}@example.cn",
        "birthday": (date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000))).isoformat(),
        "owner": owner,
    }
