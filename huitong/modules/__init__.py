"""Business modules. Each declares its objects and adds actions, hooks, API routes and screens on the engine."""

from __future__ import annotations

from huitong.engine.platform import Module
from huitong.modules import activities, collaboration, notifications, sales, work_reports

# In dependency order: activities point at sales records; the rest point at both.
MODULES: list[Module] = [
    sales.module,
    activities.module,
    notifications.module,
    collaboration.module,
    work_reports.module,
]
