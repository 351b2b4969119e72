"""Sales: leads, accounts, contacts and opportunities; conversion, duplicates, processes, pipeline and forecast."""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import Module
from huitong.engine.records.context import Hooks
from huitong.modules.sales import hooks_customers, hooks_pipeline, routes_customers, routes_pipeline
from huitong.modules.sales.definition import OBJECTS


def install_hooks(hooks: Hooks) -> None:
    hooks_customers.install(hooks)
    hooks_pipeline.install(hooks)


module = Module(
    name="sales",
    objects=OBJECTS,
    label={"en": "Sales", "zh_CN": "销售"},
    install_hooks=install_hooks,
    routers=[routes_customers.router, routes_pipeline.router],
    templates=Path(__file__).resolve().parent / "templates",
    record_actions=routes_customers.RECORD_ACTIONS,
)
