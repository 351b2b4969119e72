"""The sales objects as the platform sees them, one file per domain (customers, leads, opportunities)."""

from __future__ import annotations

from huitong.modules.sales.customers import account, contact
from huitong.modules.sales.leads import lead
from huitong.modules.sales.opportunities import opportunity

OBJECTS = [account, contact, lead, opportunity]
