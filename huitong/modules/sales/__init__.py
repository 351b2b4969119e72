"""Sales: leads, accounts, contacts and opportunities (the sales issue adds pools, pipeline and forecast)."""

from __future__ import annotations

from huitong.engine.platform import Module
from huitong.modules.sales.definition import OBJECTS

module = Module(name="sales", objects=OBJECTS, label={"en": "Sales", "zh_CN": "销售"})
