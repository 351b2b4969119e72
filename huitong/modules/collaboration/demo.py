"""Demo conversations: each rep follows a few of their customers and asks their manager about one, the manager
answers, and the director and a regional manager post to their people — written as those people, so that every
rule (who may read, who may be mentioned) applies as it would in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.collaboration import follows, service

# rep → (their manager, what the rep asks, what the manager answers)
ASKS = {
    "zhaoliu": (
        "zhangsan",
        "@张三 客户要求本月底前给出分期付款方案，能否申请特批？",
        "可以，先按三期报，合同里写明验收节点。",
    ),
    "sunqi": ("zhangsan", "@张三 采购换了负责人，下周一起拜访一次？", "好，周二上午我有空。"),
    "zhouba": ("lisi", "@李四 竞争对手报价比我们低 8%，我们怎么应对？", "强调交期和售后，价格最多让 3%。"),
}
POSTS = {
    "chenjing": "本季度还剩三周，请大家把重点商机的下一步都排进日程，周五例会逐个过。",
    "zhangsan": "华东区本周新签两单，感谢赵六和孙七！下周重点跟进苏州和杭州的老客户。",
}
FOLLOWED = 3


def load_collaboration_demo(platform: Platform) -> int:
    """Write the demo follows, comments and posts; returns how many comments."""
    with platform.db.read() as connection:
        ids = {row.username: int(row.id) for row in connection.execute(select(users.c.username, users.c.id))}
    written = 0
    for rep, (manager, ask, answer) in ASKS.items():
        if rep not in ids or manager not in ids:
            continue
        accounts = owned(platform, Actor(ids[rep]), ids[rep])
        for account in accounts:
            follows.follow(platform, Actor(ids[rep]), "account", account)
        if accounts:
            asked = service.post(platform, Actor(ids[rep]), {"object": "account", "record": accounts[0], "body": ask})
            service.post(platform, Actor(ids[manager]), {"object": "account", "record": accounts[0], "body": answer,
                                                         "parent": asked["id"]})  # fmt: skip
            written += 2
    for author, text in POSTS.items():
        if author in ids:
            service.post(platform, Actor(ids[author]), {"body": text})
            written += 1
    return written


def owned(platform: Platform, actor: Actor, owner: int) -> list[int]:
    """A few of ``owner``'s accounts, read as them."""
    with platform.records.reading(actor) as (connection, bound, schema):
        request: dict[str, Any] = {"filter": {"field": "owner", "op": "eq", "value": owner}, "fields": ["id"],
                                   "sort": ["id"], "limit": FOLLOWED}  # fmt: skip
        listing = Listing(schema, schema.object("account"), bound, platform.access, platform.filter_env(), request)
        return [int(record["id"]) for record in listing.run(connection)["records"]]
