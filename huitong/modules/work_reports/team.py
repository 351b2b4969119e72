"""The team's reports for one day or week: every active person below the reader in the role hierarchy (and those
who name the reader as their manager; everyone for an administrator), whether they submitted, when, and their key
numbers, with the totals of what was submitted. Reports are read as the reader through the query engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.modules.work_reports.objects import NUMBER_FIELDS, SUBMITTED
from huitong.modules.work_reports.periods import Period, period_of
from huitong.modules.work_reports.service import today, user_zone

MAX_MEMBERS = 500
AMOUNTS = ("won_amount", "new_opportunity_amount")


@dataclass
class Member:
    user_id: int
    name: str
    report: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        """submitted, draft (started, not sent) or missing."""
        return "missing" if self.report is None else str(self.report.get("status"))

    def as_json(self) -> dict[str, Any]:
        report = self.report or {}
        return {"user": self.user_id, "name": self.name, "status": self.status, "report": report.get("id"),
                "submitted_at": report.get("submitted_at"), "summary": report.get("summary"),
                **{name: report.get(name) for name in NUMBER_FIELDS}}  # fmt: skip


@dataclass
class Team:
    period: Period
    members: list[Member] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for member in self.members if member.status == SUBMITTED)

    @property
    def totals(self) -> dict[str, Any]:
        """The numbers of the submitted reports added up (amounts as text, like the fields)."""
        sent = [member.report for member in self.members if member.report and member.status == SUBMITTED]
        totals: dict[str, Any] = {}
        for name in NUMBER_FIELDS:
            if name in AMOUNTS:
                totals[name] = str(sum((Decimal(str(r.get(name) or 0)) for r in sent), Decimal("0.00")))
            else:
                totals[name] = sum(int(r.get(name) or 0) for r in sent)
        return totals

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.period.kind, "period": {"start": self.period.start.isoformat(),
                                                     "end": self.period.end.isoformat()},
                "submitted": self.submitted, "total": len(self.members),
                "members": [member.as_json() for member in self.members], "totals": self.totals}  # fmt: skip


def people_below(connection: Connection, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the active people whose reports the reader follows, by name."""
    query = select(users.c.id, users.c.display_name).where(users.c.active.is_(True), users.c.id != actor.user_id)
    if not actor.is_admin:
        below = set(getattr(actor.security, "subordinate_ids", frozenset()))
        named = set(connection.execute(select(users.c.id).where(users.c.manager_id == actor.user_id)).scalars())
        wanted = sorted(below | named)
        if not wanted:
            return []
        query = query.where(users.c.id.in_(wanted))
    rows = connection.execute(query.order_by(users.c.display_name, users.c.id).limit(MAX_MEMBERS))
    return [(int(row.id), str(row.display_name)) for row in rows]


def team_reports(platform: Platform, actor: Actor, kind: str, day: date | None) -> Team:
    with platform.records.reading_object(actor, "work_report") as (connection, bound, schema, definition):
        period = period_of(kind, day or today(platform, user_zone(platform, connection, bound.user_id)))
        found = Team(period, [Member(user_id, name) for user_id, name in people_below(connection, bound)])
        if not found.members:
            return found
        request = {"filter": {"and": [
            {"field": "kind", "op": "eq", "value": period.kind},
            {"field": "period_start", "op": "eq", "value": period.start.isoformat()},
            {"field": "owner", "op": "in", "value": [member.user_id for member in found.members]},
        ]}, "fields": ["owner", "status", "submitted_at", "reviewed_at", "summary", *NUMBER_FIELDS],
            "limit": MAX_MEMBERS}  # fmt: skip
        listing = Listing(schema, definition, bound, platform.access, platform.filter_env(), request)
        by_owner = {int(row["owner"]): dict(row) for row in listing.run(connection)["records"]}
        for member in found.members:
            member.report = by_owner.get(member.user_id)
        return found
