"""Business modules. Each declares its objects and adds actions, hooks, API routes and screens on the engine."""

from __future__ import annotations

from huitong.engine.platform import Module
from huitong.modules import activities, sales

MODULES: list[Module] = [sales.module, activities.module]
