"""What people do with a pool: claim a record (领取), release one to the pool with a reason (退回公海), assign one
from the pool (分配), and read the pools they belong to.

Every move is an update through the record service, so it is versioned, hooked and on the record's field history
(owner and pool are tracked). A claim changes the owner from the pool's administrator to the claimer, which the
claimer may not do as themselves (only an owner's managers may move an owner's records): it is a system write in
the claimer's name, after the claimer's own checks (member, can see the record, limits) in the same transaction.
The pool's row is locked first, so two claims from one pool take turns: the second finds the record gone (409).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError, conflict, forbidden, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.records.values import Record
from huitong.modules.sales.conversion import is_id
from huitong.modules.sales.pool_records import Rules, load_rules, moving

PLURALS = {"leads": "lead", "accounts": "account", "lead": "lead", "account": "account"}
MOVE_FIELDS = ["owner", "pool", "home_pool", "previous_owner", "pool_entered_at", "claimed_at", "version"]


def count(platform: Platform, connection: Connection, actor: Actor, schema: Any, object_name: str,
          condition: dict[str, Any]) -> int:  # fmt: skip
    """How many records of the object meet the condition, among those the actor may read."""
    request = {"filter": condition, "fields": ["id"], "limit": 1, "count": True}
    definition = schema.object(object_name)
    return int(
        Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)["total"]
    )


def find(platform: Platform, connection: Connection, actor: Actor, schema: Any, object_name: str, record_id: int,
         fields: list[str]) -> dict[str, Any] | None:  # fmt: skip
    definition = schema.object(object_name)
    request = {"filter": {"field": "id", "op": "eq", "value": record_id}, "fields": fields, "limit": 1}
    found = Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)
    return found["records"][0] if found["records"] else None


def claimed_today(platform: Platform, connection: Connection, actor: Actor, schema: Any, rules: Rules) -> int:
    return count(platform, connection, actor, schema, rules.kind, {"and": [
        {"field": "claimed_by", "op": "eq", "value": actor.user_id},
        {"field": "claimed_at", "op": "eq", "value": "today"},
        {"field": "home_pool", "op": "eq", "value": rules.id}]})  # fmt: skip


def owned(platform: Platform, connection: Connection, actor: Actor, schema: Any, kind: str) -> int:
    """The records of this kind the person holds (not in a pool; a converted lead is done with)."""
    condition: list[dict[str, Any]] = [{"field": "owner", "op": "eq", "value": actor.user_id},
                                       {"field": "pool", "op": "is_null", "value": True}]  # fmt: skip
    if kind == "lead":
        condition.append({"field": "status", "op": "ne", "value": "converted"})
    return count(platform, connection, actor, schema, kind, {"and": condition})


def may_administer(platform: Platform, actor: Actor, schema: Any, rules: Rules) -> bool:
    """The pool's administrator, their managers and system administrators (who may move the administrator's
    records anyway) assign from the pool."""
    return platform.access.may_manage(actor, schema.object(rules.kind), rules.administrator)


# -- claim -------------------------------------------------------------------------------------------------------
def claim(platform: Platform, actor: Actor, pool_id: int, record_id: int) -> dict[str, Any]:
    check_visible(platform, actor, pool_id)
    with moving(), platform.records.transaction(actor) as context:
        rules = locked_pool(context, pool_id)
        claimer, schema = context.actor, context.schema
        if claimer.user_id not in rules.members(claimer.model):
            raise not_found(_("This pool does not exist or you are not one of its members."))
        record = record_in_pool(platform, context, claimer, schema, rules, record_id)
        check_claim(platform, context, claimer, schema, rules, record)
        changes = {"owner": claimer.user_id, "pool": None, "claimed_by": claimer.user_id, "claimed_at": context.now}
        # The claimer may not move the administrator's record as themselves: a system write, still in their name
        # (the record's history says they claimed it).
        system = context.records.system_context(context)
        system.records.update_in(system, rules.kind, record_id, changes, record["version"])
    return platform.records.get(actor, rules.kind, record_id).json()


def check_visible(platform: Platform, actor: Actor, pool_id: int) -> None:
    """404 unless the pool exists and ``actor`` may see it."""
    with platform.records.reading(actor) as (connection, bound, schema):
        if find(platform, connection, bound, schema, "pool", pool_id, ["id"]) is None:
            raise not_found(_("This pool does not exist or you are not one of its members."))


def locked_pool(context: WriteContext, pool_id: int) -> Rules:
    rules = load_rules(context.connection, context.schema, pool_id, lock=True)
    if rules is None:
        raise not_found(_("This pool does not exist or you are not one of its members."))
    if not rules.active:
        raise conflict(_("This pool is closed; nothing can be claimed from it."), code="pool_inactive")
    return rules


def record_in_pool(platform: Platform, context: WriteContext, actor: Actor, schema: Any, rules: Rules,
                   record_id: int) -> dict[str, Any]:  # fmt: skip
    """The record, as ``actor`` sees it, still in the pool: 409 if someone took it first, 404 if never there."""
    fields = [*MOVE_FIELDS, "status"] if rules.kind == "lead" else MOVE_FIELDS
    record = find(platform, context.connection, actor, schema, rules.kind, record_id, fields)
    if record is not None and record["pool"] == rules.id:
        return record
    if came_from(context, rules, record_id):
        raise conflict(_("Someone else has just taken this record from the pool."), code="already_claimed")
    raise not_found(_("This record is not in this pool or you may not see it."))


def came_from(context: WriteContext, rules: Rules, record_id: int) -> bool:
    """Whether the record was in this pool and has been taken (a member may have seen it there): the loser of a
    race hears "someone was quicker" (409), although the record is now the winner's and hidden from them. It says
    nothing of the record but that it left this pool."""
    table = context.schema.table(rules.kind)
    query = select(table.c.id).where(table.c.id == record_id, table.c.home_pool == rules.id,
                                     table.c.pool.is_(None), table.c.deleted_at.is_(None))  # fmt: skip
    return context.connection.execute(query).first() is not None


def check_claim(platform: Platform, context: WriteContext, actor: Actor, schema: Any, rules: Rules,
                record: dict[str, Any]) -> None:  # fmt: skip
    """The previous owner's wait, the daily limit and the limit on what one person holds."""
    connection = context.connection
    if rules.reclaim_block_days and record.get("previous_owner") == actor.user_id:
        entered = record.get("pool_entered_at")
        if entered is not None and _instant(entered) > context.now - timedelta(days=rules.reclaim_block_days):
            message = _("You returned this record to the pool recently; you may claim it again %(days)s days after "
                        "it went back.") % {"days": rules.reclaim_block_days}  # fmt: skip
            raise validation_failed([FieldError("id", "recently_released", message)], message)
    if rules.daily_claim_limit is not None:
        today = claimed_today(platform, connection, actor, schema, rules)
        if today >= rules.daily_claim_limit:
            message = _("You have claimed %(count)s of %(limit)s records from this pool today; claim more "
                        "tomorrow.") % {"count": today, "limit": rules.daily_claim_limit}  # fmt: skip
            raise validation_failed([FieldError("id", "daily_limit", message)], message)
    if rules.owned_limit is not None:
        held = owned(platform, connection, actor, schema, rules.kind)
        if held >= rules.owned_limit:
            message = _("You already hold %(count)s records, the most this pool allows (%(limit)s); release some "
                        "first.") % {"count": held, "limit": rules.owned_limit}  # fmt: skip
            raise validation_failed([FieldError("id", "owned_limit", message)], message)


# -- release and assign ------------------------------------------------------------------------------------------
def release(platform: Platform, actor: Actor, object_name: str, record_id: int, body: Any) -> dict[str, Any]:
    """``{"reason": "…", "pool": id?}``: back to the pool (the one it came from unless another is chosen)."""
    name = PLURALS.get(object_name)
    if name is None:
        raise not_found()
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise validation_failed([FieldError("reason", "required", _("Say why the record goes back to the pool."))])
    with moving(), platform.records.transaction(actor) as context:
        fields = [*MOVE_FIELDS, "status"] if name == "lead" else MOVE_FIELDS
        record = find(platform, context.connection, context.actor, context.schema, name, record_id, fields)
        if record is None:
            raise not_found(_("This record does not exist or you may not see it."))
        if record["pool"] is not None:
            raise conflict(_("This record is already in a pool."), code="in_pool")
        if record.get("status") == "converted":
            raise conflict(_("A converted lead stays with what it became."), code="lead_converted")
        rules = target_pool(context, name, body.get("pool") or record["home_pool"])
        changes = {"owner": rules.administrator, "pool": rules.id, "home_pool": rules.id, "release_reason": reason[:255],
                   "pool_entered_at": context.now, "previous_owner": record["owner"]}  # fmt: skip
        moved = platform.records.update_in(context, name, record_id, changes, record["version"])
    return moved.json()


def target_pool(context: WriteContext, object_name: str, pool_id: Any) -> Rules:
    if pool_id is None:
        raise validation_failed([FieldError("pool", "required", _("Choose the pool it goes back to."))])
    rules = load_rules(context.connection, context.schema, pool_id) if is_id(pool_id) else None
    if rules is None or rules.kind != object_name or not rules.active:
        raise validation_failed([FieldError("pool", "wrong_pool", _("Choose an open pool of this kind of record."))])
    return rules


def assign(platform: Platform, actor: Actor, pool_id: int, body: Any) -> dict[str, Any]:
    """``{"id": record, "owner": user}``: a pool administrator hands a record to a member (limits do not apply: the
    manager decides)."""
    body = body if isinstance(body, dict) else {}
    record_id, owner = body.get("id"), body.get("owner")
    if not is_id(record_id) or not is_id(owner):
        message = _("Give the record's id and the new owner's id.")
        raise validation_failed([FieldError("owner" if is_id(record_id) else "id", "required", message)])
    with moving(), platform.records.transaction(actor) as context:
        rules = locked_pool(context, pool_id)
        if not may_administer(platform, context.actor, context.schema, rules):
            raise forbidden(_("Only the pool's administrator, their managers and administrators assign from it."))
        if owner not in rules.members(context.actor.model):
            message = _("Assign to a member of the pool.")
            raise validation_failed([FieldError("owner", "not_member", message)])
        record = record_in_pool(platform, context, context.actor, context.schema, rules, int(record_id))
        changes = {"owner": owner, "pool": None, "claimed_by": None, "claimed_at": context.now}
        moved: Record = platform.records.update_in(context, rules.kind, int(record_id), changes, record["version"])
    return moved.json()


def _instant(value: Any) -> datetime:
    """A datetime as the query engine returns it (ISO text) or as stored."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
