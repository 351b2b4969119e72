"""Demo pools: the East region's lead pool and a company-wide customer pool, with records waiting in each, some
released with a reason, and a few claimed ones on their way back (so the pools page and a reminder show something)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from huitong.engine.i18n import use_locale
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.sales import pool_actions

CITIES = [("上海", "上海"), ("江苏", "苏州"), ("浙江", "杭州"), ("江苏", "南京"), ("浙江", "宁波")]
BRANDS = ["恒信", "瑞丰", "宏达", "博远", "鑫源", "华创", "联泰", "盛航", "德科", "汇智", "信达", "丰远"]
TRADES = [("精密机械", "manufacturing"), ("电子科技", "it"), ("物流", "logistics"), ("医疗器械", "healthcare"),
          ("食品", "food"), ("新能源", "energy")]  # fmt: skip
NAMES = ["王建国", "李娜", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "吴昊", "徐丽", "孙强", "马超"]
REASONS = ["客户暂无预算，明年再议", "联系人已离职，需重新找对接人", "多次联系未接通", "客户已选择竞争对手"]
LEAD_POOL = {"name": "华东线索公海", "kind": "lead", "member_departments": "华东区", "daily_claim_limit": 5,
             "owned_limit": 200, "protection_days": 7, "reclaim_days": 30, "warn_days": 3, "reclaim_block_days": 7,
             "description": "市场部收集的华东区线索，销售自由领取；30天未跟进自动回收。"}  # fmt: skip
ACCOUNT_POOL = {"name": "全国客户公海池", "kind": "account", "member_departments": "销售部", "daily_claim_limit": 3,
                "owned_limit": 500, "protection_days": 15, "reclaim_days": 90, "warn_days": 7,
                "reclaim_block_days": 30, "description": "90天未跟进的客户回到这里，任何销售都可领取。"}  # fmt: skip


def load_pool_demo(platform: Platform, admin: Actor, seed: int = 2026) -> None:
    people = usernames(platform)
    if not {"zhangsan", "chenjing", "zhaoliu"} <= people.keys():
        return
    rng = random.Random(seed)
    with use_locale("zh_CN"), platform.records.transaction(admin) as context:  # the pools' groups named in Chinese
        lead_pool = platform.records.create_in(context, "pool", {**LEAD_POOL, "administrator": people["zhangsan"]})
        account_pool = platform.records.create_in(context, "pool", {**ACCOUNT_POOL,
                                                                    "administrator": people["chenjing"]})  # fmt: skip
        leads = [
            platform.records.create_in(context, "lead", lead(rng, index, int(lead_pool["id"]))) for index in range(24)
        ]
        for index in range(14):
            platform.records.create_in(context, "account", account(rng, index, int(account_pool["id"])))
    rep = Actor(people["zhaoliu"], locale="zh_CN")
    for record in leads[:3]:  # claimed this morning: protected, then due back unless followed up
        pool_actions.claim(platform, rep, int(lead_pool["id"]), int(record["id"]))


def usernames(platform: Platform) -> dict[str, int]:
    with platform.db.read() as connection:
        return {row.username: int(row.id) for row in connection.execute(select(users.c.username, users.c.id))}


def company(rng: random.Random, city: str) -> tuple[str, str]:
    trade, industry = rng.choice(TRADES)
    return f"{city}{rng.choice(BRANDS)}{trade}有限公司", industry


def lead(rng: random.Random, index: int, pool_id: int) -> dict[str, Any]:
    province, city = rng.choice(CITIES)
    name, industry = company(rng, city)
    released = index % 4 == 3
    return {"name": rng.choice(NAMES), "company": name, "industry": industry, "province": province, "city": city,
            "mobile": f"139{rng.randint(10000000, 99999999)}", "source": rng.choice(["website", "trade_show", "campaign"]),
            "pool": pool_id, "release_reason": rng.choice(REASONS) if released else None}  # fmt: skip


def account(rng: random.Random, index: int, pool_id: int) -> dict[str, Any]:
    province, city = rng.choice(CITIES)
    name, industry = company(rng, city)
    return {"name": f"{name}（公海{index + 1}）", "industry": industry, "province": province, "city": city,
            "level": rng.choice(["B", "C", "C", "D"]), "type": "prospect", "pool": pool_id,
            "release_reason": rng.choice(REASONS)}  # fmt: skip
