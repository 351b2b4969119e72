"""The reclaim job (公海回收): every held record past its ``reclaim_due_at`` goes back to its pool, and the owner of one
due within the pool's ``warn_days`` is reminded once (``reclaim_warned_at``).

It is a sweep (engine/jobs/sweep.py): read through the query engine and written through the record service, in
batches of ``BATCH`` records (one transaction each, a savepoint per record), as the first active system
administrator: who may move anyone's records.
Safe to run twice: a reclaimed record is in its pool and a reminded one has ``reclaim_warned_at``, so neither
matches again; a record someone changed since it was read (followed up, released) is skipped with a version
conflict and looked at again on the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from huitong.engine.i18n import N_, _, use_locale
from huitong.engine.jobs.sweep import sweep
from huitong.engine.notices import Notice, notice_params
from huitong.engine.platform import PeriodicJob, Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor, WriteContext
from huitong.modules.sales.pool_records import Rules, moving

log = logging.getLogger("huitong.sales.pools")
BATCH = 200


def run(platform: Platform) -> int:
    """Warn, then reclaim, pool by pool; the number of records handled."""
    keeper = platform.job_actor("pool reclaim")
    if keeper is None:
        return 0
    handled = 0
    with use_locale(keeper.locale):
        for rules in reclaiming_pools(platform, keeper):
            handled += remind(platform, keeper, rules) + reclaim(platform, keeper, rules)
    return handled


def reclaiming_pools(platform: Platform, keeper: Actor) -> list[Rules]:
    request = {"filter": {"and": [{"field": "active", "op": "eq", "value": True},
                                  {"field": "reclaim_days", "op": "is_null", "value": False}]},
               "sort": ["id"], "limit": 1000}  # fmt: skip
    with platform.records.reading(keeper) as (connection, actor, schema):
        found = Listing(schema, schema.object("pool"), actor, platform.access, platform.filter_env(), request)
        return [Rules.of(row) for row in found.run(connection)["records"]]


def held(rules: Rules, *conditions: dict[str, Any]) -> dict[str, Any]:
    return {"and": [{"field": "home_pool", "op": "eq", "value": rules.id},
                    {"field": "pool", "op": "is_null", "value": True}, *conditions]}  # fmt: skip


def instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def remind(platform: Platform, keeper: Actor, rules: Rules) -> int:
    """Owners of records due within ``warn_days``: marked once, and logged (the notification centre hooks in here)."""
    if not rules.warn_days:
        return 0
    now = platform.now()
    condition = held(rules, {"field": "reclaim_warned_at", "op": "is_null", "value": True},
                     {"field": "reclaim_due_at", "op": "gt", "value": instant(now)},
                     {"field": "reclaim_due_at", "op": "lte", "value": instant(now + timedelta(days=rules.warn_days))})  # fmt: skip
    return each(platform, keeper, rules, condition, lambda context, record: warn(context, rules, record))


def warn(context: WriteContext, rules: Rules, record: dict[str, Any]) -> dict[str, Any]:
    """Tell the owner, in the notification centre, that the record goes back to the pool unless followed up. The key
    names the due date: once per due date, and again should a follow-up move it and it come due again."""
    log.info("pool %s: %s %s of user %s returns on %s unless followed up", rules.id, rules.kind, record["id"],
             record["owner"], record["reclaim_due_at"])  # fmt: skip
    definition = context.schema.object(rules.kind)
    table = context.schema.table(rules.kind)
    title = context.connection.execute(
        select(table.c[definition.title_field]).where(table.c.id == record["id"])
    ).scalar()
    due = datetime.fromisoformat(str(record["reclaim_due_at"]).replace("Z", "+00:00"))
    context.notify(
        Notice(
            "pool_reclaim",
            (int(record["owner"]),),
            N_("%(record)s returns to the pool %(pool)s on %(due)s unless you follow it up"),
            notice_params(record=title or f"#{record['id']}", pool=rules.name,
                          due=due.astimezone(context.records.zone).date().isoformat()),
            object=rules.kind,
            record_id=int(record["id"]),
            key=f"pool_reclaim:{rules.kind}:{record['id']}:{due.isoformat()}",
        )
    )  # fmt: skip
    return {"reclaim_warned_at": context.now}


def reclaim(platform: Platform, keeper: Actor, rules: Rules) -> int:
    condition = held(rules, {"field": "reclaim_due_at", "op": "lte", "value": instant(platform.now())})
    reason = _("Not followed up for %(days)s days") % {"days": rules.reclaim_days}

    def back(context: WriteContext, record: dict[str, Any]) -> dict[str, Any]:
        moved = last_deal_move(platform, context, rules, record["id"]) if rules.kind == "account" else None
        if moved is not None and rules.reclaim_days and moved + timedelta(days=rules.reclaim_days) > context.now:
            return {"reclaim_due_at": moved + timedelta(days=rules.reclaim_days)}  # a deal moved: followed up
        log.info("pool %s: %s %s of user %s returned", rules.id, rules.kind, record["id"], record["owner"])
        return {"owner": rules.administrator, "pool": rules.id, "pool_entered_at": context.now,
                "previous_owner": record["owner"], "release_reason": reason}  # fmt: skip

    return each(platform, keeper, rules, condition, back)


def last_deal_move(platform: Platform, context: WriteContext, rules: Rules, account_id: int) -> datetime | None:
    """When one of the account's opportunities last changed stage (or had an activity): a move on a deal is a
    follow-up of the account. Asked only of accounts about to return, so one small query each."""
    definition = context.schema.object("opportunity")
    since = {
        "field": "stage_entered_at",
        "op": "gte",
        "value": instant(context.now - timedelta(days=rules.reclaim_days or 0)),
    }
    fields = [name for name in ("stage_entered_at", "last_activity_at") if name in definition.fields]
    request = {"filter": {"and": [{"field": "account", "op": "eq", "value": account_id}, since]},
               "sort": ["-stage_entered_at"], "fields": fields, "limit": 1}  # fmt: skip
    found = Listing(context.schema, definition, context.actor, platform.access, platform.filter_env(), request).run(
        context.connection
    )["records"]
    moments = [datetime.fromisoformat(str(found[0][name]).replace("Z", "+00:00")) for name in fields
               if found and found[0].get(name)]  # fmt: skip
    return max(moments) if moments else None


def each(platform: Platform, keeper: Actor, rules: Rules, condition: dict[str, Any], change: Any) -> int:
    """Apply ``change`` to every matching record, a batch per transaction; a record changed meanwhile is skipped."""
    with moving():
        return sweep(platform, keeper, rules.kind, condition, ["owner", "reclaim_due_at"], change, BATCH)


JOB = PeriodicJob("sales.pool_reclaim", run, minutes=30)
