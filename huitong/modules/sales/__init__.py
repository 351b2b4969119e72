"""Sales: leads, accounts, contacts and opportunities; conversion, duplicates, processes, pipeline and forecast."""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import HomeWidget, Module, Screen
from huitong.engine.records.context import Hooks
from huitong.modules.sales import (
    competitor_pages,
    competitors,
    duplicates,
    forecast,
    forecast_snapshots,
    funnel,
    home_targets,
    hooks_customers,
    hooks_pipeline,
    pool_reclaim,
    pool_records,
    pools,
    routes_customers,
    routes_pipeline,
    routes_pools,
    stage_overdue,
)
from huitong.modules.sales.definition import OBJECTS


def install_hooks(hooks: Hooks) -> None:
    hooks_customers.install(hooks)
    hooks_pipeline.install(hooks)
    competitors.install(hooks)
    pools.install(hooks)
    pool_records.install(hooks)


module = Module(
    name="sales",
    objects=OBJECTS,
    label={"en": "Sales", "zh_CN": "销售"},
    install_hooks=install_hooks,
    routers=[routes_customers.router, routes_pipeline.router, routes_pools.router, competitor_pages.router],
    templates=Path(__file__).resolve().parent / "templates",
    record_actions=[*routes_customers.RECORD_ACTIONS, *routes_pools.RECORD_ACTIONS],
    sidebar=["lead", "account", "contact", "opportunity", "competitor", "sales_target", "sales_good_news"],
    screens=[
        Screen({"en": "Pipeline", "zh_CN": "商机看板"}, "/sales/pipeline", "opportunity"),
        Screen({"en": "Forecast and funnel", "zh_CN": "预测与漏斗"}, "/sales/forecast", "opportunity"),
        Screen({"en": "Win/loss by competitor", "zh_CN": "竞争对手赢输分析"}, "/sales/competitors", "competitor"),
        Screen({"en": "Visits this week", "zh_CN": "本周拜访"}, "/sales/visits", "account"),
        Screen({"en": "Pools", "zh_CN": "公海池"}, "/sales/pools", "pool"),
    ],
    periodic=[pool_reclaim.JOB, stage_overdue.JOB, forecast_snapshots.JOB],
    similar_records=duplicates.SIMILAR,
    summaries=[forecast.SUMMARY, funnel.SUMMARY],
    home_widgets=[HomeWidget("sales.target", home_targets.widget)],
)
