"""The benchmark's object (x_deal) and its records: deterministic, realistic, Chinese and English mixed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


def words(text: str) -> list[str]:
    return text.split()


OBJECT = "x_deal"
TABLE = "obj_x_deal"
FIRST_DAY = date(2023, 1, 1)
DAYS = 3 * 365 + 1  # 2023-01-01 … 2025-12-31
# The benchmark's administrator (its API token and its browser session).
BENCH_USER = "bench"
BENCH_PASSWORD = "correct-horse-battery-9"
LIST_FIELDS = ["x_name", "x_status", "x_region", "x_amount", "x_signed", "x_owner_name", "x_score"]

STATUSES = [
    ("lead", "Lead", "线索", 15),
    ("qualified", "Qualified", "已确认", 20),
    ("proposal", "Proposal", "方案报价", 20),
    ("won", "Won", "赢单", 25),
    ("lost", "Lost", "输单", 20),
]
REGIONS = [
    ("east", "East China", "华东"),
    ("north", "North China", "华北"),
    ("south", "South China", "华南"),
    ("central", "Central China", "华中"),
    ("southwest", "Southwest", "西南"),
    ("northwest", "Northwest", "西北"),
    ("northeast", "Northeast", "东北"),
    ("overseas", "Overseas", "海外"),
]
CITIES = words("上海 北京 深圳 广州 杭州 成都 武汉 南京 苏州 天津 重庆 西安 青岛 厦门 宁波 长沙 郑州 合肥 大连 沈阳")
WORDS = words(
    "华鑫 腾达 恒通 瑞丰 金桥 新华 远航 中科 博源 嘉禾 宏图 天成 永信 信达 汇丰 长城 东方 星河 创维 安和 "
    "鼎盛 锦程 华创 明德 泰和 隆基 卓越 志远 启明 海纳"
)
TRADES = words("科技 贸易 制造 物流 医药 电子 软件 建设 食品 能源 化工 传媒")
LEGAL = ["有限公司", "股份有限公司", "集团有限公司"]
PROJECTS = [
    "ERP 项目",
    "CRM 实施",
    "年度续约",
    "扩容采购",
    "设备采购",
    "运维服务",
    "数据平台",
    "培训服务",
    "二期工程",
    "试点项目",
]
COMPANIES = words(
    "Acme Globex Initech Northwind Contoso Umbrella Stark Wayne Hooli Vandelay Soylent Tyrell Cyberdyne Wonka "
    "Gringotts Oscorp Pied-Piper Dunder Massive Aperture"
)
SUFFIXES = ["Ltd", "Inc", "GmbH", "Pte Ltd", "LLC", "Co"]
DEAL_KINDS = ["renewal", "expansion", "pilot", "ERP rollout", "support contract", "upgrade", "new logo", "POC"]
SURNAMES = words("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高")
GIVEN = words("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 华 建国")
ENGLISH_OWNERS = ["Alice Chen", "Bob Smith", "Carol Wang", "David Li", "Emma Zhou", "Frank Müller", "Grace Lin"]
NOTES = [
    "客户希望在季度末前完成签约，需要法务审核合同条款。",
    "已安排技术交流会，对方 IT 部门关注数据安全与私有化部署。",
    "Customer asked for a revised quote with a three-year term and volume discount.",
    "决策链较长：采购部、财务部和总经理都需要审批。",
    "Competitor offered a lower price; we lead on integration and local support.",
    "续约谈判中，客户要求增加培训名额和 7×24 小时支持。",
    "Pilot went well; next step is the rollout plan for the remaining sites.",
    "预算已批，等待招标流程启动。",
]


def object_spec() -> dict[str, Any]:
    return {"name": OBJECT, "label": {"en": "Deal", "zh_CN": "商机"}, "plural_label": {"en": "Deals", "zh_CN": "商机"}}


def field_specs() -> list[dict[str, Any]]:
    def picklist(rows: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        return [{"value": value, "label": {"en": en, "zh_CN": zh}} for value, en, zh in rows]

    return [
        {"name": "x_name", "type": "text", "label": {"en": "Name", "zh_CN": "名称"}, "required": True,
         "indexed": True},
        {"name": "x_status", "type": "picklist", "label": {"en": "Status", "zh_CN": "阶段"},
         "values": picklist([(v, en, zh) for v, en, zh, _w in STATUSES])},
        {"name": "x_region", "type": "picklist", "label": {"en": "Region", "zh_CN": "区域"},
         "values": picklist(REGIONS)},
        {"name": "x_amount", "type": "currency", "label": {"en": "Amount", "zh_CN": "金额"}, "currency": "CNY"},
        {"name": "x_signed", "type": "date", "label": {"en": "Signed on", "zh_CN": "签约日期"}},
        {"name": "x_owner_name", "type": "text", "label": {"en": "Sales rep", "zh_CN": "销售代表"}},
        {"name": "x_note", "type": "long_text", "label": {"en": "Note", "zh_CN": "备注"}},
        {"name": "x_score", "type": "integer", "label": {"en": "Score", "zh_CN": "评分"}, "min": 0, "max": 100},
    ]  # fmt: skip


class DealMaker:
    """Deals from a seeded generator, so that every run (and both databases) loads the same data."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.statuses = [value for value, _en, _zh, _w in STATUSES]
        self.weights = [weight for *_rest, weight in STATUSES]
        self.regions = [value for value, _en, _zh in REGIONS]

    def name(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            company = rng.choice(CITIES) + rng.choice(WORDS) + rng.choice(TRADES) + rng.choice(LEGAL)
            return f"{company} {rng.choice(PROJECTS)}"
        return f"{rng.choice(COMPANIES)} {rng.choice(SUFFIXES)} {rng.choice(DEAL_KINDS)}"

    def owner(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(ENGLISH_OWNERS)
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def deal(self) -> dict[str, Any]:
        rng = self.rng
        deal: dict[str, Any]
        amount = min(max(rng.lognormvariate(11.5, 1.1), 1000.0), 50_000_000.0)
        deal = {
            "x_name": self.name(),
            "x_status": rng.choices(self.statuses, self.weights)[0],
            "x_region": rng.choice(self.regions),
            "x_amount": f"{amount:.2f}",
            "x_signed": (FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat(),
            "x_owner_name": self.owner(),
            "x_score": rng.randint(0, 100),
        }
        if rng.random() < 0.7:  # no note: the field is left out, as a form leaves an empty field out
            deal["x_note"] = rng.choice(NOTES)
        return deal

    def deal_batch(self, count: int) -> list[dict[str, Any]]:
        return [self.deal() for _ in range(count)]

    def batches(self, total: int, size: int) -> Iterator[list[dict[str, Any]]]:
        done = 0
        while done < total:
            count = min(size, total - done)
            yield self.deal_batch(count)
            done += count


@dataclass(frozen=True)
class ListParams:
    """One list request: a status and a ~quarter-long signing window."""

    status: str
    start: date
    end: date

    def body(self, cursor: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filter": {
                "and": [
                    {"field": "x_status", "op": "eq", "value": self.status},
                    {"field": "x_signed", "op": "between", "value": [self.start.isoformat(), self.end.isoformat()]},
                ]
            },
            "sort": [{"field": "x_name", "dir": "asc"}],
            "fields": LIST_FIELDS,
            "limit": 50,
        }
        if cursor is not None:
            body["cursor"] = cursor
        return body


def list_params(count: int, seed: int) -> list[ListParams]:
    """Filters that vary a little: every status, windows of 80–100 days anywhere in the three years."""
    rng = random.Random(seed)
    statuses = [value for value, _en, _zh, _w in STATUSES]
    found = []
    for index in range(count):
        width = rng.randint(80, 100)
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - width))
        found.append(ListParams(statuses[index % len(statuses)], start, start + timedelta(days=width)))
    return found


AGGREGATE_BODY: dict[str, Any] = {
    "group_by": [{"field": "x_status"}, {"field": "x_signed", "bucket": "month"}],
    "measures": [{"fn": "sum", "field": "x_amount"}, {"fn": "count"}],
}
