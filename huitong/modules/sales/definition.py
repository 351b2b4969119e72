"""The sales objects as the platform sees them, one file per domain (customers, leads, opportunities)."""

from __future__ import annotations

from huitong.modules.sales.assignment import lead_assignment_rule
from huitong.modules.sales.competitors import competitor, opportunity_competitor
from huitong.modules.sales.customers import account, account_relationship, contact
from huitong.modules.sales.forecast_snapshots import forecast_snapshot
from huitong.modules.sales.good_news import sales_good_news
from huitong.modules.sales.leads import lead, lead_mapping
from huitong.modules.sales.opportunities import opportunity
from huitong.modules.sales.pools import pool
from huitong.modules.sales.processes import sales_process
from huitong.modules.sales.stage_history import opportunity_stage_history
from huitong.modules.sales.targets import sales_target
from huitong.modules.sales.team import opportunity_contact_role, opportunity_team_member

OBJECTS = [
    pool,  # first: leads and accounts look it up
    account,
    contact,
    account_relationship,
    lead,
    lead_mapping,
    lead_assignment_rule,
    sales_process,
    competitor,  # before the opportunity: its winner looks it up
    opportunity,
    opportunity_stage_history,
    sales_target,
    forecast_snapshot,
    opportunity_team_member,
    sales_good_news,
    opportunity_contact_role,
    opportunity_competitor,
]
